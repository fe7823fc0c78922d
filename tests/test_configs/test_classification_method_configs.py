"""DANN, CDAN, MCD and MDD configs: every benchmark's first task, every digits config and every demo
builds and trains two iterations, then validates; every other task differs from its benchmark's first
task in the domains only, and its datasets build on the tiny files.

Benchmark datasets read tiny files in their real layouts (``tests/fixtures/image_lists.py``; the
ImageNet ResNet becomes a tiny random network with the same 2048-d output, crops 32 x 32); digit
configs read tiny files in the real formats (``tests/fixtures/digit_files.py``); demos use the
embedded pairs. Training every one of the 104 task overrides too would add ~4 minutes for a path
that differs from the first task's only in the two domain names, which the datasets check covers.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import torch
from fixtures.digit_files import redirect_to_tiny_files, write_config_data_roots
from fixtures.image_lists import redirect_to_tiny_benchmarks, shrink_for_tests, write_benchmark_roots
from mmengine.config import Config

from dareg.apis import apply_run_options, train
from dareg.registry import DATASETS
from dareg.utils.config import load_config

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
METHODS = ("dann", "cdan", "mcd", "mdd")
BENCHMARKS = {"office31": "a2w", "officehome": "ar2cl", "visda2017": "synthetic2real", "domainnet": "c2p"}
TASK_COUNTS = {"office31": 6, "officehome": 12, "visda2017": 1, "domainnet": 12}
FIRST_TASKS = [f"{m}/{b}/{t}.py" for m in METHODS for b, t in BENCHMARKS.items()] + ["adda/office31/a2w.py"]
OTHER_TASKS = sorted(
    str(p.relative_to(CONFIGS))
    for m in METHODS
    for p in (CONFIGS / m).glob("*/*.py")
    if p.stem != BENCHMARKS[p.parent.name]
)
DIGITS = [f"{m}/{t}.py" for m in METHODS for t in ("mnist2usps", "usps2mnist", "svhn2mnist")]
DEMOS = [f"demo/{m}_{pair}.py" for m in ("dann", "cdan", "cdan_e", "mcd", "mdd") for pair in ("digits", "synth2real")]
#: The optimizer keys each algorithm steps.
OPTIMIZERS = {
    "DANN": ("classifier", "discriminator"),
    "CDAN": ("classifier", "discriminator"),
    "MDD": ("classifier", "adversarial_head"),
    "MCD": ("generator", "classifiers"),
    "ADDA": ("classifier", "target_encoder", "discriminator"),
}


@pytest.fixture(scope="module")
def roots(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("method_configs")
    return {
        "benchmarks": write_benchmark_roots(base / "benchmarks"),
        "digits": write_config_data_roots(base / "digits"),
    }


@pytest.fixture
def quick_config_dump(monkeypatch):
    """The Runner pretty-prints the config with yapf several times per run (~1 s each): skip that."""
    monkeypatch.setattr(Config, "pretty_text", property(lambda self: f"cfg = {self.to_dict()!r}\n"))


def test_every_method_has_every_task_of_the_standard_protocols():
    for method in METHODS:
        for benchmark, count in TASK_COUNTS.items():
            assert len(list((CONFIGS / method / benchmark).glob("*.py"))) == count, (method, benchmark)


@functools.cache
def first_task_without_data(folder: str) -> dict:
    """The first task's config of a benchmark folder, without its dataloaders."""
    cfg = load_config(str(CONFIGS / folder / f"{BENCHMARKS[Path(folder).name]}.py")).to_dict()
    for key in ("train_dataloader", "val_dataloader", "test_dataloader"):
        cfg.pop(key)
    return cfg


def domains(cfg: dict) -> tuple[str, str, str, str]:
    train = cfg["train_dataloader"]["dataset"]
    return (
        train["source"]["domain"],
        train["target"]["domain"],
        cfg["val_dataloader"]["dataset"]["domain"],
        cfg["test_dataloader"]["dataset"]["domain"],
    )


@pytest.mark.parametrize("name", OTHER_TASKS)
def test_task_config_changes_only_the_domains_and_its_datasets_build(name, roots):
    path = Path(name)
    cfg = load_config(str(CONFIGS / name))
    source, target, val, test = domains(cfg.to_dict())
    assert source != target and val == test == target
    pruned = cfg.to_dict()
    for key in ("train_dataloader", "val_dataloader", "test_dataloader"):
        pruned.pop(key)
    assert pruned == first_task_without_data(str(path.parent))
    redirect_to_tiny_benchmarks(cfg._cfg_dict, roots["benchmarks"])
    for dataset in (
        cfg.train_dataloader.dataset.source,
        cfg.train_dataloader.dataset.target,
        cfg.val_dataloader.dataset,
    ):
        assert len(DATASETS.build(dataset.to_dict())) > 0


def shrink(cfg: Config, name: str, roots: dict, tmp_path: Path) -> None:
    apply_run_options(cfg, name, work_dir=str(tmp_path))
    if name in DIGITS:
        redirect_to_tiny_files(cfg._cfg_dict, roots["digits"])
    elif name in FIRST_TASKS:
        redirect_to_tiny_benchmarks(cfg._cfg_dict, roots["benchmarks"])
        shrink_for_tests(cfg._cfg_dict)
    cfg.train_dataloader.update(batch_size=2, num_workers=0)
    cfg.val_dataloader = dict(cfg.val_dataloader, batch_size=4, num_workers=0)
    cfg.val_dataloader.dataset["indices"] = 4  # the first 4 target images
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    cfg.default_hooks.checkpoint.update(interval=100, save_last=False)
    cfg.default_hooks.logger.update(interval=1)
    cfg.log_level = "WARNING"
    if cfg.model.type == "ADDA":
        cfg.model.pretrain_iters = 1  # one step of each phase; the adaptation schedules start there
        for scheduler in cfg.param_scheduler.values():
            scheduler.begin = min(scheduler.get("begin", 0), 1)


@pytest.mark.parametrize("name", FIRST_TASKS + DIGITS + DEMOS)
def test_config_trains_two_iterations_and_validates(name, tmp_path, roots, quick_config_dump):
    cfg = load_config(str(CONFIGS / name))
    algorithm = cfg.model.type
    if name.split("/")[1] in BENCHMARKS:  # the real ImageNet backbone and normalisation before shrinking
        backbone = cfg.model.generator if algorithm == "MCD" else cfg.model.classifier.backbone
        assert backbone.type == "TorchvisionResNet" and backbone.checkpoint_path.startswith("data/pretrained/")
        assert cfg.model.data_preprocessor.bgr_to_rgb
    assert set(OPTIMIZERS[algorithm]) == set(cfg.optim_wrapper) - {"constructor"}
    shrink(cfg, name, roots, tmp_path)
    runner = train(cfg)
    assert runner.iter == 2
    assert 0.0 <= runner.message_hub.get_scalar("val/accuracy").current() <= 100.0
    if algorithm == "MCD":  # each classifier is scored beside the ensemble
        for key in ("val/f1/accuracy", "val/f2/accuracy"):
            assert 0.0 <= runner.message_hub.get_scalar(key).current() <= 100.0
    assert all(torch.isfinite(p).all() for p in runner.model.parameters())
    if algorithm == "ADDA":  # the target encoder is backbone + bottleneck, copied at the boundary
        assert bool(runner.model.target_encoder_initialised)
        assert {key.split(".")[0] for key in runner.model.target_encoder.state_dict()} == {"backbone", "bottleneck"}
