"""MCD: step A trains everything on source, step B only the classifiers, step C only the generator
num_k times; the discrepancy and the three predictions (F1, F2, ensemble)."""

from __future__ import annotations

import pytest
import torch
from fixtures.feature_adaptation import build, make_batch, optimizers, record_steps, set_iter

from dareg.algorithms.mcd import class_balance, classifier_discrepancy

MCD = dict(
    type="MCD",
    generator=dict(type="LeNetEncoder", dropout_ratio=0.0, feat_channels=32),
    classifiers=dict(
        type="HeadPair", head=dict(type="MLPClsHead", in_channels=32, num_classes=10, hidden_channels=(16,))
    ),
    num_k=3,
)


@pytest.mark.parametrize("num_k", [1, 3])
def test_steps_a_b_c_update_the_right_networks(num_k):
    model = build(dict(MCD, num_k=num_k))
    optim = optimizers(model, "generator", "classifiers")
    calls = record_steps(model, optim)
    set_iter(0)
    losses = model.train_step(make_batch(), optim)
    names = [name for name, _ in calls]
    assert names == ["generator", "classifiers", "classifiers"] + ["generator"] * num_k
    # step A: one loss into both networks
    assert calls[0][1] == calls[1][1] == {"generator", "classifiers"}
    # step B: the classifiers' loss gives the generator no gradient; step C: the reverse
    assert calls[2][1] == {"classifiers"}
    assert all(with_grad == {"generator"} for _, with_grad in calls[3:])
    assert set(losses) == {"loss_cls", "loss_balance", "loss_a", "loss_b", "discrepancy_b", "discrepancy_c"}
    assert all(p.requires_grad for p in model.classifiers.parameters())  # frozen() restored the flags


def test_step_b_raises_and_step_c_lowers_the_discrepancy():
    model = build(dict(MCD, lambda_disc=1.0))
    optim = optimizers(model, "generator", "classifiers", lr=0.05)
    set_iter(0)
    losses = model.train_step(make_batch(), optim)
    assert float(losses["loss_b"]) == pytest.approx(float(losses["loss_a"]) - float(losses["discrepancy_b"]), abs=0.5)
    model.eval()
    inputs = model.data_preprocessor(make_batch(), training=True)["target"]["inputs"]
    with torch.no_grad():
        l1, l2 = model.classifiers(model.generator(inputs))
    assert float(classifier_discrepancy(l1, l2)) >= 0


def test_discrepancy_and_class_balance_hand_values():
    l1 = torch.log(torch.tensor([[0.7, 0.3], [0.2, 0.8]]))
    l2 = torch.log(torch.tensor([[0.4, 0.6], [0.2, 0.8]]))
    assert float(classifier_discrepancy(l1, l2)) == pytest.approx((0.3 + 0.3 + 0 + 0) / 4)
    # mean prediction (0.45, 0.55): -mean(log(0.45 + 1e-6), log(0.55 + 1e-6))
    expected = -(torch.log(torch.tensor(0.45 + 1e-6)) + torch.log(torch.tensor(0.55 + 1e-6))) / 2
    assert float(class_balance(l1)) == pytest.approx(float(expected), rel=1e-5)


def test_predict_reports_each_classifier_and_the_ensemble():
    model = build(MCD).eval()
    inputs = model.data_preprocessor(make_batch(), training=False)["target"]["inputs"]
    predictions = model.predict(inputs, {"gt_label": torch.arange(6)})
    l1, l2 = model.classifiers(model.generator(inputs))
    assert [p["pred_label_f1"] for p in predictions] == l1.argmax(1).tolist()
    assert [p["pred_label_f2"] for p in predictions] == l2.argmax(1).tolist()
    assert [p["pred_label"] for p in predictions] == (l1 + l2).argmax(1).tolist()
    assert [p["gt_label"] for p in predictions] == list(range(6))


def test_num_k_must_be_positive():
    with pytest.raises(ValueError, match="num_k must be >= 1"):
        build(dict(MCD, num_k=0))
