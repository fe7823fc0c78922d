"""PreemptionHook: a real signal to a training process gives a checkpoint, one line and a non-zero exit.

Each test starts a training process in a fresh interpreter (the toy of tests/toys.py, slowed to
~0.1 s per iteration; fixtures/training_process.py), sends it real signals with ``os.kill`` once it
is training, and checks what is left on disk.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
import torch
from mmengine.config import Config

from dareg.apis import train
from dareg.utils.checkpoint_files import check_integrity, load_checkpoint_file, read_pointer

MAX_ITERS = 12


def toy_cfg(toys, work_dir, slow: dict | None = None, preemption: dict | None = None, **overrides) -> Config:
    hooks = [dict(type="RandomStateHook"), dict(type="PreemptionHook", **(preemption or {}))]
    if slow is not None:
        hooks.append(dict(type="SlowIterations", **slow))
    cfg = toys.toy_config(
        work_dir, train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=MAX_ITERS), custom_hooks=hooks
    )
    cfg.update(overrides)
    return Config(cfg)


def wait_for_iteration(work_dir, iteration: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if int((work_dir / "progress").read_text() or 0) >= iteration:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    raise AssertionError(f"training did not reach iteration {iteration}")


@pytest.fixture
def deterministic():
    previous = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    yield
    torch.use_deterministic_algorithms(previous)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGUSR1], ids=lambda s: s.name)
def test_signal_saves_the_current_iteration_and_exits_non_zero(toys, tmp_path, signum, training_process):
    process = training_process(toy_cfg(toys, tmp_path, slow={}))
    wait_for_iteration(tmp_path, 3)
    os.kill(process.pid, signum)
    process.join(60)
    assert process.exitcode == 128 + signum
    pointed = read_pointer(tmp_path)
    stopped_at = load_checkpoint_file(pointed)["meta"]["iter"]
    assert 3 <= stopped_at < MAX_ITERS and os.path.basename(pointed) == f"iter_{stopped_at}.pth"
    assert check_integrity(pointed) is None


def test_resume_after_preemption_is_bit_identical(toys, tmp_path, deterministic, training_process):
    uninterrupted = train(toy_cfg(toys, tmp_path / "full")).model.state_dict()
    process = training_process(toy_cfg(toys, tmp_path / "cut", slow={}))
    wait_for_iteration(tmp_path / "cut", 4)
    os.kill(process.pid, signal.SIGTERM)
    process.join(60)
    assert process.exitcode == 128 + signal.SIGTERM
    assert load_checkpoint_file(read_pointer(tmp_path / "cut"))["meta"]["iter"] not in (6, MAX_ITERS)
    resumed = train(toy_cfg(toys, tmp_path / "cut", resume=True)).model.state_dict()
    for key, value in uninterrupted.items():
        assert torch.equal(value, resumed[key]), key


@pytest.mark.parametrize(
    "first,second,pause",
    [(signal.SIGINT, signal.SIGINT, 0.3), (signal.SIGTERM, signal.SIGINT, 0.3), (signal.SIGTERM, signal.SIGTERM, 1.0)],
    ids=["ctrl-c twice", "sigterm then ctrl-c", "sigterm after the repeat window"],
)
def test_a_second_signal_exits_at_once(toys, tmp_path, training_process, first, second, pause):
    cfg = toy_cfg(toys, tmp_path, slow=dict(long_at=3), preemption=dict(repeat_window=0.5))
    process = training_process(cfg)
    wait_for_iteration(tmp_path, 3)
    started = time.monotonic()
    os.kill(process.pid, first)
    time.sleep(pause)
    os.kill(process.pid, second)
    process.join(20)
    assert process.exitcode == 128 + second
    assert time.monotonic() - started < 10  # did not wait for the 30 s iteration
    assert not (tmp_path / "iter_3.pth").exists()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGUSR1], ids=lambda s: s.name)
def test_a_launchers_second_delivery_still_saves(toys, tmp_path, training_process, signum):
    """torchrun inside srun: Slurm signals the worker, and torchrun forwards the same signal a moment later."""
    process = training_process(toy_cfg(toys, tmp_path, slow=dict(delay=1.5)))
    wait_for_iteration(tmp_path, 3)
    os.kill(process.pid, signum)
    time.sleep(0.3)  # inside the same 1.5 s iteration: an exit at once would leave no checkpoint of it
    os.kill(process.pid, signum)
    process.join(60)
    assert process.exitcode == 128 + signum
    pointed = read_pointer(tmp_path)
    assert load_checkpoint_file(pointed)["meta"]["iter"] >= 3 and check_integrity(pointed) is None


def test_repeat_window_is_checked():
    from dareg.engine.hooks.preemption_hook import PreemptionHook

    with pytest.raises(ValueError, match="repeat_window must be >= 0"):
        PreemptionHook(repeat_window=-1)


def test_handlers_are_restored_after_training(toys, tmp_path):
    before = signal.getsignal(signal.SIGTERM)
    train(toy_cfg(toys, tmp_path))
    assert signal.getsignal(signal.SIGTERM) is before
