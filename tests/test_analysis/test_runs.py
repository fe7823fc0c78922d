"""The reuse rule of results studies: a finished run is reused only in the environment it was made in."""

from __future__ import annotations

import json
import subprocess

import pytest

from dareg.analysis import runs
from dareg.analysis.runs import RunRecord, load_record, rerun_reason, run_environment, run_training
from dareg.utils.environment import RESULT_PACKAGES, environment_differences

CONFIG = "configs/demo/source_only_synth2real.py"


def _environment(**changes):
    environment = {
        "packages": {"torch": "2.14.1", "opencv-python": "5.0.0.93"},
        "threads": 1,
        "dareg_commit": "abc",
        "data": {"FontDigitsDataset(seed=0)": "f" * 64},
    }
    for key, value in changes.items():
        environment[key] = {**environment[key], **value} if isinstance(value, dict) else value
    return environment


def test_the_environment_of_a_demo_run_has_versions_threads_commit_and_data():
    environment = run_environment(CONFIG, {"randomness.seed": 0})
    assert set(RESULT_PACKAGES) <= set(environment["packages"]) and environment["threads"] == runs.RUN_THREADS
    assert environment["packages"]["opencv-python"] and "dareg-advent" in environment["packages"]
    assert {name.split("(")[0] for name in environment["data"]} == {"FontDigitsDataset", "HandwrittenDigitsDataset"}
    assert all(len(value) == 64 for value in environment["data"].values())


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, None),
        ({"dareg_commit": "def"}, None),  # traced, not compared: the config digest tracks the change
        ({"packages": {"opencv-python": "5.1.0.95"}}, "opencv-python 5.0.0.93 -> 5.1.0.95"),
        ({"threads": 2}, "threads 1 -> 2"),
        (
            {"data": {"FontDigitsDataset(seed=0)": "0" * 64}},
            "data FontDigitsDataset(seed=0): fingerprint ffffffffffff -> 000000000000",
        ),
    ],
)
def test_rerun_reason_names_what_differs(changes, expected):
    record = RunRecord(command=[], digest="d", evaluations=[], wall_time_s=0.0, environment=_environment())
    assert rerun_reason(record, "d", _environment(**changes)) == expected
    assert environment_differences(_environment(), _environment(**changes)) == ([expected] if expected else [])


def test_records_without_an_environment_or_with_another_config_are_not_reused():
    old = RunRecord(command=[], digest="d", evaluations=[], wall_time_s=0.0)
    assert "predates environment records" in rerun_reason(old, "d", _environment())
    assert rerun_reason(None, "d", _environment()) == "no finished run"
    assert rerun_reason(RunRecord([], "d", [], 0.0, environment=_environment()), "e", _environment()) == (
        "the resolved config changed"
    )


def test_run_training_reuses_in_the_same_environment_and_retrains_when_a_version_moves(tmp_path, monkeypatch, capsys):
    trainings = []

    def fake_training(command, **kwargs):
        trainings.append(command)
        return subprocess.CompletedProcess(command, 0)

    environment = _environment()
    monkeypatch.setattr(runs.subprocess, "run", fake_training)
    monkeypatch.setattr(runs, "run_environment", lambda config, options: json.loads(json.dumps(environment)))
    work_dir = tmp_path / "run"
    first = run_training(CONFIG, work_dir, {"randomness.seed": 0})
    assert len(trainings) == 1 and load_record(work_dir).environment == environment == first.environment
    run_training(CONFIG, work_dir, {"randomness.seed": 0})
    assert len(trainings) == 1  # same config, same environment: reused

    environment["packages"]["opencv-python"] = "5.1.0.95"
    run_training(CONFIG, work_dir, {"randomness.seed": 0})
    assert len(trainings) == 2 and "--resume" not in trainings[-1]
    assert "not reusing the finished run: opencv-python 5.0.0.93 -> 5.1.0.95" in capsys.readouterr().err
    assert load_record(work_dir).environment["packages"]["opencv-python"] == "5.1.0.95"
