"""MDD: the adversarial head sees reversed bottleneck features, the main head gets no gradient from
the disparity term, the loss equals its hand value, what moves in a step."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from fixtures.feature_adaptation import CLASSIFIER, FEATURES, NUM_CLASSES, build, make_batch, optimizers, set_iter
from fixtures.invariants import changed, snapshot

MDD = dict(
    type="MDD",
    classifier=CLASSIFIER,
    adversarial_head=dict(
        type="MLPClsHead",
        in_channels=FEATURES,
        num_classes=NUM_CLASSES,
        hidden_channels=(8,),
        norm=False,
        dropout_ratio=0.0,
    ),
    margin_loss=dict(type="MarginDisparityLoss", margin=2.0),
)


def test_disparity_term_equals_hand_computation_and_reverses_into_the_features():
    model = build(MDD).eval()
    model.grl.set_iteration(1000)
    batch = model.data_preprocessor(make_batch(n=3), training=True)
    features, logits, num_source = model.forward_domains(batch)
    loss = model.adversarial_loss(features, logits, num_source)["loss_adv"]
    adversarial = model.adversarial_head(features)
    yhat = logits.argmax(1)
    ce = F.cross_entropy(adversarial[:num_source], yhat[:num_source])
    p_t = torch.softmax(adversarial[num_source:], dim=1)[torch.arange(3), yhat[num_source:]]
    expected = 2.0 * ce - torch.log(torch.clamp(1 - p_t + 1e-6, max=1.0)).mean()
    torch.testing.assert_close(loss, expected)
    coeff = model.grl.coeff
    assert coeff == pytest.approx(0.1 * math.tanh(0.5), abs=1e-6)  # warm start towards 0.1
    head_params = list(model.classifier.head.parameters())
    grad_features, *grad_head = torch.autograd.grad(loss, [features] + head_params, allow_unused=True)
    plain = torch.autograd.grad(expected, features)[0]
    torch.testing.assert_close(grad_features, -coeff * plain)
    assert all(g is None for g in grad_head)  # yhat is an argmax: the main head learns from CE only


def test_train_step_moves_classifier_and_adversarial_head():
    model = build(MDD)
    optim = optimizers(model, "classifier", "adversarial_head")
    before = {name: snapshot(getattr(model, name)) for name in ("classifier", "adversarial_head")}
    set_iter(100)
    losses = model.train_step(make_batch(), optim)
    assert set(losses) == {"loss_cls", "loss_adv", "grl_coeff"}
    assert changed(before["classifier"], model.classifier, floating_only=True)
    assert changed(before["adversarial_head"], model.adversarial_head, floating_only=True)
