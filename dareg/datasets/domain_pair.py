"""A dataset of (source sample, target sample) pairs for adaptation."""

from __future__ import annotations

from typing import Any

import numpy as np
from torch.utils.data import Dataset

from dareg.datasets.samplers import StreamKey
from dareg.registry import DATASETS


def build_dataset(cfg: dict | Dataset) -> Dataset:
    """Build a dataset from its config with dareg's registry (a built dataset passes through)."""
    return DATASETS.build(cfg) if isinstance(cfg, dict) else cfg


@DATASETS.register_module()
class DomainPairDataset(Dataset):
    """Yield a source sample and a target sample per index, each domain shuffled on its own.

    With :class:`~dareg.datasets.samplers.StreamSampler` (the default in dareg's configs) each index
    is a :class:`StreamKey` carrying one index per domain, so the two domains are permuted
    independently, reproducibly under the seed and disjointly across DDP ranks; source and target
    get independent sample seeds for their random transforms. With a plain integer index (any other
    sampler) the source sample is ``index % len(source)`` and the target sample is drawn at random.

    Items are ``{"source": item, "target": item}``; batch them with
    ``collate_fn=dict(type="dareg.domain_collate")``.

    Args:
        source: Source-domain dataset or its config.
        target: Target-domain dataset or its config.
        length: Nominal length (for epoch-based loops). Defaults to the larger domain's size.
    """

    def __init__(self, source: dict | Dataset, target: dict | Dataset, length: int | None = None) -> None:
        self.source = build_dataset(source)
        self.target = build_dataset(target)
        self.length = length

    @property
    def metainfo(self) -> dict:
        """The source dataset's meta information (class names, palette ...)."""
        return dict(getattr(self.source, "metainfo", {}))

    @property
    def stream_datasets(self) -> tuple[Dataset, Dataset]:
        """The two domains' datasets, in stream order (samplers that look at the data use it)."""
        return (self.source, self.target)

    @property
    def stream_sizes(self) -> tuple[int, int]:
        """Sizes of the two domains, for :class:`~dareg.datasets.samplers.StreamSampler`."""
        return (len(self.source), len(self.target))

    def __len__(self) -> int:
        return self.length or max(len(self.source), len(self.target))

    def __getitem__(self, key: int | StreamKey) -> dict[str, Any]:
        if isinstance(key, StreamKey):
            source_seed, target_seed = np.random.SeedSequence(key.seed).generate_state(2)
            return {
                "source": self.source[key.domain(0, int(source_seed))],
                "target": self.target[key.domain(1, int(target_seed))],
            }
        key = int(key)
        return {
            "source": self.source[key % len(self.source)],
            "target": self.target[int(np.random.randint(len(self.target)))],
        }
