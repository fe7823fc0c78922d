"""DAFormer ``_base_`` fragments: models/daformer_mitb5.py, models/daformer_mitb0.py and
schedules/adamw_poly_warmup_40k.py build, predict, group their parameters as the reference does and
train under a Runner with the schedule following ``train_cfg.max_iters``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from dareg.apis import apply_run_options, train
from dareg.registry import MODELS, PARAM_SCHEDULERS
from dareg.testing import build_optim_wrapper, two_domain_batch
from dareg.utils.config import load_config

BASE = Path(__file__).resolve().parents[2] / "configs" / "_base_"
SCHEDULE = BASE / "schedules" / "adamw_poly_warmup_40k.py"


def fragment(name: str) -> Config:
    return Config.fromfile(str(BASE / name))


def test_b5_fragment_carries_the_reference_values_builds_and_predicts():
    cfg = fragment("models/daformer_mitb5.py")
    segmentor = cfg.model.task_model
    assert (segmentor.backbone.arch, segmentor.backbone.drop_path_rate) == ("mit_b5", 0.1)
    assert segmentor.backbone.checkpoint_path == "checkpoints/mit_b5.pth"
    assert (segmentor.head.embed_dims, segmentor.head.channels, segmentor.head.dilations) == (256, 256, (1, 6, 12, 18))
    assert segmentor.head.num_classes == 19 and segmentor.align_corners is False
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()  # the weights file is read by init_weights only (training)
    assert model.task_model.head.in_channels == [64, 128, 320, 512]
    (logits,) = model.task_model(torch.randn(1, 3, 64, 64))
    assert tuple(logits.shape) == (1, 19, 16, 16)
    (prediction,) = model.task_model.predict([logits], None, input_size=(64, 64))
    assert prediction["pred_seg"].shape == (64, 64)


@pytest.fixture(scope="module")
def b0_model():
    torch.manual_seed(0)
    return MODELS.build(fragment("models/daformer_mitb0.py").model)


def test_schedule_fragment_groups_every_parameter_as_the_reference(b0_model):
    schedule = fragment("schedules/adamw_poly_warmup_40k.py")
    wrappers = build_optim_wrapper(b0_model, schedule.optim_wrapper)
    optimizer = wrappers["task_model"].optimizer
    assert type(optimizer).__name__ == "AdamW" and optimizer.defaults["betas"] == (0.9, 0.999)
    group_of = {id(p): group for group in optimizer.param_groups for p in group["params"]}
    segmentor = b0_model.task_model
    layer_norms = {
        id(p) for m in segmentor.backbone.modules() if isinstance(m, torch.nn.LayerNorm) for p in m.parameters()
    }
    # patch embeds, norm1 and norm2 of 8 blocks, attn.norm of the 6 blocks with sr > 1, the 4 stage norms
    assert len(layer_norms) == 2 * (4 + 8 * 2 + 6 + 4)
    names = dict(segmentor.named_parameters())
    assert len(group_of) == len(names)  # every parameter is optimised
    for name, param in names.items():
        group = group_of[id(param)]
        if name.startswith("head."):  # the head, its BatchNorm layers ("bn") included
            assert (group["lr"], group["weight_decay"]) == (pytest.approx(6e-4), 0.01), name
        elif "norm" in name:
            assert id(param) in layer_norms, name  # "norm" matches exactly MiT's LayerNorms
            assert (group["lr"], group["weight_decay"]) == (pytest.approx(6e-5), 0.0), name
        else:
            assert (group["lr"], group["weight_decay"]) == (pytest.approx(6e-5), 0.01), name
    assert layer_norms <= {id(p) for n, p in names.items() if "norm" in n}

    scheduler = PARAM_SCHEDULERS.build(dict(optimizer=wrappers["task_model"], **schedule.param_scheduler.task_model))
    lr_of = {id(p): group["lr"] for group in optimizer.param_groups for p in group["params"]}
    assert lr_of[id(segmentor.head.conv_seg.weight)] == pytest.approx(6e-4 * 1e-6)  # warm-up starts at 1e-6
    assert scheduler.end == 40000


def test_b0_fragment_trains_a_step_with_the_schedule_fragment(b0_model):
    wrappers = build_optim_wrapper(b0_model, fragment("schedules/adamw_poly_warmup_40k.py").optim_wrapper)
    before = b0_model.task_model.head.conv_seg.weight.detach().clone()
    batch = two_domain_batch(channels=3, size=(32, 64), num_classes=19, task="segmentation")
    losses = b0_model.train_step(batch, wrappers)
    assert torch.isfinite(losses["loss_seg"]) and losses["loss_seg"] > 0
    assert not torch.equal(before, b0_model.task_model.head.conv_seg.weight)


def test_runner_trains_the_b0_fragment_and_the_schedule_follows_max_iters(tmp_path):
    config = tmp_path / "daformer_b0_streets.py"
    bases = ["default_runtime.py", "datasets/synthetic_streets.py", "models/daformer_mitb0.py", SCHEDULE]
    config.write_text(
        f"_base_ = {[str(BASE / p) for p in bases]!r}\n"
        "model = dict(task_model=dict(head=dict(num_classes=8)))\n"
    )
    cfg = load_config(str(config), {"train_cfg.max_iters": 400})  # a run 100x shorter: the schedule follows
    scheduler = cfg.param_scheduler.task_model
    assert (scheduler.warmup_iters, scheduler.end) == (15, 400)
    apply_run_options(cfg, str(config), work_dir=str(tmp_path / "work"))
    cfg.train_cfg.update(max_iters=2, val_interval=2)  # two of the 400 iterations, then validate
    cfg.val_dataloader.dataset["num_samples"] = 10
    cfg.default_hooks.checkpoint = None
    cfg.log_level = "WARNING"
    runner = train(cfg)
    assert runner.iter == 2
    assert 0.0 <= runner.message_hub.log_scalars["val/mIoU"].current() <= 100.0
    # after two iterations the schedule stands at t = 2: poly (1 - 2/400), warm-up 1e-6 + (1 - 1e-6) * 2/15
    expected = 6e-5 * (1 - 2 / 400) * (1e-6 + (1 - 1e-6) * 2 / 15)
    assert min(runner.optim_wrapper["task_model"].get_lr()["lr"]) == pytest.approx(expected)


def test_the_mmsegmentation_1x_composite_survives_a_max_iters_override(tmp_path):
    config = tmp_path / "composite.py"
    config.write_text(
        f"_base_ = [{str(SCHEDULE)!r}]\n"
        "param_scheduler = dict(_delete_=True, task_model=[\n"
        "    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),\n"
        "    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=40000)])\n"
    )
    warmup, poly = load_config(str(config), {"train_cfg.max_iters": 400}).param_scheduler.task_model
    assert (warmup.begin, warmup.end, poly.begin, poly.end) == (0, 15, 15, 400)  # still back to back
