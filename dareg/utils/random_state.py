"""The global random states of Python, numpy and torch, captured and restored as one value.

Used where something must run without changing training's randomness (validation, validators,
Inception features) and by :class:`~dareg.engine.hooks.RandomStateHook`, which keeps every rank's
states in checkpoints. The states are plain lists of numbers, so a checkpoint that holds them loads
under any ``map_location`` (mmengine's ``Runner.resume`` loads to ``"cuda"`` on a GPU machine);
checkpoints written before that hold tensors, which :func:`with_lists` converts.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch


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


def with_lists(state: dict[str, Any]) -> dict[str, Any]:
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
