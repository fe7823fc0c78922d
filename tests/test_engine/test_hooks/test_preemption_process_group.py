"""Stop signals as clusters send them: to the whole process group, and during validation.

Slurm's ``--signal`` and ``kill -- -PGID`` reach the dataloader workers too. Each test starts the
toy run in a fresh interpreter with a process group of its own (fixtures/training_process.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook

from dareg.apis import train
from dareg.engine.hooks import NoCheckpointHookError
from dareg.engine.runner import DaregRunner
from dareg.registry import HOOKS
from dareg.utils.checkpoint_files import check_integrity, load_checkpoint_file, read_pointer

MAX_ITERS = 12
VALIDATION = dict(
    val_dataloader=dict(
        batch_size=2,
        num_workers=2,
        sampler=dict(type="DefaultSampler", shuffle=False),
        collate_fn=dict(type="dareg.domain_collate"),
        dataset=dict(type="ToyDigits", num_samples=40, shift=60, seed=3),
    ),
    val_evaluator=dict(type="Accuracy"),
    val_cfg=dict(type="ValLoop"),
)


def toy_cfg(toys, work_dir, slow: dict | None = None, validate: bool = False, **overrides) -> Config:
    hooks = [dict(type="RandomStateHook"), dict(type="PreemptionHook")]
    if slow is not None:
        hooks.append(dict(type="SlowIterations", **slow))
    cfg = toys.toy_config(work_dir, custom_hooks=hooks)
    cfg["train_dataloader"]["num_workers"] = 2
    cfg["train_cfg"] = dict(type="ResumableIterBasedTrainLoop", max_iters=MAX_ITERS, val_interval=4)
    if validate:
        cfg.update(VALIDATION)
    cfg.update(overrides)
    return Config(cfg)


def wait_for(condition, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"training did not reach {what}")


def progress(path) -> int:
    try:
        return int(path.read_text() or 0)
    except (OSError, ValueError):
        return 0


def val_batches(work_dir) -> int:
    try:
        return len((work_dir / "val_progress").read_text().split())
    except OSError:
        return 0


@pytest.fixture
def deterministic():
    previous = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    yield
    torch.use_deterministic_algorithms(previous)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGUSR1], ids=lambda s: s.name)
def test_a_signal_to_the_process_group_with_two_workers_saves_and_exits(toys, tmp_path, signum, training_process):
    process = training_process(toy_cfg(toys, tmp_path, slow={}), new_session=True)
    wait_for(lambda: progress(tmp_path / "progress") >= 3, "iteration 3")
    os.killpg(process.pid, signum)  # the main process and its two dataloader workers
    process.join(90)
    output = process.output()
    assert process.exitcode == 128 + signum, output[-3000:]
    assert "killed by signal" not in output and "Traceback" not in output, output[-3000:]
    stopped_at = load_checkpoint_file(read_pointer(tmp_path))["meta"]["iter"]
    assert 3 <= stopped_at < MAX_ITERS
    assert check_integrity(read_pointer(tmp_path)) is None
    assert f"Stopped by {signum.name} after iteration {stopped_at} of {MAX_ITERS}" in output


def test_resume_after_a_group_signal_with_workers_is_bit_identical(toys, tmp_path, deterministic, training_process):
    uninterrupted = train(toy_cfg(toys, tmp_path / "full")).model.state_dict()
    process = training_process(toy_cfg(toys, tmp_path / "cut", slow={}), new_session=True)
    wait_for(lambda: progress(tmp_path / "cut" / "progress") >= 3, "iteration 3")
    os.killpg(process.pid, signal.SIGTERM)
    process.join(90)
    assert process.exitcode == 128 + signal.SIGTERM, process.output()[-3000:]
    resumed = train(toy_cfg(toys, tmp_path / "cut", resume=True)).model.state_dict()
    for key, value in uninterrupted.items():
        assert torch.equal(value, resumed[key]), key


def test_a_signal_during_validation_stops_within_one_batch_and_resumes_exactly(
    toys, tmp_path, deterministic, training_process
):
    uninterrupted = train(toy_cfg(toys, tmp_path / "full", validate=True)).model.state_dict()
    work = tmp_path / "cut"
    process = training_process(toy_cfg(toys, work, slow=dict(val_delay=0.3), validate=True), new_session=True)
    wait_for(lambda: val_batches(work) >= 2, "validation after iteration 4")  # of 20 validation batches
    seen = val_batches(work)
    os.killpg(process.pid, signal.SIGTERM)
    process.join(90)
    output = process.output()
    assert process.exitcode == 128 + signal.SIGTERM, output[-3000:]
    assert val_batches(work) <= seen + 1  # the batch in progress finished; no other one started
    # the state after iteration 4 (validation had begun), not "iteration 5": a resume trains iteration 5
    assert load_checkpoint_file(read_pointer(work))["meta"]["iter"] == 4
    assert "Stopped by SIGTERM after iteration 4 of 12" in output
    resumed = train(toy_cfg(toys, work, resume=True, validate=True)).model.state_dict()
    for key, value in uninterrupted.items():
        assert torch.equal(value, resumed[key]), key


def running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (Linux)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def record_worker(worker_id: int, directory: str) -> None:
    """A config's own ``worker_init_fn``: leave the worker's pid in a file."""
    (Path(directory) / f"worker{worker_id}").write_text(str(os.getpid()))


def test_workers_ignore_stop_signals_of_others_run_the_loaders_init_and_end_with_the_loader(tmp_path):
    init = dict(type=record_worker, directory=str(tmp_path))
    cfg = dict(dataset=list(range(400)), batch_size=2, num_workers=2, sampler=dict(type="DefaultSampler"))
    loader = DaregRunner.build_dataloader(dict(cfg, worker_init_fn=init), seed=0)
    batches = iter(loader)
    next(batches)
    wait_for(lambda: all((tmp_path / f"worker{i}").exists() for i in range(2)), "both workers", timeout=60)
    pids = [int((tmp_path / f"worker{i}").read_text()) for i in range(2)]
    for pid in pids:  # sent by another process, as Slurm's or a user's signals are
        for name in ("TERM", "USR1", "INT"):
            subprocess.run(["kill", f"-{name}", str(pid)], check=True)
    time.sleep(0.5)
    assert len([next(batches) for _ in range(20)]) == 20
    assert all(running(pid) for pid in pids)
    del batches  # the loader ends its workers (SIGTERM from their parent, when they do not stop by themselves)
    wait_for(lambda: not any(running(pid) for pid in pids), "the workers' end", timeout=60)


class SignalSelfAt(Hook):
    """Send this process SIGTERM during iteration ``iteration``."""

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == self.iteration:
            os.kill(os.getpid(), signal.SIGTERM)


def test_preemption_saves_through_dareg_checkpoint_hook_only(toys, tmp_path):
    HOOKS.register_module(module=SignalSelfAt, force=True)
    try:
        cfg = toy_cfg(toys, tmp_path / "mmengine")
        cfg.train_dataloader.num_workers = 0
        cfg.default_hooks.checkpoint = dict(type="mmengine.hooks.CheckpointHook", interval=6, by_epoch=False)
        with pytest.raises(NoCheckpointHookError, match=r"saves through dareg's CheckpointHook .*mmengine\.hooks"):
            train(cfg)  # before the first iteration
        assert not (tmp_path / "mmengine" / "iter_6.pth").exists()
        # without any checkpoint hook (default_hooks.checkpoint=None) a signal stops the run, saving nothing
        hooks = [dict(type="PreemptionHook"), dict(type="SignalSelfAt", iteration=2)]
        cfg = toy_cfg(toys, tmp_path / "none", custom_hooks=hooks)
        cfg.train_dataloader.num_workers = 0
        cfg.default_hooks.checkpoint = None
        with pytest.raises(SystemExit) as info:
            train(cfg)
        assert info.value.code == 128 + signal.SIGTERM
        assert not list((tmp_path / "none").glob("*.pth"))
    finally:
        HOOKS._module_dict.pop("SignalSelfAt", None)
