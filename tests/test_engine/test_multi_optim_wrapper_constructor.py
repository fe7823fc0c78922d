"""MultiOptimWrapperConstructor: one optimizer per sub-module, paramwise settings, clear errors."""

from __future__ import annotations

import pytest
from mmengine.config import Config
from mmengine.optim import OptimWrapperDict
from torch import nn

from dareg.apis import train
from dareg.engine.optimizers import MultiOptimWrapperConstructor


class TwoPart(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.segmentor = nn.ModuleDict({"backbone": nn.Linear(2, 2), "head": nn.Linear(2, 2)})
        self.discriminator = nn.Linear(2, 1)
        self.generator_a = nn.Linear(2, 2)
        self.generator_b = nn.Linear(2, 2)


def test_one_optimizer_per_submodule_with_its_own_paramwise_cfg():
    model = TwoPart()
    wrappers = MultiOptimWrapperConstructor(
        dict(
            segmentor=dict(
                optimizer=dict(type="SGD", lr=0.01, momentum=0.9),
                paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=10.0)}),
            ),
            discriminator=dict(optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.99))),
            generators=dict(optimizer=dict(type="Adam", lr=2e-4), modules=["generator_a", "generator_b"]),
        )
    )(model)
    assert isinstance(wrappers, OptimWrapperDict)
    assert set(wrappers.optim_wrappers) == {"segmentor", "discriminator", "generators"}
    seg = wrappers["segmentor"].optimizer
    lrs = {id(p): g["lr"] for g in seg.param_groups for p in g["params"]}
    assert lrs[id(model.segmentor["head"].weight)] == pytest.approx(0.1)
    assert lrs[id(model.segmentor["backbone"].weight)] == pytest.approx(0.01)
    assert wrappers["discriminator"].optimizer.defaults["betas"] == (0.9, 0.99)
    gen_params = {id(p) for g in wrappers["generators"].optimizer.param_groups for p in g["params"]}
    assert gen_params == {id(p) for p in [*model.generator_a.parameters(), *model.generator_b.parameters()]}


def test_unknown_submodule_lists_existing_ones():
    with pytest.raises(KeyError, match=r"no sub-module 'segmentr'.*\['discriminator', 'generator_a'"):
        MultiOptimWrapperConstructor(dict(segmentr=dict(optimizer=dict(type="SGD", lr=0.1))))(TwoPart())


def test_a_parameter_in_two_optimizers_is_refused():
    cfg = dict(
        a=dict(optimizer=dict(type="SGD", lr=0.1), modules=["segmentor"]),
        b=dict(optimizer=dict(type="SGD", lr=0.1), modules=["segmentor.head"]),
    )
    with pytest.raises(ValueError, match="two optimizers, 'a' and 'b'"):
        MultiOptimWrapperConstructor(cfg)(TwoPart())


def test_config_mistakes_are_explained():
    with pytest.raises(ValueError, match="inside the config of the optimizer"):
        MultiOptimWrapperConstructor(dict(d=dict(optimizer=dict(type="SGD", lr=0.1))), paramwise_cfg=dict())
    with pytest.raises(ValueError, match="must be a dict with an 'optimizer' key"):
        MultiOptimWrapperConstructor(dict(discriminator=dict(type="Adam", lr=0.1)))


def test_param_scheduler_dict_schedules_each_optimizer(tmp_path, toys):
    cfg = toys.toy_config(tmp_path, train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=6))
    cfg["param_scheduler"] = dict(
        classifier=dict(type="PolyLR", power=1.0, eta_min=0.0, begin=0, end=12, by_epoch=False),
        discriminator=dict(type="ConstantLR", factor=1.0, by_epoch=False),
    )
    runner = train(Config(cfg))
    # mmengine's PolyLR reaches eta_min at iteration end - 1: lr_t = lr_0 * (1 - t / (end - 1)) ** power
    assert runner.optim_wrapper["classifier"].get_lr()["lr"][0] == pytest.approx(0.05 * (1 - 6 / 11))
    assert runner.optim_wrapper["discriminator"].get_lr()["lr"][0] == pytest.approx(1e-3)


def test_frozen_parameters_are_left_out_with_one_summary_line():
    import logging

    from mmengine.logging import MMLogger

    model = TwoPart()
    model.segmentor.backbone.requires_grad_(False)  # like DeepLab-v2's frozen BN affine parameters
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        wrappers = MultiOptimWrapperConstructor(
            dict(
                segmentor=dict(optimizer=dict(type="SGD", lr=0.1), paramwise_cfg=dict(custom_keys={"head": {}})),
                discriminator=dict(optimizer=dict(type="SGD", lr=0.1)),
            )
        )(model)
    finally:
        logger.removeHandler(handler)
    optimized = {id(p) for group in wrappers["segmentor"].optimizer.param_groups for p in group["params"]}
    assert optimized == {id(p) for p in model.segmentor.head.parameters()}
    messages = [record.getMessage() for record in records]
    assert not any("is skipped since" in message for message in messages)
    summary = [m for m in messages if "requires_grad=False are not optimized" in m]
    assert summary == [
        "optimizer 'segmentor': 2 parameters with requires_grad=False are not optimized (frozen by their "
        "module, e.g. BatchNorm affine parameters; first: ['backbone.weight', 'backbone.bias'])."
    ]
    # the filter is gone afterwards: mmengine's own warnings reach the log again
    assert not any(type(f).__name__ == "_FrozenParameterSkips" for f in logger.filters)
