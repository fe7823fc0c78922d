"""Cycle, identity, feature-matching and semantic-consistency losses on hand-computed cases."""

from __future__ import annotations

import pytest
import torch
from fixtures.translation import single_thread
from torch import nn

from dareg.models.losses import CycleConsistencyLoss, FeatureMatchingLoss, IdentityLoss, SemanticConsistencyLoss
from dareg.registry import LOSSES


def test_cycle_loss_l1_and_l2_by_hand():
    rec = torch.tensor([[0.0, 1.0], [2.0, -1.0]])
    orig = torch.tensor([[1.0, 1.0], [0.0, 0.0]])
    # |diffs| = 1, 0, 2, 1 -> mean 1.0 ; squares 1, 0, 4, 1 -> mean 1.5
    assert float(CycleConsistencyLoss("l1")(rec, orig)) == pytest.approx(1.0)
    assert float(CycleConsistencyLoss("l2")(rec, orig)) == pytest.approx(1.5)
    assert float(LOSSES.build(dict(type="CycleConsistencyLoss", loss_weight=10.0))(rec, orig)) == pytest.approx(10.0)
    with pytest.raises(ValueError, match="mode"):
        CycleConsistencyLoss("l3")
    with pytest.raises(ValueError, match="shape"):
        CycleConsistencyLoss()(rec, orig[:1])


def test_identity_loss_by_hand():
    out = torch.tensor([0.5, -0.5, 0.0, 1.0])
    same = torch.tensor([0.0, 0.0, 0.0, 0.0])
    assert float(IdentityLoss(loss_weight=5.0)(out, same)) == pytest.approx(5.0 * 2.0 / 4)
    assert float(IdentityLoss("l2")(out, same)) == pytest.approx((0.25 + 0.25 + 1.0) / 4)


def test_feature_matching_by_hand_and_gradient_only_to_fake():
    real = [torch.tensor([[1.0, 3.0], [3.0, 5.0]], requires_grad=True), torch.ones(2, 1, 2, 2)]
    fake = [torch.tensor([[0.0, 4.0], [0.0, 4.0]], requires_grad=True), torch.zeros(2, 1, 2, 2)]
    loss = FeatureMatchingLoss(loss_weight=2.0)(real, fake)
    # layer 1: ((2 - 0)^2 + 0) / 2 = 2 ; layer 2: mean of 1^2 = 1 -> 2 * 3
    assert loss.item() == pytest.approx(6.0)
    loss.backward()
    assert real[0].grad is None and fake[0].grad is not None
    with pytest.raises(ValueError, match="same non-zero number"):
        FeatureMatchingLoss()(real, fake[:1])


class _PixelClassifier(nn.Module):
    """A 1x1-conv 'task network' returning [logits], with BN and dropout to expose mode changes."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4), nn.Dropout(0.5), nn.Conv2d(4, 5, 1))

    def forward(self, x):
        return [self.net(x)]


def test_semantic_consistency_by_hand_and_network_frozen(tmp_path):
    torch.manual_seed(0)
    task = _PixelClassifier()
    torch.save({"state_dict": {f"task_model.{k}": v for k, v in task.state_dict().items()}}, tmp_path / "a.pth")
    fresh = _PixelClassifier()
    loss_fn = SemanticConsistencyLoss(fresh, checkpoint=str(tmp_path / "a.pth"), loss_weight=2.0)
    for key, value in task.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value)  # prefix stripped, weights loaded
    loss_fn.train()
    assert not loss_fn.task_model.training and not any(m.training for m in loss_fn.task_model.modules())
    before = {k: v.clone() for k, v in loss_fn.task_model.state_dict().items()}

    original = torch.randn(2, 3, 4, 4)
    translated = torch.randn(2, 3, 4, 4, requires_grad=True)
    loss = loss_fn(original, translated)
    with torch.no_grad():
        labels = task.eval()(original)[0].argmax(1)
        expected = 2.0 * nn.functional.cross_entropy(task(translated)[0], labels)
    assert loss.item() == pytest.approx(float(expected), rel=1e-5)
    loss.backward()
    assert translated.grad is not None and translated.grad.abs().sum() > 0  # gradient reaches the image
    assert all(p.grad is None and not p.requires_grad for p in loss_fn.task_model.parameters())
    for key, value in loss_fn.task_model.state_dict().items():
        assert torch.equal(value, before[key])  # BN statistics untouched
    assert float(loss_fn(original, original)) < loss.item()  # identical images agree with themselves


def test_semantic_consistency_checkpoint_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="stage \\(a\\)"):
        SemanticConsistencyLoss(_PixelClassifier(), checkpoint=str(tmp_path / "missing.pth"))
    torch.save({"state_dict": {"task_model.other.weight": torch.zeros(1)}}, tmp_path / "bad.pth")
    with pytest.raises(RuntimeError, match="does not match"):
        SemanticConsistencyLoss(_PixelClassifier(), checkpoint=str(tmp_path / "bad.pth"))


@pytest.fixture(autouse=True)
def _single_thread():
    """Every test of this module runs on one thread."""
    yield from single_thread()
