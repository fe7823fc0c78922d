"""Every source-only ("ERM") classification config builds and trains two iterations, then validates.

The benchmark datasets read tiny files in their real layouts (``tests/fixtures/image_lists.py``);
the ImageNet ResNet is replaced by a tiny random network with the same 2048-d output, crops shrink
to 32 x 32, and batches to 2. Task configs must differ from their benchmark's first task in the
domains only.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from fixtures.image_lists import redirect_to_tiny_benchmarks, shrink_for_tests, write_benchmark_roots
from mmengine.config import Config

from dareg.apis import apply_run_options, train
from dareg.utils.config import load_config

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
BENCHMARKS = {"office31": "a2w", "officehome": "ar2cl", "visda2017": "synthetic2real", "domainnet": "c2p"}
SOURCE_ONLY = sorted(str(p.relative_to(CONFIGS)) for p in (CONFIGS / "source_only").glob("*/*.py"))


@pytest.fixture(scope="module")
def roots(tmp_path_factory) -> dict:
    return write_benchmark_roots(tmp_path_factory.mktemp("benchmarks"))


@pytest.fixture
def quick_config_dump(monkeypatch):
    """The Runner pretty-prints the config with yapf five times per run (~1 s each here): skip that."""
    monkeypatch.setattr(Config, "pretty_text", property(lambda self: f"cfg = {self.to_dict()!r}\n"))


def test_every_task_of_the_standard_protocols_has_a_config():
    tasks = {
        benchmark: {Path(name).stem for name in SOURCE_ONLY if name.split("/")[1] == benchmark}
        for benchmark in BENCHMARKS
    }
    assert len(tasks["office31"]) == 6 and len(tasks["officehome"]) == 12 and len(tasks["domainnet"]) == 12
    assert tasks["visda2017"] == {"synthetic2real"}


@pytest.mark.parametrize("name", [n for n in SOURCE_ONLY if Path(n).stem not in BENCHMARKS.values()])
def test_task_config_changes_only_the_domains(name):
    cfg = load_config(str(CONFIGS / name)).to_dict()
    first = load_config(str(CONFIGS / Path(name).parent / f"{BENCHMARKS[Path(name).parts[1]]}.py")).to_dict()
    source, target = Path(name).stem.split("2")
    for key in ("train_dataloader", "val_dataloader", "test_dataloader"):
        cfg.pop(key), first.pop(key)
    assert cfg == first
    assert source != target


@pytest.mark.parametrize("name", SOURCE_ONLY)
def test_config_trains_two_iterations_and_validates(name, tmp_path, roots, quick_config_dump):
    cfg = load_config(str(CONFIGS / name))
    apply_run_options(cfg, name, work_dir=str(tmp_path))
    task = cfg.model.task_model
    assert task.backbone.type == "TorchvisionResNet" and task.backbone.checkpoint_path.startswith("data/pretrained/")
    assert cfg.model.data_preprocessor.bgr_to_rgb and task.head.num_classes == cfg.num_classes
    redirect_to_tiny_benchmarks(cfg._cfg_dict, roots)
    shrink_for_tests(cfg._cfg_dict)
    cfg.train_dataloader.update(batch_size=2, num_workers=0)
    cfg.val_dataloader.update(batch_size=4, num_workers=0)
    cfg.val_dataloader.dataset["indices"] = 4  # the first 4 target images
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    cfg.default_hooks.checkpoint.update(interval=100, save_last=False)  # checkpoints are tested elsewhere
    cfg.default_hooks.logger.update(interval=1)
    cfg.log_level = "WARNING"
    runner = train(cfg)
    assert runner.iter == 2
    for key in ("val/accuracy", "val/mean_class_accuracy"):
        assert 0.0 <= runner.message_hub.get_scalar(key).current() <= 100.0
    assert all(torch.isfinite(p).all() for p in runner.model.parameters())
    # tllib's fine-tuning: the backbone at 0.1x the head's rate, both on the inv schedule
    task_model = runner.model.task_model
    groups = runner.optim_wrapper["task_model"].optimizer.param_groups

    def rates(module):
        ids = {id(p) for p in module.parameters()}
        return sorted({g["lr"] for g in groups if all(id(p) in ids for p in g["params"])})

    schedule = cfg.param_scheduler.task_model
    steps = runner.param_schedulers["task_model"][0].last_step  # 1 or 2: the span may end at max_iters
    assert steps >= 1
    head_lr = cfg.optim_wrapper.task_model.optimizer.lr * (1 + schedule.gamma * steps) ** -schedule.power
    assert rates(task_model.head) == pytest.approx([head_lr])
    assert rates(task_model.backbone) == pytest.approx([0.1 * head_lr])
