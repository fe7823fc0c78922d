"""The TensorBoard switch: an event file with losses, learning rates, metrics and validator scores."""

from __future__ import annotations

import os

import pytest
from mmengine.config import Config

from dareg.apis import train

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def tags_of(folder) -> dict[str, list[str]]:
    files = [os.path.join(root, f) for root, _, names in os.walk(folder) for f in names if "tfevents" in f]
    assert files, f"no TensorBoard event file under {folder}"
    tags: dict[str, list[str]] = {"scalars": [], "images": []}
    for path in files:
        accumulator = event_accumulator.EventAccumulator(path, size_guidance={"images": 0, "scalars": 0})
        accumulator.Reload()
        for kind in tags:
            tags[kind] += accumulator.Tags()[kind]
    return tags


def test_the_tensorboard_base_config_logs_every_scalar(tmp_path, toys):
    base = Config.fromfile("configs/_base_/tensorboard.py")
    cfg = toys.toy_config(
        tmp_path,
        visualizer=base.visualizer.to_dict(),
        val_dataloader=dict(
            batch_size=4,
            num_workers=0,
            sampler=dict(type="DefaultSampler", shuffle=False),
            collate_fn=dict(type="dareg.domain_collate"),
            dataset=dict(type="ToyDigits", num_samples=8, shift=60, seed=3),
        ),
        val_evaluator=dict(type="Accuracy"),
        val_cfg=dict(type="ValLoop"),
        train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=4, val_interval=2),
    )
    train(Config(cfg))
    scalars = set(tags_of(tmp_path)["scalars"])
    assert {"loss_cls", "loss_adv", "loss_d", "accuracy"} <= scalars
    assert {"classifier.lr", "discriminator.lr"} <= scalars, sorted(scalars)


def test_feature_tool_sends_tsne_pictures_to_tensorboard(tmp_path):
    from fixtures.tools import load_tool

    tool = load_tool("analysis/features.py")
    out = tmp_path / "features"
    assert (
        tool.main(
            ["configs/demo/source_only_digits.py", "none", "--out", str(out), "--max-samples", "30", "--tensorboard"]
        )
        == 0
    )
    tags = tags_of(out)
    assert {"tsne/domain", "tsne/class"} <= set(tags["images"]) and "a_distance" in tags["scalars"]
