"""MinEnt and AdvEnt under dareg's per-sub-network DDP wrapper (one gloo process on the CPU).

dareg's two-process test covers gradient synchronisation itself; this checks what a plugin algorithm
must get right to be wrapped: its trainable sub-networks are found (including discriminators inside
a ``ModuleList``), parameter-free modules are left alone, and ``train_step`` runs through the
wrappers (attribute access such as ``self.segmentor.loss`` forwarded).
"""

from __future__ import annotations

import math
import socket

import pytest
import torch
import torch.distributed as dist
from advent_helpers import two_domain_batch
from dareg.engine.model_wrappers import AlgorithmDistributedDataParallel
from dareg.engine.optimizers.multi_optim_wrapper_constructor import MultiOptimWrapperConstructor
from dareg.registry import ALGORITHMS


@pytest.fixture(scope="module")
def process_group():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=0, world_size=1)
    yield
    dist.destroy_process_group()


@pytest.mark.parametrize(
    ("algorithm", "optimizers", "wrapped"),
    [
        ("MinEnt", ["segmentor"], {"segmentor"}),
        ("AdvEnt", ["segmentor", "discriminators"], {"segmentor", "discriminators.0", "discriminators.1"}),
    ],
)
def test_train_step_through_the_ddp_wrapper(process_group, tiny_segmentor, algorithm, optimizers, wrapped):
    torch.manual_seed(0)
    model = ALGORITHMS.build(dict(type=algorithm, segmentor=tiny_segmentor))
    optim_wrapper = MultiOptimWrapperConstructor(
        {name: dict(optimizer=dict(type="SGD", lr=0.01)) for name in optimizers}
    )(model)
    ddp = AlgorithmDistributedDataParallel(model)
    assert set(ddp.sub_ddps()) == wrapped
    losses = ddp.train_step(two_domain_batch(), optim_wrapper)
    assert losses and all(math.isfinite(float(value)) for value in losses.values())
