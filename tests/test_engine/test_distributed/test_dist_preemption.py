"""Preemption under torchrun: a SIGTERM to one of two gloo ranks stops both at the same iteration.

``tools/dist_train.sh CONFIG 2`` trains the toy; once both ranks train, only rank 1 gets SIGTERM.
Both ranks must finish the same iteration, rank 0 must write that iteration's checkpoint, and the
job must end with exit code 143 (128 + SIGTERM) on both ranks, PreemptionHook's line and no traceback
from the ranks.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import torch

from dareg.utils.checkpoint_files import check_integrity, load_checkpoint_file, read_pointer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TESTS_DIR = os.path.join(ROOT, "tests")

PLUGIN = '''"""Toys for the preemption test: each rank writes its pid and its last finished iteration."""
import os
import time

from mmengine.dist import get_rank
from mmengine.hooks import Hook

import toys
from dareg.registry import HOOKS

toys.register_toys()


@HOOKS.register_module(force=True)
class RankProgressHook(Hook):
    def before_train(self, runner):
        with open(os.path.join(runner.work_dir, f"pid{get_rank()}"), "w") as handle:
            handle.write(str(os.getpid()))

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        with open(os.path.join(runner.work_dir, f"progress{get_rank()}"), "w") as handle:
            handle.write(str(runner.iter + 1))
        time.sleep(0.1 * (1 + get_rank()))  # ranks at different speeds: rank 1 gets the signal late
'''


def write_config(tmp_path) -> str:
    import toys

    cfg = toys.toy_config(
        tmp_path / "work",
        train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=200),
        custom_hooks=[dict(type="RandomStateHook"), dict(type="PreemptionHook"), dict(type="RankProgressHook")],
        custom_imports=dict(imports=["dareg_preemption_toys"], allow_failed_imports=False),
    )
    cfg["default_hooks"]["checkpoint"]["interval"] = 1000
    (tmp_path / "dareg_preemption_toys.py").write_text(PLUGIN)
    path = tmp_path / "toy_preemption.py"
    path.write_text("".join(f"{key} = {value!r}\n" for key, value in cfg.items()))
    return str(path)


def read_int(path) -> int | None:
    try:
        return int(path.read_text())
    except (OSError, ValueError):
        return None


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without torch.distributed")
def test_sigterm_to_one_rank_stops_all_ranks_at_one_iteration_with_a_checkpoint(tmp_path):
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), TESTS_DIR, env.get("PYTHONPATH", "")])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env.update(PORT=str(port), OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    command = ["bash", os.path.join(ROOT, "tools", "dist_train.sh"), write_config(tmp_path), "2"]
    job = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    work = tmp_path / "work"
    try:
        deadline = time.monotonic() + 120
        while (read_int(work / "progress1") or 0) < 2:
            assert job.poll() is None and time.monotonic() < deadline, job.communicate()[0][-3000:]
            time.sleep(0.05)
        os.kill(read_int(work / "pid1"), signal.SIGTERM)
        output = job.communicate(timeout=120)[0]
    finally:
        if job.poll() is None:
            job.kill()
    assert job.returncode != 0, output[-3000:]
    stopped = load_checkpoint_file(read_pointer(work))["meta"]["iter"]
    assert read_int(work / "progress0") == read_int(work / "progress1") == stopped, output[-3000:]
    assert check_integrity(work / f"iter_{stopped}.pth") is None
    assert f"Stopped by SIGTERM after iteration {stopped} of 200" in output
    # torchrun prints its own report of failed workers (with a traceback of the launcher); the ranks print none
    assert "TrainingPreempted" not in output and "dareg/apis" not in output, output[-3000:]
    assert "exitcode  : 143" in output
