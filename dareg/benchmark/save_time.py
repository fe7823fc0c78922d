"""How long saving a config's checkpoint takes here: compare it with the launcher's grace period.

``python -m dareg.benchmark.save_time CONFIG [--repeats 3]`` trains the config one iteration on
random batches (so that the optimizers hold their states, as in a real checkpoint; random weights
and a small input size, neither changes the file), then saves its checkpoint ``repeats`` times
through dareg's ``CheckpointHook`` path: ``torch.save`` to memory, the atomic write (temporary
file, ``fsync``, rename) and the sha256 integrity record. It prints the size and the time of each
save. On preemption the save happens after the current iteration, so the time a job needs between
its stop signal and its end is about one iteration plus one save (plus, under DDP, the other ranks
waiting for rank 0's save at the next collective); torchrun kills workers 30 s after forwarding
SIGTERM unless told otherwise (docs: distributed training, preemption).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from dareg.benchmark.gpu_cases import Setting, load_setting

#: The input size of the one training iteration: the checkpoint does not depend on it.
SMALL_INPUT = (64, 64)


def measure_save(config: str, repeats: int = 3, work_dir: str | None = None) -> dict[str, Any]:
    """Train ``config`` one iteration on random batches, then time ``repeats`` checkpoint saves.

    Returns:
        ``bytes`` (the file size) and ``seconds`` (one entry per save).
    """
    from dareg.apis.train import build_runner
    from dareg.benchmark.runner import benchmark_config

    with tempfile.TemporaryDirectory(prefix="dareg_save_time_", dir=work_dir) as folder:
        cfg, _ = benchmark_config(load_setting(Setting(config)), 1, folder, synthetic=True, input_size=SMALL_INPUT)
        runner = build_runner(cfg)
        runner.train()
        seconds, size = [], 0
        for index in range(repeats):
            filename = f"iter_probe{index}.pth"
            started = time.perf_counter()
            runner.save_checkpoint(folder, filename, backend_args=dict(backend="atomic_local"))
            seconds.append(time.perf_counter() - started)
            size = os.path.getsize(os.path.join(folder, filename))
            os.remove(os.path.join(folder, filename))
    return dict(config=config, bytes=size, seconds=seconds)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the checkpoint size and each save's time."""
    parser = argparse.ArgumentParser(description="Time the checkpoint saves of a config on this machine")
    parser.add_argument("config", help="a config file or name, e.g. dareg::adaptseg/gta2cityscapes.py")
    parser.add_argument("--repeats", type=int, default=3, help="saves to time (default 3)")
    parser.add_argument("--work-dir", help="where to write (default: the temporary directory; use the real disk)")
    args = parser.parse_args(argv)
    result = measure_save(args.config, args.repeats, args.work_dir)
    times = ", ".join(f"{value:.2f} s" for value in result["seconds"])
    print(f"{args.config}: checkpoint {result['bytes'] / 2**30:.3f} GiB ({result['bytes']} bytes); saves: {times}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
