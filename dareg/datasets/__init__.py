"""Datasets, samplers, transforms and collate functions."""

from dareg.datasets import digits
from dareg.datasets.base import BaseImageDataset
from dareg.datasets.cityscapes import CityscapesDataset
from dareg.datasets.collate import domain_collate
from dareg.datasets.domain_pair import DomainPairDataset
from dareg.datasets.domainnet import DomainNetDataset
from dareg.datasets.gta5 import GTA5Dataset
from dareg.datasets.image_list import ImageListDataset
from dareg.datasets.office import Office31Dataset, OfficeHomeDataset
from dareg.datasets.samplers import StreamKey, StreamSampler
from dareg.datasets.synthetic import SyntheticStreetDataset
from dareg.datasets.translated import TranslatedImageDataset
from dareg.datasets.unpaired import SideBySideImageDataset, UnpairedImageDataset
from dareg.datasets.visda2017 import VisDA2017Dataset

__all__ = [
    "BaseImageDataset",
    "CityscapesDataset",
    "DomainNetDataset",
    "DomainPairDataset",
    "GTA5Dataset",
    "ImageListDataset",
    "Office31Dataset",
    "OfficeHomeDataset",
    "SideBySideImageDataset",
    "StreamKey",
    "StreamSampler",
    "SyntheticStreetDataset",
    "TranslatedImageDataset",
    "UnpairedImageDataset",
    "VisDA2017Dataset",
    "digits",
    "domain_collate",
]
