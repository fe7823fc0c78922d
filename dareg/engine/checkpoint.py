"""Safe checkpoint loading and atomic checkpoint writing.

* Since torch 2.6, ``torch.load`` defaults to ``weights_only=True`` and refuses mmengine's
  checkpoints, which hold mmengine's ``HistoryBuffer`` and numpy arrays in their ``message_hub``
  state. :func:`allow_checkpoint_globals` allow-lists exactly those classes, so ``--resume`` works
  with ``weights_only`` loading kept on.
* mmengine writes checkpoints and the ``last_checkpoint`` pointer in place, so a crash mid-write
  leaves a truncated "latest" checkpoint. :class:`AtomicLocalBackend` (backend name
  ``"atomic_local"``) writes to a temporary file in the same directory, flushes it to disk and
  renames it over the target, which is atomic on POSIX file systems.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import torch
from mmengine.fileio import LocalBackend, register_backend
from mmengine.logging import HistoryBuffer


def checkpoint_safe_globals() -> list:
    """The non-tensor classes found in dareg/mmengine checkpoints, and nothing else."""
    numpy_core = getattr(np, "_core", None) or np.core
    dtype_classes = [type(np.dtype(name)) for name in ("float64", "float32", "int64", "int32", "uint8", "bool")]
    return [
        HistoryBuffer,
        np.ndarray,
        np.dtype,
        numpy_core.multiarray._reconstruct,
        numpy_core.multiarray.scalar,
        *dtype_classes,
    ]


def allow_checkpoint_globals() -> None:
    """Allow-list :func:`checkpoint_safe_globals` for ``torch.load(weights_only=True)``."""
    add = getattr(torch.serialization, "add_safe_globals", None)
    if add is not None:  # torch < 2.4 has no weights_only default to satisfy
        add(checkpoint_safe_globals())


def atomic_write(data: bytes, filepath: str | Path) -> None:
    """Write ``data`` to ``filepath`` so that readers see the old file or the new one, never half."""
    filepath = Path(filepath)
    filepath.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{filepath.name}.", suffix=".tmp", dir=filepath.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
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
        atomic_write(obj, filepath)

    def put_text(self, obj: str, filepath: str | Path, encoding: str = "utf-8") -> None:
        atomic_write(obj.encode(encoding), filepath)


register_backend("atomic_local", AtomicLocalBackend, force=True)
allow_checkpoint_globals()
