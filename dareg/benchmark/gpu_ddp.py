"""The GPU check's DDP part: two ``torchrun`` processes train one algorithm, with identical weights on both ranks.

:func:`run_ddp` starts ``python -m torch.distributed.run --nproc_per_node 2 -m dareg.benchmark.gpu_ddp``;
each process runs :func:`ddp_worker`: one algorithm's config (:data:`~dareg.benchmark.gpu_cases.DDP_CASE`
in the full check, DANN in the quick one) for 4
iterations on random batches under ``--launcher pytorch`` (one DDP per sub-network), with
``RankConsistencyHook`` comparing every weight across the ranks after each iteration; rank 0 writes
what it saw to a JSON file. On a machine with one GPU both ranks share it: NCCL refuses two ranks
on one device, so both pin ``LOCAL_RANK=0`` (mmengine sets the device from it) and use gloo, which
reduces CUDA tensors through the host; with two GPUs or more each rank has its own and NCCL. The
dry run does the same on the CPU over gloo.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dareg.benchmark.gpu_cases import ALGORITHMS, DDP_CASE, Case, compile_options, load_setting


def run_ddp(compiled: bool, dry: bool, timeout: float = 600, case: Case = DDP_CASE) -> dict[str, Any]:
    """Two ``torchrun`` processes train ``case`` for 4 iterations (on the GPUs, or on the CPU dry).

    Skipped without CUDA unless ``dry``. Passes when both ranks end, their weights were identical
    after every iteration, and rank 0's checks pass.
    """
    import torch

    result: dict[str, Any] = dict(compiled=compiled, passed=False)
    gpus = torch.cuda.device_count()
    if not dry and gpus == 0:
        result["skipped"] = "no CUDA device"
        return result
    result["case"] = case.name
    result["placement"] = "CPU" if dry else ("both ranks on one GPU" if gpus == 1 else "one GPU per rank")
    with tempfile.TemporaryDirectory(prefix="dareg_gpu_check_ddp_") as work_dir:
        out = Path(work_dir) / "rank0.json"
        command = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node",
            "2",
            "--master_port",
            str(_free_port()),
            "-m",
            "dareg.benchmark.gpu_ddp",
            "--out",
            str(out),
            "--case",
            case.name,
        ]
        command += ["--dry-run"] * dry + ["--compile"] * compiled + ["--same-gpu"] * (not dry and gpus == 1)
        started = time.perf_counter()
        try:
            process = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            result["error"] = f"timed out after {timeout:.0f} s"
            return result
        result["seconds"] = time.perf_counter() - started
        if process.returncode != 0 or not out.is_file():
            result["error"] = f"exit code {process.returncode}\n{process.stderr[-3000:]}"
            return result
        result.update(json.loads(out.read_text()))
    result["passed"] = bool(result["checks"].get("passed"))
    return result


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ddp_worker(out: str, dry: bool, compiled: bool, same_gpu: bool, case: str = DDP_CASE.name) -> None:
    """One rank of :func:`run_ddp` (started by torchrun): train, check weights across ranks, write rank 0's JSON."""
    if same_gpu:  # NCCL refuses two ranks on one device; mmengine sets the device from LOCAL_RANK
        os.environ["LOCAL_RANK"] = "0"
    from dareg.apis.train import shutdown_distributed
    from dareg.benchmark.runner import benchmark_config, run_timed
    from dareg.utils.process import exit_after_collectives

    setting = next(known for known in (DDP_CASE, *ALGORITHMS) if known.name == case).setting(dry)
    with tempfile.TemporaryDirectory(prefix="dareg_gpu_check_rank_") as work_dir:
        cfg, _ = benchmark_config(
            load_setting(setting),
            4,
            work_dir,
            synthetic=True,
            input_size=setting.input_size,
            batch_size=setting.batch_size,
            compile=compile_options(dry) if compiled else None,
        )
        cfg.launcher = "pytorch"
        if same_gpu or dry:
            cfg.env_cfg = dict(cfg.get("env_cfg") or {}, dist_cfg=dict(backend="gloo"))
        cfg.custom_hooks = [*(cfg.get("custom_hooks") or []), dict(type="RankConsistencyHook", interval=1)]
        times, device = run_timed(cfg, warmup=0, iters=4, baseline=False, amp=False)
    import torch.distributed as dist

    if dist.get_rank() == 0:
        backend = dist.get_backend()
        result = dict(checks=times.checks, world_size=dist.get_world_size(), backend=backend, device=str(device))
        result["step"] = sorted(times.step)[len(times.step) // 2]
        Path(out).write_text(json.dumps(result))
    if shutdown_distributed():
        exit_after_collectives(0)


def main(argv: Sequence[str] | None = None) -> None:
    """The worker's command line (what :func:`run_ddp` gives ``torchrun``)."""
    parser = argparse.ArgumentParser(description="One rank of the GPU check's DDP run (started by torchrun)")
    parser.add_argument("--out", required=True, help="JSON file rank 0 writes")
    parser.add_argument("--dry-run", action="store_true", help="the demo config on the CPU")
    parser.add_argument("--compile", action="store_true", help="compile the networks")
    parser.add_argument("--same-gpu", action="store_true", help="both ranks on GPU 0, over gloo")
    parser.add_argument("--case", default=DDP_CASE.name, help=f"the algorithm (default {DDP_CASE.name})")
    args = parser.parse_args(argv)
    ddp_worker(args.out, args.dry_run, args.compile, args.same_gpu, args.case)


if __name__ == "__main__":
    main()
