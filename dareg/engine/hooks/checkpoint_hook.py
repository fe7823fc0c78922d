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
names an intact one. A checkpoint whose weights hold NaN or infinite values is refused.
"""

from __future__ import annotations

import os
from collections import deque
from typing import Any

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook as MMEngineCheckpointHook

from dareg.engine.hooks.finite_loss_hook import NonFiniteLossError, non_finite_items
from dareg.registry import HOOKS
from dareg.utils.checkpoint_files import remove_checkpoint, write_pointer


class CheckpointWriteError(OSError):
    """Writing a checkpoint failed (disk full, permissions); the previous checkpoint is untouched."""


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
        super().before_train(runner)
        if self.max_keep_ckpts > 0:  # unbounded: this hook trims after each write, not on append
            self.keep_ckpt_ids = deque(self.keep_ckpt_ids)

    def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        bad = non_finite_items(dict(checkpoint.get("state_dict", {})))
        if bad:
            raise NonFiniteLossError(
                f"Refusing to save checkpoint at iteration {checkpoint.get('meta', {}).get('iter')}: "
                f"{len(bad)} weight tensors hold NaN or infinite values (first: {sorted(bad)[:5]}). The "
                "previous checkpoint stays the latest; see docs 'Failures and recovery'."
            )

    def save_now(self, runner: Any) -> str:
        """Save a checkpoint of the current iteration (unless one was just saved); returns its path."""
        step = runner.epoch + 1 if self.by_epoch else runner.iter + 1
        if self.saved_step != step:
            self._save_checkpoint(runner)
        return self.last_ckpt

    def _save_checkpoint_with_step(self, runner: Any, step: int, meta: dict) -> None:
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info("last_ckpt", self.last_ckpt)
        rotating = self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step)
        if rotating:  # recorded before the save: the checkpoint's message hub lists itself
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info("keep_ckpt_ids", list(self.keep_ckpt_ids))
        try:
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
        write_pointer(runner.work_dir, self.last_ckpt)
        while self.max_keep_ckpts > 0 and len(self.keep_ckpt_ids) > self.max_keep_ckpts:
            old = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(self.keep_ckpt_ids.popleft()))
            if os.path.isdir(old):  # deepspeed writes directories
                self.file_backend.rmtree(old)
            else:
                remove_checkpoint(old)
