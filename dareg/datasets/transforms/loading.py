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
    data = np.fromfile(path, dtype=np.uint8)
    try:
        image = cv2.imdecode(data, flag) if data.size else None
    except cv2.error as error:  # OpenCV asserts instead of returning None on some broken inputs
        raise ValueError(f"Cannot decode image file {path}: {error}") from error
    if image is None:
        raise ValueError(f"Cannot decode image file {path}: it is empty, truncated or not an image.")
    return image


def check_label_range(label: np.ndarray, num_classes: int, ignore_index: int, path: str) -> None:
    """Raise naming ``path`` if ``label`` holds values outside ``[0, num_classes)`` and ``ignore_index``."""
    outside = (label >= num_classes) & (label != ignore_index)
    if np.issubdtype(label.dtype, np.signedinteger):
        outside |= (label < 0) & (label != ignore_index)
    if outside.any():
        values = np.unique(label[outside])
        shown = ", ".join(str(v) for v in values[:20]) + (" ..." if values.size > 20 else "")
        raise ValueError(
            f"Label map {path} has values outside the class range [0, {num_classes}) (ignore index "
            f"{ignore_index}): {shown} ({int(outside.sum())} pixels). Check the dataset's label conversion "
            "(label_lut: raw ids -> train ids) and num_classes."
        )


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

    With a class count (``num_classes`` here, or ``results["num_classes"]`` set by the dataset), the
    train ids are checked after the lookup table: any value outside ``[0, num_classes)`` other than
    ``ignore_index`` raises a ``ValueError`` naming the file and the values (a wrong label
    conversion otherwise trains silently, or fails deep inside the loss with a CUDA assert).

    Args:
        num_classes: Number of classes; None takes ``results["num_classes"]`` and skips the check
            when that is absent too. Defaults to None.
        ignore_index: The label value allowed besides the classes. Defaults to 255.
    """

    def __init__(self, num_classes: int | None = None, ignore_index: int = 255) -> None:
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def read_label(self, path: str) -> np.ndarray:
        """Read the raw label ids of ``path`` (OpenCV; the first channel of a colour file)."""
        label = read_image(path, cv2.IMREAD_UNCHANGED)
        return label[..., 0] if label.ndim == 3 else label

    def __call__(self, results: dict) -> dict:
        label = self.read_label(results["seg_path"])
        lut = results.get("label_lut")
        if lut is not None:
            # ids beyond the table (16-bit label files) become ignore_index
            lut = np.asarray(lut, dtype=np.uint8)
            label = np.where(label < lut.size, lut[np.minimum(label, lut.size - 1)], self.ignore_index)
        label = label.astype(np.uint8) if label.max(initial=0) <= 255 else label
        num_classes = self.num_classes if self.num_classes is not None else results.get("num_classes")
        if num_classes is not None:
            check_label_range(label, int(num_classes), self.ignore_index, results["seg_path"])
        results["gt_seg"] = label
        results["gt_seg_shape"] = label.shape[:2]
        return results
