"""Each algorithm under dareg's per-sub-network DDP wrapper with two gloo processes on the CPU.

Both ranks start from the same weights, see different batches and draw different mixes, and train three
iterations through ``AlgorithmDistributedDataParallel``. The student is DDP-synchronised, the teacher is not
wrapped (it has no trainable parameter) and follows the student by EMA, and the discriminators of an adversary
are wrapped one by one: after every iteration, every parameter of student, teacher and discriminators must be
bit-identical on the two ranks, and the teacher must have moved.
"""

from __future__ import annotations

import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from selftrain_helpers import PREPROCESSOR, parameters, tiny_segmentor, two_domain_batch

SGD = dict(optimizer=dict(type="SGD", lr=0.05))
FEATURE_DISTANCE = dict(
    type="ImageNetFeatureDistance", classes=[1, 2], num_classes=4, loss_weight=0.5, min_ratio=0.0
)
DAFORMER = dict(
    task_model=tiny_segmentor(),
    data_preprocessor=PREPROCESSOR,
    feature_distance=FEATURE_DISTANCE,
    pseudo_labeller=dict(type="PseudoLabeller", threshold=0.3, ignore_top=2, ignore_bottom=4),
)
MASKING = dict(
    type="BatchCompose",
    augments=[dict(type="ColorJitter"), dict(type="GaussianBlur"), dict(type="BlockMask", block_size=8)],
)
#: algorithm -> (config, optimizer keys, the sub-networks wrapped in a DDP of their own)
CASES = {
    "DACS": (
        dict(type="DACS", task_model=tiny_segmentor(), data_preprocessor=PREPROCESSOR),
        ["task_model"],
        {"task_model"},
    ),
    "DAFormer": (dict(type="DAFormer", **DAFORMER), ["task_model"], {"task_model"}),
    "MIC": (dict(type="MIC", masking=MASKING, **DAFORMER), ["task_model"], {"task_model"}),
    "DACS + OutputSpaceAdversary": (
        dict(
            type="DACS",
            task_model=tiny_segmentor(),
            data_preprocessor=PREPROCESSOR,
            adversary=dict(type="OutputSpaceAdversary", discriminator=dict(type="FCDiscriminator", base_channels=4)),
        ),
        ["task_model", "discriminators"],
        {"task_model", "discriminators.0", "discriminators.1"},
    ),
}
ITERATIONS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def train_on_rank(rank: int, port: int, out_dir: str) -> None:
    from dareg.engine.model_wrappers import AlgorithmDistributedDataParallel
    from dareg.registry import ALGORITHMS
    from dareg.testing import build_optim_wrapper, set_iteration

    import dareg_selftrain  # noqa: F401

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    try:
        for name, (cfg, optimizers, _) in CASES.items():
            torch.manual_seed(0)
            model = ALGORITHMS.build(cfg).train()
            wrappers = build_optim_wrapper(model, {key: SGD for key in optimizers})
            ddp = AlgorithmDistributedDataParallel(model)
            states = []
            for iteration in range(ITERATIONS):
                set_iteration(iteration)
                torch.manual_seed(1000 * rank + iteration)  # each rank mixes, jitters and masks its own way
                batch = two_domain_batch(size=32, seed=10 * rank + iteration)
                ddp.train_step(batch, wrappers)
                states.append(
                    dict(
                        student=parameters(model.task_model),
                        teacher=parameters(model.teacher.network),
                        discriminators=parameters(model.discriminators) if model.discriminators is not None else {},
                        wrapped=sorted(ddp.sub_ddps()),
                        target=batch["target"]["inputs"],
                    )
                )
            torch.save(states, f"{out_dir}/{name.replace(' ', '')}_rank{rank}.pt")
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope="module")
def rank_states(tmp_path_factory) -> dict[str, tuple[list, list]]:
    out_dir = tmp_path_factory.mktemp("ddp")
    mp.start_processes(train_on_rank, args=(free_port(), str(out_dir)), nprocs=2, start_method="fork")
    return {
        name: tuple(
            torch.load(out_dir / f"{name.replace(' ', '')}_rank{rank}.pt", weights_only=False) for rank in (0, 1)
        )
        for name in CASES
    }


@pytest.mark.skipif(not dist.is_available(), reason="torch built without torch.distributed")
@pytest.mark.parametrize("name", sorted(CASES))
def test_student_teacher_and_discriminators_are_identical_on_both_ranks_after_every_iteration(rank_states, name):
    rank0, rank1 = rank_states[name]
    wrapped = CASES[name][2]
    for iteration, (state0, state1) in enumerate(zip(rank0, rank1)):
        assert set(state0["wrapped"]) == wrapped  # the teacher is never wrapped
        assert not torch.equal(state0["target"], state1["target"])  # each rank pseudo-labels its own images
        for part in ("student", "teacher", "discriminators"):
            for key, value in state0[part].items():
                assert torch.equal(value, state1[part][key]), f"{part} {key} differs across ranks at {iteration}"
        if iteration:
            previous = rank0[iteration - 1]["teacher"]
            assert all(not torch.equal(previous[k], v) for k, v in state0["teacher"].items()), "the teacher stood still"
