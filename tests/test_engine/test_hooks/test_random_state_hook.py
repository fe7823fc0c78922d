"""Per-rank random states: two gloo ranks with different streams each continue their own after a resume.

Each rank seeds its generators differently (as ``randomness.diff_rank_seed`` or per-rank dropout
streams do), draws, and saves through :class:`RandomStateHook` as ``runner.save_checkpoint`` does on
every rank; only rank 0 writes the file. Both ranks then re-seed alike (what mmengine does to a
resumed run), load the file and restore: each must draw exactly what it would have drawn without
the interruption. Before per-rank states, rank 1 replayed rank 0's stream.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from dareg.engine.hooks.random_state_hook import RandomStateHook, rank_random_state


def draws(count: int = 4) -> list[float]:
    return [value for _ in range(count) for value in (random.random(), float(np.random.rand()), float(torch.rand(1)))]


def _rank(rank: int, init_file: str, checkpoint_path: str, map_location: str, results) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=2)
    try:
        random.seed(10 + rank)
        np.random.seed(10 + rank)
        torch.manual_seed(10 + rank)
        draws()  # some training before the checkpoint
        hook = RandomStateHook()
        checkpoint = {"meta": {"iter": 5}}
        hook.before_save_checkpoint(None, checkpoint)  # every rank: a collective
        if rank == 0:
            torch.save(checkpoint, checkpoint_path)
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
