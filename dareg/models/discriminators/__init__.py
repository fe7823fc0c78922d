"""Discriminators registered in dareg's DISCRIMINATORS registry, and the output-space adversary built from them."""

from dareg.models.discriminators.discogan_discriminator import DiscoGANDiscriminator
from dareg.models.discriminators.domain_discriminator import DomainDiscriminator
from dareg.models.discriminators.fc_discriminator import FCDiscriminator
from dareg.models.discriminators.mlp_discriminator import MLPDiscriminator
from dareg.models.discriminators.output_space_adversary import OutputSpaceAdversary
from dareg.models.discriminators.patchgan import PatchDiscriminator
from dareg.models.discriminators.pixelda_discriminator import PixelDADiscriminator

__all__ = [
    "DiscoGANDiscriminator",
    "DomainDiscriminator",
    "FCDiscriminator",
    "MLPDiscriminator",
    "OutputSpaceAdversary",
    "PatchDiscriminator",
    "PixelDADiscriminator",
]
