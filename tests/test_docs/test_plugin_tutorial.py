"""The plugin tutorial stays right: its sample outputs are what the commands print today.

Every ```bash block of docs/tutorials/plugin.md that is one ``dareg ...`` command and is followed by
a ```text block is run (in-process, in a scratch folder); the text block must match its output
line by line, where a line ``...`` stands for any lines, ``...`` inside a line for any text, and
runs of spaces compare equal. The page's literalincludes name real files and anchors.
"""

from __future__ import annotations

import glob
import re
import shlex
from pathlib import Path

import pytest

from dareg import cli

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "tutorials" / "plugin.md"
SAMPLE = re.compile(r"```bash\n(dareg [^\n]*)\n```\n\n```text\n(.*?)```", re.S)


def samples() -> list[tuple[str, str]]:
    found = SAMPLE.findall(PAGE.read_text(encoding="utf-8"))
    assert len(found) >= 4, "the tutorial lost its sample outputs"
    return found


def normal(line: str) -> str:
    return " ".join(line.split())


def matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in normal(expected).split("..."))
    return re.fullmatch(pattern, normal(actual)) is not None


def assert_output_matches(expected_text: str, output: str, command: str) -> None:
    actual = output.splitlines()
    position, gap = 0, False
    for expected in expected_text.rstrip("\n").splitlines():
        if expected.strip() == "...":
            gap = True
            continue
        candidates = range(position, len(actual)) if gap else range(position, min(position + 1, len(actual)))
        hit = next((i for i in candidates if matches(expected, actual[i])), None)
        assert hit is not None, f"`{command}`: the page shows {expected!r}, the command printed:\n{output}"
        position, gap = hit + 1, False


@pytest.mark.parametrize("command,expected", samples(), ids=lambda value: value.split("\n")[0][:40])
def test_sample_output_is_what_the_command_prints(command, expected, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(shlex.split(command)[1:]) == 0
    assert_output_matches(expected, capsys.readouterr().out, command)


def test_the_matcher_rejects_a_wrong_sample():
    with pytest.raises(AssertionError):
        assert_output_matches("name  version\nadvent  9.9.9", "name version\nadvent 0.1.0", "x")
    assert_output_matches("a (...)\n...\nc ...", "a (13)\nb\nc d e", "x")


@pytest.mark.parametrize("include", re.findall(r"```\{literalinclude\} ([^\n]+)\n((?::[^\n]*\n)*)", PAGE.read_text()))
def test_literalincludes_point_at_real_files_and_anchors(include):
    path, options = include
    text = (PAGE.parent / path).resolve().read_text(encoding="utf-8")
    for anchor in re.findall(r':(?:start-at|end-before|start-after): "?([^"\n]+)"?', options):
        assert anchor in text, f"{path}: anchor {anchor!r} not found"
    for name in re.findall(r":pyobject: (\S+)", options):
        assert re.search(rf"^(class|def) {name}\b", text, re.M), f"{path}: no {name}"


def shipped_files() -> set[Path]:
    """The checkout files that dareg's wheel ships: its package modules and the package data of pyproject.toml.

    The package-data patterns are expanded with ``glob(recursive=True)`` from ``dareg/``, as setuptools
    does; links (``dareg/.mim/plugins`` -> ``plugins/``) are resolved to the checkout's files.
    """
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    package = ROOT / "dareg"
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["dareg"]
    files = {p.resolve() for p in package.rglob("*.py") if (p.parent / "__init__.py").is_file()}
    for pattern in patterns:
        files |= {(package / match).resolve() for match in glob.glob(pattern, root_dir=package, recursive=True)}
    return files


def test_the_code_the_tutorials_show_ships_in_the_wheel():
    """A user of the installed wheel finds every included file: in dareg, or in `dareg examples` copies."""
    shipped = shipped_files()
    pages = sorted((ROOT / "docs" / "tutorials").glob("*.md")) + sorted((ROOT / "docs" / "reference").glob("*.md"))
    included = [
        (page, (page.parent / path).resolve())
        for page in pages
        for path in re.findall(r"```\{literalinclude\} ([^\n]+)\n", page.read_text(encoding="utf-8"))
    ]
    assert sum(page == PAGE for page, _ in included) >= 15
    missing = [f"{page.name}: {path.relative_to(ROOT)}" for page, path in included if path not in shipped]
    assert not missing, f"included by the docs but not in dareg's wheel: {missing}"
    assert (ROOT / "plugins/dareg-advent/dareg_advent/advent.py").resolve() in shipped
    assert (ROOT / "plugins/dareg-advent/dareg_advent.egg-info/PKG-INFO").resolve() not in shipped
