"""ImageClassifier: forward contract, cross-entropy loss value, predictions for the Accuracy metric."""

from __future__ import annotations

import pytest
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


def test_modes_return_features_logits_or_both_in_one_call():
    bottlenecked = dict(CFG, bottleneck=dict(type="Bottleneck", in_channels=500, out_channels=16))
    model = CLASSIFIERS.build(dict(bottlenecked, head=dict(type="LinearClsHead", in_channels=16))).eval()
    images = torch.randn(3, 1, 28, 28)
    features = model.bottleneck(model.backbone(images))
    assert torch.equal(model(images, mode="features"), features)
    both = model(images, mode="features_and_logits")
    assert torch.equal(both[0], features) and torch.equal(both[1], model.head(features))
    with pytest.raises(ValueError, match=r"mode must be one of \('logits', 'features', 'features_and_logits'\)"):
        model(images, mode="head")


def test_a_list_of_batches_goes_through_the_features_one_batch_at_a_time():
    bottlenecked = dict(
        CFG,
        backbone=dict(type="LeNetEncoder", dropout_ratio=0.0),
        bottleneck=dict(type="Bottleneck", in_channels=500, out_channels=16),
    )
    model = CLASSIFIERS.build(dict(bottlenecked, head=dict(type="LinearClsHead", in_channels=16))).train()
    source, target = torch.randn(2, 1, 28, 28), torch.randn(3, 1, 28, 28) + 2.0
    features, logits = model([source, target], mode="features_and_logits")
    # each batch normalised by its own BatchNorm statistics, then concatenated
    expected = torch.cat([model.extract_features(source), model.extract_features(target)])
    torch.testing.assert_close(features, expected)
    torch.testing.assert_close(logits, model.head(expected))
    joint = model(torch.cat([source, target]), mode="features")
    assert not torch.allclose(joint, features)  # one batch: statistics shared by both domains


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
