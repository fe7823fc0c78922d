"""MLPDiscriminator (ADDA) and PixelDADiscriminator: layouts, outputs, training-time noise."""

from __future__ import annotations

import pytest
import torch

from dareg.registry import DISCRIMINATORS


def test_mlp_discriminator_is_adda_500_500_500_2():
    disc = DISCRIMINATORS.build(dict(type="MLPDiscriminator"))
    linears = [m for m in disc.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(500, 500), (500, 500), (500, 2)]
    assert sum(isinstance(m, torch.nn.ReLU) for m in disc.modules()) == 2
    assert disc(torch.randn(4, 500)).shape == (4, 2)
    logits_disc = DISCRIMINATORS.build(dict(type="MLPDiscriminator", in_channels=10, out_channels=1))
    assert logits_disc(torch.randn(4, 10)).shape == (4, 1)
    with pytest.raises(ValueError, match="out_channels"):
        DISCRIMINATORS.build(dict(type="MLPDiscriminator", out_channels=3))


def test_pixelda_discriminator_layout_noise_and_output():
    disc = DISCRIMINATORS.build(dict(type="PixelDADiscriminator"))
    convs = [m for m in disc.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.out_channels, c.stride[0]) for c in convs] == [(64, 1), (128, 2), (256, 2), (512, 2)]
    assert disc.classifier.in_features == 512 * 4 * 4  # 32x32 down to 4x4
    leaky = [m for m in disc.modules() if isinstance(m, torch.nn.LeakyReLU)]
    assert len(leaky) == 4 and all(m.negative_slope == 0.2 for m in leaky)
    images = torch.randn(2, 3, 32, 32)
    assert disc(images).shape == (2, 1)
    disc.eval()
    assert torch.equal(disc(images), disc(images))
    disc.train()
    assert not torch.equal(disc(images), disc(images))  # Gaussian noise (and dropout) in training
    quiet = DISCRIMINATORS.build(dict(type="PixelDADiscriminator", noise_std=0.0, dropout_ratio=0.0)).train()
    assert torch.equal(quiet(images), quiet(images))
    small = DISCRIMINATORS.build(dict(type="PixelDADiscriminator", image_size=28))
    assert small(torch.randn(1, 3, 28, 28)).shape == (1, 1)
