"""Entropy of segmentation predictions, ADVENT's two ingredients (Vu et al., "ADVENT: Adversarial
Entropy Minimization for Domain Adaptation in Semantic Segmentation", CVPR 2019).

For the softmax ``P`` of a prediction with ``C`` classes, the *weighted self-information map* is,
per pixel and class, ``I = -P * log2(P + 1e-30) / log2(C)`` (the ``1e-30`` keeps
``log2(0)`` finite and the ``log2(C)`` division puts the entropy of every pixel in ``[0, 1]``). Its
sum over classes is the normalised Shannon entropy of the pixel's prediction. MinEnt
minimises the mean of that entropy over target pixels (in the reference code
``entropy_loss``: the sum over classes and pixels divided by ``N * H * W * log2(C)``); AdvEnt feeds
the map ``I`` to the discriminators instead of ``P`` (``prob_2_entropy`` in the reference code).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from dareg.registry import LOSSES
from torch import nn

#: Added inside the logarithm, as the reference code does, so that ``0 * log2(0)`` is 0.
LOG_EPSILON = 1e-30


def self_information(probs: torch.Tensor) -> torch.Tensor:
    """The weighted self-information map ``-P log2(P + 1e-30) / log2(C)`` of ``N x C x H x W`` probabilities.

    Examples:
        >>> probs = torch.tensor([0.5, 0.5, 0.0, 0.0]).view(1, 4, 1, 1)
        >>> self_information(probs).flatten().tolist()  # -0.5 * log2(0.5) / log2(4) = 0.25
        [0.25, 0.25, 0.0, 0.0]
    """
    num_classes = probs.shape[1]
    if num_classes < 2:
        raise ValueError(f"self_information needs at least 2 classes (dim 1), got shape {tuple(probs.shape)}")
    probs = probs.float()  # 1e-30 underflows in float16
    return -probs * torch.log2(probs + LOG_EPSILON) / math.log2(num_classes)


@LOSSES.register_module()
class SelfInformationMap(nn.Module):
    """Map segmentation logits (or probabilities) to their weighted self-information ``I``.

    ``I`` has the shape of its input; summed over classes it is each pixel's entropy, normalised to
    ``[0, 1]``. AdvEnt's discriminators read ``I`` where AdaptSegNet's read the softmax.

    Args:
        from_logits: Apply a softmax over dim 1 first. Defaults to True.

    Examples:
        >>> logits = torch.zeros(1, 4, 2, 2)  # uniform: maximal entropy
        >>> SelfInformationMap()(logits).sum(1).flatten().tolist()
        [1.0, 1.0, 1.0, 1.0]
    """

    def __init__(self, from_logits: bool = True) -> None:
        super().__init__()
        self.from_logits = from_logits

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        probs = F.softmax(inputs, dim=1) if self.from_logits else inputs
        return self_information(probs)


@LOSSES.register_module()
class EntropyLoss(nn.Module):
    """Mean normalised entropy of per-pixel predictions: ``loss_weight * mean_{n,h,w} sum_c I``.

    This is the reference's ``entropy_loss`` (the sum of ``-P log2 P`` over classes and pixels,
    divided by ``N * H * W * log2(C)``), applied to logits by default.

    Args:
        from_logits: Apply a softmax over dim 1 first. Defaults to True.
        loss_weight: Multiplier of the loss. Defaults to 1.0 (method weights such as
            ``lambda_ent`` live in the algorithm).

    Examples:
        >>> loss = EntropyLoss(from_logits=False)
        >>> confident = torch.tensor([1.0, 0.0]).view(1, 2, 1, 1)
        >>> unsure = torch.tensor([0.5, 0.5]).view(1, 2, 1, 1)
        >>> float(loss(confident)), float(loss(unsure))
        (0.0, 1.0)
    """

    def __init__(self, from_logits: bool = True, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.information = SelfInformationMap(from_logits=from_logits)
        self.loss_weight = loss_weight

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.loss_weight * self.information(inputs).sum(dim=1).mean()
