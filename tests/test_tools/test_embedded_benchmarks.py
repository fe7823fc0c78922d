"""tools/analysis/embedded_benchmarks.py: every row's config exists, runs are reused, tables come out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.tools import load_tool

from dareg.analysis.runs import format_option, load_record
from dareg.utils.config import load_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tool():
    return load_tool("analysis/embedded_benchmarks.py")


def test_every_row_names_a_loadable_config_and_known_dependencies(tool):
    for table in tool.TABLES:
        roles = [row.role for row in table.rows]
        if table.key != "translation":  # each results table has its baseline and its upper bound
            assert roles.count("source_only") == 1 and roles.count("oracle") == 1, table.key
        for row in table.rows:
            cfg = load_config(str(ROOT / row.config))
            assert cfg.model.type, row.key
            for reference in row.depends.values():
                assert reference.split(":", 1)[1] in tool.ROWS, row.key
            if row.quality:
                assert tool.ROWS[row.quality].role == "oracle"


def test_options_round_trip_through_cfg_options_syntax():
    import argparse

    from mmengine.config import DictAction

    parser = argparse.ArgumentParser()
    parser.add_argument("--o", nargs="+", action=DictAction)
    options = {"model.lambda_adv": (0.0, 0.0), "randomness.seed": 2, "a.b": "x/y", "c": [1, 2], "d": 1e-4}
    parsed = parser.parse_args(["--o", *(format_option(k, v) for k, v in options.items())]).o
    assert parsed == options


def test_study_trains_once_reuses_and_reports(tool, tmp_path, monkeypatch):
    row = tool.Row("tiny", "Tiny source-only", "configs/demo/source_only_digits.py", "source_only",
                   options={"train_cfg.max_iters": 2, "train_cfg.val_interval": 2,
                            "default_hooks.checkpoint.interval": 2, "train_dataloader.batch_size": 8},
                   polarity=True)
    oracle = tool.Row("tiny_oracle", "Tiny oracle", "configs/demo/oracle_digits.py", "oracle", options=row.options)
    table = tool.Table("tiny", "Tiny", "two iterations", [row, oracle])
    monkeypatch.setattr(tool, "TABLES", [table])
    monkeypatch.setattr(tool, "ROWS", {"tiny": row, "tiny_oracle": oracle})
    out = tmp_path / "study"
    assert tool.main(["--seeds", "0", "--jobs", "2", "--out-dir", str(out), "--docs", str(tmp_path / "docs")]) == 0
    record = load_record(out / "tiny" / "seed_0")
    assert record.evaluations and record.evaluations[-1]["step"] == 2
    assert "--cfg-options" in record.command and "randomness.seed=0" in record.command
    first_mtime = (out / "tiny" / "seed_0" / "run.json").stat().st_mtime_ns
    # a second call reuses the finished runs (same resolved config): nothing is retrained
    assert tool.main(["--seeds", "0", "--out-dir", str(out)]) == 0
    assert (out / "tiny" / "seed_0" / "run.json").stat().st_mtime_ns == first_mtime
    tables = (tmp_path / "docs" / "tables.md").read_text()
    assert "| **Tiny source-only** |" in tables and "| **Tiny oracle** |" in tables
    assert "Bright / dark digits" in tables and (tmp_path / "docs" / "tiny.png").is_file()
    runs = json.loads((tmp_path / "docs" / "runs.json").read_text())
    assert set(runs) == {"tiny/seed_0", "tiny_oracle/seed_0"} and runs["tiny/seed_0"]["digest"] == record.digest
    environment = runs["tiny/seed_0"]["environment"]  # what the number depends on besides the config (issue 22)
    assert environment["packages"]["opencv-python"] and environment["threads"] == 1
    assert any(name.startswith("EmbeddedDigitsDataset(") for name in environment["data"])
    # a changed option retrains that run only
    row.options = {**row.options, "train_cfg.max_iters": 4, "train_cfg.val_interval": 4}
    assert tool.main(["--seeds", "0", "--out-dir", str(out), "--only", "tiny"]) == 0
    assert load_record(out / "tiny" / "seed_0").evaluations[-1]["step"] == 4
