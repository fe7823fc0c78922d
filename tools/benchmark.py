"""Benchmark training speed and memory of a config, or the data pipeline.

Training: ``python tools/benchmark.py CONFIG [--warmup 2] [--iters 10] [--baseline] [--amp] [--compile]
[--synthetic [--input-size H W]] [--batch-size N] [--cfg-options ...]``.
``--compile`` (or a ``compile`` key in the config, whose options it then uses) trains eager and then
compiled, and reports both side by side.
Data pipeline: ``python tools/benchmark.py --data [--images 8] [--repeats 3] [--step-time S ...]
[--headroom 1.5] [--data-dir DIR]``: images/s per worker and the workers one GPU needs.
See ``docs/results/benchmark.md`` for what is measured and the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from mmengine.config import DictAction

from dareg.benchmark.data_report import add_data_arguments, run_data_benchmark


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark a dareg config (training) or the data pipeline")
    parser.add_argument("config", nargs="?", help="config file (not needed with --data)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed iterations first")
    parser.add_argument("--iters", type=int, default=10, help="timed iterations")
    parser.add_argument("--baseline", action="store_true", help="also time a plain PyTorch loop, interleaved")
    parser.add_argument("--amp", action="store_true", help="mixed precision (bf16 on CPU, fp16 on CUDA)")
    parser.add_argument(
        "--compile",
        action="store_true",
        help="also train with the networks compiled (torch.compile; the config's compile options if it has "
        "them), after the eager run, and compare",
    )
    parser.add_argument("--synthetic", action="store_true", help="random in-memory batches of the config's sizes")
    parser.add_argument("--input-size", type=int, nargs=2, metavar=("H", "W"), help="size of synthetic images")
    parser.add_argument("--batch-size", type=int, help="per-domain batch size")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs (separate processes)")
    parser.add_argument("--channels-last", action="store_true", help="add ChannelsLastHook")
    parser.add_argument("--activation-checkpoint", nargs="+", metavar="MODULE", help="add ActivationCheckpointHook")
    parser.add_argument("--flush-denormal", action="store_true", help="torch.set_flush_denormal(True) (slow CPUs)")
    parser.add_argument("--hook-costs", action="store_true", help="also time each hook per iteration (fixed cost)")
    parser.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, help="override config keys")
    add_data_arguments(parser)
    parser.add_argument("--only", choices=["framework", "baseline", "compiled"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.data and not args.config:
        parser.error("give a CONFIG, or --data for the data-pipeline benchmark")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads or args.flush_denormal:
        import torch

        if args.threads:
            torch.set_num_threads(args.threads)
        if args.flush_denormal:
            torch.set_flush_denormal(True)
    if args.data:
        return run_data_benchmark(args)

    from dareg.benchmark import benchmark_training, load_benchmark_config, run_memory_child
    from dareg.utils.config import USER_ERRORS

    hooks = [dict(type="ChannelsLastHook")] if args.channels_last else []
    if args.activation_checkpoint:
        hooks.append(dict(type="ActivationCheckpointHook", modules=args.activation_checkpoint))
    try:
        cfg, compile_options = load_benchmark_config(args.config, args.cfg_options, args.compile, hooks)
    except USER_ERRORS as error:
        raise SystemExit(f"error: {error}") from error
    options = dict(amp=args.amp, synthetic=args.synthetic, input_size=args.input_size, batch_size=args.batch_size)
    if args.only:
        peak = run_memory_child(cfg, args.only, args.warmup, args.iters, compile=compile_options, **options)
        print("DAREG_BENCHMARK_PEAK " + json.dumps(peak))
        return 0
    child_args = [sys.executable, os.path.abspath(__file__), *(argv if argv is not None else sys.argv[1:])]
    report = benchmark_training(
        cfg,
        args.warmup,
        args.iters,
        baseline=args.baseline,
        memory=not args.no_memory,
        child_args=child_args,
        time_each_hook=args.hook_costs,
        compile=compile_options,
        **options,
    )
    print(report.format())
    if args.json:
        from dataclasses import asdict

        with open(args.json, "w") as handle:
            json.dump(asdict(report), handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
