"""DAFormer's decoder (Hoyer et al., CVPR 2022): context-aware fusion of every encoder stage.

Reference facts (DAFormer ``decode_heads/daformer_head.py``, configs ``daformer_conv1_mitb5.py`` and
``daformer_sepaspp_mitb5.py``; ``/work/shared/METHODS_SELFTRAINING.md`` section 2):

1. Each encoder stage (MiT-B5: 64, 128, 320, 512 channels) is embedded to 256 channels by a linear
   layer on each position (no norm, no activation), then resized bilinearly
   (``align_corners=False``) to the size of the first stage (1/4 of the input).
2. The embeddings are concatenated (4 x 256 channels).
3. Fusion: a 1x1 ConvBNReLU and three depthwise-separable 3x3 ConvBNReLU with dilations 6, 12, 18,
   256 channels each and no image pooling (daformer_head.py:19-83; sep_aspp_head.py:12-27;
   aspp_head.py:33-43), concatenated and fused by a 3x3 ConvBNReLU to 256 (daformer_head.py:59-65).
4. ``Dropout2d(0.1)`` and a 1x1 convolution to the classes (mmseg's ``BaseDecodeHead.cls_seg``).

Initialisation as mmcv's ``ConvModule`` (Kaiming normal, fan-out, ReLU gain; BN weight 1, bias 0)
and mmseg's ``conv_seg`` (normal, std 0.01, bias 0); the linear embeddings keep PyTorch's default.
Module names follow the reference's (``embed_layers.0.proj``, ``fuse_layer.aspp_modules.1.
depthwise_conv.conv``, ``fuse_layer.bottleneck.bn``, ``conv_seg``, as mmcv's ``ConvModule`` names
them), so the ``decode_head.*`` entries of a released DAFormer checkpoint should map onto this head
by their prefix alone (read from the code; not tried on a released file).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from dareg.registry import HEADS


class ConvBNReLU(nn.Sequential):
    """Convolution without bias, BatchNorm and ReLU (mmcv's ``ConvModule`` with BN and ReLU).

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        kernel_size: Kernel size; the padding keeps the spatial size. Defaults to 1.
        dilation: Dilation. Defaults to 1.
        groups: Convolution groups (``in_channels`` for a depthwise convolution). Defaults to 1.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 1, dilation: int = 1, groups: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(
            in_channels,
            out_channels,
            kernel_size,
            padding=dilation * (kernel_size // 2),
            dilation=dilation,
            groups=groups,
            bias=False,
        )
        self.bn = nn.BatchNorm2d(out_channels)
        self.activate = nn.ReLU(inplace=True)
        nn.init.kaiming_normal_(self.conv.weight, mode="fan_out", nonlinearity="relu")


class SeparableConvBNReLU(nn.Sequential):
    """Depthwise 3x3 ConvBNReLU then pointwise 1x1 ConvBNReLU (mmcv's ``DepthwiseSeparableConvModule``).

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        dilation: Dilation of the depthwise convolution. Defaults to 1.
    """

    def __init__(self, in_channels: int, out_channels: int, dilation: int = 1):
        super().__init__()
        self.depthwise_conv = ConvBNReLU(in_channels, in_channels, 3, dilation=dilation, groups=in_channels)
        self.pointwise_conv = ConvBNReLU(in_channels, out_channels, 1)


class SeparableASPPFusion(nn.Module):
    """Parallel branches (1x1 ConvBNReLU for dilation 1, separable 3x3 otherwise), concatenated and fused.

    Args:
        in_channels: Input channels.
        channels: Channels of each branch and of the output.
        dilations: One branch per dilation. Defaults to ``(1, 6, 12, 18)``.
    """

    def __init__(self, in_channels: int, channels: int, dilations: Sequence[int] = (1, 6, 12, 18)):
        super().__init__()
        self.dilations = tuple(dilations)
        self.aspp_modules = nn.ModuleList(
            ConvBNReLU(in_channels, channels, 1) if d == 1 else SeparableConvBNReLU(in_channels, channels, d)
            for d in self.dilations
        )
        self.bottleneck = ConvBNReLU(len(self.dilations) * channels, channels, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bottleneck(torch.cat([branch(x) for branch in self.aspp_modules], dim=1))


class LinearEmbedding(nn.Module):
    """A linear layer applied at every position of an ``N x C x H x W`` map (SegFormer's ``MLP``).

    Args:
        in_channels: Input channels.
        embed_dim: Output channels.
    """

    def __init__(self, in_channels: int, embed_dim: int):
        super().__init__()
        self.proj = nn.Linear(in_channels, embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        return self.proj(x.flatten(2).transpose(1, 2)).transpose(1, 2).reshape(n, -1, h, w)


@HEADS.register_module()
class DAFormerHead(nn.Module):
    """DAFormer's decoder: per-stage linear embeddings, resized to the first stage, fused by separable ASPP.

    It reads the whole list of encoder features (:attr:`takes_feature_list`), so
    ``MultiLevelSegmentor`` passes it every level its backbone returns and fills ``in_channels``
    from the backbone's ``out_channels``. The logits have the size of the first feature map (1/4 of
    the input with MiT).

    Args:
        in_channels: Channels of each input feature map, first (finest) to last.
        num_classes: Output channels. Defaults to 19 (Cityscapes).
        embed_dims: Width of each stage's embedding (one number for all). Defaults to 256.
        channels: Width of the fusion branches and of its output. Defaults to 256.
        dilations: Dilations of the fusion branches (1 is a 1x1 ConvBNReLU, the others separable
            3x3). Defaults to ``(1, 6, 12, 18)``.
        dropout_ratio: Channel dropout before the classifier. Defaults to 0.1.
        align_corners: ``align_corners`` of the bilinear resizing of embeddings. Defaults to False
            (the reference).

    Examples:
        >>> head = DAFormerHead([8, 16], num_classes=3, embed_dims=4, channels=4)
        >>> tuple(head([torch.zeros(2, 8, 16, 16), torch.zeros(2, 16, 8, 8)]).shape)
        (2, 3, 16, 16)
    """

    #: ``MultiLevelSegmentor`` passes a head with this flag the list of all backbone features.
    takes_feature_list: ClassVar[bool] = True

    def __init__(
        self,
        in_channels: Sequence[int],
        num_classes: int = 19,
        embed_dims: int | Sequence[int] = 256,
        channels: int = 256,
        dilations: Sequence[int] = (1, 6, 12, 18),
        dropout_ratio: float = 0.1,
        align_corners: bool = False,
    ) -> None:
        super().__init__()
        if isinstance(in_channels, int) or not in_channels:
            raise ValueError(
                f"DAFormerHead: in_channels must list the channels of every input feature map (e.g. [64, 128, 320, "
                f"512] for MiT-B5), got {in_channels!r}"
            )
        self.in_channels = [int(c) for c in in_channels]
        dims = [embed_dims] * len(self.in_channels) if isinstance(embed_dims, int) else [int(d) for d in embed_dims]
        if len(dims) != len(self.in_channels):
            raise ValueError(
                f"DAFormerHead: embed_dims {tuple(dims)} needs one width per input ({len(self.in_channels)}: "
                f"in_channels={self.in_channels}), or a single number"
            )
        self.num_classes = num_classes
        self.embed_dims = dims
        self.align_corners = align_corners
        self.embed_layers = nn.ModuleDict(
            {str(i): LinearEmbedding(c, d) for i, (c, d) in enumerate(zip(self.in_channels, dims))}
        )
        self.fuse_layer = SeparableASPPFusion(sum(dims), channels, dilations)
        self.dropout = nn.Dropout2d(dropout_ratio) if dropout_ratio > 0 else nn.Identity()
        self.conv_seg = nn.Conv2d(channels, num_classes, kernel_size=1)
        nn.init.normal_(self.conv_seg.weight, 0.0, 0.01)
        nn.init.zeros_(self.conv_seg.bias)

    def forward(self, features: Sequence[torch.Tensor]) -> torch.Tensor:
        if len(features) != len(self.in_channels):
            raise ValueError(
                f"DAFormerHead: got {len(features)} feature maps, built for {len(self.in_channels)} "
                f"(in_channels={self.in_channels}); make the backbone return every stage."
            )
        size = features[0].shape[-2:]
        embedded = []
        for embed, x in zip(self.embed_layers.values(), features):
            x = embed(x)
            if x.shape[-2:] != size:
                x = F.interpolate(x, size=size, mode="bilinear", align_corners=self.align_corners)
            embedded.append(x)
        return self.conv_seg(self.dropout(self.fuse_layer(torch.cat(embedded, dim=1))))
