"""PseudoLabeller and PseudoLabelCrossEntropyLoss on a hand-made confidence map, against hand-computed q and loss."""

from __future__ import annotations

import doctest
import math

import pytest
import torch

import dareg.models.losses.cross_entropy as cross_entropy_module
import dareg.models.utils.pseudo_labels as pseudo_labels_module
from dareg.models.losses import PseudoLabelCrossEntropyLoss
from dareg.models.utils import PseudoLabeller, make_pseudo_labels
from dareg.registry import LOSSES, MODELS
from dareg.testing import check_loss

#: Two classes: the logit margin d gives the confidence sigmoid(|d|) and the label (d >= 0 -> 0).
CONFIDENT = math.log(0.99 / 0.01)  # 0.99 >= 0.968
UNSURE = math.log(0.9 / 0.1)  # 0.9 < 0.968


def two_class_logits(margins: list[list[list[float]]]) -> torch.Tensor:
    """``N x H x W`` margins -> ``N x 2 x H x W`` logits (class 0 has the margin, class 1 has 0)."""
    margin = torch.tensor(margins, dtype=torch.float32)
    return torch.stack([margin, torch.zeros_like(margin)], dim=1)


# 2 images of 4 x 2 pixels; 6 of the 16 pixels are confident
C, U = CONFIDENT, UNSURE
MARGINS = [
    [[C, -C], [U, U], [C, -U], [U, U]],
    [[-U, U], [C, C], [U, -U], [-C, -U]],
]


def test_quality_is_the_share_of_confident_pixels_of_the_whole_batch():
    pseudo = PseudoLabeller(threshold=0.968)(two_class_logits(MARGINS))
    assert pseudo.labels.tolist() == [[[0, 1], [0, 0], [0, 1], [0, 0]], [[1, 0], [0, 0], [0, 1], [1, 1]]]
    assert pseudo.labels.dtype == torch.int64
    assert float(pseudo.quality) == 6 / 16  # DACS trainUDA.py:466-479: one q for the batch
    assert torch.equal(pseudo.weights, torch.full((2, 4, 2), 6 / 16))
    torch.testing.assert_close(pseudo.confidence[0, 0], torch.tensor([0.99, 0.99]))
    torch.testing.assert_close(pseudo.confidence[0, 1], torch.tensor([0.9, 0.9]))


def test_ignored_rows_get_weight_zero_after_q_is_computed():
    pseudo = PseudoLabeller(threshold=0.968, ignore_top=1, ignore_bottom=1)(two_class_logits(MARGINS))
    assert float(pseudo.quality) == 6 / 16  # the top row's confident pixels still count (DAFormer dacs.py:272-286)
    expected = torch.full((2, 4, 2), 6 / 16)
    expected[:, 0] = 0.0
    expected[:, 3] = 0.0
    assert torch.equal(pseudo.weights, expected)
    only_bottom = make_pseudo_labels(two_class_logits(MARGINS), ignore_bottom=3)
    assert only_bottom.weights[:, 1:].eq(0).all() and only_bottom.weights[:, 0].eq(6 / 16).all()


def test_threshold_weighting_keeps_only_confident_pixels():
    pseudo = PseudoLabeller(threshold=0.968, weighting="threshold")(two_class_logits(MARGINS))
    expected = [[[1, 1], [0, 0], [1, 0], [0, 0]], [[0, 0], [1, 1], [0, 0], [1, 0]]]
    assert pseudo.weights.tolist() == expected and float(pseudo.quality) == 6 / 16


def test_nothing_confident_gives_zero_weight_everywhere_and_no_gradient_to_the_teacher():
    logits = two_class_logits([[[U, U], [U, -U]]]).requires_grad_(True)
    pseudo = PseudoLabeller()(logits)
    assert float(pseudo.quality) == 0.0 and not pseudo.weights.any()
    assert not pseudo.weights.requires_grad and not pseudo.confidence.requires_grad


def test_bad_arguments_fail_clearly():
    with pytest.raises(ValueError, match="leave nothing of a 4-row image"):
        make_pseudo_labels(two_class_logits(MARGINS), ignore_top=2, ignore_bottom=2)
    with pytest.raises(ValueError, match="N x C x H x W"):
        make_pseudo_labels(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="threshold must be a probability"):
        PseudoLabeller(threshold=96.8)
    with pytest.raises(ValueError, match="weighting must be one of"):
        PseudoLabeller(weighting="soft")
    assert isinstance(MODELS.build(dict(type="PseudoLabeller", ignore_top=15)), PseudoLabeller)


def test_loss_means_over_all_pixels_ignored_ones_included_by_hand():
    # 1 image, 2 classes, 1 x 4 pixels: logits (2, 0) everywhere
    logits = torch.tensor([[[[2.0, 2.0, 2.0, 2.0]], [[0.0, 0.0, 0.0, 0.0]]]])
    labels = torch.tensor([[[0, 1, 255, 0]]])
    weights = torch.tensor([[[0.5, 0.5, 0.5, 0.0]]])
    ce_right = -math.log(math.exp(2) / (math.exp(2) + 1))  # 0.1269
    ce_wrong = -math.log(1 / (math.exp(2) + 1))  # 2.1269
    expected = (0.5 * ce_right + 0.5 * ce_wrong + 0.0 + 0.0 * ce_right) / 4  # 4 pixels in the denominator
    loss = LOSSES.build(dict(type="PseudoLabelCrossEntropyLoss"))
    assert float(loss(logits, labels, weights)) == pytest.approx(expected, rel=1e-6)
    assert float(loss(logits, labels)) == pytest.approx((ce_right + ce_wrong + ce_right) / 4, rel=1e-6)
    doubled = PseudoLabelCrossEntropyLoss(loss_weight=2.0)
    assert float(doubled(logits, labels, weights)) == pytest.approx(2 * expected, rel=1e-6)
    with pytest.raises(ValueError, match="one weight per pixel"):
        loss(logits, labels, weights[..., :2])


def test_quality_weight_scales_the_mean_cross_entropy():
    torch.manual_seed(0)
    logits = torch.randn(2, 3, 4, 5)
    pseudo = make_pseudo_labels(torch.randn(2, 3, 4, 5) * 5, threshold=0.9)
    plain = torch.nn.functional.cross_entropy(logits, pseudo.labels)
    loss = PseudoLabelCrossEntropyLoss()(logits, pseudo.labels, pseudo.weights)
    torch.testing.assert_close(loss, pseudo.quality * plain)


def test_gradient_reaches_the_student_logits_only_where_weighted():
    logits = torch.zeros(1, 2, 1, 3, requires_grad=True)
    PseudoLabelCrossEntropyLoss()(logits, torch.tensor([[[0, 0, 255]]]), torch.tensor([[[1.0, 0.0, 1.0]]])).backward()
    assert logits.grad[..., 0].abs().sum() > 0
    assert torch.equal(logits.grad[..., 1:], torch.zeros(1, 2, 1, 2))
    check_loss(
        dict(type="PseudoLabelCrossEntropyLoss"),
        lambda: (torch.randn(2, 3, 4, 4), torch.randint(0, 3, (2, 4, 4)), torch.rand(2, 4, 4)),
    )


def test_counts_calls_without_a_weighted_pixel_as_unlabelled_pseudo_labels():
    loss = PseudoLabelCrossEntropyLoss()
    assert loss.pseudo_labels and not LOSSES.build(dict(type="CrossEntropyLoss")).pseudo_labels
    logits = torch.zeros(1, 2, 1, 2, requires_grad=True)
    labels = torch.tensor([[[0, 1]]])
    loss(logits, labels, torch.zeros(1, 1, 2))  # labels, but no weight: nothing confident
    loss(logits, torch.full((1, 1, 2), 255), torch.ones(1, 1, 2))  # weights, but every pixel ignored
    assert (loss.labelled_calls, loss.unlabelled_calls) == (0, 2)
    loss(logits, labels, torch.tensor([[[0.0, 0.3]]]))
    assert (loss.labelled_calls, loss.unlabelled_calls) == (1, 2)


def test_docstring_examples_run():
    assert doctest.testmod(pseudo_labels_module).failed == 0
    assert doctest.testmod(cross_entropy_module).failed == 0
