"""Numbers quoted in prose are the numbers of the generated results tables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TABLES = ROOT / "docs" / "results" / "embedded" / "tables.md"
#: A mean ± std as the tables print it (one decimal).
MEAN_STD = re.compile(r"\d+\.\d ± \d+\.\d")


@pytest.mark.parametrize(
    "page", ["README.md", "docs/methods/dacs.md", "docs/methods/daformer.md", "docs/methods/mic.md"]
)
def test_every_quoted_mean_and_std_is_in_the_tables(page: str) -> None:
    quoted = set(MEAN_STD.findall((ROOT / page).read_text()))
    assert quoted, f"{page} quotes no embedded result"
    missing = sorted(quoted - set(MEAN_STD.findall(TABLES.read_text())))
    assert not missing, (
        f"{page} quotes {missing}, which docs/results/embedded/tables.md does not have: copy the numbers "
        "from the regenerated tables (tools/analysis/embedded_benchmarks.py --docs docs/results/embedded)"
    )
