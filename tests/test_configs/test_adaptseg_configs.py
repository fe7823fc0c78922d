"""AdaptSegNet configs: every GTA5 -> Cityscapes config trains two iterations on tiny fixture layouts
and validates; the embedded demo improves target mIoU over its own first evaluation.

The fixture layouts (``tests/fixtures/segmentation_layouts.py``) hold a few 64x32 PNGs in the real
folder and file-name layouts; every Resize of the pipelines is shrunk to 64x32 and pretrained
weights are switched off (no downloads here). Networks keep their configured architecture
(ResNet-101 included).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from fixtures.segmentation_layouts import shrink_to_layouts as shrink
from fixtures.segmentation_layouts import write_cityscapes_layout, write_gta5_layout
from mmengine.config import Config

from dareg.apis import apply_run_options, train
from dareg.utils.config import load_config

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
CONFIG_FILES = [*CONFIGS.glob("adaptseg/*.py"), *CONFIGS.glob("source_only/gta2cityscapes*.py")]
GTA2CITYSCAPES_CONFIGS = sorted(str(p.relative_to(CONFIGS)) for p in CONFIG_FILES)


@pytest.fixture(scope="module")
def data_roots(tmp_path_factory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("segmentation_layouts")
    return {
        "data/gta5": write_gta5_layout(base / "gta5", n=2),
        "data/cityscapes": write_cityscapes_layout(base / "cityscapes", n=2),
    }


def test_every_method_config_is_listed():
    names = {re.sub(r"\.py$", "", Path(n).name) for n in GTA2CITYSCAPES_CONFIGS}
    assert {"gta2cityscapes", "gta2cityscapes_single_level", "gta2cityscapes_lsgan"} <= names
    assert {"gta2cityscapes_timm_resnet50", "gta2cityscapes_smp_resnet34", "gta2cityscapes_deeplabv2"} <= names


@pytest.mark.parametrize("name", GTA2CITYSCAPES_CONFIGS)
def test_config_trains_two_iterations_and_validates(name, tmp_path, data_roots):
    cfg = load_config(str(CONFIGS / name))
    apply_run_options(cfg, name, work_dir=str(tmp_path))
    shrink(cfg._cfg_dict, data_roots)
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    cfg.default_hooks.checkpoint = None  # a ResNet-101 checkpoint is 170 MB: not needed here
    cfg.default_hooks.logger.update(interval=1)
    cfg.log_level = "WARNING"
    runner = train(cfg)
    assert runner.iter == 2
    metrics = runner.message_hub.log_scalars
    assert 0.0 <= metrics["val/mIoU"].current() <= 100.0
    losses = [k for k in metrics if k.startswith("train/loss")]
    assert "train/loss_seg" in losses
    if cfg.model.type == "AdaptSegNet":
        assert "train/loss_adv" in losses and "train/loss_d" in losses


def demo_config(work_dir: Path) -> Config:
    path = CONFIGS / "demo" / "adaptseg_synthetic.py"
    cfg = load_config(str(path))
    apply_run_options(cfg, str(path), work_dir=str(work_dir))
    return cfg


def test_demo_improves_target_miou_over_its_first_evaluation(tmp_path):
    cfg = demo_config(tmp_path)
    # shorter than the demo's 500 iterations (the schedule shrinks with it), validation on 40 images
    cfg.train_cfg.update(max_iters=60, val_interval=20)
    for scheduler in cfg.param_scheduler.values():
        scheduler["end"] = 60
    cfg.val_dataloader.dataset["num_samples"] = 40
    cfg.default_hooks.checkpoint = None
    cfg.log_level = "WARNING"
    history = []
    runner = train_with_history(cfg, history)
    assert runner.iter == 60 and len(history) == 3
    # measured: 29.7 -> 32.4 -> 34.1 with the GroupNorm demo (one thread)
    assert history[-1] > history[0] + 3.0 and history[-1] > history[1], history


def train_recording(cfg: Config, records: list[dict]):
    """Train ``cfg`` and record the metrics of every evaluation."""
    from mmengine.hooks import Hook

    from dareg.apis import build_runner

    class RecordMetrics(Hook):
        def after_val_epoch(self, runner, metrics=None):
            records.append(dict(metrics))

    runner = build_runner(cfg)
    runner.register_hook(RecordMetrics(), priority="LOWEST")
    runner.train()
    return runner


def train_with_history(cfg: Config, history: list[float]):
    """Train ``cfg`` and record the target mIoU of every evaluation."""
    records: list[dict] = []
    runner = train_recording(cfg, records)
    history.extend(float(metrics["mIoU"]) for metrics in records)
    return runner


def test_demo_configs_describe_the_same_segmentor():
    adapt = load_config(str(CONFIGS / "demo" / "adaptseg_synthetic.py"))
    source_only = load_config(str(CONFIGS / "demo" / "source_only_synthetic.py"))
    assert source_only.model.type == "SourceOnly" and adapt.model.type == "AdaptSegNet"
    assert source_only.model.task_model == adapt.model.segmentor
    assert source_only.optim_wrapper.task_model == adapt.optim_wrapper.segmentor
    assert source_only.train_cfg == adapt.train_cfg


def shrink_to_two_iterations(cfg: Config, name: str, tmp_path) -> Config:
    """``cfg`` with run options applied, cut to 2 iterations, one validation on 4 scenes, no checkpoint."""
    apply_run_options(cfg, name, work_dir=str(tmp_path))
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    cfg.val_dataloader.dataset["num_samples"] = 4
    cfg.default_hooks.checkpoint = None
    cfg.log_level = "WARNING"
    return cfg


def test_demo_oracle_trains_the_source_only_segmentor_on_labelled_target_scenes(tmp_path):
    oracle = load_config(str(CONFIGS / "demo" / "oracle_synthetic.py"))
    source_only = load_config(str(CONFIGS / "demo" / "source_only_synthetic.py"))
    assert oracle.model == source_only.model and oracle.optim_wrapper == source_only.optim_wrapper
    train_set = oracle.train_dataloader.dataset
    assert train_set.source.domain == "target" and train_set.source.split == "train"
    assert oracle.val_dataloader.dataset == source_only.val_dataloader.dataset  # the same target val scenes
    assert source_only.model.task_model.backbone.norm_layer == "groupnorm"  # no running statistics to shift
    assert train(shrink_to_two_iterations(oracle, "oracle_synthetic.py", tmp_path)).iter == 2


def test_hedge_demo_is_the_demo_on_hedge_scenes_and_trains(tmp_path):
    hedge = load_config(str(CONFIGS / "demo" / "adaptseg_synthetic_hedge.py"))
    adapt = load_config(str(CONFIGS / "demo" / "adaptseg_synthetic.py"))
    assert hedge.model == adapt.model and hedge.optim_wrapper == adapt.optim_wrapper
    pair = hedge.train_dataloader.dataset
    for dataset in (pair.source, pair.target, hedge.val_dataloader.dataset, hedge.test_dataloader.dataset):
        assert dataset.vegetation_layout == "hedge"
    assert pair.target.domain == "target" and hedge.test_dataloader.dataset.split == "val"
    assert train(shrink_to_two_iterations(hedge, "adaptseg_synthetic_hedge.py", tmp_path)).iter == 2


def test_hedge_validator_study_config_scores_target_pixels_every_validation(tmp_path):
    study = load_config(str(CONFIGS / "demo" / "adaptseg_synthetic_hedge_validators.py"))
    hedge = load_config(str(CONFIGS / "demo" / "adaptseg_synthetic_hedge.py"))
    assert study.model == hedge.model and study.train_dataloader == hedge.train_dataloader
    assert study.train_cfg.max_iters == hedge.train_cfg.max_iters and study.train_cfg.val_interval == 50
    assert study.default_hooks.checkpoint.interval == 50 and study.default_hooks.checkpoint.max_keep_ckpts == 10
    shrink_to_two_iterations(study, "adaptseg_synthetic_hedge_validators.py", tmp_path)
    study.val_cfg.update(max_samples=3)
    scores: list[dict] = []
    runner = train_recording(study, scores)
    assert runner.iter == 2 and len(scores) == 1
    # 3 target images of 64x128 at pixel stride 8: 3 x 8 x 16 rows of 8 class probabilities
    # more than 2 neighbours per row (one row per image would cap SND at log 2)
    assert math.log(2) < scores[0]["validator/SND"] <= math.log(3 * 8 * 16 - 1) + 1e-6
    assert -math.log(8) - 1e-6 <= scores[0]["validator/IM"] <= math.log(8) + 1e-6
    assert "mIoU" in scores[0]
