"""Building MNIST-M from MNIST and a folder of background photos, the way the original was built.

MNIST-M (Ganin & Lempitsky, ICML 2015; Ganin et al., JMLR 2016) blends each MNIST digit over a patch
of a colour photo. Facts of the widely used construction script (``create_mnistm.py`` of the
tf-dann reference, whose output matches the released set):

* backgrounds: the 200 *training* photos of BSDS500 (``BSR/BSDS500/data/images/train/*.jpg``);
* per digit: one background photo drawn at random, a random 28x28 window of it;
* the digit is binarised (``pixel > 0`` -> 255, else 0) and made three-channel;
* the result is the per-channel absolute difference ``|patch - digit|`` as uint8 (a difference
  blend: the digit appears as the inverted photo);
* a ``RandomState(42)`` drives the choice of photos.

The layout written is the one of the released MNIST-M archive and of
:class:`~dareg.datasets.digits.mnistm.MNISTMDataset`: ``mnist_m_train/00000000.png`` ... and
``mnist_m_train_labels.txt`` with lines ``"00000000.png 5"`` (likewise for ``test``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence

import cv2
import numpy as np

#: Image file extensions accepted as background photos.
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")

MNISTM_SPLITS = ("train", "test")


def binarise_digit(digit: np.ndarray, threshold: int = 0) -> np.ndarray:
    """Boolean ink mask of a white-on-black uint8 digit: ``digit > threshold`` (reference: 0)."""
    return np.asarray(digit) > threshold


def blend_digit(digit: np.ndarray, patch: np.ndarray, threshold: int = 0) -> np.ndarray:
    """Difference-blend a digit over a photo patch: ``|patch - 255 * binarised digit|`` per channel.

    Args:
        digit: ``H x W`` uint8 digit, white on black.
        patch: ``H x W x 3`` uint8 photo patch (any channel order; the blend is per channel).
        threshold: Pixels above it count as ink. Defaults to 0 (the reference).

    Returns:
        ``H x W x 3`` uint8 image, in the patch's channel order.

    Examples:
        >>> digit = np.array([[0, 200]], np.uint8)
        >>> patch = np.array([[[10, 20, 30], [10, 20, 30]]], np.uint8)
        >>> blend_digit(digit, patch).tolist()
        [[[10, 20, 30], [245, 235, 225]]]
    """
    if digit.shape != patch.shape[:2]:
        raise ValueError(f"digit {digit.shape} and patch {patch.shape[:2]} must have the same height and width")
    ink = binarise_digit(digit, threshold).astype(np.int16)[..., None] * 255
    return np.abs(patch.astype(np.int16) - ink).astype(np.uint8)


def random_patch(photo: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A random ``size x size`` window of ``photo`` (every position equally likely)."""
    height, width = photo.shape[:2]
    if height < size or width < size:
        raise ValueError(f"A background photo of {height}x{width} is smaller than the {size}x{size} patch")
    top = int(rng.integers(0, height - size + 1))
    left = int(rng.integers(0, width - size + 1))
    return photo[top : top + size, left : left + size]


def blend_with_photos(
    digits: np.ndarray,
    photos: Sequence[np.ndarray],
    rng: np.random.Generator,
    threshold: int = 0,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> np.ndarray:
    """MNIST-M-style images for a stack of digits: each over a random patch of a random photo.

    Args:
        digits: ``N x H x W`` uint8 digits, white on black.
        photos: Colour photos ``h x w x 3`` uint8, at least ``H x W``.
        rng: The generator choosing photos and windows.
        threshold: Binarisation threshold (see :func:`binarise_digit`). Defaults to 0.
        progress: Wraps the loop over digits (e.g. ``tqdm``). Defaults to None.

    Returns:
        ``N x H x W x 3`` uint8 images.
    """
    if not photos:
        raise ValueError("blend_with_photos needs at least one background photo")
    size = digits.shape[1]
    if digits.shape[1] != digits.shape[2]:
        raise ValueError(f"Digits must be square, got {digits.shape[1:]}")
    out = np.empty((*digits.shape, 3), np.uint8)
    steps = range(len(digits))
    for index in progress(steps) if progress else steps:
        photo = photos[int(rng.integers(len(photos)))]
        out[index] = blend_digit(digits[index], random_patch(photo, size, rng), threshold)
    return out


def load_photos(folder: str, min_size: int = 28) -> list[np.ndarray]:
    """Read every photo in ``folder`` (sorted by name, BGR uint8), e.g. BSDS500's training images."""
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"Background folder not found: {folder}. MNIST-M uses the 200 training photos of BSDS500: "
            "download BSR_bsds500.tgz (https://www2.eecs.berkeley.edu/Research/Projects/CS/vision/grouping/"
            "resources.html), extract it and pass BSR/BSDS500/data/images/train."
        )
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(PHOTO_EXTENSIONS))
    photos = []
    for name in names:
        photo = cv2.imread(os.path.join(folder, name), cv2.IMREAD_COLOR)
        if photo is None:
            raise ValueError(f"Cannot decode background photo {os.path.join(folder, name)}")
        if min(photo.shape[:2]) >= min_size:
            photos.append(photo)
    if not photos:
        raise FileNotFoundError(
            f"No usable photos ({', '.join(PHOTO_EXTENSIONS)}, at least {min_size}x{min_size}) in {folder}"
        )
    return photos


def write_mnistm_split(out_root: str, split: str, images: np.ndarray, labels: np.ndarray) -> None:
    """Write one split in the released layout: ``mnist_m_<split>/<8 digits>.png`` + label list."""
    folder = os.path.join(out_root, f"mnist_m_{split}")
    os.makedirs(folder, exist_ok=True)
    lines = []
    for index, (image, label) in enumerate(zip(images, labels)):
        name = f"{index:08d}.png"
        if not cv2.imwrite(os.path.join(folder, name), image):
            raise OSError(f"Could not write {os.path.join(folder, name)}")
        lines.append(f"{name} {int(label)}\n")
    with open(os.path.join(out_root, f"mnist_m_{split}_labels.txt"), "w") as handle:
        handle.writelines(lines)


def build_mnistm(
    mnist_root: str,
    backgrounds: str,
    out_root: str,
    splits: Sequence[str] = MNISTM_SPLITS,
    seed: int = 42,
    threshold: int = 0,
    limit: int | None = None,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> dict[str, int]:
    """Build MNIST-M from the MNIST idx files under ``mnist_root`` and the photos in ``backgrounds``.

    Args:
        mnist_root: Folder with MNIST's idx files (see :class:`~dareg.datasets.digits.mnist.MNISTDataset`).
        backgrounds: Folder of background photos (BSDS500 ``images/train`` for the original).
        out_root: Output folder (the MNISTMDataset layout is written inside).
        splits: Which splits to build. Defaults to ``("train", "test")``.
        seed: Seed of the photo and window choices. Defaults to 42, the reference's seed (our
            generator differs, so the images are not bit-identical to the released set).
        threshold: Binarisation threshold. Defaults to 0 (the reference).
        limit: Build only the first ``limit`` digits of each split (quick checks). Defaults to None.
        progress: Wraps the per-digit loop (e.g. ``tqdm``). Defaults to None.

    Returns:
        The number of images written per split.
    """
    from dareg.datasets.digits.mnist import read_mnist_split

    photos = load_photos(backgrounds)
    counts = {}
    for split in splits:
        if split not in MNISTM_SPLITS:
            raise ValueError(f"Unknown MNIST-M split {split!r}; choose from {MNISTM_SPLITS}")
        digits, labels = read_mnist_split(mnist_root, split)
        if limit is not None:
            digits, labels = digits[:limit], labels[:limit]
        rng = np.random.default_rng([seed, MNISTM_SPLITS.index(split)])  # one stream per split
        images = blend_with_photos(digits, photos, rng, threshold, progress)
        write_mnistm_split(out_root, split, images, labels)
        counts[split] = len(labels)
    return counts
