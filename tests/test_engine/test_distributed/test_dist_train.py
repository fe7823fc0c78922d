"""Two-process data-parallel training on CPU (gloo), launched as users do: tools/dist_train.sh CONFIG 2.

Each rank dumps its weights and the data it saw after every iteration; the test checks that the
ranks trained on different data yet hold identical weights after each step, that checkpoints saved
under DDP load in a single process, and that a sub-network run past its DDP wrapper is caught.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
import torch
from fixtures.tools import load_tool
from mmengine.config import Config

from dareg.apis import build_runner
from dareg.engine.model_wrappers import configure_distributed

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TESTS_DIR = os.path.join(ROOT, "tests")
MAX_ITERS = 3

PLUGIN = '''"""Toys for the distributed test, imported by the config in every rank."""
import os

import torch
from mmengine.dist import get_backend, get_rank
from mmengine.hooks import Hook

import toys
from dareg.registry import HOOKS

toys.register_toys()


@HOOKS.register_module(force=True)
class DumpRankStateHook(Hook):
    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        model = runner.model.module
        inputs = data_batch["source"]["inputs"]
        inputs = torch.stack(list(inputs)) if isinstance(inputs, (list, tuple)) else inputs
        torch.save(
            {
                "state": {k: v.detach().clone() for k, v in model.state_dict().items()},
                "source_inputs": inputs.clone(),
                "wrapper": type(runner.model).__name__,
                "classifier": type(model.classifier).__name__,
                "backend": get_backend(),
            },
            os.path.join(runner.work_dir, f"rank{get_rank()}_iter{runner.iter + 1}.pt"),
        )


'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(tmp_path, model: str) -> str:
    import toys

    cfg = toys.toy_config(
        tmp_path / "work",
        model=dict(type=model),
        train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=MAX_ITERS),
        custom_hooks=[  # dareg's default hooks (their collectives must not deadlock), and the checks
            dict(type="RandomStateHook"),
            dict(type="FiniteLossHook"),
            dict(type="StrictLoadHook"),
            dict(type="RankConsistencyHook", interval=1),
            dict(type="DumpRankStateHook"),
        ],
        custom_imports=dict(imports=["dareg_ddp_toys"], allow_failed_imports=False),
    )
    cfg["default_hooks"]["checkpoint"]["interval"] = MAX_ITERS
    (tmp_path / "dareg_ddp_toys.py").write_text(PLUGIN)
    path = tmp_path / "toy_ddp.py"
    path.write_text("".join(f"{key} = {value!r}\n" for key, value in cfg.items()))
    return str(path)


def dist_train(tmp_path, model: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), TESTS_DIR, env.get("PYTHONPATH", "")])
    env.update(PORT=str(free_port()), OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    command = ["bash", os.path.join(ROOT, "tools", "dist_train.sh"), write_config(tmp_path, model), "2"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=180, cwd=ROOT)


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without torch.distributed")
def test_two_gloo_ranks_hold_identical_weights_after_every_step(tmp_path, toys):
    result = dist_train(tmp_path, "ToyAdversarial")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    work = tmp_path / "work"
    previous = None
    for iteration in range(1, MAX_ITERS + 1):
        rank0 = torch.load(work / f"rank0_iter{iteration}.pt", weights_only=True)
        rank1 = torch.load(work / f"rank1_iter{iteration}.pt", weights_only=True)
        assert (rank0["wrapper"], rank0["classifier"], rank0["backend"]) == (
            "AlgorithmDistributedDataParallel",
            "SubmoduleDistributedDataParallel",
            "gloo",
        )
        # different data on each rank (the sampler shards the stream) ...
        assert not torch.equal(rank0["source_inputs"], rank1["source_inputs"])
        # ... yet bit-identical weights after the step, with the network's own keys
        assert set(rank0["state"]) == {
            "classifier.1.weight",
            "classifier.1.bias",
            "classifier.4.weight",
            "classifier.4.bias",
            "discriminator.0.weight",
            "discriminator.0.bias",
            "discriminator.2.weight",
            "discriminator.2.bias",
        }
        for key, value in rank0["state"].items():
            assert torch.equal(value, rank1["state"][key]), f"{key} differs across ranks at iteration {iteration}"
        if previous is not None:  # and training moves them
            assert not torch.equal(previous["classifier.1.weight"], rank0["state"]["classifier.1.weight"])
            assert not torch.equal(previous["discriminator.0.weight"], rank0["state"]["discriminator.0.weight"])
        previous = rank0["state"]

    # a checkpoint saved under DDP loads (strictly) into a single-process run
    cfg = Config(
        toys.toy_config(
            tmp_path / "single",
            load_from=str(work / f"iter_{MAX_ITERS}.pth"),
            train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=1),
            custom_hooks=[dict(type="StrictLoadHook")],
        )
    )
    runner = build_runner(cfg)
    runner.load_or_resume()
    for key, value in runner.model.state_dict().items():
        assert torch.equal(value, previous[key]), key


def _bypass_worker(rank: int, init_file: str, results) -> None:
    """One rank: train a sub-network past its DDP wrapper once, then check the ranks' weights."""
    import torch.distributed as dist
    from torch import nn

    from dareg.engine.hooks import RankConsistencyHook, RankDivergenceError
    from dareg.engine.model_wrappers import AlgorithmDistributedDataParallel

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=2)
    try:
        torch.manual_seed(0)  # same initial weights on both ranks
        algorithm = nn.Module()
        algorithm.classifier = nn.Linear(4, 2)
        algorithm.discriminator = nn.Linear(2, 1)
        wrapped = AlgorithmDistributedDataParallel(algorithm)
        inputs = torch.full((3, 4), float(rank + 1))  # different data per rank
        hook = RankConsistencyHook(interval=1)
        algorithm.discriminator(inputs[:, :2]).sum().backward()  # through DDP: averaged
        hook.check(wrapped, iteration=1)
        algorithm.classifier.module(inputs).sum().backward()  # past DDP: local gradients
        with torch.no_grad():
            for param in algorithm.parameters():
                param -= 0.1 * param.grad
        try:
            hook.check(wrapped, iteration=2)
            results.put((rank, "no error"))
        except RankDivergenceError as error:
            results.put((rank, str(error)))
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without torch.distributed")
def test_gradients_that_bypass_ddp_are_caught(tmp_path):
    import torch.multiprocessing as mp

    context = mp.get_context("fork")
    results = context.SimpleQueue()
    mp.start_processes(_bypass_worker, args=(str(tmp_path / "init"), results), nprocs=2, start_method="fork", join=True)
    messages = dict(results.get() for _ in range(2))
    for rank in (0, 1):
        assert "After iteration 2, rank 1 holds different weights than rank 0 in 1 tensors" in messages[rank]
        assert "(first: ['classifier.weight']" in messages[rank]  # the bias gradient is equal anyway


def test_configure_distributed_defaults_and_refuses_plain_ddp():
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend="nccl"))))
    configure_distributed(cfg)
    assert cfg.model_wrapper_cfg.type == "dareg.AlgorithmDistributedDataParallel"
    if not torch.cuda.is_available():
        assert cfg.env_cfg.dist_cfg.backend == "gloo"
    named = Config(dict(model_wrapper_cfg=dict(type="AlgorithmDistributedDataParallel", find_unused_parameters=True)))
    configure_distributed(named)
    assert named.model_wrapper_cfg.type == "dareg.AlgorithmDistributedDataParallel"
    with pytest.raises(ValueError, match="cannot train a dareg algorithm"):
        configure_distributed(Config(dict(model_wrapper_cfg=dict(type="MMDistributedDataParallel"))))


def slurm_train(tmp_path, model: str) -> list[subprocess.CompletedProcess]:
    """Two processes started as ``srun`` would start them: only Slurm's variables, no torchrun."""
    config = write_config(tmp_path, model)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), TESTS_DIR, env.get("PYTHONPATH", "")])
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)
    # no MASTER_ADDR and no scontrol here: the address comes from the node list
    env.update(SLURM_NTASKS="2", SLURM_NODELIST="localhost", MASTER_PORT=str(free_port()))
    env.update(OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="", PATH="/usr/bin:/bin")
    command = [sys.executable, os.path.join(ROOT, "tools", "train.py"), config, "--launcher", "slurm"]
    processes = [
        subprocess.Popen(
            command,
            env=dict(env, SLURM_PROCID=str(rank), SLURM_LOCALID=str(rank)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for rank in (0, 1)
    ]
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=180)
        results.append(subprocess.CompletedProcess(command, process.returncode, stdout, stderr))
    return results


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without torch.distributed")
def test_slurm_launcher_trains_on_cpu_with_identical_weights(tmp_path, toys):
    for result in slurm_train(tmp_path, "ToyAdversarial"):
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    work = tmp_path / "work"
    rank0 = torch.load(work / f"rank0_iter{MAX_ITERS}.pt", weights_only=True)
    rank1 = torch.load(work / f"rank1_iter{MAX_ITERS}.pt", weights_only=True)
    assert (rank0["wrapper"], rank0["backend"]) == ("AlgorithmDistributedDataParallel", "gloo")
    assert not torch.equal(rank0["source_inputs"], rank1["source_inputs"])
    for key, value in rank0["state"].items():
        assert torch.equal(value, rank1["state"][key]), key


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without torch.distributed")
def test_dist_test_evaluates_every_sample_once(tmp_path):
    """tools/dist_test.sh with 2 processes gives the single-process metrics (samples sharded, then gathered)."""
    from dareg.utils.config import load_config

    config = os.path.join(ROOT, "configs", "demo", "adda_digits.py")
    cfg = load_config(config)
    cfg.work_dir = str(tmp_path / "build")
    torch.manual_seed(0)
    runner = build_runner(cfg)
    checkpoint = tmp_path / "initial.pth"
    torch.save({"state_dict": runner.model.state_dict(), "meta": {}}, checkpoint)

    single = load_tool("test.py").main([config, str(checkpoint), "--work-dir", str(tmp_path / "single")])

    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.update(PORT=str(free_port()), OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    command = ["bash", os.path.join(ROOT, "tools", "dist_test.sh"), config, str(checkpoint), "2"]
    command += ["--work-dir", str(tmp_path / "dist")]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    logged = result.stdout + result.stderr
    assert f"accuracy: {single['accuracy']:.4f}" in logged, (single, logged[-2000:])
