"""Colour jitter and Gaussian blur: kornia 0.5.8's formulas, the references' parameters, saved randomness."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from dareg.models.batch_augments import ColorJitter, GaussianBlur, blur_kernel_size, preprocessor_normalization
from dareg.models.batch_augments.photometric import (
    adjust_brightness,
    adjust_contrast,
    adjust_hue,
    adjust_saturation,
)
from dareg.models.data_preprocessor import DomainDataPreprocessor

IMAGENET = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])


def rgb_to_hsv(image: torch.Tensor) -> torch.Tensor:
    """The hexcone model, hue in turns."""
    r, g, b = image.unbind(-3)
    value, _ = image.max(-3)
    delta = value - image.min(-3).values
    saturation = torch.where(value > 0, delta / value.clamp(min=1e-12), torch.zeros_like(value))
    safe = torch.where(delta > 0, delta, torch.ones_like(delta))
    hue = torch.where(value == r, ((g - b) / safe) % 6, torch.where(value == g, (b - r) / safe + 2, (r - g) / safe + 4))
    return torch.stack([torch.where(delta > 0, hue / 6, torch.zeros_like(hue)), saturation, value], -3)


def hsv_to_rgb(image: torch.Tensor) -> torch.Tensor:
    hue, saturation, value = image.unbind(-3)
    sector = torch.floor(hue * 6) % 6
    fraction = (hue * 6) % 6 - sector
    p, q, t = value * (1 - saturation), value * (1 - fraction * saturation), value * (1 - (1 - fraction) * saturation)
    table = [(value, t, p), (q, value, p), (p, value, t), (p, q, value), (t, p, value), (value, p, q)]
    out = torch.zeros_like(image)
    for index, (r, g, b) in enumerate(table):
        where = sector == index
        out[..., 0, :, :] = torch.where(where, r, out[..., 0, :, :])
        out[..., 1, :, :] = torch.where(where, g, out[..., 1, :, :])
        out[..., 2, :, :] = torch.where(where, b, out[..., 2, :, :])
    return out


def test_brightness_adds_and_contrast_scales_with_clamping():
    images = torch.tensor([0.1, 0.5, 0.95]).view(1, 3, 1, 1)
    assert adjust_brightness(images, torch.tensor(1.2)).flatten().tolist() == pytest.approx([0.3, 0.7, 1.0])
    assert adjust_contrast(images, torch.tensor(1.2)).flatten().tolist() == pytest.approx([0.12, 0.6, 1.0])


def test_saturation_equals_scaling_s_in_hsv():
    torch.manual_seed(0)
    images = torch.rand(4, 3, 8, 8)
    images[0, :, 0, 0] = 0.4  # a grey pixel keeps its value
    for factor in (0.0, 0.6, 1.3, 3.0):
        hsv = rgb_to_hsv(images)
        hsv[:, 1] = (hsv[:, 1] * factor).clamp(0, 1)
        torch.testing.assert_close(adjust_saturation(images, torch.tensor(factor)), hsv_to_rgb(hsv), atol=1e-5, rtol=0)


def test_hue_rotates_by_turns():
    red = torch.tensor([1.0, 0.0, 0.0]).view(1, 3, 1, 1)
    green, blue = torch.tensor([0.0, 1.0, 0.0]).view(1, 3, 1, 1), torch.tensor([0.0, 0.0, 1.0]).view(1, 3, 1, 1)
    torch.testing.assert_close(adjust_hue(red, 1 / 3), green, atol=1e-6, rtol=0)
    torch.testing.assert_close(adjust_hue(red, -1 / 3), blue, atol=1e-6, rtol=0)


def test_factor_ranges_and_apply_probability_are_the_references():
    jitter = ColorJitter(strength=0.25, p=0.8)  # DACS
    params = [jitter.draw(2, torch.Generator().manual_seed(seed)) for seed in range(2000)]
    factors = torch.cat([p["factors"] for p in params])
    assert factors[:, :3].min() >= 0.75 and factors[:, :3].max() <= 1.25
    assert factors[:, 3].min() >= -0.25 and factors[:, 3].max() <= 0.25
    applied = torch.stack([p["apply"] for p in params])
    assert torch.equal(applied[:, 0], applied[:, 1])  # one decision per call, as in the references
    assert abs(applied[:, 0].float().mean().item() - 0.8) < 0.03
    assert all(sorted(order.tolist()) == [0, 1, 2, 3] for p in params[:50] for order in p["orders"])
    draws = [ColorJitter(per_image=True).draw(2, torch.Generator().manual_seed(s)) for s in range(200)]
    per_image = torch.stack([draw["apply"] for draw in draws])
    assert not torch.equal(per_image[:, 0], per_image[:, 1])


def test_jitter_runs_on_denormalised_pixels_and_returns_to_the_input_space():
    torch.manual_seed(1)
    unit = torch.rand(2, 3, 8, 8)  # pixels / 255
    mean, std = torch.tensor(IMAGENET["mean"]).view(3, 1, 1), torch.tensor(IMAGENET["std"]).view(3, 1, 1)
    normalised = (unit * 255 - mean) / std
    state = torch.get_rng_state()
    out = ColorJitter(p=1.0, **IMAGENET)(normalised)
    torch.set_rng_state(state)
    expected = ColorJitter(p=1.0, std=[255.0] * 3)(unit)  # the same draws on [0, 1] pixels
    torch.testing.assert_close(out, (expected * 255 - mean) / std, atol=1e-4, rtol=0)
    assert not torch.allclose(out, normalised)


def test_neutral_jitter_and_skipped_images_leave_pixels_unchanged():
    images = torch.rand(2, 3, 4, 4) * 255
    torch.testing.assert_close(ColorJitter(strength=0.0, p=1.0)(images), images, atol=1e-4, rtol=0)
    assert torch.equal(ColorJitter(p=0.0)(images), images)


def test_jitter_is_deterministic_under_a_restored_global_state():
    images = torch.rand(3, 3, 8, 8) * 255
    state = torch.get_rng_state()
    first = ColorJitter(p=1.0)(images)
    second = ColorJitter(p=1.0)(images)
    torch.set_rng_state(state)
    assert torch.equal(ColorJitter(p=1.0)(images), first)
    assert not torch.equal(first, second)
    generator = torch.Generator().manual_seed(5)
    again = torch.Generator().manual_seed(5)
    assert torch.equal(ColorJitter(p=1.0)(images, generator), ColorJitter(p=1.0)(images, again))


def test_preprocessor_normalization_reads_the_preprocessor():
    read = preprocessor_normalization(DomainDataPreprocessor(**IMAGENET, bgr_to_rgb=True))
    assert read["mean"] == pytest.approx(IMAGENET["mean"]) and read["std"] == pytest.approx(IMAGENET["std"])
    assert preprocessor_normalization(DomainDataPreprocessor()) == dict(mean=[0.0], std=[1.0])


def test_jitter_refuses_other_than_three_channels_and_bad_strengths():
    with pytest.raises(ValueError, match="B x 3 x H x W"):
        ColorJitter()(torch.zeros(1, 1, 4, 4))
    with pytest.raises(ValueError, match="hue <= 0.5"):
        ColorJitter(strength=0.6)
    with pytest.raises(ValueError, match="unknown strength keys"):
        ColorJitter(strength=dict(brightnes=0.2))
    assert ColorJitter(strength=dict(hue=0.1)).strengths == dict(brightness=0.0, contrast=0.0, saturation=0.0, hue=0.1)


def test_kernel_size_is_the_references_formula():
    for side in range(1, 2100):
        expected = int(math.floor(math.ceil(0.1 * side) - 0.5 + math.ceil(0.1 * side) % 2))  # DACS transformsgpu.py:24
        assert blur_kernel_size(side) == max(1, expected), side


def test_kernel_sizes_at_reference_crops():
    assert blur_kernel_size(512) == 51 and blur_kernel_size(1024) == 103 and blur_kernel_size(64) == 7


def test_blur_is_a_reflect_padded_sampled_gaussian_with_the_drawn_sigma():
    torch.manual_seed(2)
    images = torch.rand(2, 3, 40, 60)
    generator = torch.Generator().manual_seed(7)
    sigmas = GaussianBlur(p=1.0).draw(2, torch.Generator().manual_seed(7))["sigmas"]
    out = GaussianBlur(p=1.0)(images, generator)
    for index, sigma in enumerate(sigmas.tolist()):
        assert 0.15 <= sigma <= 1.15
        kernels = []
        for size in (3, 5):  # blur_kernel_size(40), blur_kernel_size(60): ceil(4), ceil(6) are even
            x = torch.arange(size, dtype=torch.float32) - size // 2
            kernel = torch.exp(-(x**2) / (2 * sigma**2))
            kernels.append(kernel / kernel.sum())
        kernel2d = torch.outer(*kernels).expand(3, 1, 3, 5)
        padded = F.pad(images[index : index + 1], (2, 2, 1, 1), mode="reflect")
        torch.testing.assert_close(out[index : index + 1], F.conv2d(padded, kernel2d, groups=3), atol=1e-5, rtol=0)


def test_blur_commutes_with_normalisation():
    images = torch.rand(1, 3, 32, 32) * 255
    mean, std = torch.tensor(IMAGENET["mean"]).view(3, 1, 1), torch.tensor(IMAGENET["std"]).view(3, 1, 1)
    state = torch.get_rng_state()
    blurred = GaussianBlur(p=1.0)(images)
    torch.set_rng_state(state)
    torch.testing.assert_close(GaussianBlur(p=1.0)((images - mean) / std), (blurred - mean) / std, atol=1e-4, rtol=0)


def test_blur_probability_and_determinism():
    applied = [GaussianBlur().draw(1, torch.Generator().manual_seed(s))["apply"].item() for s in range(2000)]
    assert abs(sum(applied) / 2000 - 0.5) < 0.03
    images = torch.rand(2, 3, 32, 32)
    state = torch.get_rng_state()
    first = GaussianBlur(p=1.0)(images)
    torch.set_rng_state(state)
    assert torch.equal(GaussianBlur(p=1.0)(images), first)
    assert torch.equal(GaussianBlur(p=0.0)(images), images)
