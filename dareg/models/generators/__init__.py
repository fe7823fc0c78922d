"""Generators registered in dareg's GENERATORS registry."""
from dareg.models.generators import pixelda_generator  # noqa: F401
from dareg.models.generators.discogan_generator import DiscoGANGenerator  # noqa: F401
from dareg.models.generators.resnet_generator import ResnetGenerator  # noqa: F401
from dareg.models.generators.unet_generator import UnetGenerator  # noqa: F401
