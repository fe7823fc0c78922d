"""Per-rank random states: two gloo ranks with different streams each continue their own after a resume.

Each rank seeds its generators differently (as ``randomness.diff_rank_seed`` or per-rank dropout
streams do), draws, and saves through :class:`RandomStateHook` as mmengine's Runner does: every rank
calls ``runner.save_checkpoint``, which runs its hooks and writes on rank 0 only. Both ranks then
re-seed alike (what mmengine does to a resumed run), load the file and restore: each must draw
exactly what it would have drawn without the interruption. Before per-rank states, rank 1 replayed rank 0's stream.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.dist import master_only

from dareg.engine.hooks.random_state_hook import RandomStateHook, rank_random_state

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TESTS_DIR = os.path.join(ROOT, "tests")
RUNS = ("full", "resumed")


def draws(count: int = 4) -> list[float]:
    return [value for _ in range(count) for value in (random.random(), float(np.random.rand()), float(torch.rand(1)))]


class SavingRunner:
    """What matters of mmengine's Runner here: ``save_checkpoint`` is ``master_only``, and calls the hooks inside."""

    def __init__(self, hook: RandomStateHook, path: str) -> None:
        self.hook, self.path = hook, path

    @master_only
    def save_checkpoint(self) -> None:
        checkpoint = {"meta": {"iter": 5}}
        self.hook.before_save_checkpoint(self, checkpoint)
        torch.save(checkpoint, self.path)


def _rank(rank: int, init_file: str, checkpoint_path: str, map_location: str, results) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=2)
    try:
        random.seed(10 + rank)
        np.random.seed(10 + rank)
        torch.manual_seed(10 + rank)
        draws()  # some training before the checkpoint
        hook = RandomStateHook()
        runner = SavingRunner(hook, checkpoint_path)
        hook.before_run(runner)
        runner.save_checkpoint()  # every rank calls it (as the checkpoint hooks do); rank 0 writes
        expected = draws()  # what the uninterrupted run draws next
        dist.barrier()
        random.seed(0)  # a resumed run is re-seeded alike on every rank
        np.random.seed(0)
        torch.manual_seed(0)
        loaded = torch.load(checkpoint_path, map_location=map_location, weights_only=True)
        hook.after_load_checkpoint(None, loaded)
        hook.before_train_iter(None, batch_idx=5)
        results.put((rank, expected, draws(), len(loaded["random_state"]["ranks"])))
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without torch.distributed")
@pytest.mark.parametrize("map_location", ["cpu", "meta"])
def test_each_of_two_ranks_continues_its_own_random_stream(tmp_path, map_location):
    import torch.multiprocessing as mp

    results = mp.get_context("fork").SimpleQueue()
    args = (str(tmp_path / "init"), str(tmp_path / "iter_5.pth"), map_location, results)
    mp.start_processes(_rank, args=args, nprocs=2, start_method="fork", join=True)
    by_rank = {rank: (expected, resumed, stored) for rank, expected, resumed, stored in [results.get(), results.get()]}
    assert by_rank[0][0] != by_rank[1][0]  # the ranks draw different streams ...
    for rank in (0, 1):
        expected, resumed, stored = by_rank[rank]
        assert stored == 2
        assert resumed == expected, f"rank {rank} did not continue its own stream"  # ... and each continues its own


def test_a_single_state_of_older_checkpoints_goes_to_every_rank_with_a_warning(capsys):
    from mmengine.logging import MMLogger

    MMLogger.get_instance("dareg_test_random_state")
    single = {"python": (3, [1, 2], None), "numpy": ("MT19937", [1, 2], 0, 0, 0.0), "torch": [0, 1]}
    assert rank_random_state(single, rank=1, world_size=2) == single
    assert "every rank restores it" in capsys.readouterr().out
    per_rank = {"ranks": [dict(single, torch=[0]), dict(single, torch=[1])]}
    assert rank_random_state(per_rank, rank=1, world_size=2)["torch"] == [1]
    assert rank_random_state(per_rank, rank=2, world_size=3)["torch"] == [0]  # world size changed: modulo
    assert "holds the random states of 2 ranks, this run has 3" in capsys.readouterr().out


def _dist_train(tmp_path, work_dir: str, **overrides) -> subprocess.CompletedProcess:
    """``tools/dist_train.sh CONFIG 2`` on the toy with dropout, each rank seeded differently (``diff_rank_seed``)."""
    import toys

    cfg = toys.toy_config(
        tmp_path / work_dir,
        train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=4),
        randomness=dict(seed=7, diff_rank_seed=True),
        custom_imports=dict(imports=["dareg_rank_state_toys"], allow_failed_imports=False),
        **overrides,
    )
    cfg["default_hooks"]["checkpoint"]["interval"] = 2
    (tmp_path / "dareg_rank_state_toys.py").write_text("import toys\n\ntoys.register_toys()\n")
    config = tmp_path / f"{work_dir}.py"
    config.write_text("".join(f"{key} = {value!r}\n" for key, value in cfg.items()))
    env = dict(os.environ, OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), TESTS_DIR, env.get("PYTHONPATH", "")])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        env["PORT"] = str(sock.getsockname()[1])
    command = ["bash", os.path.join(ROOT, "tools", "dist_train.sh"), str(config), "2"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without torch.distributed")
def test_two_rank_run_resumed_through_the_runner_ends_where_the_uninterrupted_one_did(tmp_path):
    """The toy's dropout draws from each rank's own stream: a resume that gave rank 1 rank 0's state would differ."""
    full = _dist_train(tmp_path, "full")
    assert full.returncode == 0, full.stderr[-4000:]
    checkpoint = torch.load(tmp_path / "full" / "iter_2.pth", weights_only=True)
    states = checkpoint["random_state"]["ranks"]
    assert len(states) == 2 and states[0]["torch"] != states[1]["torch"]
    resumed = _dist_train(tmp_path, "resumed", resume=True, load_from=str(tmp_path / "full" / "iter_2.pth"))
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    final, again = (torch.load(tmp_path / run / "iter_4.pth", weights_only=True)["state_dict"] for run in RUNS)
    for key, value in final.items():
        assert torch.equal(value, again[key]), key
