"""Discriminators registered in dareg's DISCRIMINATORS registry."""
from dareg.models.discriminators import (
    discogan_discriminator,  # noqa: F401
    fc_discriminator,  # noqa: F401
    mlp_discriminator,  # noqa: F401
    patchgan,  # noqa: F401
    pixelda_discriminator,  # noqa: F401
)
