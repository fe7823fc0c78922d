"""Training-speed benchmark of any dareg config, with an optional plain-PyTorch baseline beside it.

``tools/benchmark.py CONFIG`` calls :func:`benchmark_training`. It trains the config through the
real path (``build_runner`` -> mmengine ``Runner.train`` with the config's hooks, loop, optim
wrappers and data pipeline; validation and checkpoints off) for ``warmup + iters`` iterations, and
times each iteration with two hooks that run first and last:

* ``data``: from the end of one iteration to the start of the next (waiting for the batch);
* ``step``: from the first ``before_train_iter`` hook to the last ``after_train_iter`` hook
  (preprocessing, ``train_step``, every hook).

One more, untimed, iteration ends the run, so that what hooks do when training ends (a final log
line, visualisation samples) stays out of the timed window.

With ``baseline=True`` a hand-written loop (:mod:`dareg.benchmark.baselines`) runs on the same
batch as each framework iteration, on the same sub-networks, with plain ``torch.optim`` optimizers
of the same settings. The two alternate, so machine noise hits both alike, and which of the two runs
first swaps from one pair to the next, so that an advantage of running first or second (a warm
cache, the allocator's state) cancels out instead of counting as overhead. The overhead is the
median of the per-pair ratios, with a bootstrap 95% confidence interval, and it is also given for
each order separately. With ``hook_costs=True`` every hook's ``before_train_iter`` and
``after_train_iter`` is timed too: a direct, low-noise measurement of the framework's fixed cost
per iteration. Peak memory is measured in two fresh processes (the
framework alone, the baseline alone), because a process's peak cannot be split between two loops
that share it: ``torch.cuda.max_memory_allocated`` on CUDA, the peak resident set size on CPU.

With ``compile`` (``tools/benchmark.py --compile``) the same config trains twice in one call, eager
first and then with its networks compiled (:mod:`dareg.engine.compilation`), each through a fresh
Runner; the report puts the compiled step beside the eager one, with their ratio, the compile time
(how much longer the compiled run's warm-up iterations took than the eager run's), the number of
graphs TorchDynamo compiled and broke, and a third memory run. Every run is watched by
:class:`~dareg.benchmark.checks.TrainingChecksHook` (finite losses, weights that moved).
"""

from __future__ import annotations

import copy
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from dareg.apis.train import apply_run_options, build_runner
from dareg.benchmark.baselines import PlainLoop, find_baseline
from dareg.benchmark.checks import TrainingChecksHook
from dareg.benchmark.compiled import compile_summary, dynamo_counts, reset_dynamo
from dareg.benchmark.report import BenchmarkReport, IterationTimes, hook_costs, overhead, summarize
from dareg.benchmark.synthetic import synthetic_train_dataloader
from dareg.engine.compilation import CompileOptions

# --- configuration of a benchmark run ---------------------------------------------------------------


def benchmark_config(
    cfg: Config,
    iterations: int,
    work_dir: str,
    amp: bool = False,
    synthetic: bool = False,
    input_size: Sequence[int] | None = None,
    batch_size: int | None = None,
    compile: CompileOptions | None = None,
) -> tuple[Config, list[str]]:
    """A copy of ``cfg`` that trains ``iterations`` iterations without validation or checkpoints.

    Its networks are compiled with ``compile``, and only then: a ``compile`` key of ``cfg`` is
    dropped (``tools/benchmark.py`` turns it into ``compile`` options, so that the eager run of the
    side-by-side comparison stays eager).
    """
    cfg = copy.deepcopy(cfg)
    notes: list[str] = []
    apply_run_options(cfg, cfg.filename or "benchmark.py", work_dir=work_dir, amp=amp)
    cfg.pop("compile", None)
    if compile is not None:
        cfg.compile = compile.to_config()
    cfg.experiment_name = f"benchmark_{uuid.uuid4().hex[:8]}"  # runners built in the same second stay apart
    cfg.load_from = None
    cfg.resume = False
    for key in ("val_dataloader", "val_cfg", "val_evaluator", "test_dataloader", "test_cfg", "test_evaluator"):
        cfg[key] = None
    train_cfg = dict(cfg.train_cfg)
    if train_cfg.get("type", "") in ("EpochBasedTrainLoop",) or "max_epochs" in train_cfg:
        raise ValueError("tools/benchmark.py needs an iteration-based train_cfg (max_iters)")
    train_cfg.update(max_iters=iterations, val_interval=iterations + 1)
    train_cfg.pop("val_begin", None)
    cfg.train_cfg = train_cfg
    hooks = dict(cfg.get("default_hooks") or {})
    hooks["checkpoint"] = None
    if hooks.get("logger"):
        hooks["logger"] = dict(hooks["logger"], interval=max(iterations, 1))
    cfg.default_hooks = hooks
    cfg.log_level = "WARNING"
    if synthetic:
        cfg.train_dataloader, notes = synthetic_train_dataloader(cfg, input_size, batch_size)
    elif batch_size:
        cfg.train_dataloader.batch_size = batch_size
    return cfg, notes


def load_benchmark_config(
    config: str, cfg_options: dict | None = None, compile: bool = False, extra_hooks: Sequence[dict] = ()
) -> tuple[Config, CompileOptions | None]:
    """``tools/benchmark.py``'s config: ``config`` with its overrides, its ``compile`` key taken out as
    options (``compile=True`` without one: the default options), ``extra_hooks`` appended.

    Raises:
        The errors of :func:`dareg.utils.config.load_config` (``USER_ERRORS``) on a bad config.
    """
    from dareg.engine.compilation import parse_compile_option
    from dareg.utils.config import load_config

    cfg = load_config(config, cfg_options)
    options = parse_compile_option(cfg.pop("compile", None))
    if compile and options is None:
        options = CompileOptions()
    cfg.custom_hooks = [*(cfg.get("custom_hooks") or []), *extra_hooks]
    return cfg, options


# --- timing hooks -----------------------------------------------------------------------------------


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class _IterationStart(Hook):
    priority = "HIGHEST"

    def __init__(self, clock: _IterationEnd) -> None:
        self.clock = clock

    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        self.clock.start(data_batch)


class _IterationEnd(Hook):
    """Times the iteration, and the baseline step on the same batch before or after it (alternating)."""

    priority = "LOWEST"

    def __init__(self, times: IterationTimes, baseline_factory: Callable | None, count_graphs: bool = False) -> None:
        self.times = times
        self.baseline_factory = baseline_factory
        self.count_graphs = count_graphs
        self.baseline_step: Callable | None = None
        self.device = torch.device("cpu")
        self._last_end: float | None = None
        self._start = self._start_cpu = 0.0

    def before_train(self, runner: Any) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        self.device = next(model.parameters()).device
        if self.baseline_factory is not None:
            self.baseline_step = self.baseline_factory(runner, model)
        synchronize(self.device)
        if self.device.type == "cuda":  # the in-run peak: weights, optimizer states and activations of this run
            torch.cuda.reset_peak_memory_stats(self.device)
        self._count_graphs()
        self._last_end = time.perf_counter()

    def _count_graphs(self) -> None:
        if self.count_graphs:
            graphs, breaks = dynamo_counts()
            self.times.graphs.append(graphs)
            self.times.graph_breaks.append(breaks)

    def start(self, data_batch: Any) -> None:
        synchronize(self.device)
        now = time.perf_counter()
        self.times.data.append(now - (self._last_end or now))
        self.times.images = count_images(data_batch)
        if self.baseline_step is not None:
            baseline_first = len(self.times.step) % 2 == 1
            self.times.baseline_first.append(baseline_first)
            if baseline_first:
                self.time_baseline(data_batch)
        self._start = time.perf_counter()
        self._start_cpu = time.process_time()

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        synchronize(self.device)
        end = time.perf_counter()
        self.times.step.append(end - self._start)
        self.times.step_cpu.append(time.process_time() - self._start_cpu)
        self._count_graphs()
        if self.baseline_step is not None and not self.times.baseline_first[-1]:
            self.time_baseline(data_batch)
        self._last_end = time.perf_counter()

    def time_baseline(self, data_batch: Any) -> None:
        start, start_cpu = time.perf_counter(), time.process_time()
        self.baseline_step(data_batch)
        synchronize(self.device)
        self.times.baseline.append(time.perf_counter() - start)
        self.times.baseline_cpu.append(time.process_time() - start_cpu)


#: Hook methods run once per training iteration, whose cost is the framework's fixed cost.
ITERATION_HOOK_METHODS = ("before_train_iter", "after_train_iter")


def time_hooks(runner: Any, times: IterationTimes) -> None:
    """Wrap every per-iteration method of the runner's hooks with a timer that records into ``times.hooks``.

    Each wrapper adds two ``perf_counter`` calls (well under a microsecond) to what it measures.
    Called before the benchmark registers its own timing hooks, which are therefore not timed.
    """
    for hook in runner.hooks:
        for method in ITERATION_HOOK_METHODS:
            records = times.hooks.setdefault(f"{type(hook).__name__}.{method}", [])
            setattr(hook, method, _timed(getattr(hook, method), records))


def _timed(function: Callable, records: list[float]) -> Callable:
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            records.append(time.perf_counter() - start)

    return timed


def count_images(batch: Any) -> int:
    """Images in a (two-domain) batch."""
    if isinstance(batch, dict) and "inputs" in batch:
        inputs = batch["inputs"]
        return len(inputs)
    if isinstance(batch, dict):
        return sum(count_images(value) for value in batch.values())
    return 0


def make_baseline_factory(cfg: Config, amp: bool) -> Callable:
    """``(runner, model) -> step(batch)``: the plain loop of the config's algorithm."""

    def factory(runner: Any, model: torch.nn.Module) -> Callable:
        baseline = find_baseline(type(model).__name__)
        optimizers = plain_optimizers(cfg, model)
        pre = model.data_preprocessor
        device = next(model.parameters()).device
        amp_dtype = None
        if amp:
            amp_dtype = torch.bfloat16 if device.type == "cpu" else torch.float16
        loop = PlainLoop(
            optimizers,
            mean=pre.mean.detach().clone() if getattr(pre, "normalize", False) else None,
            std=pre.std.detach().clone() if getattr(pre, "normalize", False) else None,
            bgr_to_rgb=bool(getattr(pre, "bgr_to_rgb", False)),
            device=device,
            amp_dtype=amp_dtype,
            clip_grad={key: entry.get("clip_grad") for key, entry in optimizer_configs(cfg).items()},
        )
        return baseline(model, loop)

    return factory


def optimizer_configs(cfg: Config) -> dict[str, dict]:
    """A copy of the config's ``optim_wrapper`` entries by optimizer name (without ``constructor``)."""
    optim_cfg = copy.deepcopy(
        cfg.optim_wrapper.to_dict() if hasattr(cfg.optim_wrapper, "to_dict") else dict(cfg.optim_wrapper)
    )
    optim_cfg.pop("constructor", None)
    return optim_cfg


def plain_optimizers(cfg: Config, model: torch.nn.Module) -> dict[str, torch.optim.Optimizer]:
    """Fresh ``torch.optim`` optimizers with the config's settings and parameter groups.

    They are built by the same constructor the Runner uses (so learning-rate multipliers and
    weight-decay groups match) and taken out of their wrappers: the baseline steps them directly.
    """
    from dareg.engine.optimizers import MultiOptimWrapperConstructor

    optim_cfg = optimizer_configs(cfg)
    for entry in optim_cfg.values():
        entry.pop("clip_grad", None)  # the plain loop clips itself (PlainLoop's clip_grad)
        entry["type"] = "OptimWrapper"
        entry.pop("loss_scale", None)
        entry.pop("dtype", None)
    wrappers = MultiOptimWrapperConstructor(optim_cfg)(model)
    return {name: wrapper.optimizer for name, wrapper in wrappers.items()}


def peak_memory(device: torch.device) -> tuple[str, int]:
    """The process's peak memory: CUDA max allocated, or peak RSS on CPU.

    On Linux the peak RSS is the ``VmHWM`` of ``/proc/self/status``, the high-water mark of this
    process's own address space. ``getrusage().ru_maxrss`` is not: Linux carries it over from the
    parent through ``fork`` and ``exec``, so a memory run started by a benchmark that had already
    trained would report the parent's size (both memory runs then read the same number).
    """
    if device.type == "cuda":
        return "CUDA max allocated", int(torch.cuda.max_memory_allocated(device))
    high_water = _proc_status_kib("VmHWM")
    if high_water is not None:
        return "CPU peak RSS", high_water * 1024
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return "CPU peak RSS", int(rss * (1 if sys.platform == "darwin" else 1024))


def resident_memory() -> int | None:
    """The process's resident set size now, in bytes (``VmRSS``; None where ``/proc`` is missing)."""
    resident = _proc_status_kib("VmRSS")
    return None if resident is None else resident * 1024


def _proc_status_kib(field_name: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{field_name}:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def run_timed(
    cfg: Config,
    warmup: int,
    iters: int,
    baseline: bool,
    amp: bool,
    only_baseline: bool = False,
    time_each_hook: bool = False,
    checks: bool = True,
) -> tuple[IterationTimes, torch.device]:
    """Train ``warmup + iters`` iterations of a prepared config, timing and checking each (see module doc)."""
    times = IterationTimes()
    factory = make_baseline_factory(cfg, amp) if (baseline or only_baseline) else None
    runner = build_runner(cfg)
    end = _IterationEnd(times, factory, count_graphs=any(type(h).__name__ == "CompileHook" for h in runner.hooks))
    start = _IterationStart(end)
    if time_each_hook:
        time_hooks(runner, times)
    runner.register_hook(start, priority="HIGHEST")
    runner.register_hook(end, priority="LOWEST")
    if only_baseline:
        _run_baseline_only(runner, end, warmup + iters)
    else:
        watcher = TrainingChecksHook() if checks else None
        if watcher is not None:  # not in memory runs: its CPU copy of the weights would count in the peak
            runner.register_hook(watcher, priority="LOWEST")
        runner.train()
        times.checks = watcher.result if watcher is not None else {}
    if end.device.type == "cuda":
        times.cuda_peak = int(torch.cuda.max_memory_allocated(end.device))
    return times, end.device


def _run_baseline_only(runner: Any, clock: _IterationEnd, iterations: int) -> None:
    """Feed ``iterations`` batches of the runner's train dataloader to the baseline alone."""
    loader = runner.build_dataloader(runner._train_dataloader, seed=runner.seed)
    clock.before_train(runner)
    batches = iter(loader)
    for _ in range(iterations):
        try:
            batch = next(batches)
        except StopIteration:
            batches = iter(loader)
            batch = next(batches)
        clock.time_baseline(batch)
        clock.times.images = count_images(batch)


def benchmark_training(
    cfg: Config,
    warmup: int = 2,
    iters: int = 10,
    baseline: bool = False,
    amp: bool = False,
    synthetic: bool = False,
    input_size: Sequence[int] | None = None,
    batch_size: int | None = None,
    memory: bool = True,
    child_args: list[str] | None = None,
    time_each_hook: bool = False,
    compile: CompileOptions | None = None,
) -> BenchmarkReport:
    """Benchmark training of ``cfg`` (see the module docstring).

    Args:
        cfg: A loaded config (``load_config``).
        warmup: Untimed iterations first. Defaults to 2.
        iters: Timed iterations. Defaults to 10.
        baseline: Also time the algorithm's plain-PyTorch loop, interleaved. Defaults to False.
        amp: Mixed precision (``--amp``) for both. Defaults to False.
        synthetic: Random in-memory batches of the config's input sizes. Defaults to False.
        input_size: ``(height, width)`` of synthetic images. Defaults to the pipeline's.
        batch_size: Override of the per-domain batch size. Defaults to the config's.
        memory: Measure peak memory in separate processes (needs ``child_args``: the command line
            that re-runs this benchmark). Defaults to True.
        child_args: ``[python, tools/benchmark.py, CONFIG, ...options]`` for the memory runs.
        time_each_hook: Also time every hook's per-iteration methods (``hook_costs`` of the
            report). Defaults to False.
        compile: Also train with the networks compiled with these options, after the eager run,
            and report both (``compile`` of the report). Defaults to None (eager only).
    """
    data = dict(synthetic=synthetic, input_size=input_size, batch_size=batch_size)
    with tempfile.TemporaryDirectory(prefix="dareg_benchmark_") as work_dir:
        # one untimed iteration at the end: hooks that act when training ends (a last log line, sample
        # grids of visualisation hooks) would otherwise land in the timed window
        run_cfg, notes = benchmark_config(cfg, warmup + iters + 1, work_dir, amp, **data)
        times, device = run_timed(run_cfg, warmup, iters, baseline, amp, time_each_hook=time_each_hook)
    timed = slice(warmup, warmup + iters)
    report = BenchmarkReport(
        config=str(cfg.filename),
        device=str(device)
        + (
            f" ({torch.cuda.get_device_name(device)})"
            if device.type == "cuda"
            else f" ({torch.get_num_threads()} threads)"
        ),
        amp=amp,
        warmup=warmup,
        iters=iters,
        images_per_iter=times.images,
        notes=notes,
        data=summarize(times.data[timed]),
        step=summarize(times.step[timed]),
        step_cpu=summarize(times.step_cpu[timed]),
        checks=times.checks,
    )
    if times.cuda_peak:
        report.memory_in_run = {"kind": "CUDA max allocated during the run", "framework": times.cuda_peak}
    if baseline:
        report.baseline = summarize(times.baseline[timed])
        report.baseline_cpu = summarize(times.baseline_cpu[timed])
        first = times.baseline_first[timed]
        report.overhead_ratio = overhead(times.step[timed], times.baseline[timed], first)
        report.overhead_ratio_cpu = overhead(times.step_cpu[timed], times.baseline_cpu[timed], first)
    if time_each_hook:
        report.hook_costs = hook_costs(times.hooks, timed)
    if compile is not None:
        # from an empty cache: graphs TorchDynamo already holds for these classes (an earlier compiled run
        # in this process) would be reused, hiding the compile time and the graph count
        reset_dynamo()
        with tempfile.TemporaryDirectory(prefix="dareg_benchmark_") as work_dir:
            run_cfg, _ = benchmark_config(cfg, warmup + iters + 1, work_dir, amp, compile=compile, **data)
            compiled, _ = run_timed(run_cfg, warmup, iters, baseline=False, amp=amp)
        report.compile = compile_summary(times, compiled, warmup, iters, compile)
        if compiled.cuda_peak:
            report.memory_in_run["compiled"] = compiled.cuda_peak
        if report.compile["graphs_in_timed"]:
            report.notes.append(
                f"compiled run: {report.compile['graphs_in_timed']} graphs were compiled during the timed "
                "iterations (a late recompilation); raise --warmup"
            )
        reset_dynamo()
    if memory and child_args:
        kind, framework, start = _child_peak(child_args, "framework")
        report.memory = {"kind": kind, "framework": framework, "start": {"framework": start}}
        for which, wanted in (("baseline", baseline), ("compiled", compile is not None)):
            if wanted:
                _, report.memory[which], report.memory["start"][which] = _child_peak(child_args, which)
    return report


def _child_peak(child_args: list[str], which: str) -> tuple[str, int, int | None]:
    """Run the benchmark in a fresh process for ``which`` alone; its peak memory and its memory at the start."""
    result = subprocess.run([*child_args, "--only", which], capture_output=True, text=True, env=os.environ.copy())
    for line in result.stdout.splitlines():
        if line.startswith("DAREG_BENCHMARK_PEAK "):
            data = json.loads(line.split(" ", 1)[1])
            return data["kind"], int(data["peak"]), data.get("start")
    raise RuntimeError(f"The {which} memory run failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")


def run_memory_child(
    cfg: Config,
    which: str,
    warmup: int,
    iters: int,
    amp: bool,
    synthetic: bool,
    input_size: Sequence[int] | None,
    batch_size: int | None,
    compile: CompileOptions | None = None,
) -> dict[str, Any]:
    """The body of a memory run (``--only framework|baseline|compiled``): train, then report the peak.

    ``"compiled"`` trains with the networks compiled with ``compile``; the other two never compile.
    """
    options = compile if which == "compiled" else None
    if which == "compiled" and options is None:
        raise ValueError("run_memory_child: which='compiled' needs compile options")
    start = resident_memory()
    if options is not None:
        reset_dynamo()
    with tempfile.TemporaryDirectory(prefix="dareg_benchmark_") as work_dir:
        run_cfg, _ = benchmark_config(
            cfg, warmup + iters, work_dir, amp, synthetic, input_size, batch_size, compile=options
        )
        times, device = run_timed(
            run_cfg, warmup, iters, baseline=False, amp=amp, only_baseline=which == "baseline", checks=False
        )
    kind, peak = peak_memory(device)
    # on CPU the peak includes what the libraries took before the model existed; the run added peak - start
    start = start if device.type == "cpu" else 0
    return {"which": which, "kind": kind, "peak": peak, "start": start, "times": asdict(times)}
