"""Datasets, samplers, transforms and collate functions."""

from dareg.datasets import digits
from dareg.datasets.base import BaseImageDataset
from dareg.datasets.cityscapes import CityscapesDataset
from dareg.datasets.collate import domain_collate
from dareg.datasets.domain_pair import DomainPairDataset
from dareg.datasets.gta5 import GTA5Dataset
from dareg.datasets.samplers import StreamKey, StreamSampler
from dareg.datasets.synthetic import SyntheticStreetDataset
from dareg.datasets.translated import TranslatedImageDataset
from dareg.datasets.unpaired import SideBySideImageDataset, UnpairedImageDataset

__all__ = [
    "BaseImageDataset",
    "CityscapesDataset",
    "DomainPairDataset",
    "GTA5Dataset",
    "SideBySideImageDataset",
    "StreamKey",
    "StreamSampler",
    "SyntheticStreetDataset",
    "TranslatedImageDataset",
    "UnpairedImageDataset",
    "digits",
    "domain_collate",
]
