"""Infinite sample streams that shuffle each domain independently and resume in O(1).

A stream assigns every global position ``p = 0, 1, 2, ...`` one index per domain and one seed.
Domain ``d`` with ``n`` samples takes, at position ``p``, element ``p % n`` of a permutation drawn
from ``(seed, d, p // n)``, so each domain is reshuffled on its own epoch boundary, independently
of the others. Rank ``r`` of ``w`` DDP processes takes positions ``r, r + w, r + 2w, ...``, so the
ranks read disjoint positions of one stream. The per-sample seed drives that sample's random
transforms (crop, flip ...), which makes a sample's content a function of its position alone: the
same under any number of dataloader workers, and identical after a resume, which jumps to the
position instead of replaying the data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from dareg.registry import DATA_SAMPLERS


class StreamKey(NamedTuple):
    """What a stream sampler hands to a dataset: one index per domain and the sample's seed.

    ``focus`` optionally names, per domain, a class the sample was drawn for (Rare Class Sampling,
    :class:`~dareg.datasets.rare_class_sampling.RareClassSampler`); the dataset hands it to its
    pipeline as ``results["focus_class"]``, where ``RandomCrop(focus_min_pixels=...)`` uses it.
    """

    indices: tuple[int, ...]
    seed: int
    focus: tuple[int | None, ...] | None = None

    def domain(self, index: int, seed: int) -> StreamKey:
        """The single-domain key of domain ``index``, with its own ``seed`` (and its focus class, if any)."""
        focus = self.focus[index] if self.focus else None
        return StreamKey((self.indices[index],), seed, None if focus is None else (focus,))


@DATA_SAMPLERS.register_module()
class StreamSampler(Sampler):
    """An infinite, resumable sampler for single- and two-domain datasets.

    The dataset says how many domains it has and their sizes through ``stream_sizes`` (a tuple;
    plain datasets are treated as one domain of ``len(dataset)``), and accepts :class:`StreamKey`
    in ``__getitem__``. Build it with ``sampler=dict(type="StreamSampler")``.

    Args:
        dataset: The dataset to sample from.
        shuffle: Draw a new permutation per domain epoch. Defaults to True.
        seed: Base seed; None synchronises a random one across ranks. Defaults to None.

    Examples:
        >>> class Toy:
        ...     stream_sizes = (3, 2)
        ...     def __len__(self): return 3
        >>> sampler = StreamSampler(Toy(), shuffle=False, seed=0)
        >>> [key.indices for key, _ in zip(sampler, range(4))]
        [(0, 0), (1, 1), (2, 0), (0, 1)]
    """

    def __init__(self, dataset: Sequence, shuffle: bool = True, seed: int | None = None) -> None:
        self.dataset = dataset
        self.sizes: tuple[int, ...] = tuple(getattr(dataset, "stream_sizes", None) or (len(dataset),))
        if any(size <= 0 for size in self.sizes):
            raise ValueError(f"StreamSampler got an empty domain (sizes {self.sizes}); check the data root.")
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.rank, self.world_size = get_dist_info()
        self.start = 0
        self.offset = 0
        self._permutations: dict[tuple[int, int], np.ndarray] = {}

    def set_start(self, num_samples: int) -> None:
        """Make the next iteration start after this rank's first ``num_samples`` samples."""
        self.start, self.offset = int(num_samples), 0

    def seek(self, position: int) -> None:
        """Make the next iteration start at global stream ``position`` (the samples of all ranks before it).

        A resumed run seeks to the end of what its checkpoint's run trained on, whatever the batch
        size and the number of ranks were and are.
        """
        self.start, self.offset = 0, int(position)

    def position(self, local_index: int) -> int:
        """Global stream position of this rank's ``local_index``-th sample."""
        return self.offset + self.rank + local_index * self.world_size

    def key(self, position: int) -> StreamKey:
        """The indices and seed at a global stream position."""
        indices = tuple(self._index(domain, position) for domain in range(len(self.sizes)))
        return StreamKey(indices, self.sample_seed(position))

    def sample_seed(self, position: int) -> int:
        """The seed of the sample's random transforms at a global stream position."""
        return int(np.random.SeedSequence([self.seed, position]).generate_state(1)[0])

    def _index(self, domain: int, position: int) -> int:
        size = self.sizes[domain]
        epoch, offset = divmod(position, size)
        if not self.shuffle:
            return offset
        cache_key = (domain, epoch)
        if cache_key not in self._permutations:
            if len(self._permutations) > 2 * len(self.sizes):
                self._permutations.clear()
            rng = np.random.default_rng([self.seed, domain, epoch])
            self._permutations[cache_key] = rng.permutation(size)
        return int(self._permutations[cache_key][offset])

    def __iter__(self) -> Iterator[StreamKey]:
        local_index = self.start
        while True:
            yield self.key(self.position(local_index))
            local_index += 1

    def __len__(self) -> int:
        return max(self.sizes)

    def set_epoch(self, epoch: int) -> None:
        """Nothing to do: the stream is infinite and carries its own epochs."""
