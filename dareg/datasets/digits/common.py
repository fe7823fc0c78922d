"""What every digit dataset shares: one scaling convention, channel conversion, fixed subsets.

The scaling convention (the same for every domain and reader): images are ``uint8`` on 0..255, grey
images ``H x W``, colour images ``H x W x 3`` in BGR order (as OpenCV reads files everywhere in
dareg), and MNIST-like digits are white on black. Normalisation happens once, on the device, in
``DomainDataPreprocessor``, identically for all domains. ADDA is known to collapse to ~11% accuracy
when one domain arrives in [0, 1] and the other in [0, 255]; a single convention rules that out.

The paper protocol for MNIST <-> USPS (ADDA, Tzeng et al. 2017, after Long et al. 2013) trains on a
fixed random subset of 2,000 MNIST and 1,800 USPS images: ``subset_size`` with a ``subset_seed``
draws the same subset every time.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from dareg.datasets.base import BaseImageDataset

#: Class names of the ten digits, index = digit.
DIGIT_CLASSES: tuple[str, ...] = tuple(str(digit) for digit in range(10))

#: Default pipeline of the in-memory digit datasets: images are already arrays.
DEFAULT_DIGIT_PIPELINE: tuple[dict, ...] = (dict(type="PackInputs"),)


def convert_channels(images: np.ndarray, channels: int | None) -> np.ndarray:
    """Convert a stack of images (``N x H x W`` grey or ``N x H x W x 3`` BGR) to ``channels`` channels.

    Grey to colour repeats the grey value in all three channels (MNIST "made RGB" for PixelDA);
    colour to grey uses OpenCV's luma weights (how ADDA turns SVHN grey). ``None`` keeps the images.

    Examples:
        >>> convert_channels(np.full((2, 4, 4), 7, np.uint8), 3).shape
        (2, 4, 4, 3)
        >>> convert_channels(np.full((2, 4, 4, 3), 7, np.uint8), 1)[0, 0, 0]
        np.uint8(7)
    """
    if channels is None:
        return images
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 (grey), 3 (BGR) or None (keep), got {channels!r}")
    is_grey = images.ndim == 3
    if channels == 1 and not is_grey:
        return np.stack([cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) for image in images])
    if channels == 3 and is_grey:
        return np.repeat(images[..., None], 3, axis=-1)
    return images


def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Resize a stack of images to ``size x size`` (bilinear; area when shrinking)."""
    if images.shape[1:3] == (size, size):
        return images
    shrinking = images.shape[1] > size
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return np.stack([cv2.resize(image, (size, size), interpolation=interpolation) for image in images])


def fixed_subset(num_samples: int, subset_size: int | None, seed: int) -> np.ndarray:
    """Sorted indices of a fixed random subset of ``subset_size`` samples (all when None).

    Examples:
        >>> fixed_subset(10, 3, seed=0).tolist() == fixed_subset(10, 3, seed=0).tolist()
        True
        >>> fixed_subset(4, None, seed=0).tolist()
        [0, 1, 2, 3]
    """
    if subset_size is None:
        return np.arange(num_samples)
    if not 0 < subset_size <= num_samples:
        raise ValueError(f"subset_size={subset_size} must be in 1..{num_samples} (the size of the split)")
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(num_samples, size=subset_size, replace=False))


class InMemoryDigitsDataset(BaseImageDataset):
    """Base class of the digit datasets: the whole split is read into memory as uint8 arrays.

    Subclasses implement :meth:`load_arrays` (images ``N x H x W`` or ``N x H x W x 3`` uint8 on
    0..255, labels ``N`` in 0..9) and :meth:`check_data_root`. This class applies the fixed subset
    and the channel conversion, and makes one ``{"img", "gt_label"}`` item per sample. Resize to the
    model's input size with a ``Resize`` transform in the pipeline.

    Args:
        data_root: Folder holding the dataset's files. Defaults to ``""``.
        split: ``"train"`` or ``"test"``. Defaults to ``"train"``.
        channels: 1 (grey), 3 (BGR) or None (the files' own). Defaults to None.
        subset_size: Use a fixed random subset of this many samples (paper protocols). Defaults to
            None (the whole split).
        subset_seed: Seed of the subset. Defaults to 0.
        pipeline: Transforms. Defaults to ``[dict(type="PackInputs")]``.
        **kwargs: Forwarded to :class:`~dareg.datasets.base.BaseImageDataset`.
    """

    METAINFO = {"classes": DIGIT_CLASSES}
    #: Splits the dataset has.
    SPLITS: tuple[str, ...] = ("train", "test")

    def __init__(
        self,
        data_root: str = "",
        split: str = "train",
        channels: int | None = None,
        subset_size: int | None = None,
        subset_seed: int = 0,
        pipeline: Sequence[dict] | None = None,
        **kwargs: Any,
    ) -> None:
        if split not in self.SPLITS:
            raise ValueError(f"{type(self).__name__}: split must be one of {self.SPLITS}, got {split!r}")
        if channels not in (None, 1, 3):
            raise ValueError(f"{type(self).__name__}: channels must be 1, 3 or None, got {channels!r}")
        self.split = split
        self.channels = channels
        self.subset_size = subset_size
        self.subset_seed = subset_seed
        kwargs.setdefault("serialize_data", False)
        pipeline = list(pipeline) if pipeline is not None else [dict(t) for t in DEFAULT_DIGIT_PIPELINE]
        super().__init__(pipeline=pipeline, data_root=data_root, **kwargs)

    def load_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Read the split: ``(images uint8, labels int64)``."""
        raise NotImplementedError

    def path(self, name: str) -> str:
        """A file's path under the data root."""
        return os.path.join(self.data_root or "", name)

    def load_data_list(self) -> list[dict]:
        images, labels = self.load_arrays()
        check_arrays(images, labels, type(self).__name__, self.data_root)
        keep = fixed_subset(len(labels), self.subset_size, self.subset_seed)
        images = convert_channels(images[keep], self.channels)
        return [
            {"img": image, "gt_label": int(label), "ori_shape": image.shape[:2], "img_shape": image.shape[:2]}
            for image, label in zip(images, labels[keep])
        ]


def check_arrays(images: np.ndarray, labels: np.ndarray, name: str, where: str) -> None:
    """Fail unless ``images``/``labels`` follow the convention (uint8 images, labels 0..9, same count)."""
    if images.dtype != np.uint8 or images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] != 3):
        raise ValueError(
            f"{name} ({where}): images must be uint8 N x H x W or N x H x W x 3, got {images.dtype} {images.shape}"
        )
    if len(images) != len(labels):
        raise ValueError(f"{name} ({where}): {len(images)} images but {len(labels)} labels")
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{name} ({where}): labels must be digits 0..9, found {labels.min()}..{labels.max()}")
