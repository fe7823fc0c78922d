"""Which operations of each algorithm have no deterministic CUDA kernel: recorded on the CPU.

``python -m dareg.benchmark.determinism [--dry-run]`` trains every algorithm of the GPU check
(:data:`~dareg.benchmark.gpu_cases.ALGORITHMS`: its reference config, random weights, random
batches at a small size) for one iteration inside a
:class:`~dareg.utils.determinism.NondeterministicOpsRecorder` and prints, per algorithm, the
operations that raise on CUDA under ``randomness=dict(deterministic=True)``. The ATen operations a
model runs are the same on the CPU and on CUDA (``AdaptiveAvgPool2d`` to 1x1, ResNet's global pool,
is a mean on both, so it does not count), so the list needs no GPU. ``--dry-run`` uses the demo
configs, as the GPU check's dry run does. The result is
:data:`~dareg.engine.hooks.deterministic_mode_hook.NONDETERMINISTIC_CUDA_OPS`, which the test suite
compares with a fresh recording.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence

from dareg.benchmark.gpu_cases import ALGORITHMS, Case, load_setting
from dareg.utils.determinism import NondeterministicOpsRecorder

#: The size of the real settings' random batches here (the operations do not depend on it), except for
#: the digit configs, whose classifiers take their own size only.
SMALL_INPUT = (64, 64)
NATIVE_SIZE = ("ADDA", "PixelDA")


def record_case(case: Case, dry: bool) -> list[str]:
    """The operations of :data:`~dareg.utils.determinism.CUDA_NONDETERMINISTIC_OPS` one iteration of ``case`` runs."""
    from dareg.apis.train import build_runner
    from dareg.benchmark.runner import benchmark_config

    setting = case.setting(dry)
    input_size = setting.input_size if dry or case.name in NATIVE_SIZE else SMALL_INPUT
    with tempfile.TemporaryDirectory(prefix="dareg_determinism_") as work_dir:
        cfg, _ = benchmark_config(
            load_setting(setting), 1, work_dir, synthetic=True, input_size=input_size, batch_size=2
        )
        runner = build_runner(cfg)
        with NondeterministicOpsRecorder() as recorder:
            runner.train()
    return sorted(recorder.found)


def main(argv: Sequence[str] | None = None) -> int:
    """Print every algorithm's operations (a Python dict literal, ready for the hook's table)."""
    parser = argparse.ArgumentParser(description="Operations of each algorithm without a deterministic CUDA kernel")
    parser.add_argument("--dry-run", action="store_true", help="the demo configs instead of the reference ones")
    parser.add_argument("--only", nargs="+", metavar="ALGORITHM", help="only these algorithms")
    args = parser.parse_args(argv)
    for case in ALGORITHMS:
        if args.only and case.name not in args.only:
            continue
        print(f"    {case.name!r}: {tuple(record_case(case, args.dry_run))!r},", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
