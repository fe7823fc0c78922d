"""mmengine's ``CheckpointHook`` with the rotation done after the write, so no save can lose a run.

mmengine 0.10.7's hook deletes the oldest checkpoint *before* it writes the new one, and writes
``last_checkpoint`` in place with an absolute path. With ``max_keep_ckpts=1``, a process killed
during the save (or a full disk, or :class:`~dareg.engine.hooks.FiniteLossHook` refusing a NaN
state) leaves no checkpoint at all and a pointer to a deleted file. This hook, registered under
the same name in scope ``"dareg"`` (so every dareg config's ``type="CheckpointHook"`` gets it),
keeps this order:

1. write the checkpoint (atomically with the ``atomic_local`` backend, then its sha256 record);
2. point ``last_checkpoint`` at it (atomically, relative to the work directory);
3. only then remove checkpoints beyond ``max_keep_ckpts`` (file and record).

Killed at any instant, the work directory holds at least one intact checkpoint and the pointer
names an intact one. Any write that fails (the checkpoint, its record, the pointer) raises
:class:`CheckpointWriteError`, and the temporary files of writes that a kill interrupted are removed
when the next run starts. A checkpoint whose weights hold NaN or infinite values is refused
(:class:`~dareg.engine.hooks.finite_loss_hook.NonFiniteWeightsError`). :meth:`SafeCheckpointHook.save_now`
is the one way other hooks save (:class:`~dareg.engine.hooks.PreemptionHook`).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections import deque
from collections.abc import Iterator
from typing import Any

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook as MMEngineCheckpointHook
from mmengine.logging import MMLogger, print_log

from dareg.engine.hooks.finite_loss_hook import NonFiniteWeightsError, non_finite_items
from dareg.registry import HOOKS
from dareg.utils.checkpoint import remove_partial_writes
from dareg.utils.checkpoint_files import POINTER, numbered_checkpoints, remove_checkpoint, write_pointer

#: What mmengine 0.10 logs on every run, whatever the config: ``CheckpointHook.before_train`` and
#: ``runner.checkpoint.save_checkpoint`` build a ``FileClient`` they do not use with ``backend_args``
#: (kept for compatibility until mmengine 1.0), which warns that it is deprecated and that its
#: ``HardDiskBackend`` is an alias. Only these messages are dropped, only around those two calls.
MMENGINE_FILE_CLIENT_WARNINGS = (
    '"FileClient" will be deprecated in future.',
    '"HardDiskBackend" is the alias of "LocalBackend"',
)


class CheckpointWriteError(OSError):
    """Writing a checkpoint or its pointer failed (disk full, permissions); no older checkpoint was removed."""


class _WithoutMessages(logging.Filter):
    def __init__(self, prefixes: tuple[str, ...]) -> None:
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefixes)


@contextlib.contextmanager
def _messages_filtered(logger: logging.Logger, prefixes: tuple[str, ...]) -> Iterator[None]:
    """Drop the log records of ``logger`` that start with one of ``prefixes``, inside the block only."""
    dropped = _WithoutMessages(prefixes)
    logger.addFilter(dropped)
    try:
        yield
    finally:
        logger.removeFilter(dropped)


@HOOKS.register_module(name="CheckpointHook")
class SafeCheckpointHook(MMEngineCheckpointHook):
    """mmengine's ``CheckpointHook`` (same arguments) with safe rotation and a relative pointer.

    Args:
        *args: Those of mmengine's ``CheckpointHook``.
        **kwargs: Those of mmengine's ``CheckpointHook``.

    Examples:
        >>> default_hooks = dict(checkpoint=dict(type="CheckpointHook", interval=1000, max_keep_ckpts=1))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The step of the newest checkpoint this hook wrote, so a caller can avoid saving twice.
        self.saved_step: int | None = None

    def before_train(self, runner: Any) -> None:
        with _messages_filtered(MMLogger.get_current_instance(), MMENGINE_FILE_CLIENT_WARNINGS):  # print_log's
            super().before_train(runner)
        if self.max_keep_ckpts > 0:  # unbounded: this hook trims after each write, not on append
            self.keep_ckpt_ids = deque(self.keep_ckpt_ids)
        if is_main_process():  # the run holds the work directory: no other process writes there
            removed = [path for folder in {runner.work_dir, self.out_dir} for path in remove_partial_writes(folder)]
            if removed:
                print_log(
                    f"Removed {len(removed)} temporary file(s) of a write that was interrupted in an earlier run: "
                    + ", ".join(removed),
                    logger="current",
                    level=logging.WARNING,
                )

    def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        bad = non_finite_items(dict(checkpoint.get("state_dict", {})))
        if bad:
            raise NonFiniteWeightsError(
                f"Refusing to save checkpoint at iteration {checkpoint.get('meta', {}).get('iter')}: "
                f"{len(bad)} weight tensors hold NaN or infinite values (first: {sorted(bad)[:5]}). The "
                "previous checkpoint stays the latest; see docs 'Failures and recovery'."
            )

    def save_now(self, runner: Any, iteration: int) -> str:
        """Save the state after ``iteration`` training iterations, unless this hook just saved it.

        The one way to save outside the hook's own schedule: during an iteration's hooks
        ``iteration`` is ``runner.iter + 1``, during validation ``runner.iter``.

        Returns:
            The checkpoint's path.
        """
        if self.by_epoch:
            step, meta = runner.epoch + 1, dict(epoch=runner.epoch + 1, iter=iteration)
        else:
            step, meta = iteration, dict(epoch=runner.epoch, iter=iteration)
        if self.saved_step != step:
            self._save_checkpoint_with_step(runner, step, meta)
        return self.last_ckpt

    def _drop_stale_pointer(self, work_dir: str) -> str:
        """After a failed pointer write, remove the pointer (no space needed) so ``--resume`` finds the new
        checkpoint by its number; returns what ``--resume`` will do, for the error message."""
        numbered = {os.path.abspath(path) for path in numbered_checkpoints(work_dir)}
        if os.path.abspath(self.last_ckpt) in numbered:
            try:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(work_dir, POINTER))
                return f"{POINTER} was removed, so --resume takes the newest intact checkpoint, this one."
            except OSError:
                pass
        return f"{POINTER} still names the previous checkpoint, which --resume takes."

    def _save_checkpoint_with_step(self, runner: Any, step: int, meta: dict) -> None:
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info("last_ckpt", self.last_ckpt)
        rotating = self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step)
        if rotating:  # recorded before the save: the checkpoint's message hub lists itself
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info("keep_ckpt_ids", list(self.keep_ckpt_ids))
        try:
            with _messages_filtered(MMLogger.get_current_instance(), MMENGINE_FILE_CLIENT_WARNINGS):
                runner.save_checkpoint(
                    self.out_dir,
                    filename,
                    self.file_client_args,
                    save_optimizer=self.save_optimizer,
                    save_param_scheduler=self.save_param_scheduler,
                    meta=meta,
                    by_epoch=self.by_epoch,
                    backend_args=self.backend_args,
                    **self.args,
                )
        except BaseException as error:
            if rotating:
                self.keep_ckpt_ids.pop()
                runner.message_hub.update_info("keep_ckpt_ids", list(self.keep_ckpt_ids))
            if isinstance(error, OSError):
                raise CheckpointWriteError(
                    f"Could not write checkpoint {self.last_ckpt} ({type(error).__name__}: {error}). No older "
                    f"checkpoint was removed and last_checkpoint still names the previous one; free space in "
                    f"the work directory {runner.work_dir} (or choose another with --work-dir) and resume "
                    "with --resume."
                ) from error
            raise
        self.saved_step = step
        if not is_main_process():
            return
        try:
            write_pointer(runner.work_dir, self.last_ckpt)
        except OSError as error:
            raise CheckpointWriteError(
                f"Wrote checkpoint {self.last_ckpt}, but could not point {POINTER} at it ({type(error).__name__}: "
                f"{error}). No older checkpoint was removed; {self._drop_stale_pointer(runner.work_dir)} Free space "
                f"in the work directory {runner.work_dir} (or choose another with --work-dir) and resume with --resume."
            ) from error
        while self.max_keep_ckpts > 0 and len(self.keep_ckpt_ids) > self.max_keep_ckpts:
            old = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(self.keep_ckpt_ids.popleft()))
            if os.path.isdir(old):  # deepspeed writes directories
                self.file_backend.rmtree(old)
            else:
                remove_checkpoint(old)
