"""Safe checkpoint loading and atomic checkpoint writing.

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
  leaves a truncated "latest" checkpoint. :class:`AtomicLocalBackend` (backend name
  ``"atomic_local"``) writes to a temporary file in the same directory, flushes it to disk and
  renames it over the target, which is atomic on POSIX file systems; then it writes the file's
  integrity record (:mod:`dareg.engine.checkpoint_files`). Files get the permissions that
  ``open()`` would give them under the process's umask (a temporary file is created ``0600``).
"""

from __future__ import annotations

import copyreg
import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np
import torch
from mmengine.fileio import LocalBackend, register_backend
from mmengine.logging import HistoryBuffer


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
    """
    numpy_core = getattr(np, "_core", None) or np.core
    return [rebuild_history_buffer, numpy_core.multiarray.scalar, np.dtype, type(np.dtype("float64"))]


def allow_checkpoint_globals() -> None:
    """Allow-list :func:`checkpoint_safe_globals` for ``torch.load(weights_only=True)``."""
    add = getattr(torch.serialization, "add_safe_globals", None)
    if add is not None:  # torch < 2.4 has no weights_only default to satisfy
        add(checkpoint_safe_globals())


def default_file_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file: ``0o666`` less the process's umask."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


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


class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend with atomic ``put`` and ``put_text``.

    Use it for checkpoints with ``default_hooks.checkpoint.backend_args=dict(backend="atomic_local")``
    (dareg's default runtime does).
    """

    def put(self, obj: bytes, filepath: str | Path) -> None:
        from dareg.engine.checkpoint_files import write_record

        atomic_write(obj, filepath)
        write_record(filepath, hashlib.sha256(obj).hexdigest())

    def put_text(self, obj: str, filepath: str | Path, encoding: str = "utf-8") -> None:
        atomic_write(obj.encode(encoding), filepath)


copyreg.pickle(HistoryBuffer, _reduce_history_buffer)
register_backend("atomic_local", AtomicLocalBackend, force=True)
allow_checkpoint_globals()
