"""MNIST-M (Ganin & Lempitsky, ICML 2015) from its released folder layout.

Layout of the released archive (``mnist_m.tar.gz``) and of ``tools/dataset_converters/make_mnistm.py``::

    mnist_m/
      mnist_m_train/00000000.png ...        59,001 RGB 28x28 PNGs
      mnist_m_train_labels.txt              lines "00000000.png 5"
      mnist_m_test/00000000.png ...         9,001 PNGs
      mnist_m_test_labels.txt

Images are read with OpenCV (BGR uint8 0..255, dareg's convention) into memory. PixelDA's
MNIST -> MNIST-M setting resizes them to 32x32 (``dict(type="Resize", scale=(32, 32))``).
"""

from __future__ import annotations

import os

import cv2
import numpy as np

from dareg.datasets.digits.common import InMemoryDigitsDataset
from dareg.registry import DATASETS

MNISTM_SOURCE = (
    "Get the released mnist_m.tar.gz (Ganin & Lempitsky, http://yaroslav.ganin.net/), or build it from MNIST and "
    "the BSDS500 training photos with: python tools/dataset_converters/make_mnistm.py MNIST_ROOT BSDS_TRAIN_DIR OUT"
)


def mnistm_layout_message(root: str, split: str) -> str:
    """The error text for missing MNIST-M files: what is expected where, and where to get it."""
    return (
        f"MNIST-M {split} data not found in {root!r}. Expected layout:\n"
        f"  {root}/mnist_m_{split}/00000000.png ...\n"
        f"  {root}/mnist_m_{split}_labels.txt   (lines '00000000.png 5')\n{MNISTM_SOURCE}"
    )


def read_label_list(path: str) -> list[tuple[str, int]]:
    """Parse a label list: one ``"<file name> <label>"`` per line (blank lines ignored)."""
    entries = []
    with open(path) as handle:
        for number, line in enumerate(handle, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2 or not fields[1].lstrip("-").isdigit():
                raise ValueError(f"{path}, line {number}: expected '<file name> <label>', got {line.strip()!r}")
            entries.append((fields[0], int(fields[1])))
    if not entries:
        raise ValueError(f"{path} lists no images")
    return entries


@DATASETS.register_module()
class MNISTMDataset(InMemoryDigitsDataset):
    """MNIST-M digits (28x28 colour, BGR uint8 0..255) from an image folder and its label list.

    Args:
        data_root: Folder holding ``mnist_m_{train,test}/`` and ``mnist_m_{train,test}_labels.txt``.
            Defaults to ``"data/mnist_m"``.
        split: ``"train"`` or ``"test"``. Defaults to ``"train"``.
        channels: 3, 1 (grey) or None (3). Defaults to None.
        subset_size: Fixed random subset. Defaults to None.
        subset_seed: Seed of the subset. Defaults to 0.
        pipeline: Transforms; add ``dict(type="Resize", scale=(32, 32))`` for PixelDA. Defaults to
            ``[dict(type="PackInputs")]``.
        **kwargs: Forwarded to :class:`~dareg.datasets.digits.common.InMemoryDigitsDataset`.
    """

    def __init__(self, data_root: str = "data/mnist_m", split: str = "train", **kwargs) -> None:
        super().__init__(data_root=data_root, split=split, **kwargs)

    @property
    def image_dir(self) -> str:
        """Folder of the split's images."""
        return self.path(f"mnist_m_{self.split}")

    @property
    def label_file(self) -> str:
        """The split's label list."""
        return self.path(f"mnist_m_{self.split}_labels.txt")

    def check_data_root(self) -> None:
        if not (os.path.isdir(self.image_dir) and os.path.isfile(self.label_file)):
            raise FileNotFoundError(mnistm_layout_message(self.data_root, self.split))

    def load_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        entries = read_label_list(self.label_file)
        images = []
        for name, _ in entries:
            path = os.path.join(self.image_dir, name)
            image = cv2.imread(path, cv2.IMREAD_COLOR)
            if image is None:
                reason = "missing" if not os.path.isfile(path) else "not a readable image"
                raise FileNotFoundError(f"{path} ({reason}) is listed in {self.label_file}")
            images.append(image)
        shapes = {image.shape for image in images}
        if len(shapes) > 1:
            raise ValueError(f"{self.image_dir}: images differ in size {sorted(shapes)}; MNIST-M images are 28x28")
        return np.stack(images), np.asarray([label for _, label in entries], dtype=np.int64)
