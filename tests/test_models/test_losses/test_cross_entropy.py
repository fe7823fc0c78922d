"""CrossEntropyLoss: hand-computed values, ignored pixels, a batch with nothing labelled."""

from __future__ import annotations

import math

import torch

from dareg.models.losses.cross_entropy import CrossEntropyLoss


def test_hand_computed_with_ignored_pixels_and_weight():
    logits = torch.tensor([[[[2.0, 0.0]], [[0.0, 0.0]]]])  # N=1, C=2, H=1, W=2
    labels = torch.tensor([[[0, 255]]])
    expected = -math.log(math.exp(2) / (math.exp(2) + 1))  # only the first pixel counts
    assert math.isclose(float(CrossEntropyLoss()(logits, labels)), expected, rel_tol=1e-6)
    assert math.isclose(float(CrossEntropyLoss(loss_weight=0.5)(logits, labels)), 0.5 * expected, rel_tol=1e-6)


def test_all_ignored_gives_zero_with_a_graph():
    logits = torch.randn(1, 3, 2, 2, requires_grad=True)
    loss = CrossEntropyLoss()(logits, torch.full((1, 2, 2), 255))
    assert loss.item() == 0.0
    loss.backward()
    assert torch.equal(logits.grad, torch.zeros_like(logits))
