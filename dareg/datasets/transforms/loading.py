"""Reading images and label maps from disk with OpenCV."""

from __future__ import annotations

import os
from collections.abc import Sequence

import cv2
import numpy as np

from dareg.datasets.transforms.reduced_decode import REDUCED_FLAGS, decode_reduced, file_shape, reduction_factor
from dareg.registry import TRANSFORMS


def read_image(path: str, flag: int = cv2.IMREAD_COLOR) -> np.ndarray:
    """Read an image with OpenCV, failing with the file's name when it is missing or unreadable."""
    return read_image_reduced(path, flag)[0]


def read_image_reduced(
    path: str, flag: int = cv2.IMREAD_COLOR, min_size: Sequence[int] | None = None
) -> tuple[np.ndarray, tuple[int, int], int]:
    """Read an image, at 1/2, 1/4 or 1/8 of its size when that keeps it at least ``min_size``.

    See :mod:`~dareg.datasets.transforms.reduced_decode` for which files are reduced while decoding.

    Args:
        path: The image file.
        flag: ``cv2.IMREAD_COLOR`` or ``cv2.IMREAD_GRAYSCALE`` (others are never reduced).
        min_size: ``(width, height)`` the image must keep; None decodes at full size.

    Returns:
        The image, the file's ``(height, width)``, and the reduction factor (1: full size).
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Image file not found: {path}")
    data = np.fromfile(path, dtype=np.uint8)
    header = file_shape(path) if min_size is not None and flag in REDUCED_FLAGS and data.size else None
    try:
        if header is not None and (factor := reduction_factor(header[0], header[1], min_size)) > 1:
            image = decode_reduced(data, flag, factor, header[1])
            if image is not None:
                return image, header[1], factor
        image = cv2.imdecode(data, flag) if data.size else None
    except cv2.error as error:  # OpenCV asserts instead of returning None on some broken inputs
        raise ValueError(f"Cannot decode image file {path}: {error}") from error
    if image is None:
        raise ValueError(f"Cannot decode image file {path}: it is empty, truncated or not an image.")
    return image, image.shape[:2], 1


def check_label_range(label: np.ndarray, num_classes: int, ignore_index: int, path: str) -> None:
    """Raise naming ``path`` if ``label`` holds values outside ``[0, num_classes)`` and ``ignore_index``."""
    outside = (label >= num_classes) & (label != ignore_index)
    if np.issubdtype(label.dtype, np.signedinteger):
        outside |= (label < 0) & (label != ignore_index)
    if outside.any():
        raise ValueError(
            f"Label map {path} has values outside the class range [0, {num_classes}) (ignore index "
            f"{ignore_index}): {_listed(np.unique(label[outside]))} ({int(outside.sum())} pixels). Check the "
            "dataset's label conversion (label_lut: raw ids -> train ids) and num_classes."
        )


def _listed(values: np.ndarray, limit: int = 20) -> str:
    return ", ".join(str(v) for v in values[:limit]) + (" ..." if values.size > limit else "")


def apply_label_lut(label: np.ndarray, lut: np.ndarray, path: str, label_map: str | None = None) -> np.ndarray:
    """Map raw label values through ``lut``; fail naming ``path`` on values the table does not define.

    A value is *undefined* when it is beyond the table (a 16-bit label file against a 256-entry
    table) or its entry is negative (:data:`~dareg.datasets.cityscapes_labels.UNDEFINED`, set by
    :func:`~dareg.datasets.cityscapes_labels.strict_lut` for the values outside the label map's
    definition). Defined values, including those the map sends to the ignore index, pass.

    Args:
        label: Raw label values (``H x W``).
        lut: The table: raw value -> train id (or ignore index), negative for undefined values.
        path: The label file, for the message.
        label_map: A description of the label map in use, for the message. Defaults to None.

    Raises:
        ValueError: Some values are undefined; the message names the file, the values, how many
            pixels hold them, the label map, and what to check.
    """
    lut = np.asarray(lut)
    mapped = lut[np.minimum(label, lut.size - 1)].astype(np.int16)
    undefined = mapped < 0
    if label.max(initial=0) >= lut.size:
        undefined |= label >= lut.size
    if undefined.any():
        values = np.unique(label[undefined])
        in_use = label_map or f"the dataset's label_lut ({lut.size} entries, {int((lut >= 0).sum())} defined)"
        raise ValueError(
            f"Label file {path} holds values that the label map does not define: {_listed(values)} "
            f"({int(undefined.sum())} pixels). Label map in use: {in_use}. Check that the label files are the "
            "kind the dataset expects (label_type / seg_suffix: raw ids, train ids or colours; a colour or "
            "interpolated label image gives such values) and that they are not resized with interpolation. If "
            "these values mean 'ignore' in your copy of the data, list them in the dataset's extra_ignore_ids."
        )
    return mapped.astype(np.uint8) if mapped.max(initial=0) <= 255 else mapped


@TRANSFORMS.register_module()
class LoadImageFromFile:
    """Read ``results["img_path"]`` into ``results["img"]`` (BGR ``H x W x 3`` or grey ``H x W``, uint8).

    With ``min_size`` the image is decoded at 1/2, 1/4 or 1/8 of its size when it stays at least
    ``min_size``: JPEGs whenever that holds (libjpeg decodes them at the smaller scale, about twice
    as fast at 1/2), other formats (PNG) only when the file is exactly 2, 4 or 8 times ``min_size``
    (OpenCV decodes those at full size and averages 2x2 blocks, which equals an area resize). Use it
    in front of a ``Resize`` to a fixed ``scale`` no larger than ``min_size``; the result differs
    from decoding at full size by the JPEG's scaled decode (see ``docs/results/benchmark.md``), and
    by nothing for a PNG followed by ``Resize(interpolation="area")``. Label maps are never read
    this way: they keep their size, and ``Resize`` brings them to the training size with nearest
    neighbour from the file's size, as without ``min_size``.

    Sets ``img``, ``img_shape`` (the decoded size), ``ori_shape`` (the file's size, also when
    reduced) and ``decode_reduction`` (the factor, 1 at full size).

    Args:
        color_type: ``"color"`` (BGR, as cv2 reads it) or ``"grayscale"``. Defaults to ``"color"``.
        min_size: ``(width, height)``, OpenCV's order as ``Resize``'s ``scale``: decode at a
            reduced size that is at least this. Defaults to None (always full size).
    """

    def __init__(self, color_type: str = "color", min_size: Sequence[int] | None = None) -> None:
        flags = {"color": cv2.IMREAD_COLOR, "grayscale": cv2.IMREAD_GRAYSCALE}
        if color_type not in flags:
            raise ValueError(f"LoadImageFromFile: color_type must be one of {sorted(flags)}, got {color_type!r}")
        self.flag = flags[color_type]
        if min_size is not None and (len(min_size) != 2 or min(int(v) for v in min_size) < 1):
            raise ValueError(f"LoadImageFromFile: min_size must be (width, height) >= 1, got {min_size!r}")
        self.min_size = None if min_size is None else (int(min_size[0]), int(min_size[1]))

    def __call__(self, results: dict) -> dict:
        image, file_size, factor = read_image_reduced(results["img_path"], self.flag, self.min_size)
        results["img"] = image
        results["ori_shape"] = tuple(file_size)
        results["img_shape"] = image.shape[:2]
        results["decode_reduction"] = factor
        return results


@TRANSFORMS.register_module()
class LoadSegMap:
    """Read ``results["seg_path"]`` into ``results["gt_seg"]`` (``H x W`` uint8 train ids).

    If the dataset put a lookup table in ``results["label_lut"]`` (raw label value -> train id, 255
    for ignored), it is applied here by :func:`apply_label_lut`, which fails on any value the table
    does not define (beyond the table, or a negative entry: GTA5 and Cityscapes use strict tables,
    see :func:`~dareg.datasets.cityscapes_labels.cityscapes_label_map`), naming the file, the
    values and the label map (``results["label_map"]``). Values the map defines as void become 255
    as before; a value it does not know at all means a wrong kind of label file, which would
    otherwise train on "ignore" everywhere with a loss of 0.

    With a class count (``num_classes`` here, or ``results["num_classes"]``, which dareg's datasets
    set from their classes), the train ids are checked after the lookup table: any value outside
    ``[0, num_classes)`` other than ``ignore_index`` raises a ``ValueError`` naming the file and the
    values (a wrong label conversion otherwise trains silently, or fails deep inside the loss with
    a CUDA assert).

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
            label = apply_label_lut(label, lut, results["seg_path"], results.get("label_map"))
        label = label.astype(np.uint8) if label.max(initial=0) <= 255 else label
        num_classes = self.num_classes if self.num_classes is not None else results.get("num_classes")
        if num_classes is not None:
            check_label_range(label, int(num_classes), self.ignore_index, results["seg_path"])
        results["gt_seg"] = label
        results["gt_seg_shape"] = label.shape[:2]
        return results
