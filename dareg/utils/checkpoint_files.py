"""Checkpoint files on disk: integrity records, verified loading, the ``last_checkpoint`` pointer.

* Every checkpoint written through dareg's ``atomic_local`` backend gets an integrity record beside
  it, ``iter_N.pth.sha256`` (the ``sha256sum`` format, so ``sha256sum -c`` checks it by hand),
  written atomically *after* the checkpoint. A truncated copy, a flipped bit or a half-synced file
  no longer matches its record.
* :func:`load_checkpoint_file` is the one reader of checkpoint and weight files in dareg and its
  tools; the engine makes it mmengine's loader of local paths too (every ``load_from``,
  ``--resume``, ``init_cfg`` and ``load_checkpoint`` call goes through it). It checks the record
  when there is one, loads with ``weights_only=True`` always (torch 2.4, our floor, still defaults
  to unsafe loading) with exactly :func:`~dareg.utils.checkpoint.checkpoint_safe_globals` allowed,
  and turns the readers' raw errors on broken files (``EOFError``, ``PytorchStreamReader failed
  ...``) into a :class:`CorruptCheckpointError` naming the file.
* ``last_checkpoint`` holds the checkpoint's path relative to the work directory, so a copied or
  moved work directory resumes its own checkpoints; :func:`find_resumable_checkpoint` picks the
  newest intact checkpoint and says which ones it skipped and why.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import re
from pathlib import Path

import torch
from mmengine.logging import print_log

from dareg.utils.checkpoint import allow_checkpoint_globals, atomic_write

#: Suffix of the integrity record written beside each checkpoint.
RECORD_SUFFIX = ".sha256"
#: The pointer file mmengine's ``CheckpointHook`` keeps in the work directory.
POINTER = "last_checkpoint"
_NUMBERED = re.compile(r"^(?:iter|epoch)_(\d+)\.pth$")
_CHUNK = 1 << 22


class CorruptCheckpointError(ValueError):
    """A checkpoint file is empty, truncated or does not match its integrity record."""


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file, read in 4 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def record_path(path: str | Path) -> Path:
    """Where the integrity record of checkpoint ``path`` lives."""
    return Path(f"{path}{RECORD_SUFFIX}")


def write_record(path: str | Path, digest: str) -> None:
    """Write the integrity record of ``path`` atomically (``sha256sum`` format)."""
    atomic_write(f"{digest}  {Path(path).name}\n".encode(), record_path(path))


def read_record(path: str | Path) -> str | None:
    """The sha256 that the record of ``path`` holds, or None without a (readable) record."""
    try:
        text = record_path(path).read_text().split()
    except OSError:
        return None
    return text[0].lower() if text and re.fullmatch(r"[0-9a-fA-F]{64}", text[0]) else None


def check_integrity(path: str | Path) -> str | None:
    """Why ``path`` cannot be trusted as it is, or None when it matches its record.

    Without a record (checkpoints of mmengine, or of dareg before records existed) only emptiness
    is checked here; :func:`load_checkpoint_file` still reports files the reader cannot parse.
    """
    path = Path(path)
    if not path.is_file():
        return "the file does not exist"
    if path.stat().st_size == 0:
        return "the file is empty (0 bytes); the process that wrote it was probably killed"
    expected = read_record(path)
    if expected is None:
        return None
    actual = file_sha256(path)
    if actual != expected:
        return (
            f"its sha256 {actual[:16]}... does not match the integrity record {record_path(path).name} "
            f"({expected[:16]}...): the file is truncated or corrupted"
        )
    return None


def _load(path: str | Path, map_location) -> dict:
    """``torch.load`` with ``weights_only=True``, raising :class:`CorruptCheckpointError` on unreadable files."""
    allow_checkpoint_globals()
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        if "weights only load failed" in str(error).lower():
            raise  # refused as unsafe: torch's own message says what the file holds and why
        raise CorruptCheckpointError(f"Checkpoint {path} cannot be read ({error}): it is corrupted.") from error
    except (EOFError, RuntimeError, ValueError, OSError) as error:
        raise CorruptCheckpointError(
            f"Checkpoint {path} cannot be read ({type(error).__name__}: {error}): it is truncated or corrupted. "
            "Use an earlier checkpoint of the work directory (--resume picks the newest intact one)."
        ) from error


def load_checkpoint_file(path: str | Path, map_location=None) -> dict:
    """Load a local checkpoint: integrity record checked, ``weights_only=True``, clear errors.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        CorruptCheckpointError: The file is empty, does not match its record, or cannot be parsed.
    """
    path = os.path.expanduser(str(path))
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Checkpoint {path} does not exist.")
    problem = check_integrity(path)
    if problem:
        raise CorruptCheckpointError(
            f"Checkpoint {path} is not intact: {problem}. Use an earlier checkpoint of the work directory "
            "(--resume without a path falls back to the newest intact one)."
        )
    return _load(path, map_location)


def write_pointer(work_dir: str | Path, checkpoint: str | Path) -> None:
    """Point ``last_checkpoint`` at ``checkpoint`` atomically, relative to ``work_dir`` when inside it."""
    work_dir, checkpoint = Path(work_dir).absolute(), Path(checkpoint).absolute()
    try:
        target = str(checkpoint.relative_to(work_dir))
    except ValueError:
        target = str(checkpoint)
    atomic_write(target.encode(), work_dir / POINTER)


def read_pointer(work_dir: str | Path) -> str | None:
    """The checkpoint ``last_checkpoint`` names, as a path that exists from here, or None.

    Relative entries are resolved against ``work_dir``; an absolute entry of a work directory that
    was moved since (mmengine writes absolute paths) is looked up by name in ``work_dir``.
    """
    pointer = Path(work_dir) / POINTER
    try:
        entry = pointer.read_text().strip()
    except OSError:
        return None
    if not entry:
        return None
    path = Path(entry) if os.path.isabs(entry) else Path(work_dir) / entry
    if not path.exists() and (Path(work_dir) / path.name).exists():
        path = Path(work_dir) / path.name
    return str(path)


def numbered_checkpoints(work_dir: str | Path) -> list[str]:
    """``iter_N.pth`` / ``epoch_N.pth`` files of ``work_dir``, newest (highest N) first."""
    try:
        names = os.listdir(work_dir)
    except OSError:
        return []
    found = [(int(m.group(1)), name) for name in names if (m := _NUMBERED.match(name))]
    return [os.path.join(work_dir, name) for _, name in sorted(found, reverse=True)]


def _unreadable(path: str) -> str | None:
    """Why a checkpoint without an integrity record cannot be loaded, or None."""
    if read_record(path) is not None:
        return None  # matched its record already
    try:
        _load(path, "cpu")
    except Exception as error:  # anything the reader raises means: not resumable
        return f"it cannot be read ({type(error).__name__}: {str(error).splitlines()[0][:200]})"
    return None


def find_resumable_checkpoint(work_dir: str | Path) -> str | None:
    """The newest intact checkpoint of ``work_dir``: ``last_checkpoint``'s, else the newest numbered one.

    Every checkpoint skipped on the way is logged with the reason.

    Returns:
        The checkpoint's path, or None when the work directory holds no checkpoint at all.

    Raises:
        CorruptCheckpointError: There are checkpoints, and none of them is intact.
    """
    candidates = [p for p in [read_pointer(work_dir)] if p]
    seen = {os.path.abspath(p) for p in candidates}
    candidates += [p for p in numbered_checkpoints(work_dir) if os.path.abspath(p) not in seen]
    skipped: list[str] = []
    for path in candidates:
        problem = check_integrity(path) or _unreadable(path)
        if problem is None:
            if skipped:
                print_log(f"Resuming from {path}, the newest intact checkpoint.", logger="current", level=logging.WARN)
            return path
        skipped.append(f"{path}: {problem}")
        print_log(f"Skipping checkpoint {path}: {problem}.", logger="current", level=logging.WARNING)
    if skipped:
        listed = "\n  ".join(skipped)
        raise CorruptCheckpointError(
            f"No intact checkpoint to resume from in the work directory {work_dir} (--work-dir):\n  {listed}\n"
            "Resume from a copy (--resume PATH), or start again without --resume."
        )
    return None


def remove_checkpoint(path: str | Path) -> None:
    """Delete a checkpoint and its integrity record (missing files are fine)."""
    for target in (Path(path), record_path(path)):
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
