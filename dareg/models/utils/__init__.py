"""Building blocks and weight initialisation shared by model components."""

from dareg.models.utils.image_pool import ImagePool  # noqa: F401
from dareg.models.utils.init import GANInit, init_gan_weights  # noqa: F401
from dareg.models.utils.norm import build_norm_2d, conv_bias  # noqa: F401
