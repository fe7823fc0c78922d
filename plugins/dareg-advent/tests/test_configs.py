"""The plugin's configs: the demo ones train for two iterations, the others build and follow the reference.

Configs are loaded exactly as ``tools/train.py`` loads them (their ``_base_`` entries are dareg's
installed configs, ``dareg::`` names), then shrunk (32x64 images, two samples per domain, two
iterations) so that training runs on a CPU in seconds.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from advent_helpers import CONFIG_DIR
from dareg.apis import apply_run_options, train
from dareg.engine.optimizers.multi_optim_wrapper_constructor import MultiOptimWrapperConstructor
from dareg.registry import MODELS
from dareg.utils.config import check_config_types, load_config
from dareg.utils.config_paths import installed_configs, resolve_config
from mmengine.config import Config

DEMO_CONFIGS = ["minent_synthetic.py", "advent_synthetic.py"]
SWAPPED_CONFIGS = ["advent_synthetic_deeplabv2.py"]
GTA_CONFIGS = ["minent_gta2cityscapes.py", "advent_gta2cityscapes.py"]


def test_every_config_is_tested():
    assert sorted(p.name for p in CONFIG_DIR.glob("*.py")) == sorted(DEMO_CONFIGS + SWAPPED_CONFIGS + GTA_CONFIGS)


def test_configs_are_named_by_the_package_once_installed():
    """``dareg_advent::<file>`` is the installed file, with the same content as the file read by path."""
    assert installed_configs("dareg_advent") == sorted(
        f"dareg_advent::{p.relative_to(CONFIG_DIR).as_posix()}" for p in CONFIG_DIR.rglob("*.py")
    )
    assert Path(resolve_config("dareg_advent::advent_synthetic.py")) == CONFIG_DIR / "advent_synthetic.py"
    by_name = load_config("dareg_advent::advent_synthetic_deeplabv2.py")
    assert by_name.to_dict() == load_config(str(CONFIG_DIR / "advent_synthetic_deeplabv2.py")).to_dict()
    with pytest.raises(FileNotFoundError, match="relative to the configs folder: dareg_advent::advent_synthetic.py"):
        resolve_config("dareg_advent::configs/advent_synthetic.py")


def shrink(cfg: Config, work_dir: Path) -> None:
    """Two iterations on 32x64 images, validation at the end on two images."""
    pair = cfg.train_dataloader.dataset
    for dataset in (pair.source, pair.target, cfg.val_dataloader.dataset):
        dataset.update(image_size=(32, 64), num_samples=2)
    cfg.train_dataloader.batch_size = 1
    cfg.val_dataloader.batch_size = 2
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = 2
    cfg.log_level = "WARNING"
    apply_run_options(cfg, str(work_dir / "config.py"), work_dir=str(work_dir))


@pytest.mark.parametrize("name", DEMO_CONFIGS)
def test_demo_config_trains_two_iterations(name, tmp_path):
    cfg = load_config(str(CONFIG_DIR / name))
    shrink(cfg, tmp_path)
    runner = train(cfg)
    assert runner.iter == 2
    assert (tmp_path / "iter_2.pth").is_file()
    hub = runner.message_hub
    adaptation = ["loss_ent", "loss_ent_aux"] if "minent" in name else ["loss_adv", "loss_d"]
    expected = ["loss_seg", "loss_seg_aux", *adaptation]
    for key in expected:
        assert math.isfinite(hub.get_scalar(f"train/{key}").current()), key
    assert 0.0 <= hub.get_scalar("val/mIoU").current() <= 100.0


def test_demo_configs_differ_from_dareg_adaptsegnet_demo_only_in_the_method():
    base = load_config("dareg::demo/adaptseg_synthetic.py")
    advent = load_config(str(CONFIG_DIR / "advent_synthetic.py"))
    minent = load_config(str(CONFIG_DIR / "minent_synthetic.py"))
    assert advent.model.type == "AdvEnt" and minent.model.type == "MinEnt"
    assert {k: v for k, v in advent.model.items() if k != "type"} == {
        k: v for k, v in base.model.items() if k != "type"
    }
    assert minent.model.segmentor == base.model.segmentor
    assert (
        minent.optim_wrapper.segmentor == base.optim_wrapper.segmentor and "discriminators" not in minent.optim_wrapper
    )
    assert minent.train_cfg == base.train_cfg == advent.train_cfg


def test_swapped_backbone_config_builds_deeplabv2_with_heads_sized_from_it():
    cfg = load_config(str(CONFIG_DIR / "advent_synthetic_deeplabv2.py"))
    check_config_types(cfg)
    assert cfg.model.segmentor.backbone == dict(type="DeepLabV2ResNet", depth=50)
    assert cfg.model.data_preprocessor == dict(
        type="DomainDataPreprocessor", mean=[104.00698793, 116.66876762, 122.67891434]
    )
    model = MODELS.build(cfg.model)
    assert (model.segmentor.auxiliary_head.in_channels, model.segmentor.head.in_channels) == (1024, 2048)
    aux, main = model.forward_tensor(torch.zeros(1, 3, 33, 65))
    assert main.shape[:2] == aux.shape[:2] == (1, 8)


@pytest.mark.parametrize("name", GTA_CONFIGS)
def test_gta_config_follows_the_reference_and_builds(name):
    cfg = load_config(str(CONFIG_DIR / name))
    check_config_types(cfg)
    segmentor = cfg.model.segmentor
    assert segmentor.backbone.depth == 101 and segmentor.backbone.pretrained.endswith("pretrained_imagenet.pth")
    assert segmentor.head.num_branches == 4 and segmentor.auxiliary_head.num_branches == 4
    assert cfg.train_cfg.max_iters == 120000 and cfg.param_scheduler.segmentor.end == 250000
    assert cfg.train_dataloader.batch_size == 1
    if cfg.model.type == "MinEnt":
        assert tuple(cfg.model.lambda_ent) == (0.0002, 0.001)
    else:
        assert tuple(cfg.model.lambda_adv) == (0.0002, 0.001)
        assert (cfg.model.source_label, cfg.model.target_label) == (0.0, 1.0)
        assert cfg.optim_wrapper.discriminators.optimizer.lr == 1e-4
    # the optimizers match the algorithm's sub-modules (built small: weights are not downloaded)
    segmentor.backbone = dict(type="TimmBackbone", model_name="test_resnet", output_stride=8)
    model = MODELS.build(cfg.model)
    optim_cfg = {k: v for k, v in cfg.optim_wrapper.items() if k != "constructor"}
    wrappers = MultiOptimWrapperConstructor(optim_cfg)(model)
    groups = wrappers["segmentor"].optimizer.param_groups
    assert sorted({group["lr"] for group in groups}) == pytest.approx([2.5e-4, 2.5e-3])  # heads at 10x
    assert isinstance(model.forward_tensor(torch.zeros(1, 3, 33, 33)), list)
