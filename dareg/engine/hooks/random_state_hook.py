"""Saves and restores the global random states, so a resumed run continues bit for bit."""

from __future__ import annotations

from typing import Any

from mmengine.hooks import Hook

from dareg.registry import HOOKS
from dareg.utils.random_state import capture_random_state, restore_random_state


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Keep the global random states in checkpoints, and keep validation from consuming them.

    mmengine re-seeds a resumed run with the original seed, so dropout masks, noise vectors and
    history-pool draws after a resume differ from those of the uninterrupted run. This hook stores
    the states in every checkpoint and restores them before the first iteration after a resume.
    It also restores the states after each validation, so turning validation on or off (or its
    dataloader workers) never changes training. Data randomness is handled separately: dareg's
    samplers seed every sample's transforms from its position in the sample stream.
    """

    priority = "VERY_HIGH"

    def __init__(self) -> None:
        self._resumed_state: dict[str, Any] | None = None
        self._resumed_iter: int | None = None
        self._before_val: dict[str, Any] | None = None

    def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        # a save during validation (PreemptionHook) stores the training state, from before validation
        checkpoint["random_state"] = self._before_val if self._before_val is not None else capture_random_state()

    def after_load_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        self._resumed_state = checkpoint.get("random_state")
        self._resumed_iter = checkpoint.get("meta", {}).get("iter")

    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        # load_from (a new run that starts from weights) starts at 0 and keeps its own seed
        if self._resumed_state is not None and batch_idx == self._resumed_iter:
            restore_random_state(self._resumed_state)
        self._resumed_state = None

    def before_val(self, runner: Any) -> None:
        self._before_val = capture_random_state()

    def after_val(self, runner: Any) -> None:
        if self._before_val is not None:
            restore_random_state(self._before_val)
            self._before_val = None
