"""LogHistoryLimitHook caps mmengine's logged-scalar histories without changing what is logged."""

from __future__ import annotations

import torch
from mmengine.config import Config

from dareg.apis import train


def run(toys, work_dir, hooks, **overrides):
    cfg = Config(
        toys.toy_config(
            work_dir,
            train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=14),
            custom_hooks=[dict(type="RandomStateHook"), *hooks],
            **overrides,
        )
    )
    return train(cfg)


def test_histories_are_capped_and_logging_is_unchanged(toys, tmp_path):
    full = run(toys, tmp_path / "full", [])
    capped = run(toys, tmp_path / "capped", [dict(type="LogHistoryLimitHook", max_length=4)])
    full_scalars, capped_scalars = full.message_hub.log_scalars, capped.message_hub.log_scalars
    assert set(full_scalars) == set(capped_scalars) and "train/loss_cls" in capped_scalars
    assert len(full_scalars["train/loss_cls"].data[0]) == 14
    for key, buffer in capped_scalars.items():  # 4 is raised to the log processor's window (10)
        assert len(buffer.data[0]) == 10, key
    for key in ("train/loss_cls", "train/loss_d"):  # what the logger reads is unchanged
        assert capped_scalars[key].mean(10) == full_scalars[key].mean(10)
        assert capped_scalars[key].current() == full_scalars[key].current()
    checkpoint = torch.load(tmp_path / "capped" / "iter_14.pth", weights_only=True)
    assert len(checkpoint["message_hub"]["log_scalars"]["train/loss_cls"]._log_history) <= 10


def test_global_window_disables_the_cap(toys, tmp_path):
    runner = run(
        toys,
        tmp_path,
        [dict(type="LogHistoryLimitHook", max_length=4)],
        log_processor=dict(
            by_epoch=False, custom_cfg=[dict(data_src="loss_cls", method_name="mean", window_size="global")]
        ),
    )
    assert len(runner.message_hub.log_scalars["train/loss_cls"].data[0]) == 14
