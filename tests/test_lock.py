"""The locked environment pins every dependency dareg declares, at a version the constraints allow."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def test_every_declared_dependency_and_extra_is_pinned_in_the_lock():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    declared = [*project["dependencies"], *extras["dev"], *extras["docs"]]
    locked = _pins(ROOT / "requirements" / "lock.txt")
    missing = sorted({_name(r) for r in declared} - set(locked))
    assert not missing, (
        f"requirements/lock.txt does not pin {missing}, which pyproject.toml declares: refresh the lock "
        "(docs/get_started/install.md, 'Refreshing the lock')"
    )


def test_the_lock_agrees_with_the_constraints():
    locked = _pins(ROOT / "requirements" / "lock.txt")
    constrained = _pins(ROOT / "requirements" / "constraints.txt")
    assert constrained and all(locked[name] == version for name, version in constrained.items())
    assert locked["opencv-python"] == "5.0.0.93"  # the release the published digits were drawn with
