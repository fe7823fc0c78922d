"""Discriminators registered in dareg's DISCRIMINATORS registry."""

from dareg.models.discriminators.discogan_discriminator import DiscoGANDiscriminator
from dareg.models.discriminators.domain_discriminator import DomainDiscriminator
from dareg.models.discriminators.fc_discriminator import FCDiscriminator
from dareg.models.discriminators.mlp_discriminator import MLPDiscriminator
from dareg.models.discriminators.patchgan import PatchDiscriminator
from dareg.models.discriminators.pixelda_discriminator import PixelDADiscriminator

__all__ = [
    "DiscoGANDiscriminator",
    "DomainDiscriminator",
    "FCDiscriminator",
    "MLPDiscriminator",
    "PatchDiscriminator",
    "PixelDADiscriminator",
]
