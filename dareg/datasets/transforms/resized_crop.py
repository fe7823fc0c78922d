"""ImageNet-style crops for classification: random resized crop and centre crop (OpenCV based).

The ImageNet fine-tuning pipeline of the classification benchmarks (Transfer-Learning-Library,
``examples/domain_adaptation/image_classification/utils.py``: ``get_train_transform`` /
``get_val_transform``) is, for training, a square resize to 256 x 256, a random resized crop to
224 (area scale 0.08-1, aspect ratio 3/4-4/3) and a horizontal flip; for evaluation, the same
resize and a 224 centre crop. :class:`RandomResizedCrop` draws its window exactly as torchvision's
``RandomResizedCrop.get_params`` does (ten attempts, log-uniform aspect ratio, a centred fallback),
from the sample's generator ``results["rng"]``, so a sample's crop is a function of its stream
position (see :mod:`dareg.datasets.samplers`) and a resumed run sees the same crops.

Classification items carry no label maps, so these transforms change the image only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from dareg.datasets.transforms.common import get_rng
from dareg.datasets.transforms.geometric import _interpolation, resize_image
from dareg.registry import TRANSFORMS


def _pair(size: int | Sequence[int]) -> tuple[int, int]:
    return (int(size), int(size)) if isinstance(size, int) else (int(size[0]), int(size[1]))


def _check_range(name: str, values: Sequence[float]) -> tuple[float, float]:
    low, high = float(values[0]), float(values[1])
    if not 0 < low <= high:
        raise ValueError(f"RandomResizedCrop: {name} must be (low, high) with 0 < low <= high, got {tuple(values)}")
    return low, high


def random_resized_window(
    height: int,
    width: int,
    rng: np.random.Generator,
    scale: tuple[float, float] = (0.08, 1.0),
    ratio: tuple[float, float] = (3 / 4, 4 / 3),
) -> tuple[int, int, int, int]:
    """``(top, left, crop_height, crop_width)`` of a random crop, as torchvision's ``get_params``.

    Up to ten times: draw an area fraction uniformly in ``scale`` and an aspect ratio (width /
    height) log-uniformly in ``ratio``; take the first window that fits, at a uniform position.
    Otherwise fall back to the largest centred window whose aspect ratio is clamped to ``ratio``.

    Examples:
        >>> random_resized_window(100, 50, np.random.default_rng(0), scale=(1.0, 1.0), ratio=(1.0, 1.0))
        (25, 0, 50, 50)
    """
    area = height * width
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        target_area = area * rng.uniform(scale[0], scale[1])
        aspect = math.exp(rng.uniform(log_ratio[0], log_ratio[1]))
        crop_w = int(round(math.sqrt(target_area * aspect)))
        crop_h = int(round(math.sqrt(target_area / aspect)))
        if 0 < crop_w <= width and 0 < crop_h <= height:
            top = int(rng.integers(0, height - crop_h + 1))
            left = int(rng.integers(0, width - crop_w + 1))
            return top, left, crop_h, crop_w
    in_ratio = width / height
    if in_ratio < min(ratio):
        crop_w, crop_h = width, int(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        crop_w, crop_h = int(round(height * max(ratio))), height
    else:
        crop_w, crop_h = width, height
    return (height - crop_h) // 2, (width - crop_w) // 2, crop_h, crop_w


@TRANSFORMS.register_module()
class RandomResizedCrop:
    """Crop a random window (area and aspect ratio drawn per sample) and resize it to ``size``.

    Args:
        size: ``(height, width)`` of the output; an int gives a square. Defaults to 224.
        scale: Range of the window's area as a fraction of the image's. Defaults to ``(0.08, 1.0)``.
        ratio: Range of the window's aspect ratio (width / height). Defaults to ``(3/4, 4/3)``.
        interpolation: Interpolation of the resize. Defaults to ``"bilinear"``.
        antialias: Shrink with area averaging, as PIL does (torchvision's pipelines on PIL images).
            Defaults to True.

    Examples:
        >>> crop = RandomResizedCrop(size=8)
        >>> out = crop({"img": np.zeros((20, 30, 3), np.uint8), "rng": np.random.default_rng(0)})
        >>> out["img"].shape, out["img_shape"]
        ((8, 8, 3), (8, 8))
    """

    def __init__(
        self,
        size: int | Sequence[int] = 224,
        scale: Sequence[float] = (0.08, 1.0),
        ratio: Sequence[float] = (3 / 4, 4 / 3),
        interpolation: str = "bilinear",
        antialias: bool = True,
    ) -> None:
        self.size = _pair(size)
        self.scale = _check_range("scale", scale)
        if self.scale[1] > 1:
            raise ValueError(f"RandomResizedCrop: scale is a fraction of the image's area, at most 1, got {scale}")
        self.ratio = _check_range("ratio", ratio)
        self.interpolation = _interpolation(interpolation)
        self.antialias = antialias

    def __call__(self, results: dict) -> dict:
        height, width = results["img"].shape[:2]
        top, left, crop_h, crop_w = random_resized_window(height, width, get_rng(results), self.scale, self.ratio)
        window = results["img"][top : top + crop_h, left : left + crop_w]
        out_h, out_w = self.size
        results["img"] = resize_image(window, (out_w, out_h), self.interpolation, self.antialias)
        results["img_shape"] = results["img"].shape[:2]
        results["crop_window"] = (top, left, crop_h, crop_w)
        return results


@TRANSFORMS.register_module()
class CenterCrop:
    """Crop the central ``(height, width)`` window (torchvision's rounding of the offsets).

    Args:
        size: ``(height, width)`` of the crop; an int gives a square. Defaults to 224.

    Examples:
        >>> image = np.arange(36, dtype=np.uint8).reshape(6, 6)
        >>> CenterCrop(size=2)({"img": image})["img"].tolist()
        [[14, 15], [20, 21]]
    """

    def __init__(self, size: int | Sequence[int] = 224) -> None:
        self.size = _pair(size)

    def __call__(self, results: dict) -> dict:
        crop_h, crop_w = self.size
        height, width = results["img"].shape[:2]
        if height < crop_h or width < crop_w:
            raise ValueError(
                f"CenterCrop of {self.size} does not fit an image of {(height, width)} "
                f"({results.get('img_path', 'in memory')}): resize it first (e.g. Resize(scale=(256, 256)))."
            )
        top = int(round((height - crop_h) / 2.0))
        left = int(round((width - crop_w) / 2.0))
        results["img"] = results["img"][top : top + crop_h, left : left + crop_w]
        results["img_shape"] = results["img"].shape[:2]
        return results
