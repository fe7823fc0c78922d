"""Core transforms: loading errors, resize, crop and flip keep image and labels aligned, packing."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dareg.datasets.transforms import LoadImageFromFile, LoadSegMap, PackInputs, RandomCrop, RandomFlip, Resize


def labelled(height=6, width=8):
    img = np.arange(height * width * 3, dtype=np.uint8).reshape(height, width, 3)
    seg = np.tile(np.arange(width, dtype=np.uint8), (height, 1))
    return {"img": img, "gt_seg": seg, "rng": np.random.default_rng(0)}


def test_missing_and_corrupt_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.png"):
        LoadImageFromFile()({"img_path": str(tmp_path / "nope.png")})
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    with pytest.raises(ValueError, match="bad.png"):
        LoadImageFromFile()({"img_path": str(bad)})


def test_seg_map_lut(tmp_path):
    path = tmp_path / "label.png"
    cv2.imwrite(str(path), np.array([[7, 8], [0, 33]], dtype=np.uint8))
    lut = np.full(256, 255, dtype=np.uint8)
    lut[7], lut[8], lut[33] = 0, 1, 18
    out = LoadSegMap()({"seg_path": str(path), "label_lut": lut})
    assert out["gt_seg"].tolist() == [[0, 1], [255, 18]]


def test_resize_uses_nearest_for_labels():
    out = Resize(scale=(16, 12), interpolation="bicubic")(labelled())
    assert out["img"].shape == (12, 16, 3)
    assert set(np.unique(out["gt_seg"])) <= set(range(8))  # no interpolated label values
    kept = Resize(scale=(4, 3), keep_seg=True)(labelled())
    assert kept["img"].shape == (3, 4, 3) and kept["gt_seg"].shape == (6, 8)


def test_crop_and_flip_keep_alignment():
    results = RandomFlip(prob=1.0)(RandomCrop((4, 5))(labelled()))
    # the red channel encodes the column, the label too: they must still agree
    column_from_img = (results["img"][..., 0].astype(int) // 3) % 8
    assert np.array_equal(column_from_img, results["gt_seg"])
    assert results["flip"] is True


def test_crop_too_small_explains():
    with pytest.raises(ValueError, match="pad_if_needed"):
        RandomCrop((10, 10))(labelled())
    padded = RandomCrop((10, 10), pad_if_needed=True)(labelled())
    assert padded["gt_seg"].shape == (10, 10) and (padded["gt_seg"] == 255).any()


def test_pack_inputs():
    packed = PackInputs()({**labelled(), "gt_label": 3, "img_path": "a.png"})
    assert packed["inputs"].shape == (3, 6, 8) and packed["inputs"].dtype.is_floating_point is False
    assert packed["data_samples"]["gt_label"].item() == 3
    assert packed["data_samples"]["gt_seg"].shape == (6, 8)
    assert packed["data_samples"]["metainfo"] == {"img_path": "a.png"}
