"""The plugin's configs: the demo ones train end to end (shrunk) and resume exactly; the GTA5 ones follow the reference.

Configs are loaded as ``tools/train.py`` loads them (their ``dareg::`` bases resolve to dareg's configs), then
shrunk to 32x64 images, two samples per domain and a few iterations, so that training runs in seconds.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from dareg.apis import apply_run_options, train
from dareg.testing import smoke_run
from dareg.utils.config import check_config_types, load_config
from mmengine.config import Config
from selftrain_helpers import CONFIG_DIR

#: Demo configs -> (the logged self-training terms, the ablation config).
DEMO_CONFIGS = {
    "dacs_synthetic_hedge.py": (["loss_mix", "loss_mix_aux"], "dacs_synthetic_hedge_no_selftraining.py"),
}
WARM_START = "source_only_synthetic_hedge.py"
GTA_CONFIGS: list[str] = []


def test_every_config_is_tested():
    tested = set(DEMO_CONFIGS) | {ablation for _, ablation in DEMO_CONFIGS.values()} | {WARM_START, *GTA_CONFIGS}
    assert sorted(p.name for p in CONFIG_DIR.glob("*.py")) == sorted(tested)


def shrink(cfg: Config, work_dir: Path, iters: int = 2) -> Config:
    """``iters`` iterations on 32x64 images, two samples per domain, validation at the end on two images."""
    pair = cfg.train_dataloader.dataset
    for dataset in (pair.source, pair.target, cfg.val_dataloader.dataset):
        dataset.update(image_size=(32, 64), num_samples=2)
    cfg.train_dataloader.batch_size = 2
    cfg.val_dataloader.batch_size = 2
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg.update(max_iters=iters, val_interval=iters)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = iters
    cfg.log_level = "WARNING"
    apply_run_options(cfg, str(work_dir / "config.py"), work_dir=str(work_dir))
    return cfg


@pytest.fixture(scope="module")
def source_only_checkpoint(tmp_path_factory) -> Path:
    """A tiny run of the warm-start config: its last checkpoint is what the demos load."""
    work_dir = tmp_path_factory.mktemp("source_only")
    runner = train(shrink(load_config(str(CONFIG_DIR / WARM_START)), work_dir))
    assert runner.iter == 2
    return work_dir / "iter_2.pth"


def load_demo(name: str, checkpoint: Path) -> Config:
    cfg = load_config(str(CONFIG_DIR / name))
    assert cfg.load_from == f"work_dirs/{WARM_START[:-3]}/iter_500.pth"  # the dependency the header comment names
    cfg.load_from = str(checkpoint)
    return cfg


@pytest.mark.parametrize("name", sorted(DEMO_CONFIGS))
def test_demo_config_trains_from_the_source_only_checkpoint_and_validates_student_and_teacher(
    name, source_only_checkpoint, tmp_path
):
    runner = train(shrink(load_demo(name, source_only_checkpoint), tmp_path))
    assert runner.iter == 2 and (tmp_path / "iter_2.pth").is_file()
    hub = runner.message_hub
    terms, _ = DEMO_CONFIGS[name]
    for key in ["loss_seg", "pseudo_quality", *terms]:
        assert math.isfinite(hub.get_scalar(f"train/{key}").current()), key
    for key in ("mIoU", "student/mIoU", "teacher/mIoU"):
        assert 0.0 <= hub.get_scalar(f"val/{key}").current() <= 100.0, key


@pytest.mark.parametrize("name", sorted(DEMO_CONFIGS))
def test_the_warm_start_loads_the_source_only_student(name, source_only_checkpoint, tmp_path):
    """One iteration at learning rate 0: student and teacher end as the checkpoint's task_model."""
    cfg = shrink(load_demo(name, source_only_checkpoint), tmp_path, iters=1)
    cfg.optim_wrapper.task_model.optimizer.lr = 0.0
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    runner = train(cfg)
    saved = torch.load(source_only_checkpoint, map_location="cpu", weights_only=False)["state_dict"]
    student = {k: v for k, v in saved.items() if k.startswith("task_model.")}
    assert student
    state = runner.model.state_dict()
    for key, value in student.items():
        assert torch.equal(state[key], value), key
        assert torch.equal(state["teacher.network." + key[len("task_model.") :]], value), key


@pytest.mark.parametrize("name", sorted(DEMO_CONFIGS))
def test_the_ablation_differs_only_in_the_self_training_weights(name):
    config = load_config(str(CONFIG_DIR / name))
    ablation = load_config(str(CONFIG_DIR / DEMO_CONFIGS[name][1]))
    weights = [key for key in ("lambda_mix", "lambda_masked") if key in config.model]
    assert all(config.model[key] > 0 and ablation.model[key] == 0.0 for key in weights)
    for key in weights:
        ablation.model[key] = config.model[key]
    assert ablation.to_dict() == config.to_dict()


@pytest.mark.parametrize("name", sorted(DEMO_CONFIGS))
def test_demo_config_resumes_exactly_with_its_teacher(name, tmp_path):
    cfg = load_config(str(CONFIG_DIR / name))
    cfg.load_from = None
    pair = cfg.train_dataloader.dataset
    for dataset in (pair.source, pair.target):
        dataset.update(image_size=(32, 64), num_samples=4)
    result = smoke_run(cfg, tmp_path, iters=3)
    assert "train/pseudo_quality" in result["logged"]
    state = torch.load(tmp_path / "run" / "iter_3.pth", map_location="cpu", weights_only=False)["state_dict"]
    assert any(key.startswith("teacher.network.") for key in state)


def test_dacs_demo_is_the_adaptsegnet_demo_with_the_method_changed():
    dacs = load_config(str(CONFIG_DIR / "dacs_synthetic_hedge.py"))
    adaptseg = load_config("dareg::demo/adaptseg_synthetic_hedge.py")
    check_config_types(dacs)
    assert dacs.model.task_model == adaptseg.model.segmentor
    assert dacs.model.data_preprocessor == adaptseg.model.data_preprocessor
    assert dacs.optim_wrapper.task_model == adaptseg.optim_wrapper.segmentor
    assert dacs.param_scheduler.task_model == adaptseg.param_scheduler.segmentor
    assert dacs.train_dataloader == adaptseg.train_dataloader and dacs.train_cfg == adaptseg.train_cfg
    assert (dacs.model.teacher.alpha, dacs.model.teacher_update, dacs.model.pseudo_labeller.threshold) == (
        0.99,
        "after_step",
        0.968,
    )
    jitter, blur = dacs.model.strong_augment.augments
    assert (jitter.strength, jitter.p, blur.p) == (0.25, 0.8, 0.5)
