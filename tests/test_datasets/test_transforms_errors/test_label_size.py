"""Image and label of different sizes fail before any crop (and at packing), naming both files.

A fixed-size Resize is the one step that accepts a mismatch (with a warning naming both files): it
brings both to one size, as the AdaptSegNet reference does for the few GTA5 frames whose label
differs in size. Resize(keep_seg=True) keeps the label at its size for evaluation, so the label must
then have the image's size.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from fixtures.segmentation_layouts import raw_label_ids, write_gta5_layout
from PIL import Image

from dareg.datasets import GTA5Dataset
from dareg.datasets.transforms import PackInputs, RandomCrop, Resize


def sample(label_size=(6, 10)):
    return {
        "img": np.zeros((8, 12, 3), np.uint8),
        "gt_seg": np.zeros(label_size, np.uint8),
        "img_path": "images/a.png",
        "seg_path": "labels/a.png",
        "rng": np.random.default_rng(0),
    }


def test_random_crop_names_both_files():
    with pytest.raises(ValueError) as info:
        RandomCrop((4, 4))(sample())
    message = str(info.value)
    assert message.startswith("RandomCrop: the image images/a.png is 8x12 (height x width) but its label map")
    assert "labels/a.png (gt_seg) is 6x10" in message and "cut different regions" in message
    assert RandomCrop((4, 4))(sample((8, 12)))["gt_seg"].shape == (4, 4)


def test_pack_inputs_refuses_labels_of_another_size():
    with pytest.raises(
        ValueError, match=r"PackInputs: the image images/a\.png is 8x12 .* labels/a\.png \(gt_seg\) is 6x10"
    ):
        PackInputs()(sample())


def test_fixed_resize_brings_both_to_one_size_with_a_warning():
    with pytest.warns(
        UserWarning, match=r"images/a\.png is 8x12 .* labels/a\.png \(gt_seg\) is 6x10; both are resized to 4x6"
    ):
        resized = Resize(scale=(6, 4))(sample())
    packed = PackInputs()(resized)
    assert tuple(packed["inputs"].shape[-2:]) == tuple(packed["data_samples"]["gt_seg"].shape) == (4, 6)


def test_keep_seg_needs_the_label_at_the_image_size():
    with pytest.raises(ValueError, match=r"Resize\(keep_seg=True\): the image images/a\.png is 8x12"):
        Resize(scale=(6, 4), keep_seg=True)(sample())
    kept = PackInputs()(Resize(scale=(6, 4), keep_seg=True)(sample((8, 12))))  # sizes differ on purpose now
    assert tuple(kept["inputs"].shape[-2:]) == (4, 6) and tuple(kept["data_samples"]["gt_seg"].shape) == (8, 12)


def test_dataset_with_a_label_of_another_size_fails_naming_both_files(tmp_path):
    root = write_gta5_layout(tmp_path / "gta5", n=1, size=(16, 8))
    label_path = os.path.join(root, "labels", "00001.png")
    Image.fromarray(raw_label_ids((16, 10), 0), mode="P").save(label_path)
    crop = [dict(type="LoadImageFromFile"), dict(type="LoadIndexedSegMap"), dict(type="RandomCrop", size=4)]
    with pytest.raises(ValueError) as info:
        GTA5Dataset(data_root=root, pipeline=[*crop, dict(type="PackInputs")])[0]
    assert os.path.join(root, "images", "00001.png") in str(info.value) and label_path in str(info.value)
    with pytest.raises(ValueError, match="PackInputs: the image"):
        GTA5Dataset(data_root=root)[0]  # the default pipeline: load and pack
