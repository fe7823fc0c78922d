"""Label values the dataset's label map does not define fail, naming the file, the values and the map.

GTA5 and Cityscapes label ids outside the 19 classes but inside the Cityscapes definition (0-33)
are void and become 255 as before; a value the map does not know (an id above 33, a train id file
read as raw ids, a colour image) used to become 255 as well, so a run trained on "ignore"
everywhere with loss_seg 0.0000.
"""

from __future__ import annotations

import os
import shutil

import cv2
import numpy as np
import pytest
from fixtures.segmentation_layouts import raw_label_ids, write_cityscapes_layout, write_gta5_layout
from PIL import Image

from dareg.datasets import CityscapesDataset, GTA5Dataset
from dareg.datasets.cityscapes_labels import cityscapes_label_map, label_id_lut
from dareg.datasets.transforms.loading import apply_label_lut


def palette_png(path, label: np.ndarray) -> None:
    image = Image.fromarray(label.astype(np.uint8), mode="P")
    image.putpalette([0] * 768)
    image.save(path)


def test_gta5_ids_above_33_fail_with_file_values_and_label_map(tmp_path):
    root = write_gta5_layout(tmp_path / "gta5", n=2, size=(16, 8))
    label = raw_label_ids((16, 8), 1)
    label[0, :3] = [34, 200, 34]
    bad = os.path.join(root, "labels", "00002.png")
    palette_png(bad, label)
    data = GTA5Dataset(data_root=root)
    assert data[0]["data_samples"]["gt_seg"].max() == 255  # void ids (0, 15) still become 255 silently
    with pytest.raises(ValueError) as info:
        data[1]
    message = str(info.value)
    assert bad in message and ": 34, 200 (3 pixels)" in message
    assert "Cityscapes labelIds: raw Cityscapes label ids 0-33" in message and "extra_ignore_ids" in message


def test_extra_ignore_ids_accept_such_values_as_ignored(tmp_path):
    root = write_gta5_layout(tmp_path / "gta5", n=1, size=(16, 8))
    label = raw_label_ids((16, 8), 0)
    label[0, :2] = 34
    palette_png(os.path.join(root, "labels", "00001.png"), label)
    seg = GTA5Dataset(data_root=root, extra_ignore_ids=[34])[0]["data_samples"]["gt_seg"].numpy()
    assert (seg[0, :2] == 255).all()
    assert np.array_equal(seg[1:], label_id_lut()[label[1:]])
    with pytest.raises(ValueError, match=r"GTA5Dataset: extra_ignore_ids must be label values in 0\.\.255"):
        GTA5Dataset(data_root=root, extra_ignore_ids=[256])


def test_cityscapes_train_id_files_read_as_raw_ids_fail(tmp_path):
    """labelTrainIds files under labelIds names: 255 is not a raw Cityscapes id."""
    root = write_cityscapes_layout(tmp_path / "cs", splits=("val",), n=1, size=(16, 8))
    folder = os.path.join(root, "gtFine", "val", "frankfurt")
    stem = "frankfurt_000000_000000_gtFine_"
    shutil.copy(os.path.join(folder, stem + "labelTrainIds.png"), os.path.join(folder, stem + "labelIds.png"))
    with pytest.raises(ValueError, match=r"labelIds\.png holds values that the label map does not define: 255 \("):
        CityscapesDataset(data_root=root, split="val")[0]


def test_cityscapes_raw_id_files_read_as_train_ids_fail(tmp_path):
    """labelIds files under labelTrainIds names: ids 21..33 are not train ids."""
    root = write_cityscapes_layout(tmp_path / "cs", splits=("val",), n=1, size=(16, 8))
    folder = os.path.join(root, "gtFine", "val", "frankfurt")
    stem = "frankfurt_000000_000000_gtFine_"
    shutil.copy(os.path.join(folder, stem + "labelIds.png"), os.path.join(folder, stem + "labelTrainIds.png"))
    with pytest.raises(ValueError) as info:
        CityscapesDataset(data_root=root, split="val", label_type="labelTrainIds")[0]
    assert ": 21, 23, 24, 26, 33 (" in str(info.value)  # vegetation, sky, person, car, bicycle raw ids
    assert "Cityscapes labelTrainIds: train ids 0-18, plus 255 and 19" in str(info.value)
    # the right files load, 19 and 255 both ignored
    seg = CityscapesDataset(data_root=root, split="val", label_type="labelIds")[0]["data_samples"]["gt_seg"]
    assert set(seg.unique().tolist()) <= set(range(19)) | {255}


def test_colour_label_image_fails(tmp_path):
    """A *_color.png picked as labels: OpenCV's first (blue) channel holds colour values, not ids."""
    root = write_cityscapes_layout(tmp_path / "cs", splits=("val",), n=1, size=(16, 8))
    folder = os.path.join(root, "gtFine", "val", "frankfurt")
    stem = "frankfurt_000000_000000_gtFine_"
    colour = np.zeros((8, 16, 3), np.uint8)
    colour[:4] = (128, 64, 128)[::-1]  # road's RGB colour, written as BGR: blue 128
    colour[4:] = (70, 130, 180)[::-1]  # sky: blue 180
    cv2.imwrite(os.path.join(folder, stem + "labelIds.png"), colour)
    with pytest.raises(ValueError, match=r"does not define: 128, 180 \(128 pixels\)"):
        CityscapesDataset(data_root=root, split="val")[0]


def test_apply_label_lut_rules():
    lut, description = cityscapes_label_map("labelIds")
    label = np.array([[7, 0, 33, 15]], np.uint8)
    assert apply_label_lut(label, lut, "x.png", description).tolist() == [[0, 255, 18, 255]]
    assert apply_label_lut(label, lut, "x.png").dtype == np.uint8
    # a plain 256-entry uint8 table defines every 8-bit value; 16-bit values beyond it are undefined
    plain = label_id_lut()
    assert apply_label_lut(np.array([[200]], np.uint16), plain, "x.png").tolist() == [[255]]
    with pytest.raises(ValueError, match=r"x\.png holds .*: 300, 1000 \(2 pixels\).*label_lut \(256 entries"):
        apply_label_lut(np.array([[7, 300, 1000]], np.uint16), plain, "x.png")
