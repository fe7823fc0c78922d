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
import random
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log

from dareg.registry import HOOKS


def capture_random_state() -> dict[str, Any]:
    """The global RNG states of Python, numpy and torch (CPU and every CUDA device), as plain lists."""
    py_version, py_state, py_gauss = random.getstate()
    np_name, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    state = {
        "python": (py_version, list(py_state), py_gauss),
        "numpy": (np_name, np_keys.tolist(), int(np_pos), int(np_has_gauss), float(np_gauss)),
        "torch": torch.get_rng_state().tolist(),
    }
    if torch.cuda.is_available():
        state["cuda"] = [device_state.tolist() for device_state in torch.cuda.get_rng_state_all()]
    return state


def _as_list(value: list[int] | torch.Tensor) -> list[int]:
    """A stored generator state as a list, from a list or (checkpoints before lists) a tensor on any device."""
    if not isinstance(value, torch.Tensor):
        return list(value)
    if value.is_meta:
        raise ValueError(
            "RandomStateHook: the checkpoint's random state was loaded with map_location='meta'. Checkpoints of "
            "dareg before per-rank random states store it as tensors, whose values a meta load drops; load it "
            "with map_location='cpu' (or a device) to restore it"
        )
    return value.detach().cpu().tolist()


def _with_lists(state: dict[str, Any]) -> dict[str, Any]:
    """``state`` with the tensors of checkpoints before lists as lists (from whatever device they were loaded to)."""
    np_name, np_keys, np_pos, np_has_gauss, np_gauss = state["numpy"]
    converted = dict(state, numpy=(np_name, _as_list(np_keys), np_pos, np_has_gauss, np_gauss))
    converted["torch"] = _as_list(state["torch"])
    if "cuda" in state:
        converted["cuda"] = [_as_list(device_state) for device_state in state["cuda"]]
    return converted


def restore_random_state(state: dict[str, Any]) -> None:
    """Restore what :func:`capture_random_state` returned."""
    py_version, py_state, py_gauss = state["python"]
    random.setstate((py_version, tuple(py_state), py_gauss))
    np_name, np_keys, np_pos, np_has_gauss, np_gauss = state["numpy"]
    np.random.set_state((np_name, np.asarray(np_keys, dtype=np.uint32), np_pos, np_has_gauss, np_gauss))
    torch.set_rng_state(torch.tensor(state["torch"], dtype=torch.uint8))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([torch.tensor(device, dtype=torch.uint8) for device in state["cuda"]])


def gather_random_states() -> dict[str, list[dict[str, Any]]]:
    """Every rank's :func:`capture_random_state`, in rank order (a collective: every rank must call it)."""
    state = capture_random_state()
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
        return _with_lists(stored)
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
            self._gathered = gather_random_states()
            try:
                return save(*args, **kwargs)
            finally:
                self._gathered = None

        return save_with_every_rank_state

    def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        checkpoint["random_state"] = self._gathered or {"ranks": [capture_random_state()]}

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
