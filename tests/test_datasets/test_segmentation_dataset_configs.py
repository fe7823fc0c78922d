"""The GTA5 -> Cityscapes dataset base config on fixture layouts, and its shapes."""

from __future__ import annotations

from fixtures.segmentation_layouts import write_cityscapes_layout, write_gta5_layout
from mmengine.config import Config

from dareg.datasets import domain_collate
from dareg.registry import DATASETS, METRICS


def test_gta2cityscapes_base_config_shapes(tmp_path):
    cfg = Config.fromfile("configs/_base_/datasets/gta2cityscapes.py")
    assert cfg.train_dataloader.dataset.source.data_root == "data/gta5"
    assert cfg.val_dataloader.dataset.data_root == "data/cityscapes"
    assert (cfg.train_dataloader.batch_size, cfg.train_dataloader.num_workers, cfg.val_dataloader.num_workers) == (
        1,
        4,
        2,
    )
    gta5 = write_gta5_layout(tmp_path / "gta5", n=2, size=(64, 32))
    cityscapes = write_cityscapes_layout(tmp_path / "cityscapes", n=2, size=(64, 32))
    cfg.train_dataloader.dataset.source.data_root = gta5
    cfg.train_dataloader.dataset.target.data_root = cityscapes
    cfg.val_dataloader.dataset.data_root = cityscapes

    pair = DATASETS.build(cfg.train_dataloader.dataset)
    batch = domain_collate([pair[0]])
    assert tuple(batch["source"]["inputs"].shape) == (1, 3, 720, 1280)
    assert tuple(batch["source"]["data_samples"]["gt_seg"].shape) == (1, 720, 1280)
    assert tuple(batch["target"]["inputs"].shape) == (1, 3, 512, 1024)
    assert "gt_seg" not in batch["target"]["data_samples"]  # target labels are never loaded

    val = DATASETS.build(cfg.val_dataloader.dataset)
    item = val[0]
    assert tuple(item["inputs"].shape) == (3, 512, 1024)
    assert tuple(item["data_samples"]["gt_seg"].shape) == (32, 64)  # labels at full resolution
    assert (cfg.val_cfg.type, cfg.test_cfg.type) == ("ValLoop", "TestLoop")
    metric = METRICS.build(cfg.val_evaluator)
    assert metric.num_classes == 19 and metric.ignore_index == 255
