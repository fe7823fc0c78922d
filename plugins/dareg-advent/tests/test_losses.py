"""Entropy loss and self-information map: hand-computed values, gradients, registration."""

from __future__ import annotations

import math

import pytest
import torch
from dareg.registry import DISCRIMINATORS, LOSSES

from dareg_advent.losses import EntropyLoss, SelfInformationMap, self_information


def test_self_information_by_hand():
    # C = 4, so log2(C) = 2: -p * log2(p) / 2 for p = 1/4, 1/4, 1/2, 0
    probs = torch.tensor([0.25, 0.25, 0.5, 0.0]).view(1, 4, 1, 1)
    expected = [-0.25 * math.log2(0.25) / 2, -0.25 * math.log2(0.25) / 2, -0.5 * math.log2(0.5) / 2, 0.0]
    assert self_information(probs).flatten().tolist() == pytest.approx(expected)
    assert expected == pytest.approx([0.25, 0.25, 0.25, 0.0])


def test_self_information_keeps_shape_and_is_finite_at_zero():
    probs = torch.zeros(2, 3, 4, 5)
    probs[:, 0] = 1.0
    info = self_information(probs)
    assert info.shape == probs.shape
    assert torch.isfinite(info).all() and info.abs().max() == 0


def test_self_information_needs_two_classes():
    with pytest.raises(ValueError, match="at least 2 classes"):
        self_information(torch.ones(1, 1, 2, 2))


def test_map_from_logits_sums_to_normalised_entropy():
    logits = torch.tensor([[math.log(1.0), math.log(3.0)], [0.0, 0.0]]).T.reshape(1, 2, 2, 1)
    # pixel 0: P = (1/4, 3/4); pixel 1: P = (1/2, 1/2); C = 2, log2(C) = 1
    entropy0 = -(0.25 * math.log2(0.25) + 0.75 * math.log2(0.75))
    info = SelfInformationMap()(logits)
    assert info.sum(1).flatten().tolist() == pytest.approx([entropy0, 1.0])
    probs = torch.softmax(logits, dim=1)
    assert torch.allclose(SelfInformationMap(from_logits=False)(probs), info)


def test_entropy_loss_is_mean_pixel_entropy():
    # two pixels of C = 4: uniform (entropy 1 after normalisation) and (1/2, 1/2, 0, 0) (entropy 0.5)
    probs = torch.tensor([[0.25, 0.25, 0.25, 0.25], [0.5, 0.5, 0.0, 0.0]]).T.reshape(1, 4, 1, 2)
    assert float(EntropyLoss(from_logits=False)(probs)) == pytest.approx(0.75)
    assert float(EntropyLoss(from_logits=False, loss_weight=0.001)(probs)) == pytest.approx(0.00075)
    # the reference formula: sum(-P log2(P + 1e-30)) / (N * H * W * log2(C))
    reference = float(-(probs * torch.log2(probs + 1e-30)).sum() / (1 * 1 * 2 * math.log2(4)))
    assert float(EntropyLoss(from_logits=False)(probs)) == pytest.approx(reference)


def test_entropy_gradient_makes_predictions_more_confident():
    logits = torch.tensor([0.3, 0.1, -0.2]).view(1, 3, 1, 1).requires_grad_(True)
    loss = EntropyLoss()
    before = float(loss(logits.detach()))
    loss(logits).backward()
    with torch.no_grad():
        stepped = logits - 1.0 * logits.grad
    assert float(loss(stepped)) < before
    assert int(stepped.argmax(1)) == 0  # the winning class wins by more


def test_components_are_registered_and_built_by_name():
    assert isinstance(LOSSES.build(dict(type="EntropyLoss", loss_weight=0.5)), EntropyLoss)
    assert isinstance(LOSSES.build(dict(type="SelfInformationMap")), SelfInformationMap)
    disc = DISCRIMINATORS.build(dict(type="SelfInformationDiscriminator", in_channels=5))
    assert disc.discriminator.__class__.__name__ == "FCDiscriminator"
    assert disc.discriminator.features[0].in_channels == 5


def test_self_information_discriminator_feeds_the_map_to_the_wrapped_one():
    disc = DISCRIMINATORS.build(dict(type="SelfInformationDiscriminator", in_channels=5))
    seen = []
    disc.discriminator.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    probs = torch.softmax(torch.randn(1, 5, 64, 64), dim=1)
    out = disc(probs)
    assert tuple(out.shape) == (1, 1, 2, 2)
    assert torch.allclose(seen[0], self_information(probs))
