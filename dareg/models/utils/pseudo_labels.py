"""Pseudo-labels from a teacher's logits, weighted by the DACS quality estimate.

DACS (vikolss/DACS ``trainUDA.py:466-479``) and DAFormer (lhoyer/DAFormer ``mmseg/models/uda/dacs.py:272-278``)
label every target pixel with the teacher's most likely class and weight the whole batch by one number,
the share of confident pixels::

    q = #(pixels whose largest softmax probability >= threshold) / #(pixels in the batch)

(threshold 0.968 in both). DAFormer then gives the top 15 and bottom 120 rows of each 512x512 crop
weight 0 (``dacs.py:280-286``; ``pseudo_weight_ignore_top/bottom`` in its config), after computing ``q``
over the whole image. The weights feed a pixel-weighted cross-entropy,
:class:`~dareg.models.losses.PseudoLabelCrossEntropyLoss`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from dareg.registry import MODELS

#: How the pixels of a batch are weighted.
WEIGHTINGS = ("quality", "threshold")


@dataclass(frozen=True)
class PseudoLabels:
    """Hard pseudo-labels of a batch and their per-pixel weights.

    Attributes:
        labels: ``N x H x W`` int64: the teacher's most likely class at every pixel.
        weights: ``N x H x W`` float32: each pixel's loss weight.
        confidence: ``N x H x W`` float32: the teacher's largest softmax probability.
        quality: Scalar float32 tensor: the share of the batch's pixels whose confidence reaches the
            threshold (the DACS weight ``q``), computed before any row is ignored.
    """

    labels: torch.Tensor
    weights: torch.Tensor
    confidence: torch.Tensor
    quality: torch.Tensor


def make_pseudo_labels(
    logits: torch.Tensor,
    threshold: float = 0.968,
    weighting: str = "quality",
    ignore_top: int = 0,
    ignore_bottom: int = 0,
) -> PseudoLabels:
    """Pseudo-labels and weights from ``N x C x H x W`` teacher logits (see :class:`PseudoLabeller`).

    Raises:
        ValueError: ``logits`` is not 4-D, or the ignored rows cover the whole height.
    """
    if logits.dim() != 4:
        raise ValueError(f"make_pseudo_labels expects N x C x H x W logits, got shape {tuple(logits.shape)}")
    height = logits.shape[-2]
    if ignore_top + ignore_bottom >= height:
        raise ValueError(
            f"make_pseudo_labels: ignore_top={ignore_top} + ignore_bottom={ignore_bottom} rows leave nothing of "
            f"a {height}-row image; scale them to the crop size (DAFormer ignores 15 and 120 rows of a 512 crop)"
        )
    with torch.no_grad():
        confidence, labels = torch.softmax(logits.detach().float(), dim=1).max(dim=1)
        confident = confidence >= threshold
        quality = (confident.sum().double() / confident.numel()).float()
        weights = quality.expand_as(confidence).clone() if weighting == "quality" else confident.float()
        if ignore_top:
            weights[:, :ignore_top] = 0.0
        if ignore_bottom:
            weights[:, height - ignore_bottom :] = 0.0
    return PseudoLabels(labels=labels, weights=weights, confidence=confidence, quality=quality)


@MODELS.register_module()
class PseudoLabeller(nn.Module):
    """Turn teacher logits into hard pseudo-labels with per-pixel weights (no parameters, no gradient).

    Every pixel is labelled with the teacher's argmax. ``weighting="quality"`` gives every pixel the
    DACS weight ``q``, the share of the batch's pixels whose confidence (largest softmax probability)
    reaches ``threshold`` (DACS ``trainUDA.py:466-479``, DAFormer ``dacs.py:272-278``);
    ``weighting="threshold"`` gives weight 1 to the confident pixels and 0 to the others (the
    hard-threshold variant of FixMatch-style self-training). The ``ignore_top`` first and
    ``ignore_bottom`` last rows of each image then get weight 0 (DAFormer ``dacs.py:280-286``: 15 and
    120 at 512x512, where rectification artefacts and the ego-vehicle are).

    Args:
        threshold: Confidence threshold. Defaults to 0.968 (DACS, DAFormer).
        weighting: ``"quality"`` or ``"threshold"``. Defaults to ``"quality"``.
        ignore_top: Rows at the top of each image with weight 0. Defaults to 0 (DACS; DAFormer: 15).
        ignore_bottom: Rows at the bottom with weight 0. Defaults to 0 (DACS; DAFormer: 120).

    Examples:
        >>> logits = torch.tensor([[[[9.0, 0.0]], [[0.0, 0.0]]]])   # 1 image, 2 classes, 1 x 2 pixels
        >>> pseudo = PseudoLabeller(threshold=0.968)(logits)
        >>> pseudo.labels.tolist(), round(float(pseudo.quality), 2), pseudo.weights.tolist()
        ([[[0, 0]]], 0.5, [[[0.5, 0.5]]])
    """

    def __init__(
        self, threshold: float = 0.968, weighting: str = "quality", ignore_top: int = 0, ignore_bottom: int = 0
    ) -> None:
        super().__init__()
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"PseudoLabeller: threshold must be a probability in [0, 1], got {threshold}")
        if weighting not in WEIGHTINGS:
            raise ValueError(f"PseudoLabeller: weighting must be one of {WEIGHTINGS}, got {weighting!r}")
        if ignore_top < 0 or ignore_bottom < 0:
            raise ValueError(f"PseudoLabeller: ignore_top/ignore_bottom must be >= 0, got {ignore_top}/{ignore_bottom}")
        self.threshold = threshold
        self.weighting = weighting
        self.ignore_top = ignore_top
        self.ignore_bottom = ignore_bottom

    def forward(self, logits: torch.Tensor) -> PseudoLabels:
        return make_pseudo_labels(logits, self.threshold, self.weighting, self.ignore_top, self.ignore_bottom)

    def extra_repr(self) -> str:
        return (
            f"threshold={self.threshold}, weighting={self.weighting!r}, ignore_top={self.ignore_top}, "
            f"ignore_bottom={self.ignore_bottom}"
        )
