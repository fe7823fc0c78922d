"""Weight initialisation of GAN components, as the CycleGAN / pix2pix reference does it.

Reference facts (junyanz/pytorch-CycleGAN-and-pix2pix, ``networks.init_weights``): every
convolution, transposed convolution and linear layer gets ``normal(0, gain)`` (``gain`` 0.02),
``xavier_normal(gain)``, ``kaiming_normal(a=0, mode="fan_in")`` or ``orthogonal(gain)`` weights and
zero biases; every BatchNorm layer gets weights from ``normal(1, gain)`` and zero biases
(InstanceNorm without affine parameters has nothing to initialise). DiscoGAN's reference keeps
PyTorch's default initialisation.

Two ways to use it:

* :func:`init_gan_weights` ``(module, init_type, gain)`` from a component's constructor (dareg's
  generators and discriminators take ``init_type`` / ``init_gain`` arguments);
* ``init_cfg=dict(type="GANInit", init_type="normal", gain=0.02)`` on any mmengine ``BaseModule``
  (registered in ``WEIGHT_INITIALIZERS``).
"""

from __future__ import annotations

from mmengine.model.weight_init import BaseInit
from torch import nn

from dareg.registry import WEIGHT_INITIALIZERS

INIT_TYPES = ("normal", "xavier", "kaiming", "orthogonal")

_WEIGHTED = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d, nn.Linear)
_BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)


def check_init_type(init_type: str | None) -> None:
    """Raise a clear error unless ``init_type`` is one of :data:`INIT_TYPES` (or None)."""
    if init_type is not None and init_type not in INIT_TYPES:
        raise ValueError(f"init_type must be one of {INIT_TYPES} (or None for PyTorch's default), got {init_type!r}")


def init_gan_weights(module: nn.Module, init_type: str | None = "normal", gain: float = 0.02) -> nn.Module:
    """Initialise every conv / linear / BatchNorm layer of ``module`` in place; returns ``module``.

    Args:
        module: The network to initialise.
        init_type: ``"normal"``, ``"xavier"``, ``"kaiming"``, ``"orthogonal"``, or None to keep
            PyTorch's default initialisation. Defaults to ``"normal"``.
        gain: Standard deviation (normal, and BatchNorm weights around 1) or gain (xavier,
            orthogonal). Defaults to 0.02.

    Examples:
        >>> net = init_gan_weights(nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8)))
        >>> net[0].bias.abs().sum().item(), net[1].bias.abs().sum().item()
        (0.0, 0.0)
    """
    check_init_type(init_type)
    if init_type is None:
        return module
    for layer in module.modules():
        if isinstance(layer, _WEIGHTED):
            if init_type == "normal":
                nn.init.normal_(layer.weight, 0.0, gain)
            elif init_type == "xavier":
                nn.init.xavier_normal_(layer.weight, gain=gain)
            elif init_type == "kaiming":
                nn.init.kaiming_normal_(layer.weight, a=0, mode="fan_in")
            else:
                nn.init.orthogonal_(layer.weight, gain=gain)
            if layer.bias is not None:
                nn.init.constant_(layer.bias, 0.0)
        elif isinstance(layer, _BATCH_NORMS) and layer.weight is not None:
            nn.init.normal_(layer.weight, 1.0, gain)
            nn.init.constant_(layer.bias, 0.0)
    return module


@WEIGHT_INITIALIZERS.register_module()
class GANInit(BaseInit):
    """mmengine initialiser wrapping :func:`init_gan_weights` (``init_cfg=dict(type="GANInit")``).

    Args:
        init_type: See :func:`init_gan_weights`. Defaults to ``"normal"``.
        gain: See :func:`init_gan_weights`. Defaults to 0.02.
        **kwargs: Forwarded to mmengine's ``BaseInit`` (``layer`` is ignored: every conv, linear and
            BatchNorm layer is initialised, as in the reference).
    """

    def __init__(self, init_type: str = "normal", gain: float = 0.02, **kwargs) -> None:
        super().__init__(**kwargs)
        check_init_type(init_type)
        self.init_type = init_type
        self.gain = gain

    def __call__(self, module: nn.Module) -> None:
        init_gan_weights(module, self.init_type, self.gain)

    def _get_init_info(self) -> str:
        return f"{self.__class__.__name__}: init_type={self.init_type}, gain={self.gain}"
