"""On ``--resume``, the config's learning rates win over the checkpoint's.

mmengine restores each optimizer's ``param_groups`` (learning rates included) and each scheduler's
``base_values`` from the checkpoint, so a run resumed with
``--cfg-options optim_wrapper.segmentor.optimizer.lr=1e-4`` (what
:class:`~dareg.engine.hooks.FiniteLossHook` advises after a divergence) silently keeps the old rate.

The rule :class:`ResumeLearningRateHook` applies: the learning rate of the config (after
``--cfg-options``) is the *base* rate of each parameter group. When it differs from the base rate the
checkpoint was trained with, the group's base rate becomes the config's and its current rate is
scaled by ``new base / old base``, so the schedule continues from where it was, at the new scale
(exactly what a run started with the new rate would have at this iteration for PolyLR, StepLR,
ExponentialLR ... with ``eta_min=0``). Each change is logged. Momentum, weight decay and the
optimizer's running statistics still come from the checkpoint.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper, OptimWrapperDict

from dareg.registry import HOOKS


def _optimizers(runner: Any) -> dict[str | None, Any]:
    wrapper = getattr(runner, "optim_wrapper", None)
    if isinstance(wrapper, OptimWrapperDict):
        return {name: inner.optimizer for name, inner in wrapper.items()}
    if isinstance(wrapper, OptimWrapper):
        return {None: wrapper.optimizer}
    return {}  # not built: loading weights for testing, or load_from without training


def _scheduler_states(checkpoint: dict, name: str | None) -> list[dict]:
    states = checkpoint.get("param_schedulers")
    if isinstance(states, dict):
        states = states.get(name, [])
    return [s for s in states or [] if isinstance(s, dict) and s.get("param_name") == "lr"]


def rebase_learning_rates(checkpoint: dict, optimizers: dict[str | None, Any]) -> list[str]:
    """Rewrite ``checkpoint``'s optimizer and scheduler states to the base rates of ``optimizers``.

    Args:
        checkpoint: A loaded checkpoint (changed in place, before mmengine restores it).
        optimizers: The freshly built optimizers, by optimizer key (None for a single optimizer).

    Returns:
        One line per changed parameter group.
    """
    saved_states = checkpoint.get("optimizer")
    changes = []
    for name, optimizer in optimizers.items():
        saved = saved_states.get(name) if name is not None and isinstance(saved_states, dict) else saved_states
        if not isinstance(saved, dict) or "param_groups" not in saved:
            continue
        schedulers = _scheduler_states(checkpoint, name)
        for index, (fresh, old) in enumerate(zip(optimizer.param_groups, saved["param_groups"])):
            new_base = fresh.get("initial_lr", fresh["lr"])
            old_base = old.get("initial_lr", old["lr"])
            if math.isclose(new_base, old_base, rel_tol=1e-9, abs_tol=0.0):
                continue
            factor = new_base / old_base if old_base else None
            current = old["lr"]
            old["lr"] = current * factor if factor is not None else new_base
            if "initial_lr" in old:
                old["initial_lr"] = new_base
            for state in schedulers:
                if index < len(state.get("base_values", [])):
                    state["base_values"][index] = new_base
                if factor is not None and index < len(state.get("_last_value", [])):
                    state["_last_value"][index] *= factor
            label = f"{name} group {index}" if name is not None else f"group {index}"
            changes.append(f"{label}: base {old_base:g} -> {new_base:g}, current {current:g} -> {old['lr']:g}")
    return changes


@HOOKS.register_module()
class ResumeLearningRateHook(Hook):
    """Apply the config's learning rates to a resumed run (see the module docstring for the rule).

    Examples:
        >>> default_hooks = dict(resume_lr=dict(type="ResumeLearningRateHook"))
    """

    priority = "VERY_HIGH"

    def after_load_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        # runs before mmengine restores the optimizers and schedulers from the same dict
        if not getattr(runner, "_resume", False) or "optimizer" not in checkpoint:
            return
        changes = rebase_learning_rates(checkpoint, _optimizers(runner))
        if changes:
            print_log(
                "Resuming with the config's learning rates (they differ from the checkpoint's): " + "; ".join(changes),
                logger="current",
                level=logging.WARNING,
            )
