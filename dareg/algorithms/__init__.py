"""Adaptation algorithms, registered in ``ALGORITHMS``."""

from dareg.algorithms.adaptsegnet import AdaptSegNet
from dareg.algorithms.adda import ADDA
from dareg.algorithms.base import BaseAlgorithm
from dareg.algorithms.cycada import CyCADA
from dareg.algorithms.cyclegan import CycleGAN
from dareg.algorithms.discogan import DiscoGAN
from dareg.algorithms.pixelda import PixelDA
from dareg.algorithms.source_only import SourceOnly

__all__ = ["ADDA", "AdaptSegNet", "BaseAlgorithm", "CyCADA", "CycleGAN", "DiscoGAN", "PixelDA", "SourceOnly"]
