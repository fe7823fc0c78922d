"""The plain loops do the algorithms' work: same batch, same start, same random draws -> same weights.

For each algorithm with a baseline, a model built from a real config and its deep copy take a few
steps on the same batches, one through the algorithm's ``train_step`` with the config's optimizer
wrappers, the other through the hand-written loop with plain ``torch.optim`` optimizers
(:func:`dareg.testing.check_baseline`). With the random number generator reseeded identically
before each step (noise, dropout, image pools), every parameter must end up equal: a loop that
skipped a loss, a step or an optimizer would differ.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from dareg.datasets.collate import domain_collate
from dareg.testing import check_baseline, two_domain_batch
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
    # the reversal schedule at iterations 0, 1, 2 with N = 1: coefficients 0, 0.46, 0.76 (the plain loop
    # counts its own iterations, the framework reads the Runner's)
    "DANN": ("demo/dann_digits.py", (1, 28), "cls", 3, {"model.grl.max_iters": 1}),
    "DANN separate-forward": (
        "demo/dann_digits.py",
        (1, 28),
        "cls",
        2,
        {"model.grl.warm_start": False, "model.joint_forward": False},
    ),
    "CDAN": ("demo/cdan_digits.py", (1, 28), "cls", 3, {"model.grl.max_iters": 1}),
    "CDAN+E official": ("demo/cdan_e_digits.py", (1, 28), "cls", 3, {"model.grl.max_iters": 1}),
    "CDAN+E tllib": (
        "demo/cdan_e_digits.py",
        (1, 28),
        "cls",
        3,
        {"model.grl.max_iters": 1, "model.entropy_mode": "tllib"},
    ),
    "CDAN randomized": (
        "demo/cdan_e_digits.py",
        (1, 28),
        "cls",
        3,
        {
            "model.grl.max_iters": 1,
            "model.multilinear_map": dict(
                type="RandomizedMultilinearMap", features_dim=256, num_classes=10, output_dim=64
            ),
            "model.discriminator.in_channels": 64,
        },
    ),
    # dropout in the bottleneck and both heads (the RNG is reseeded before each step)
    "MDD": ("demo/mdd_digits.py", (1, 28), "cls", 3, {"model.grl.max_iters": 1}),
    "MCD": ("demo/mcd_digits.py", (1, 28), "cls", 2, {"model.num_k": 3}),
}


def algorithm(case: str) -> str:
    """The algorithm of a case: its first word, without CDAN's ``+E``."""
    return case.split()[0].split("+")[0]


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
    batches = [batch(channels, size, labels, seed=iteration) for iteration in range(steps)]
    # train_step records the reversal schedule's iteration in the model; a plain loop counts it itself
    model = check_baseline(cfg, batches, skip=("grl.iteration",))
    assert type(model).__name__ == algorithm(name)


def test_adaptsegnet_plain_loop_matches_train_step():
    cfg = load_config(str(CONFIGS / "demo/adaptseg_synthetic.py"))
    cfg.model.segmentor.backbone = dict(type="TimmBackbone", model_name="test_resnet", output_stride=8)
    cfg.model.gan_loss.loss_weight = 2.0  # the plain loop weights the GAN terms as GANLoss does
    batches = [
        two_domain_batch(2, seed=seed, channels=3, size=32, num_classes=8, task="segmentation") for seed in range(2)
    ]
    check_baseline(cfg, batches)
