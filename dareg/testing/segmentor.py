"""A tiny segmentor for tests of segmentation algorithms, configs and tools (milliseconds on a CPU).

:class:`TinySegmentor` is dareg's :class:`~dareg.models.segmentors.MultiLevelSegmentor` (same
``loss``, ``predict``, level names and loss keys) on two convolutions instead of a ResNet, so an
algorithm tested with it sees exactly the interface of the real segmentors. It is registered in
``SEGMENTORS`` when :mod:`dareg.testing` is imported, so test configs name it by type.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dareg.models.segmentors import MultiLevelSegmentor
from dareg.registry import SEGMENTORS


class TinyBackbone(nn.Module):
    """conv3x3 stride 2 -> ReLU (level 1), conv3x3 -> ReLU (level 2): two feature maps at output stride 2.

    Args:
        in_channels: Input channels. Defaults to 3.
        channels: Channels of both feature maps. Defaults to 8.
    """

    def __init__(self, in_channels: int = 3, channels: int = 8) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, channels, 3, stride=2, padding=1), nn.ReLU())
        self.layer = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU())
        self.out_channels = (channels, channels)

    def forward(self, inputs: torch.Tensor) -> list[torch.Tensor]:
        first = self.stem(inputs)
        return [first, self.layer(first)]


class TinyHead(nn.Conv2d):
    """A 1x1 convolution from features to class logits.

    Args:
        in_channels: Feature channels.
        num_classes: Number of classes.
    """

    def __init__(self, in_channels: int, num_classes: int) -> None:
        super().__init__(in_channels, num_classes, 1)
        self.num_classes = num_classes


@SEGMENTORS.register_module()
class TinySegmentor(MultiLevelSegmentor):
    """A two-convolution :class:`~dareg.models.segmentors.MultiLevelSegmentor` for tests.

    Logits come at half the input resolution (main head on the second feature map, optional
    auxiliary head on the first) and are upsampled bilinearly for the loss and predictions, as in
    the real segmentors; about 900 parameters at the defaults.

    Args:
        num_classes: Number of classes. Defaults to 8 (the embedded street scenes).
        channels: Feature channels. Defaults to 8.
        in_channels: Input channels. Defaults to 3.
        auxiliary_head: Add an auxiliary head, so that ``forward`` returns ``[aux, main]`` logits as
            AdaptSegNet's segmentor does. Defaults to False (one level).
        loss_weights: Cross-entropy weights per level, ``(aux, main)`` or one number. Defaults to
            ``(0.1, 1.0)`` with the auxiliary head, else 1.0.
        ignore_index: Label ignored by the loss. Defaults to 255.
        align_corners: ``align_corners`` of the bilinear upsampling. Defaults to False.

    Examples:
        >>> seg = TinySegmentor(num_classes=5, auxiliary_head=True)
        >>> [tuple(o.shape) for o in seg(torch.zeros(2, 3, 32, 64))]
        [(2, 5, 16, 32), (2, 5, 16, 32)]
        >>> sorted(seg.loss(seg(torch.zeros(2, 3, 32, 64)), {"gt_seg": torch.zeros(2, 32, 64).long()}))
        ['loss_seg', 'loss_seg_aux']
    """

    def __init__(
        self,
        num_classes: int = 8,
        channels: int = 8,
        in_channels: int = 3,
        auxiliary_head: bool = False,
        loss_weights: Sequence[float] | float | None = None,
        ignore_index: int = 255,
        align_corners: bool = False,
    ) -> None:
        head = dict(type=TinyHead, num_classes=num_classes)
        if loss_weights is None:
            loss_weights = (0.1, 1.0) if auxiliary_head else 1.0
        super().__init__(
            backbone=dict(type=TinyBackbone, in_channels=in_channels, channels=channels),
            head=head,
            auxiliary_head=head if auxiliary_head else None,
            loss_weights=loss_weights,
            ignore_index=ignore_index,
            align_corners=align_corners,
        )
