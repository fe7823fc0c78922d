"""Pixel-wise (or per-image) cross-entropy with an ignored label, plain and weighted per pixel for pseudo-labels."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from dareg.registry import LOSSES


@LOSSES.register_module()
class CrossEntropyLoss(nn.Module):
    """Mean cross-entropy over the labelled pixels (or images), times ``loss_weight``.

    ``loss(logits, labels)`` takes ``N x C x H x W`` logits with ``N x H x W`` labels (or ``N x C``
    with ``N``). Labels equal to ``ignore_index`` do not count; a batch without any labelled pixel
    gives a zero loss that still back-propagates (instead of NaN).

    In training (module in train mode, gradients on) the loss counts its calls with and without a
    labelled pixel (``labelled_calls``, ``unlabelled_calls``);
    :class:`~dareg.engine.hooks.LabelledPixelsHook` reads and resets them after every iteration and
    stops a run whose supervised loss has seen no labelled pixel for many iterations in a row.

    Args:
        ignore_index: Label that is ignored. Defaults to 255 (Cityscapes / GTA5 "void").
        loss_weight: Multiplier of the loss. Defaults to 1.0.

    Examples:
        >>> loss = CrossEntropyLoss()
        >>> logits = torch.zeros(1, 2, 1, 2)
        >>> round(float(loss(logits, torch.tensor([[[0, 255]]]))), 4)  # log(2) on one pixel
        0.6931
    """

    #: Whether the labels are pseudo-labels, which may legitimately be empty (``LabelledPixelsHook``).
    pseudo_labels: bool = False

    def __init__(self, ignore_index: int = 255, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.ignore_index = ignore_index
        self.loss_weight = loss_weight
        self.labelled_calls = 0
        self.unlabelled_calls = 0

    def count_call(self, labelled: bool) -> None:
        """Count a training call with (or without) a pixel that contributes to the loss."""
        if self.training and torch.is_grad_enabled():
            if labelled:
                self.labelled_calls += 1
            else:
                self.unlabelled_calls += 1

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        labels = labels.long()
        labelled = bool((labels != self.ignore_index).any())
        self.count_call(labelled)
        if not labelled:
            return logits.sum() * 0.0
        return self.loss_weight * F.cross_entropy(logits, labels, ignore_index=self.ignore_index)


@LOSSES.register_module()
class PseudoLabelCrossEntropyLoss(CrossEntropyLoss):
    """Pixel-weighted cross-entropy whose mean runs over *all* pixels, ignored ones included.

    ``loss(logits, labels, weights)`` is ``loss_weight * mean(weights * CE)``, where ``CE`` is 0 at
    pixels labelled ``ignore_index``, and the mean divides by the number of all pixels. This is the
    loss DACS (``utils/loss.py:35-43``) and DAFormer (``losses/cross_entropy_loss.py:11-34``; mmseg's
    ``avg_non_ignore=False``) train their pseudo-labelled and mixed images with: with the DACS quality
    weight ``q`` on every target pixel (:class:`~dareg.models.utils.PseudoLabeller`), it is ``q`` times
    the mean cross-entropy. Without ``weights`` every pixel weighs 1 (a hard-threshold scheme that
    marks unconfident pixels with ``ignore_index``).

    A call in which no pixel has both a label and a positive weight (no teacher prediction reached
    the threshold) counts as a call without labels, but, the labels being pseudo-labels
    (:attr:`pseudo_labels`), :class:`~dareg.engine.hooks.LabelledPixelsHook` only warns about long runs
    of such calls instead of stopping training.

    Args:
        ignore_index: Label that contributes 0. Defaults to 255.
        loss_weight: Multiplier of the loss. Defaults to 1.0.

    Examples:
        >>> loss = PseudoLabelCrossEntropyLoss()
        >>> logits = torch.zeros(1, 2, 1, 2)
        >>> labels, weights = torch.tensor([[[0, 255]]]), torch.tensor([[[0.5, 0.5]]])
        >>> round(float(loss(logits, labels, weights)), 4)  # (0.5 * log 2 + 0) / 2 pixels
        0.1733
    """

    pseudo_labels = True

    def forward(self, logits: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        labels = labels.long()
        if weights is not None and weights.shape != labels.shape:
            raise ValueError(
                f"{type(self).__name__}: weights of shape {tuple(weights.shape)} do not match the labels' "
                f"{tuple(labels.shape)} (one weight per pixel)"
            )
        contributing = labels != self.ignore_index
        if weights is not None:
            contributing &= weights > 0
        self.count_call(bool(contributing.any()))
        pixel_losses = F.cross_entropy(logits, labels, ignore_index=self.ignore_index, reduction="none")
        if weights is not None:
            pixel_losses = pixel_losses * weights
        return self.loss_weight * pixel_losses.mean()
