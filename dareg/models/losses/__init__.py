"""Losses registered in dareg's LOSSES registry."""

from dareg.models.losses.cross_entropy import CrossEntropyLoss
from dareg.models.losses.gan_loss import GANLoss

__all__ = ["CrossEntropyLoss", "GANLoss"]
