"""PixelDAGenerator: layout, noise projection, shape and range."""

from __future__ import annotations

import pytest
import torch

from dareg.models.generators.pixelda_generator import PixelDAGenerator, ResidualBlock
from dareg.registry import GENERATORS


def test_reference_layout():
    generator = GENERATORS.build(dict(type="PixelDAGenerator"))
    assert isinstance(generator, PixelDAGenerator)
    assert sum(isinstance(m, ResidualBlock) for m in generator.modules()) == 6
    assert generator.stem[0].in_channels == 3 + 1 and generator.stem[0].out_channels == 64
    assert generator.noise_projection.in_features == 10
    assert generator.to_image.out_channels == 3


def test_output_shape_range_and_noise():
    generator = PixelDAGenerator(num_res_blocks=2, base_channels=8, image_size=16).eval()
    images = torch.rand(2, 3, 16, 16) * 2 - 1
    with torch.no_grad():
        out = generator(images)
        assert out.shape == images.shape and out.abs().max() <= 1
        zero, one = torch.zeros(2, 10), torch.ones(2, 10)
        assert not torch.allclose(generator(images, zero), generator(images, one))
    grey = PixelDAGenerator(in_channels=1, out_channels=3, num_res_blocks=1, base_channels=8, image_size=16)
    assert grey(torch.zeros(2, 1, 16, 16)).shape == (2, 3, 16, 16)
    silent = PixelDAGenerator(noise_dim=0, num_res_blocks=1, base_channels=8, image_size=16).eval()
    assert torch.equal(silent(images), silent(images))
    with pytest.raises(ValueError, match="image_size"):
        generator(torch.zeros(1, 3, 8, 8))
    with pytest.raises(ValueError, match="noise_mode"):
        PixelDAGenerator(noise_mode="full")
