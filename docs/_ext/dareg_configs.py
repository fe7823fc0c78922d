"""Sphinx extension: list the config files of a method, as they exist when the docs are built.

``.. dareg-configs:: configs/adaptseg/*.py configs/demo/adaptseg_*.py`` renders one bullet per
matching file (paths relative to the repository root): the path and, verbatim, the file's leading
comment block, where dareg's configs say what they run, the published numbers and the commands. A pattern that matches
nothing is reported in the page, so a method page never lists configs that do not exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective


def repository_root(srcdir: str | Path) -> Path:
    """The dareg checkout that holds the documentation sources (``docs/``'s parent)."""
    return Path(srcdir).resolve().parent


def config_header(path: Path) -> str:
    """The leading ``#`` comment block of a config (what it runs and how), without the ``#``."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[2:] if line.startswith("# ") else line[1:])
    return "\n".join(lines).strip("\n")


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
                header = config_header(path)
                item = nodes.list_item()
                item += nodes.paragraph("", "", nodes.literal(relative, relative))
                if header:
                    item += nodes.literal_block(header, header, language="text")
                bullets += item
            result.append(bullets)
        if empty:
            result.append(nodes.paragraph("", "No config file matches " + ", ".join(empty) + " in this checkout yet."))
        return result


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("dareg-configs", ConfigListDirective)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
