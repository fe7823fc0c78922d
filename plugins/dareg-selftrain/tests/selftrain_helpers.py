"""Helpers of the plugin's tests: tiny segmentors, two-domain batches, and recorders of what networks see."""

from __future__ import annotations

from pathlib import Path

import torch
from dareg import testing
from torch import nn

PLUGIN_ROOT = Path(__file__).resolve().parents[1]
#: The plugin's configs, package data named ``dareg_selftrain::<file>`` once installed; found by path here.
CONFIG_DIR = PLUGIN_ROOT / "dareg_selftrain" / "configs"
#: The dareg checkout the plugin lives in (its configs inherit dareg's).
DAREG_ROOT = PLUGIN_ROOT.parents[1]
NUM_CLASSES = 4


class TwoLevelBackbone(nn.Module):
    """Two feature maps at 1/2 and 1/4 of the input, no normalisation: a copy computes the same values in any mode."""

    out_channels = [4, 6]

    def __init__(self) -> None:
        super().__init__()
        self.low = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.high = nn.Conv2d(4, 6, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        low = torch.relu(self.low(x))
        return [low, torch.relu(self.high(low))]


def tiny_segmentor(multi_level: bool = True, num_classes: int = NUM_CLASSES) -> dict:
    """A MultiLevelSegmentor config on :class:`TwoLevelBackbone` (in-process tests only: the type is a class)."""
    head = dict(type="ASPPClassifier", num_classes=num_classes, dilations=(1, 2), num_branches=2)
    return dict(
        type="MultiLevelSegmentor",
        backbone=dict(type=TwoLevelBackbone),
        head=head,
        auxiliary_head=head if multi_level else None,
        loss_weights=(0.1, 1.0) if multi_level else 1.0,
        align_corners=False,
    )


#: A registered segmentor small enough for configs written to files (timm's 0.4M-parameter test ResNet).
TIMM_SEGMENTOR = dict(
    type="MultiLevelSegmentor",
    backbone=dict(type="TimmBackbone", model_name="test_resnet", output_stride=8),
    head=dict(type="ASPPClassifier", num_classes=NUM_CLASSES, num_branches=2),
    auxiliary_head=dict(type="ASPPClassifier", num_classes=NUM_CLASSES, num_branches=2),
)

#: No photometric augmentation: the mixed images are exactly ClassMix's.
NO_AUGMENT = dict(type="BatchCompose", augments=[])

PREPROCESSOR = dict(type="DomainDataPreprocessor", mean=[128.0] * 3, std=[64.0] * 3)


def two_domain_batch(size: int | tuple[int, int] = 16, batch_size: int = 2, seed: int = 0) -> dict:
    """A collated two-domain batch of uint8 RGB images, source labelled with :data:`NUM_CLASSES` classes."""
    return testing.two_domain_batch(
        batch_size, seed=seed, channels=3, size=size, num_classes=NUM_CLASSES, task="segmentation"
    )


def record_inputs(module: nn.Module) -> list[torch.Tensor]:
    """Append a copy of the first input of every forward call of ``module`` to the returned list."""
    seen: list[torch.Tensor] = []
    module.register_forward_hook(lambda _module, args, _output: seen.append(args[0].detach().clone()))
    return seen


class Recorder:
    """Wrap a callable (a batch augmentation) and keep what it returned."""

    def __init__(self, function) -> None:
        self.function = function
        self.returned: list = []

    def __call__(self, *args, **kwargs):
        out = self.function(*args, **kwargs)
        self.returned.append(out)
        return out


def parameters(module: nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in module.named_parameters()}
