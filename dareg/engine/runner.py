"""mmengine's ``Runner`` with dataloader workers that leave stop signals to the main process.

Slurm's ``--signal``, ``scancel --signal`` and ``kill -- -PGID`` signal a job's whole process
group, dataloader workers included. A worker dies of SIGTERM, SIGUSR1 or SIGINT (PyTorch's SIGTERM
handler or Python's defaults), and the main process then fails with ``RuntimeError: DataLoader
worker (pid N) is killed by signal`` before :class:`~dareg.engine.hooks.PreemptionHook` could save
(4 of 4 tries with ``num_workers=2``). :class:`DaregRunner` gives every dataloader it builds a
``worker_init_fn`` (:class:`StopSignalsIgnored`) under which a worker ignores the stop signals
(:data:`~dareg.engine.hooks.preemption_hook.DEFAULT_SIGNALS`) that other processes send, and then
runs the loader's own ``worker_init_fn`` (mmengine's seeding, or the config's). The main process
alone decides: it finishes the iteration, saves and exits with ``128 + signal``.

A SIGTERM from the worker's own parent still ends it, as PyTorch's handler does: the parent's
DataLoader and Python's ``multiprocessing`` terminate workers that way when the main process
exits, and a worker that ignored it would hang that exit. Telling the sender apart needs
``signal.sigwaitinfo`` (Linux, most Unix systems); without it (macOS) workers ignore SIGUSR1 and
SIGINT, and SIGTERM keeps PyTorch's handling.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from typing import Any

from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from torch.utils.data import DataLoader

from dareg.engine.hooks.preemption_hook import DEFAULT_SIGNALS


def _obey_only_the_parent(signals: set[signal.Signals], parent: int) -> None:
    """Accept ``signals`` for a worker whose threads all block them: end on the parent's, drop the others."""
    while True:
        info = signal.sigwaitinfo(signals)
        if info.si_pid == parent:
            os._exit(0)  # what PyTorch's SIGTERM handler does for its parent: a clean exit, no error


class StopSignalsIgnored:
    """A ``worker_init_fn``: ignore stop signals from other processes, then run ``then(worker_id)``.

    The signals are blocked in the worker and taken by a thread of its own, which ends the worker
    when the parent sent one (see the module docstring) and drops the others. A class (not a
    closure) so that it pickles for the ``spawn`` start method.

    Args:
        then: The loader's own ``worker_init_fn``. Defaults to None.
        signals: Names of the signals to ignore. Defaults to :data:`DEFAULT_SIGNALS`.
    """

    def __init__(self, then: Callable[[int], Any] | None = None, signals: tuple[str, ...] = DEFAULT_SIGNALS) -> None:
        self.then = then
        self.signals = tuple(signals)

    def __call__(self, worker_id: int) -> None:
        signums = {signal.Signals[name] for name in self.signals}
        if hasattr(signal, "sigwaitinfo") and hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, signums)  # threads started later inherit the mask
            threading.Thread(
                target=_obey_only_the_parent, args=(signums, os.getppid()), name="dareg-worker-signals", daemon=True
            ).start()
        else:
            for signum in signums - {signal.SIGTERM}:
                signal.signal(signum, signal.SIG_IGN)
        if self.then is not None:
            self.then(worker_id)


@RUNNERS.register_module()
class DaregRunner(Runner):
    """mmengine's ``Runner`` whose dataloader workers ignore stop signals (see the module docstring).

    :func:`dareg.apis.train.build_runner` builds it unless the config names a ``runner_type``.
    Arguments are those of mmengine's ``Runner``.
    """

    @staticmethod
    def build_dataloader(dataloader: DataLoader | dict, seed: int | None = None, diff_rank_seed: bool = False):
        """mmengine's ``build_dataloader``, with :class:`StopSignalsIgnored` before the worker init."""
        loader = Runner.build_dataloader(dataloader, seed=seed, diff_rank_seed=diff_rank_seed)
        if isinstance(loader, DataLoader) and not isinstance(loader.worker_init_fn, StopSignalsIgnored):
            loader.worker_init_fn = StopSignalsIgnored(loader.worker_init_fn)
        return loader
