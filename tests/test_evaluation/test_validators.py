"""Unsupervised validators against hand computations, and their registered forms."""

from __future__ import annotations

import math

import pytest
import torch

from dareg.evaluation.features import DomainFeatures
from dareg.evaluation.validators import (
    dev_risk,
    importance_weights,
    information_maximization,
    soft_neighborhood_density,
)
from dareg.registry import VALIDATORS


def logits_of(probabilities) -> torch.Tensor:
    return torch.tensor(probabilities, dtype=torch.float64).log()


def test_im_matches_a_hand_computation():
    # p1 = (0.5, 0.5): H = ln 2 = 0.693147; p2 = (0.9, 0.1): H = 0.325083; mean (0.7, 0.3): H = 0.610864
    # IM = -(0.693147 + 0.325083) / 2 + 0.610864 = 0.101749
    assert information_maximization(logits_of([[0.5, 0.5], [0.9, 0.1]])) == pytest.approx(0.101749, abs=1e-5)


def test_im_prefers_confident_balanced_predictions_to_uniform_or_collapsed_ones():
    confident_balanced = torch.eye(4).repeat(3, 1) * 20.0  # each class predicted confidently, equally often
    uniform = torch.zeros(12, 4)
    collapsed = torch.zeros(12, 4)
    collapsed[:, 0] = 20.0  # confident, but always the same class
    assert information_maximization(confident_balanced) == pytest.approx(math.log(4), abs=1e-6)
    assert information_maximization(uniform) == pytest.approx(0.0, abs=1e-12)
    assert information_maximization(collapsed) == pytest.approx(0.0, abs=1e-6)


def test_snd_matches_a_hand_computation_and_follows_its_temperature():
    # predictions (1, 0), (1, 0), (0, 1): cosine similarities S12 = 1, S13 = S23 = 0.
    # T = 1: rows 1 and 2 softmax(1, 0) = (0.731059, 0.268941), entropy 0.582203; row 3 uniform, ln 2.
    #        mean (2 * 0.582203 + 0.693147) / 3 = 0.619184
    # T = 0.5: rows 1 and 2 softmax(2, 0) = (0.880797, 0.119203), entropy 0.365336; mean 0.474606
    logits = torch.tensor([[40.0, -40.0], [40.0, -40.0], [-40.0, 40.0]])
    assert soft_neighborhood_density(logits, temperature=1.0) == pytest.approx(0.619184, abs=1e-5)
    assert soft_neighborhood_density(logits, temperature=0.5) == pytest.approx(0.474606, abs=1e-5)
    # a lower temperature sharpens each row towards its nearest neighbour: entropy falls
    assert soft_neighborhood_density(logits, 0.05) < soft_neighborhood_density(logits, 0.5)


def test_dev_risk_matches_a_hand_computation_and_is_the_source_risk_for_equal_weights():
    # w = (1, 2, 3), l = (1, 1, 2): w l = (1, 2, 6), mean 3; mean w = 2; Var(w) = 1; Cov(w l, w) = 2.5
    # eta = -2.5; risk = 3 + (-2.5)(2) - (-2.5) = 0.5
    assert dev_risk([1.0, 2.0, 3.0], [1.0, 1.0, 2.0]) == pytest.approx(0.5)
    losses = [0.3, 1.2, 0.1, 2.0]
    assert dev_risk([1.0] * 4, losses) == pytest.approx(sum(losses) / 4)


def test_importance_weights_are_one_when_the_domains_are_identical():
    features = torch.randn(60, 5, generator=torch.Generator().manual_seed(0))
    weights = importance_weights(features[:40], features[:40].clone(), features[40:])
    assert weights == pytest.approx([1.0] * 20, abs=0.05)


def outputs(generator_seed: int = 0) -> dict[str, DomainFeatures]:
    generator = torch.Generator().manual_seed(generator_seed)
    features = torch.randn(30, 4, generator=generator)
    logits = torch.randn(30, 3, generator=generator)
    labels = torch.arange(30) % 3
    split = DomainFeatures(features, logits, labels)
    return {"source_train": split, "source_val": split, "target_train": split}


def test_registered_validators_compute_their_formulas():
    out = outputs()
    logits, labels = out["source_val"].logits, out["source_val"].labels
    assert VALIDATORS.build(dict(type="IM"))(out) == pytest.approx(information_maximization(logits))
    assert VALIDATORS.build(dict(type="SND", temperature=0.1))(out) == pytest.approx(
        soft_neighborhood_density(logits, 0.1)
    )
    accuracy = float((logits.argmax(1) == labels).double().mean() * 100)
    assert VALIDATORS.build(dict(type="SourceAccuracy"))(out) == pytest.approx(accuracy)
    # identical domains: weights ~1, so DEV ~ minus the plain source validation cross-entropy
    plain_risk = float(torch.nn.functional.cross_entropy(logits.double(), labels))
    assert VALIDATORS.build(dict(type="DEV"))(out) == pytest.approx(-plain_risk, abs=0.05)


def test_validators_name_the_missing_split_and_bad_arguments():
    with pytest.raises(KeyError, match="source_val"):
        VALIDATORS.build(dict(type="DEV"))({"target_train": outputs()["target_train"]})
    with pytest.raises(ValueError, match="temperature"):
        VALIDATORS.build(dict(type="SND", temperature=0.0))
    unlabelled = {"source_val": DomainFeatures(torch.zeros(2, 1), torch.zeros(2, 3), None)}
    with pytest.raises(ValueError, match="gt_label"):
        VALIDATORS.build(dict(type="SourceAccuracy"))(unlabelled)
