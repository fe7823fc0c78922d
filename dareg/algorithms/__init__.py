"""Adaptation algorithms, registered in ``ALGORITHMS``."""

from dareg.algorithms.adaptsegnet import AdaptSegNet
from dareg.algorithms.adda import ADDA
from dareg.algorithms.base import BaseAlgorithm
from dareg.algorithms.cdan import CDAN
from dareg.algorithms.cycada import CyCADA
from dareg.algorithms.cyclegan import CycleGAN
from dareg.algorithms.dann import DANN
from dareg.algorithms.discogan import DiscoGAN
from dareg.algorithms.mcd import MCD
from dareg.algorithms.mdd import MDD
from dareg.algorithms.pixelda import PixelDA
from dareg.algorithms.source_only import SourceOnly
from dareg.algorithms.spec import EMAUpdate, TrainSpec, TrainStepPart

__all__ = [
    "ADDA",
    "CDAN",
    "DANN",
    "MCD",
    "MDD",
    "AdaptSegNet",
    "BaseAlgorithm",
    "CyCADA",
    "CycleGAN",
    "DiscoGAN",
    "EMAUpdate",
    "PixelDA",
    "SourceOnly",
    "TrainSpec",
    "TrainStepPart",
]
