"""Pixel-wise (or per-image) cross-entropy with an ignored label, as every segmentation method uses."""

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

    def __init__(self, ignore_index: int = 255, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.ignore_index = ignore_index
        self.loss_weight = loss_weight
        self.labelled_calls = 0
        self.unlabelled_calls = 0

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        labels = labels.long()
        labelled = bool((labels != self.ignore_index).any())
        if self.training and torch.is_grad_enabled():
            if labelled:
                self.labelled_calls += 1
            else:
                self.unlabelled_calls += 1
        if not labelled:
            return logits.sum() * 0.0
        return self.loss_weight * F.cross_entropy(logits, labels, ignore_index=self.ignore_index)
