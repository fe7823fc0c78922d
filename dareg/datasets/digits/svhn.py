"""SVHN cropped digits (Netzer et al., 2011) from the ``*_32x32.mat`` files.

Format (http://ufldl.stanford.edu/housenumbers/, "Format 2"): MATLAB files with ``X``, a
``32 x 32 x 3 x N`` uint8 array of RGB images, and ``y``, ``N x 1`` labels 1..10 where **10 means
the digit 0**. Splits: ``train_32x32.mat`` (73,257), ``test_32x32.mat`` (26,032) and
``extra_32x32.mat`` (531,131).

The reader yields BGR uint8 images (dareg's convention, as OpenCV reads colour files) with labels
0..9. ADDA's SVHN -> MNIST setting feeds LeNet 28x28 grey images: ``channels=1`` (OpenCV's luma
weights) and ``dict(type="Resize", scale=(28, 28))`` in the pipeline. SVHN digits are not white on
black: they come in any colour on any background, which is part of the domain shift.
"""

from __future__ import annotations

import os

import numpy as np

from dareg.datasets.digits.common import InMemoryDigitsDataset
from dareg.registry import DATASETS

SVHN_SPLITS = ("train", "test", "extra")
SVHN_SOURCE = "Download train_32x32.mat / test_32x32.mat from http://ufldl.stanford.edu/housenumbers/ (Format 2)."


def svhn_layout_message(root: str, split: str) -> str:
    """The error text for a missing SVHN file: what is expected where, and where to get it."""
    return f"SVHN {split} file not found. Expected layout:\n  {root}/{split}_32x32.mat\n{SVHN_SOURCE}"


def read_svhn_mat(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Read a ``*_32x32.mat`` file: ``(N x 32 x 32 x 3 BGR uint8, N int64 labels 0..9)``."""
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    try:
        content = loadmat(path)
    except (MatReadError, ValueError, OSError) as error:
        raise ValueError(f"{path} is not a readable MATLAB file ({error}); download it again.") from error
    if "X" not in content or "y" not in content:
        found = sorted(k for k in content if not k.startswith("__"))
        raise ValueError(f"{path} must hold 'X' (32x32x3xN) and 'y' (Nx1), found {found}")
    images, labels = content["X"], np.asarray(content["y"]).reshape(-1).astype(np.int64)
    if images.ndim != 4 or images.shape[2] != 3 or images.shape[3] != len(labels):
        raise ValueError(f"{path}: 'X' has shape {images.shape}, expected 32 x 32 x 3 x {len(labels)}")
    if len(labels) and (labels.min() < 1 or labels.max() > 10):
        raise ValueError(f"{path}: 'y' must hold labels 1..10 (10 = digit 0), found {labels.min()}..{labels.max()}")
    labels[labels == 10] = 0
    bgr = np.ascontiguousarray(images.transpose(3, 0, 1, 2)[..., ::-1]).astype(np.uint8)
    return bgr, labels


@DATASETS.register_module()
class SVHNDataset(InMemoryDigitsDataset):
    """SVHN digits (32x32 colour, BGR uint8 0..255, labels 0..9) from ``{split}_32x32.mat``.

    Args:
        data_root: Folder holding ``train_32x32.mat`` and ``test_32x32.mat`` (and optionally
            ``extra_32x32.mat``). Defaults to ``"data/svhn"``.
        split: ``"train"``, ``"test"`` or ``"extra"``. Defaults to ``"train"``.
        channels: 1 (grey, as ADDA feeds LeNet), 3 or None (3). Defaults to None.
        subset_size: Fixed random subset. Defaults to None (the full split, as in ADDA).
        subset_seed: Seed of the subset. Defaults to 0.
        pipeline: Transforms. Defaults to ``[dict(type="PackInputs")]``.
        **kwargs: Forwarded to :class:`~dareg.datasets.digits.common.InMemoryDigitsDataset`.
    """

    SPLITS = SVHN_SPLITS

    def __init__(self, data_root: str = "data/svhn", split: str = "train", **kwargs) -> None:
        super().__init__(data_root=data_root, split=split, **kwargs)

    @property
    def file_path(self) -> str:
        """Path of the split's ``.mat`` file."""
        return self.path(f"{self.split}_32x32.mat")

    def check_data_root(self) -> None:
        if not os.path.isfile(self.file_path):
            raise FileNotFoundError(svhn_layout_message(self.data_root, self.split))

    def load_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return read_svhn_mat(self.file_path)
