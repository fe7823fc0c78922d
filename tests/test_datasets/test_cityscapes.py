"""CityscapesDataset on a tiny fixture layout: splits, both label types, start-up errors."""

from __future__ import annotations

import os

import numpy as np
import pytest
from fixtures.segmentation_layouts import raw_label_ids, write_cityscapes_layout

from dareg.datasets.cityscapes_labels import label_id_lut
from dareg.datasets.data_root import DataRootError
from dareg.registry import DATASETS

SIZE = (48, 20)


def build(root, **kwargs):
    return DATASETS.build(dict(type="CityscapesDataset", data_root=str(root), **kwargs))


@pytest.mark.parametrize("label_type", ["labelIds", "labelTrainIds"])
def test_both_label_types_give_train_ids(tmp_path, label_type):
    root = write_cityscapes_layout(tmp_path / "cs", n=3, size=SIZE)
    data = build(root, split="val", label_type=label_type)
    assert len(data) == 3
    for index in range(3):
        info = data.get_data_info(index)
        stem = os.path.basename(info["img_path"])[: -len("_leftImg8bit.png")]
        assert info["seg_path"].endswith(f"{stem}_gtFine_{label_type}.png")
        sample_index = int(stem.split("_")[-1])
        seg = data[index]["data_samples"]["gt_seg"].numpy()
        assert np.array_equal(seg, label_id_lut()[raw_label_ids(SIZE, sample_index)])
    # hand-written check of one band: road (id 7) is train id 0, 'unlabeled' (0) ignored
    seg = data[0]["data_samples"]["gt_seg"].numpy()
    raw = raw_label_ids(SIZE, 0)
    assert (seg[raw == 7] == 0).all() and (seg[raw == 0] == 255).all() and (seg[raw == 26] == 13).all()


def test_splits_cities_and_unlabelled_train(tmp_path):
    root = write_cityscapes_layout(tmp_path / "cs", splits=("train", "val"), n=4, size=SIZE)
    train = build(root, split="train", with_labels=False)
    assert len(train) == 4
    assert {train.get_data_info(i)["city"] for i in range(4)} == {"aachen", "bochum"}
    assert "seg_path" not in train.get_data_info(0)
    item = train[0]
    assert "gt_seg" not in item["data_samples"] and tuple(item["inputs"].shape) == (3, SIZE[1], SIZE[0])
    assert data_names(build(root, split="val")) == sorted(data_names(build(root, split="val")))


def data_names(data):
    return [os.path.basename(data.get_data_info(i)["img_path"]) for i in range(len(data))]


def test_val_pipeline_keeps_labels_at_full_resolution(tmp_path):
    root = write_cityscapes_layout(tmp_path / "cs", splits=("val",), n=1, size=(64, 32))
    pipeline = [
        dict(type="LoadImageFromFile"),
        dict(type="LoadSegMap"),
        dict(type="Resize", scale=(32, 16), interpolation="bicubic", keep_seg=True),
        dict(type="PackInputs"),
    ]
    item = build(root, split="val", pipeline=pipeline)[0]
    assert tuple(item["inputs"].shape) == (3, 16, 32)
    assert tuple(item["data_samples"]["gt_seg"].shape) == (32, 64)
    assert item["data_samples"]["metainfo"]["ori_shape"] == (32, 64)


def test_missing_root_and_split_errors(tmp_path):
    with pytest.raises(DataRootError) as info:
        build(tmp_path / "nowhere")
    message = str(info.value)
    assert "CityscapesDataset: the data root does not exist" in message and str(tmp_path / "nowhere") in message
    assert "leftImg8bit/{train,val,test}/<city>/" in message and "_gtFine_labelIds.png" in message
    assert "cityscapes-dataset.com" in message and "leftImg8bit_trainvaltest.zip" in message
    assert "gtFine_trainvaltest.zip" in message
    root = write_cityscapes_layout(tmp_path / "cs", splits=("train",), n=1, size=SIZE)
    with pytest.raises(DataRootError, match=r"the image folder 'leftImg8bit/val' is missing"):
        build(root, split="val")


def test_unpaired_image_names_the_file(tmp_path):
    root = write_cityscapes_layout(tmp_path / "cs", splits=("val",), n=2, size=SIZE)
    os.remove(os.path.join(root, "gtFine", "val", "lindau", "lindau_000000_000001_gtFine_labelIds.png"))
    with pytest.raises(DataRootError, match=r"image 'lindau/lindau_000000_000001_leftImg8bit.png' has no label"):
        build(root, split="val")
    assert len(build(root, split="val", label_type="labelTrainIds")) == 2


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="split must be one of"):
        build(tmp_path, split="training")
    with pytest.raises(ValueError, match="label_type must be one of"):
        build(tmp_path, label_type="color")
