"""Building and running mmengine Runners from dareg configs (what ``tools/train.py`` calls)."""

from __future__ import annotations

import contextlib
import logging
import os
import os.path as osp
from collections.abc import Iterator
from typing import Any

from mmengine.config import Config
from mmengine.runner import Runner

from dareg.utils.config import ConfigError, check_config_types
from dareg.utils.config_checks import MMENGINE_DEFAULT_HOOKS  # mmengine removes these when None, rejects others
from dareg.utils.dataloader_options import fit_dataloader_options

MULTI_OPTIM_CONSTRUCTOR = "MultiOptimWrapperConstructor"


def optim_wrapper_entries(cfg: Config) -> list[dict]:
    """The optim-wrapper configs of ``cfg``: one, or one per named optimizer."""
    optim_wrapper = cfg.get("optim_wrapper")
    if optim_wrapper is None:
        return []
    if optim_wrapper.get("constructor") == MULTI_OPTIM_CONSTRUCTOR:
        return [value for key, value in optim_wrapper.items() if key != "constructor"]
    return [optim_wrapper]


def enable_amp(cfg: Config) -> None:
    """Switch every optimizer of ``cfg`` to mixed precision.

    Each optimizer gets dareg's :class:`~dareg.engine.optimizers.AmpOptimWrapper` (the name shadows
    mmengine's under scope ``"dareg"``): bfloat16 autocast on CPU, float16 autocast with its own
    dynamic ``torch.amp.GradScaler`` on CUDA.
    """
    entries = optim_wrapper_entries(cfg)
    if not entries:
        raise ValueError("--amp needs an optim_wrapper in the config")
    for entry in entries:
        if entry.get("type", "OptimWrapper") not in ("OptimWrapper", "AmpOptimWrapper"):
            raise ValueError(f"--amp cannot switch optim_wrapper type {entry['type']!r} to mixed precision")
        entry["type"] = "AmpOptimWrapper"
        entry.setdefault("loss_scale", "dynamic")


def apply_run_options(
    cfg: Config,
    config_path: str,
    work_dir: str | None = None,
    resume: str | bool | None = None,
    amp: bool = False,
    launcher: str = "none",
    compile: bool = False,
) -> Config:
    """Apply the command-line options every dareg tool shares, as mmseg's tools do.

    Args:
        cfg: The loaded config.
        config_path: Path of the config file (names the default work directory).
        work_dir: Overrides ``cfg.work_dir``; default ``./work_dirs/<config name>``.
        resume: ``"auto"`` (or True) resumes from the latest checkpoint of the work directory, a
            path resumes from that checkpoint, None does not resume.
        amp: Train with mixed precision.
        launcher: ``"none"``, ``"pytorch"`` or ``"slurm"``.
        compile: Compile the algorithm's networks (``cfg.compile = True``; options the config
            already gives in a ``compile`` dict are kept).
    """
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get("work_dir") is None:
        name = str(config_path).split("::")[-1]  # pkg::x.py names the file x.py of package pkg
        cfg.work_dir = osp.join("./work_dirs", osp.splitext(osp.basename(name))[0])
    if resume in ("auto", True):
        cfg.resume = True
        cfg.load_from = None
    elif resume:
        if not osp.isfile(str(resume)):
            raise FileNotFoundError(f"--resume {resume}: no such checkpoint file")
        cfg.resume = True
        cfg.load_from = resume
    if amp:
        enable_amp(cfg)
    if compile and not cfg.get("compile"):
        cfg.compile = True
    cfg.launcher = launcher
    return cfg


def drop_disabled_default_hooks(cfg: Config) -> None:
    """Remove dareg's default hooks that a config switched off (``default_hooks.finite_loss=None``)."""
    hooks = cfg.get("default_hooks")
    if hooks:
        for name in [n for n, hook in hooks.items() if hook is None and n not in MMENGINE_DEFAULT_HOOKS]:
            hooks.pop(name)


def check_work_dir(cfg: Config) -> None:
    """Create the work directory, failing with a message that names ``--work-dir`` when it cannot be used."""
    work_dir = cfg.get("work_dir")
    try:
        os.makedirs(work_dir, exist_ok=True)
        if not os.access(work_dir, os.W_OK | os.X_OK):
            raise PermissionError(f"no permission to write into {work_dir}")
    except OSError as error:
        raise ConfigError(
            f"Cannot use the work directory {work_dir} (set with --work-dir, or work_dir in the config): "
            f"{type(error).__name__}: {error}. Choose a writable directory with --work-dir."
        ) from error


def check_arguments_and_spans(cfg: Config) -> None:
    """Fail on constructor arguments no component accepts; warn on schedulers shorter than the loop."""
    from mmengine.logging import print_log

    from dareg.utils.config_checks import check_constructor_arguments, scheduler_span_warnings

    source = getattr(cfg, "filename", None) or "the config"
    problems = check_constructor_arguments(cfg, source)
    if problems:
        raise ConfigError("\n".join(problems))
    for warning in scheduler_span_warnings(cfg):
        print_log(f"WARNING: {warning}", logger="current", level=logging.WARNING)


@contextlib.contextmanager
def explained_constructor_errors(cfg: Config) -> Iterator[None]:
    """Re-raise a component's unexpected/missing-argument ``TypeError`` as a ConfigError naming its config path."""
    from dareg.utils.config_checks import explain_constructor_error

    try:
        yield
    except TypeError as error:
        message = explain_constructor_error(error, cfg, getattr(cfg, "filename", None) or "the config")
        if message is None:
            raise
        raise ConfigError(message) from error


def compile_key_to_hook(cfg: Config) -> None:
    """Turn the top-level ``compile`` key into a :class:`~dareg.engine.hooks.CompileHook` (validated now).

    mmengine's Runner reads the same key and compiles ``train_step`` with it; dareg compiles the
    algorithm's networks instead (:mod:`dareg.engine.compilation`), so the key leaves the config
    and the hook that does it joins ``custom_hooks`` (the dumped config shows the hook).

    Raises:
        ConfigError: The value is not True, False, None or a dict of valid options (names the key).
    """
    from dareg.engine.compilation import parse_compile_option

    if "compile" not in cfg:
        return
    options = parse_compile_option(cfg.pop("compile"))
    if options is not None:
        cfg.custom_hooks = [*(cfg.get("custom_hooks") or []), dict(type="CompileHook", **options.to_config())]


def resolve_resume(cfg: Config) -> None:
    """Turn ``resume=True`` without a path into the newest *intact* checkpoint of the work directory.

    mmengine resumes from whatever ``last_checkpoint`` names; dareg checks the integrity records and
    falls back to an older checkpoint, logging each one it skipped and why.
    """
    if cfg.get("resume") and cfg.get("load_from") is None:
        from dareg.utils.checkpoint_files import find_resumable_checkpoint

        cfg.load_from = find_resumable_checkpoint(cfg.work_dir)
        if cfg.load_from is None:
            cfg.resume = False  # nothing to resume: a fresh start, as mmengine does


def check_run_config(cfg: Config) -> None:
    """Check ``cfg`` before any work (types, constructor arguments, scheduler spans) and create the work directory."""
    import dareg.engine  # noqa: F401  (atomic checkpoint backend, safe globals for torch.load)

    check_config_types(cfg)
    compile_key_to_hook(cfg)
    distributed = cfg.get("launcher", "none") != "none"
    if distributed:
        from dareg.engine.model_wrappers import configure_distributed

        configure_distributed(cfg)  # one DDP per sub-network, gloo on CPU, rank check (None turns it off)
    drop_disabled_default_hooks(cfg)
    check_arguments_and_spans(cfg)
    check_work_dir(cfg)


def runner_from_checked_config(cfg: Config) -> Runner:
    """Build the Runner of a config that :func:`check_run_config` accepted.

    Without a ``runner_type``, the Runner is :class:`~dareg.engine.runner.DaregRunner` (its
    dataloader workers leave stop signals to the main process).
    """
    from dareg.engine.runner import DaregRunner

    resolve_resume(cfg)
    fit_dataloader_options(cfg)  # no pin_memory without a GPU, no persistent_workers without workers
    from dareg.engine.hooks.deterministic_mode_hook import configure_determinism

    configure_determinism(cfg)  # CUBLAS_WORKSPACE_CONFIG before CUDA starts; randomness.warn_only
    if cfg.get("launcher", "none") != "none":
        from dareg.engine.model_wrappers import prepare_distributed

        prepare_distributed(cfg)  # the process group, on CPU
    with explained_constructor_errors(cfg):
        if "runner_type" in cfg:
            from mmengine.registry import RUNNERS

            return RUNNERS.build(cfg)
        return DaregRunner.from_cfg(cfg)


def build_runner(cfg: Config) -> Runner:
    """Check ``cfg`` (types, constructor arguments, work directory), then build mmengine's Runner."""
    check_run_config(cfg)
    return runner_from_checked_config(cfg)


def holds_work_dir(cfg: Config) -> bool:
    """Whether this process takes the work directory's lock: the one process of a run, or global rank 0."""
    launcher = cfg.get("launcher", "none")
    rank = {"pytorch": "RANK", "slurm": "SLURM_PROCID"}.get(launcher)
    return rank is None or int(os.environ.get(rank, "0")) == 0


def train(cfg: Config) -> Any:
    """Check ``cfg``, take the work directory, build a runner and train; returns the runner.

    The work directory is held (:class:`~dareg.utils.work_dir_lock.WorkDirLock`) from before the
    Runner is built until training ends: a second run into it fails with ``WorkDirBusyError``
    naming the first. Between building the model and the first iteration,
    :func:`~dareg.engine.training_checks.check_training_setup` checks the optimizers against the model
    (raising ``TrainingSetupError``), and the log names the loaded plugins with their versions.
    """
    from dareg.engine.hooks import PreemptionHook
    from dareg.engine.training_checks import check_training_setup
    from dareg.plugins import loaded_summary
    from dareg.utils.work_dir_lock import WorkDirLock

    if not isinstance(cfg, Config):  # a plain dict, as mmengine's Runner.from_cfg also takes
        cfg = Config(cfg)
    check_run_config(cfg)
    lock = WorkDirLock(cfg.work_dir) if holds_work_dir(cfg) else None
    with lock or contextlib.nullcontext():
        runner = runner_from_checked_config(cfg)
        if lock is not None and lock.took_over:
            message = f"Took over the work directory {cfg.work_dir} from a run that ended: {lock.took_over}."
            runner.logger.warning(message)
        check_training_setup(cfg, runner.model)
        runner.logger.info(loaded_summary())
        try:
            runner.train()
        finally:  # an exception ends training without after_train: give the signals back anyway
            for hook in runner.hooks:
                if isinstance(hook, PreemptionHook):
                    hook.restore()
    return runner


def shutdown_distributed() -> bool:
    """Wait for every rank, then destroy the default process group; False outside distributed runs.

    Returns:
        Whether a process group was shut down: the process should then end with
        :func:`dareg.utils.process.exit_after_collectives`.
    """
    import torch.distributed as torch_dist

    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return False
    torch_dist.barrier()
    torch_dist.destroy_process_group()
    return True
