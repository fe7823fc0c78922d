"""Refuses to load a checkpoint whose weights do not fit the model (``load_from`` and ``--resume``).

mmengine loads ``load_from`` and resumed checkpoints with ``strict=False``: a checkpoint of a
different config (another backbone, another number of classes, another method) loads with a
warning in the log, the mismatching weights keep their random initialisation, and the run trains
on. :class:`StrictLoadHook` checks the checkpoint's ``state_dict`` against the model before mmengine
loads it (``after_load_checkpoint`` runs first, for both paths) and raises a
:class:`CheckpointMismatchError` listing the missing keys, the unexpected keys and the shape
mismatches.

Self-training warm starts are told apart: a ``load_from`` checkpoint without the keys of a module
that the algorithm's ``train_spec`` declares as moved by EMA (the teacher; a source-only checkpoint
has none) is not a mismatch, since the first training iteration copies the teacher from the student
anyway. The hook names those keys in the log, and fills an :class:`~dareg.models.utils.EMATeacher`'s
from the checkpoint's student, so that a test of such a checkpoint sees a teacher equal to the
student. On ``--resume`` a missing teacher stays an error (a resumed run does not copy it again).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from typing import Any

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from torch import nn

from dareg.registry import HOOKS

#: How many keys of each kind the error lists before summarising the rest.
MAX_LISTED = 20


class CheckpointMismatchError(KeyError):
    """A checkpoint's weights do not match the model it is loaded into."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _listing(title: str, items: list[str]) -> str:
    shown = "\n    ".join(items[:MAX_LISTED])
    more = f"\n    ... and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
    return f"\n  {title} ({len(items)}):\n    {shown}{more}"


def compare_state_dicts(
    checkpoint_state: dict, model_state: dict, ignore_missing: Sequence[str] = (), ignore_unexpected: Sequence[str] = ()
) -> tuple[list[str], list[str], list[str]]:
    """Missing keys, unexpected keys and ``key: checkpoint shape vs model shape`` mismatches.

    Keys matching one of the glob patterns ``ignore_missing`` / ``ignore_unexpected`` are not
    reported. Empty model tensors (buffers allocated on first use) take any saved shape. A leading
    ``module.`` (a checkpoint saved from a DDP-wrapped model) is removed first, as mmengine does.
    """
    checkpoint_state = {re.sub(r"^module\.", "", key): value for key, value in checkpoint_state.items()}
    missing = [
        key
        for key in model_state
        if key not in checkpoint_state and not any(fnmatch.fnmatchcase(key, p) for p in ignore_missing)
    ]
    unexpected = [
        key
        for key in checkpoint_state
        if key not in model_state and not any(fnmatch.fnmatchcase(key, p) for p in ignore_unexpected)
    ]
    mismatched = []
    for key, value in checkpoint_state.items():
        expected = getattr(model_state.get(key), "shape", None)
        if expected is None or not hasattr(value, "shape") or model_state[key].numel() == 0:
            continue  # an empty model tensor is allocated lazily (e.g. ImagePool) and adopts the saved shape
        if tuple(value.shape) != tuple(expected):
            mismatched.append(f"{key}: checkpoint {tuple(value.shape)} vs model {tuple(expected)}")
    return missing, unexpected, mismatched


@HOOKS.register_module()
class StrictLoadHook(Hook):
    """Fail before training when ``load_from`` or ``--resume`` names a checkpoint that does not fit.

    Args:
        ignore_missing: Glob patterns of model keys the checkpoint may lack (for example
            ``["discriminator.*"]`` when starting adaptation from a source-only checkpoint of the
            same segmentor). Defaults to ``()``.
        ignore_unexpected: Glob patterns of checkpoint keys the model may lack. Defaults to ``()``.

    Examples:
        >>> default_hooks = dict(strict_load=dict(type="StrictLoadHook", ignore_missing=["discriminator.*"]))
    """

    priority = "VERY_HIGH"

    def __init__(self, ignore_missing: Sequence[str] = (), ignore_unexpected: Sequence[str] = ()) -> None:
        self.ignore_missing = list(ignore_missing)
        self.ignore_unexpected = list(ignore_unexpected)

    def after_load_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        state = checkpoint.get("state_dict", checkpoint)
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        missing, unexpected, mismatched = compare_state_dicts(
            state, model.state_dict(), self.ignore_missing, self.ignore_unexpected
        )
        teacher_keys: list[str] = []
        if missing and not getattr(runner, "_resume", False):
            missing, teacher_keys = self._apart_teacher_keys(model, state, missing, runner)
        if not (missing or unexpected or mismatched):
            return
        message = (
            f"The checkpoint {self._source(runner)} does not match the model {type(model).__name__} of this "
            "config (it was probably saved from a different config)."
        )
        if missing:
            message += _listing("missing keys (in the model, not in the checkpoint)", missing)
        if unexpected:
            message += _listing("unexpected keys (in the checkpoint, not in the model)", unexpected)
        if mismatched:
            message += _listing("shape mismatches", mismatched)
        if teacher_keys:
            message += _listing(
                "keys of EMA modules, not a mismatch (the first training iteration copies them from the student)",
                teacher_keys,
            )
        message += (
            "\nUse the checkpoint of this config, or, to start from partial weights on purpose, add "
            "default_hooks=dict(strict_load=dict(type='StrictLoadHook', ignore_missing=[...], "
            "ignore_unexpected=[...])) (glob patterns) to the config."
        )
        raise CheckpointMismatchError(message)

    def _apart_teacher_keys(
        self, model: nn.Module, state: dict, missing: list[str], runner: Any
    ) -> tuple[list[str], list[str]]:
        """Split ``missing`` into other keys and EMA-module keys; fill an EMATeacher's from its student's.

        Returns:
            The missing keys that remain a mismatch, and the EMA-module keys that stay missing.
        """
        from dareg.models.utils.ema_teacher import EMATeacher

        spec = getattr(type(model), "train_spec", None)
        updates = spec.ema_updates if spec is not None else ()
        apart: list[str] = []
        for update in updates:
            prefix = f"{update.module}."
            keys = [key for key in missing if key.startswith(prefix)]
            if not keys:
                continue
            missing = [key for key in missing if not key.startswith(prefix)]
            filled = []
            if isinstance(getattr(model, update.module, None), EMATeacher):
                network = f"{prefix}network."
                for key in keys:
                    student_key = f"{update.source}.{key[len(network):]}" if key.startswith(network) else None
                    if student_key in state:
                        state[key] = state[student_key].clone()
                        filled.append(key)
            apart += [key for key in keys if key not in filled]
            copied = f"{len(filled)} of them start as the checkpoint's '{update.source}', and " if filled else ""
            print_log(
                f"load_from: the checkpoint {self._source(runner)} has no weights for '{update.module}' ({len(keys)} "
                f"keys), which train_spec declares as moved by EMA from '{update.source}'; {copied}the first "
                f"training iteration copies '{update.module}' from '{update.source}'.",
                logger="current",
            )
        return missing, apart

    @staticmethod
    def _source(runner: Any) -> str:
        source = getattr(runner, "_load_from", None)
        if source is None and getattr(runner, "_resume", False):
            from dareg.utils.checkpoint_files import read_pointer

            source = read_pointer(runner.work_dir)
        return str(source) if source else "being loaded"
