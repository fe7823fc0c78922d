"""Helpers of the plugin's tests: a tiny multi-level segmentor and two-domain batches."""

from __future__ import annotations

from pathlib import Path

from dareg import testing

#: The plugin's configs, package data named ``dareg_advent::<file>`` once installed; found by path here so
#: that test_without_plugin.py can read them with the plugin uninstalled.
CONFIG_DIR = Path(__file__).resolve().parents[1] / "dareg_advent" / "configs"

#: A multi-level segmentor small enough for CPU tests (timm's 0.4M-parameter test ResNet).
TINY_SEGMENTOR = dict(
    type="MultiLevelSegmentor",
    backbone=dict(type="TimmBackbone", model_name="test_resnet", output_stride=8),
    head=dict(type="ASPPClassifier", num_classes=5, num_branches=4),
    auxiliary_head=dict(type="ASPPClassifier", num_classes=5, num_branches=4),
)


def two_domain_batch(size: int = 32, num_classes: int = 5, batch_size: int = 1, seed: int = 0) -> dict:
    """A collated two-domain batch of uint8 RGB images with label maps, from dareg's testing kit."""
    return testing.two_domain_batch(
        batch_size, target_labels=True, seed=seed, channels=3, size=size, num_classes=num_classes, task="segmentation"
    )
