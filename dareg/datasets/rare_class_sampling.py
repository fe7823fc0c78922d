"""Rare Class Sampling (Hoyer et al., DAFormer, CVPR 2022): draw source images for their rare classes.

With ``n_c`` the source pixels of class ``c`` (over the whole set, at label resolution), class ``c``
is drawn with probability ``P(c) = softmax((1 - n_c / sum(n)) / T)`` (uda_dataset.py:17-39) over
the classes present, ``T = 0.01`` (DAFormer CFG:32-36); then an image uniformly among those with
more than ``min_pixels = 3000`` pixels of ``c`` (uda_dataset.py:77-93). The target image is drawn as
without RCS. DAFormer then re-crops the source image up to 10 times until the crop holds more than
``min_pixels * min_crop_ratio`` pixels of ``c`` (uda_dataset.py:95-105): here the drawn class
travels with the sample (``StreamKey.focus``) and ``RandomCrop(focus_min_pixels=1500)`` re-crops.

The draw at each stream position is a function of the sampler's seed and the position alone, so a
resumed run continues the same stream (the Runner moves the sampler to the resumed position), under
any number of dataloader workers and DDP ranks, exactly as :class:`~dareg.datasets.samplers.StreamSampler`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from mmengine.dist import barrier, get_dist_info

from dareg.datasets.class_stats import class_pixel_counts
from dareg.datasets.samplers import StreamKey, StreamSampler
from dareg.registry import DATA_SAMPLERS

#: Second word of the generators' seeds, so RCS draws never coincide with StreamSampler's
#: permutations (seeded ``[seed, domain, epoch]`` with small domain indices).
RCS_STREAM = 0x52435321


def rare_class_probabilities(pixels_per_class: Sequence[int], temperature: float) -> tuple[np.ndarray, np.ndarray]:
    """The classes present and their sampling probabilities ``softmax((1 - n_c / sum n) / T)``.

    Args:
        pixels_per_class: Pixels of each class over the dataset (index = class id).
        temperature: ``T``; smaller favours rare classes more. DAFormer uses 0.01.

    Returns:
        ``(classes, probabilities)``: the ids with ``n_c > 0`` (ascending) and their probabilities.

    Examples:
        >>> classes, p = rare_class_probabilities([300, 0, 100], temperature=1.0)
        >>> classes.tolist(), [round(v, 4) for v in p.tolist()]  # softmax([0.25, 0.75])
        ([0, 2], [0.3775, 0.6225])
    """
    if temperature <= 0:
        raise ValueError(f"Rare Class Sampling: temperature must be > 0, got {temperature}")
    pixels = np.asarray(pixels_per_class, dtype=np.float64)
    classes = np.flatnonzero(pixels > 0)
    if classes.size == 0:
        raise ValueError("Rare Class Sampling: the source labels hold no pixel of any class.")
    logits = (1.0 - pixels[classes] / pixels[classes].sum()) / temperature
    weights = np.exp(logits - logits.max())
    return classes, weights / weights.sum()


@DATA_SAMPLERS.register_module()
class RareClassSampler(StreamSampler):
    """A :class:`~dareg.datasets.samplers.StreamSampler` whose source domain is drawn by Rare Class Sampling.

    The class statistics are computed once per dataset and cached
    (:func:`~dareg.datasets.class_stats.class_pixel_counts`); under DDP rank 0 computes them while
    the other ranks wait, then read the cache. Each key carries the drawn class as its ``focus``
    for the source domain. Use it as ``sampler=dict(type="RareClassSampler")`` in the training
    dataloader, and ``RandomCrop(..., focus_min_pixels=1500)`` in the source pipeline for DAFormer's
    re-cropping.

    Args:
        dataset: A ``DomainPairDataset`` (or a single segmentation dataset) to sample from.
        temperature: ``T`` of the class distribution. Defaults to 0.01 (DAFormer).
        min_pixels: An image is a candidate for class ``c`` if it has more than this many pixels of
            ``c``. Defaults to 3000 (DAFormer, at GTA5's original 1914x1052).
        domain: Which domain of the dataset RCS draws (the others are shuffled as usual). Defaults
            to 0 (the source).
        num_classes: Number of classes. Defaults to None (from the domain's ``metainfo["classes"]``).
        cache_dir: Where the class statistics are cached. Defaults to None (``$DAREG_CACHE_DIR`` or
            ``~/.cache/dareg``).
        progress: Show a progress bar while counting. Defaults to None (on sets of 500+ labels).
        shuffle: Shuffle the other domains. Defaults to True.
        seed: Base seed; None synchronises a random one across ranks. Defaults to None.

    Raises:
        ValueError: A class is present but no image has more than ``min_pixels`` of it (lower
            ``min_pixels``, which scales with the label resolution).
    """

    def __init__(
        self,
        dataset: Sequence,
        temperature: float = 0.01,
        min_pixels: int = 3000,
        domain: int = 0,
        num_classes: int | None = None,
        cache_dir: str | None = None,
        progress: bool | None = None,
        shuffle: bool = True,
        seed: int | None = None,
    ) -> None:
        super().__init__(dataset, shuffle=shuffle, seed=seed)
        domains = getattr(dataset, "stream_datasets", None) or (dataset,)
        if not 0 <= domain < len(domains):
            raise ValueError(f"RareClassSampler: domain={domain} but the dataset has {len(domains)} domain(s).")
        self.domain = int(domain)
        self.temperature = float(temperature)
        self.min_pixels = int(min_pixels)
        counts = self._counts(domains[self.domain], num_classes, cache_dir, progress)
        self.classes, self.probabilities = rare_class_probabilities(counts.sum(axis=0), self.temperature)
        self.samples_with_class = [np.flatnonzero(counts[:, c] > self.min_pixels) for c in self.classes]
        empty = [int(c) for c, samples in zip(self.classes, self.samples_with_class) if samples.size == 0]
        if empty:
            raise ValueError(
                f"RareClassSampler: classes {empty} are present in {type(domains[self.domain]).__name__} but no "
                f"image has more than min_pixels={self.min_pixels} pixels of them. Lower min_pixels (DAFormer's 3000 "
                "is for 1914x1052 GTA5 labels; scale it with the label area)."
            )

    def _counts(self, dataset: Sequence, num_classes: int | None, cache_dir: str | None, progress: bool | None):
        rank, world_size = get_dist_info()
        if world_size > 1 and rank != 0:
            barrier()  # rank 0 fills the cache first
        counts = class_pixel_counts(dataset, num_classes, cache_dir, progress if rank == 0 else False)
        if world_size > 1 and rank == 0:
            barrier()
        return counts

    def draw(self, position: int) -> tuple[int, int]:
        """The class and the sample index that RCS draws at a global stream position."""
        rng = np.random.default_rng([self.seed, RCS_STREAM, position])
        choice = int(rng.choice(len(self.classes), p=self.probabilities))
        candidates = self.samples_with_class[choice]
        return int(self.classes[choice]), int(candidates[rng.integers(len(candidates))])

    def key(self, position: int) -> StreamKey:
        indices, focus = [], []
        for domain in range(len(self.sizes)):
            if domain == self.domain:
                focus_class, index = self.draw(position)
                indices.append(index)
                focus.append(focus_class)
            else:
                indices.append(self._index(domain, position))
                focus.append(None)
        return StreamKey(tuple(indices), self.sample_seed(position), tuple(focus))
