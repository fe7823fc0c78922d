"""Datasets, samplers, transforms and collate functions."""

from dareg.datasets.base import BaseImageDataset
from dareg.datasets.collate import domain_collate
from dareg.datasets.domain_pair import DomainPairDataset
from dareg.datasets.samplers import StreamKey, StreamSampler

__all__ = ["BaseImageDataset", "DomainPairDataset", "StreamKey", "StreamSampler", "domain_collate"]

from dareg.datasets import digits  # noqa: E402,F401  (registers the digit datasets)
from dareg.datasets.synthetic import SyntheticStreetDataset  # noqa: E402,F401
from dareg.datasets.translated import TranslatedImageDataset  # noqa: E402,F401
from dareg.datasets.unpaired import SideBySideImageDataset, UnpairedImageDataset  # noqa: E402,F401
from dareg.datasets.gta5 import GTA5Dataset  # noqa: E402,F401
from dareg.datasets.cityscapes import CityscapesDataset  # noqa: E402,F401
