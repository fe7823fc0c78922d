"""Unreadable images and label maps, and out-of-range labels, are reported with the file (and values)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dareg.datasets.transforms import LoadImageFromFile, LoadSegMap
from dareg.datasets.transforms.loading import check_label_range


@pytest.fixture
def files(tmp_path):
    image = tmp_path / "img.png"
    cv2.imwrite(str(image), np.full((6, 8, 3), 100, dtype=np.uint8))
    label = tmp_path / "label.png"
    values = np.zeros((6, 8), dtype=np.uint8)
    values[0, :3] = [3, 7, 255]
    cv2.imwrite(str(label), values)
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(image.read_bytes()[: len(image.read_bytes()) // 3])  # truncated PNG
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"this is not an image")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    return {
        "image": str(image),
        "label": str(label),
        "corrupt": str(corrupt),
        "garbage": str(garbage),
        "empty": str(empty),
        "missing": str(tmp_path / "missing.png"),
    }


@pytest.mark.parametrize("kind", ["corrupt", "garbage", "empty"])
def test_unreadable_image_names_the_file(files, kind):
    with pytest.raises(ValueError, match="Cannot decode image file") as info:
        LoadImageFromFile()({"img_path": files[kind]})
    assert files[kind] in str(info.value)


@pytest.mark.parametrize("kind", ["garbage", "empty", "missing"])
def test_unreadable_label_names_the_file(files, kind):
    with pytest.raises((ValueError, FileNotFoundError)) as info:
        LoadSegMap()({"seg_path": files[kind]})
    assert files[kind] in str(info.value)


def test_missing_image_names_the_file(files):
    with pytest.raises(FileNotFoundError, match="Image file not found") as info:
        LoadImageFromFile()({"img_path": files["missing"]})
    assert files["missing"] in str(info.value)


def test_readable_files_load(files):
    assert LoadImageFromFile()({"img_path": files["image"]})["img"].shape == (6, 8, 3)
    assert LoadSegMap()({"seg_path": files["label"]})["gt_seg"][0, :3].tolist() == [3, 7, 255]


def test_labels_outside_the_class_range_are_reported_with_file_and_values(files):
    with pytest.raises(ValueError) as info:
        LoadSegMap(num_classes=5)({"seg_path": files["label"]})
    message = str(info.value)
    assert files["label"] in message and "[0, 5)" in message
    assert ": 7 (1 pixels)" in message  # 3 is a class, 255 is ignored
    # the dataset can set the class count per sample instead
    with pytest.raises(ValueError, match=r"values outside the class range \[0, 3\).*: 3, 7 \(2 pixels\)"):
        LoadSegMap()({"seg_path": files["label"], "num_classes": 3})
    # in range once 19 classes are allowed; no check without a class count
    assert LoadSegMap(num_classes=19)({"seg_path": files["label"]})["gt_seg"].max() == 255
    assert LoadSegMap()({"seg_path": files["label"]})["gt_seg"][0, 1] == 7


def test_range_is_checked_after_the_lookup_table(files):
    lut = np.full(256, 255, dtype=np.uint8)
    lut[3], lut[7] = 0, 1  # raw ids 3 and 7 are classes 0 and 1
    out = LoadSegMap(num_classes=2)({"seg_path": files["label"], "label_lut": lut})
    assert out["gt_seg"][0, :3].tolist() == [0, 1, 255]
    lut[7] = 9
    with pytest.raises(ValueError, match=r": 9 \(1 pixels\)"):
        LoadSegMap(num_classes=2)({"seg_path": files["label"], "label_lut": lut})


def test_check_label_range_signed_and_custom_ignore():
    check_label_range(np.array([[0, 1, -1]]), 2, -1, "x.png")
    with pytest.raises(ValueError, match=r"x\.png .*: -2, 2"):
        check_label_range(np.array([[0, -2, 2, -1]]), 2, -1, "x.png")
