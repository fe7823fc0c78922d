"""One run per work directory: the lock file, its liveness rules, and two real runs into one directory."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mmengine.config import Config

from dareg.apis import train
from dareg.utils.work_dir_lock import LOCK_NAME, WorkDirBusyError, WorkDirLock


def write_holder(work_dir, **fields) -> None:
    holder = dict(pid=os.getpid(), host=socket.gethostname(), started=time.time(), token="theirs")
    holder.update(fields)
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / LOCK_NAME).write_text(json.dumps(holder))


def finished_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_held_directory_is_refused_naming_the_holder_and_released_after(tmp_path):
    with WorkDirLock(tmp_path) as first:
        holder = first.read()
        assert (holder["pid"], holder["host"]) == (os.getpid(), socket.gethostname())
        with pytest.raises(WorkDirBusyError) as info:
            WorkDirLock(tmp_path).acquire()
        message = str(info.value)
        assert f"The work directory {tmp_path} is in use by another dareg run: pid {os.getpid()} on host " in message
        assert time.strftime("started %Y-%m-%d", time.localtime(holder["started"])) in message
        assert "--work-dir" in message
    assert not (tmp_path / LOCK_NAME).exists()
    with WorkDirLock(tmp_path) as again:
        assert again.held and again.took_over is None


def test_a_lock_of_a_dead_process_on_this_host_is_taken_over(tmp_path):
    write_holder(tmp_path, pid=finished_pid())
    with WorkDirLock(tmp_path) as lock:
        assert lock.read()["token"] == lock.token
    assert "the process does not exist" in lock.took_over


def test_a_reused_pid_does_not_keep_the_lock(tmp_path):
    write_holder(tmp_path, process_start_ticks=1)  # this process's pid, but another process's start time
    with WorkDirLock(tmp_path) as lock:
        assert "its pid now belongs to another process" in lock.took_over


def test_another_hosts_lock_is_kept_while_its_heartbeat_is_fresh_and_taken_over_when_stale(tmp_path):
    write_holder(tmp_path, host="node-elsewhere", pid=1)
    with pytest.raises(WorkDirBusyError, match="pid 1 on host node-elsewhere"):
        WorkDirLock(tmp_path, stale_after=120).acquire()
    stale = time.time() - 600
    os.utime(tmp_path / LOCK_NAME, (stale, stale))
    with WorkDirLock(tmp_path, stale_after=120) as lock:
        assert "its last heartbeat was" in lock.took_over and "more than 120 s" in lock.took_over


def test_the_holder_refreshes_its_heartbeat(tmp_path):
    with WorkDirLock(tmp_path, heartbeat=0.05) as lock:
        old = time.time() - 600
        os.utime(lock.path, (old, old))
        deadline = time.monotonic() + 30
        while lock.path.stat().st_mtime < time.time() - 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lock.path.stat().st_mtime > time.time() - 300


def test_a_second_run_is_refused_while_the_first_lives_and_takes_over_after_it_died(toys, tmp_path, training_process):
    def cfg(slow: bool = True, **overrides):
        hooks = [dict(type="RandomStateHook")] + ([dict(type="SlowIterations", delay=0.2)] if slow else [])
        return Config(toys.toy_config(tmp_path, custom_hooks=hooks, **overrides))

    first = training_process(cfg())
    deadline = time.monotonic() + 90
    while not (tmp_path / "progress").exists():
        assert first.exitcode is None and time.monotonic() < deadline, first.output()[-2000:]
        time.sleep(0.05)
    log_dirs = set(os.listdir(tmp_path))
    with pytest.raises(WorkDirBusyError, match=rf"in use by another dareg run: pid {first.pid} on host "):
        train(cfg(slow=False))
    assert set(os.listdir(tmp_path)) == log_dirs  # the refused run wrote nothing, no log folder either
    os.kill(first.pid, signal.SIGKILL)
    first.join(30)
    runner = train(cfg(slow=False, resume=True))
    assert runner.iter == 12
    log = (Path(runner.log_dir) / f"{runner.timestamp}.log").read_text()
    assert f"Took over the work directory {tmp_path} from a run that ended: pid {first.pid} on host" in log
    assert "the process does not exist" in log
    assert not (tmp_path / LOCK_NAME).exists()
