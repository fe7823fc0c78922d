"""Resuming a run whose config changed: the schedule, the learning rates and the sample stream.

The rule: the config (after ``--cfg-options``) says what the run is, the checkpoint says how far it
got. A resumed run trains every further iteration as a run started with the config would, and
continues the sample stream after the samples already trained on.
"""

from __future__ import annotations

import pytest
from fixtures.tools import load_tool
from mmengine.hooks import Hook

from dareg.datasets.domain_pair import DomainPairDataset
from dareg.datasets.samplers import StreamKey, StreamSampler
from dareg.registry import DATASETS, HOOKS

RATES: list[dict] = []
KEYS: list[StreamKey] = []


class LearningRateRecorder(Hook):
    """Record ``optim_wrapper.get_lr()`` (what the logger logs, ``base_lr`` included) before each iteration."""

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        RATES.append({key: value[0] for key, value in runner.optim_wrapper.get_lr().items()})


class StopAt(Hook):
    """End training after ``iteration`` (as a preempted run would)."""

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == self.iteration:
            runner.train_loop.stop_training = True


class RecordingPair(DomainPairDataset):
    """A domain pair that records the stream keys it is read at."""

    def __getitem__(self, key):
        KEYS.append(key)
        return super().__getitem__(key)


@pytest.fixture
def toy_file(toys, tmp_path):
    """The toy run (4 iterations, poly decay over them) as a config file; returns a writer of variants."""
    HOOKS.register_module(module=LearningRateRecorder, force=True)
    HOOKS.register_module(module=StopAt, force=True)
    DATASETS.register_module(module=RecordingPair, force=True)
    RATES.clear()
    KEYS.clear()

    def write(name: str = "toy.py", max_iters: int = 4, stop_at: int | None = None) -> str:
        hooks = [dict(type="RandomStateHook"), dict(type="ResumeLearningRateHook"), dict(type="LearningRateRecorder")]
        cfg = toys.toy_config(
            tmp_path / "work",
            train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=max_iters),
            custom_hooks=hooks + ([dict(type="StopAt", iteration=stop_at)] if stop_at else []),
        )
        cfg["train_dataloader"]["dataset"]["type"] = "RecordingPair"
        for optimizer in ("classifier", "discriminator"):
            cfg["param_scheduler"][optimizer]["end"] = max_iters
        cfg["default_hooks"]["checkpoint"]["interval"] = 4
        # two parameter groups: mmengine adds its hidden base group, logged as classifier.base_lr
        cfg["optim_wrapper"]["classifier"]["paramwise_cfg"] = dict(custom_keys={"1": dict(lr_mult=0.1)})
        path = tmp_path / name
        path.write_text("".join(f"{key} = {value!r}\n" for key, value in cfg.items()))
        return str(path)

    yield write
    HOOKS._module_dict.pop("LearningRateRecorder", None)
    HOOKS._module_dict.pop("StopAt", None)
    DATASETS._module_dict.pop("RecordingPair", None)


def run(*argv: str) -> list[dict]:
    RATES.clear()
    load_tool("train.py").main(list(argv))
    return list(RATES)


def test_a_resume_to_a_larger_max_iters_trains_the_new_iterations_at_the_new_schedules_rates(toy_file, tmp_path):
    path = toy_file()
    run(path)
    resumed = run(path, "--resume", "--cfg-options", "train_cfg.max_iters=8")
    fresh = run(path, "--work-dir", str(tmp_path / "fresh"), "--cfg-options", "train_cfg.max_iters=8")
    # with the checkpoint's schedulers (end 4) every new iteration trained at lr 0; poly decay reaches 0 at the end
    assert len(resumed) == 4 and all(rate["classifier.lr"] > 0 for rate in resumed[:3])
    assert resumed == fresh[4:]  # exactly what a run with max_iters=8 from the start trains with


def test_a_new_learning_rate_on_resume_is_logged_as_the_new_base_lr(toy_file, tmp_path):
    run(toy_file("stopping.py", max_iters=8, stop_at=4))
    path = toy_file(max_iters=8)
    lower = ["--cfg-options", "optim_wrapper.classifier.optimizer.lr=0.01"]
    resumed = run(path, "--resume", *lower)
    fresh = run(path, "--work-dir", str(tmp_path / "fresh"), *lower)
    assert [rate["classifier.base_lr"] for rate in resumed] == [rate["classifier.base_lr"] for rate in fresh[4:]]
    assert resumed == fresh[4:]
    assert resumed[0]["classifier.base_lr"] < 0.01  # the new base rate, decayed to iteration 4


def test_a_batch_size_change_continues_the_stream_after_the_samples_trained_on(toy_file, tmp_path):
    path = toy_file()
    run(path)  # 4 iterations of 4 samples: stream positions 0-15
    KEYS.clear()
    run(path, "--resume", "--cfg-options", "train_cfg.max_iters=6", "train_dataloader.batch_size=8")
    pair = DomainPairDataset(
        source=dict(type="ToyDigits", num_samples=24, shift=0, seed=1),
        target=dict(type="ToyDigits", num_samples=18, shift=60, seed=2),
    )
    stream = StreamSampler(pair, shuffle=True, seed=7)
    assert [stream.key(position) for position in range(16, 32)] == KEYS  # not from 4 x 8 = 32


def test_a_batch_size_change_with_a_sampler_that_cannot_seek_is_refused(toy_file):
    sampler = dict(type="InfiniteSampler", shuffle=True)
    path = toy_file()
    with open(path, "a") as handle:
        handle.write(f"train_dataloader['sampler'] = {sampler!r}\n")
    run(path)
    with pytest.raises(SystemExit, match=r"trained on 4 samples per iteration .* this one would on 8, but its"):
        run(path, "--resume", "--cfg-options", "train_cfg.max_iters=6", "train_dataloader.batch_size=8")


def test_resuming_past_max_iters_is_refused(toy_file):
    path = toy_file()
    run(path)
    with pytest.raises(SystemExit, match=r"checkpoint is at iteration 4, past train_cfg\.max_iters=2"):
        run(path, "--resume", "--cfg-options", "train_cfg.max_iters=2")
