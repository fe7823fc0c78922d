"""Partial writes: every write of the CheckpointHook fails one clear way, and leftovers are cleaned.

A full disk at the ``last_checkpoint`` pointer used to end the run with a raw ``OSError`` and leave
the pointer at the older checkpoint; a kill during a save (a second signal, SIGKILL) left a
temporary ``.iter_N.pth.*.tmp`` that nothing removed.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import torch
from fixtures.checkpoint_runs import KILL_POINTS, dying_run, toy_run
from mmengine.config import Config
from mmengine.hooks import Hook

import dareg.engine.hooks.checkpoint_hook as checkpoint_hook
from dareg.apis import train
from dareg.engine.hooks import CheckpointWriteError, NonFiniteWeightsError
from dareg.registry import HOOKS
from dareg.utils.checkpoint import PARTIAL_WRITE
from dareg.utils.checkpoint_files import find_resumable_checkpoint, load_checkpoint_file, read_pointer


def test_a_full_disk_at_the_pointer_fails_clearly_and_resume_takes_the_new_checkpoint(toys, tmp_path, monkeypatch):
    real_write_pointer = checkpoint_hook.write_pointer

    def disk_full(work_dir, checkpoint):
        if str(checkpoint).endswith("iter_4.pth"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write_pointer(work_dir, checkpoint)

    monkeypatch.setattr(checkpoint_hook, "write_pointer", disk_full)
    with pytest.raises(CheckpointWriteError) as info:
        train(toy_run(toys, tmp_path))
    message = str(info.value)
    assert "Wrote checkpoint " + str(tmp_path / "iter_4.pth") in message
    assert "could not point last_checkpoint at it (OSError: [Errno 28] No space left on device)" in message
    assert "No older checkpoint was removed; last_checkpoint was removed, so --resume takes the newest" in message
    assert (tmp_path / "iter_2.pth").exists()  # max_keep_ckpts=1: the rotation did not run
    assert find_resumable_checkpoint(tmp_path) == str(tmp_path / "iter_4.pth")
    assert load_checkpoint_file(tmp_path / "iter_4.pth")["meta"]["iter"] == 4


def test_the_temporary_file_of_an_interrupted_save_is_removed_by_the_next_run(toys, tmp_path, training_process):
    # killed after the checkpoint's bytes were written and synced, before the rename
    process = training_process(dying_run(toy_run(toys, tmp_path), KILL_POINTS["checkpoint bytes written, not renamed"]))
    process.join(60)
    assert process.exitcode is not None and process.exitcode < 0, process.output()[-2000:]
    left = [name for name in os.listdir(tmp_path) if PARTIAL_WRITE.match(name)]
    assert left and left[0].startswith(".iter_4.pth.")
    runner = train(Config(dict(toy_run(toys, tmp_path), resume=True)))
    assert not [name for name in os.listdir(tmp_path) if PARTIAL_WRITE.match(name)]
    assert runner.iter == 6
    log = (Path(runner.log_dir) / f"{runner.timestamp}.log").read_text()
    assert f"Removed 1 temporary file(s) of a write that was interrupted in an earlier run: {tmp_path / left[0]}" in log


class PoisonWeightsAt4(Hook):
    """After iteration 4, the discriminator's first weight is NaN."""

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == 4:
            with torch.no_grad():
                runner.model.discriminator[0].weight.fill_(float("nan"))


def test_non_finite_weights_are_refused_with_an_error_named_for_the_weights(toys, tmp_path):
    HOOKS.register_module(module=PoisonWeightsAt4, force=True)
    try:
        with pytest.raises(NonFiniteWeightsError, match=r"Refusing to save checkpoint at iteration 4"):
            train(toy_run(toys, tmp_path, hooks=(dict(type="PoisonWeightsAt4"),)))
    finally:
        HOOKS._module_dict.pop("PoisonWeightsAt4", None)
    assert os.path.basename(read_pointer(tmp_path)) == "iter_2.pth"
