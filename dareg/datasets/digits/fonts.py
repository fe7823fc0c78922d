"""A sim-to-real digit pair that needs no download: font-rendered digits -> real handwriting.

This is the SynDigits -> SVHN (or GTA5 -> Cityscapes) situation in miniature: a source domain of
*rendered* images, as many as wanted, with exact labels, and a small target domain of *real* images
whose labels an unsupervised method never sees.

**Source domain** (:func:`render_font_digits`): each digit is drawn with one of OpenCV's eight
Hershey vector fonts (simplex, plain, duplex, complex, triplex, complex-small, script-simplex,
script-complex), upright or italic, with a random stroke thickness, scale, rotation and aspect
stretch, anti-aliased, on a large canvas. It is then framed MNIST-style: the ink's bounding box is
scaled to fit a 20x20 box (keeping the aspect ratio), and the box is placed in a 28x28 black frame so
that the centre of mass of the ink is at the centre (as MNIST centres its digits), plus a random
shift of up to ``max_shift`` pixels. White on black, grey, uint8 0..255. Every image is a function
of ``(seed, index)`` only, so a dataset of any size is deterministic and a larger one extends a
smaller one.

**Target domain** (:func:`handwritten_digits`): scikit-learn's 1,797 real handwritten digits (UCI
"optdigits", 43 writers; 8x8 counts of ink in 4x4 blocks of a 32x32 bitmap) framed MNIST-style by
:func:`~dareg.datasets.digits.embedded.mnist_like`, split per class at random (under ``seed``) into
disjoint train and test parts (60% / 40%: about 1,078 / 719 images).

The gap is the one of real sim-to-real pairs: clean, thin, regular strokes of a few typefaces
against blurry, thick, irregular handwriting by many writers. A plain LeNet trained on the fonts
reaches about half of what the same network reaches with target labels (``docs/results/``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from dareg.datasets.base import BaseImageDataset
from dareg.datasets.digits.common import DEFAULT_DIGIT_PIPELINE, DIGIT_CLASSES, convert_channels, resize_images
from dareg.datasets.digits.embedded import _require_sklearn, mnist_like, split_indices
from dareg.registry import DATASETS

#: OpenCV's Hershey faces (each may be combined with ``cv2.FONT_ITALIC``).
HERSHEY_FACES: tuple[int, ...] = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_PLAIN,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_COMPLEX_SMALL,
    cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
)
#: Fractions of each class's handwritten digits in (target train, target test).
HANDWRITTEN_SPLIT = (0.6, 0.4)
HANDWRITTEN_SPLITS = ("train", "test")
CANVAS = 28
DIGIT_BOX = 20
_DRAW_SIZE = 96  # side of the canvas a digit is drawn on before framing


@dataclass(frozen=True)
class FontStyle:
    """How one digit is drawn (all drawn at random from the image's own seed)."""

    face: int
    italic: bool
    thickness: int
    scale: float
    angle: float
    stretch: float
    shift: tuple[int, int]


def sample_style(rng: np.random.Generator, max_angle: float, max_shift: int) -> FontStyle:
    """Draw a :class:`FontStyle`: a face, italic with probability 1/2, thickness 1..4 (at 96 px),
    scale 1.4..2.4, rotation in ``[-max_angle, max_angle]`` degrees, horizontal stretch 0.75..1.25 and
    a shift of up to ``max_shift`` pixels in 28x28."""
    return FontStyle(
        face=int(HERSHEY_FACES[rng.integers(len(HERSHEY_FACES))]),
        italic=bool(rng.integers(2)),
        thickness=int(rng.integers(1, 5)),
        scale=float(rng.uniform(1.4, 2.4)),
        angle=float(rng.uniform(-max_angle, max_angle)),
        stretch=float(rng.uniform(0.75, 1.25)),
        shift=(int(rng.integers(-max_shift, max_shift + 1)), int(rng.integers(-max_shift, max_shift + 1))),
    )


def draw_digit(digit: int, style: FontStyle) -> np.ndarray:
    """Draw ``digit`` in ``style`` and frame it MNIST-style: ``28 x 28`` uint8, white on black."""
    font = style.face | (cv2.FONT_ITALIC if style.italic else 0)
    text = str(int(digit))
    # thickness scales with the glyph so that thin faces at a large scale do not look hairline
    thickness = max(1, int(round(style.thickness * style.scale / 1.6)))
    (width, height), baseline = cv2.getTextSize(text, font, style.scale, thickness)
    canvas = np.zeros((_DRAW_SIZE, _DRAW_SIZE), np.uint8)
    origin = ((_DRAW_SIZE - width) // 2, (_DRAW_SIZE + height) // 2)
    cv2.putText(canvas, text, origin, font, style.scale, 255, thickness, cv2.LINE_AA)
    centre = (_DRAW_SIZE / 2, _DRAW_SIZE / 2)
    warp = cv2.getRotationMatrix2D(centre, style.angle, 1.0)
    warp[0] *= style.stretch  # horizontal stretch about the centre
    warp[0, 2] += (1 - style.stretch) * centre[0]
    canvas = cv2.warpAffine(canvas, warp, (_DRAW_SIZE, _DRAW_SIZE), flags=cv2.INTER_LINEAR)
    return frame_mnist_style(canvas, style.shift)


def frame_mnist_style(ink: np.ndarray, shift: tuple[int, int] = (0, 0)) -> np.ndarray:
    """Fit the ink's bounding box into a 20x20 box and centre its mass in a 28x28 frame (+ ``shift``)."""
    rows, cols = np.nonzero(ink > 0)
    if len(rows) == 0:
        raise ValueError("frame_mnist_style: the image has no ink")
    crop = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].astype(np.float32)
    factor = DIGIT_BOX / max(crop.shape)
    size = (max(1, round(crop.shape[1] * factor)), max(1, round(crop.shape[0] * factor)))
    box = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    mass = box.sum()
    centre_y = (box.sum(axis=1) * np.arange(box.shape[0])).sum() / mass
    centre_x = (box.sum(axis=0) * np.arange(box.shape[1])).sum() / mass
    move = np.float32([[1, 0, CANVAS / 2 - 0.5 - centre_x + shift[0]], [0, 1, CANVAS / 2 - 0.5 - centre_y + shift[1]]])
    framed = cv2.warpAffine(box, move, (CANVAS, CANVAS), flags=cv2.INTER_LINEAR)
    return np.clip(np.rint(framed), 0, 255).astype(np.uint8)


def render_font_digits(
    num_samples: int, seed: int = 0, max_angle: float = 15.0, max_shift: int = 2
) -> tuple[np.ndarray, np.ndarray, list[FontStyle]]:
    """Render ``num_samples`` digits: images ``N x 28 x 28`` uint8, labels ``N``, and each style.

    Labels cycle 0..9 in a permuted order per block of ten, so every class has ``N // 10`` or one more
    images. Image ``i`` depends only on ``(seed, i)``.

    Examples:
        >>> images, labels, styles = render_font_digits(20, seed=3)
        >>> images.shape, images.dtype, sorted(set(labels.tolist())) == list(range(10))
        ((20, 28, 28), dtype('uint8'), True)
    """
    if num_samples < 1:
        raise ValueError(f"render_font_digits: num_samples must be positive, got {num_samples}")
    images = np.empty((num_samples, CANVAS, CANVAS), np.uint8)
    labels = np.empty(num_samples, np.int64)
    styles = []
    for index in range(num_samples):
        block = np.random.default_rng([seed, index // 10, 0]).permutation(10)
        labels[index] = block[index % 10]
        style = sample_style(np.random.default_rng([seed, index, 1]), max_angle, max_shift)
        images[index] = draw_digit(int(labels[index]), style)
        styles.append(style)
    return images, labels, styles


@functools.lru_cache(maxsize=8)
def _font_digits(num_samples: int, seed: int, image_size: int, channels: int) -> tuple[np.ndarray, np.ndarray]:
    images, labels, _ = render_font_digits(num_samples, seed)
    images = convert_channels(resize_images(images, image_size), channels)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


@functools.lru_cache(maxsize=8)
def handwritten_digits(
    split: str, seed: int = 0, image_size: int = 28, channels: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """One split of scikit-learn's handwritten digits, framed MNIST-style (cached, read-only arrays)."""
    if split not in HANDWRITTEN_SPLITS:
        raise ValueError(f"handwritten_digits: split must be one of {HANDWRITTEN_SPLITS}, got {split!r}")
    digits = _require_sklearn().load_digits()
    labels = digits.target.astype(np.int64)
    indices = split_indices(labels, seed, HANDWRITTEN_SPLIT)[HANDWRITTEN_SPLITS.index(split)]
    images = convert_channels(resize_images(mnist_like(digits.images[indices]), image_size), channels)
    labels = labels[indices]
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def _digit_items(images: np.ndarray, labels: np.ndarray) -> list[dict]:
    shape = images.shape[1:3]
    return [
        {"img": images[index], "gt_label": int(labels[index]), "ori_shape": shape, "img_shape": shape}
        for index in range(len(labels))
    ]


class _GeneratedDigitsDataset(BaseImageDataset):
    """What the two datasets of the pair share: arrays built in memory, image size and channels."""

    METAINFO = {"classes": DIGIT_CLASSES}

    embedded_data = True

    def __init__(self, image_size: int, channels: int, pipeline: Sequence[dict] | None, **kwargs: Any) -> None:
        if channels not in (1, 3):
            raise ValueError(f"{type(self).__name__}: channels must be 1 or 3, got {channels!r}")
        if int(image_size) < 8:
            raise ValueError(f"{type(self).__name__}: image_size must be at least 8, got {image_size!r}")
        self.image_size, self.channels = int(image_size), channels
        kwargs.setdefault("serialize_data", False)
        pipeline = list(pipeline) if pipeline is not None else [dict(t) for t in DEFAULT_DIGIT_PIPELINE]
        super().__init__(pipeline=pipeline, **kwargs)


@DATASETS.register_module()
class FontDigitsDataset(_GeneratedDigitsDataset):
    """Digits rendered with OpenCV's Hershey fonts, MNIST-style (the synthetic source; see the module).

    Items go through the pipeline as ``{"img": uint8 H x W (grey) or H x W x 3, "gt_label": int}``.

    Args:
        num_samples: How many digits to render. Defaults to 10,000.
        seed: Seed of the rendering; use different seeds for a training and a test set. Defaults to 0.
        image_size: Side of the square images. Defaults to 28.
        channels: 1 (grey) or 3 (the grey value repeated). Defaults to 1.
        pipeline: Transforms. Defaults to ``[dict(type="PackInputs")]``.
        **kwargs: Forwarded to :class:`~dareg.datasets.base.BaseImageDataset`.

    Examples:
        >>> data = FontDigitsDataset(num_samples=30, seed=1)
        >>> data[0]["inputs"].shape, len(data)
        (torch.Size([1, 28, 28]), 30)
    """

    def __init__(
        self,
        num_samples: int = 10000,
        seed: int = 0,
        image_size: int = 28,
        channels: int = 1,
        pipeline: Sequence[dict] | None = None,
        **kwargs: Any,
    ) -> None:
        if int(num_samples) < 1:
            raise ValueError(f"FontDigitsDataset: num_samples must be positive, got {num_samples!r}")
        self.num_samples, self.seed = int(num_samples), int(seed)
        super().__init__(image_size, channels, pipeline, **kwargs)

    def load_data_list(self) -> list[dict]:
        return _digit_items(*_font_digits(self.num_samples, self.seed, self.image_size, self.channels))


@DATASETS.register_module()
class HandwrittenDigitsDataset(_GeneratedDigitsDataset):
    """scikit-learn's real handwritten digits, MNIST-style, with disjoint train/test splits (the real target).

    Args:
        split: ``"train"`` (60% of each class) or ``"test"`` (the other 40%). Defaults to ``"train"``.
        seed: Seed of the split. Defaults to 0.
        image_size: Side of the square images. Defaults to 28.
        channels: 1 (grey) or 3. Defaults to 1.
        pipeline: Transforms. Defaults to ``[dict(type="PackInputs")]``.
        **kwargs: Forwarded to :class:`~dareg.datasets.base.BaseImageDataset`.

    Examples:
        >>> train, test = HandwrittenDigitsDataset(split="train"), HandwrittenDigitsDataset(split="test")
        >>> len(train) + len(test)
        1797
    """

    def __init__(
        self,
        split: str = "train",
        seed: int = 0,
        image_size: int = 28,
        channels: int = 1,
        pipeline: Sequence[dict] | None = None,
        **kwargs: Any,
    ) -> None:
        if split not in HANDWRITTEN_SPLITS:
            raise ValueError(f"HandwrittenDigitsDataset: split must be 'train' or 'test', got {split!r}")
        self.split, self.seed = split, int(seed)
        super().__init__(image_size, channels, pipeline, **kwargs)

    def load_data_list(self) -> list[dict]:
        return _digit_items(*handwritten_digits(self.split, self.seed, self.image_size, self.channels))
