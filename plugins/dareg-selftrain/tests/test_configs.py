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

#: Demo configs -> (the logged self-training terms, the ablation config, the source-only config they start from).
DEMO_CONFIGS = {
    "dacs_synthetic_hedge.py": (
        ["loss_mix", "loss_mix_aux"],
        "dacs_synthetic_hedge_no_selftraining.py",
        "source_only_synthetic_hedge.py",
    ),
    "daformer_synthetic_hedge.py": (
        ["loss_mix", "loss_fd"],
        "daformer_synthetic_hedge_no_selftraining.py",
        "source_only_daformer_synthetic_hedge.py",
    ),
    "mic_synthetic_hedge.py": (
        ["loss_mix", "loss_masked", "loss_fd"],
        "mic_synthetic_hedge_no_selftraining.py",
        "source_only_daformer_synthetic_hedge.py",
    ),
    "combined_synthetic_hedge.py": (
        ["loss_mix", "loss_adv", "loss_adv_aux", "loss_d", "loss_d_aux"],
        "combined_synthetic_hedge_no_selftraining.py",
        "source_only_synthetic_hedge.py",
    ),
}
#: Every config of the results tables: each demo and its ablation -> the demo it belongs to.
RESULT_CONFIGS = {name: name for name in DEMO_CONFIGS}
RESULT_CONFIGS |= {ablation: name for name, (_, ablation, _) in DEMO_CONFIGS.items()}
GTA_CONFIGS = ["dacs_gta2cityscapes.py", "daformer_gta2cityscapes.py", "mic_daformer_gta2cityscapes.py"]
#: Target oracles -> the source-only config whose network and schedule they train on labelled target scenes.
ORACLE_CONFIGS = {"oracle_daformer_synthetic_hedge.py": "source_only_daformer_synthetic_hedge.py"}


def test_every_config_is_tested():
    tested = {name for name, (_, ablation, start) in DEMO_CONFIGS.items() for name in (name, ablation, start)}
    tested |= set(ORACLE_CONFIGS)
    assert sorted(p.name for p in CONFIG_DIR.glob("*.py")) == sorted(tested | set(GTA_CONFIGS))


@pytest.mark.parametrize("name", sorted(ORACLE_CONFIGS))
def test_oracle_is_its_source_only_config_on_labelled_target_scenes(name, tmp_path):
    oracle, source_only = (load_config(str(CONFIG_DIR / n)) for n in (name, ORACLE_CONFIGS[name]))
    assert source_only.train_dataloader.dataset.source.domain == "source"
    assert oracle.train_dataloader.dataset.source.domain == "target"
    oracle.train_dataloader.dataset.source.domain = "source"
    assert oracle.pretty_text == source_only.pretty_text  # nothing else differs
    runner = train(shrink(load_config(str(CONFIG_DIR / name)), tmp_path))
    assert runner.iter == 2
    assert runner.train_dataloader.dataset.source.domain == "target"
    assert 0.0 <= runner.message_hub.get_scalar("val/mIoU").current() <= 100.0


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
def source_only_checkpoint(tmp_path_factory):
    """``checkpoint(config)``: the last checkpoint of a tiny run of the source-only config a demo starts from."""
    checkpoints: dict[str, Path] = {}

    def checkpoint(name: str) -> Path:
        start = DEMO_CONFIGS[RESULT_CONFIGS[name]][2]
        if start not in checkpoints:
            work_dir = tmp_path_factory.mktemp(start[:-3])
            assert train(shrink(load_config(str(CONFIG_DIR / start)), work_dir)).iter == 2
            checkpoints[start] = work_dir / "iter_2.pth"
        return checkpoints[start]

    return checkpoint


def load_demo(name: str, checkpoints) -> Config:
    cfg = load_config(str(CONFIG_DIR / name))
    start = DEMO_CONFIGS[RESULT_CONFIGS[name]][2]
    assert cfg.load_from == f"work_dirs/{start[:-3]}/iter_500.pth"  # the dependency its header names
    cfg.load_from = str(checkpoints(name))
    return cfg


@pytest.mark.parametrize("name", sorted(RESULT_CONFIGS))
def test_demo_config_trains_from_the_source_only_checkpoint_and_validates_student_and_teacher(
    name, source_only_checkpoint, tmp_path
):
    runner = train(shrink(load_demo(name, source_only_checkpoint), tmp_path))
    assert runner.iter == 2 and (tmp_path / "iter_2.pth").is_file()
    hub = runner.message_hub
    terms = DEMO_CONFIGS[RESULT_CONFIGS[name]][0]
    for key in ["loss_seg", "pseudo_quality", *terms]:
        assert math.isfinite(hub.get_scalar(f"train/{key}").current()), key
    for key in ("mIoU", "student/mIoU", "teacher/mIoU"):
        assert 0.0 <= hub.get_scalar(f"val/{key}").current() <= 100.0, key


@pytest.mark.parametrize("name", sorted(DEMO_CONFIGS))
def test_the_warm_start_loads_the_source_only_student(name, source_only_checkpoint, tmp_path):
    """One iteration at learning rate 0: student and teacher weights end as the checkpoint's task_model."""
    cfg = shrink(load_demo(name, source_only_checkpoint), tmp_path, iters=1)
    cfg.optim_wrapper.task_model.optimizer.lr = 0.0
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    runner = train(cfg)
    saved = torch.load(source_only_checkpoint(name), map_location="cpu", weights_only=False)["state_dict"]
    state = runner.model.state_dict()
    weights = dict(runner.model.named_parameters())  # BatchNorm statistics move in any train-mode forward
    student = {k: v for k, v in saved.items() if k.startswith("task_model.") and k in weights}
    assert student
    for key, value in student.items():
        assert torch.equal(state[key], value), key
        assert torch.equal(state["teacher.network." + key[len("task_model.") :]], value), key
        if "feature_distance.frozen_encoder.encoder.patch_embed1.proj.weight" in state:  # copied after load_from
            encoder_key = "feature_distance.frozen_encoder." + key[len("task_model.backbone.") :]
            assert not key.startswith("task_model.backbone.") or torch.equal(state[encoder_key], value), key


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


def test_daformer_demo_keeps_daformer_settings_on_the_b0_network():
    daformer = load_config(str(CONFIG_DIR / "daformer_synthetic_hedge.py"))
    source_only = load_config(str(CONFIG_DIR / "source_only_daformer_synthetic_hedge.py"))
    network = load_config("dareg::_base_/models/daformer_mitb0.py").model.task_model
    network.head.num_classes = 8
    check_config_types(daformer)
    assert daformer.model.task_model == source_only.model.task_model == network
    assert daformer.optim_wrapper == source_only.optim_wrapper
    assert daformer.param_scheduler == source_only.param_scheduler
    assert (daformer.model.teacher.alpha, daformer.model.teacher_update) == (0.99, "before_step")
    assert daformer.model.class_mix.batch_wide and daformer.model.pseudo_labeller.threshold == 0.968
    jitter, blur = daformer.model.strong_augment.augments
    assert (jitter.strength, jitter.p, blur.p) == (0.2, 0.8, 0.5)
    fd = daformer.model.feature_distance
    assert (fd.classes, fd.num_classes, fd.loss_weight) == ([6, 7], 8, 0.005)
    assert daformer.optim_wrapper.task_model.optimizer.type == "AdamW"
    assert daformer.train_cfg.max_iters == 500 and daformer.param_scheduler.task_model.end == 500


def test_mic_demo_is_the_daformer_demo_with_masked_consistency():
    mic = load_config(str(CONFIG_DIR / "mic_synthetic_hedge.py"))
    daformer = load_config(str(CONFIG_DIR / "daformer_synthetic_hedge.py"))
    check_config_types(mic)
    assert mic.model.type == "MIC" and mic.model.lambda_masked == 1.0
    assert {k: v for k, v in mic.model.items() if k not in ("type", "masking", "lambda_masked")} == {
        k: v for k, v in daformer.model.items() if k != "type"
    }
    jitter, blur, mask = mic.model.masking.augments
    assert (jitter.strength, jitter.p, blur.p, mask.block_size, mask.mask_ratio) == (0.2, 0.8, 0.5, 4, 0.7)


def test_combined_demo_is_the_dacs_demo_plus_the_adaptsegnet_demos_adversary():
    combined = load_config(str(CONFIG_DIR / "combined_synthetic_hedge.py"))
    dacs = load_config(str(CONFIG_DIR / "dacs_synthetic_hedge.py"))
    adaptseg = load_config("dareg::demo/adaptseg_synthetic_hedge.py")
    check_config_types(combined)
    assert {k: v for k, v in combined.model.items() if k != "adversary"} == dacs.model
    adversary = combined.model.adversary
    assert adversary.type == "OutputSpaceAdversary" and adversary.gan_loss == adaptseg.model.gan_loss
    assert tuple(adversary.lambda_adv) == tuple(adaptseg.model.lambda_adv)
    labels = (adversary.source_label, adversary.target_label)
    assert labels == (adaptseg.model.source_label, adaptseg.model.target_label)
    assert {**adversary.discriminator, "in_channels": 8} == adaptseg.model.discriminator
    assert combined.optim_wrapper.discriminators == adaptseg.optim_wrapper.discriminators
    assert combined.param_scheduler.discriminators == adaptseg.param_scheduler.discriminators
    assert combined.optim_wrapper.task_model == dacs.optim_wrapper.task_model


def test_dacs_gta_config_carries_the_reference_values():
    cfg = load_config(str(CONFIG_DIR / "dacs_gta2cityscapes.py"))
    check_config_types(cfg)
    model = cfg.model
    assert model.type == "DACS" and model.task_model.auxiliary_head is None and model.task_model.loss_weights == 1.0
    assert model.task_model.backbone.depth == 101 and model.task_model.align_corners
    assert model.task_model.head.num_branches == 2 and tuple(model.task_model.head.dilations[:2]) == (6, 12)
    assert model.data_preprocessor.std is None and not model.data_preprocessor.bgr_to_rgb  # BGR, mean only
    assert (model.teacher.alpha, model.teacher_update, model.pseudo_labeller.threshold, model.lambda_mix) == (
        0.99,
        "after_step",
        0.968,
        1.0,
    )
    assert not model.class_mix.get("batch_wide", False)
    jitter, blur = model.strong_augment.augments
    assert (jitter.strength, jitter.p, blur.p) == (0.25, 0.8, 0.5)
    optimizer = cfg.optim_wrapper.task_model
    assert (optimizer.optimizer.type, optimizer.optimizer.lr, optimizer.optimizer.momentum) == ("SGD", 2.5e-4, 0.9)
    assert optimizer.optimizer.weight_decay == 5e-4 and optimizer.paramwise_cfg.custom_keys.head.lr_mult == 10.0
    assert (cfg.param_scheduler.task_model.power, cfg.param_scheduler.task_model.end) == (0.9, 250000)
    assert cfg.train_cfg.max_iters == 250000 and cfg.train_dataloader.batch_size == 2
    for domain in ("source", "target"):
        crops = [t for t in cfg.train_dataloader.dataset[domain].pipeline if t.type == "RandomCrop"]
        assert [c.size for c in crops] == [512]
        assert not any(t.type == "RandomFlip" for t in cfg.train_dataloader.dataset[domain].pipeline)


@pytest.mark.parametrize("name", ["daformer_gta2cityscapes.py", "mic_daformer_gta2cityscapes.py"])
def test_daformer_gta_configs_carry_the_reference_values(name):
    cfg = load_config(str(CONFIG_DIR / name))
    check_config_types(cfg)
    model = cfg.model
    assert model.task_model.backbone.arch == "mit_b5" and model.task_model.head.type == "DAFormerHead"
    assert (model.teacher.alpha, model.teacher_update) == (0.999, "before_step")
    labeller = model.pseudo_labeller
    assert (labeller.threshold, labeller.ignore_top, labeller.ignore_bottom) == (0.968, 15, 120)
    assert model.class_mix.batch_wide and model.lambda_mix == 1.0
    jitter, blur = model.strong_augment.augments
    assert (jitter.strength, jitter.p, blur.p) == (0.2, 0.8, 0.5)
    fd = model.feature_distance
    assert fd.classes == [6, 7, 11, 12, 13, 14, 15, 16, 17, 18]  # light, sign, person ... bicycle
    assert (fd.num_classes, fd.loss_weight, fd.min_ratio) == (19, 0.005, 0.75)
    assert cfg.train_dataloader.sampler == dict(type="RareClassSampler", temperature=0.01, min_pixels=3000)
    crop = next(t for t in cfg.train_dataloader.dataset.source.pipeline if t.type == "RandomCrop")
    assert (crop.size, crop.focus_min_pixels, crop.cat_max_ratio) == (512, 1500, 0.75)
    assert cfg.optim_wrapper.task_model.optimizer.lr == 6e-5 and cfg.param_scheduler.task_model.warmup_iters == 1500
    assert cfg.train_cfg.max_iters == 40000 and cfg.train_dataloader.batch_size == 2
    if model.type == "MIC":
        jitter, blur, mask = model.masking.augments
        assert (jitter.strength, blur.p, mask.block_size, mask.mask_ratio) == (0.2, 0.5, 32, 0.7)
        assert model.lambda_masked == 1.0


@pytest.mark.parametrize("name", GTA_CONFIGS)
def test_gta_config_builds_and_steps_with_a_small_encoder(name):
    """The reference network is too large for a CPU test: the same config with a small encoder takes a step."""
    from dareg.registry import MODELS
    from dareg.testing import build_optim_wrapper, set_iteration, two_domain_batch

    cfg = load_config(str(CONFIG_DIR / name))
    backbone = cfg.model.task_model.backbone
    if backbone.type == "MixTransformer":
        backbone.update(arch="mit_b0", checkpoint_path=None)
        cfg.model.task_model.head.update(embed_dims=16, channels=16)
    else:
        cfg.model.task_model.backbone = dict(type="TimmBackbone", model_name="test_resnet", output_stride=8)
    cfg.model.pseudo_labeller.update(ignore_top=1, ignore_bottom=3)  # for 32-pixel crops
    if "masking" in cfg.model:
        cfg.model.masking.augments[-1].block_size = 4
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).train()
    wrappers = build_optim_wrapper(model, {k: v for k, v in cfg.optim_wrapper.items() if k != "constructor"})
    groups = wrappers["task_model"].optimizer.param_groups
    base = cfg.optim_wrapper.task_model.optimizer.lr
    assert sorted({group["lr"] for group in groups}) == pytest.approx([base, 10 * base])  # heads at 10x
    set_iteration(0)
    batch = two_domain_batch(2, channels=3, size=32, num_classes=19, task="segmentation")
    losses = model.train_step(batch, wrappers)
    assert all(math.isfinite(float(value)) for value in losses.values()) and "loss_mix" in losses
