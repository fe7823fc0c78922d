"""The digit dataset base configs build, and both domains arrive in one shape, dtype and range."""

import copy
from pathlib import Path

import pytest
import torch
from fixtures.digit_files import redirect_to_tiny_files, write_config_data_roots
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from dareg.utils.config import load_config

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "_base_" / "datasets"



def batches(cfg):
    init_default_scope("dareg")
    for key in ("train_dataloader", "val_dataloader"):
        loader = Runner.build_dataloader(copy.deepcopy(cfg[key]), seed=0)
        yield key, next(iter(loader))


@pytest.mark.parametrize(
    "name, shape",
    [
        ("mnist2usps", (1, 28, 28)),
        ("usps2mnist", (1, 28, 28)),
        ("svhn2mnist", (1, 28, 28)),
        ("mnist2mnistm", (3, 32, 32)),
        ("digits_embedded", (1, 28, 28)),
        ("digits_embedded_rgb32", (3, 32, 32)),
    ],
)
def test_dataset_config_builds_with_one_convention(tmp_path, name, shape):
    cfg = load_config(str(CONFIGS / f"{name}.py")).to_dict()
    redirect_to_tiny_files(cfg, write_config_data_roots(tmp_path))
    cfg["train_dataloader"].update(batch_size=4, num_workers=0)
    cfg["val_dataloader"].update(batch_size=4, num_workers=0)
    for key, batch in batches(cfg):
        domains = [batch["source"], batch["target"]] if key == "train_dataloader" else [batch]
        for domain in domains:
            assert domain["inputs"].shape == (4, *shape), key
            assert domain["inputs"].dtype == torch.uint8
            assert domain["data_samples"]["gt_label"].shape == (4,)
    assert cfg["val_evaluator"]["type"] == "Accuracy"
