"""Sanity checks of a benchmarked training run: finite losses, optimizers that stepped, weights that moved.

:class:`TrainingChecksHook` watches a run without slowing it down (no device synchronisation per
iteration): it keeps the logged loss tensors and reads them once at the end, counts each
optimizer's ``step`` calls with ``register_step_post_hook`` (a float16 step that the loss scaler
skips because of inf/NaN gradients is not counted), and compares each optimizer's parameters after
training with a CPU copy taken before the first iteration. ``tools/benchmark.py`` reports the result
(``checks`` in its JSON), and ``tools/gpu_check.sh`` fails a run on it.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapperDict


def _named_wrappers(optim_wrapper: Any) -> dict[str, Any]:
    if isinstance(optim_wrapper, OptimWrapperDict):
        return dict(optim_wrapper.optim_wrappers)
    return {"optimizer": optim_wrapper}


def optimizer_parameters(optim_wrapper: Any) -> dict[str, tuple[torch.optim.Optimizer, list[torch.Tensor]]]:
    """Each optimizer of the runner (by its name; ``"optimizer"`` for a single one) with its parameters."""
    return {
        name: (wrapper.optimizer, [p for group in wrapper.optimizer.param_groups for p in group["params"]])
        for name, wrapper in _named_wrappers(optim_wrapper).items()
    }


def loss_scales(optim_wrapper: Any) -> dict[str, float]:
    """The current loss scale of each optimizer under AMP with a dynamic loss scaler (float16), by name."""
    scales = {}
    for name, wrapper in _named_wrappers(optim_wrapper).items():
        scaler = getattr(wrapper, "loss_scaler", None)
        if scaler is not None and hasattr(scaler, "get_scale") and scaler.is_enabled():
            scales[name] = float(scaler.get_scale())
    return scales


class TrainingChecksHook(Hook):
    """Record whether a run's losses stay finite and whether each optimizer moves its weights.

    After training, :attr:`result` holds ``losses_finite`` (bool), ``nonfinite`` (``{loss name:
    first iteration}``), ``steps`` (``{optimizer: step calls}``), ``moved`` (``{optimizer: fraction
    of its parameter tensors that changed}``), ``weights_moved`` (every optimizer that stepped
    changed at least one tensor, and at least one optimizer stepped) and ``passed`` (both). Under
    float16 AMP it also holds ``loss_scale`` (``{optimizer: (first, last)}``) and ``settling``: the
    optimizers whose scale fell, so that the scaler skipped steps of inf gradients while the scale
    settled from its initial 65,536 (the first steps of DANN and CDAN do that with random weights).
    """

    priority = "LOWEST"

    def __init__(self) -> None:
        self.losses: list[dict[str, torch.Tensor]] = []
        self.steps: dict[str, int] = {}
        self.before: dict[str, list[torch.Tensor]] = {}
        self.result: dict[str, Any] = {}
        self._handles: list[Any] = []
        self.scales: dict[str, list[float]] = {}

    def before_train(self, runner: Any) -> None:
        for name, (optimizer, params) in optimizer_parameters(runner.optim_wrapper).items():
            self.before[name] = [p.detach().to("cpu", copy=True) for p in params]
            self.steps[name] = 0
            self._handles.append(optimizer.register_step_post_hook(self._counter(name)))
        self.scales = {name: [scale, scale] for name, scale in loss_scales(runner.optim_wrapper).items()}

    def _counter(self, name: str):
        def count(optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
            self.steps[name] += 1

        return count

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        if isinstance(outputs, dict):
            self.losses.append({k: v.detach() for k, v in outputs.items() if isinstance(v, torch.Tensor)})

    def after_train(self, runner: Any) -> None:
        for handle in self._handles:
            handle.remove()
        for name, scale in loss_scales(runner.optim_wrapper).items():
            if name in self.scales:
                self.scales[name][1] = scale
        nonfinite: dict[str, int] = {}
        for index, losses in enumerate(self.losses):
            for name, value in losses.items():
                if name not in nonfinite and not bool(torch.isfinite(value.float()).all()):
                    nonfinite[name] = index
        moved = {}
        for name, (_, params) in optimizer_parameters(runner.optim_wrapper).items():
            before = self.before.get(name, [])
            changed = sum(not torch.equal(old, new.detach().cpu()) for old, new in zip(before, params))
            moved[name] = changed / len(before) if before else math.nan
        stepped = [name for name, count in self.steps.items() if count > 0]
        weights_moved = bool(stepped) and all(moved[name] > 0 for name in stepped)
        self.result = dict(
            losses_finite=not nonfinite,
            nonfinite=nonfinite,
            iterations=len(self.losses),
            steps=dict(self.steps),
            moved=moved,
            weights_moved=weights_moved,
            loss_scale={name: tuple(pair) for name, pair in self.scales.items()},
            settling=[name for name, (first, last) in self.scales.items() if last < first],
            passed=not nonfinite and weights_moved,
        )
        self.before.clear()
