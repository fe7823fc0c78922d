"""Validator study and multi-seed summary on synthetic evaluations with known answers."""

from __future__ import annotations

import json
import math

import pytest
from fixtures.tools import load_tool

from dareg.analysis.model_selection import spearman, study_selection
from dareg.analysis.seeds import select_by_validator, summarize_seeds

# run A: accuracy 50 70 60 65 (oracle 70, last 65); run B: 40 45 80 30 (oracle 80, last 30).
# "good" ranks checkpoints as accuracy does, "bad" the other way round.
ACCURACY = {"seed_0": [50.0, 70.0, 60.0, 65.0], "seed_1": [40.0, 45.0, 80.0, 30.0]}


def evaluations(name: str) -> list[dict]:
    return [
        {"step": 100 * (i + 1), "accuracy": a, "validator/good": 2 * a - 1, "validator/bad": -a}
        for i, a in enumerate(ACCURACY[name])
    ]


def write_run(work_dir, evaluations_: list[dict]) -> None:
    folder = work_dir / "20260101_000000" / "vis_data"
    folder.mkdir(parents=True)
    lines = []
    for evaluation in evaluations_:
        lines.append({"iter": evaluation["step"], "loss": 0.1, "step": evaluation["step"]})
        lines.append({**{k: v for k, v in evaluation.items() if k != "step"}, "step": evaluation["step"]})
    (folder / "scalars.json").write_text("\n".join(json.dumps(line) for line in lines) + "\n")


def test_selection_study_matches_the_hand_computed_answers():
    study = study_selection({name: evaluations(name) for name in ACCURACY}, "accuracy")
    rows = {row.name: row for row in study.rows}
    assert list(rows) == ["last checkpoint", "bad (max)", "good (max)", "oracle (target labels)"]
    assert rows["last checkpoint"].chosen[0] == pytest.approx(47.5)
    assert rows["last checkpoint"].lost[0] == pytest.approx(27.5)  # (70 - 65 + 80 - 30) / 2
    assert rows["good (max)"].chosen[0] == pytest.approx(75.0) and rows["good (max)"].lost == (0.0, 0.0)
    assert rows["good (max)"].rank_correlation == pytest.approx((1.0, 0.0))
    assert rows["good (max)"].pooled_rank_correlation == pytest.approx(1.0)
    assert rows["bad (max)"].chosen[0] == pytest.approx(40.0)  # 50 and 30
    assert rows["bad (max)"].lost[0] == pytest.approx(35.0)  # (20 + 50) / 2
    assert rows["bad (max)"].rank_correlation == pytest.approx((-1.0, 0.0))
    assert rows["oracle (target labels)"].chosen[0] == pytest.approx(75.0)
    assert "| good (max) | 75.00 ± 7.07 | 0.00 ± 0.00 | 1.00 ± 0.00 | 1.00 |" in study.markdown()


def test_spearman_uses_ranks_and_is_nan_for_constant_input():
    assert spearman([1, 2, 3, 4], [10, 20, 25, 1000]) == pytest.approx(1.0)
    assert spearman([1, 2, 3], [3, 1, 2]) == pytest.approx(-0.5)
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))


def test_select_by_validator_skips_nan_scores_and_takes_the_earliest_tie():
    evals = [
        {"step": 1, "accuracy": 10.0, "validator/x": 0.5},
        {"step": 2, "accuracy": 20.0, "validator/x": float("nan")},
        {"step": 3, "accuracy": 30.0, "validator/x": 0.5},
    ]
    assert select_by_validator(evals, "validator/x", "accuracy") == (10.0, 1)


def test_multi_seed_summary_reports_last_each_validator_and_oracle(tmp_path):
    for name in ACCURACY:
        write_run(tmp_path / name, evaluations(name))
    summary = summarize_seeds([str(tmp_path / name) for name in ACCURACY])
    assert summary.metric == "accuracy"  # validator scores are never taken for the metric
    assert summary.validators == ["validator/bad", "validator/good"]
    assert summary.selected("validator/good")[0] == pytest.approx(75.0)
    assert summary.seeds[0].by_validator["validator/bad"] == (50.0, 100)
    text = summary.format()
    assert "chosen by good:" in text and "iterations 200, 300" in text
    assert summary.to_dict()["selected_by_validator"]["validator/bad"]["mean"] == pytest.approx(40.0)


def test_validator_study_tool_reads_seed_folders_and_writes_markdown(tmp_path, capsys):
    for name in ACCURACY:
        write_run(tmp_path / "study" / name, evaluations(name))
    out = tmp_path / "table.md"
    tool = load_tool("analysis/validator_study.py")
    assert tool.main([str(tmp_path / "study"), "--markdown", str(out)]) == 0
    assert "checkpoints per run: [4, 4]" in capsys.readouterr().out
    assert "| bad (max) | 40.00 ± 14.14 | 35.00 ± 21.21 | -1.00 ± 0.00 |" in out.read_text()
