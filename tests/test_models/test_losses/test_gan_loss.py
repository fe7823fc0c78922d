"""GANLoss on hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch

from dareg.models.losses import GANLoss


def test_vanilla_is_bce_with_logits():
    logits = torch.tensor([0.0, 2.0])
    expected = (math.log(2) + math.log(1 + math.exp(-2.0))) / 2  # label 1
    assert GANLoss("vanilla")(logits, 1.0).item() == pytest.approx(expected)
    expected0 = (math.log(2) + math.log(1 + math.exp(2.0))) / 2  # label 0
    assert GANLoss("vanilla", loss_weight=0.5)(logits, 0.0).item() == pytest.approx(0.5 * expected0)


def test_lsgan_is_mse_to_label():
    assert GANLoss("lsgan")(torch.tensor([0.5, 1.5]), 0.0).item() == pytest.approx((0.25 + 2.25) / 2)


def test_hinge_discriminator_and_generator_forms():
    logits = torch.tensor([0.5, -2.0])
    assert GANLoss("hinge")(logits, 1.0).item() == pytest.approx((0.5 + 3.0) / 2)  # relu(1 - x)
    assert GANLoss("hinge")(logits, 0.0).item() == pytest.approx((1.5 + 0.0) / 2)  # relu(1 + x)
    assert GANLoss("hinge")(logits, 1.0, is_discriminator=False).item() == pytest.approx(0.75)  # -mean(x)


def test_gradient_pushes_logits_toward_label():
    logits = torch.zeros(4, requires_grad=True)
    GANLoss("vanilla")(logits, 1.0).backward()
    assert (logits.grad < 0).all()


def test_bad_mode_and_hinge_label():
    with pytest.raises(ValueError, match="mode must be one of"):
        GANLoss("wgan")
    with pytest.raises(ValueError, match="label 0 or 1"):
        GANLoss("hinge")(torch.zeros(1), 0.5)
