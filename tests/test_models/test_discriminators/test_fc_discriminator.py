"""FCDiscriminator: the reference's five 4x4/2 convolutions, LeakyReLU 0.2, no norm, no sigmoid."""

from __future__ import annotations

import torch
from torch import nn

from dareg.models.discriminators.fc_discriminator import FCDiscriminator


def test_layout_matches_the_reference():
    d = FCDiscriminator(in_channels=19)
    convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels) for c in convs] == [(19, 64), (64, 128), (128, 256), (256, 512), (512, 1)]
    assert all(c.kernel_size == (4, 4) and c.stride == (2, 2) and c.padding == (1, 1) for c in convs)
    relus = [m for m in d.modules() if isinstance(m, nn.LeakyReLU)]
    assert len(relus) == 4 and all(r.negative_slope == 0.2 for r in relus)
    assert not any(isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d, nn.Sigmoid)) for m in d.modules())


def test_output_is_one_32nd_of_the_input_and_unbounded_logits():
    d = FCDiscriminator(in_channels=4, base_channels=8)
    with torch.no_grad():
        d.classifier.bias.fill_(5.0)  # no sigmoid: logits can exceed 1
        out = d(torch.softmax(torch.randn(2, 4, 64, 128), dim=1))
    assert out.shape == (2, 1, 2, 4)
    assert out.max() > 1.0
