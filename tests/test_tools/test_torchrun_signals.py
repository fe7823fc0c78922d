"""tools/torchrun.sh hands each stop signal to the workers exactly once, SIGUSR1 included (real signals).

torchrun passes SIGTERM and SIGINT on to its workers but not SIGUSR1, which killed the launcher and
left the workers running. Two workers of a tiny script record every signal they get; the test
signals the launcher script as a user, Kubernetes or a terminal would, and reads the records.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

WORKER = '''"""A worker that records each signal it gets and ends 0.5 s after the first one."""
import os
import signal
import sys
import time

rank, out = os.environ["RANK"], sys.argv[1]
first = []


def record(signum, frame):
    with open(os.path.join(out, f"signals{rank}"), "a") as handle:
        handle.write(signal.Signals(signum).name + "\\n")
    first.append(time.monotonic())


for signum in (signal.SIGUSR1, signal.SIGTERM, signal.SIGINT):
    signal.signal(signum, record)
with open(os.path.join(out, f"ready{rank}"), "w") as handle:
    handle.write(str(os.getpid()))
deadline = time.monotonic() + 60
while time.monotonic() < deadline and not (first and time.monotonic() > first[0] + 0.5):
    time.sleep(0.05)
sys.exit(128 + signal.SIGUSR1 if first else 0)
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch(tmp_path: Path) -> subprocess.Popen:
    (tmp_path / "worker.py").write_text(WORKER)
    env = dict(os.environ, PORT=str(free_port()), OMP_NUM_THREADS="1")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    command = ["bash", str(ROOT / "tools" / "torchrun.sh"), "2", str(tmp_path / "worker.py"), str(tmp_path)]
    process = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while not all((tmp_path / f"ready{rank}").exists() for rank in (0, 1)):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"workers did not start: {process.communicate()[1].decode()[-2000:]}")
        time.sleep(0.1)
    return process


def finish(process: subprocess.Popen, tmp_path: Path) -> tuple[int, dict[int, list[str]]]:
    try:
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    for rank in (0, 1):  # no worker outlives the launcher
        pid = int((tmp_path / f"ready{rank}").read_text())
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    signals = {rank: (tmp_path / f"signals{rank}").read_text().split() for rank in (0, 1)}
    return process.returncode, signals


@pytest.mark.skipif(sys.platform != "linux", reason="signals and /proc as on Linux")
def test_sigusr1_to_the_launcher_reaches_every_worker_once(tmp_path):
    process = launch(tmp_path)
    process.send_signal(signal.SIGUSR1)
    code, signals = finish(process, tmp_path)
    # each worker gets SIGUSR1 first and once; when the first worker has ended (exit 138), torchrun
    # stops the others with SIGTERM, which a loaded machine can deliver before they end by themselves
    assert all(signals[rank][0] == "SIGUSR1" and signals[rank].count("SIGUSR1") == 1 for rank in (0, 1)), signals
    assert all(set(signals[rank]) <= {"SIGUSR1", "SIGTERM"} for rank in (0, 1)), signals
    assert code != 0  # torchrun reports the workers' exit code 138 as a failure


@pytest.mark.skipif(sys.platform != "linux", reason="signals and /proc as on Linux")
@pytest.mark.parametrize("to_group", [False, True], ids=["to the script", "to its process group"])
def test_sigterm_reaches_every_worker_once(tmp_path, to_group):
    """Sent to the script (Kubernetes, kill PID) or to its process group (kill -- -PGID): one SIGTERM each."""
    process = launch(tmp_path)
    if to_group:
        os.killpg(process.pid, signal.SIGTERM)
    else:
        process.send_signal(signal.SIGTERM)
    code, signals = finish(process, tmp_path)
    assert signals == {0: ["SIGTERM"], 1: ["SIGTERM"]}
    assert code != 0
