"""tools/test.py: evaluates a checkpoint and writes one colourised prediction per test image."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest
import torch
from fixtures.tiny_segmentation import tiny_segmentation_config
from fixtures.tools import load_tool
from mmengine.config import Config

import dareg.apis
from dareg import cli
from dareg.apis import apply_test_options, init_model
from dareg.datasets.synthetic import SyntheticStreetDataset
from dareg.engine.hooks.seg_prediction_saver_hook import SegPredictionSaverHook
from dareg.visualization.palette import palette_lut


@pytest.fixture
def tiny_config(tmp_path):
    raw = tiny_segmentation_config(tmp_path / "unused")
    for key in ("test_dataloader", "test_evaluator", "test_cfg"):  # tested on val, as many configs are
        raw.pop(key)
    cfg = Config(raw)
    path = str(tmp_path / "tiny_seg.py")
    cfg.dump(path)
    return path, cfg


def test_main_evaluates_checkpoint_and_saves_one_png_per_image(tiny_config, tmp_path):
    path, cfg = tiny_config
    model = init_model(cfg)
    checkpoint = str(tmp_path / "model.pth")
    torch.save({"state_dict": model.state_dict()}, checkpoint)
    show_dir = tmp_path / "show"
    metrics = load_tool("test.py").main(
        [
            path,
            checkpoint,
            "--work-dir",
            str(tmp_path / "work"),
            "--show-dir",
            str(show_dir),
            "--cfg-options",
            "test_dataloader.batch_size=3",
        ]  # fmt: skip
    )
    assert set(metrics) == {"mIoU", "aAcc", "mAcc"} and 0.0 <= metrics["aAcc"] <= 100.0
    files = sorted(os.listdir(show_dir))
    assert files == [f"{i:06d}.png" for i in range(4)]  # 4 target val images, in-memory -> sample index
    # each PNG is the colourised prediction of the checkpoint's model at the label size
    dataset = SyntheticStreetDataset(domain="target", split="val", num_samples=4, image_size=(32, 64))
    item = dataset[2]
    inputs = (item["inputs"][None].float() - 127.5) / 127.5
    with torch.no_grad():
        pred = model.predict(inputs, {"gt_seg": item["data_samples"]["gt_seg"][None]})[0]["pred_seg"]
    saved = cv2.imread(str(show_dir / files[2]))
    lut = palette_lut(SyntheticStreetDataset.METAINFO["palette"])
    assert saved.shape == (32, 64, 3)
    assert np.array_equal(saved, lut[pred.numpy()])


def test_dareg_test_is_tools_test(tiny_config, tmp_path, capsys):
    """``dareg test CONFIG CHECKPOINT`` runs the same library call as tools/test.py: the same metrics."""
    path, cfg = tiny_config
    checkpoint = str(tmp_path / "model.pth")
    torch.save({"state_dict": init_model(cfg).state_dict()}, checkpoint)
    options = ["--cfg-options", "test_dataloader.batch_size=3"]
    tool_options = [*options, "+experiment_name=tool"]  # runners built within one second stay apart
    from_tool = load_tool("test.py").main([path, checkpoint, "--work-dir", str(tmp_path / "tool"), *tool_options])
    calls = []
    original = dareg.apis.evaluate_checkpoint

    def recording(*args, **kwargs):
        calls.append(args)
        metrics = original(*args, **kwargs)
        calls.append(metrics)
        return metrics

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dareg.apis, "evaluate_checkpoint", recording)
        assert cli.main(["test", path, checkpoint, "--work-dir", str(tmp_path / "cli"), *options]) == 0
    assert calls[0][:3] == (path, checkpoint, str(tmp_path / "cli")) and calls[1] == from_tool
    assert set(from_tool) == {"mIoU", "aAcc", "mAcc"}
    with pytest.raises(SystemExit, match="Checkpoint file not found: .*missing.pth"):
        cli.main(["test", path, str(tmp_path / "missing.pth"), "--work-dir", str(tmp_path / "w")])
    with pytest.raises(SystemExit, match="Config 'dareg::demo/no_such.py' is not one of dareg's installed configs"):
        cli.main(["test", "dareg::demo/no_such.py", checkpoint])


def test_relative_show_dir_goes_under_work_dir_and_missing_checkpoint(tiny_config, tmp_path):
    _, cfg = tiny_config
    cfg.work_dir = str(tmp_path / "work")
    apply_test_options(cfg, None, "vis")
    assert cfg.custom_hooks[-1] == dict(type="SegPredictionSaverHook", out_dir=str(tmp_path / "work" / "vis"))
    assert cfg.test_evaluator.type == "IoUMetric" and cfg.test_cfg.type == "TestLoop"
    path = tiny_config[0]
    with pytest.raises(SystemExit, match="Checkpoint file not found"):
        load_tool("test.py").main([path, str(tmp_path / "missing.pth"), "--work-dir", str(tmp_path / "w")])


def test_saver_names_files_after_images_and_can_add_ground_truth(tmp_path):
    hook = SegPredictionSaverHook(out_dir=str(tmp_path), with_ground_truth=True)
    hook._start(None)
    pred = torch.tensor([[0, 13], [255, 10]])
    written = hook.save([{"pred_seg": pred, "gt_seg": torch.tensor([[0, 0], [0, 0]]), "metainfo": {
        "img_path": "/data/cityscapes/leftImg8bit/val/lindau/lindau_000000_000019_leftImg8bit.png"}}])  # fmt: skip
    assert [os.path.basename(p) for p in written] == ["lindau_000000_000019_leftImg8bit.png"]
    image = cv2.imread(written[0])
    assert image.shape == (2, 4, 3)
    # Cityscapes palette (BGR): road, car, ignored -> black, sky; ground truth all road on the right
    assert image[0, 0].tolist() == [128, 64, 128] and image[0, 1].tolist() == [142, 0, 0]
    assert image[1, 0].tolist() == [0, 0, 0] and image[1, 1].tolist() == [180, 130, 70]
    assert (image[:, 2:] == [128, 64, 128]).all()
