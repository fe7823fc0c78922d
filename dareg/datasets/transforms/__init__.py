"""Data transforms (OpenCV based). Random ones draw from the sample's generator ``results["rng"]``."""

from dareg.datasets.transforms.formatting import PackInputs
from dareg.datasets.transforms.geometric import RandomCrop, RandomFlip, Resize
from dareg.datasets.transforms.indexed_loading import LoadIndexedSegMap
from dareg.datasets.transforms.loading import LoadImageFromFile, LoadSegMap

__all__ = ["LoadImageFromFile", "LoadIndexedSegMap", "LoadSegMap", "PackInputs", "RandomCrop", "RandomFlip", "Resize"]
