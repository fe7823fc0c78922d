"""Data transforms (OpenCV based). Random ones draw from the sample's generator ``results["rng"]``."""

from dareg.datasets.transforms.formatting import PackInputs
from dareg.datasets.transforms.geometric import RandomCrop, RandomFlip, Resize
from dareg.datasets.transforms.indexed_loading import LoadIndexedSegMap
from dareg.datasets.transforms.loading import LoadImageFromFile, LoadSegMap
from dareg.datasets.transforms.resized_crop import CenterCrop, RandomResizedCrop

__all__ = [
    "CenterCrop",
    "LoadImageFromFile",
    "LoadIndexedSegMap",
    "LoadSegMap",
    "PackInputs",
    "RandomCrop",
    "RandomFlip",
    "RandomResizedCrop",
    "Resize",
]
