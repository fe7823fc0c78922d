"""The GPU check's quick mode: what a first GPU run of dareg would break, in one short device window.

``tools/gpu_check.sh --quick`` (``python -m dareg.benchmark.gpu_check --quick``) runs, in about
four minutes on one GPU after the environment is installed:

1. **AdaptSegNet, DeepLab-v2 R101 at the reference size** (1280x720 + 1024x512, batch 1 + 1),
   float32 and AMP: 1 + 2 + 1 iterations each, the CUDA peak of each, losses finite, weights
   moved. Under AMP a step the loss scaler skips (inf gradients while the scale settles from
   65,536) is not a failure.
2. **A validation at 2048x1024**: two random Cityscapes-size images through the config's own
   validation pipeline (resize to 1024x512, predictions back at the label size) and ``IoUMetric``,
   through mmengine's ``ValLoop``; time and CUDA peak.
3. **A checkpoint, then ``--resume`` through ``tools/train.py``**: the reference config (random
   weights, random batches at 512x256) trains 4 iterations with a checkpoint every 2, then a second
   ``tools/train.py`` resumes from ``iter_2.pth`` (``Runner.resume`` loads to ``"cuda"``) and
   trains to 4. The checkpoint's size and the resumed run's losses are reported.
4. **A feature-level method under 2-process DDP**: DANN (``RankConsistencyHook`` after every
   iteration) through ``torchrun`` (:mod:`dareg.benchmark.gpu_ddp`); NCCL with one GPU per rank,
   gloo when both ranks share the only GPU (NCCL refuses two ranks on one device).
5. **Real DataLoader workers with pinned memory**: the embedded synthetic street-scene demo
   (generated and flipped in the workers) with 2 workers, ``pin_memory`` and persistent workers.

``--dry-run`` runs the same five parts on the CPU at toy sizes (demo configs, gloo), as the test
suite does.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from dareg.benchmark.gpu_cases import ALGORITHMS, Setting, error_text, load_setting

#: Part 1 (and 2): AdaptSegNet at the reference size; the dry run's demo config.
REFERENCE = next(case for case in ALGORITHMS if case.name == "AdaptSegNet")
#: Part 2: the Cityscapes label size (height, width); the dry run's toy size.
VALIDATION_SIZE = {False: (1024, 2048), True: (32, 64)}
#: Part 3: the input size of the train/resume runs (the weights, and the checkpoint, are the reference's).
RESUME_INPUT = {False: (256, 512), True: (32, 64)}
#: Part 4: the feature-level method trained under DDP.
DDP_FEATURE_CASE = next(case for case in ALGORITHMS if case.name == "DANN")
#: Part 5: a config whose dataset generates its images (no files), in real worker processes.
WORKERS_SETTING = Setting("dareg::demo/adaptseg_synthetic.py", batch_size=4)
ROOT = Path(__file__).resolve().parents[2]


def _peak_reset() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()


def _release() -> None:
    """Free what the previous part left (its runner, its cached CUDA blocks) before the next one is measured."""
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _peak() -> int | None:
    import torch

    return int(torch.cuda.max_memory_allocated()) if torch.cuda.is_available() else None


# --- 2. validation at the Cityscapes size ------------------------------------------------------------


def validate_full_size(dry: bool) -> dict[str, Any]:
    """Validate AdaptSegNet on two random images of the Cityscapes label size through ``ValLoop``."""
    from dareg.apis.train import build_runner
    from dareg.benchmark.runner import benchmark_config
    from dareg.benchmark.synthetic import synthetic_val_dataloader

    size = VALIDATION_SIZE[dry]
    setting = REFERENCE.setting(dry)
    result: dict[str, Any] = dict(name=f"AdaptSegNet validation, {size[1]}x{size[0]}", config=setting.config)
    result["passed"] = False
    try:
        original = load_setting(setting)
        with tempfile.TemporaryDirectory(prefix="dareg_gpu_quick_val_") as work_dir:
            cfg, _ = benchmark_config(original, 1, work_dir, synthetic=True, input_size=setting.input_size)
            cfg.val_dataloader = synthetic_val_dataloader(original, size, num_samples=2)
            cfg.val_evaluator, cfg.val_cfg = original.val_evaluator, original.val_cfg
            runner = build_runner(cfg)
            _peak_reset()
            started = time.perf_counter()
            metrics = runner.val()
            result["seconds"] = time.perf_counter() - started
        result.update(peak=_peak(), metrics={k: float(v) for k, v in (metrics or {}).items()})
        result["passed"] = bool(metrics) and all(value == value for value in result["metrics"].values())
    except Exception as error:  # one broken part must not hide the others
        result["error"] = error_text(error)
    return result


# --- 3. checkpoint, then --resume through tools/train.py --------------------------------------------


def resume_config(dry: bool, folder: str) -> str:
    """A config file in ``folder``: the reference AdaptSegNet, 4 iterations on random batches, saving every 2."""
    from dareg.benchmark.runner import benchmark_config

    setting = REFERENCE.setting(dry)
    cfg, _ = benchmark_config(load_setting(setting), 4, folder, synthetic=True, input_size=RESUME_INPUT[dry])
    cfg.default_hooks = dict(
        cfg.default_hooks,
        checkpoint=dict(type="CheckpointHook", interval=2, by_epoch=False, backend_args=dict(backend="atomic_local")),
        logger=dict(type="LoggerHook", interval=1),
    )
    cfg.log_level = "INFO"
    cfg.custom_imports = dict(imports=["dareg.benchmark.synthetic"], allow_failed_imports=False)
    path = Path(folder) / "quick_resume.py"
    cfg.dump(str(path))
    return str(path)


def _train_tool(config: str, work_dir: str, *options: str, timeout: float) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    command = [sys.executable, str(ROOT / "tools" / "train.py"), config, "--work-dir", work_dir, *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=str(ROOT))


def _last_losses(log: str) -> dict[str, float]:
    lines = [line for line in log.splitlines() if "Iter(train)" in line and "[4/4]" in line]
    return {k: float(v) for k, v in re.findall(r"(loss\w*): (-?[0-9.]+(?:e-?\d+)?)", lines[-1])} if lines else {}


def checkpoint_and_resume(dry: bool, timeout: float = 300) -> dict[str, Any]:
    """Train 4 iterations (checkpoints at 2 and 4), then resume from iteration 2 with ``--resume`` and train to 4."""
    result: dict[str, Any] = dict(config=REFERENCE.setting(dry).config, passed=False)
    try:
        with tempfile.TemporaryDirectory(prefix="dareg_gpu_quick_resume_") as folder:
            config = resume_config(dry, folder)
            first, second = os.path.join(folder, "first"), os.path.join(folder, "resumed")
            started = time.perf_counter()
            process = _train_tool(config, first, timeout=timeout)
            result["first_seconds"] = time.perf_counter() - started
            if process.returncode != 0:
                result["error"] = f"first run: exit code {process.returncode}\n{process.stderr[-3000:]}"
                return result
            checkpoint = Path(first) / "iter_2.pth"
            result["checkpoint_bytes"] = checkpoint.stat().st_size
            started = time.perf_counter()
            process = _train_tool(config, second, "--resume", str(checkpoint), timeout=timeout)
            result["resumed_seconds"] = time.perf_counter() - started
            if process.returncode != 0:
                result["error"] = f"--resume: exit code {process.returncode}\n{process.stderr[-3000:]}"
                return result
            log = _read_logs(second)
            resumed = re.search(r"resumed epoch: \d+, iter: (\d+)", log)
            result["resumed_iter"] = int(resumed.group(1)) if resumed else None
            result["losses_uninterrupted"] = _last_losses(_read_logs(first))
            result["losses_resumed"] = _last_losses(log)
            trained_on = (Path(second) / "iter_4.pth").is_file() and not (Path(second) / "iter_2.pth").exists()
            result["passed"] = trained_on and result["resumed_iter"] == 2
    except Exception as error:
        result["error"] = error_text(error)
    return result


def _read_logs(work_dir: str) -> str:
    return "\n".join(path.read_text(errors="replace") for path in sorted(Path(work_dir).glob("*/*.log")))


# --- 5. DataLoader workers with pinned memory --------------------------------------------------------


def train_with_workers(dry: bool, workers: int = 2) -> dict[str, Any]:
    """Train the synthetic street-scene demo with ``workers`` DataLoader workers and pinned memory."""
    from dareg.benchmark.runner import benchmark_training

    result: dict[str, Any] = dict(config=WORKERS_SETTING.config, workers=workers, passed=False)
    try:
        cfg = load_setting(WORKERS_SETTING)
        cfg.train_dataloader.update(num_workers=workers, pin_memory=True, persistent_workers=True)
        report = benchmark_training(cfg, warmup=1, iters=4, batch_size=WORKERS_SETTING.batch_size, memory=False)
        result.update(
            step=report.step["median"],
            data=report.data["median"],
            device=report.device,
            checks=report.checks,
            pinned=not dry,  # dareg drops pin_memory without a GPU
            passed=bool(report.checks.get("passed")),
        )
    except Exception as error:
        result["error"] = error_text(error)
    return result


def run_quick(dry: bool, progress: Any) -> dict[str, Any]:
    """Every part of the quick mode; ``progress(message)`` is called before and after each."""
    from dareg.benchmark.gpu_cases import check_training
    from dareg.benchmark.gpu_ddp import run_ddp

    results: dict[str, Any] = {"reference": [], "validation": None, "resume": None, "ddp": [], "workers": None}
    for mode in ("fp32", "amp"):
        progress(f"AdaptSegNet R101, reference size [{mode}]")
        _release()
        results["reference"].append(check_training(REFERENCE, mode, dry))
        progress(results["reference"][-1])
    progress("validation at the Cityscapes size")
    _release()
    results["validation"] = validate_full_size(dry)
    progress(results["validation"])
    progress("checkpoint, then --resume through tools/train.py")
    results["resume"] = checkpoint_and_resume(dry)
    progress(results["resume"])
    progress(f"DDP, 2 processes, {DDP_FEATURE_CASE.name}")
    results["ddp"].append(run_ddp(compiled=False, dry=dry, case=DDP_FEATURE_CASE))
    progress(results["ddp"][-1])
    progress("DataLoader workers with pinned memory")
    _release()
    results["workers"] = train_with_workers(dry)
    progress(results["workers"])
    return results


def quick_failures(results: dict[str, Any]) -> list[str]:
    """One line per part of the quick mode that failed."""
    lines = [f"AdaptSegNet reference size [{run['mode']}]" for run in results["reference"] if not run["passed"]]
    parts = {"validation": "validation at 2048x1024", "resume": "checkpoint + --resume", "workers": "workers"}
    lines += [name for key, name in parts.items() if results.get(key) and not results[key].get("passed")]
    ddp = [run for run in results["ddp"] if not run.get("passed") and not run.get("skipped")]
    return lines + [f"DDP {run.get('case', '')}" for run in ddp]
