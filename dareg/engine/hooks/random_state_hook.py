"""Saves and restores the global random states of every rank, so a resumed run continues bit for bit.

Checkpoints hold ``random_state = {"ranks": [state of rank 0, state of rank 1, ...]}``: every rank's
Python, numpy, torch CPU and CUDA generator states, gathered when the checkpoint is saved (only rank
0 writes the file). The states are plain lists of numbers, so they load under any ``map_location``
(mmengine's ``Runner.resume`` loads to ``"cuda"`` on a GPU machine). Checkpoints of dareg before
per-rank states hold one state (rank 0's, with tensors); every rank restores that one, as before,
and the log says so.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log

from dareg.registry import HOOKS
from dareg.utils.random_state import capture_random_state, restore_random_state, with_lists


def gather_random_states(state: dict[str, Any] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every rank's ``state`` (default: :func:`capture_random_state`), in rank order.

    A collective: every rank calls it.
    """
    state = capture_random_state() if state is None else state
    return {"ranks": all_gather_object(state) if get_world_size() > 1 else [state]}


def rank_random_state(stored: dict[str, Any], rank: int, world_size: int) -> dict[str, Any]:
    """This rank's state out of a checkpoint's ``random_state`` (per-rank, or the single state of older checkpoints)."""
    if "ranks" not in stored:
        if world_size > 1:
            print_log(
                "RandomStateHook: the checkpoint holds one random state (written by dareg before per-rank states); "
                f"every rank restores it, so ranks 1..{world_size - 1} do not continue their own random streams "
                "exactly (dropout, noise). Checkpoints written from now on hold every rank's state.",
                logger="current",
                level=logging.WARNING,
            )
        return with_lists(stored)
    states = stored["ranks"]
    if len(states) != world_size:
        print_log(
            f"RandomStateHook: the checkpoint holds the random states of {len(states)} ranks, this run has "
            f"{world_size}; rank r restores state r modulo {len(states)}, so the random streams do not continue "
            "exactly.",
            logger="current",
            level=logging.WARNING,
        )
    return states[rank % len(states)]


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Keep every rank's global random states in checkpoints, and keep validation from consuming them.

    mmengine re-seeds a resumed run with the original seed, so dropout masks, noise vectors and
    history-pool draws after a resume differ from those of the uninterrupted run. This hook stores
    the states of every rank in every checkpoint and each rank restores its own before the first
    iteration after a resume. mmengine's ``Runner.save_checkpoint`` runs on rank 0 only, so under
    DDP this hook wraps it to gather the states of all ranks first: every rank must call
    ``runner.save_checkpoint``, as mmengine's and dareg's checkpoint hooks do. It also
    restores the states after each validation, so turning validation on or off (or its dataloader
    workers) never changes training. Data randomness is handled separately: dareg's samplers seed
    every sample's transforms from its position in the sample stream.
    """

    priority = "VERY_HIGH"

    def __init__(self) -> None:
        self._resumed_state: dict[str, Any] | None = None
        self._resumed_iter: int | None = None
        self._before_val: dict[str, Any] | None = None
        self._gathered: dict[str, list[dict[str, Any]]] | None = None

    def before_run(self, runner: Any) -> None:
        # mmengine's Runner.save_checkpoint is master_only, so its before_save_checkpoint hooks run on rank 0
        # alone: gather the states first, in the call every rank makes
        if get_world_size() > 1:
            runner.save_checkpoint = self._gathering(runner.save_checkpoint)

    def _gathering(self, save: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(save)
        def save_with_every_rank_state(*args: Any, **kwargs: Any) -> Any:
            self._gathered = gather_random_states(self._before_val)
            try:
                return save(*args, **kwargs)
            finally:
                self._gathered = None

        return save_with_every_rank_state

    def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        # a save during validation (PreemptionHook) stores the training state, from before validation
        own = self._before_val if self._before_val is not None else capture_random_state()
        checkpoint["random_state"] = self._gathered or {"ranks": [own]}

    def after_load_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        stored = checkpoint.get("random_state")
        self._resumed_state = None if stored is None else rank_random_state(stored, get_rank(), get_world_size())
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
