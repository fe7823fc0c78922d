"""One training run per work directory, also on the shared filesystems where clusters keep them.

Two runs trained into one work directory overwrite each other's checkpoints (what survives is
whichever wrote last, or a mix of two seeds) and split their logs. :class:`WorkDirLock` lets one
run hold the directory through a lock file, :data:`LOCK_NAME`, created with
``O_CREAT | O_EXCL``: creating a file that must not exist is atomic on local filesystems, on NFS
(v3 and v4) and on Lustre, and the file says who holds it (pid, host, start time, command).

Why not ``fcntl``/``flock`` locks: they need lock daemons on NFSv3 (``ENOLCK`` without them) and
the ``flock`` mount option on Lustre, where ``localflock`` gives locks that only the one node sees,
silently. Their one advantage, being released when the process dies, is replaced by a liveness
check of the holder:

* same host: the holder is alive while its pid exists with the same process start time on the same
  boot (a pid reused by another process does not keep the lock);
* another host: its pid cannot be checked, so the holder refreshes the file's modification time
  every :data:`HEARTBEAT_SECONDS` seconds, and a lock whose heartbeat is older than
  :data:`STALE_AFTER_SECONDS` is stale. Ages are measured on the filesystem's clock (the
  modification time of a file written just now), so clock skew between nodes does not matter.

A lock left by a dead run is taken over (renamed away atomically, so two runs cannot both take it)
and the new run's log says so. A live holder gets a :class:`WorkDirBusyError` naming it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from dareg.utils.config import ConfigError

#: The lock file in the work directory.
LOCK_NAME = "dareg_run.lock"
#: How often a running holder refreshes the lock file's modification time (seconds).
HEARTBEAT_SECONDS = 15.0
#: A lock of another host whose heartbeat is older than this is taken over (seconds).
STALE_AFTER_SECONDS = 120.0
#: A lock file that cannot be parsed yet is given this long to be written (seconds).
WRITE_GRACE_SECONDS = 10.0


class WorkDirBusyError(ConfigError):
    """Another live run holds the work directory."""


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def _process_start_ticks(pid: int) -> int | None:
    """Start time of process ``pid`` in clock ticks after boot (Linux ``/proc``), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])  # field 22; the name in parentheses may hold spaces


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def describe_holder(holder: dict[str, Any]) -> str:
    """``pid 123 on host node7, started 2025-01-01 12:00:00 (python tools/train.py ...)``."""
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder.get("started", 0)))
    command = holder.get("command")
    return f"pid {holder.get('pid')} on host {holder.get('host')}, started {started}" + (
        f" ({command})" if command else ""
    )


class WorkDirLock:
    """Hold ``work_dir`` for one run (see the module docstring); a context manager.

    Args:
        work_dir: The run's work directory (created if needed).
        heartbeat: Seconds between refreshes of the lock file. Defaults to :data:`HEARTBEAT_SECONDS`.
        stale_after: Age of another host's heartbeat after which its lock is stale. Defaults to
            :data:`STALE_AFTER_SECONDS`.

    Examples:
        >>> import tempfile
        >>> with WorkDirLock(tempfile.mkdtemp()) as lock:
        ...     lock.held
        True
    """

    def __init__(
        self, work_dir: str | Path, heartbeat: float = HEARTBEAT_SECONDS, stale_after: float = STALE_AFTER_SECONDS
    ) -> None:
        self.work_dir = Path(work_dir)
        self.path = self.work_dir / LOCK_NAME
        self.heartbeat = heartbeat
        self.stale_after = stale_after
        self.token = uuid.uuid4().hex
        self.held = False
        #: ``"<who> (<why it is dead>)"`` when this run took the lock over from a dead run.
        self.took_over: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> WorkDirLock:
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def record(self) -> dict[str, Any]:
        """What this run writes into the lock file."""
        return {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": time.time(),
            "process_start_ticks": _process_start_ticks(os.getpid()),
            "boot_id": _boot_id(),
            "command": " ".join(sys.argv)[:500],
            "token": self.token,
        }

    def acquire(self, attempts: int = 20) -> None:
        """Take the lock, taking it over from a dead holder.

        Raises:
            WorkDirBusyError: A live run holds the directory (the message names it).
        """
        self.work_dir.mkdir(parents=True, exist_ok=True)
        for _ in range(attempts):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self.read()
                dead = self.why_dead(holder)
                if dead is None:
                    raise WorkDirBusyError(self._busy_message(holder)) from None
                if dead and self._take_over(holder):
                    self.took_over = f"{describe_holder(holder) if holder else 'an unknown run'} ({dead})"
                else:
                    time.sleep(0.2)  # being written, or another run moved it first: look again
                continue
            with os.fdopen(fd, "w") as handle:
                json.dump(self.record(), handle)
                handle.flush()
                os.fsync(handle.fileno())
            self.held = True
            self._start_heartbeat()
            return
        raise WorkDirBusyError(
            f"Could not take the lock {self.path} of the work directory after {attempts} tries: other runs keep "
            "starting into it. Use one work directory per run (--work-dir)."
        )

    def read(self) -> dict[str, Any] | None:
        """The holder recorded in the lock file, or None when there is none or it cannot be parsed."""
        try:
            holder = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        return holder if isinstance(holder, dict) else None

    def why_dead(self, holder: dict[str, Any] | None) -> str | None:
        """Why the holder of the lock is not running (a reason), or None while it may be.

        An empty string means: no verdict yet (the file is being written or just vanished).
        """
        age = self._heartbeat_age()
        if age is None:
            return ""  # removed meanwhile
        if holder is None:
            return f"its lock file cannot be read and is {age:.0f} s old" if age > WRITE_GRACE_SECONDS else ""
        if holder.get("host") == socket.gethostname():
            pid = int(holder.get("pid", -1))
            if holder.get("boot_id") and _boot_id() and holder["boot_id"] != _boot_id():
                return "the machine was restarted since"
            if pid <= 0 or not _pid_exists(pid):
                return "the process does not exist"
            recorded, ticks = holder.get("process_start_ticks"), _process_start_ticks(pid)
            if recorded is not None and ticks is not None and ticks != recorded:
                return "its pid now belongs to another process"
            return None
        if age > self.stale_after:
            return f"its last heartbeat was {age:.0f} s ago, more than {self.stale_after:.0f} s"
        return None

    def _heartbeat_age(self) -> float | None:
        """Seconds since the lock file was last refreshed, on the filesystem's clock; None without a file."""
        try:
            modified = self.path.stat().st_mtime
        except FileNotFoundError:
            return None
        probe = self.work_dir / f".{LOCK_NAME}.clock.{self.token}"
        try:
            probe.write_bytes(b"")
            now = probe.stat().st_mtime
        except OSError:
            now = time.time()
        finally:
            with contextlib.suppress(OSError):
                probe.unlink()
        return max(0.0, now - modified)

    def _take_over(self, holder: dict[str, Any] | None) -> bool:
        """Move the dead holder's lock away; False when another run moved or replaced it first."""
        moved = self.path.with_name(f"{LOCK_NAME}.stale.{self.token}")
        try:
            os.rename(self.path, moved)
        except FileNotFoundError:
            return False
        try:
            taken = json.loads(moved.read_text())
        except (OSError, ValueError):
            taken = None
        if (taken or {}).get("token") != (holder or {}).get("token"):
            # a new lock replaced the dead one between our look and the rename: give it back
            with contextlib.suppress(FileExistsError):
                os.link(moved, self.path)
            moved.unlink()
            return False
        moved.unlink()
        return True

    def _busy_message(self, holder: dict[str, Any] | None) -> str:
        who = describe_holder(holder) if holder else "a run whose lock file is being written"
        return (
            f"The work directory {self.work_dir} is in use by another dareg run: {who}; lock file {self.path}. "
            "Wait for it to finish, or train into another directory with --work-dir. If that run is dead on "
            f"another machine, its lock is taken over {self.stale_after:.0f} s after its last heartbeat (or delete "
            "the lock file)."
        )

    def _start_heartbeat(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="dareg-work-dir-lock", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat):
            if (self.read() or {}).get("token") != self.token:
                return  # taken over (this run looked dead) or removed: nothing of ours to refresh
            with contextlib.suppress(OSError):
                os.utime(self.path)

    def release(self) -> None:
        """Stop the heartbeat and remove the lock file if it is still this run's."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self.held and (self.read() or {}).get("token") == self.token:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        self.held = False
