"""Results tables: gap closed and gains per seed, against hand-computed numbers."""

from __future__ import annotations

import math

import pytest

from dareg.analysis.tables import MethodResult, format_table, gap_closed, mean_std, summarize_rows


def test_gap_closed_by_hand():
    assert gap_closed(60.0, 50.0, 90.0) == pytest.approx(0.25)
    assert gap_closed(90.0, 50.0, 90.0) == pytest.approx(1.0)
    assert gap_closed(40.0, 50.0, 90.0) == pytest.approx(-0.25)
    assert math.isnan(gap_closed(60.0, 50.0, 50.0))  # no gap to close
    assert math.isnan(gap_closed(60.0, 50.0, 40.0))


def test_rows_are_paired_by_seed():
    rows = [
        MethodResult("SO", {0: 50.0, 1: 40.0, 2: 45.0}, "source_only"),
        MethodResult("Oracle", {0: 90.0, 1: 80.0, 2: 95.0}, "oracle"),
        MethodResult("M", {0: 70.0, 1: 60.0, 2: 45.0}),
        MethodResult("Unpaired", {7: 70.0}),
    ]
    summaries = {s.name: s for s in summarize_rows(rows)}
    method = summaries["M"]
    # per seed: gains 20, 20, 0; gaps closed 0.5, 0.5, 0.0
    assert method.gain == pytest.approx(40.0 / 3) and method.gain_std == pytest.approx(mean_std([20, 20, 0])[1])
    assert method.gap_closed == pytest.approx(1 / 3)
    assert method.gap_closed_std == pytest.approx(mean_std([0.5, 0.5, 0.0])[1])
    assert method.mean == pytest.approx(175 / 3)
    # no shared seed: from the means
    unpaired = summaries["Unpaired"]
    assert unpaired.gain == pytest.approx(70.0 - 45.0)
    assert unpaired.gap_closed == pytest.approx((70.0 - 45.0) / (265 / 3 - 45.0))
    assert math.isnan(summaries["SO"].gain) and math.isnan(summaries["Oracle"].gap_closed)
    assert summaries["Oracle"].gain == pytest.approx(mean_std([40, 40, 50])[0])


def test_table_lists_every_row_with_the_oracle_beside_source_only():
    rows = [
        MethodResult("Source-only", {0: 50.0, 1: 52.0}, "source_only"),
        MethodResult("Target oracle", {0: 90.0, 1: 92.0}, "oracle"),
        MethodResult("ADDA", {0: 60.0, 1: 66.0}, extra={"Bright / dark": "80 / 10"}),
    ]
    lines = format_table(rows).splitlines()
    assert lines[0].startswith("| Method | Target accuracy (%) | Per seed | Gain over source-only | Gap closed (%)")
    assert "Bright / dark" in lines[0]
    assert lines[2].startswith("| **Source-only** | 51.0 ± 1.4 | 50.0, 52.0 |")
    assert lines[3].startswith("| **Target oracle** | 91.0 ± 1.4 |")
    assert lines[4] == "| ADDA | 63.0 ± 4.2 | 60.0, 66.0 | +12.0 ± 2.8 | 30.0 ± 7.1 | 80 / 10 |  |"


def test_one_source_only_row_per_table():
    rows = [MethodResult("a", {0: 1.0}, "source_only"), MethodResult("b", {0: 2.0}, "source_only")]
    with pytest.raises(ValueError, match="2 rows have role 'source_only'"):
        summarize_rows(rows)
