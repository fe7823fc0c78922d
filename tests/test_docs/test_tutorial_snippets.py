"""Every ```python block of the tutorial pages runs, in order, as a reader would run it.

Only fenced blocks whose language is exactly ``python`` are executed (shell commands and config
excerpts use ``bash`` / ``text`` fences or are included from real files). Blocks of one page share a
namespace; the working directory is the repository root, as the pages assume.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dareg.registry import BACKBONES, MODELS

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "docs/tutorials/timm_backbone.md",
    "docs/tutorials/swap_backbone.md",
    "docs/tutorials/mit_daformer.md",
]
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(page: Path) -> list[str]:
    return FENCE.findall(page.read_text(encoding="utf-8"))


@pytest.fixture
def registrations():
    """Forget what the snippets register (they define example classes), not dareg's own lazily imported parts."""
    before = {registry: set(registry.names()) for registry in (BACKBONES, MODELS)}
    yield
    for registry, names in before.items():
        for name in set(registry._module_dict) - names:
            registry._module_dict.pop(name)


@pytest.mark.parametrize("page", PAGES)
def test_python_blocks_of_the_page_run(page, registrations, monkeypatch):
    blocks = python_blocks(ROOT / page)
    assert blocks, f"{page} has no python block"
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": "tutorial"}
    for index, block in enumerate(blocks):
        exec(compile(block, f"{page}[python block {index}]", "exec"), namespace)
