"""Backbones registered in dareg's BACKBONES registry."""
from dareg.models.backbones import (  # noqa: F401
    deeplabv2,
    lenet,  # noqa: F401
    smp_encoder,
    timm_backbone,
)
