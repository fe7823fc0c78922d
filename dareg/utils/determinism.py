"""Deterministic mode on CUDA: the cuBLAS setting it needs, and the operations that refuse it.

``torch.use_deterministic_algorithms(True)`` (what mmengine's ``randomness=dict(deterministic=True)``
calls) needs two things on a GPU that a CPU run never shows:

* cuBLAS reduces in a fixed order only with a fixed workspace, chosen by the environment variable
  ``CUBLAS_WORKSPACE_CONFIG`` (``:4096:8`` or ``:16:8``), read when the first cuBLAS handle is made;
  without it the first ``Linear`` or matmul on CUDA raises. :func:`set_cublas_workspace_config` sets
  it (keeping a value the user chose) before dareg builds anything on the GPU.
* Some CUDA kernels have no deterministic version and raise ``RuntimeError`` in that mode
  (``torch.use_deterministic_algorithms``'s documentation lists them), among them the backward of
  bilinear ``interpolate``, ``NLLLoss`` on 2-D maps (segmentation's cross-entropy), the backward of
  ``ReflectionPad2d`` (CycleGAN's generators) and of ``AdaptiveAvgPool2d`` (ResNet's global pool).
  :data:`CUDA_NONDETERMINISTIC_OPS` maps their ATen names to what users write, and
  :class:`NondeterministicOpsRecorder` records which of them a piece of code runs, on any device:
  the ATen operations are the same on the CPU, where they do not raise.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

#: The environment variable cuBLAS reads for its workspace, and the value dareg sets.
CUBLAS_WORKSPACE_VARIABLE = "CUBLAS_WORKSPACE_CONFIG"
CUBLAS_WORKSPACE_VALUE = ":4096:8"


def _always(args: tuple, kwargs: dict) -> bool:
    return True


def _bincount_with_weights(args: tuple, kwargs: dict) -> bool:
    return (len(args) > 1 and args[1] is not None) or kwargs.get("weights") is not None


def _put_without_accumulate(args: tuple, kwargs: dict) -> bool:
    return not (args[3] if len(args) > 3 else kwargs.get("accumulate", False))


def _scatter_reduce_prod(args: tuple, kwargs: dict) -> bool:
    return (args[4] if len(args) > 4 else kwargs.get("reduce")) == "prod"


#: ATen operation (overload packet name) -> (what users call, when it raises on CUDA in deterministic mode).
#: From ``torch.use_deterministic_algorithms``'s documentation ("will throw a RuntimeError").
CUDA_NONDETERMINISTIC_OPS: dict[str, tuple[str, Callable[[tuple, dict], bool]]] = {
    "avg_pool3d_backward": ("AvgPool3d backward", _always),
    "_adaptive_avg_pool2d_backward": ("AdaptiveAvgPool2d backward", _always),
    "_adaptive_avg_pool3d_backward": ("AdaptiveAvgPool3d backward", _always),
    "adaptive_max_pool2d_backward": ("AdaptiveMaxPool2d backward", _always),
    "fractional_max_pool2d_backward": ("FractionalMaxPool2d backward", _always),
    "fractional_max_pool3d_backward": ("FractionalMaxPool3d backward", _always),
    "max_unpool2d": ("MaxUnpool1d/2d", _always),
    "max_unpool3d": ("MaxUnpool3d", _always),
    "upsample_linear1d_backward": ("interpolate(mode='linear') backward", _always),
    "upsample_bilinear2d_backward": ("interpolate(mode='bilinear') backward", _always),
    "upsample_bicubic2d_backward": ("interpolate(mode='bicubic') backward", _always),
    "upsample_trilinear3d_backward": ("interpolate(mode='trilinear') backward", _always),
    "reflection_pad1d_backward": ("ReflectionPad1d backward", _always),
    "reflection_pad2d_backward": ("ReflectionPad2d backward", _always),
    "reflection_pad3d_backward": ("ReflectionPad3d backward", _always),
    "nll_loss2d_forward": ("NLLLoss / cross_entropy on 2-D maps", _always),
    "_ctc_loss_backward": ("CTCLoss backward", _always),
    "put": ("Tensor.put_(accumulate=False)", _put_without_accumulate),
    "histc": ("torch.histc", _always),
    "bincount": ("torch.bincount with weights", _bincount_with_weights),
    "grid_sampler_2d_backward": ("grid_sample backward", _always),
    "grid_sampler_3d_backward": ("grid_sample (3-D) backward", _always),
    "scatter_reduce": ("Tensor.scatter_reduce(reduce='prod')", _scatter_reduce_prod),
}


def set_cublas_workspace_config() -> str:
    """Set ``CUBLAS_WORKSPACE_CONFIG`` for deterministic cuBLAS unless it is set; returns the value in force.

    Raises:
        RuntimeError: CUDA is already initialised without the variable: cuBLAS may have read its
            workspace already, so setting it now might not take effect.
    """
    value = os.environ.get(CUBLAS_WORKSPACE_VARIABLE)
    if value in (":4096:8", ":16:8"):
        return value
    if value is not None:
        raise ValueError(
            f"{CUBLAS_WORKSPACE_VARIABLE}={value!r} does not make cuBLAS deterministic; deterministic mode "
            f"(randomness.deterministic=True) needs ':4096:8' or ':16:8'. Unset it or set one of those."
        )
    if torch.cuda.is_initialized():
        raise RuntimeError(
            f"Deterministic mode (randomness.deterministic=True) needs {CUBLAS_WORKSPACE_VARIABLE}="
            f"{CUBLAS_WORKSPACE_VALUE} before CUDA starts, and CUDA has started in this process already. Set it "
            f"in the environment: {CUBLAS_WORKSPACE_VARIABLE}={CUBLAS_WORKSPACE_VALUE} python tools/train.py ..."
        )
    os.environ[CUBLAS_WORKSPACE_VARIABLE] = CUBLAS_WORKSPACE_VALUE
    return CUBLAS_WORKSPACE_VALUE


class NondeterministicOpsRecorder(TorchDispatchMode):
    """Record which operations of :data:`CUDA_NONDETERMINISTIC_OPS` the code inside runs (forward and backward).

    Examples:
        >>> import torch.nn.functional as F
        >>> x = torch.ones(1, 1, 2, 2, requires_grad=True)
        >>> with NondeterministicOpsRecorder() as recorder:
        ...     F.interpolate(x, scale_factor=2, mode="bilinear").sum().backward()
        >>> sorted(recorder.found)
        ["interpolate(mode='bilinear') backward"]
    """

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, str] = {}  # what users call -> ATen operation

    def __torch_dispatch__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        kwargs = kwargs or {}
        name = func.overloadpacket.__name__.rstrip("_")  # in-place variants (put_) as their functional name
        entry = CUDA_NONDETERMINISTIC_OPS.get(name)
        if entry is not None and entry[1](args, kwargs):
            self.found.setdefault(entry[0], name)
        return func(*args, **kwargs)
