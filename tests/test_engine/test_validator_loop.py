"""ValidatorValLoop logs validator scores without changing training; BestCheckpointHook keeps the best."""

from __future__ import annotations

import json
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import BaseMetric
from mmengine.logging import MessageHub

from dareg.apis import train
from dareg.engine.hooks.best_checkpoint_hook import read_records
from dareg.registry import ALGORITHMS, METRICS

VALIDATORS = [dict(type="IM"), dict(type="SND"), dict(type="DEV"), dict(type="SourceAccuracy")]
SPLITS = dict(
    source_train="train_dataloader.dataset.source",
    target_train="train_dataloader.dataset.target",
    source_val=dict(like="train_dataloader.dataset.source", seed=5, num_samples=9),
)
#: The score ScriptedScore reports after each training iteration's validation.
SCRIPT = {3: 0.2, 6: 0.9, 9: 0.5, 12: 0.7}


class ScriptedScore(BaseMetric):
    """A metric whose value is scripted per iteration (so the best checkpoint is known)."""

    default_prefix = ""

    def process(self, data_batch, data_samples) -> None:
        self.results.append(1)

    def compute_metrics(self, results) -> dict:
        iteration = MessageHub.get_current_instance().get_info("iter") + 1
        return {"score": SCRIPT[iteration]}


@pytest.fixture
def parts(toys):
    class ToyWithFeatures(toys.ToyAdversarial):
        """The toy algorithm with the feature-extraction interface of dareg.evaluation.features."""

        def extract_feat(self, inputs, domain="target"):
            features = self.classifier[:4](inputs)
            return {"features": features, "logits": self.classifier[4](features)}

    ALGORITHMS.register_module(module=ToyWithFeatures, force=True)
    METRICS.register_module(module=ScriptedScore, force=True)
    yield toys
    ALGORITHMS._module_dict.pop("ToyWithFeatures", None)
    METRICS._module_dict.pop("ScriptedScore", None)


def config(toys, work_dir, val_cfg, max_iters=12, evaluator=None, **overrides) -> Config:
    cfg = toys.toy_config(
        work_dir,
        model=dict(type="ToyWithFeatures", lambda_adv=0.1),
        val_dataloader=dict(
            batch_size=4,
            num_workers=0,
            sampler=dict(type="DefaultSampler", shuffle=False),
            collate_fn=dict(type="dareg.domain_collate"),
            dataset=dict(type="ToyDigits", num_samples=8, shift=60, seed=3),
        ),
        val_evaluator=evaluator or dict(type="Accuracy"),
        val_cfg=val_cfg,
        train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=max_iters, val_interval=3),
        custom_hooks=[],  # no RandomStateHook: the loop alone must leave the random state alone
        **overrides,
    )
    return Config(cfg)


def weights(runner) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in runner.model.state_dict().items()}


def test_validator_scores_are_logged_and_training_is_unchanged(tmp_path, parts):
    plain = weights(train(config(parts, tmp_path / "plain", dict(type="ValLoop"))))
    runner = train(
        config(parts, tmp_path / "validated", dict(type="ValidatorValLoop", validators=VALIDATORS, splits=SPLITS))
    )
    for key, value in plain.items():
        assert torch.equal(value, weights(runner)[key]), key
    scalars = next((tmp_path / "validated").glob("*/vis_data/scalars.json"))
    evaluations = [json.loads(line) for line in scalars.read_text().splitlines() if '"validator/IM"' in line]
    assert len(evaluations) == 4
    for evaluation in evaluations:
        assert {"accuracy", "validator/IM", "validator/SND", "validator/DEV", "validator/source_accuracy"} <= set(
            evaluation
        )
        assert 0.0 <= evaluation["validator/IM"] <= torch.log(torch.tensor(3.0)).item() + 1e-6
        assert 0.0 <= evaluation["validator/source_accuracy"] <= 100.0


def test_missing_split_and_unknown_key_fail_before_training(tmp_path, parts):
    with pytest.raises(KeyError, match="source_val"):
        train(config(parts, tmp_path / "a", dict(type="ValidatorValLoop", validators=VALIDATORS, splits={})))
    bad = dict(SPLITS, source_val="train_dataloader.dataset.nowhere")
    with pytest.raises(KeyError, match="nowhere"):
        train(config(parts, tmp_path / "b", dict(type="ValidatorValLoop", validators=VALIDATORS, splits=bad)))


def best_config(toys, work_dir, max_iters, **overrides) -> Config:
    return config(
        toys,
        work_dir,
        dict(type="ValLoop"),
        max_iters=max_iters,
        evaluator=dict(type="ScriptedScore"),
        default_hooks=dict(
            logger=dict(type="LoggerHook", interval=1),
            checkpoint=dict(type="CheckpointHook", interval=3, by_epoch=False, max_keep_ckpts=1),
            best=dict(type="BestCheckpointHook", key="score"),
        ),
        **overrides,
    )


def saved_weights(path) -> dict[str, torch.Tensor]:
    return torch.load(path, map_location="cpu", weights_only=False)["state_dict"]


def test_best_checkpoint_survives_resume_and_the_last_checkpoint_stays(tmp_path, parts):
    work_dir = tmp_path / "run"
    train(best_config(parts, work_dir, max_iters=6))
    iter_6 = saved_weights(work_dir / "iter_6.pth")  # the best so far (0.9 at iteration 6)
    runner = train(best_config(parts, work_dir, max_iters=12, resume=True))  # 0.5 and 0.7 follow: worse
    record = read_records(str(work_dir))["score"]
    assert record["iter"] == 6 and record["score"] == pytest.approx(0.9)
    best = saved_weights(work_dir / "best_score.pth")
    for key, value in iter_6.items():
        assert torch.equal(best[key], value), key
    assert not torch.equal(best["classifier.1.weight"], runner.model.state_dict()["classifier.1.weight"])
    # max_keep_ckpts=1 rotated iter_6.pth away; the best copy and the last checkpoint remain
    assert not (work_dir / "iter_6.pth").exists()
    last = (work_dir / "last_checkpoint").read_text().strip()
    assert os.path.basename(last) == "iter_12.pth" and (work_dir / "iter_12.pth").exists()
    assert sorted(p.name for p in work_dir.glob("*.pth")) == ["best_score.pth", "iter_12.pth"]


def test_best_checkpoint_follows_the_rule(tmp_path, parts):
    cfg = best_config(parts, tmp_path, max_iters=12)
    cfg.default_hooks.best.rule = "less"
    train(cfg)
    record = read_records(str(tmp_path))["score"]
    assert record["iter"] == 3 and record["score"] == pytest.approx(0.2)
