"""Two classifiers of the same architecture, initialised independently: MCD's F1 and F2.

Maximum Classifier Discrepancy (Saito et al., CVPR 2018) trains two classifiers on the same features
and uses their disagreement on target samples as the adversarial signal. Both are built from one
head config; each draws its own initial weights, so they start different, as the method needs.
"""

from __future__ import annotations

import torch
from torch import nn

from dareg.registry import HEADS


@HEADS.register_module()
class HeadPair(nn.Module):
    """``(head1(x), head2(x))`` for two independently initialised heads built from one config.

    Args:
        head: Config of the head (``HEADS``), e.g. ``dict(type="MLPClsHead", ...)``.

    Examples:
        >>> pair = HeadPair(head=dict(type="LinearClsHead", in_channels=8, num_classes=3))
        >>> [tuple(y.shape) for y in pair(torch.zeros(2, 8))]
        [(2, 3), (2, 3)]
    """

    def __init__(self, head: dict) -> None:
        super().__init__()
        self.head1 = HEADS.build(head)
        self.head2 = HEADS.build(head)

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.head1(features), self.head2(features)
