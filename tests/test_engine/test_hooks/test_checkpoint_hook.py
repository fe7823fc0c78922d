"""dareg's CheckpointHook: old checkpoints go only after the new one and its pointer are on disk.

The kill tests start a real training process (a fresh interpreter, fixtures/training_process.py)
that SIGKILLs itself at one instant of the save of iteration 4 (of a run with ``max_keep_ckpts=1``
that saved iteration 2 before), then check what a user would find: an intact checkpoint, and
``last_checkpoint`` naming an intact one.
"""

from __future__ import annotations

import errno
import os
import signal

import pytest
import torch
from fixtures.checkpoint_runs import KILL_POINTS, dying_run, toy_run
from mmengine.hooks import Hook

from dareg.apis import train
from dareg.engine.checkpoint_backend import AtomicLocalBackend
from dareg.engine.hooks import CheckpointWriteError, NonFiniteLossError
from dareg.registry import HOOKS
from dareg.utils.checkpoint_files import check_integrity, find_resumable_checkpoint, load_checkpoint_file, read_pointer


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_at_any_instant_of_a_save_leaves_an_intact_checkpoint(toys, tmp_path, point, training_process):
    process = training_process(dying_run(toy_run(toys, tmp_path), KILL_POINTS[point]))
    process.join(60)
    assert process.exitcode == -signal.SIGKILL, "the process was not killed during the save"
    pointed = read_pointer(tmp_path)
    assert pointed is not None and os.path.basename(pointed) in ("iter_2.pth", "iter_4.pth")
    assert check_integrity(pointed) is None, pointed
    assert load_checkpoint_file(pointed)["meta"]["iter"] in (2, 4)
    assert find_resumable_checkpoint(tmp_path) == pointed


def test_a_write_error_keeps_the_previous_checkpoint(toys, tmp_path, monkeypatch):
    real_put = AtomicLocalBackend.put

    def disk_full(self, obj, filepath):
        if str(filepath).endswith("iter_4.pth"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_put(self, obj, filepath)

    monkeypatch.setattr(AtomicLocalBackend, "put", disk_full)
    with pytest.raises(CheckpointWriteError, match=r"iter_4\.pth .*No space left.*No older checkpoint was removed"):
        train(toy_run(toys, tmp_path))
    assert os.path.basename(read_pointer(tmp_path)) == "iter_2.pth"
    assert check_integrity(tmp_path / "iter_2.pth") is None
    assert load_checkpoint_file(tmp_path / "iter_2.pth")["meta"]["iter"] == 2


def test_rotation_keeps_max_keep_ckpts_with_their_records(toys, tmp_path):
    train(toy_run(toys, tmp_path))
    assert {"iter_6.pth", "iter_6.pth.sha256", "last_checkpoint"} <= set(os.listdir(tmp_path))
    assert not [name for name in os.listdir(tmp_path) if name.startswith(("iter_2", "iter_4"))]
    assert (tmp_path / "last_checkpoint").read_text() == "iter_6.pth"  # relative to the work dir


class PoisonWeights(Hook):
    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == 4:
            with torch.no_grad():
                runner.model.discriminator[0].weight.fill_(float("nan"))


def test_non_finite_weights_are_never_saved_even_without_finite_loss_hook(toys, tmp_path):
    HOOKS.register_module(module=PoisonWeights, force=True)
    with pytest.raises(NonFiniteLossError, match=r"Refusing to save checkpoint at iteration 4.*discriminator\.0"):
        train(toy_run(toys, tmp_path, hooks=(dict(type="PoisonWeights"),)))
    assert os.path.basename(read_pointer(tmp_path)) == "iter_2.pth"
    assert not (tmp_path / "iter_4.pth").exists()
    saved = load_checkpoint_file(tmp_path / "iter_2.pth")["state_dict"]
    assert all(torch.isfinite(value).all() for value in saved.values())


def test_finite_loss_hook_names_a_checkpoint_that_exists(toys, tmp_path):
    """With max_keep_ckpts=1, mmengine deleted iter_2 before FiniteLossHook refused iter_4."""
    HOOKS.register_module(module=PoisonWeights, force=True)
    with pytest.raises(NonFiniteLossError) as info:
        train(toy_run(toys, tmp_path, hooks=(dict(type="FiniteLossHook"), dict(type="PoisonWeights"))))
    named = str(info.value).split("The last good checkpoint is ")[1].split(";")[0]
    assert os.path.basename(named) == "iter_2.pth" and os.path.isfile(named)
    assert all(torch.isfinite(v).all() for v in load_checkpoint_file(named)["state_dict"].values())
