"""Reading label maps stored as palette ("P" mode) PNGs, such as GTA5's, by their indices.

GTA5's label PNGs (Richter et al., ECCV 2016) are palette images whose *indices* are the Cityscapes
label ids and whose palette holds the Cityscapes colours; the reference AdaptSegNet loader reads
them with PIL, which returns the indices. OpenCV always expands a palette to BGR colours, so
reading them with :class:`~dareg.datasets.transforms.loading.LoadSegMap` would take a colour
channel for the label id. mmseg reads annotations with Pillow for the same reason.
"""

from __future__ import annotations

import os

import numpy as np

from dareg.datasets.transforms.loading import LoadSegMap
from dareg.registry import TRANSFORMS


def read_indexed_label(path: str) -> np.ndarray:
    """Read a label PNG with Pillow: palette indices for "P" images, stored values otherwise.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: The file cannot be decoded, or holds more than one channel of colours.
    """
    from PIL import Image, UnidentifiedImageError

    if not os.path.isfile(path):
        raise FileNotFoundError(f"Label file not found: {path}")
    try:
        with Image.open(path) as image:
            mode = image.mode
            label = np.array(image)
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValueError(f"Cannot decode label file {path}: {error}") from error
    if label.ndim == 3:
        if mode in ("RGB", "RGBA") and not (label[..., :3] == label[..., :1]).all():
            raise ValueError(
                f"Label file {path} is a colour ({mode}) image, not a map of label ids: convert it to "
                "ids (one channel or a palette PNG) first."
            )
        label = label[..., 0]
    return label


@TRANSFORMS.register_module()
class LoadIndexedSegMap(LoadSegMap):
    """Like :class:`~dareg.datasets.transforms.loading.LoadSegMap`, but reads with Pillow.

    Palette PNGs (GTA5 labels) give their indices; grey 8- or 16-bit PNGs give their values. The
    dataset's ``results["label_lut"]`` (raw id -> train id) is applied, values beyond the table
    become 255, and the class-range check of ``LoadSegMap`` applies.

    Args:
        num_classes: Number of classes for the range check; None takes ``results["num_classes"]``
            and skips the check when that is absent too. Defaults to None.
        ignore_index: The label value allowed besides the classes. Defaults to 255.
    """

    def read_label(self, path: str) -> np.ndarray:
        return read_indexed_label(path)
