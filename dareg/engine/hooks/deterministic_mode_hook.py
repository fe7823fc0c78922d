"""Deterministic mode that works on CUDA: ``randomness=dict(deterministic=True[, warn_only=True])``.

mmengine's ``deterministic=True`` calls ``torch.use_deterministic_algorithms(True)``. On a GPU that
alone fails: cuBLAS needs ``CUBLAS_WORKSPACE_CONFIG`` before CUDA starts, and several kernels that
dareg's methods use have no deterministic version and raise at their first call
(:mod:`dareg.utils.determinism`). :func:`configure_determinism`, run by ``build_runner`` before
anything touches the GPU, sets the variable and turns ``randomness.warn_only`` (which mmengine does
not know) into a :class:`DeterministicModeHook`, which

* applies ``torch.use_deterministic_algorithms(True, warn_only=...)`` before the first iteration,
  after mmengine's ``--resume`` re-applied its own setting without ``warn_only``;
* refuses, before training on CUDA, an algorithm whose operations in
  :data:`NONDETERMINISTIC_CUDA_OPS` would raise, naming them and the two ways on; with
  ``warn_only=True`` it logs them instead (torch then warns at each call and runs them
  nondeterministically).
"""

from __future__ import annotations

import logging
from typing import Any

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from dareg.registry import HOOKS
from dareg.utils.determinism import set_cublas_workspace_config

#: Per algorithm, the operations without a deterministic CUDA kernel that one training iteration of its
#: reference config runs (``python -m dareg.benchmark.determinism`` records them on the CPU). The
#: others (ADDA, PixelDA, DiscoGAN, DANN, CDAN, MCD, MDD) run none.
NONDETERMINISTIC_CUDA_OPS: dict[str, tuple[str, ...]] = {
    "AdaptSegNet": ("NLLLoss / cross_entropy on 2-D maps", "interpolate(mode='bilinear') backward"),
    "SourceOnly": ("NLLLoss / cross_entropy on 2-D maps", "interpolate(mode='bilinear') backward"),
    "CycleGAN": ("ReflectionPad2d backward",),
    "CyCADA": ("NLLLoss / cross_entropy on 2-D maps", "ReflectionPad2d backward"),
}

_HOOK_TYPES = ("DeterministicModeHook", "dareg.DeterministicModeHook")


class DeterministicModeError(RuntimeError):
    """Deterministic mode was asked for on CUDA, and the algorithm runs operations that refuse it."""


def configure_determinism(cfg: Any) -> None:
    """Prepare ``cfg.randomness.deterministic`` for CUDA before the Runner exists (see the module doc).

    Sets ``CUBLAS_WORKSPACE_CONFIG`` and moves ``randomness.warn_only`` into a
    :class:`DeterministicModeHook` of ``custom_hooks`` (the dumped config shows it).

    Raises:
        ValueError: ``randomness.warn_only`` without ``randomness.deterministic=True``.
    """
    randomness = cfg.get("randomness") or {}
    warn_only = randomness.pop("warn_only", None)
    hooks = list(cfg.get("custom_hooks") or [])
    existing = [hook for hook in hooks if isinstance(hook, dict) and hook.get("type") in _HOOK_TYPES]
    if not randomness.get("deterministic"):
        if warn_only is not None or existing:
            raise ValueError(
                "randomness.warn_only (or a DeterministicModeHook) only applies to deterministic mode: set "
                "randomness.deterministic=True as well, or drop it."
            )
        return
    set_cublas_workspace_config()
    if existing:
        if warn_only is not None:
            existing[0]["warn_only"] = bool(warn_only)
    else:
        hooks.append(dict(type="DeterministicModeHook", warn_only=bool(warn_only)))
    cfg.custom_hooks = hooks


def known_nondeterministic_ops(algorithm: type | str) -> tuple[str, ...]:
    """What ``algorithm`` declares, else the entry of :data:`NONDETERMINISTIC_CUDA_OPS` for it or its nearest base.

    A plugin's algorithm declares its operations as a class attribute ``nondeterministic_cuda_ops``
    (a tuple of the names of :data:`~dareg.utils.determinism.CUDA_NONDETERMINISTIC_OPS`); a subclass
    without one (dareg-advent's ``AdvEnt`` of ``AdaptSegNet``) inherits its parent's entry.
    """
    declared = getattr(algorithm, "nondeterministic_cuda_ops", None)
    if declared is not None:
        return tuple(declared)
    names = [cls.__name__ for cls in algorithm.__mro__] if isinstance(algorithm, type) else [algorithm]
    return next((NONDETERMINISTIC_CUDA_OPS[name] for name in names if name in NONDETERMINISTIC_CUDA_OPS), ())


def check_deterministic_ops(algorithm: type | str, device_type: str, warn_only: bool) -> list[str]:
    """Refuse (strict) or report (``warn_only``) ``algorithm``'s operations that have no deterministic CUDA kernel.

    Returns:
        The operations that run nondeterministically (``warn_only`` on CUDA), else an empty list.

    Raises:
        DeterministicModeError: On CUDA, without ``warn_only``, when the algorithm runs any.
    """
    ops = known_nondeterministic_ops(algorithm)
    if device_type != "cuda" or not ops:
        return []
    algorithm = algorithm.__name__ if isinstance(algorithm, type) else algorithm
    listed = ", ".join(ops)
    if not warn_only:
        raise DeterministicModeError(
            f"randomness.deterministic=True on CUDA: {algorithm} runs operations that have no deterministic CUDA "
            f"kernel ({listed}); torch would raise at the first one. Either set randomness.warn_only=True "
            "(--cfg-options +randomness.warn_only=True: those operations run nondeterministically with a "
            "warning, everything else deterministically), or randomness.deterministic=False. See docs "
            "'Failures and recovery', exact resume."
        )
    print_log(
        f"DeterministicModeHook: {algorithm} runs {listed} nondeterministically on CUDA (randomness.warn_only=True); "
        "everything else is deterministic, so a resumed run matches the uninterrupted one closely, not bit for bit.",
        logger="current",
        level=logging.WARNING,
    )
    return list(ops)


def _device_type(model: torch.nn.Module) -> str:
    parameter = next(model.parameters(), None)
    return parameter.device.type if parameter is not None else "cpu"


@HOOKS.register_module()
class DeterministicModeHook(Hook):
    """Apply deterministic mode with ``warn_only`` and check the algorithm's operations before training.

    Added by ``build_runner`` when ``randomness.deterministic=True`` (see the module doc).

    Args:
        warn_only: Let operations without a deterministic CUDA kernel run nondeterministically, with
            a warning, instead of raising. Defaults to False.
    """

    priority = "VERY_HIGH"

    def __init__(self, warn_only: bool = False) -> None:
        self.warn_only = warn_only

    def before_train(self, runner: Any) -> None:
        # after load_or_resume: mmengine's resume calls use_deterministic_algorithms(True) again, without warn_only
        torch.use_deterministic_algorithms(True, warn_only=self.warn_only)
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        check_deterministic_ops(type(model), _device_type(model), self.warn_only)
