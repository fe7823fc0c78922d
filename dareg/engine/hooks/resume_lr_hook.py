"""On ``--resume``, the config's schedule wins over the checkpoint's.

mmengine restores every optimizer's ``param_groups`` (learning rates included) and every parameter
scheduler (``begin``, ``end``, ``base_values`` ...) from the checkpoint. So a run resumed with
``--cfg-options train_cfg.max_iters=8`` after 4 iterations kept the schedulers' old ``end`` and
trained every new iteration at lr 0, and one resumed with a lower learning rate (what
:class:`~dareg.engine.hooks.FiniteLossHook` advises after a divergence) kept the old ``base_lr``
in mmengine's hidden parameter group (``OptimWrapper.base_param_settings``, logged as ``base_lr``).

The rule :class:`ResumeLearningRateHook` applies: **the config (after ``--cfg-options``) says what
the schedule is; the checkpoint says how far the run got.** When the config's schedulers or base
rates differ from the checkpoint's, the config's schedulers are stepped to the resumed iteration,
and every scheduled value (the learning rates of all parameter groups, the hidden base group
included, and momentum where scheduled) becomes what a run started with this config would have
there; the checkpoint's scheduler states are replaced by those. One line is logged. A schedule
extended to a new ``max_iters`` therefore continues on the new schedule, and a new base rate
applies from the next iteration at the scale the schedule has reached. Weights, momentum buffers,
weight decay and every other optimizer statistic still come from the checkpoint. Unchanged
schedules are left exactly as saved (a resume stays bit for bit).

Changes that cannot be honoured fail with :class:`ResumeChangeError` before the first iteration:
a ``max_iters`` below the checkpoint's iteration, optimizers or parameter groups that differ in
number from the checkpoint's, and a changed metric-driven schedule (``ReduceOnPlateau``).
"""

from __future__ import annotations

import logging
import re
import warnings
from typing import Any

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.optim.scheduler import ReduceOnPlateauParamScheduler
from mmengine.runner import IterBasedTrainLoop

from dareg.registry import HOOKS
from dareg.utils.config import ConfigError

#: Scheduler state that records progress, not the schedule: it is not compared.
PROGRESS_KEYS = frozenset({"last_step", "_global_step", "_last_value", "_get_value_called_within_step", "verbose"})
#: Scheduler state derived from the parameter groups' initial values, which are compared instead.
DERIVED_KEYS = frozenset({"base_values"})


class ResumeChangeError(ConfigError):
    """A resumed run's config asks for a change that the checkpoint's state cannot follow."""


def _wrappers(runner: Any) -> dict[str | None, OptimWrapper]:
    wrapper = getattr(runner, "optim_wrapper", None)
    if isinstance(wrapper, OptimWrapperDict):
        return dict(wrapper.items())
    if isinstance(wrapper, OptimWrapper):
        return {None: wrapper}
    return {}  # not built: loading weights for testing, or load_from without training


def _schedulers(runner: Any) -> dict[str | None, list]:
    schedulers = getattr(runner, "param_schedulers", None)
    if isinstance(schedulers, dict):
        return {name: list(value) for name, value in schedulers.items()}
    return {None: list(schedulers or [])}


def _entry(value: Any, name: str | None) -> Any:
    return value if name is None else (value.get(name) if isinstance(value, dict) else None)


def _saved_groups(saved: dict) -> list[dict]:
    """The saved parameter groups, aligned with ``OptimWrapper.param_groups`` (hidden base group last)."""
    return list(saved["param_groups"]) + ([saved["base_param_settings"]] if "base_param_settings" in saved else [])


def _scheduled_keys(schedulers: list, group: dict) -> set[str]:
    keys = set()
    for scheduler in schedulers:
        keys |= {scheduler.param_name, f"initial_{scheduler.param_name}"}
        if scheduler.param_name == "momentum" and "betas" in group:
            keys.add("betas")
    return keys


def schedule_differences(label: str, schedulers: list, saved_states: list, wrapper: Any, saved: dict) -> list[str]:
    """What differs between the config's schedule of one optimizer and the checkpoint's (one entry each)."""
    differences = []
    if len(schedulers) != len(saved_states):
        differences.append(f"{label}: {len(saved_states)} schedulers -> {len(schedulers)}")
    for index, (scheduler, state) in enumerate(zip(schedulers, saved_states)):
        fresh = scheduler.state_dict()
        for key in sorted(set(fresh) - PROGRESS_KEYS - DERIVED_KEYS):
            if key in state and state[key] != fresh[key]:
                differences.append(f"{label} scheduler {index} {key} {state[key]} -> {fresh[key]}")
    for index, (group, saved_group) in enumerate(zip(wrapper.param_groups, _saved_groups(saved))):
        for key in sorted(k for k in _scheduled_keys(schedulers, group) if k.startswith("initial_")):
            if key in saved_group and key in group and saved_group[key] != group[key]:
                differences.append(f"{label} group {index} {key} {saved_group[key]:g} -> {group[key]:g}")
    return differences


def _step(schedulers: list, iterations: int, epochs: int) -> None:
    """Step fresh schedulers as ``ParamSchedulerHook`` does over ``iterations`` iterations and ``epochs`` epochs."""
    with warnings.catch_warnings():  # no optimizer.step() between these scheduler steps, on purpose
        warnings.filterwarnings("ignore", message=re.escape("Detected call of `scheduler.step()` before"))
        for _ in range(iterations):
            for scheduler in schedulers:
                if not scheduler.by_epoch:
                    scheduler.step()
        for _ in range(epochs):
            for scheduler in schedulers:
                if scheduler.by_epoch:
                    scheduler.step()


def replan(schedulers: list, wrapper: Any, saved: dict, iterations: int, epochs: int) -> list[dict]:
    """Step the config's ``schedulers`` to the resumed point and write the values into ``saved``.

    Args:
        schedulers: The freshly built schedulers of one optimizer (at step 0; stepped here).
        wrapper: Their optimizer wrapper (its values change here; the checkpoint's load replaces them).
        saved: The checkpoint's state of that optimizer (changed in place).
        iterations: Iterations done. epochs: Epochs done.

    Returns:
        The scheduler states to restore.
    """
    _step(schedulers, iterations, epochs)
    for group, saved_group in zip(wrapper.param_groups, _saved_groups(saved)):
        for key in _scheduled_keys(schedulers, group):
            if key in group:
                saved_group[key] = group[key]
    return [scheduler.state_dict() for scheduler in schedulers]


@HOOKS.register_module()
class ResumeLearningRateHook(Hook):
    """Apply the config's schedule to a resumed run (see the module docstring for the rule).

    Examples:
        >>> default_hooks = dict(resume_lr=dict(type="ResumeLearningRateHook"))
    """

    priority = "VERY_HIGH"

    def after_load_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        # runs before mmengine restores the optimizers and schedulers from the same dict
        if not getattr(runner, "_resume", False) or "optimizer" not in checkpoint:
            return
        meta = checkpoint.get("meta", {})
        iterations, epochs = int(meta.get("iter", 0)), int(meta.get("epoch", 0))
        loop = runner.train_loop
        if isinstance(loop, IterBasedTrainLoop) and iterations > loop.max_iters:  # equal: a finished run, a no-op
            raise ResumeChangeError(
                f"The checkpoint is at iteration {iterations}, past train_cfg.max_iters={loop.max_iters}: the resumed "
                f"run cannot end where the config says. Set train_cfg.max_iters to {iterations} or more (the schedule "
                "follows), or start a new run from its weights with load_from=CHECKPOINT."
            )
        changes, old_rates, new_rates = [], {}, {}
        schedulers = _schedulers(runner)
        for name, wrapper in _wrappers(runner).items():
            saved = _entry(checkpoint["optimizer"], name)
            states = _entry(checkpoint.get("param_schedulers"), name)
            if not isinstance(saved, dict) or "param_groups" not in saved:
                continue
            label = name or "optimizer"
            self._check_groups(label, wrapper, saved)
            fresh = schedulers.get(name, [])
            differences = schedule_differences(label, fresh, states or [], wrapper, saved)
            if not differences or states is None:
                continue
            if any(isinstance(scheduler, ReduceOnPlateauParamScheduler) for scheduler in fresh):
                raise ResumeChangeError(
                    f"The schedule of {label} changed ({'; '.join(differences)}), and it is driven by a metric "
                    "(ReduceOnPlateau), which cannot be replayed to the resumed iteration. Resume with the "
                    "checkpoint's schedule, or start a new run from its weights with load_from=CHECKPOINT."
                )
            old_rates[label] = saved["param_groups"][0].get("lr")
            new_states = replan(fresh, wrapper, saved, iterations, epochs)
            if isinstance(checkpoint["param_schedulers"], dict):
                checkpoint["param_schedulers"][name] = new_states
            else:
                checkpoint["param_schedulers"] = new_states
            new_rates[label] = saved["param_groups"][0].get("lr")
            changes += differences
        if changes:
            rates = ", ".join(f"{label} {old_rates[label]:.6g} -> {new_rates[label]:.6g}" for label in new_rates)
            print_log(
                f"Resuming at iteration {iterations} with the config's schedule, not the checkpoint's "
                f"({'; '.join(changes)}): learning rates now {rates}, as a run started with this config has them "
                "here.",
                logger="current",
                level=logging.WARNING,
            )

    @staticmethod
    def _check_groups(label: str, wrapper: Any, saved: dict) -> None:
        fresh, stored = len(wrapper.optimizer.param_groups), len(saved["param_groups"])
        if fresh != stored:
            raise ResumeChangeError(
                f"{label} has {fresh} parameter groups in the config but {stored} in the checkpoint (paramwise_cfg "
                "or the model changed): its state cannot be restored. Undo the change to --resume, or start a new "
                "run from the checkpoint's weights with load_from=CHECKPOINT."
            )
