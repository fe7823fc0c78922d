"""Normalisation layers of image-to-image GANs, chosen by name.

Reference facts (CycleGAN / pix2pix, ``networks.get_norm_layer``): ``"instance"`` is
``InstanceNorm2d(affine=False, track_running_stats=False)``, ``"batch"`` is ``BatchNorm2d(affine=True,
track_running_stats=True)``. Convolutions followed by InstanceNorm keep their bias, those followed
by BatchNorm drop it (BatchNorm's shift replaces it).
"""

from __future__ import annotations

from torch import nn

NORMS = ("instance", "batch", "none")


def check_norm(norm: str) -> None:
    """Raise a clear error unless ``norm`` is one of :data:`NORMS`."""
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")


def build_norm_2d(norm: str, channels: int) -> nn.Module:
    """The normalisation layer called ``norm`` for ``channels`` channels."""
    check_norm(norm)
    if norm == "instance":
        return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)
    if norm == "batch":
        return nn.BatchNorm2d(channels, affine=True, track_running_stats=True)
    return nn.Identity()


def conv_bias(norm: str) -> bool:
    """Whether a convolution followed by ``norm`` has a bias: only BatchNorm makes it redundant.

    (The reference also drops it without normalisation, which leaves such layers with no shift at
    all; dareg keeps it there.)
    """
    check_norm(norm)
    return norm != "batch"
