"""The GPU check: every algorithm trained a few iterations on a CUDA GPU, timed, compiled, distributed.

``tools/gpu_check.sh [REPORT.md] [options]`` runs :func:`main`. ``--quick`` runs only the quick mode
(:mod:`dareg.benchmark.gpu_quick`: AdaptSegNet R101 in fp32 and AMP, a validation at 2048x1024, a
checkpoint and ``--resume`` through ``tools/train.py``, DANN under 2-process DDP, DataLoader
workers), which fits one short device window (an estimated 4 minutes). Without it the full check
runs (estimated at 20-30 minutes on one GPU; it has not run on one yet). Both need no data set
(random in-memory batches at each config's real input sizes, :mod:`dareg.benchmark.synthetic`) and
no pretrained weights (random initialisation; the cost is the same). The full check writes a
markdown report (default ``docs/results/gpu_check.md``) with four parts:

1. **Training.** Every algorithm (:data:`~dareg.benchmark.gpu_cases.ALGORITHMS`, each with its reference config) trains
   ``1 + 2 + 1`` iterations in float32, under ``--amp`` (float16 autocast, one dynamic loss scaler
   per optimizer; ``3 + 2 + 1`` iterations, and steps skipped while the scale settles are no
   failure) and in channels-last, through ``tools/benchmark.py``'s path. A run passes when
   every logged loss is finite, every optimizer stepped and every optimizer changed its weights
   (:class:`~dareg.benchmark.checks.TrainingChecksHook`).
2. **Speed and memory, eager vs compiled** (:data:`~dareg.benchmark.gpu_cases.PERFORMANCE`): AdaptSegNet with DeepLab-v2
   R101 at 1280x720 + 1024x512 (batch 1 + 1), CycleGAN at 256x256 and PixelDA at 32x32, each in
   float32 and under AMP, eager and then with its networks compiled (``--compile``): median step
   time, the compiled/eager ratio, the compile time, and the CUDA peak of each run.
3. **DDP** (:mod:`dareg.benchmark.gpu_ddp`): two processes on the one GPU (``torchrun``, PixelDA),
   eager and compiled; both ranks must hold identical weights after every iteration
   (``RankConsistencyHook``).
4. The environment (GPU, driver-side CUDA, torch, cuDNN, mmengine, the dareg commit).

``--dry-run`` runs the same code on the CPU at toy sizes (the demo configs, batch 2, one timed
iteration, TorchDynamo's ``eager`` backend instead of inductor, DDP over gloo; AMP timed for one
setting and DDP run compiled only, to keep it short): every path except the CUDA calls, in under a
minute of CPU time. The test suite runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dareg.benchmark.gpu_cases import (
    ALGORITHMS,
    MODES,
    PERFORMANCE,
    Case,
    check_training,
    compile_options,
    error_text,
    load_setting,
)
from dareg.benchmark.gpu_ddp import run_ddp

#: Where the report goes by default (relative to the current directory: the checkout's root).
DEFAULT_REPORT = "docs/results/gpu_check.md"


# --- the three parts ---------------------------------------------------------------------------------


def measure(case: Case, amp: bool, dry: bool) -> dict[str, Any]:
    """Eager vs compiled step time and CUDA peak of ``case`` (3 + 10 iterations each; 1 + 1 dry)."""
    from dareg.benchmark.runner import benchmark_training

    setting = case.setting(dry)
    name = f"{case.name.split(',')[0]}, demo config at a toy size" if dry else case.name
    result: dict[str, Any] = dict(name=name, amp=amp, config=setting.config, passed=False)
    warmup, iters = (1, 1) if dry else (3, 10)
    try:
        report = benchmark_training(
            load_setting(setting),
            warmup=warmup,
            iters=iters,
            amp=amp,
            synthetic=True,
            input_size=setting.input_size,
            batch_size=setting.batch_size,
            memory=False,
            compile=compile_options(dry),
        )
        result.update(
            device=report.device,
            step=report.step,
            compile=report.compile,
            memory=report.memory_in_run,
            notes=report.notes,
            checks=report.checks,
            passed=bool(report.checks.get("passed")) and bool(report.compile["checks"].get("passed")),
        )
    except Exception as error:
        result["error"] = error_text(error)
    return result


# --- the whole check ---------------------------------------------------------------------------------


def environment() -> dict[str, str]:
    """What the report says about the machine and the software."""
    import platform

    import mmengine
    import torch

    info = dict(
        python=platform.python_version(),
        torch=torch.__version__,
        mmengine=mmengine.__version__,
        cpu=f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
    )
    if torch.cuda.is_available():
        info["gpu"] = ", ".join(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count()))
        info["cuda"] = str(torch.version.cuda)
        info["cudnn"] = str(torch.backends.cudnn.version())
    try:
        root = Path(__file__).resolve().parents[2]
        git = ["git", "-C", str(root), "rev-parse", "--short", "HEAD"]
        commit = subprocess.run(git, capture_output=True, text=True)
        if commit.returncode == 0:
            info["dareg commit"] = commit.stdout.strip()
    except OSError:
        pass
    return info


def _selected(cases: Sequence[Case], only: Sequence[str] | None) -> list[Case]:
    if not only:
        return list(cases)
    known = {case.name for case in ALGORITHMS}
    unknown = sorted(set(only) - known)
    if unknown:
        raise SystemExit(f"error: --only {unknown}: not an algorithm of the check; choose from {sorted(known)}")
    return [case for case in cases if case.name.split(",")[0] in only]


def run_check(args: argparse.Namespace) -> dict[str, Any]:
    """Run the parts the options select; returns everything the report shows."""
    import torch

    if not args.dry_run and not torch.cuda.is_available():
        raise SystemExit("error: no CUDA device here; the GPU check needs one (--dry-run runs it on the CPU)")
    started = time.perf_counter()
    command = "python -m dareg.benchmark.gpu_check " + " ".join(args.argv)
    results: dict[str, Any] = dict(dry_run=args.dry_run, environment=environment(), command=command)
    if args.quick:
        from dareg.benchmark.gpu_quick import run_quick

        def progress(step: str | dict[str, Any]) -> None:
            _progress(step if isinstance(step, str) else _verdict(step), started)

        results.update(training=[], performance=[], ddp=[], quick=run_quick(args.dry_run, progress))
        results["seconds"] = time.perf_counter() - started
        return results
    results["training"] = []
    if not args.skip_training:
        for case in _selected(ALGORITHMS, args.only):
            for mode in args.modes:
                _progress(f"training {case.name} [{mode}]", started)
                results["training"].append(check_training(case, mode, args.dry_run))
                _progress(_verdict(results["training"][-1]), started)
    results["performance"] = []
    if not args.skip_performance:
        cases = _selected(PERFORMANCE, args.only)
        for case in cases:
            # the dry run keeps its CPU time short: AMP for the last setting only (the same path for all)
            for amp in (False, True) if not args.dry_run or case is cases[-1] else (False,):
                _progress(f"eager vs compiled: {case.name} [{'amp' if amp else 'fp32'}]", started)
                results["performance"].append(measure(case, amp, args.dry_run))
                _progress(_verdict(results["performance"][-1]), started)
    results["ddp"] = []
    if not args.skip_ddp:
        # the dry run starts the compiled run only (the eager one is the same path without --ddp-compile)
        for compiled in (False, True) if not args.dry_run else (True,):
            _progress(f"DDP, 2 processes [{'compiled' if compiled else 'eager'}]", started)
            results["ddp"].append(run_ddp(compiled, args.dry_run))
            _progress(_verdict(results["ddp"][-1]), started)
    results["seconds"] = time.perf_counter() - started
    return results


def _verdict(result: dict[str, Any]) -> str:
    if result.get("skipped"):
        return f"  skipped: {result['skipped']}"
    return "  ok" if result.get("passed") else "  FAILED: " + str(result.get("error") or result.get("checks"))[:500]


def _progress(message: str, started: float) -> None:
    print(f"[{time.perf_counter() - started:7.1f} s] {message}", flush=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train, time and compile every dareg algorithm on a CUDA GPU")
    parser.add_argument("--out", default=DEFAULT_REPORT, help=f"markdown report (default {DEFAULT_REPORT})")
    parser.add_argument("--json", help="also write every number to this JSON file")
    parser.add_argument("--dry-run", action="store_true", help="toy sizes on the CPU: every path but CUDA's")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="only the quick mode (~4 min on one GPU): AdaptSegNet R101 fp32/AMP, validation at 2048x1024, "
        "--resume through tools/train.py, DANN under 2-process DDP, DataLoader workers",
    )
    parser.add_argument("--only", nargs="+", metavar="ALGORITHM", help="only these algorithms (and their timings)")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES), help="training modes")
    parser.add_argument("--skip-training", action="store_true", help="skip part 1 (every algorithm trains)")
    parser.add_argument("--skip-performance", action="store_true", help="skip part 2 (eager vs compiled)")
    parser.add_argument("--skip-ddp", action="store_true", help="skip part 3 (2-process DDP)")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check and write the report; 0 when everything passed, 1 otherwise."""
    args = parse_args(argv)
    from dareg.benchmark.gpu_report import failures, format_report

    results = run_check(args)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(format_report(results), encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    problems = failures(results)
    print(f"report: {args.out} ({len(problems)} failures, {results['seconds']:.0f} s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
