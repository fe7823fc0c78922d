"""Generators registered in dareg's GENERATORS registry."""

from dareg.models.generators.discogan_generator import DiscoGANGenerator
from dareg.models.generators.pixelda_generator import PixelDAGenerator
from dareg.models.generators.resnet_generator import ResnetGenerator
from dareg.models.generators.unet_generator import UnetGenerator

__all__ = ["DiscoGANGenerator", "PixelDAGenerator", "ResnetGenerator", "UnetGenerator"]
