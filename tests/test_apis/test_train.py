"""dareg.apis.train: what happens around mmengine's Runner.train."""

from __future__ import annotations

import pytest
import torch.distributed as dist
from mmengine.config import Config

from dareg.apis import train


@pytest.mark.skipif(not dist.is_available(), reason="torch built without torch.distributed")
def test_train_destroys_the_process_group_when_done(tmp_path, toys):
    # a group left to the interpreter's exit let gloo's threads abort the process (SIGABRT) after
    # training had finished, about once in ten runs on a loaded machine
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'init'}", rank=0, world_size=1)
    try:
        cfg = toys.toy_config(tmp_path / "work", train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=1))
        runner = train(Config(cfg))
        assert runner.iter == 1
        assert not dist.is_initialized()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
