"""DeepLab-v2 ResNet backbone, as used by AdaptSegNet (Tsai et al., CVPR 2018) and ADVENT.

Architecture facts (from the paper and the reference implementation ``model/deeplab_multi.py`` of
AdaptSegNet, itself a port of the Caffe DeepLab-v2 ResNet-101):

* Caffe-style bottleneck: the stride sits on the first 1x1 convolution, the 3x3 convolution has
  ``padding = dilation``, no convolution has a bias.
* Stem: 7x7/2 convolution, BN, ReLU, 3x3/2 max-pool with ``padding=1`` and ``ceil_mode=True``.
* Blocks ``[3, 4, 6, 3]`` (ResNet-50) or ``[3, 4, 23, 3]`` (ResNet-101); layer3 has dilation 2 and
  layer4 dilation 4, both with stride 1, so the output stride is 8. The first block of every layer
  has a downsample branch (1x1 conv + BN) whenever the stride or width changes *or the layer is
  dilated*, and the first block of a dilated layer already uses the layer's full dilation.
* Every BN affine parameter is frozen (``requires_grad=False``), but BN stays in train mode, so the
  running statistics keep updating from batches of one image. ``frozen_bn_stats=True`` keeps BN in
  eval mode instead (a common, more stable choice for batch size 1).
* Initialisation: every convolution N(0, 0.01), BN weight 1 / bias 0; then the DeepLab ImageNet+COCO
  checkpoint ``DeepLab_resnet_pretrained_init-f81d91e8.pth`` (keys ``Scale.conv1.weight`` ...), all
  keys except the classifier. dareg reads that file in :meth:`DeepLabV2ResNet.init_weights`, which
  mmengine's Runner calls before training and never before testing (mmengine's ``init_cfg``
  convention), so a trained checkpoint is tested or used for inference without it.

Attribute names (``conv1``, ``bn1``, ``layer1`` ... ``layer4``; inside a block ``conv1..3``,
``bn1..3``, ``downsample.0/1``) follow the reference, so its backbone keys load unchanged;
:func:`convert_reference_state_dict` maps whole reference checkpoints (including the classifiers
``layer5``/``layer6`` and the ``Scale.`` prefix) onto dareg's segmentor keys.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from dareg.models.backbones.local_weights import read_state_dict
from dareg.registry import BACKBONES

#: Where the reference initialisation comes from (appended to the not-found message).
DEEPLAB_INIT_HINT = (
    "Download the reference initialisation DeepLab_resnet_pretrained_init-f81d91e8.pth (ImageNet+COCO, "
    "linked from the AdaptSegNet repository README) to that path"
)

#: Blocks per layer for the supported depths.
DEEPLABV2_DEPTHS: dict[int, tuple[int, int, int, int]] = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}


def freeze_bn_affine(bn: nn.BatchNorm2d) -> nn.BatchNorm2d:
    """Switch off gradients of a BN's weight and bias (the reference freezes every BN this way)."""
    for param in bn.parameters():
        param.requires_grad_(False)
    return bn


class CaffeBottleneck(nn.Module):
    """Bottleneck residual block in the Caffe layout (stride on the first 1x1 convolution).

    Args:
        in_channels: Input channels.
        planes: Width of the 3x3 convolution; the block outputs ``4 * planes`` channels.
        stride: Stride of the first 1x1 convolution. Defaults to 1.
        dilation: Dilation (and padding) of the 3x3 convolution. Defaults to 1.
        downsample: Module applied to the input of the residual branch. Defaults to None.
    """

    expansion = 4

    def __init__(
        self,
        in_channels: int,
        planes: int,
        stride: int = 1,
        dilation: int = 1,
        downsample: nn.Module | None = None,
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, planes, kernel_size=1, stride=stride, bias=False)
        self.bn1 = freeze_bn_affine(nn.BatchNorm2d(planes))
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = freeze_bn_affine(nn.BatchNorm2d(planes))
        self.conv3 = nn.Conv2d(planes, planes * self.expansion, kernel_size=1, bias=False)
        self.bn3 = freeze_bn_affine(nn.BatchNorm2d(planes * self.expansion))
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


@BACKBONES.register_module()
class DeepLabV2ResNet(nn.Module):
    """The DeepLab-v2 ResNet of AdaptSegNet: output stride 8, dilated layer3/layer4, frozen BN affine.

    ``forward`` returns the features of the layers named in ``out_indices`` (0-based: 0 = layer1 ...
    3 = layer4); the default ``(2, 3)`` gives layer3 (1024 channels, auxiliary level) and layer4
    (2048 channels, main level), both at 1/8 of the input size (``ceil`` rounding).

    Args:
        depth: 50, 101 or 152. Defaults to 101.
        in_channels: Input channels. Defaults to 3.
        out_indices: Layers whose outputs are returned. Defaults to ``(2, 3)``.
        frozen_bn_stats: Keep every BN in eval mode (running statistics frozen) even in
            ``train()``, also after ``sync_bn`` converted them to ``SyncBatchNorm`` (in eval mode
            they synchronise nothing). Defaults to False (the reference: BN in train mode, statistics updated).
        pretrained: Path of a local checkpoint with backbone weights: the reference's
            ``DeepLab_resnet_pretrained_init-f81d91e8.pth`` (ImageNet+COCO, ``Scale.`` keys), a
            reference AdaptSegNet model, or a dareg checkpoint; reference keys are converted with
            :func:`convert_reference_state_dict` and classifier keys are ignored. It is read by
            :meth:`init_weights` (training), not by the constructor, so testing and inference from
            a trained checkpoint do not need it. Nothing is downloaded. Defaults to None (random
            N(0, 0.01) initialisation only).

    Examples:
        >>> net = DeepLabV2ResNet(depth=50)
        >>> [tuple(f.shape) for f in net(torch.zeros(1, 3, 65, 65))]
        [(1, 1024, 9, 9), (1, 2048, 9, 9)]
    """

    def __init__(
        self,
        depth: int = 101,
        in_channels: int = 3,
        out_indices: Sequence[int] = (2, 3),
        frozen_bn_stats: bool = False,
        pretrained: str | None = None,
    ) -> None:
        super().__init__()
        if depth not in DEEPLABV2_DEPTHS:
            raise ValueError(f"DeepLabV2ResNet: depth must be one of {sorted(DEEPLABV2_DEPTHS)}, got {depth}")
        if not out_indices or any(i not in range(4) for i in out_indices):
            raise ValueError(f"DeepLabV2ResNet: out_indices must be a non-empty subset of 0..3, got {out_indices}")
        self.depth = depth
        self.out_indices = tuple(out_indices)
        self.frozen_bn_stats = frozen_bn_stats
        blocks = DEEPLABV2_DEPTHS[depth]

        self.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = freeze_bn_affine(nn.BatchNorm2d(64))
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1, ceil_mode=True)
        self._in_channels = 64
        self.layer1 = self._make_layer(64, blocks[0])
        self.layer2 = self._make_layer(128, blocks[1], stride=2)
        self.layer3 = self._make_layer(256, blocks[2], dilation=2)
        self.layer4 = self._make_layer(512, blocks[3], dilation=4)
        del self._in_channels
        widths = (256, 512, 1024, 2048)
        self.out_channels: list[int] = [widths[i] for i in self.out_indices]

        self.pretrained = pretrained
        self.reset_parameters()

    def _make_layer(self, planes: int, blocks: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
        out_channels = planes * CaffeBottleneck.expansion
        downsample = None
        if stride != 1 or self._in_channels != out_channels or dilation > 1:
            downsample = nn.Sequential(
                nn.Conv2d(self._in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
                freeze_bn_affine(nn.BatchNorm2d(out_channels)),
            )
        layers = [CaffeBottleneck(self._in_channels, planes, stride, dilation, downsample)]
        self._in_channels = out_channels
        layers += [CaffeBottleneck(out_channels, planes, dilation=dilation) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def reset_parameters(self) -> None:
        """The reference's random initialisation: convolutions N(0, 0.01), BN weight 1 and bias 0."""
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.normal_(module.weight, 0.0, 0.01)
            elif isinstance(module, _BatchNorm):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def init_weights(self) -> None:
        """Load the ``pretrained`` file, if any (the random initialisation happened at construction).

        mmengine's Runner calls this before training (through the algorithm's and the segmentor's
        ``init_weights``); ``tools/test.py``, ``init_model`` and ``tools/translate.py`` do not, so
        they need only the trained checkpoint.
        """
        if self.pretrained is not None:
            self.load_pretrained(self.pretrained)

    def load_pretrained(self, path: str) -> None:
        """Load backbone weights from a local checkpoint file (see the ``pretrained`` argument)."""
        state = backbone_state_dict(
            read_state_dict(path, f"DeepLabV2ResNet(depth={self.depth})", DEEPLAB_INIT_HINT, argument="pretrained")
        )
        missing, unexpected = self.load_state_dict(state, strict=False)
        missing = [k for k in missing if not k.endswith("num_batches_tracked")]
        if missing or unexpected:
            raise KeyError(
                f"DeepLabV2ResNet(depth={self.depth}): checkpoint {path} does not match: missing "
                f"{missing[:5]} ({len(missing)}), unexpected {unexpected[:5]} ({len(unexpected)}). Is it a "
                "ResNet of the same depth?"
            )

    def train(self, mode: bool = True) -> DeepLabV2ResNet:
        super().train(mode)
        if mode and self.frozen_bn_stats:
            for module in self.modules():
                if isinstance(module, _BatchNorm):  # SyncBatchNorm too (sync_bn converts the layers)
                    module.eval()
        return self

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        outs = []
        for index, layer in enumerate((self.layer1, self.layer2, self.layer3, self.layer4)):
            x = layer(x)
            if index in self.out_indices:
                outs.append(x)
            if index >= max(self.out_indices):
                break
        return outs


# --- reference checkpoints -----------------------------------------------------------------------
_BACKBONE_KEY = re.compile(r"^(conv1|bn1|layer[1-4])\.")
#: Reference classifier attribute -> dareg segmentor attribute (multi-level model; the single-level
#: reference model ``deeplab.py`` has only ``layer5``, on layer4, which is the main head).
REFERENCE_HEADS_MULTI = {"layer5": "auxiliary_head", "layer6": "head"}
REFERENCE_HEADS_SINGLE = {"layer5": "head"}


def strip_reference_prefix(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Remove the ``Scale.`` prefix of the DeepLab ImageNet+COCO init (and a ``module.`` DDP prefix)."""
    out = {}
    for key, value in state_dict.items():
        for prefix in ("module.", "Scale."):
            if key.startswith(prefix):
                key = key[len(prefix) :]
        out[key] = value
    return out


def backbone_state_dict(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The backbone part of a reference or dareg checkpoint, with backbone-relative keys.

    Accepts reference keys (``conv1.weight``, ``Scale.layer1.0.conv1.weight``) and dareg keys at any
    nesting (``segmentor.backbone.layer1...``, ``task_model.backbone...``); classifier keys are dropped.
    """
    state = strip_reference_prefix(state_dict)
    nested = {k.split("backbone.", 1)[1]: v for k, v in state.items() if "backbone." in k}
    if nested:
        return nested
    return {k: v for k, v in state.items() if _BACKBONE_KEY.match(k)}


def convert_reference_state_dict(
    state_dict: Mapping[str, torch.Tensor],
    prefix: str = "segmentor.",
    multi_level: bool = True,
    num_branches: int | None = 2,
    include_heads: bool = True,
) -> OrderedDict[str, torch.Tensor]:
    """Map a reference DeepLab-v2 / AdaptSegNet state dict onto dareg's keys.

    Reference layout: ``conv1``, ``bn1``, ``layer1..4`` (backbone), ``layer5`` / ``layer6``
    (classifiers, each ``conv2d_list.N.{weight,bias}``), optionally under ``Scale.`` (the
    ImageNet+COCO init). dareg layout (:class:`~dareg.models.segmentors.MultiLevelSegmentor`):
    ``backbone.*`` (same names below), ``auxiliary_head.branches.N.*`` and ``head.branches.N.*``.

    Args:
        state_dict: The reference state dict (``torch.load`` of the ``.pth`` file).
        prefix: Prepended to every key: ``"segmentor."`` for :class:`AdaptSegNet`,
            ``"task_model."`` for ``SourceOnly``, ``""`` for a bare segmentor. Defaults to
            ``"segmentor."``.
        multi_level: The checkpoint is the multi-level model (``layer5`` on layer3 = auxiliary head,
            ``layer6`` on layer4 = main head); otherwise ``layer5`` is the main head. Defaults to True.
        num_branches: Keep only the first ``num_branches`` ASPP convolutions (the reference code
            stores four but uses two, see :class:`~dareg.models.heads.ASPPClassifier`); None keeps
            all. Defaults to 2.
        include_heads: Convert the classifiers; False drops them, as the reference does with the
            init checkpoint (whose classifier was trained on another label set). Defaults to True.

    Returns:
        The converted state dict. ``num_batches_tracked`` buffers, which the reference (PyTorch 0.3)
        lacks, are left to the loading model.
    """
    heads = REFERENCE_HEADS_MULTI if multi_level else REFERENCE_HEADS_SINGLE
    converted: OrderedDict[str, torch.Tensor] = OrderedDict()
    for key, value in strip_reference_prefix(state_dict).items():
        if _BACKBONE_KEY.match(key):
            converted[f"{prefix}backbone.{key}"] = value
            continue
        match = re.match(r"^(layer[56])\.conv2d_list\.(\d+)\.(weight|bias)$", key)
        if match is None:
            raise KeyError(
                f"convert_reference_state_dict: unexpected key '{key}'; a DeepLab-v2 reference checkpoint "
                "has only conv1, bn1, layer1..6 (optionally prefixed by 'Scale.')."
            )
        layer, branch, kind = match.groups()
        if not include_heads or layer not in heads:
            continue
        if num_branches is not None and int(branch) >= num_branches:
            continue
        converted[f"{prefix}{heads[layer]}.branches.{branch}.{kind}"] = value
    return converted
