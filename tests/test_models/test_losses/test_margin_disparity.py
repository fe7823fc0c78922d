"""MDD's margin disparity loss equals a hand computation on a tiny batch."""

from __future__ import annotations

import math

import pytest
import torch

from dareg.registry import LOSSES


def softmax(row: list[float]) -> list[float]:
    exps = [math.exp(v) for v in row]
    return [e / sum(exps) for e in exps]


def test_loss_equals_hand_computation():
    logits_s = torch.tensor([[2.0, 1.0, 0.0], [0.0, 0.5, 3.0]])  # main head: yhat_s = [0, 2]
    adv_s = torch.tensor([[0.5, 0.2, 0.1], [1.0, 0.0, -1.0]])
    logits_t = torch.tensor([[0.1, 0.9, 0.0], [1.5, 0.0, 0.2]])  # yhat_t = [1, 0]
    adv_t = torch.tensor([[0.0, 2.0, 0.0], [0.3, 0.3, 0.3]])
    margin = 4.0
    ce_source = -(math.log(softmax([0.5, 0.2, 0.1])[0]) + math.log(softmax([1.0, 0.0, -1.0])[2])) / 2
    log_disagreement = [
        math.log(min(1 - softmax([0.0, 2.0, 0.0])[1] + 1e-6, 1.0)),
        math.log(min(1 - softmax([0.3, 0.3, 0.3])[0] + 1e-6, 1.0)),
    ]
    expected = margin * ce_source - sum(log_disagreement) / 2
    loss = LOSSES.build(dict(type="MarginDisparityLoss", margin=margin))(logits_s, adv_s, logits_t, adv_t)
    assert float(loss) == pytest.approx(expected, rel=1e-6)


def test_gradient_reaches_only_the_adversarial_logits():
    logits_s, logits_t = torch.randn(3, 4, requires_grad=True), torch.randn(3, 4, requires_grad=True)
    adv_s, adv_t = torch.randn(3, 4, requires_grad=True), torch.randn(3, 4, requires_grad=True)
    LOSSES.build(dict(type="MarginDisparityLoss"))(logits_s, adv_s, logits_t, adv_t).backward()
    assert logits_s.grad is None and logits_t.grad is None  # yhat is an argmax: no gradient
    assert adv_s.grad.abs().sum() > 0 and adv_t.grad.abs().sum() > 0


def test_log_argument_is_clamped():
    # the adversarial head certain of yhat on target: log(0 + 1e-6) stays finite
    adv_t = torch.tensor([[100.0, -100.0]])
    loss = LOSSES.build(dict(type="MarginDisparityLoss", margin=1.0))(
        torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 0.0]]), adv_t
    )
    assert math.isfinite(float(loss)) and float(loss) == pytest.approx(
        -math.log(1e-6) + math.log(1 + math.exp(-1)), rel=1e-4
    )
