"""Batch augmentations that self-training algorithms apply to device tensors inside ``train_step``.

ClassMix (DACS), MIC's block masks, and DACS/DAFormer's colour jitter and Gaussian blur, registered
in :data:`~dareg.registry.BATCH_AUGMENTS`. They draw their randomness from state that dareg saves
with every checkpoint (:mod:`~dareg.models.batch_augments.sampling`), so a resumed run is exact.
"""

from dareg.models.batch_augments.block_mask import BlockMask
from dareg.models.batch_augments.class_mix import ClassMix, MixedBatch, mix_by_mask
from dareg.models.batch_augments.compose import BatchCompose
from dareg.models.batch_augments.photometric import (
    ColorJitter,
    GaussianBlur,
    blur_kernel_size,
    preprocessor_normalization,
)

__all__ = [
    "BatchCompose",
    "BlockMask",
    "ClassMix",
    "ColorJitter",
    "GaussianBlur",
    "MixedBatch",
    "blur_kernel_size",
    "mix_by_mask",
    "preprocessor_normalization",
]
