"""Stops a run at the first NaN or infinite loss, before any checkpoint of the broken state is saved.

Adversarial training diverges: a discriminator that wins outright drives the generator's loss to
``inf``, a bad learning rate fills the weights with NaN. mmengine keeps training (and saving
checkpoints, and moving the ``last_checkpoint`` pointer) on NaN weights, so the run is silently
lost and ``--resume`` restarts from garbage. :class:`FiniteLossHook` fails the run instead, naming
the losses and the iteration, and guarantees that the newest checkpoint on disk (the one
``--resume`` picks up) is the last good one.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from mmengine.dist import all_reduce, is_distributed
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from dareg.registry import HOOKS


class NonFiniteLossError(FloatingPointError):
    """Training diverged: a loss became NaN or infinite; training stopped without saving that state.

    :class:`NonFiniteWeightsError` (weights or buffers) derives from it, so ``except
    NonFiniteLossError`` catches either way a run diverges.
    """


class NonFiniteWeightsError(NonFiniteLossError):
    """Weights or buffers hold NaN or infinite values; the checkpoint of that state was not written."""


def non_finite_items(values: dict[str, Any]) -> dict[str, float]:
    """The entries of ``values`` (tensors or numbers) that hold a NaN or infinite value."""
    bad = {}
    for key, value in values.items():
        if isinstance(value, torch.Tensor):
            if value.is_floating_point() and not torch.isfinite(value.detach()).all():
                flat = value.detach().float().flatten()
                bad[key] = float(flat[~torch.isfinite(flat)][0])
        elif isinstance(value, float) and not math.isfinite(value):
            bad[key] = value
    return bad


def all_finite(values: dict[str, Any]) -> bool:
    """Whether every floating value is finite.

    Scalar tensors (what ``train_step`` returns for logging) are read with ``item()``: the logger
    reads each of them that way right after, so on a GPU the first read waits for the step and the
    others cost nothing, and on a CPU this is ~1 us per loss instead of ~100 us for concatenating
    and testing them as tensors. Larger tensors are tested on their device, all at once.
    """
    larger = []
    for value in values.values():
        if isinstance(value, torch.Tensor):
            if not value.is_floating_point():
                continue
            if value.numel() == 1:
                if not math.isfinite(value.item()):
                    return False
            elif value.numel():
                larger.append(value.detach().reshape(-1).float())
        elif isinstance(value, float) and not math.isfinite(value):
            return False
    return not larger or bool(torch.isfinite(torch.cat([t.to(larger[0].device) for t in larger])).all())


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Stop training with a clear error when a loss becomes NaN or infinite.

    After every training iteration the hook checks the losses that ``train_step`` returned; before
    every checkpoint it also checks the model's weights and buffers (a step can turn the weights
    NaN while the loss it reported was still finite). Either way it raises
    :class:`NonFiniteLossError` naming the offending losses (or :class:`NonFiniteWeightsError` naming the
    tensors) and the iteration. It runs
    before mmengine's ``CheckpointHook`` and raises before anything is written, so the broken state
    is never saved and ``last_checkpoint`` keeps pointing at the last good checkpoint: fix the
    cause (lower the learning rate, clip gradients, try ``--amp`` off) and ``--resume`` from there.
    Under distributed training every rank stops together.

    Args:
        loss_key: Only outputs whose name contains this string are checked (other logged values,
            such as a discriminator's accuracy, may legitimately be NaN). Defaults to ``"loss"``.
        check_weights_before_save: Also refuse to save a checkpoint whose weights are not finite.
            Defaults to True.
    """

    priority = "ABOVE_NORMAL"

    def __init__(self, loss_key: str = "loss", check_weights_before_save: bool = True) -> None:
        self.loss_key = loss_key
        self.check_weights_before_save = check_weights_before_save

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        losses = {k: v for k, v in outputs.items() if self.loss_key in k} if isinstance(outputs, dict) else {}
        bad = non_finite_items(losses) if not all_finite(losses) else {}
        if not self._any_rank(bool(bad)):
            return
        iteration = runner.iter + 1
        if bad:
            listed = ", ".join(f"{key}={value}" for key, value in bad.items())
            where = f"{listed} at iteration {iteration}"
        else:
            where = f"a non-finite loss on another rank at iteration {iteration}"
        raise NonFiniteLossError(f"Training stopped: {where} (of {runner.max_iters}). {self._advice(runner)}")

    def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        if not self.check_weights_before_save:
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        # only the saving rank gets here (no collective: the other ranks never call this hook); under
        # data parallelism every rank holds the same weights, so its check speaks for all of them
        bad = non_finite_items(dict(model.state_dict()))
        if not bad:
            return
        names = sorted(bad)
        iteration = checkpoint.get("meta", {}).get("iter", runner.iter)
        raise NonFiniteWeightsError(
            f"Training stopped: {len(names)} weight tensors hold NaN or infinite values after iteration "
            f"{iteration} (first: {names[:5]}); the checkpoint of that state was not saved. "
            f"{self._advice(runner)}"
        )

    @staticmethod
    def _any_rank(flag: bool) -> bool:
        if not is_distributed():
            return flag
        tensor = torch.tensor([1.0 if flag else 0.0])
        all_reduce(tensor, op="max")
        return bool(tensor.item() > 0)

    @staticmethod
    def _advice(runner: Any) -> str:
        from dareg.utils.checkpoint_files import read_pointer

        last = read_pointer(runner.work_dir)
        kept = f"The last good checkpoint is {last}" if last else "No checkpoint was saved before this point"
        return (
            f"{kept}; nothing of the non-finite state was saved. Lower the learning rates (for example "
            "--resume --cfg-options optim_wrapper.<name>.optimizer.lr=<smaller>: on --resume the config's "
            "learning rates apply), add clip_grad to the optim_wrapper or check the inputs, then resume with --resume."
        )
