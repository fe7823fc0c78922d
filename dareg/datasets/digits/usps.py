"""USPS handwritten digits (Hull 1994), 16x16 grey, from the two common distributions.

* ``zip.train`` / ``zip.test`` (optionally ``.gz``), as distributed with *The Elements of Statistical
  Learning* (Hastie, Tibshirani & Friedman): one digit per line, the label then 256 values in
  [-1, 1], row-major; -1 is background, 1 is ink. 7,291 training and 2,007 test digits.
* ``usps.h5`` (the Kaggle "USPS dataset" variant): HDF5 groups ``train`` and ``test``, each with
  ``data`` (``N x 256`` floats in [0, 1], 0 = background) and ``target`` (``N`` labels).

Both are mapped to dareg's one convention: uint8 on 0..255, white digit on black, like MNIST
(``(v + 1) / 2 * 255`` for the text files, ``v * 255`` for the HDF5 file, rounded). ADDA's
MNIST <-> USPS protocol trains on a fixed random subset of 1,800 USPS digits (``subset_size=1800``)
and resizes them to 28x28 (``dict(type="Resize", scale=(28, 28))`` in the pipeline).
"""

from __future__ import annotations

import os

import numpy as np

from dareg.datasets.digits.common import InMemoryDigitsDataset
from dareg.datasets.digits.mnist import find_file, read_bytes
from dareg.registry import DATASETS

USPS_SIZE = 16
USPS_FORMATS = ("auto", "text", "h5")
USPS_SOURCE = (
    "zip.train.gz / zip.test.gz: https://hastie.su.domains/ElemStatLearn/datasets/ (the ZIP code data); "
    "usps.h5: https://www.kaggle.com/datasets/bistaumanga/usps-dataset."
)


def usps_layout_message(root: str, split: str) -> str:
    """The error text for missing USPS files: what is expected where, and where to get it."""
    return (
        f"USPS {split} data not found in {root!r}. Expected either layout:\n"
        f"  {root}/zip.{split}[.gz]   (text: label then 256 values in [-1, 1] per line)\n"
        f"  {root}/usps.h5           (HDF5: {split}/data N x 256 in [0, 1], {split}/target N)\n"
        f"{USPS_SOURCE}"
    )


def to_uint8(values: np.ndarray, low: float, high: float, path: str) -> np.ndarray:
    """Map values on ``[low, high]`` to uint8 0..255, failing if they leave the range."""
    tolerance = 1e-3 * (high - low)
    if values.size and (values.min() < low - tolerance or values.max() > high + tolerance):
        raise ValueError(
            f"{path}: pixel values span {values.min():.3f}..{values.max():.3f}, expected {low}..{high}; "
            "is this the right file for its format?"
        )
    scaled = (values.astype(np.float64) - low) / (high - low) * 255.0
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def read_usps_text(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Read ``zip.train``/``zip.test``: ``(N x 16 x 16 uint8, N int64)``."""
    try:
        values = np.asarray(read_bytes(path).split(), dtype=np.float64)
    except ValueError as error:
        raise ValueError(f"{path} is not a USPS text file (non-numeric content: {error})") from error
    row = 1 + USPS_SIZE * USPS_SIZE
    if values.size == 0 or values.size % row:
        raise ValueError(f"{path}: {values.size} numbers is not a whole number of rows of {row} (label + 16x16)")
    values = values.reshape(-1, row)
    labels = values[:, 0]
    if np.any(labels != np.round(labels)):
        raise ValueError(f"{path}: the first value of each line must be an integer label")
    images = to_uint8(values[:, 1:], -1.0, 1.0, path).reshape(-1, USPS_SIZE, USPS_SIZE)
    return images, labels.astype(np.int64)


def read_usps_h5(path: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Read one split of ``usps.h5``: ``(N x 16 x 16 uint8, N int64)``."""
    try:
        import h5py
    except ImportError as error:  # pragma: no cover - h5py is a dev dependency
        raise ImportError(f"Reading {path} needs h5py: pip install h5py") from error
    with h5py.File(path, "r") as handle:
        if split not in handle or not {"data", "target"} <= set(handle[split]):
            raise ValueError(
                f"{path} has no '{split}/data' and '{split}/target'; found groups {sorted(handle)}. "
                "Expected the Kaggle usps.h5 layout (train/test groups with data and target)."
            )
        data = np.asarray(handle[split]["data"])
        labels = np.asarray(handle[split]["target"]).reshape(-1).astype(np.int64)
    if data.ndim != 2 or data.shape[1] != USPS_SIZE * USPS_SIZE:
        data = data.reshape(len(data), -1)
        if data.shape[1] != USPS_SIZE * USPS_SIZE:
            raise ValueError(f"{path}: '{split}/data' rows have {data.shape[1]} values, expected 256 (16x16)")
    return to_uint8(data, 0.0, 1.0, path).reshape(-1, USPS_SIZE, USPS_SIZE), labels


@DATASETS.register_module()
class USPSDataset(InMemoryDigitsDataset):
    """USPS digits (16x16 grey, white on black, uint8 0..255) from ``zip.{split}[.gz]`` or ``usps.h5``.

    Args:
        data_root: Folder holding ``zip.train[.gz]`` and ``zip.test[.gz]``, or ``usps.h5``. Defaults
            to ``"data/usps"``.
        split: ``"train"`` (7,291) or ``"test"`` (2,007). Defaults to ``"train"``.
        file_format: ``"text"``, ``"h5"`` or ``"auto"`` (the text files if present, else ``usps.h5``).
            Defaults to ``"auto"``.
        channels: 1, or 3 to repeat the grey image. Defaults to None (1).
        subset_size: Fixed random subset (1,800 in ADDA's MNIST <-> USPS protocol). Defaults to None.
        subset_seed: Seed of the subset. Defaults to 0.
        pipeline: Transforms; add ``dict(type="Resize", scale=(28, 28))`` for LeNet. Defaults to
            ``[dict(type="PackInputs")]``.
        **kwargs: Forwarded to :class:`~dareg.datasets.digits.common.InMemoryDigitsDataset`.
    """

    def __init__(self, data_root: str = "data/usps", split: str = "train", file_format: str = "auto", **kwargs) -> None:
        if file_format not in USPS_FORMATS:
            raise ValueError(f"USPSDataset: file_format must be one of {USPS_FORMATS}, got {file_format!r}")
        self.file_format = file_format
        super().__init__(data_root=data_root, split=split, **kwargs)

    def _source(self) -> tuple[str, str] | None:
        if self.file_format in ("auto", "text"):
            path = find_file(self.data_root, f"zip.{self.split}")
            if path is not None:
                return "text", path
        if self.file_format in ("auto", "h5"):
            path = os.path.join(self.data_root, "usps.h5")
            if os.path.isfile(path):
                return "h5", path
        return None

    def check_data_root(self) -> None:
        if self._source() is None:
            raise FileNotFoundError(usps_layout_message(self.data_root, self.split))

    def load_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        source = self._source()
        if source is None:
            raise FileNotFoundError(usps_layout_message(self.data_root, self.split))
        kind, path = source
        return read_usps_text(path) if kind == "text" else read_usps_h5(path, self.split)
