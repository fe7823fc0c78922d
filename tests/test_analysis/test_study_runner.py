"""A partial study updates the published report without dropping the rows it did not run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dareg.analysis import study_runner
from dareg.analysis.runs import RunRecord
from dareg.analysis.study import Row, Table


def tables() -> list[Table]:
    rows = [
        Row(key="src", name="Source-only", config="configs/demo/source_only_synth2real.py", role="source_only"),
        Row(key="orc", name="Target oracle", config="configs/demo/oracle_synth2real.py", role="oracle"),
        Row(key="dann", name="DANN", config="configs/demo/dann_synth2real.py"),
    ]
    return [Table(key="pair", title="A pair", description="Two domains.", rows=rows)]


def entry(accuracy: float, command: str = "old") -> dict:
    return {
        "config": "c.py",
        "command": [command],
        "digest": "d",
        "evaluations": [{"step": 10, "accuracy": accuracy}],
        "wall_time_s": 60.0,
        "host": "h (2 CPUs)",
        "environment": {"threads": 1},
    }


@pytest.fixture
def fake_training(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """run_training replaced by a record scoring 70% for DANN, so nothing trains."""
    trained: list[str] = []

    def run_training(config: str, work_dir: Path, options: dict, reuse: bool, root: Path) -> RunRecord:
        trained.append(Path(work_dir).parent.name)
        Path(work_dir).mkdir(parents=True)
        return RunRecord(["new"], "d2", [{"step": 10, "accuracy": 70.0}], 30.0, environment={"threads": 1})

    monkeypatch.setattr(study_runner, "run_training", run_training)
    return trained


def test_partial_study_merges_into_docs(tmp_path: Path, fake_training: list[str]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    previous = {
        "src/seed_0": entry(50.0),
        "orc/seed_0": entry(90.0),
        "dann/seed_0": entry(55.0),
        "retired_row/seed_0": entry(1.0),
    }
    (docs / "runs.json").write_text(json.dumps(previous))

    text, failures = study_runner.run_study(tables(), [0], tmp_path / "out", tmp_path, only=["dann"], docs=docs)

    assert failures == [] and fake_training == ["dann"]
    runs = json.loads((docs / "runs.json").read_text())
    assert runs["dann/seed_0"]["command"] == ["new"] and runs["dann/seed_0"]["evaluations"][0]["accuracy"] == 70.0
    assert runs["src/seed_0"] == previous["src/seed_0"] and runs["retired_row/seed_0"] == previous["retired_row/seed_0"]
    # gap closed (70 - 50) / (90 - 50) = 50%, from the new run against the recorded ones
    assert "70.0" in text and "50.0" in text and "90.0" in text and "55.0" not in text
    assert "2 runs of 2 rows were not rerun by this command" in text
    assert (docs / "tables.md").read_text() == text


def test_full_study_without_docs_reports_only_its_runs(tmp_path: Path, fake_training: list[str]) -> None:
    text, _ = study_runner.run_study(tables(), [0], tmp_path / "out", tmp_path, only=["dann"])
    assert "not rerun" not in text
    assert set(json.loads((tmp_path / "out" / "runs.json").read_text())) == {"dann/seed_0"}


def test_results_from_runs_skips_unknown_rows() -> None:
    rows = {row.key: row for row in tables()[0].rows}
    results = study_runner.results_from_runs({"src/seed_2": entry(50.0), "gone/seed_0": entry(1.0)}, rows)
    assert list(results) == [("src", 2)]
    assert results[("src", 2)]["record"].final("accuracy") == 50.0
    assert results[("src", 2)]["record"].environment == {"threads": 1}
