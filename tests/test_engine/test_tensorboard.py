"""The TensorBoard switch: an event file with losses, learning rates, metrics, validator scores, translation
sample grids, coloured segmentation predictions and the t-SNE pictures."""

from __future__ import annotations

import os
import uuid

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from dareg.apis import train
from dareg.engine.hooks import SegVisualizationHook
from dareg.registry import DATASETS
from dareg.utils.config import load_config
from dareg.visualization.palette import colorize

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


def images_of(folder, tag: str) -> list[tuple[int, np.ndarray]]:
    """``(step, BGR image)`` of every picture logged under ``tag`` in the event files below ``folder``."""
    found = []
    for root, _, names in os.walk(folder):
        for name in (n for n in names if "tfevents" in n):
            accumulator = event_accumulator.EventAccumulator(os.path.join(root, name), size_guidance={"images": 0})
            accumulator.Reload()
            if tag in accumulator.Tags()["images"]:
                for event in accumulator.Images(tag):
                    found.append((event.step, cv2.imdecode(np.frombuffer(event.encoded_image_string, np.uint8), 1)))
    return sorted(found, key=lambda item: item[0])


def tensorboard_visualizer() -> dict:
    return Config.fromfile("configs/_base_/tensorboard.py").visualizer.to_dict()


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


def test_validator_scores_and_coloured_segmentation_predictions_reach_tensorboard(tmp_path):
    """A segmentation run with dareg's default hooks, validators and the switch: validator/<name> scalars
    and the default SegVisualizationHook's picture (prediction | ground truth per row) in the event file."""
    from fixtures.tiny_segmentation import tiny_segmentation_config

    hooks = Config.fromfile("configs/_base_/default_runtime.py").default_hooks.to_dict()
    assert hooks["seg_visualization"] == dict(type="SegVisualizationHook", num_samples=4)
    cfg = tiny_segmentation_config(tmp_path, max_iters=2)
    cfg["default_hooks"] = {**hooks, **cfg["default_hooks"]}
    cfg["visualizer"] = tensorboard_visualizer()
    cfg["val_cfg"] = dict(type="ValidatorValLoop", validators=[dict(type="IM"), dict(type="SND")], pixel_stride=4)
    runner = train(Config(cfg))
    scalars = set(tags_of(tmp_path)["scalars"])
    assert {"validator/IM", "validator/SND", "mIoU"} <= scalars, sorted(scalars)
    (step, picture), *others = images_of(tmp_path, "seg_predictions")
    assert step == 2 and not others
    # 4 rows of 32 x (64 | 64) with 2-pixel padding
    assert picture.shape == (4 * (32 + 2) + 2, 2 * 64 + 2 + 2, 3)
    dataset = DATASETS.build(cfg["val_dataloader"]["dataset"])
    truth = colorize(dataset[0]["data_samples"]["gt_seg"], dataset.metainfo["palette"])
    assert np.array_equal(picture[2:34, 2 + 64 : 2 + 128], truth)  # the first row's right half: its ground truth
    with torch.no_grad():
        batch = runner.model.data_preprocessor({"inputs": [dataset[0]["inputs"]]})
        predicted = runner.model.task_model.predict(runner.model.task_model(batch["inputs"]), None, (32, 64))
    assert np.array_equal(picture[2:34, 2:66], colorize(predicted[0]["pred_seg"], dataset.metainfo["palette"]))


def test_seg_visualization_hook_keeps_the_first_predictions_and_ignores_other_models():
    palette = [(255, 0, 0), (0, 0, 255)]
    hook = SegVisualizationHook(num_samples=2, with_ground_truth=False, max_width=16, palette=palette)
    hook.after_val_iter(None, 0, outputs=[{"pred_label": 1}])  # a classifier's predictions: nothing to draw
    assert hook.picture() is None
    labels = [torch.full((4, 32), value, dtype=torch.long) for value in (0, 1, 0)]
    hook.after_val_iter(None, 0, outputs=[{"pred_seg": labels[0]}])
    hook.after_val_iter(None, 1, outputs=[{"pred_seg": label} for label in labels[1:]])
    picture = hook.picture()  # two rows, each shrunk from 32 to 16 pixels wide (aspect kept: 2 high), RGB
    assert picture.shape == (2 * (2 + 2) + 2, 16 + 4, 3)
    assert picture[2:4, 2:18].reshape(-1, 3).tolist() == [[255, 0, 0]] * 32
    assert picture[6:8, 2:18].reshape(-1, 3).tolist() == [[0, 0, 255]] * 32
    with pytest.raises(ValueError, match="num_samples"):
        SegVisualizationHook(num_samples=-1)


def test_translation_sample_grids_reach_tensorboard(tmp_path):
    cfg = load_config("configs/demo/cyclegan_digits.py").to_dict()
    cfg["model"]["generator"].update(base_channels=4, num_blocks=1)
    cfg["model"]["discriminator"].update(base_channels=4)
    cfg["model"]["pool_size"] = 2
    cfg["train_dataloader"].update(batch_size=2, num_workers=0, persistent_workers=False)
    cfg["train_cfg"]["max_iters"] = 2
    cfg["custom_hooks"] = [dict(type="TranslationVisualizationHook", interval=1, num_samples=1)]
    cfg.update(work_dir=str(tmp_path), visualizer=tensorboard_visualizer(), log_level="WARNING")
    # mmengine reuses a Visualizer instance of the same name (config name + start second) within a process
    cfg["experiment_name"] = f"tb_translation_{uuid.uuid4().hex[:8]}"
    train(Config(cfg))
    grids = images_of(tmp_path, "translation")
    assert [step for step, _ in grids] == [1, 2]
    on_disk = cv2.imread(str(tmp_path / "vis" / "iter_2.png"))
    assert np.array_equal(grids[-1][1], on_disk)  # the grid the hook writes: 2 rows x (real | translated | back)
