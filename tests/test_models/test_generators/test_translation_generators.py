"""Shapes, output ranges and reference layouts of the translation generators."""

from __future__ import annotations

import pytest
import torch
from fixtures.translation import single_thread

from dareg.models.generators.discogan_generator import DiscoGANGenerator
from dareg.models.generators.resnet_generator import ResnetGenerator
from dareg.models.generators.unet_generator import UnetGenerator
from dareg.registry import GENERATORS

CASES = [
    (dict(type="ResnetGenerator", base_channels=8, num_blocks=2), (2, 3, 32, 32), (-1.0, 1.0)),
    (dict(type="ResnetGenerator", base_channels=8, num_blocks=1, use_dropout=True, padding_mode="zeros",
          out_channels=1), (1, 3, 20, 24), (-1.0, 1.0)),
    (dict(type="UnetGenerator", num_downs=5, base_channels=4), (2, 3, 32, 32), (-1.0, 1.0)),
    (dict(type="DiscoGANGenerator", base_channels=8), (2, 3, 64, 64), (0.0, 1.0)),
    (dict(type="DiscoGANGenerator", base_channels=8, output_activation="tanh"), (2, 3, 32, 32), (-1.0, 1.0)),
]


@pytest.mark.parametrize(("cfg", "shape", "bounds"), CASES, ids=lambda v: v.get("type") if isinstance(v, dict) else "")
def test_output_shape_and_range(cfg, shape, bounds):
    torch.manual_seed(0)
    net = GENERATORS.build(cfg)
    x = torch.randn(*shape) * 3  # large inputs push the output towards its bounds
    out = net(x)
    out_channels = cfg.get("out_channels", 3)
    assert out.shape == (shape[0], out_channels, *shape[2:])
    assert out.min() >= bounds[0] and out.max() <= bounds[1]
    assert out.min() < (bounds[0] + bounds[1]) / 2 < out.max()  # not collapsed to one value
    out.mean().backward()
    assert all(p.grad is not None for p in net.parameters())


def test_resnet_generator_layout_matches_reference_indices():
    net = ResnetGenerator(num_blocks=9)
    keys = set(net.state_dict())
    # reference: model.1 first conv, 4 / 7 downsampling, 10..18 residual blocks, 19 / 22 transposed, 26 last conv
    for key in ["model.1.weight", "model.4.weight", "model.7.weight", "model.10.conv_block.1.weight",
                "model.18.conv_block.5.weight", "model.19.weight", "model.22.weight", "model.26.weight",
                "model.26.bias"]:
        assert key in keys
    assert len(keys) == 2 + 2 + 2 + 9 * 4 + 2 + 2 + 2  # conv biases kept with InstanceNorm, no norm params
    norms = [m for m in net.modules() if isinstance(m, torch.nn.InstanceNorm2d)]
    assert norms and all(not m.affine and not m.track_running_stats for m in norms)
    with_dropout = ResnetGenerator(num_blocks=1, use_dropout=True)
    assert "model.10.conv_block.6.weight" in with_dropout.state_dict()  # dropout shifts the second conv


def test_batch_norm_drops_conv_bias_and_init_follows_reference():
    torch.manual_seed(0)
    net = ResnetGenerator(base_channels=16, num_blocks=1, norm="batch")
    assert net.model[1].bias is None and net.model[-2].bias is not None
    bn = net.model[2]
    assert abs(float(bn.weight.detach().mean()) - 1.0) < 0.02 and float(bn.bias.detach().abs().sum()) == 0.0
    assert abs(float(net.model[4].weight.detach().std()) - 0.02) < 0.002  # N(0, 0.02)
    assert float(net.model[-2].bias.detach().abs().sum()) == 0.0


def test_unet_rejects_indivisible_sizes_and_small_depth():
    with pytest.raises(ValueError, match="divisible by 32"):
        UnetGenerator(num_downs=5, base_channels=4)(torch.randn(1, 3, 48, 40))
    with pytest.raises(ValueError, match="num_downs"):
        UnetGenerator(num_downs=4)


def test_unet_default_layout_has_eight_levels():
    keys = UnetGenerator(num_downs=8, base_channels=2).state_dict()
    deepest = "model.model.1" + ".model.3" * 6 + ".model.1.weight"  # innermost down-conv (reference key)
    assert deepest in keys


def test_discogan_generator_reference_widths():
    net = DiscoGANGenerator()
    convs = [m for m in net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
    assert [c.out_channels for c in convs] == [64, 128, 256, 512, 256, 128, 64, 3]
    assert all(c.bias is None for c in convs)
    with pytest.raises(ValueError, match="output_activation"):
        DiscoGANGenerator(output_activation="relu")


@pytest.fixture(autouse=True)
def _single_thread():
    """Every test of this module runs on one thread."""
    yield from single_thread()
