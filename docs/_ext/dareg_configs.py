"""Sphinx extension: list the config files of a method, as they exist when the docs are built.

``.. dareg-configs:: configs/adaptseg/*.py configs/demo/adaptseg_*.py`` renders one bullet per
matching file (paths relative to the repository root): the path, the description in the file's
leading comment block, and the commands found there as a literal block. A pattern that matches
nothing is reported in the page, so a method page never lists configs that do not exist.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

_COMMAND = re.compile(r"^(python|bash|srun|sbatch|torchrun|pip|dareg)\b")


def repository_root(srcdir: str | Path) -> Path:
    """The dareg checkout that holds the documentation sources (``docs/``'s parent)."""
    return Path(srcdir).resolve().parent


def config_header(path: Path) -> tuple[str, list[str]]:
    """The description and the commands of a config's leading ``#`` comment block."""
    text, commands = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        body = line.lstrip("#").strip()
        command = body.split(":", 1)[-1].strip() if not _COMMAND.match(body) else body
        if _COMMAND.match(command):
            commands.append(re.split(r"\s{2,}\(", command)[0].strip())
            before = body[: body.find(command)].strip() if command != body else ""
            if before:
                text.append(before)
        elif body:
            text.append(body)
    return " ".join(text), commands


def find_configs(root: Path, patterns: list[str]) -> tuple[list[Path], list[str]]:
    """Files matching ``patterns`` under ``root`` (sorted, unique) and the patterns that matched none."""
    found: list[Path] = []
    empty = []
    for pattern in patterns:
        matches = sorted(p for p in root.glob(pattern) if p.is_file() and p.name != "__init__.py")
        if not matches:
            empty.append(pattern)
        found += [m for m in matches if m not in found]
    return found, empty


class ConfigListDirective(SphinxDirective):
    """``.. dareg-configs:: PATTERN [PATTERN ...]``: the configs that exist, with their descriptions."""

    required_arguments = 1
    optional_arguments = 20
    has_content = False

    def run(self) -> list[nodes.Node]:
        root = repository_root(self.env.srcdir)
        found, empty = find_configs(root, self.arguments)
        result: list[nodes.Node] = []
        if found:
            bullets = nodes.bullet_list()
            for path in found:
                self.env.note_dependency(str(path))
                relative = path.relative_to(root).as_posix()
                description, commands = config_header(path)
                item = nodes.list_item()
                paragraph = nodes.paragraph()
                paragraph += nodes.literal(relative, relative)
                if description:
                    paragraph += nodes.Text(": " + description)
                item += paragraph
                for command in commands:
                    item += nodes.literal_block(command, command, language="bash")
                bullets += item
            result.append(bullets)
        if empty:
            result.append(nodes.paragraph("", "No config file matches " + ", ".join(empty) + " in this checkout yet."))
        return result


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("dareg-configs", ConfigListDirective)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
