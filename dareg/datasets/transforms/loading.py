"""Reading images and label maps from disk with OpenCV."""

from __future__ import annotations

import os

import cv2
import numpy as np

from dareg.registry import TRANSFORMS


def read_image(path: str, flag: int = cv2.IMREAD_COLOR) -> np.ndarray:
    """Read an image with OpenCV, failing with the file's name when it is missing or unreadable."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Image file not found: {path}")
    image = cv2.imdecode(np.fromfile(path, dtype=np.uint8), flag)
    if image is None:
        raise ValueError(f"Cannot decode image file {path}: it is empty, truncated or not an image.")
    return image


@TRANSFORMS.register_module()
class LoadImageFromFile:
    """Read ``results["img_path"]`` into ``results["img"]`` (BGR ``H x W x 3`` or grey ``H x W``, uint8).

    Args:
        color_type: ``"color"`` (BGR, as cv2 reads it) or ``"grayscale"``. Defaults to ``"color"``.
    """

    def __init__(self, color_type: str = "color") -> None:
        flags = {"color": cv2.IMREAD_COLOR, "grayscale": cv2.IMREAD_GRAYSCALE}
        if color_type not in flags:
            raise ValueError(f"LoadImageFromFile: color_type must be one of {sorted(flags)}, got {color_type!r}")
        self.flag = flags[color_type]

    def __call__(self, results: dict) -> dict:
        image = read_image(results["img_path"], self.flag)
        results["img"] = image
        results["ori_shape"] = image.shape[:2]
        results["img_shape"] = image.shape[:2]
        return results


@TRANSFORMS.register_module()
class LoadSegMap:
    """Read ``results["seg_path"]`` into ``results["gt_seg"]`` (``H x W`` uint8 train ids).

    If the dataset put a 256-entry lookup table in ``results["label_lut"]`` (raw label id -> train
    id, 255 for ignored), it is applied here.
    """

    def __call__(self, results: dict) -> dict:
        label = read_image(results["seg_path"], cv2.IMREAD_UNCHANGED)
        if label.ndim == 3:
            label = label[..., 0]
        lut = results.get("label_lut")
        if lut is not None:
            label = np.asarray(lut, dtype=np.uint8)[label]
        results["gt_seg"] = label
        results["gt_seg_shape"] = label.shape[:2]
        return results
