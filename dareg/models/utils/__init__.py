"""Building blocks and weight initialisation shared by model components."""

from dareg.models.utils.conditioning import EntropyConditioning, MultilinearMap, RandomizedMultilinearMap
from dareg.models.utils.gradient_reversal import GradientReversal, reverse_gradient, warm_start_coefficient
from dareg.models.utils.image_pool import ImagePool
from dareg.models.utils.init import GANInit, init_gan_weights
from dareg.models.utils.norm import build_norm_2d, conv_bias

__all__ = [
    "EntropyConditioning",
    "GANInit",
    "GradientReversal",
    "ImagePool",
    "MultilinearMap",
    "RandomizedMultilinearMap",
    "build_norm_2d",
    "conv_bias",
    "init_gan_weights",
    "reverse_gradient",
    "warm_start_coefficient",
]
