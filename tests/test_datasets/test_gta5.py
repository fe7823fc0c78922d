"""GTA5Dataset on a tiny fixture layout: pairing, label mapping of palette PNGs, start-up errors."""

from __future__ import annotations

import os

import numpy as np
import pytest
from fixtures.segmentation_layouts import raw_label_ids, write_gta5_layout

from dareg.datasets.cityscapes_labels import label_id_lut
from dareg.datasets.data_root import DataRootError
from dareg.datasets.transforms.indexed_loading import read_indexed_label
from dareg.registry import DATASETS


def build(root, **kwargs):
    return DATASETS.build(dict(type="GTA5Dataset", data_root=str(root), **kwargs))


def test_pairs_and_maps_palette_labels_to_train_ids(tmp_path):
    root = write_gta5_layout(tmp_path / "gta5", n=3, size=(40, 18))
    data = build(root)
    assert len(data) == 3
    item = data[2]
    assert tuple(item["inputs"].shape) == (3, 18, 40)
    seg = item["data_samples"]["gt_seg"].numpy()
    assert np.array_equal(seg, label_id_lut()[raw_label_ids((40, 18), 2)])
    # hand-written: the right-edge bicycle stripe (id 33) -> 18, left-edge void id 15 (bridge) -> ignored
    assert (seg[:, -1] == 18).all() and (seg[:, 0] == 255).all()
    assert set(np.unique(seg)) <= set(range(19)) | {255}
    meta = item["data_samples"]["metainfo"]
    assert meta["img_path"].endswith(os.path.join("images", "00003.png"))
    assert meta["seg_path"].endswith(os.path.join("labels", "00003.png"))
    assert data.metainfo["classes"][13] == "car"


def test_palette_png_is_read_by_index_not_colour(tmp_path):
    root = write_gta5_layout(tmp_path / "gta5", n=1, size=(8, 9))
    path = os.path.join(root, "labels", "00001.png")
    assert np.array_equal(read_indexed_label(path), raw_label_ids((8, 9), 0))


def test_resize_pipeline_of_the_reference(tmp_path):
    root = write_gta5_layout(tmp_path / "gta5", n=1, size=(64, 32))
    pipeline = [
        dict(type="LoadImageFromFile"),
        dict(type="LoadIndexedSegMap"),
        dict(type="Resize", scale=(128, 72), interpolation="bicubic"),
        dict(type="PackInputs"),
    ]
    item = build(root, pipeline=pipeline)[0]
    assert tuple(item["inputs"].shape) == (3, 72, 128)
    seg = item["data_samples"]["gt_seg"].numpy()
    assert seg.shape == (72, 128)
    assert set(np.unique(seg)) <= set(np.unique(label_id_lut()[raw_label_ids((64, 32), 0)]))  # nearest


def test_img_list_selects_images(tmp_path):
    root = write_gta5_layout(tmp_path / "gta5", n=3)
    (tmp_path / "gta5" / "train.txt").write_text("00003.png\n00001.png\n")
    data = build(root, img_list="train.txt")
    assert [os.path.basename(data.get_data_info(i)["img_path"]) for i in range(len(data))] == ["00003.png", "00001.png"]


def test_missing_root_names_path_layout_and_source(tmp_path):
    with pytest.raises(DataRootError) as info:
        build(tmp_path / "nowhere")
    message = str(info.value)
    assert "GTA5Dataset: the data root does not exist" in message
    assert str(tmp_path / "nowhere") in message
    assert "images/00001.png" in message and "labels/" in message
    assert "download.visinf.tu-darmstadt.de/data/from_games" in message


def test_missing_label_folder_and_unpaired_files(tmp_path):
    root = write_gta5_layout(tmp_path / "gta5", n=3)
    os.remove(os.path.join(root, "labels", "00002.png"))
    with pytest.raises(DataRootError, match=r"image '00002.png' has no label '00002.png'"):
        build(root)
    os.remove(os.path.join(root, "images", "00002.png"))
    os.remove(os.path.join(root, "images", "00003.png"))
    with pytest.raises(DataRootError, match=r"label '00003.png' has no image"):
        build(root)
    assert len(build(root, with_labels=False)) == 1
    os.rename(os.path.join(root, "labels"), os.path.join(root, "gt"))
    with pytest.raises(DataRootError, match="the label folder 'labels' is missing"):
        build(root)


def test_empty_image_folder(tmp_path):
    (tmp_path / "gta5" / "images").mkdir(parents=True)
    (tmp_path / "gta5" / "labels").mkdir()
    with pytest.raises(DataRootError, match=r"no '\*.png' images"):
        build(tmp_path / "gta5")


def test_colour_label_png_is_refused(tmp_path):
    import cv2

    path = str(tmp_path / "color.png")
    cv2.imwrite(path, np.dstack([np.full((4, 4), c, np.uint8) for c in (10, 20, 30)]))
    with pytest.raises(ValueError, match="colour"):
        read_indexed_label(path)
