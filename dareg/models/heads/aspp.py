"""The DeepLab-v2 ASPP classifier (Chen et al., TPAMI 2017), as used by AdaptSegNet and ADVENT.

Facts from the reference implementation of AdaptSegNet (``Classifier_Module`` in
``model/deeplab_multi.py``): parallel 3x3 convolutions with bias, ``dilation = padding`` of
6, 12, 18 and 24, whose outputs are *summed* (no concatenation, no BN, no ReLU); weights drawn from
N(0, 0.01). The reference ``forward`` returns inside its loop over branches, so only the first two
branches (dilations 6 and 12) ever contribute, and the released models and published numbers were
produced that way; the paper (and ADVENT's code) describe all four.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dareg.registry import HEADS


@HEADS.register_module()
class ASPPClassifier(nn.Module):
    """Sum of parallel dilated 3x3 convolutions mapping features to per-class logits.

    Only the ``num_branches`` active branches are built (``dilations[:num_branches]``), so no
    parameter exists that never receives a gradient. The default of two branches reproduces the
    reference AdaptSegNet code (whose loop returns after adding the second branch) and therefore the
    published numbers and released checkpoints; ``num_branches=4`` is the paper's description and
    ADVENT's.

    Args:
        in_channels: Channels of the input features (1024 for layer3, 2048 for layer4).
        num_classes: Output channels. Defaults to 19 (Cityscapes).
        dilations: Dilation (= padding) of each branch. Defaults to ``(6, 12, 18, 24)``.
        num_branches: How many of ``dilations`` are used, from the first. Defaults to 2.
        init_std: Standard deviation of the normal weight initialisation. Defaults to 0.01.

    Examples:
        >>> head = ASPPClassifier(8, num_classes=3)
        >>> len(head.branches), tuple(head(torch.zeros(1, 8, 5, 5)).shape)
        (2, (1, 3, 5, 5))
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int = 19,
        dilations: Sequence[int] = (6, 12, 18, 24),
        num_branches: int = 2,
        init_std: float = 0.01,
    ) -> None:
        super().__init__()
        if not 1 <= num_branches <= len(dilations):
            raise ValueError(
                f"ASPPClassifier: num_branches must be between 1 and len(dilations)={len(dilations)}, "
                f"got {num_branches} (dilations={tuple(dilations)})"
            )
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.dilations = tuple(dilations[:num_branches])
        self.branches = nn.ModuleList(
            nn.Conv2d(in_channels, num_classes, kernel_size=3, padding=d, dilation=d, bias=True)
            for d in self.dilations
        )
        for conv in self.branches:
            nn.init.normal_(conv.weight, 0.0, init_std)
            # The reference leaves the bias at PyTorch's default initialisation.

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.branches[0](x)
        for branch in self.branches[1:]:
            out = out + branch(x)
        return out
