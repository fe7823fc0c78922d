"""The EMA teacher under two-process DDP on CPU (gloo), launched as users do: tools/dist_train.sh CONFIG 2.

The teacher has no trainable parameter, so dareg's wrapper leaves it unwrapped; it follows the
student, whose DDP keeps it identical on both ranks, so the teachers must be bit-identical after
every iteration, and a run resumed under DDP must end with the uninterrupted run's tensors.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch
from fixtures.self_training import tiny_self_training_config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TESTS_DIR = os.path.join(ROOT, "tests")
MAX_ITERS = 3

PLUGIN = '''"""The tiny self-training algorithm and a hook that dumps each rank's weights, imported by every rank."""
import os

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from dareg.registry import HOOKS
from fixtures.self_training import register_self_training

register_self_training()


@HOOKS.register_module(force=True)
class DumpTeacherHook(Hook):
    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        model = runner.model.module
        torch.save(
            {
                "state": {k: v.detach().clone() for k, v in model.state_dict().items()},
                "target_inputs": torch.stack(list(data_batch["target"]["inputs"])),
                "wrappers": (type(model.task_model).__name__, type(model.teacher).__name__),
            },
            os.path.join(runner.work_dir, f"rank{get_rank()}_iter{runner.iter + 1}.pt"),
        )
'''


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(tmp_path) -> str:
    cfg = tiny_self_training_config(
        tmp_path / "work",
        max_iters=MAX_ITERS,
        custom_hooks=[
            dict(type="RandomStateHook"),
            dict(type="StrictLoadHook"),
            dict(type="RankConsistencyHook", interval=1),
            dict(type="DumpTeacherHook"),
        ],
        custom_imports=dict(imports=["dareg_dist_teacher"], allow_failed_imports=False),
    )
    cfg["train_cfg"]["val_interval"] = MAX_ITERS + 1
    cfg["default_hooks"]["checkpoint"]["interval"] = 1
    (tmp_path / "dareg_dist_teacher.py").write_text(PLUGIN)
    path = tmp_path / "tiny_self_training_ddp.py"
    path.write_text("".join(f"{key} = {value!r}\n" for key, value in cfg.items()))
    return str(path)


def dist_train(tmp_path, config: str, *args: str) -> None:
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), TESTS_DIR, env.get("PYTHONPATH", "")])
    env.update(PORT=str(free_port()), OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    command = ["bash", os.path.join(ROOT, "tools", "dist_train.sh"), config, "2", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without torch.distributed")
def test_teacher_is_identical_on_both_ranks_moves_every_step_and_resumes_exactly(tmp_path):
    config = write_config(tmp_path)
    dist_train(tmp_path, config)
    work = tmp_path / "work"
    previous = None
    for iteration in range(1, MAX_ITERS + 1):
        rank0 = torch.load(work / f"rank0_iter{iteration}.pt", weights_only=True)
        rank1 = torch.load(work / f"rank1_iter{iteration}.pt", weights_only=True)
        assert rank0["wrappers"] == ("SubmoduleDistributedDataParallel", "EMATeacher")  # the teacher is not wrapped
        assert not torch.equal(rank0["target_inputs"], rank1["target_inputs"])  # each rank pseudo-labels its own data
        teacher = {k: v for k, v in rank0["state"].items() if k.startswith("teacher.")}
        assert len(teacher) == 6
        for key, value in rank0["state"].items():
            assert torch.equal(value, rank1["state"][key]), f"{key} differs across ranks after iteration {iteration}"
        if previous is not None:
            moved = [key for key in teacher if not torch.equal(teacher[key], previous[key])]
            assert moved == list(teacher), f"teacher tensors that did not move in iteration {iteration}: {moved}"
        previous = teacher

    # resumed under DDP from iteration 2, the run ends with every tensor of the uninterrupted run
    dist_train(tmp_path, config, "--work-dir", str(tmp_path / "resumed"), "--resume", str(work / "iter_2.pth"))
    expected = torch.load(work / f"iter_{MAX_ITERS}.pth", weights_only=False)["state_dict"]
    actual = torch.load(tmp_path / "resumed" / f"iter_{MAX_ITERS}.pth", weights_only=False)["state_dict"]
    assert expected.keys() == actual.keys()
    different = [key for key in expected if not torch.equal(expected[key], actual[key])]
    assert not different, f"resuming under DDP changed {different}"
