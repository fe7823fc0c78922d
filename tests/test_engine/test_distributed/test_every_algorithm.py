"""Every installed algorithm keeps identical weights on two gloo ranks that train on different data.

The algorithms are read from the registry (dareg's and those of the installed plugins), each with
the first demo config that builds it, shrunk (images of at most 64 pixels a side, batches of 2,
no pretrained weights). Both ranks run ``train_step`` through :class:`AlgorithmDistributedDataParallel`
for a few iterations, as the Runner does under ``tools/dist_train.sh``, then compare every
parameter. A new algorithm is covered as soon as it is registered and has a demo config; one
without a demo config fails here.

One fork of two processes loops over all the cases (a few seconds of CPU per rank).
"""

from __future__ import annotations

import glob
import os

import pytest
import torch
from fixtures.distributed import RankError, on_two_ranks

from dareg.plugins import load_plugins
from dareg.registry import ALGORITHMS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ITERATIONS = 3
MAX_SIDE = 64
#: Per-algorithm overrides of the demo model, so that every phase runs within ITERATIONS.
MODEL_OVERRIDES = {"ADDA": dict(pretrain_iters=1)}
#: Documented variants that use a network's parameters only in part (find_unused_parameters).
VARIANTS = {
    "AdaptSegNet single-level": ("AdaptSegNet", dict(lambda_adv=(0.0, 0.001))),
    "MinEnt single-level": ("MinEnt", dict(lambda_ent=(0.0, 0.001))),
}


def installed_algorithms() -> list[str]:
    """Registered algorithms defined by dareg or by an installed plugin (not test toys)."""
    modules = ("dareg.", *(f"{info.module}." for info in load_plugins().values()))
    return sorted(name for name in ALGORITHMS.names() if ALGORITHMS.get(name).__module__.startswith(modules))


def demo_configs(names: list[str]) -> dict[str, str]:
    """The first demo config (digits and synthetic ones first, then the shortest name) of each algorithm."""
    from dareg.utils.config import load_config

    files = glob.glob(os.path.join(ROOT, "configs", "demo", "*.py"))
    files += glob.glob(os.path.join(ROOT, "plugins", "*", "configs", "*.py"))
    files += glob.glob(os.path.join(ROOT, "plugins", "*", "*", "configs", "*.py"))  # package data: <package>/configs

    def preference(path: str) -> tuple:
        name = os.path.basename(path)
        return ("digits" not in name and "synthetic" not in name, len(name), name)

    found: dict[str, str] = {}
    for path in sorted(files, key=preference):
        if set(names) <= set(found):
            break
        found.setdefault(load_config(path).model.type, path)
    return {name: found[name] for name in names if name in found}


def tiny_case(path: str, model_overrides: dict) -> dict:
    """Model and optimizer configs of a demo config, and the keyword arguments of its batches."""
    from dareg.benchmark.gpu_cases import without_pretrained_weights
    from dareg.benchmark.synthetic import synthetic_train_dataloader
    from dareg.utils.config import load_config

    cfg = load_config(path)
    without_pretrained_weights(cfg._cfg_dict["model"])
    cfg.model.update(model_overrides)
    domain = synthetic_train_dataloader(cfg)[0]["dataset"]["source"]
    height, width = domain["image_size"]
    scale = min(1.0, MAX_SIDE / max(height, width))
    optim_wrapper = {k: v for k, v in cfg.optim_wrapper.to_dict().items() if k != "constructor"}
    return dict(
        config=os.path.relpath(path, ROOT),
        model=cfg.model.to_dict(),
        optim_wrapper=optim_wrapper,
        batch=dict(
            batch_size=2,
            channels=domain["channels"],
            size=(int(height * scale), int(width * scale)),
            num_classes=domain["num_classes"],
            task="segmentation" if domain["task"] == "seg" else "classification",
        ),
    )


def train_on_both_ranks(rank: int, cases: dict[str, dict]) -> dict[str, dict]:
    """One rank: for each case, train ITERATIONS steps on this rank's data, then compare with rank 0."""
    import logging

    import torch.distributed as dist
    from mmengine.logging import MessageHub, MMLogger

    from dareg.engine.model_wrappers import AlgorithmDistributedDataParallel
    from dareg.registry import MODELS
    from dareg.testing import build_optim_wrapper, two_domain_batch

    MMLogger.get_instance("dareg_ddp_test").setLevel(logging.WARNING)
    hub = MessageHub.get_current_instance()
    results = {}
    for label, case in cases.items():
        try:
            torch.manual_seed(0)
            ddp = AlgorithmDistributedDataParallel(MODELS.build(case["model"]))
            model = ddp.module
            initial = {name: p.detach().clone() for name, p in model.named_parameters()}
            optim_wrapper = build_optim_wrapper(model, case["optim_wrapper"])
            for iteration in range(ITERATIONS):
                hub.update_info("iter", iteration)
                batch = two_domain_batch(seed=1000 * (rank + 1) + iteration, **case["batch"])
                ddp.train_step(batch, optim_wrapper)
            names = [name for name, _ in model.named_parameters()]
            flat = torch.cat([p.detach().flatten() for p in model.parameters()])
            gathered = [torch.empty_like(flat) for _ in range(2)]
            dist.all_gather(gathered, flat)
            differences, offset = {}, 0
            for name, param in zip(names, model.parameters()):
                size = param.numel()
                difference = (gathered[0][offset : offset + size] - gathered[1][offset : offset + size]).abs().max()
                differences[name] = float(difference) if size else 0.0
                offset += size
            moved = [name for name, p in model.named_parameters() if not torch.equal(initial[name], p.detach())]
            inputs = batch["source"]["inputs"]
            results[label] = dict(differences=differences, moved=len(moved), inputs=inputs.float().sum().item())
        except Exception as error:  # noqa: BLE001 - reported per case; both ranks fail alike
            results[label] = dict(error=f"{type(error).__name__}: {error}")
    return results


@pytest.fixture(scope="module")
def cases() -> dict[str, dict]:
    names = installed_algorithms()
    configs = demo_configs(names)
    missing = sorted(set(names) - set(configs))
    assert not missing, f"no demo config builds {missing}: add one under configs/demo/ (or the plugin's configs/)"
    cases = {name: tiny_case(configs[name], MODEL_OVERRIDES.get(name, {})) for name in names}
    for label, (name, overrides) in VARIANTS.items():
        if name in configs:
            cases[label] = tiny_case(configs[name], {**MODEL_OVERRIDES.get(name, {}), **overrides})
    return cases


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without torch.distributed")
def test_every_algorithm_trains_identical_weights_on_two_ranks(cases):
    results = on_two_ranks(train_on_both_ranks, cases)
    for rank, result in results.items():
        assert not isinstance(result, RankError), f"rank {rank}: {result}"
    problems = []
    for label, case in cases.items():
        rank0, rank1 = results[0][label], results[1][label]
        if "error" in rank0 or "error" in rank1:
            problems.append(f"{label} ({case['config']}): {rank0.get('error') or rank1.get('error')}")
            continue
        assert rank0["inputs"] != rank1["inputs"], f"{label}: both ranks saw the same data"
        assert rank0["moved"] > 0, f"{label}: no parameter moved in {ITERATIONS} iterations"
        differing = {name: value for name, value in rank0["differences"].items() if value != 0.0}
        if differing:
            worst = max(differing, key=differing.get)
            problems.append(
                f"{label} ({case['config']}): {len(differing)} of {len(rank0['differences'])} parameters differ "
                f"across ranks, up to {differing[worst]:.3g} ({worst})"
            )
    assert not problems, "\n".join(problems)
