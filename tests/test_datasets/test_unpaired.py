"""Unpaired image folders (CycleGAN layout) and side-by-side pairs read as two unpaired domains."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dareg.datasets import DomainPairDataset, StreamSampler, domain_collate
from dareg.registry import DATASETS


def write(path, image) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), image)


def test_unpaired_default_pipeline_is_load_286_crop_256_flip(tmp_path):
    for index in range(2):
        write(tmp_path / "trainA" / f"{index}.jpg", np.full((300, 400, 3), 50 * index, np.uint8))
    write(tmp_path / "trainB" / "sub" / "b.png", np.zeros((100, 100, 3), np.uint8))
    write(tmp_path / "testA" / "t.png", np.zeros((64, 80, 3), np.uint8))
    (tmp_path / "trainA" / "readme.txt").write_text("skipped")
    domain_a = DATASETS.build(dict(type="UnpairedImageDataset", data_root=str(tmp_path), domain="A"))
    assert len(domain_a) == 2 and domain_a[0]["inputs"].shape == (3, 256, 256)
    domain_b = DATASETS.build(dict(type="UnpairedImageDataset", data_root=str(tmp_path), domain="B"))
    assert domain_b.get_data_info(0)["img_path"].endswith("trainB/sub/b.png")  # recursive
    test_a = DATASETS.build(dict(type="UnpairedImageDataset", data_root=str(tmp_path), domain="A", split="test"))
    assert test_a[0]["inputs"].shape == (3, 256, 256)
    pair = DomainPairDataset(source=domain_a, target=domain_b)
    batch = domain_collate([pair[key] for key, _ in zip(StreamSampler(pair, seed=0), range(2))])
    assert batch["source"]["inputs"].shape == batch["target"]["inputs"].shape == (2, 3, 256, 256)


def test_unpaired_errors_name_the_layout(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"trainA.*\{trainA,trainB,testA,testB\}"):
        DATASETS.build(dict(type="UnpairedImageDataset", data_root=str(tmp_path), domain="A"))
    with pytest.raises(ValueError, match="domain must be"):
        DATASETS.build(dict(type="UnpairedImageDataset", data_root=str(tmp_path), domain="C"))


def test_side_by_side_halves_break_the_pairs(tmp_path):
    for index in range(4):
        image = np.zeros((64, 128, 3), np.uint8)
        image[:, :64] = 10 + index  # left (A): edges
        image[:, 64:] = 200 + index  # right (B): photos
        write(tmp_path / "train" / f"{index}.png", image)
    cfg = dict(type="SideBySideImageDataset", data_root=str(tmp_path))
    edges = DATASETS.build(dict(cfg, side="left", part="first"))
    shoes = DATASETS.build(dict(cfg, side="right", part="second"))
    assert len(edges) == len(shoes) == 2
    assert [int(edges[i]["inputs"].float().mean()) for i in range(2)] == [10, 11]  # files 0, 1: left halves
    assert [int(shoes[i]["inputs"].float().mean()) for i in range(2)] == [202, 203]  # files 2, 3: right halves
    assert edges[0]["inputs"].shape == (3, 64, 64)
    with pytest.raises(FileNotFoundError, match="side-by-side layout"):
        DATASETS.build(dict(cfg, data_root=str(tmp_path / "none"))).full_init()
