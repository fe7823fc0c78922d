"""MNIST from its idx files (LeCun, Cortes & Burges), gzipped or not.

Format (http://yann.lecun.com/exdb/mnist/): big-endian; an image file starts with the magic number
2051 (``0x00000803``: unsigned bytes, 3 dimensions), then the count, rows and columns as int32,
then ``count x 28 x 28`` bytes, 0 = background, 255 = ink (white digit on black). A label file
starts with 2049 (``0x00000801``) and the count, then one byte per label.
Splits: 60,000 training images (``train-*``), 10,000 test images (``t10k-*``).
ADDA's MNIST <-> USPS protocol trains on a fixed random subset of 2,000 MNIST images
(``subset_size=2000``).
"""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np

from dareg.datasets.digits.common import InMemoryDigitsDataset
from dareg.registry import DATASETS

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
#: Sub-folders searched after the data root itself: torchvision's download layout (``MNIST/raw``).
MNIST_SUBDIRS = ("", os.path.join("MNIST", "raw"))
MNIST_SOURCE = (
    "Download the four files from http://yann.lecun.com/exdb/mnist/ (mirror: "
    "https://ossci-datasets.s3.amazonaws.com/mnist/); gzipped or extracted both work."
)


def find_file(root: str, name: str) -> str | None:
    """``root/name`` or ``root/name.gz``, whichever exists (the plain file first)."""
    for candidate in (name, f"{name}.gz"):
        path = os.path.join(root, candidate)
        if os.path.isfile(path):
            return path
    return None


def read_bytes(path: str) -> bytes:
    """A file's bytes, decompressed if it ends in ``.gz``."""
    if path.endswith(".gz"):
        try:
            with gzip.open(path, "rb") as handle:
                return handle.read()
        except (OSError, EOFError) as error:
            raise ValueError(f"{path} is not a valid gzip file ({error}); download it again.") from error
    with open(path, "rb") as handle:
        return handle.read()


def parse_idx(data: bytes, path: str, magic: int, ndim: int) -> np.ndarray:
    """Parse an idx file of unsigned bytes with ``ndim`` dimensions, checking its header and size."""
    header = 4 + 4 * ndim
    found_magic = struct.unpack(">I", data[:4])[0] if len(data) >= 4 else None
    if found_magic != magic:
        raise ValueError(
            f"{path} is not an MNIST idx file with {ndim} dimension(s): magic number {found_magic}, expected "
            f"{magic}. Are images and labels swapped, or is the file an HTML error page?"
        )
    if len(data) < header:
        raise ValueError(f"{path} is too short to be an idx file ({len(data)} bytes)")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = int(np.prod(shape))
    if len(data) - header != expected:
        raise ValueError(f"{path}: header says {shape} = {expected} bytes, file holds {len(data) - header}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def read_mnist_split(root: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Read one MNIST split: ``(N x 28 x 28 uint8 images, N int64 labels)``."""
    paths = find_mnist_files(root, split)
    if paths is None:
        raise FileNotFoundError(mnist_layout_message(root, split))
    images = parse_idx(read_bytes(paths[0]), paths[0], IMAGES_MAGIC, 3)
    labels = parse_idx(read_bytes(paths[1]), paths[1], LABELS_MAGIC, 1).astype(np.int64)
    if len(images) != len(labels):
        raise ValueError(f"{paths[0]} holds {len(images)} images but {paths[1]} {len(labels)} labels")
    return images, labels


def find_mnist_files(root: str, split: str) -> tuple[str, str] | None:
    """Paths of a split's image and label files, in ``root`` or ``root/MNIST/raw`` (torchvision)."""
    for subdir in MNIST_SUBDIRS:
        paths = [find_file(os.path.join(root, subdir), name) for name in MNIST_FILES[split]]
        if None not in paths:
            return paths[0], paths[1]
    return None


def mnist_layout_message(root: str, split: str) -> str:
    """The error text for missing MNIST files: what is expected where, and where to get it."""
    image_name, label_name = MNIST_FILES[split]
    return (
        f"MNIST {split} files not found in {root!r}. Expected layout:\n"
        f"  {root}/{image_name}[.gz]\n  {root}/{label_name}[.gz]\n"
        f"(torchvision's {root}/MNIST/raw/ works too.) {MNIST_SOURCE}"
    )


@DATASETS.register_module()
class MNISTDataset(InMemoryDigitsDataset):
    """MNIST digits (28x28 grey, white on black, uint8 0..255) read from the idx files.

    Args:
        data_root: Folder holding ``train-images-idx3-ubyte[.gz]``, ``train-labels-idx1-ubyte[.gz]``,
            ``t10k-images-idx3-ubyte[.gz]`` and ``t10k-labels-idx1-ubyte[.gz]`` (directly, or in
            ``MNIST/raw/`` as torchvision downloads them). Defaults to ``"data/mnist"``.
        split: ``"train"`` (60,000) or ``"test"`` (10,000). Defaults to ``"train"``.
        channels: 1, or 3 to repeat the grey image (PixelDA's "MNIST made RGB"). Defaults to None (1).
        subset_size: Fixed random subset (2,000 in ADDA's MNIST <-> USPS protocol). Defaults to None.
        subset_seed: Seed of the subset. Defaults to 0.
        pipeline: Transforms; add ``dict(type="Resize", scale=(32, 32))`` for 32x32 models. Defaults to
            ``[dict(type="PackInputs")]``.
        **kwargs: Forwarded to :class:`~dareg.datasets.digits.common.InMemoryDigitsDataset`.
    """

    def __init__(self, data_root: str = "data/mnist", split: str = "train", **kwargs) -> None:
        super().__init__(data_root=data_root, split=split, **kwargs)

    def check_data_root(self) -> None:
        if find_mnist_files(self.data_root, self.split) is None:
            raise FileNotFoundError(mnist_layout_message(self.data_root, self.split))

    def load_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return read_mnist_split(self.data_root, self.split)
