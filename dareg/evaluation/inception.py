"""The Inception-v3 feature network of FID and KID, loaded from a local weights file.

Published FID numbers (Heusel et al., NeurIPS 2017) come from TensorFlow's 2015 Inception graph.
``pytorch-fid`` (mseitzer/pytorch-fid) ported it as ``pt_inception-2015-12-05-6726825d.pth``; to give
the same features, its network differs from torchvision's ``inception_v3`` in four places (facts
from pytorch-fid's ``inception.py``): the pooling branch of the 35x35 (``Mixed_5b-d``), 17x17
(``Mixed_6b-e``) and first 8x8 (``Mixed_7b``) blocks averages **without counting the padding**, the
last block (``Mixed_7c``) max-pools there instead, and the classifier has 1008 outputs. Inputs are
RGB on [0, 1], resized bilinearly to 299x299 and mapped to [-1, 1]; the feature is the 2048-d
global average pool after ``Mixed_7c``.

:class:`InceptionFeatures` builds that network (``variant="pytorch_fid"``, the default, whose numbers
are comparable with published ones given those weights) or torchvision's own (``variant="torchvision"``,
for torchvision's ImageNet weights; its numbers are *not* comparable with published FIDs). Nothing is
ever downloaded: ``weights`` names a local file, and without one the network keeps random weights
(useful for tests only).
"""

from __future__ import annotations

import os
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import inception as tv_inception

from dareg.utils.checkpoint_files import load_checkpoint_file
from dareg.utils.random_state import capture_random_state, restore_random_state

VARIANTS = ("pytorch_fid", "torchvision")

#: ImageNet normalisation of torchvision's weights.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class _PoolBranchMixin:
    """Recompute the pooling branch of a torchvision Inception block with pytorch-fid's pooling."""

    branch_pool: nn.Module

    @staticmethod
    def fid_pool(x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)

    def _forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = super()._forward(x)  # type: ignore[misc]
        outputs[-1] = self.branch_pool(self.fid_pool(x))
        return outputs


class FIDInceptionA(_PoolBranchMixin, tv_inception.InceptionA):
    """``InceptionA`` whose average pooling excludes the padding."""


class FIDInceptionC(_PoolBranchMixin, tv_inception.InceptionC):
    """``InceptionC`` whose average pooling excludes the padding."""


class FIDInceptionE1(_PoolBranchMixin, tv_inception.InceptionE):
    """``InceptionE`` (``Mixed_7b``) whose average pooling excludes the padding."""


class FIDInceptionE2(_PoolBranchMixin, tv_inception.InceptionE):
    """``InceptionE`` (``Mixed_7c``) with max pooling in its pooling branch."""

    @staticmethod
    def fid_pool(x: torch.Tensor) -> torch.Tensor:
        return F.max_pool2d(x, kernel_size=3, stride=1, padding=1)


def build_inception(variant: str = "pytorch_fid") -> tv_inception.Inception3:
    """An Inception-v3 with random weights, in the layout of ``variant``'s weight files.

    The global random state is left unchanged (the initialisation draws from it, then it is restored).
    """
    if variant not in VARIANTS:
        raise ValueError(f"Inception variant must be one of {VARIANTS}, got {variant!r}")
    state = capture_random_state()
    try:
        if variant == "torchvision":
            return tv_inception.Inception3(num_classes=1000, aux_logits=False, init_weights=True)
        blocks = [
            tv_inception.BasicConv2d,
            FIDInceptionA,
            tv_inception.InceptionB,
            FIDInceptionC,
            tv_inception.InceptionD,
            FIDInceptionE1,
            tv_inception.InceptionAux,
        ]
        model = tv_inception.Inception3(num_classes=1008, aux_logits=False, inception_blocks=blocks, init_weights=True)
        model.Mixed_7c = FIDInceptionE2(2048)
        return model
    finally:
        restore_random_state(state)


def check_weights_file(path: str) -> None:
    """Raise ``FileNotFoundError`` (saying where to get the standard file) if ``path`` is not a file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"Inception weights file {path!r} does not exist. For FID comparable with published numbers, "
            "download pytorch-fid's pt_inception-2015-12-05-6726825d.pth (see docs/analysis.md) to that path, "
            "or set inception=dict(weights=PATH) in the metric's config (in dareg's *_fid.py translation "
            "configs: inception_weights=PATH)."
        )


class InceptionFeatures(nn.Module):
    """2048-d Inception-v3 pool features of RGB images on [0, 1], for FID and KID.

    Args:
        weights: Local weights file (a state dict, or a checkpoint with ``state_dict``): for
            ``"pytorch_fid"`` pytorch-fid's ``pt_inception-2015-12-05-6726825d.pth``, for
            ``"torchvision"`` torchvision's ``inception_v3_google-0cc3c7bd.pth``. Defaults to None
            (random weights: the numbers then mean nothing outside a test).
        variant: ``"pytorch_fid"`` or ``"torchvision"``. Defaults to ``"pytorch_fid"``.
        input_size: Side the images are resized to. Defaults to 299 (the standard; smaller values,
            at least 75, only make tests faster).
    """

    def __init__(self, weights: str | None = None, variant: str = "pytorch_fid", input_size: int = 299) -> None:
        super().__init__()
        if input_size < 75:
            raise ValueError(f"InceptionFeatures: input_size must be >= 75 (Inception-v3's minimum), got {input_size}")
        self.variant = variant
        self.input_size = input_size
        self.network = build_inception(variant)
        self.weights = weights
        if weights is not None:
            self.load_weights(weights)
        self.network.eval()

    def load_weights(self, path: str) -> None:
        """Load a local weights file strictly (every key must match the variant's layout)."""
        check_weights_file(path)
        state: Any = load_checkpoint_file(path, "cpu")
        if isinstance(state, dict) and "state_dict" in state:
            state = state["state_dict"]
        state = {k: v for k, v in state.items() if not k.startswith("AuxLogits.")}
        try:
            self.network.load_state_dict(state, strict=True)
        except RuntimeError as error:
            raise RuntimeError(
                f"Inception weights {path!r} do not fit variant={self.variant!r}: {error}. pytorch-fid's "
                "pt_inception file needs variant='pytorch_fid'; torchvision's inception_v3_google file needs "
                "variant='torchvision'."
            ) from error

    def train(self, mode: bool = True) -> InceptionFeatures:
        super().train(False)  # always in eval mode (batch norm statistics are fixed)
        return self

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """``N x 3 x H x W`` RGB (grey images are repeated) on [0, 1] -> ``N x 2048`` features."""
        if images.shape[1] == 1:
            images = images.repeat(1, 3, 1, 1)
        if images.shape[1] != 3:
            raise ValueError(f"InceptionFeatures expects 1 or 3 channels, got {tuple(images.shape)}")
        x = F.interpolate(images.float(), size=(self.input_size,) * 2, mode="bilinear", align_corners=False)
        if self.variant == "pytorch_fid":
            x = 2.0 * x - 1.0
        else:
            mean = torch.tensor(IMAGENET_MEAN, device=x.device).view(1, 3, 1, 1)
            std = torch.tensor(IMAGENET_STD, device=x.device).view(1, 3, 1, 1)
            x = (x - mean) / std
        net = self.network
        for name in (
            "Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1", "Conv2d_3b_1x1", "Conv2d_4a_3x3",
            "maxpool2", "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d",
            "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c",
        ):  # fmt: skip
            x = getattr(net, name)(x)
        return F.adaptive_avg_pool2d(x, 1).flatten(1)
