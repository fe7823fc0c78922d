"""Resizing, cropping and flipping images together with their label maps (OpenCV based)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import cv2
import numpy as np

from dareg.datasets.transforms.common import (
    SEG_KEYS,
    SEG_SIZE_KEPT,
    check_label_size,
    file_image_size,
    get_rng,
    label_size_mismatch,
)
from dareg.registry import TRANSFORMS

INTERPOLATIONS = {
    "nearest": cv2.INTER_NEAREST,
    "bilinear": cv2.INTER_LINEAR,
    "bicubic": cv2.INTER_CUBIC,
    "area": cv2.INTER_AREA,
    "lanczos": cv2.INTER_LANCZOS4,
}


def _interpolation(name: str) -> int:
    if name not in INTERPOLATIONS:
        raise ValueError(f"Unknown interpolation {name!r}; choose one of {sorted(INTERPOLATIONS)}")
    return INTERPOLATIONS[name]


def resize_image(image: np.ndarray, size: Sequence[int], interpolation: int, antialias: bool = False) -> np.ndarray:
    """Resize ``image`` to ``size = (width, height)``; with ``antialias``, shrink each axis by area averaging.

    OpenCV's bilinear (and bicubic) resize samples without a low-pass filter, so a large reduction
    aliases, whereas PIL, which torchvision's ImageNet pipelines and the reference classification
    code use, always filters. With ``antialias`` an axis that shrinks is resized with ``INTER_AREA``
    (box filtering) and an axis that grows with ``interpolation``, one axis after the other.

    Examples:
        >>> stripes = np.tile(np.array([0, 255], np.uint8), (4, 4))  # 4 x 8, one-pixel stripes
        >>> resize_image(stripes, (2, 4), cv2.INTER_LINEAR, antialias=True)[0].tolist()
        [128, 128]
    """
    width, height = int(size[0]), int(size[1])
    if not antialias:
        return cv2.resize(image, (width, height), interpolation=interpolation)
    old_height, old_width = image.shape[:2]
    if width != old_width:
        flag = cv2.INTER_AREA if width < old_width else interpolation
        image = cv2.resize(image, (width, old_height), interpolation=flag)
    if height != old_height:
        flag = cv2.INTER_AREA if height < old_height else interpolation
        image = cv2.resize(image, (width, height), interpolation=flag)
    return image


@TRANSFORMS.register_module()
class Resize:
    """Resize the image (``interpolation``) and, unless ``keep_seg``, its label maps (nearest).

    Without ``keep_seg`` image and labels end at the same size even if they differed (a warning names
    both files): the one place where a size mismatch is accepted, as the AdaptSegNet reference
    resizes the few GTA5 frames whose label differs in size. With ``keep_seg`` the label must have
    the image's size (it fails naming both files otherwise), and the sample is marked so that
    ``PackInputs`` accepts the sizes that now differ on purpose.

    Args:
        scale: Target ``(width, height)``, OpenCV's order (``(1280, 720)`` for GTA5). With
            ``keep_ratio`` the shorter side is resized to ``min(scale)`` instead.
        keep_ratio: Keep the aspect ratio. Defaults to False.
        interpolation: Image interpolation. Defaults to ``"bilinear"``.
        keep_seg: Leave label maps at their size (evaluation at full label resolution, with
            logits upsampled to the label). Defaults to False.
        antialias: Shrink the image with area averaging, as PIL (torchvision's ImageNet
            pipelines) does; see :func:`resize_image`. Defaults to False.

    After ``LoadImageFromFile(min_size=...)`` decoded the image at a reduced size, label maps are
    compared with, and ``keep_ratio`` sizes computed from, the file's size (``ori_shape``), so the
    output has the size, and the labels the values, of a full decode; put the ``Resize`` directly
    after the loaders then. An image already at the target size is left as it is (no copy).
    """

    def __init__(
        self,
        scale: Sequence[int],
        keep_ratio: bool = False,
        interpolation: str = "bilinear",
        keep_seg: bool = False,
        antialias: bool = False,
    ) -> None:
        self.scale = (int(scale[0]), int(scale[1]))
        self.keep_ratio = keep_ratio
        self.interpolation = _interpolation(interpolation)
        self.keep_seg = keep_seg
        self.antialias = antialias

    def target_size(self, height: int, width: int) -> tuple[int, int]:
        """``(width, height)`` for an image of the given size."""
        if not self.keep_ratio:
            return self.scale
        ratio = min(self.scale) / min(height, width)
        return max(1, round(width * ratio)), max(1, round(height * ratio))

    def __call__(self, results: dict) -> dict:
        file_size = file_image_size(results)  # labels match the file, also when the image was decoded reduced
        if self.keep_seg:
            check_label_size(
                results,
                "Resize(keep_seg=True)",
                "the prediction, upsampled to the label size, would be scored against labels of other pixels",
                file_size,
            )
            results[SEG_SIZE_KEPT] = True
        else:
            mismatch = label_size_mismatch(results, file_size)
            if mismatch is not None:
                width, height = self.target_size(*file_size)
                warnings.warn(f"Resize: {mismatch}; both are resized to {height}x{width}.", stacklevel=2)
        size = self.target_size(*file_size)  # keep_ratio: the size a full decode would get
        height, width = results["img"].shape[:2]
        if size != (width, height):  # cv2.resize to the same size would only copy
            results["img"] = resize_image(results["img"], size, self.interpolation, self.antialias)
        results["img_shape"] = results["img"].shape[:2]
        if not self.keep_seg:
            for key in SEG_KEYS:
                if key in results and tuple(results[key].shape[1::-1]) != size:
                    results[key] = cv2.resize(results[key], size, interpolation=cv2.INTER_NEAREST)
        return results


@TRANSFORMS.register_module()
class RandomCrop:
    """Crop a random ``(height, width)`` window from the image and its label maps.

    Image and label maps must have one size (it fails naming both files otherwise): the same window
    of two differently sized arrays holds different parts of the scene.

    With ``focus_min_pixels``, a sample drawn for a class by Rare Class Sampling (its
    ``results["focus_class"]``, set by :class:`~dareg.datasets.rare_class_sampling.RareClassSampler`)
    is re-cropped up to ``focus_max_recrops`` times until the window holds more than
    ``focus_min_pixels`` pixels of that class; the last window is kept otherwise (DAFormer
    uda_dataset.py:95-105, whose ``min_pixels * min_crop_ratio`` is 3000 * 0.5 = 1500). Samples
    without a focus class are cropped once.

    With ``cat_max_ratio``, a window is re-drawn up to 10 times while it holds a single labelled
    class, or while one class covers ``cat_max_ratio`` or more of its labelled pixels
    (``ignore_index`` pixels not counted); the last window is kept otherwise (mmseg 0.x
    ``RandomCrop``, which DAFormer's GTA5 and Cityscapes pipelines use with 0.75,
    uda_gta_to_cityscapes_512x512.py:10, 21). With both options, every focus re-crop draws its
    window this way, as DAFormer re-runs the whole pipeline for each.

    Args:
        size: ``(height, width)`` of the crop; an int gives a square.
        pad_if_needed: Pad smaller images (image with 0, labels with ``seg_pad_value``) instead
            of failing. Defaults to False.
        seg_pad_value: Label used for padding. Defaults to 255 (ignored).
        focus_min_pixels: Pixels of the focus class a window must exceed. Defaults to None (no
            re-cropping).
        focus_max_recrops: Re-crops after the first window. Defaults to 10 (DAFormer).
        cat_max_ratio: Largest share of the labelled pixels one class may cover, in (0, 1].
            Defaults to None (any window; 1.0 is the same).
        ignore_index: Label not counted by ``cat_max_ratio``. Defaults to 255.
    """

    def __init__(
        self,
        size: int | Sequence[int],
        pad_if_needed: bool = False,
        seg_pad_value: int = 255,
        focus_min_pixels: int | None = None,
        focus_max_recrops: int = 10,
        cat_max_ratio: float | None = None,
        ignore_index: int = 255,
    ) -> None:
        self.size = (int(size), int(size)) if isinstance(size, int) else (int(size[0]), int(size[1]))
        self.pad_if_needed = pad_if_needed
        self.seg_pad_value = seg_pad_value
        self.focus_min_pixels = None if focus_min_pixels is None else int(focus_min_pixels)
        self.focus_max_recrops = int(focus_max_recrops)
        if cat_max_ratio is not None and not 0.0 < cat_max_ratio <= 1.0:
            raise ValueError(f"RandomCrop: cat_max_ratio must be in (0, 1] or None, got {cat_max_ratio}")
        self.cat_max_ratio = None if cat_max_ratio is None or cat_max_ratio >= 1.0 else float(cat_max_ratio)
        self.ignore_index = ignore_index

    def _draw(self, rng: np.random.Generator, height: int, width: int) -> tuple[slice, slice]:
        top = int(rng.integers(0, height - self.size[0] + 1))
        left = int(rng.integers(0, width - self.size[1] + 1))
        return slice(top, top + self.size[0]), slice(left, left + self.size[1])

    def _mixed(self, label: np.ndarray) -> bool:
        """Whether a window's labels hold two classes or more, none covering ``cat_max_ratio`` of them."""
        classes, counts = np.unique(label, return_counts=True)
        counts = counts[classes != self.ignore_index]
        return len(counts) > 1 and counts.max() / counts.sum() < self.cat_max_ratio

    def _balanced_window(self, results: dict, rng: np.random.Generator, height: int, width: int) -> tuple:
        """A window, re-drawn up to 10 times while one class dominates it (mmseg 0.x ``RandomCrop``)."""
        window = self._draw(rng, height, width)
        if self.cat_max_ratio is None:
            return window
        for _ in range(10):
            if self._mixed(results["gt_seg"][window]):
                break
            window = self._draw(rng, height, width)
        return window

    def _window(self, results: dict, height: int, width: int) -> tuple[slice, slice]:
        """Draw the crop window, re-drawing for a focus class (see the class docstring)."""
        rng = get_rng(results)
        focus = results.get("focus_class")
        refocus = focus is not None and self.focus_min_pixels is not None and "gt_seg" in results
        tries = 1 + self.focus_max_recrops if refocus else 1
        for _ in range(tries):
            window = self._balanced_window(results, rng, height, width)
            if tries == 1 or int((results["gt_seg"][window] == focus).sum()) > self.focus_min_pixels:
                break
        return window

    def _pad(self, array: np.ndarray, value: int) -> np.ndarray:
        pad_h = max(0, self.size[0] - array.shape[0])
        pad_w = max(0, self.size[1] - array.shape[1])
        if not (pad_h or pad_w):
            return array
        widths = [(0, pad_h), (0, pad_w)] + [(0, 0)] * (array.ndim - 2)
        return np.pad(array, widths, constant_values=value)

    def __call__(self, results: dict) -> dict:
        check_label_size(results, "RandomCrop", "a crop would cut different regions of the two")
        if self.cat_max_ratio is not None and "gt_seg" not in results:
            raise KeyError(
                f"RandomCrop(cat_max_ratio={self.cat_max_ratio}) needs a label map to balance the crop, and "
                f"{results.get('img_path', 'this sample')} has none: load labels before the crop "
                "(LoadIndexedSegMap) or drop cat_max_ratio from this pipeline."
            )
        crop_h, crop_w = self.size
        if self.pad_if_needed:
            results["img"] = self._pad(results["img"], 0)
            for key in SEG_KEYS:
                if key in results:
                    results[key] = self._pad(results[key], self.seg_pad_value)
        height, width = results["img"].shape[:2]
        if height < crop_h or width < crop_w:
            raise ValueError(
                f"RandomCrop of {self.size} does not fit an image of {(height, width)} "
                f"({results.get('img_path', 'in memory')}): resize first or set pad_if_needed=True."
            )
        window = self._window(results, height, width)
        results["img"] = results["img"][window]
        for key in SEG_KEYS:
            if key in results:
                results[key] = results[key][window]
        results["img_shape"] = results["img"].shape[:2]
        return results


@TRANSFORMS.register_module()
class RandomFlip:
    """Flip the image and its label maps horizontally with probability ``prob``.

    Args:
        prob: Probability of flipping. Defaults to 0.5.
    """

    def __init__(self, prob: float = 0.5) -> None:
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f"RandomFlip: prob must be in [0, 1], got {prob}")
        self.prob = prob

    def __call__(self, results: dict) -> dict:
        flip = bool(get_rng(results).random() < self.prob)
        results["flip"] = flip
        if flip:
            results["img"] = np.ascontiguousarray(results["img"][:, ::-1])
            for key in SEG_KEYS:
                if key in results:
                    results[key] = np.ascontiguousarray(results[key][:, ::-1])
        return results
