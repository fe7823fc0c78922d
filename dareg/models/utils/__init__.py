"""Building blocks and weight initialisation shared by model components."""

from dareg.models.utils.conditioning import EntropyConditioning, MultilinearMap, RandomizedMultilinearMap
from dareg.models.utils.ema_teacher import EMATeacher, ema_alpha
from dareg.models.utils.gradient_reversal import GradientReversal, reverse_gradient, warm_start_coefficient
from dareg.models.utils.image_pool import ImagePool
from dareg.models.utils.init import GANInit, init_gan_weights
from dareg.models.utils.norm import build_norm_2d, conv_bias
from dareg.models.utils.norm_statistics import running_stats_kept
from dareg.models.utils.pseudo_labels import PseudoLabeller, PseudoLabels, make_pseudo_labels

__all__ = [
    "EMATeacher",
    "EntropyConditioning",
    "GANInit",
    "GradientReversal",
    "ImagePool",
    "MultilinearMap",
    "PseudoLabeller",
    "PseudoLabels",
    "RandomizedMultilinearMap",
    "build_norm_2d",
    "conv_bias",
    "ema_alpha",
    "init_gan_weights",
    "make_pseudo_labels",
    "reverse_gradient",
    "running_stats_kept",
    "warm_start_coefficient",
]
