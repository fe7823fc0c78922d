"""The single-domain dataset base class: an mmengine ``BaseDataset`` that understands stream keys."""

from __future__ import annotations

from typing import Any

import numpy as np
from mmengine.dataset import BaseDataset

from dareg.datasets.samplers import StreamKey
from dareg.registry import TRANSFORMS


def sample_rng(seed: int | None) -> np.random.Generator:
    """The generator a sample's random transforms draw from.

    With a stream seed the sample is reproducible from its position alone; without one (plain
    samplers), the seed comes from numpy's global generator, as in mmengine.
    """
    if seed is None:
        seed = int(np.random.randint(0, 2**31 - 1))
    return np.random.default_rng(seed)


class BaseImageDataset(BaseDataset):
    """Base class of dareg's single-domain datasets.

    Subclasses implement ``load_data_list`` (one dict per sample: ``img_path``, ``seg_path`` or
    ``gt_label`` ..., as in mmengine) and may override :meth:`check_data_root` to fail early with the
    expected layout. On top of mmengine's ``BaseDataset`` it:

    * accepts a :class:`~dareg.datasets.samplers.StreamKey` as index and hands the pipeline a
      per-sample generator in ``results["rng"]``, which dareg's random transforms use (and the
      key's focus class, if any, in ``results["focus_class"]``);
    * builds its pipeline from dareg's ``TRANSFORMS`` registry, so it also works outside a Runner;
    * exposes ``stream_sizes`` for :class:`~dareg.datasets.samplers.StreamSampler`;
    * hands every sample the dataset's ``label_lut`` (raw label id -> train id, applied by
      ``LoadSegMap``) and ``label_map`` (its description, for error messages) when the subclass
      sets one, and, for samples with a label file, ``num_classes`` (the number of ``classes`` in
      the metainfo), against which ``LoadSegMap`` checks the train ids.

    Items are dicts ``{"inputs": Tensor[C, H, W], "data_samples": {...}}`` once the pipeline ends
    with ``PackInputs``.

    Args:
        pipeline: Transform configs or callables. Defaults to an empty pipeline.
        **kwargs: Forwarded to :class:`mmengine.dataset.BaseDataset` (``data_root``,
            ``ann_file``, ``metainfo``, ``indices``, ``test_mode``, ``lazy_init`` ...).
    """

    #: 256-entry lookup table from raw label ids to train ids (255 = ignored), or None.
    label_lut: np.ndarray | None = None
    #: One-line description of the label map ``label_lut`` implements (named in label errors), or None.
    label_map: str | None = None
    #: Whether the samples are drawn by dareg's own code (no files): such data sets are fingerprinted
    #: (:mod:`dareg.datasets.fingerprints`), since a library release can change how they are drawn.
    embedded_data: bool = False

    def __init__(self, pipeline: list | None = None, **kwargs: Any) -> None:
        built = [TRANSFORMS.build(t) if isinstance(t, dict) else t for t in (pipeline or [])]
        super().__init__(pipeline=built, **kwargs)

    @property
    def stream_datasets(self) -> tuple[BaseImageDataset, ...]:
        """The datasets of the domains a stream sampler draws from: this one."""
        return (self,)

    @property
    def stream_sizes(self) -> tuple[int, ...]:
        """Sizes of the domains a stream sampler draws from: this dataset's length."""
        return (len(self),)

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        if self.label_lut is not None:
            info["label_lut"] = self.label_lut
            info["label_map"] = self.label_map
        classes = self.metainfo.get("classes")
        if "seg_path" in info and classes:
            info.setdefault("num_classes", len(classes))
        return info

    def full_init(self) -> None:
        if not self._fully_initialized:
            self.check_data_root()
        super().full_init()

    def check_data_root(self) -> None:
        """Raise a clear error if the data root is missing or malformed (override per dataset)."""

    def __getitem__(self, key: int | StreamKey) -> dict:
        if not self._fully_initialized:
            self.full_init()
        focus = None
        if isinstance(key, StreamKey):
            index, seed = key.indices[0], key.seed
            focus = key.focus[0] if key.focus else None
        else:
            index, seed = int(key), None
        results = self.get_data_info(index)
        results["rng"] = sample_rng(seed)
        results["sample_idx"] = index
        if focus is not None:
            results["focus_class"] = int(focus)
        data = self.pipeline(results)
        if data is None:
            raise RuntimeError(
                f"The pipeline of {type(self).__name__} dropped sample {index} "
                f"({results.get('img_path', 'in memory')}); dareg's transforms never drop samples, "
                "so a custom transform returned None."
            )
        return data
