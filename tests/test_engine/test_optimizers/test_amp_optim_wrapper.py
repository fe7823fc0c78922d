"""dareg's AmpOptimWrapper: autocast on CPU, per-optimizer dynamic loss scaling, checkpointed scalers."""

from __future__ import annotations

import glob
import os
import warnings

import pytest
import torch
from mmengine.config import Config

from dareg.apis import apply_run_options, train
from dareg.engine.optimizers import AmpOptimWrapper

AMP_WORDS = ("amp", "autocast", "gradscaler", "grad_scaler")


def amp_warnings(records: list[warnings.WarningMessage]) -> list[str]:
    """Deprecation-type warnings that come from the mixed-precision path."""
    found = []
    for record in records:
        if not issubclass(record.category, (FutureWarning, DeprecationWarning)):
            continue
        text = f"{record.message} {record.filename}".lower()
        if any(word in text for word in AMP_WORDS):
            found.append(f"{record.category.__name__}: {record.message} ({record.filename}:{record.lineno})")
    return found


def train_toy(toys, work_dir, max_iters: int = 2, dtype: str | None = None, resume: bool = False):
    cfg = Config(toys.toy_config(work_dir, train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=max_iters)))
    cfg.default_hooks.checkpoint.interval = 2
    apply_run_options(cfg, "toy.py", work_dir=str(work_dir), amp=True, resume="auto" if resume else None)
    if dtype is not None:
        for name in ("classifier", "discriminator"):
            cfg.optim_wrapper[name]["dtype"] = dtype
    return train(cfg)


def test_toy_trains_with_amp_on_cpu_without_deprecation_warnings(toys, tmp_path):
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        runner = train_toy(toys, tmp_path)
    assert amp_warnings(records) == []
    wrappers = runner.optim_wrapper.optim_wrappers
    assert set(wrappers) == {"classifier", "discriminator"}
    for wrapper in wrappers.values():
        assert type(wrapper) is AmpOptimWrapper
        assert wrapper.cast_dtype == torch.bfloat16 and wrapper.device_type == "cpu"
        assert not wrapper.scaling  # bfloat16 needs no loss scaling
    assert runner.iter == 2
    assert all(torch.isfinite(p).all() for p in runner.model.parameters())


def test_autocast_is_active_inside_the_algorithm_context(toys, tmp_path):
    runner = train_toy(toys, tmp_path)
    model = runner.model
    inputs = torch.randn(2, 1, 8, 8)
    with model.autocast(runner.optim_wrapper, "classifier"):
        assert torch.is_autocast_enabled("cpu")
        assert model.classifier(inputs).dtype == torch.bfloat16
        assert (torch.randn(3, 4) @ torch.randn(4, 5)).dtype == torch.bfloat16
    assert model.classifier(inputs).dtype == torch.float32


def test_float16_scalers_are_per_optimizer_and_restored_on_resume(toys, tmp_path):
    runner = train_toy(toys, tmp_path, dtype="float16")
    wrappers = runner.optim_wrapper.optim_wrappers
    scalers = {name: wrapper.loss_scaler for name, wrapper in wrappers.items()}
    assert all(wrapper.scaling for wrapper in wrappers.values())
    assert scalers["classifier"] is not scalers["discriminator"]

    checkpoint = torch.load(os.path.join(tmp_path, "iter_2.pth"), map_location="cpu", weights_only=True)
    saved = checkpoint["optimizer"]
    for name in ("classifier", "discriminator"):
        assert saved[name]["loss_scaler"]["scale"] == scalers[name].get_scale()

    # make the saved scales differ from a fresh scaler's, then resume and check they come back
    checkpoint["optimizer"]["classifier"]["loss_scaler"]["scale"] = 1024.0
    checkpoint["optimizer"]["discriminator"]["loss_scaler"]["scale"] = 8.0
    torch.save(checkpoint, os.path.join(tmp_path, "iter_2.pth"))
    # an edited checkpoint gets a new integrity record, or resuming would (rightly) refuse it
    from dareg.utils.checkpoint_files import file_sha256, write_record

    write_record(os.path.join(tmp_path, "iter_2.pth"), file_sha256(os.path.join(tmp_path, "iter_2.pth")))
    resumed = train_toy(toys, tmp_path, max_iters=2, dtype="float16", resume=True)
    assert resumed.iter == 2  # nothing left to train: the scalers hold exactly what was loaded
    restored = resumed.optim_wrapper.optim_wrappers
    assert restored["classifier"].loss_scaler.get_scale() == 1024.0
    assert restored["discriminator"].loss_scaler.get_scale() == 8.0
    assert sorted(os.path.basename(p) for p in glob.glob(os.path.join(tmp_path, "iter_*.pth"))) == ["iter_2.pth"]


def test_overflowing_float16_step_is_skipped_and_only_that_scale_backs_off():
    torch.manual_seed(0)
    generator, discriminator = torch.nn.Linear(4, 4), torch.nn.Linear(4, 1)
    wrapper_g = AmpOptimWrapper(optimizer=torch.optim.SGD(generator.parameters(), lr=0.1), dtype="float16")
    wrapper_d = AmpOptimWrapper(
        optimizer=torch.optim.SGD(discriminator.parameters(), lr=0.1),
        dtype="float16",
        loss_scale=dict(init_scale=256.0),
    )
    scale_g, scale_d = wrapper_g.loss_scaler.get_scale(), wrapper_d.loss_scaler.get_scale()
    before = generator.weight.detach().clone()
    with wrapper_g.optim_context(generator):
        out = generator(torch.full((2, 4), 1e4))  # fp16 activations: gradients overflow once scaled
    wrapper_g.update_params(out.float().pow(2).sum())
    assert torch.equal(generator.weight, before)  # the step with inf gradients was skipped
    assert wrapper_g.loss_scaler.get_scale() == scale_g / 2
    assert wrapper_d.loss_scaler.get_scale() == scale_d

    before_d = discriminator.weight.detach().clone()
    with wrapper_d.optim_context(discriminator):
        out = discriminator(torch.ones(2, 4))
    wrapper_d.update_params(out.float().mean())
    assert not torch.equal(discriminator.weight, before_d)
    assert wrapper_d.loss_scaler.get_scale() == scale_d  # growth only after growth_interval steps


def test_bad_arguments_are_rejected():
    layer = torch.nn.Linear(2, 2)
    with pytest.raises(ValueError, match="dtype must be one of"):
        AmpOptimWrapper(optimizer=torch.optim.SGD(layer.parameters(), lr=0.1), dtype="half")
    with pytest.raises(TypeError, match="loss_scale"):
        AmpOptimWrapper(optimizer=torch.optim.SGD(layer.parameters(), lr=0.1), loss_scale="static")


def test_no_deprecation_warning_when_building_and_stepping():
    layer = torch.nn.Linear(3, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dtype in ("bfloat16", "float16"):
            wrapper = AmpOptimWrapper(optimizer=torch.optim.Adam(layer.parameters()), dtype=dtype)
            with wrapper.optim_context(layer):
                loss = layer(torch.ones(1, 3)).float().sum()
            wrapper.update_params(loss)
            wrapper.load_state_dict(wrapper.state_dict())
