"""Mixed-precision training for every optimizer of an algorithm, on CPU and CUDA.

mmengine 0.10.7's ``AmpOptimWrapper`` refuses to run without an accelerator and builds its scaler
with ``torch.cuda.amp.GradScaler``, deprecated since torch 2.4 (a ``FutureWarning`` on every run).
dareg's wrapper of the same registered name (scope ``"dareg"`` shadows mmengine's) follows
PyTorch's AMP recipe (https://pytorch.org/docs/stable/amp.html) with the device-generic APIs:

* the forward runs under ``torch.autocast(device_type, dtype)``, where the device is that of the
  optimizer's parameters; the default dtype is ``bfloat16`` on CPU (the only low precision CPU
  kernels are fast at) and ``float16`` on CUDA;
* ``float16`` losses are scaled by a ``torch.amp.GradScaler(device_type)`` with dynamic scaling
  (steps with inf/NaN gradients are skipped and the scale is halved); ``bfloat16`` has float32's
  exponent range and needs no scaling, so its scaler is disabled.

An :class:`~mmengine.optim.OptimWrapperDict` holds one wrapper per optimizer, so each optimizer of
an adversarial method (generator, discriminator ...) gets its own scaler: a discriminator whose
gradients overflow does not shrink the generator's scale. Each scaler's state is part of its
wrapper's ``state_dict`` (key ``"loss_scaler"``), so it is saved in checkpoints and restored on
``--resume``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from dareg.registry import OPTIM_WRAPPERS

#: Low-precision dtype used when none is configured, per device type.
DEFAULT_AMP_DTYPES = {"cpu": torch.bfloat16, "cuda": torch.float16}
VALID_DTYPES = ("float16", "bfloat16", "float32", "float64")


def parameter_device_type(optimizer: torch.optim.Optimizer) -> str:
    """The device type (``"cpu"``, ``"cuda"`` ...) of the optimizer's parameters.

    An optimizer without parameters counts as being on CUDA when CUDA is available.
    """
    for group in optimizer.param_groups:
        for param in group["params"]:
            return param.device.type
    return "cuda" if torch.cuda.is_available() else "cpu"


def resolve_dtype(dtype: str | torch.dtype | None, device_type: str) -> torch.dtype:
    """Turn a configured dtype (a name, a ``torch.dtype`` or None) into a ``torch.dtype``."""
    if dtype is None:
        return DEFAULT_AMP_DTYPES.get(device_type, torch.float16)
    if isinstance(dtype, str):
        if dtype not in VALID_DTYPES:
            raise ValueError(f"AmpOptimWrapper: dtype must be one of {VALID_DTYPES} or None, got {dtype!r}")
        return getattr(torch, dtype)
    if isinstance(dtype, torch.dtype):
        return dtype
    raise TypeError(f"AmpOptimWrapper: dtype must be a str, a torch.dtype or None, got {type(dtype).__name__}")


@OPTIM_WRAPPERS.register_module()
class AmpOptimWrapper(OptimWrapper):
    """An optimizer wrapper with automatic mixed precision and, for float16, dynamic loss scaling.

    ``--amp`` (:func:`dareg.apis.train.enable_amp`) switches every optimizer of a config to this
    wrapper. Algorithms run their forward passes inside ``with self.autocast(optim_wrapper, name):``,
    which enters :meth:`optim_context`.

    Args:
        loss_scale: ``"dynamic"`` (a ``GradScaler`` with default growth and back-off), a float (a
            fixed scale) or a dict of ``torch.amp.GradScaler`` arguments. Only used for float16.
            Defaults to ``"dynamic"``.
        dtype: Autocast dtype: ``"float16"``, ``"bfloat16"`` (names or torch dtypes) or None for
            the device's default (bfloat16 on CPU, float16 on CUDA). Defaults to None.
        **kwargs: Arguments of :class:`mmengine.optim.OptimWrapper` (``optimizer``, ``clip_grad``,
            ``accumulative_counts``).

    Examples:
        >>> import torch
        >>> layer = torch.nn.Linear(4, 2)
        >>> wrapper = AmpOptimWrapper(optimizer=torch.optim.SGD(layer.parameters(), lr=0.1))
        >>> with wrapper.optim_context(layer):
        ...     out = layer(torch.ones(1, 4))
        >>> out.dtype
        torch.bfloat16
        >>> wrapper.update_params(out.float().sum())
    """

    def __init__(self, loss_scale: str | float | dict = "dynamic", dtype: str | torch.dtype | None = None, **kwargs):
        super().__init__(**kwargs)
        self.device_type = parameter_device_type(self.optimizer)
        self.cast_dtype = resolve_dtype(dtype, self.device_type)
        scaling = self.cast_dtype == torch.float16
        self._scale_update_param: float | None = None
        if loss_scale == "dynamic":
            scaler_kwargs: dict = {}
        elif isinstance(loss_scale, (int, float)) and not isinstance(loss_scale, bool):
            self._scale_update_param = float(loss_scale)
            scaler_kwargs = {"init_scale": float(loss_scale)}
        elif isinstance(loss_scale, dict):
            scaler_kwargs = dict(loss_scale)
        else:
            raise TypeError(f"AmpOptimWrapper: loss_scale must be 'dynamic', a float or a dict, got {loss_scale!r}")
        scaler_kwargs["enabled"] = scaling and scaler_kwargs.get("enabled", True)
        self.loss_scaler = torch.amp.GradScaler(self.device_type, **scaler_kwargs)

    @property
    def scaling(self) -> bool:
        """Whether losses are scaled (float16 autocast)."""
        return self.loss_scaler.is_enabled()

    def backward(self, loss: torch.Tensor, **kwargs) -> None:
        """Backpropagate the (scaled, for float16) loss."""
        self.loss_scaler.scale(loss).backward(**kwargs)
        self._inner_count += 1

    def step(self, **kwargs) -> None:
        """Unscale (if clipping), step unless gradients overflowed, and update the scale."""
        if self.clip_grad_kwargs:
            self.loss_scaler.unscale_(self.optimizer)
            self._clip_grad()
        self.loss_scaler.step(self.optimizer, **kwargs)
        self.loss_scaler.update(self._scale_update_param)

    def state_dict(self) -> dict:
        """The optimizer's state with the scaler's under ``"loss_scaler"``."""
        state = super().state_dict()
        state["loss_scaler"] = self.loss_scaler.state_dict()
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the optimizer and, when the checkpoint has one, the scaler."""
        state_dict = dict(state_dict)
        scaler_state = state_dict.pop("loss_scaler", None)
        if scaler_state and self.scaling:
            self.loss_scaler.load_state_dict(scaler_state)
        if "base_param_settings" in state_dict:
            self.base_param_settings = state_dict.pop("base_param_settings")
        self.optimizer.load_state_dict(state_dict)

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """Gradient-accumulation context of ``OptimWrapper`` plus ``torch.autocast``."""
        with super().optim_context(model), torch.autocast(device_type=self.device_type, dtype=self.cast_dtype):
            yield
