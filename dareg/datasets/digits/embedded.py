"""A real digit adaptation pair that needs no download: scikit-learn's digits, plain and MNIST-M-style.

scikit-learn ships two real data sets this module builds on:

* ``sklearn.datasets.load_digits``: 1,797 handwritten digits (UCI "optdigits", 43 writers), 8x8
  images whose pixels count the ink in 4x4 blocks of a 32x32 bitmap (0..16);
* ``sklearn.datasets.load_sample_images``: two real photos (``china.jpg``, ``flower.jpg``, 427x640).

**Source domain** (MNIST-like): each digit scaled to 0..255, upscaled to 20x20 (bilinear) and
centred in a 28x28 black frame, as MNIST centres its digits in a 20x20 box of a 28x28 image: a white
digit on black, grey.

**Target domain** (MNIST-M-like, as in :mod:`~dareg.datasets.digits.mnistm_builder`): each digit,
binarised, difference-blended over a random 28x28 window of one of the two photos,
``|patch - 255 * (digit > threshold)|`` per channel. The upscaled 8x8 digits carry a soft halo
that MNIST's strokes do not, so the ink threshold is mid-grey (127) instead of the reference's 0;
stroke widths then look like MNIST-M's.

**Splits**: the digits are split per class at random (under ``seed``) into four disjoint parts, so
no target image shows a digit the source domain has seen, and no test image is a training image:
source train 40% / source test 10% / target train 25% / target test 25% (about 719 / 180 / 449 / 449).

**Sizes and channels**: ``image_size=28, channels=1`` is ADDA's LeNet setting (the target made grey
with OpenCV's luma weights); ``image_size=32, channels=3`` is PixelDA's (the source repeated in three
channels, both domains resized bilinearly from 28 to 32, as PixelDA resizes MNIST and MNIST-M).
Colour images are BGR, as everywhere in dareg; all images are uint8 on 0..255. The arrays are
built once per process and seed, in memory (about 4 MB).

To look at the pair: ``cv2.imwrite("pair.png", embedded_digits_preview())``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from dareg.datasets.base import BaseImageDataset
from dareg.datasets.digits.common import DEFAULT_DIGIT_PIPELINE, DIGIT_CLASSES, convert_channels, resize_images
from dareg.datasets.digits.mnistm_builder import blend_with_photos
from dareg.registry import DATASETS

#: Fractions of each class's digits in (source train, source test, target train, target test).
SPLIT_FRACTIONS = (0.4, 0.1, 0.25, 0.25)
PARTS = (("source", "train"), ("source", "test"), ("target", "train"), ("target", "test"))
#: Pixels of an upscaled source digit above this count as ink in the target blend.
INK_THRESHOLD = 127
DIGIT_BOX = 20
CANVAS = 28


def _require_sklearn() -> Any:
    try:
        from sklearn import datasets
    except ImportError as error:  # pragma: no cover - scikit-learn is a dev/docs dependency
        raise ImportError(
            "EmbeddedDigitsDataset builds its images from scikit-learn's bundled digits and photos: "
            "pip install scikit-learn"
        ) from error
    return datasets


def mnist_like(digits8x8: np.ndarray) -> np.ndarray:
    """Turn ``N x 8 x 8`` digits on 0..16 into ``N x 28 x 28`` uint8 MNIST-like images (20x20 box, centred)."""
    scaled = np.clip(digits8x8.astype(np.float32) * (255.0 / 16.0), 0, 255)
    pad = (CANVAS - DIGIT_BOX) // 2
    out = np.zeros((len(scaled), CANVAS, CANVAS), np.uint8)
    for index, digit in enumerate(scaled):
        box = cv2.resize(digit, (DIGIT_BOX, DIGIT_BOX), interpolation=cv2.INTER_LINEAR)
        out[index, pad : pad + DIGIT_BOX, pad : pad + DIGIT_BOX] = np.clip(np.rint(box), 0, 255).astype(np.uint8)
    return out


def split_indices(labels: np.ndarray, seed: int, fractions: Sequence[float] = SPLIT_FRACTIONS) -> list[np.ndarray]:
    """Disjoint, class-stratified random index sets, one per fraction (sorted)."""
    rng = np.random.default_rng([seed, 0])
    parts: list[list[int]] = [[] for _ in fractions]
    bounds = np.cumsum(fractions)
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        cuts = np.rint(bounds * len(members)).astype(int)
        for part, (start, stop) in enumerate(zip([0, *cuts[:-1]], cuts)):
            parts[part].extend(members[start:stop].tolist())
    return [np.sort(np.asarray(part, dtype=np.int64)) for part in parts]


@functools.lru_cache(maxsize=4)
def build_embedded_digits(seed: int = 0) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    """The four parts at 28x28: ``{(domain, split): (images, labels)}``; source grey, target BGR.

    Cached per seed; the returned arrays are read-only.
    """
    datasets = _require_sklearn()
    digits = datasets.load_digits()
    photos = [np.ascontiguousarray(photo[..., ::-1]) for photo in datasets.load_sample_images().images]  # RGB->BGR
    images = mnist_like(digits.images)
    labels = digits.target.astype(np.int64)
    parts = {}
    for (domain, split), indices in zip(PARTS, split_indices(labels, seed)):
        part_images = images[indices]
        if domain == "target":
            rng = np.random.default_rng([seed, 1, PARTS.index((domain, split))])
            part_images = blend_with_photos(part_images, photos, rng, threshold=INK_THRESHOLD)
        part_labels = labels[indices]
        part_images.setflags(write=False)
        part_labels.setflags(write=False)
        parts[(domain, split)] = (part_images, part_labels)
    return parts


@functools.lru_cache(maxsize=16)
def embedded_digits(
    domain: str, split: str, image_size: int = 28, channels: int | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """One part of the pair at the requested size and channels (cached, read-only arrays)."""
    if (domain, split) not in PARTS:
        raise ValueError(f"domain must be 'source' or 'target' and split 'train' or 'test', got {domain!r}, {split!r}")
    images, labels = build_embedded_digits(seed)[(domain, split)]
    images = convert_channels(resize_images(images, image_size), channels)
    images.setflags(write=False)
    return images, labels


def embedded_digits_preview(seed: int = 0, per_domain: int = 10, image_size: int = 28, scale: int = 3) -> np.ndarray:
    """A BGR grid: one column per digit class, source rows on top, target rows below.

    Shows ``per_domain`` // 10 (at least 1) examples per class and domain from the training splits.
    """
    rows_per_domain = max(1, per_domain // 10)
    rows = []
    for domain in ("source", "target"):
        images, labels = embedded_digits(domain, "train", image_size, 3, seed)
        for row in range(rows_per_domain):
            cells = [images[np.flatnonzero(labels == digit)[row]] for digit in range(10)]
            rows.append(np.concatenate(cells, axis=1))
        if domain == "source":
            rows.append(np.full((4, rows[-1].shape[1], 3), 128, np.uint8))  # grey separator
    grid = np.concatenate(rows, axis=0)
    return cv2.resize(grid, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)


@DATASETS.register_module()
class EmbeddedDigitsDataset(BaseImageDataset):
    """One domain and split of the embedded digit pair (see the module docstring); nothing to download.

    Items go through the pipeline as ``{"img": uint8 H x W (grey) or H x W x 3 (BGR), "gt_label": int}``.

    Args:
        domain: ``"source"`` (MNIST-like digits) or ``"target"`` (MNIST-M-like). Defaults to ``"source"``.
        split: ``"train"`` or ``"test"`` (disjoint). Defaults to ``"train"``.
        image_size: Side of the square images, 28 (LeNet) or 32 (PixelDA); any size >= 8 works.
            Defaults to 28.
        channels: 1 (grey) or 3 (BGR). Defaults to 1.
        seed: Seed of the split and of the photo patches: the same seed gives the same pair.
            Defaults to 0.
        pipeline: Transforms. Defaults to ``[dict(type="PackInputs")]``.
        **kwargs: Forwarded to :class:`~dareg.datasets.base.BaseImageDataset` (``indices`` ...).

    Examples:
        >>> data = EmbeddedDigitsDataset(domain="target", split="test", image_size=32, channels=3)
        >>> item = data[0]
        >>> item["inputs"].shape, item["inputs"].dtype, len(data) > 400
        (torch.Size([3, 32, 32]), torch.uint8, True)
    """

    METAINFO = {"classes": DIGIT_CLASSES}

    embedded_data = True

    def __init__(
        self,
        domain: str = "source",
        split: str = "train",
        image_size: int = 28,
        channels: int = 1,
        seed: int = 0,
        pipeline: Sequence[dict] | None = None,
        **kwargs: Any,
    ) -> None:
        if (domain, split) not in PARTS:
            raise ValueError(
                f"EmbeddedDigitsDataset: domain must be 'source' or 'target' and split 'train' or 'test', "
                f"got domain={domain!r}, split={split!r}"
            )
        if channels not in (1, 3):
            raise ValueError(f"EmbeddedDigitsDataset: channels must be 1 or 3, got {channels!r}")
        if int(image_size) < 8:
            raise ValueError(f"EmbeddedDigitsDataset: image_size must be at least 8, got {image_size!r}")
        self.domain, self.split = domain, split
        self.image_size, self.channels, self.seed = int(image_size), channels, int(seed)
        kwargs.setdefault("serialize_data", False)
        pipeline = list(pipeline) if pipeline is not None else [dict(t) for t in DEFAULT_DIGIT_PIPELINE]
        super().__init__(pipeline=pipeline, **kwargs)

    def load_data_list(self) -> list[dict]:
        images, labels = embedded_digits(self.domain, self.split, self.image_size, self.channels, self.seed)
        shape = images.shape[1:3]
        return [
            {"img": images[index], "gt_label": int(labels[index]), "ori_shape": shape, "img_shape": shape}
            for index in range(len(labels))
        ]
