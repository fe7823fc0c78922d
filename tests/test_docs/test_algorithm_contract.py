"""The BaseAlgorithm reference page names every public member, and method pages render train_spec."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from dareg.algorithms.base import BaseAlgorithm
from dareg.registry import ALGORITHMS

ROOT = Path(__file__).resolve().parents[2]


def test_reference_page_lists_every_public_member_of_base_algorithm():
    page = (ROOT / "docs" / "reference" / "algorithm_contract.md").read_text(encoding="utf-8")
    members = [name for name in vars(BaseAlgorithm) if not name.startswith("_")]
    assert {"optimizer", "step", "predict_with", "frozen", "train_spec"} <= set(members)
    missing = [name for name in members if f"`{name}" not in page]
    assert not missing, f"docs/reference/algorithm_contract.md does not describe {missing}"


def load_extension():
    spec = importlib.util.spec_from_file_location("dareg_train_spec", ROOT / "docs" / "_ext" / "dareg_train_spec.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("page", sorted((ROOT / "docs" / "methods").glob("*.md")), ids=lambda p: p.stem)
def test_method_pages_render_the_declared_train_step(page):
    names = re.findall(r"```\{dareg-train-spec\} (\w+)", page.read_text(encoding="utf-8"))
    if not names:
        pytest.skip(f"{page.name} has no dareg-train-spec directive")
    extension = load_extension()
    for name in names:
        markdown = extension.train_spec_markdown(name)
        for key in ALGORITHMS.get(name).train_spec.optimizer_keys:
            assert f"`{key}`" in markdown
