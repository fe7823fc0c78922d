"""Bottleneck, MLPClsHead, HeadPair and DomainDiscriminator: the reference layouts and initialisations."""

from __future__ import annotations

import pytest
import torch
from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from dareg.registry import DISCRIMINATORS, HEADS


def layer_types(module: nn.Module) -> list[str]:
    return [type(m).__name__ for m in module.layers]


def test_bottleneck_variants_and_mdd_initialisation():
    assert layer_types(HEADS.build(dict(type="Bottleneck"))) == ["Linear", "BatchNorm1d", "ReLU"]  # tllib
    plain = HEADS.build(dict(type="Bottleneck", norm=False, activation=False))  # official CDAN
    assert layer_types(plain) == ["Linear"]
    torch.manual_seed(0)
    mdd = HEADS.build(dict(type="Bottleneck", out_channels=1024, dropout_ratio=0.5, init_std=0.005, init_bias=0.1))
    assert layer_types(mdd) == ["Linear", "BatchNorm1d", "ReLU", "Dropout"]
    assert float(mdd.layers[0].weight.detach().std()) == pytest.approx(0.005, rel=0.02)
    assert torch.all(mdd.layers[0].bias == 0.1)


def test_each_parameter_belongs_to_one_group_under_paramwise_cfg():
    # mmengine's paramwise walk visits every child module: a layer held twice would be added twice
    for module in (
        HEADS.build(dict(type="Bottleneck", in_channels=8, out_channels=4)),
        HEADS.build(dict(type="MLPClsHead", in_channels=8, hidden_channels=(4,))),
        DISCRIMINATORS.build(dict(type="DomainDiscriminator", in_channels=8, hidden_channels=4)),
    ):
        wrapper = DefaultOptimWrapperConstructor(
            dict(optimizer=dict(type="SGD", lr=0.1)), dict(custom_keys={"layers.0": dict(lr_mult=0.1)})
        )(module)
        grouped = [p for group in wrapper.optimizer.param_groups for p in group["params"]]
        assert len(grouped) == len({id(p) for p in grouped}) == len(list(module.parameters()))


def test_mcd_and_mdd_head_layouts():
    mcd = HEADS.build(dict(type="MLPClsHead", in_channels=2048, num_classes=31))
    assert layer_types(mcd) == [
        "Dropout", "Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear", "BatchNorm1d", "ReLU", "Linear",
    ]  # fmt: skip
    torch.manual_seed(0)
    mdd = HEADS.build(
        dict(type="MLPClsHead", in_channels=256, num_classes=31, hidden_channels=(1024,), norm=False,
             dropout_position="after", init_std=0.01)
    )  # fmt: skip
    assert layer_types(mdd) == ["Linear", "ReLU", "Dropout", "Linear"]
    assert float(mdd.layers[0].weight.detach().std()) == pytest.approx(0.01, rel=0.02)
    assert float(mdd.layers[3].bias.abs().sum()) == 0.0
    with pytest.raises(ValueError, match="dropout_position must be one of"):
        HEADS.build(dict(type="MLPClsHead", dropout_position="middle"))


def test_head_pair_heads_start_different():
    pair = HEADS.build(dict(type="HeadPair", head=dict(type="LinearClsHead", in_channels=8, num_classes=3)))
    assert not torch.equal(pair.head1.fc.weight, pair.head2.fc.weight)
    x = torch.randn(2, 8)
    out1, out2 = pair(x)
    torch.testing.assert_close(out1, pair.head1(x))
    torch.testing.assert_close(out2, pair.head2(x))


def test_domain_discriminator_variants():
    assert layer_types(DISCRIMINATORS.build(dict(type="DomainDiscriminator"))) == [
        "Linear", "BatchNorm1d", "ReLU", "Linear", "BatchNorm1d", "ReLU", "Linear",
    ]  # fmt: skip
    assert layer_types(DISCRIMINATORS.build(dict(type="DomainDiscriminator", norm="dropout"))) == [
        "Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="norm must be one of"):
        DISCRIMINATORS.build(dict(type="DomainDiscriminator", norm="ln"))
