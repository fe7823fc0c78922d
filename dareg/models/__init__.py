"""Model components: backbones, heads, segmentors, classifiers, generators, discriminators, losses and
batch augmentations."""

from dareg.models import (  # noqa: F401  (importing registers the components)
    backbones,
    batch_augments,
    classifiers,
    discriminators,
    generators,
    heads,
    losses,
    segmentors,
    utils,
)
from dareg.models.data_preprocessor import DomainDataPreprocessor

__all__ = ["DomainDataPreprocessor"]
