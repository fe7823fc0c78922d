"""Colour palettes and colourised label maps (the Cityscapes palette of cityscapesScripts by default)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from dareg.datasets.cityscapes_labels import CITYSCAPES_PALETTE, IGNORE_INDEX


def palette_lut(palette: Sequence[Sequence[int]] = CITYSCAPES_PALETTE, ignore_color=(0, 0, 0)) -> np.ndarray:
    """A 256 x 3 uint8 BGR table: row ``i`` is the colour of label ``i`` (RGB ``palette`` reversed).

    Labels without a palette entry (including 255, ignored) get ``ignore_color`` (RGB).
    """
    if len(palette) > 256:
        raise ValueError(f"A palette has at most 256 colours, got {len(palette)}")
    lut = np.empty((256, 3), dtype=np.uint8)
    lut[:] = np.asarray(ignore_color, dtype=np.uint8)[::-1]
    if len(palette):
        lut[: len(palette)] = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)[:, ::-1]
    return lut


def colorize(
    label_map: np.ndarray | torch.Tensor,
    palette: Sequence[Sequence[int]] | None = None,
    ignore_index: int = IGNORE_INDEX,
) -> np.ndarray:
    """Colour a label map with a palette.

    Args:
        label_map: ``H x W`` integer labels (train ids; ``ignore_index`` and labels without a colour
            come out black).
        palette: RGB colours, one per class. Defaults to None (the Cityscapes 19-class palette).
        ignore_index: Label drawn black. Defaults to 255.

    Returns:
        ``H x W x 3`` uint8 image in BGR order, ready for ``cv2.imwrite``.

    Examples:
        >>> colorize(np.array([[0, 255]]))[0].tolist()  # road (RGB 128, 64, 128), ignored
        [[128, 64, 128], [0, 0, 0]]
    """
    if isinstance(label_map, torch.Tensor):
        label_map = label_map.detach().cpu().numpy()
    labels = np.asarray(label_map)
    if labels.ndim != 2:
        raise ValueError(f"colorize expects an H x W label map, got shape {labels.shape}")
    labels = labels.astype(np.int64)
    lut = palette_lut(CITYSCAPES_PALETTE if palette is None else palette)
    valid = (labels >= 0) & (labels < 256) & (labels != ignore_index)
    image = lut[np.where(valid, labels, 255)]
    image[~valid] = 0
    return image
