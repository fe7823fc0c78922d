"""Scoring a finished run's checkpoints afterwards gives what ValidatorValLoop logged during training."""

from __future__ import annotations

import json

import pytest
from fixtures.tools import load_tool
from mmengine.config import Config

from dareg.analysis.checkpoint_scores import (
    SCORES_FILE,
    read_checkpoint_scores,
    run_checkpoints,
    score_checkpoints,
    validator_config,
)
from dareg.apis import train
from dareg.registry import ALGORITHMS

VALIDATORS = [dict(type="IM"), dict(type="SND"), dict(type="DEV"), dict(type="SourceAccuracy")]
SPLITS = dict(source_val=dict(like="train_dataloader.dataset.source", seed=5, num_samples=9))


@pytest.fixture
def toys_with_features(toys):
    class ToyWithFeatures(toys.ToyAdversarial):
        """The toy algorithm with the feature-extraction interface of dareg.evaluation.features."""

        def extract_feat(self, inputs, domain="target"):
            features = self.classifier[:4](inputs)
            return {"features": features, "logits": self.classifier[4](features)}

    ALGORITHMS.register_module(module=ToyWithFeatures, force=True)
    yield toys
    ALGORITHMS._module_dict.pop("ToyWithFeatures", None)


def run_config(toys, work_dir, val_cfg) -> Config:
    return Config(
        toys.toy_config(
            work_dir,
            model=dict(type="ToyWithFeatures", lambda_adv=0.1),
            val_dataloader=dict(
                batch_size=4,
                num_workers=0,
                sampler=dict(type="DefaultSampler", shuffle=False),
                collate_fn=dict(type="dareg.domain_collate"),
                dataset=dict(type="ToyDigits", num_samples=8, shift=60, seed=3),
            ),
            val_evaluator=dict(type="Accuracy"),
            val_cfg=val_cfg,
            train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=6, val_interval=3),
            default_hooks=dict(checkpoint=dict(type="CheckpointHook", interval=3, by_epoch=False)),
        )
    )


def logged_evaluations(work_dir) -> list[dict]:
    """The validations logged during training, in order (iterations 3 and 6)."""
    scalars = next(work_dir.glob("*/vis_data/scalars.json"))
    lines = [json.loads(line) for line in scalars.read_text().splitlines()]
    return [line for line in lines if "validator/IM" in line]


def test_scores_of_saved_checkpoints_equal_the_ones_logged_in_training(tmp_path, toys_with_features):
    work_dir = tmp_path / "run"
    logged_cfg = dict(type="ValidatorValLoop", validators=VALIDATORS, splits=SPLITS)
    train(run_config(toys_with_features, work_dir, logged_cfg))
    logged = logged_evaluations(work_dir)
    assert [it for it, _ in run_checkpoints(work_dir)] == [3, 6]

    plain = run_config(toys_with_features, work_dir, dict(type="ValLoop"))  # as a plain run was trained
    scored = score_checkpoints(plain, work_dir, VALIDATORS, source_val=dict(seed=5, num_samples=9))
    assert [e["step"] for e in scored] == [3, 6]
    assert len(logged) == 2
    for evaluation, during_training in zip(scored, logged):
        for key in ("accuracy", "validator/IM", "validator/SND", "validator/DEV", "validator/source_accuracy"):
            expected = during_training[key]
            assert evaluation[key] == pytest.approx(expected, rel=1e-5, abs=1e-6), (evaluation["step"], key)
    assert read_checkpoint_scores(work_dir) == scored
    assert (work_dir / SCORES_FILE).is_file() and not list(work_dir.glob("*.tmp"))


def test_validator_study_prefers_the_scores_file(tmp_path, capsys):
    run = tmp_path / "seed_0"
    run.mkdir()
    scores = [
        {"step": 1, "accuracy": 50.0, "validator/IM": 0.1},
        {"step": 2, "accuracy": 70.0, "validator/IM": 0.3},
        {"step": 3, "accuracy": 60.0, "validator/IM": 0.2},
    ]
    (run / SCORES_FILE).write_text(json.dumps(scores))
    tool = load_tool("analysis/validator_study.py")
    assert tool.main([str(tmp_path), "--metric", "accuracy"]) == 0
    out = capsys.readouterr().out
    assert "1 runs" in out and "IM" in out
    im_row = next(line for line in out.splitlines() if line.startswith("| IM"))
    assert "70.00" in im_row  # IM's best score is at step 2, the oracle's choice


def test_missing_checkpoints_and_broken_scores_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no iter_"):
        run_checkpoints(tmp_path)
    assert read_checkpoint_scores(tmp_path) is None
    (tmp_path / SCORES_FILE).write_text("{not json")
    with pytest.raises(ValueError, match=SCORES_FILE):
        read_checkpoint_scores(tmp_path)


def test_source_val_defaults_to_the_configs_own_split_then_to_the_test_split():
    own = Config(dict(val_cfg=dict(splits=dict(source_val=dict(like="x", seed=4)))))
    assert validator_config(own)["splits"]["source_val"] == dict(like="x", seed=4)
    assert validator_config(Config(dict()))["splits"]["source_val"] == dict(
        like="train_dataloader.dataset.source", split="test"
    )
    overridden = validator_config(own, source_val=dict(seed=1, num_samples=10))["splits"]["source_val"]
    assert overridden == dict(like="train_dataloader.dataset.source", seed=1, num_samples=10)
