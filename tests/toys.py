"""Toy components for tests: a tiny two-optimizer adversarial algorithm and in-memory datasets.

They are registered into dareg's registries by :func:`register_toys` (idempotent) and removed by
:func:`unregister_toys`, so that tests do not leak registrations into each other.
"""

from __future__ import annotations

import copy
import uuid

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dareg.algorithms.base import BaseAlgorithm
from dareg.datasets.base import BaseImageDataset
from dareg.registry import ALGORITHMS, DATASETS, MODELS


class ToyDigits(BaseImageDataset):
    """Deterministic in-memory 1x8x8 images of 3 classes; ``shift`` brightens the target domain."""

    def __init__(self, num_samples: int = 24, shift: int = 0, seed: int = 0, **kwargs) -> None:
        self.num_samples, self.shift, self.seed = num_samples, shift, seed
        kwargs.setdefault("pipeline", [dict(type="RandomFlip", prob=0.5), dict(type="PackInputs")])
        super().__init__(serialize_data=False, **kwargs)

    def load_data_list(self) -> list[dict]:
        rng = np.random.default_rng(self.seed)
        items = []
        for index in range(self.num_samples):
            label = index % 3
            img = rng.integers(0, 60, size=(8, 8)).astype(np.int64)
            img[:, label * 2 : label * 2 + 3] += 150
            items.append({"img": np.clip(img + self.shift, 0, 255).astype(np.uint8), "gt_label": label})
        return items


class ToyAdversarial(BaseAlgorithm):
    """A classifier adapted by a domain discriminator on its features (two sub-modules, two optimizers)."""

    def __init__(self, lambda_adv: float = 0.1, data_preprocessor: dict | None = None) -> None:
        super().__init__(data_preprocessor or dict(type="DomainDataPreprocessor", mean=[127.5], std=[127.5]))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
        self.discriminator = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
        self.lambda_adv = lambda_adv

    def train_step(self, data, optim_wrapper):
        batch = self.data_preprocessor(data, training=True)
        source, target = batch["source"], batch["target"]
        labels = source["data_samples"]["gt_label"]
        src_logits = self.classifier(source["inputs"])
        tgt_logits = self.classifier(target["inputs"])
        with self.frozen(self.discriminator):
            loss_cls = F.cross_entropy(src_logits, labels)
            adv = self.discriminator(tgt_logits)
            loss_adv = F.binary_cross_entropy_with_logits(adv, torch.zeros_like(adv))
            self.update(optim_wrapper, "classifier", loss_cls + self.lambda_adv * loss_adv)
        d_src = self.discriminator(src_logits.detach())
        d_tgt = self.discriminator(tgt_logits.detach())
        loss_d = 0.5 * (
            F.binary_cross_entropy_with_logits(d_src, torch.zeros_like(d_src))
            + F.binary_cross_entropy_with_logits(d_tgt, torch.ones_like(d_tgt))
        )
        self.update(optim_wrapper, "discriminator", loss_d)
        return self.scalars({"loss_cls": loss_cls, "loss_adv": loss_adv, "loss_d": loss_d})

    def forward_tensor(self, inputs):
        return self.classifier(inputs)

    def predict(self, inputs, data_samples=None):
        preds = self.classifier(inputs).argmax(1)
        labels = (data_samples or {}).get("gt_label")
        return [
            {"pred_label": int(p), "gt_label": int(labels[i]) if labels is not None else -1}
            for i, p in enumerate(preds)
        ]


TOYS = {DATASETS: [ToyDigits], ALGORITHMS: [ToyAdversarial]}


def register_toys() -> None:
    for registry, classes in TOYS.items():
        for cls in classes:
            registry.register_module(module=cls, force=True)


def unregister_toys() -> None:
    for registry, classes in TOYS.items():
        for cls in classes:
            registry._module_dict.pop(cls.__name__, None)
            if registry is ALGORITHMS:
                MODELS._module_dict.pop(cls.__name__, None)


TOY_CONFIG = dict(
    default_scope="dareg",
    model=dict(type="ToyAdversarial", lambda_adv=0.1),
    train_dataloader=dict(
        batch_size=4,
        num_workers=0,
        sampler=dict(type="StreamSampler", shuffle=True),
        collate_fn=dict(type="dareg.domain_collate"),
        dataset=dict(
            type="DomainPairDataset",
            source=dict(type="ToyDigits", num_samples=24, shift=0, seed=1),
            target=dict(type="ToyDigits", num_samples=18, shift=60, seed=2),
        ),
    ),
    optim_wrapper=dict(
        constructor="MultiOptimWrapperConstructor",
        classifier=dict(optimizer=dict(type="SGD", lr=0.05, momentum=0.9)),
        discriminator=dict(optimizer=dict(type="Adam", lr=1e-3, betas=(0.5, 0.999))),
    ),
    param_scheduler=dict(
        classifier=dict(type="PolyLR", power=0.9, eta_min=0.0, begin=0, end=12, by_epoch=False),
        discriminator=dict(type="PolyLR", power=0.9, eta_min=0.0, begin=0, end=12, by_epoch=False),
    ),
    train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=12),
    default_hooks=dict(
        logger=dict(type="LoggerHook", interval=1),
        checkpoint=dict(type="CheckpointHook", interval=6, by_epoch=False, backend_args=dict(backend="atomic_local")),
    ),
    custom_hooks=[dict(type="RandomStateHook")],
    randomness=dict(seed=7),
    log_level="WARNING",
)


def toy_config(work_dir, **overrides) -> dict:
    cfg = copy.deepcopy(TOY_CONFIG)
    cfg["work_dir"] = str(work_dir)
    cfg["experiment_name"] = f"toy_{uuid.uuid4().hex[:8]}"  # runners built in the same second stay apart
    cfg.update(overrides)
    return cfg
