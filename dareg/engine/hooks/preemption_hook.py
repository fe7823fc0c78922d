"""Checkpoint and stop cleanly when the scheduler preempts the job (SIGTERM, SIGINT, SIGUSR1).

Slurm and Kubernetes send SIGTERM before they kill a job (Slurm's ``--signal=USR1@120`` sends
SIGUSR1 ahead of the time limit); Ctrl-C sends SIGINT. Without a handler, Python dies at once on
SIGTERM and prints a deep traceback on SIGINT, and up to ``interval`` iterations are lost.
:class:`PreemptionHook` turns the first such signal into a request: the current iteration (or
validation batch) finishes, every rank agrees on the stop (one ``all_reduce`` of a flag per
iteration), a checkpoint of the last finished training iteration is written through dareg's
``CheckpointHook`` (rotation, integrity record, pointer), one line is logged, and training ends
with :class:`TrainingPreempted` (a ``SystemExit`` with code ``128 + signal``, as a shell reports a
process killed by that signal). ``--resume`` then continues bit for bit. A second signal ends the
process at once, without a checkpoint, except a repeat of the same SIGTERM or SIGUSR1 within
``repeat_window`` seconds: launchers deliver those twice (torchrun inside ``srun``: Slurm signals
every process of the step and torchrun forwards the signal to its workers again), and the repeat
is taken as the same request. A second Ctrl-C (SIGINT) always exits at once. Signals sent to the
whole process group reach the dataloader workers too; they ignore them
(:class:`~dareg.engine.runner.DaregRunner`).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

import torch
from mmengine.dataset import DefaultSampler
from mmengine.dist import all_reduce, is_distributed
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import print_log

from dareg.engine.hooks.checkpoint_hook import SafeCheckpointHook
from dareg.registry import HOOKS
from dareg.utils.config import ConfigError

#: The signals a scheduler or a user sends to stop a job.
DEFAULT_SIGNALS = ("SIGTERM", "SIGINT", "SIGUSR1")


class TrainingPreempted(SystemExit):
    """Training stopped on a signal after writing a checkpoint; ``code`` is ``128 + signal number``."""

    def __init__(self, signum: int, iteration: int, checkpoint: str | None) -> None:
        super().__init__(128 + signum)
        self.signum, self.iteration, self.checkpoint = signum, iteration, checkpoint


class NoCheckpointHookError(ConfigError):
    """The run saves with another ``CheckpointHook`` than dareg's, which :class:`PreemptionHook` saves through."""


@HOOKS.register_module()
class PreemptionHook(Hook):
    """Write a checkpoint and stop after the current iteration when a stop signal arrives.

    The checkpoint is written by the run's ``CheckpointHook`` (dareg's, in ``default_hooks.checkpoint``),
    the one way a dareg run saves; a run with another checkpoint hook fails before training, and a
    run without any (``default_hooks.checkpoint=None``) stops without a checkpoint.

    Args:
        signals: Names of the signals to handle. Defaults to ``("SIGTERM", "SIGINT", "SIGUSR1")``.
        repeat_window: Seconds after a SIGTERM or SIGUSR1 during which the same signal again is a
            duplicate delivery, not a request to exit at once. Defaults to 10.0; 0 makes every second
            signal exit at once.

    Examples:
        >>> default_hooks = dict(preemption=dict(type="PreemptionHook", signals=["SIGTERM", "SIGUSR1"]))
    """

    # after the CheckpointHook (VERY_LOW): a save of this iteration is reused, not repeated
    priority = "LOWEST"

    def __init__(self, signals: Sequence[str] = DEFAULT_SIGNALS, repeat_window: float = 10.0) -> None:
        unknown = [name for name in signals if not isinstance(getattr(signal, str(name), None), signal.Signals)]
        if unknown:
            raise ValueError(f"PreemptionHook: unknown signal names {unknown}; use names such as 'SIGTERM'")
        if repeat_window < 0:
            raise ValueError(f"PreemptionHook: repeat_window must be >= 0 seconds, got {repeat_window}")
        self.signals = [signal.Signals[name] for name in signals]
        self.repeat_window = float(repeat_window)
        self.received: int | None = None
        self._received_at = 0.0
        self._previous: dict[int, Any] = {}
        self._pid: int | None = None
        self._checkpoint_hook: SafeCheckpointHook | None = None
        self._training = False
        self._per_val_batch = True

    def before_train(self, runner: Any) -> None:
        self.received = None
        self._checkpoint_hook = self._find_checkpoint_hook(runner)
        self._training = True
        if threading.current_thread() is not threading.main_thread():
            print_log("PreemptionHook: not in the main thread, signals are not handled.", logger="current")
            return
        self._pid = os.getpid()
        for signum in self.signals:
            self._previous[signum] = signal.signal(signum, self._handle)

    @staticmethod
    def _find_checkpoint_hook(runner: Any) -> SafeCheckpointHook | None:
        """dareg's CheckpointHook of the run; None when the run saves no checkpoints at all."""
        found = [hook for hook in runner.hooks if isinstance(hook, SafeCheckpointHook)]
        if found:
            return found[0]
        other = [f"{type(h).__module__}.{type(h).__name__}" for h in runner.hooks if isinstance(h, CheckpointHook)]
        if other:
            raise NoCheckpointHookError(
                "PreemptionHook saves through dareg's CheckpointHook (default_hooks.checkpoint=dict(type="
                f"'CheckpointHook', ...) with default_scope='dareg'), and this run has {', '.join(other)}. Use "
                "dareg's (configs/_base_/default_runtime.py has it), or switch preemption off with "
                "default_hooks.preemption=None."
            )
        return None

    def _handle(self, signum: int, frame: Any) -> None:
        if os.getpid() != self._pid:  # a dataloader worker before its worker_init_fn ignored the signal
            return
        name = signal.Signals(signum).name
        now = time.monotonic()
        if self.received is not None:
            if self._duplicate(signum, now):
                message = f"\n{name} again within {self.repeat_window:g} s: the same request, still saving.\n"
                os.write(2, message.encode())
                return
            os.write(2, f"\n{name} again: exiting now, without a checkpoint.\n".encode())
            os._exit(128 + signum)
        self.received, self._received_at = signum, now
        os.write(2, f"\n{name} received: finishing this step, then saving a checkpoint.\n".encode())

    def _duplicate(self, signum: int, now: float) -> bool:
        """Whether ``signum`` repeats the first signal as a launcher's second delivery (not Ctrl-C twice)."""
        return signum == self.received and signum != signal.SIGINT and now - self._received_at < self.repeat_window

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        self._stop_if_signalled(runner, runner.iter + 1)

    def before_val_epoch(self, runner: Any) -> None:
        # ranks agree on a stop with one collective per batch only where every rank has as many batches
        sampler = getattr(getattr(runner.val_loop, "dataloader", None), "sampler", None)
        self._per_val_batch = not is_distributed() or (isinstance(sampler, DefaultSampler) and sampler.round_up)

    def after_val_iter(self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        # validation runs after the train loop counted its iteration: runner.iter iterations are done
        if self._per_val_batch:
            self._stop_if_signalled(runner, runner.iter)

    def after_val_epoch(self, runner: Any, metrics: dict | None = None) -> None:
        if not self._per_val_batch:
            self._stop_if_signalled(runner, runner.iter)

    def _stop_if_signalled(self, runner: Any, iteration: int) -> None:
        if not self._training:  # a validation or test outside training: nothing to stop
            return
        signum = self._agreed_signal()
        if not signum:
            return
        checkpoint = self._checkpoint_hook.save_now(runner, iteration) if self._checkpoint_hook else None
        self._training = False
        self.restore()
        name = signal.Signals(signum).name
        saved = (
            f"checkpoint {checkpoint} written; continue with --resume"
            if checkpoint
            else "no checkpoint written (the run has no CheckpointHook: default_hooks.checkpoint=None)"
        )
        print_log(
            f"Stopped by {name} after iteration {iteration} of {runner.max_iters}: {saved} (exit code {128 + signum}).",
            logger="current",
            level=logging.WARNING,
        )
        sys.stdout.flush()
        raise TrainingPreempted(signum, iteration, checkpoint)

    def after_train(self, runner: Any) -> None:
        self._training = False
        self.restore()

    def restore(self) -> None:
        """Put back the signal handlers that were installed before training."""
        if self._pid != os.getpid():
            return
        for signum, previous in self._previous.items():
            signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
        self._previous.clear()

    def _agreed_signal(self) -> int:
        """The signal to stop for, the same on every rank (the highest number any rank received)."""
        local = self.received or 0
        if not is_distributed():
            return local
        flag = torch.tensor([float(local)])
        all_reduce(flag, op="max")
        return int(flag.item())
