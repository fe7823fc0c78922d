"""The plain loops do the algorithms' work: same batch, same start, same random draws -> same weights.

For each algorithm with a baseline, a model built from a real config and its deep copy take a few
steps on the same batches, one through the algorithm's ``train_step`` with the config's optimizer
wrappers, the other through the hand-written loop with plain ``torch.optim`` optimizers. With the
random number generator reseeded identically before each step (noise, dropout, image pools), every
parameter must end up equal: a loop that skipped a loss, a step or an optimizer would differ.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub

from dareg.benchmark.baselines import BASELINES, PlainLoop
from dareg.benchmark.runner import plain_optimizers
from dareg.datasets.collate import domain_collate
from dareg.engine.optimizers import MultiOptimWrapperConstructor
from dareg.registry import MODELS
from dareg.utils.config import load_config

CONFIGS = Path(__file__).resolve().parents[2] / "configs"

#: algorithm -> (config, image (channels, size), source labels: "cls" or None, steps, config overrides)
CASES = {
    "SourceOnly": ("demo/source_only_digits.py", (1, 28), "cls", 2, {}),
    # with the similarity loss on (the demo's lambda_similarity is 0)
    "PixelDA": ("demo/pixelda_digits.py", (3, 32), "cls", 2, {"model.lambda_similarity": 1.0}),
    # 3 steps: a discriminator step, then two generator steps (d_update_interval 3); narrower networks
    "DiscoGAN": (
        "discogan/edges2shoes.py",
        (3, 64),
        None,
        3,
        {"model.generator.base_channels": 8, "model.discriminator.base_channels": 8},
    ),
    "CyCADA": ("demo/cycada_digits.py", (1, 28), None, 2, {"model.task_checkpoint": None}),  # random f_S
    "CycleGAN": ("demo/cyclegan_digits.py", (3, 32), None, 2, {}),
    # 3 steps: one of source pre-training, then two adversarial ones
    "ADDA": ("demo/adda_digits.py", (1, 28), "cls", 3, {"model.pretrain_iters": 1}),
}


def batch(channels: int, size: int, labels: str | None, seed: int) -> dict:
    rng = np.random.default_rng(seed)

    def domain() -> list[dict]:
        items = []
        for _ in range(4):
            sample = {"metainfo": {}}
            if labels == "cls":
                sample["gt_label"] = torch.tensor(int(rng.integers(0, 10)))
            image = torch.from_numpy(rng.integers(0, 256, size=(channels, size, size), dtype=np.uint8))
            items.append({"inputs": image, "data_samples": sample})
        return items

    source, target = domain(), domain()
    return domain_collate([{"source": s, "target": t} for s, t in zip(source, target)])


@pytest.mark.parametrize("name", list(CASES))
def test_plain_loop_matches_train_step(name):
    config, (channels, size), labels, steps, overrides = CASES[name]
    cfg = load_config(str(CONFIGS / config))
    cfg.merge_from_dict(overrides)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == name
    twin = copy.deepcopy(model)
    initial = copy.deepcopy(model.state_dict())
    optim_cfg = {k: v for k, v in cfg.optim_wrapper.to_dict().items() if k != "constructor"}
    wrappers = MultiOptimWrapperConstructor(optim_cfg)(model)
    pre = twin.data_preprocessor
    loop = PlainLoop(
        plain_optimizers(cfg, twin),
        mean=pre.mean if pre.normalize else None,
        std=pre.std if pre.normalize else None,
        bgr_to_rgb=pre.bgr_to_rgb,
        device=torch.device("cpu"),
        clip_grad={key: entry.get("clip_grad") for key, entry in optim_cfg.items()},
    )
    plain_step = BASELINES[name](twin, loop)
    hub = MessageHub.get_current_instance()
    for iteration in range(steps):
        data = batch(channels, size, labels, seed=iteration)
        hub.update_info("iter", iteration)
        torch.manual_seed(100 + iteration)
        model.train_step(data, wrappers)
        torch.manual_seed(100 + iteration)
        plain_step(data)
    hub.update_info("iter", 0)
    trained, plain = model.state_dict(), twin.state_dict()
    for key, value in trained.items():
        torch.testing.assert_close(plain[key], value, rtol=1e-5, atol=1e-6, msg=lambda m, k=key: f"{name} {k}: {m}")
    changed = [key for key, value in trained.items() if not torch.equal(initial[key], value)]
    assert changed  # the comparison is not vacuous: training moved the weights
