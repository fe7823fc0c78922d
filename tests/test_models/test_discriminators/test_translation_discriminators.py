"""PatchGAN and DiscoGAN discriminators: output sizes, layout, features."""

from __future__ import annotations

import torch

from dareg.models.discriminators.discogan_discriminator import DiscoGANDiscriminator
from dareg.models.discriminators.patchgan import PatchDiscriminator
from dareg.registry import DISCRIMINATORS


def test_patchgan_70x70_gives_30x30_for_256_input():
    net = DISCRIMINATORS.build(dict(type="PatchDiscriminator", base_channels=4))  # channels do not change sizes
    with torch.no_grad():
        assert net(torch.randn(1, 3, 256, 256)).shape == (1, 1, 30, 30)


def test_patchgan_reference_layout_and_receptive_field():
    net = PatchDiscriminator()
    keys = list(net.state_dict())
    assert keys == [f"model.{i}.{p}" for i in (0, 2, 5, 8, 11) for p in ("weight", "bias")]
    assert [net.model[i].out_channels for i in (0, 2, 5, 8, 11)] == [64, 128, 256, 512, 1]
    # receptive field of one output logit: 70 pixels
    rf, jump = 1, 1
    for conv in [m for m in net.model if isinstance(m, torch.nn.Conv2d)]:
        rf += (conv.kernel_size[0] - 1) * jump
        jump *= conv.stride[0]
    assert rf == 70
    bn = PatchDiscriminator(norm="batch")
    assert bn.model[2].bias is None and bn.model[0].bias is not None


def test_discogan_discriminator_returns_logits_and_three_feature_maps():
    net = DiscoGANDiscriminator(base_channels=8)
    logits, features = net(torch.randn(2, 3, 64, 64))
    assert logits.shape == (2, 1, 1, 1)
    assert [tuple(f.shape) for f in features] == [(2, 16, 16, 16), (2, 32, 8, 8), (2, 64, 4, 4)]
    (logits.sum() + sum(f.sum() for f in features)).backward()
    assert net.conv1.weight.grad is not None
