"""What dareg's checkpoints hold, and writing files atomically.

* Since torch 2.6, ``torch.load`` defaults to ``weights_only=True`` and refuses mmengine's
  checkpoints: their ``message_hub`` state holds mmengine's ``HistoryBuffer`` objects, which pickle
  numpy arrays and their statistics methods through the builtin ``getattr`` (allow-listing
  ``getattr`` would let a checkpoint reach any attribute). dareg pickles a ``HistoryBuffer`` as a
  call of :func:`rebuild_history_buffer` on plain lists instead, and
  :func:`allow_checkpoint_globals` allow-lists exactly what dareg's checkpoints then hold, so
  ``--resume`` works with ``weights_only`` loading kept on.
* Whatever dareg stores besides weights (log histories, random states) is stored as plain Python
  numbers, never as tensors: ``torch.load`` moves every tensor to its ``map_location``, and mmengine's
  ``Runner.resume`` loads to ``get_device()`` (``"cuda"`` on a GPU machine), where ``.numpy()`` and
  ``torch.set_rng_state`` fail. Lists load the same under any ``map_location`` (``"cpu"``, ``"cuda"``,
  ``"meta"``).
* mmengine writes checkpoints and the ``last_checkpoint`` pointer in place, so a crash mid-write
  leaves a truncated "latest" checkpoint. :func:`atomic_write` writes to a temporary file in the
  same directory, flushes it to disk and renames it over the target, which is atomic on POSIX file
  systems (the engine's ``atomic_local`` backend, :mod:`dareg.engine.checkpoint_backend`, writes
  checkpoints with it). Files get the permissions that ``open()`` would give them under the
  process's umask (a temporary file is created ``0600``).
* Checkpoints are read by one function, :func:`dareg.utils.checkpoint_files.load_checkpoint_file`,
  which allow-lists what it needs itself.
"""

from __future__ import annotations

import contextlib
import copyreg
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from torch.torch_version import TorchVersion

#: Where :func:`rebuild_history_buffer` lived when older checkpoints were written.
LEGACY_REBUILD_NAME = "dareg.engine.checkpoint.rebuild_history_buffer"


def rebuild_history_buffer(
    log_history: list[float] | torch.Tensor, count_history: list[float] | torch.Tensor, max_length: int
) -> HistoryBuffer:
    """Recreate a ``HistoryBuffer`` from what :func:`_reduce_history_buffer` stored.

    Checkpoints of dareg before lists stored tensors; those come back wherever ``map_location`` put
    them, and on ``"meta"`` (no values) as NaN of the stored length.
    """
    buffer = HistoryBuffer(max_length=max_length)
    buffer._log_history = _float_array(log_history)
    buffer._count_history = _float_array(count_history)
    return buffer


def _float_array(values: list[float] | torch.Tensor) -> np.ndarray:
    if not isinstance(values, torch.Tensor):
        return np.asarray(values, dtype=np.float64)
    if values.is_meta:
        return np.full(values.shape, np.nan)
    return values.detach().cpu().numpy().astype(np.float64)


def _reduce_history_buffer(buffer: HistoryBuffer) -> tuple:
    return rebuild_history_buffer, (
        np.asarray(buffer._log_history, dtype=np.float64).tolist(),
        np.asarray(buffer._count_history, dtype=np.float64).tolist(),
        int(buffer.max_length),
    )


def checkpoint_safe_globals() -> list:
    """What dareg's checkpoints hold besides tensors and builtins, and nothing else.

    Besides history buffers, mmengine's runtime information stores numpy scalars (the timer's
    ``eta`` is a ``float64``), which pickle as a numpy scalar of a numpy dtype.

    Checkpoints written before this module moved from ``dareg.engine`` name the rebuild function by
    its old path; torch >= 2.6 accepts it under that name too.
    """
    numpy_core = getattr(np, "_core", None) or np.core
    allowed: list = [rebuild_history_buffer, numpy_core.multiarray.scalar, np.dtype, type(np.dtype("float64"))]
    if TorchVersion(torch.__version__) >= (2, 6):
        allowed.append((rebuild_history_buffer, LEGACY_REBUILD_NAME))
    return allowed


def allow_checkpoint_globals() -> None:
    """Allow-list :func:`checkpoint_safe_globals` for ``torch.load(weights_only=True)``, process-wide.

    Idempotent. dareg's reader calls it before every load; the engine calls it once for mmengine's
    loaders of other sources (URLs ...). Process-wide rather than torch's ``safe_globals`` context,
    whose exit removes the globals again, also for a load running in another thread.
    """
    add = getattr(torch.serialization, "add_safe_globals", None)
    if add is not None:  # torch < 2.4 has no weights_only default to satisfy
        add(checkpoint_safe_globals())


def default_file_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file: ``0o666`` less the process's umask."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


#: Names of :func:`atomic_write`'s temporary files: ``.<target name>.<8 random characters>.tmp``.
PARTIAL_WRITE = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def atomic_write(data: bytes, filepath: str | Path) -> None:
    """Write ``data`` to ``filepath`` so that readers see the old file or the new one, never half."""
    filepath = Path(filepath)
    filepath.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{filepath.name}.", suffix=".tmp", dir=filepath.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), default_file_mode())
            os.fsync(handle.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def remove_partial_writes(directory: str | Path) -> list[str]:
    """Delete the temporary files that interrupted :func:`atomic_write` calls left in ``directory``.

    A process killed during a write (a second signal during a save, SIGKILL) leaves its temporary
    file behind; the target file is untouched. Call this only while no other process writes there
    (dareg's training holds the work directory's lock). Returns the removed paths.
    """
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in sorted(names):
        path = os.path.join(directory, name)
        if PARTIAL_WRITE.match(name) and os.path.isfile(path):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
                removed.append(path)
    return removed



copyreg.pickle(HistoryBuffer, _reduce_history_buffer)
