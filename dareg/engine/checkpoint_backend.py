"""mmengine reads and writes checkpoints through dareg's files.

* :class:`AtomicLocalBackend` (backend name ``"atomic_local"``) is mmengine's local file backend
  with atomic writes (:func:`dareg.utils.checkpoint.atomic_write`), and it writes each checkpoint's
  integrity record (:mod:`dareg.utils.checkpoint_files`) after the file.
* mmengine's loader of local paths is replaced by dareg's one reader,
  :func:`dareg.utils.checkpoint_files.load_checkpoint_file`.
* What dareg's checkpoints hold is allow-listed for mmengine's loaders of other sources (URLs ...),
  which call ``torch.load`` themselves.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from mmengine.fileio import LocalBackend, register_backend
from mmengine.runner.checkpoint import CheckpointLoader

from dareg.utils.checkpoint import allow_checkpoint_globals, atomic_write
from dareg.utils.checkpoint_files import load_checkpoint_file, write_record


class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend with atomic ``put`` and ``put_text``.

    Use it for checkpoints with ``default_hooks.checkpoint.backend_args=dict(backend="atomic_local")``
    (dareg's default runtime does).
    """

    def put(self, obj: bytes, filepath: str | Path) -> None:
        atomic_write(obj, filepath)
        write_record(filepath, hashlib.sha256(obj).hexdigest())

    def put_text(self, obj: str, filepath: str | Path, encoding: str = "utf-8") -> None:
        atomic_write(obj.encode(encoding), filepath)


@CheckpointLoader.register_scheme(prefixes="", force=True)
def _load_local(filename: str, map_location=None) -> dict:
    """mmengine's loader for local paths, replaced by :func:`load_checkpoint_file`."""
    return load_checkpoint_file(filename, map_location)


register_backend("atomic_local", AtomicLocalBackend, force=True)
allow_checkpoint_globals()
