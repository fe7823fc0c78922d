"""How many pixels of each class every sample of a segmentation dataset holds, computed once and cached.

Rare Class Sampling (DAFormer) needs these counts for the whole source set. They are taken from the
label maps as stored (the reference counts GTA5 at its original resolution, tools/convert_datasets/
gta.py:40-52), after the dataset's raw-id -> train-id table, with the same label-loading transform
the dataset's pipeline uses. Reading 25k GTA5 labels takes minutes, so the counts are cached in
``<cache_dir>/class_stats/`` (``cache_dir`` defaults to ``$DAREG_CACHE_DIR``, else
``~/.cache/dareg``), under a key made of the label files' paths, sizes and modification times, the
label table and the class count: changing any label file, the file list or the label mapping
computes them again. Datasets that hold their labels in memory (``gt_seg`` in the data list, as the
embedded demo scenes) are counted directly, without a cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from tqdm import tqdm

from dareg.datasets.transforms.loading import LoadSegMap

#: Bumped when the way counts are computed changes, so older cache files are not used.
CACHE_VERSION = 1
#: Environment variable naming dareg's cache directory.
CACHE_DIR_ENV = "DAREG_CACHE_DIR"
#: Datasets with at least this many samples get a progress bar by default.
PROGRESS_MIN_SAMPLES = 500


def default_cache_dir() -> str:
    """``$DAREG_CACHE_DIR``, else ``~/.cache/dareg``."""
    return os.environ.get(CACHE_DIR_ENV) or os.path.join(os.path.expanduser("~"), ".cache", "dareg")


def label_reader(dataset: Any) -> Callable[[dict], np.ndarray]:
    """A function from a sample's data info to its label map (train ids), as the dataset loads it.

    In-memory labels (``info["gt_seg"]``) are returned as they are; files are read by the first
    label-loading transform (:class:`~dareg.datasets.transforms.loading.LoadSegMap` or a subclass)
    of the dataset's pipeline, which applies the dataset's label table.

    Raises:
        ValueError: The samples have files but the pipeline loads no labels.
    """
    transforms = getattr(getattr(dataset, "pipeline", None), "transforms", None) or []
    loader = next((t for t in transforms if isinstance(t, LoadSegMap)), None)

    def read(info: dict) -> np.ndarray:
        if "gt_seg" in info:
            return np.asarray(info["gt_seg"])
        if loader is None or "seg_path" not in info:
            missing = "no seg_path" if loader is not None else "its pipeline loads no labels (no LoadSegMap)"
            raise ValueError(
                f"Cannot count the classes of {type(dataset).__name__}: its samples have no in-memory 'gt_seg' and "
                f"{missing}. Class statistics (Rare Class Sampling) need a labelled source dataset."
            )
        return loader(dict(info))["gt_seg"]

    return read


def count_classes(label: np.ndarray, num_classes: int) -> np.ndarray:
    """Pixels of each class ``0 .. num_classes - 1`` in a label map (other values, e.g. 255, are not counted)."""
    values = np.asarray(label).ravel()
    return np.bincount(values[values < num_classes].astype(np.int64), minlength=num_classes)[:num_classes]


def fingerprint(dataset: Any, infos: list[dict], num_classes: int) -> str | None:
    """The cache key of a dataset's counts, or None when its labels are in memory (no cache)."""
    if not infos or any("seg_path" not in info or "gt_seg" in info for info in infos):
        return None
    lut = infos[0].get("label_lut")
    files = []
    for info in infos:
        stat = os.stat(info["seg_path"])
        files.append([os.path.abspath(info["seg_path"]), stat.st_size, stat.st_mtime_ns])
    description = dict(
        version=CACHE_VERSION,
        dataset=type(dataset).__qualname__,
        num_classes=int(num_classes),
        label_lut=None if lut is None else hashlib.sha256(np.asarray(lut).tobytes()).hexdigest(),
        files=files,
    )
    return hashlib.sha256(json.dumps(description).encode()).hexdigest()


def _load(path: str) -> np.ndarray | None:
    """The cached counts, or None when there are none or the file cannot be read (then they are recounted)."""
    if not os.path.isfile(path):
        return None
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        warnings.warn(f"Ignoring the unreadable class statistics cache {path} ({error}); counting again.", stacklevel=3)
        return None


def _save(path: str, counts: np.ndarray) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            np.save(file, counts)
        os.replace(tmp, path)  # atomic: a reader never sees half a file
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def class_pixel_counts(
    dataset: Any,
    num_classes: int | None = None,
    cache_dir: str | None = None,
    progress: bool | None = None,
) -> np.ndarray:
    """Per-sample pixel counts of every class: an ``N x num_classes`` int64 array.

    Args:
        dataset: A segmentation dataset (dareg's ``BaseImageDataset`` or any mmengine ``BaseDataset``
            whose pipeline loads labels with ``LoadSegMap``).
        num_classes: Number of classes. Defaults to None (the length of the dataset's
            ``metainfo["classes"]``).
        cache_dir: Where the ``class_stats/`` cache lives. Defaults to None (:func:`default_cache_dir`).
        progress: Show a progress bar. Defaults to None (when the dataset has at least
            :data:`PROGRESS_MIN_SAMPLES` samples).

    Raises:
        ValueError: No class count is known, or the labels cannot be read (named in the message).

    Examples:
        >>> from dareg.datasets.synthetic import SyntheticStreetDataset
        >>> counts = class_pixel_counts(SyntheticStreetDataset(num_samples=3, image_size=(16, 32)))
        >>> counts.shape, int(counts.sum()) <= 3 * 16 * 32
        ((3, 8), True)
    """
    if hasattr(dataset, "full_init"):
        dataset.full_init()
    if num_classes is None:
        classes = (getattr(dataset, "metainfo", None) or {}).get("classes")
        if not classes:
            raise ValueError(
                f"class_pixel_counts: {type(dataset).__name__} has no metainfo['classes']; pass num_classes."
            )
        num_classes = len(classes)
    infos = [dataset.get_data_info(index) for index in range(len(dataset))]
    key = fingerprint(dataset, infos, num_classes)
    path = None
    if key is not None:
        path = os.path.join(cache_dir or default_cache_dir(), "class_stats", f"{type(dataset).__name__}-{key[:32]}.npy")
        cached = _load(path)
        if cached is not None and cached.shape == (len(infos), num_classes):
            return cached
    read = label_reader(dataset)
    show = progress if progress is not None else len(infos) >= PROGRESS_MIN_SAMPLES
    rows = [
        count_classes(read(info), num_classes)
        for info in tqdm(infos, desc=f"class statistics of {type(dataset).__name__}", unit="label", disable=not show)
    ]
    counts = np.stack(rows) if rows else np.zeros((0, num_classes), dtype=np.int64)
    if path is not None:
        try:
            _save(path, counts)
        except OSError as error:  # a read-only cache costs a recount next time, not the run
            warnings.warn(f"Could not cache class statistics in {path} ({error}); set {CACHE_DIR_ENV}.", stacklevel=2)
    return counts
