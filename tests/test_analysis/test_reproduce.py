"""The reproduction check: one row per table, rerun with the recorded options, compared with the record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dareg.analysis import reproduce as reproduce_module
from dareg.analysis.reproduce import DEFAULT_RUNS, format_reproductions, recorded_options, reproduce
from dareg.analysis.runs import RunRecord
from dareg.analysis.study import load_tables, rows_by_key

ROOT = Path(__file__).resolve().parents[2]
RUNS = json.loads((ROOT / "docs" / "results" / "embedded" / "runs.json").read_text())


def test_default_runs_are_one_recorded_row_of_every_table_with_a_validation_metric() -> None:
    tables = load_tables(ROOT / "configs" / "studies" / "embedded_benchmarks.yaml")
    table_of = {row.key: table.key for table in tables for row in table.rows}
    covered = [table_of[key.split("/")[0]] for key in DEFAULT_RUNS]
    assert sorted(covered) == sorted(t.key for t in tables if t.key != "translation")  # once each
    assert all(key.endswith("/seed_0") and key in RUNS for key in DEFAULT_RUNS)
    rows = rows_by_key(tables)
    assert all(not rows[key.split("/")[0]].depends for key in DEFAULT_RUNS)  # each reruns on its own


def test_recorded_options_parse_as_train_py_does() -> None:
    command = [
        "python",
        "tools/train.py",
        "c.py",
        "--cfg-options",
        "randomness.seed=2",
        "model.lambda_adv=[1e-12,1e-12]",
    ]
    assert recorded_options(command + ["--amp"]) == {"randomness.seed": 2, "model.lambda_adv": [1e-12, 1e-12]}
    assert recorded_options(["python", "tools/train.py", "c.py"]) == {}


def record(accuracy: float, environment: dict) -> dict:
    command = ["python", "tools/train.py", "c.py", "--cfg-options", "randomness.seed=0"]
    return {
        "config": "c.py",
        "command": command,
        "evaluations": [{"step": 5, "accuracy": accuracy}],
        "environment": environment,
    }


def test_reproduce_compares_the_rerun_with_the_record_and_names_what_changed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environment = {"packages": {"opencv-python": "5.0.0.93"}, "threads": 1, "data": {}}
    reruns: list[tuple[str, dict, bool]] = []

    def run_training(config: str, work_dir: Path, options: dict, reuse: bool, root: Path) -> RunRecord:
        reruns.append((config, options, reuse))
        new = {"packages": {"opencv-python": "5.1.0.95"}, "threads": 1, "data": {}}
        return RunRecord(["x"], "d", [{"step": 5, "accuracy": 50.21}], 1.0, environment=new)

    monkeypatch.setattr(reproduce_module, "run_training", run_training)
    records = {"font/seed_0": record(53.27, environment), "old/seed_0": record(50.21, {})}
    font, old = reproduce(records, ("font/seed_0", "old/seed_0"), tmp_path)
    assert reruns == [("c.py", {"randomness.seed": 0}, False)] * 2  # recorded options, never reused
    assert not font.agrees and font.measured - font.recorded == pytest.approx(-3.06)
    assert font.environment_changes == ["opencv-python 5.0.0.93 -> 5.1.0.95"]
    assert old.agrees and old.environment_changes == ["the record predates environment records"]
    table = format_reproductions([font, old])
    assert "| font/seed_0 | accuracy | 53.27 | 50.21 | -3.06 | NO |" in table
    with pytest.raises(KeyError, match="no record named"):
        reproduce(records, ("missing/seed_0",), tmp_path)
