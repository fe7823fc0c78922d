"""OutputSpaceAdversary: discriminators per adapted level, both losses by hand, and what the list holds."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F

from dareg.models.discriminators import FCDiscriminator, OutputSpaceAdversary
from dareg.registry import MODELS


def make(**kwargs) -> OutputSpaceAdversary:
    torch.manual_seed(0)
    cfg = dict(type="OutputSpaceAdversary", lambda_adv=(0.5, 2.0), in_channels=3, level_names=("_aux", ""))
    return MODELS.build({**cfg, "discriminator": dict(type="FCDiscriminator", base_channels=4), **kwargs})


def bce(logits: torch.Tensor, label: float) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, label))


def test_one_discriminator_per_adapted_level_sized_from_in_channels():
    adversary = make(lambda_adv=(0.0, 1.0))
    assert adversary.adapted_levels == (1,) and len(adversary) == 1
    assert isinstance(adversary[0], FCDiscriminator) and adversary[0].features[0].in_channels == 3
    assert make().adapted_levels == (0, 1) and len(make()) == 2
    # the list holds the discriminators only; the loss has no state and no key in checkpoints
    assert all(isinstance(item, FCDiscriminator) for item in make())
    assert all(key.split(".")[0] in ("0", "1") for key in make().state_dict())
    assert type(copy.deepcopy(make()).gan_loss).__name__ == "GANLoss"


def test_generator_and_discriminator_losses_by_hand():
    adversary = make()
    source = [torch.randn(2, 3, 32, 32) for _ in range(2)]
    target = [torch.randn(2, 3, 32, 48) for _ in range(2)]
    total, losses = adversary.generator_loss(target)
    with torch.no_grad():
        expected = {
            f"loss_adv{suffix}": weight * bce(adversary[level](F.softmax(target[level], dim=1)), 0.0)
            for level, suffix, weight in ((0, "_aux", 0.5), (1, "", 2.0))
        }
    assert set(losses) == set(expected)
    for key, value in expected.items():
        torch.testing.assert_close(losses[key], value)
    torch.testing.assert_close(total, expected["loss_adv_aux"] + expected["loss_adv"])

    total, losses = adversary.discriminator_loss(source, target)
    expected_total = 0.0
    for level, suffix in ((0, "_aux"), (1, "")):
        d = adversary[level]
        on_source = 0.5 * bce(d(F.softmax(source[level], dim=1)), 0.0)
        on_target = 0.5 * bce(d(F.softmax(target[level], dim=1)), 1.0)
        torch.testing.assert_close(losses[f"loss_d_src{suffix}"], on_source)
        torch.testing.assert_close(losses[f"loss_d_tgt{suffix}"], on_target)
        torch.testing.assert_close(losses[f"loss_d{suffix}"], on_source + on_target)
        expected_total = expected_total + on_source + on_target
    torch.testing.assert_close(total, expected_total)


def test_labels_and_gan_mode_are_configurable():
    adversary = make(source_label=1.0, target_label=0.0, gan_loss=dict(type="GANLoss", mode="lsgan"))
    prediction = [torch.randn(1, 3, 32, 32), torch.randn(1, 3, 32, 32)]
    _, losses = adversary.generator_loss(prediction)
    with torch.no_grad():
        logits = adversary[1](F.softmax(prediction[1], dim=1))
    torch.testing.assert_close(losses["loss_adv"], 2.0 * F.mse_loss(logits, torch.ones_like(logits)))


def test_gradient_of_the_generator_loss_reaches_the_predictions():
    adversary = make()
    predictions = [torch.randn(1, 3, 32, 32, requires_grad=True) for _ in range(2)]
    total, _ = adversary.generator_loss(predictions)
    total.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in predictions)


def test_bad_arguments():
    with pytest.raises(ValueError, match="one weight per segmentor output level"):
        make(lambda_adv=(0.001,))
    with pytest.raises(ValueError, match="leave the adversary out"):
        make(lambda_adv=(0.0, 0.0))
    with pytest.raises(ValueError, match="adapts 2"):
        make().generator_loss([torch.randn(1, 3, 32, 32)])
    assert OutputSpaceAdversary(lambda_adv=0.001, in_channels=3).level_names == ("",)
