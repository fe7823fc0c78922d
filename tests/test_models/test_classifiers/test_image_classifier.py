"""ImageClassifier: forward contract, cross-entropy loss value, predictions for the Accuracy metric."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from dareg.registry import CLASSIFIERS

CFG = dict(type="ImageClassifier", backbone=dict(type="LeNetEncoder"), head=dict(type="LinearClsHead"))


def test_forward_returns_one_logits_level_and_features_split():
    model = CLASSIFIERS.build(CFG).eval()
    images = torch.randn(3, 1, 28, 28)
    outputs = model(images)
    assert isinstance(outputs, list) and len(outputs) == 1 and outputs[-1].shape == (3, 10)
    assert torch.equal(model.classify(model.extract_features(images))[-1], outputs[-1])


def test_loss_is_weighted_cross_entropy():
    model = CLASSIFIERS.build(dict(CFG, loss_weight=0.5))
    logits = torch.tensor([[2.0, 0.0] + [0.0] * 8, [0.0, 1.0] + [0.0] * 8])
    labels = torch.tensor([0, 1])
    losses = model.loss([logits], {"gt_label": labels})
    assert set(losses) == {"loss_cls"}
    assert torch.allclose(losses["loss_cls"], 0.5 * F.cross_entropy(logits, labels))


def test_predict_gives_labels_and_scores_on_cpu():
    model = CLASSIFIERS.build(CFG)
    logits = torch.tensor([[0.0, 3.0] + [0.0] * 8, [5.0] + [0.0] * 9])
    predictions = model.predict([logits], {"gt_label": torch.tensor([1, 2])})
    assert [(p["pred_label"], p["gt_label"]) for p in predictions] == [(1, 1), (0, 2)]
    assert torch.allclose(predictions[0]["scores"].sum(), torch.tensor(1.0))
    assert predictions[0]["scores"].device.type == "cpu"
    assert "gt_label" not in model.predict([logits])[0]
