"""torchvision's ResNets as pooled feature extractors: the backbone of the classification benchmarks.

The domain-adaptation classification protocol (Transfer-Learning-Library, ``tllib/vision/models/
resnet.py``; DANN, CDAN, MCD and MDD's reference code) fine-tunes an ImageNet ResNet-50 (Office-31,
Office-Home) or ResNet-101 (VisDA-2017, DomainNet) without its fc layer: global average pooling
gives a 2048-d vector per image. The ImageNet weights are torchvision's ``IMAGENET1K_V1`` files
(He et al., CVPR 2016, trained by torchvision); they are read from a local file in
:meth:`TorchvisionResNet.init_weights`, never downloaded.
"""

from __future__ import annotations

import torch
import torchvision
from torch import nn

from dareg.models.backbones.local_weights import TORCHVISION_WEIGHTS_HINT, load_matching, read_state_dict
from dareg.registry import BACKBONES

#: The torchvision ResNets this wrapper builds, with their feature widths.
RESNET_WIDTHS = {"resnet18": 512, "resnet34": 512, "resnet50": 2048, "resnet101": 2048, "resnet152": 2048}


@BACKBONES.register_module()
class TorchvisionResNet(nn.Module):
    """A torchvision ResNet without its fc layer: images ``N x 3 x H x W`` -> pooled features ``N x C``.

    The network expects ImageNet-normalised RGB input (``DomainDataPreprocessor(mean=[123.675, 116.28,
    103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True)`` for images read by OpenCV).

    Args:
        model_name: One of ``resnet18``, ``resnet34``, ``resnet50``, ``resnet101``, ``resnet152``.
            Defaults to ``"resnet50"``.
        checkpoint_path: Local file of the ImageNet weights (a torchvision state dict such as
            ``resnet50-0676ba61.pth``; its ``fc.*`` entries are ignored), loaded by
            :meth:`init_weights`. Defaults to None (random initialisation).

    Attributes:
        out_channels: Width of the pooled features (2048 for ResNet-50/101).

    Examples:
        >>> net = TorchvisionResNet("resnet18")
        >>> net.out_channels, tuple(net(torch.zeros(2, 3, 64, 64)).shape)
        (512, (2, 512))
    """

    def __init__(self, model_name: str = "resnet50", checkpoint_path: str | None = None) -> None:
        super().__init__()
        if model_name not in RESNET_WIDTHS:
            raise ValueError(
                f"TorchvisionResNet: model_name must be one of {sorted(RESNET_WIDTHS)}, got {model_name!r}"
            )
        self.model_name = model_name
        self.checkpoint_path = checkpoint_path
        self.model = getattr(torchvision.models, model_name)(weights=None)
        self.model.fc = nn.Identity()
        self.out_channels: int = RESNET_WIDTHS[model_name]

    def init_weights(self) -> None:
        """Load the ImageNet weights from ``checkpoint_path`` (nothing to do without one)."""
        if self.checkpoint_path is None:
            return
        owner = f"TorchvisionResNet({self.model_name})"
        state = read_state_dict(self.checkpoint_path, owner, TORCHVISION_WEIGHTS_HINT)
        state = {key: value for key, value in state.items() if not key.startswith("fc.")}
        load_matching(self.model, state, owner, self.checkpoint_path, f"a torchvision {self.model_name} state dict")

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.model(inputs)
