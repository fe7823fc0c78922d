"""MCD: Maximum Classifier Discrepancy (Saito et al., CVPR 2018), in the Transfer-Learning-Library setup.

A generator ``G`` (the backbone) and two classifiers ``F1``, ``F2``; the discrepancy of two
predictions is ``d(p1, p2) = mean |p1 - p2|`` on softmax outputs (paper Eq. 1). One iteration
(paper Sec. 3.2, tllib ``mcd.py``):

* **Step A** (``G``, ``F1``, ``F2``): ``CE(F1(G(x_s)), y_s) + CE(F2(G(x_s)), y_s)`` (Eq. 2), plus
  tllib's class-balance term ``lambda_balance * sum_j -mean_k log(mean_i p_j(x_t)_ik + 1e-6)`` on
  the target predictions.
* **Step B** (``F1``, ``F2`` only, ``G`` fixed): step A's loss ``- lambda_disc * d(F1(G(x_t)),
  F2(G(x_t)))`` (Eq. 3): the classifiers disagree as much as they can on target samples.
* **Step C** (``G`` only, classifiers fixed): ``lambda_disc * d`` (Eq. 4), ``num_k`` times: the
  generator makes target features on which the classifiers agree.

Prediction: the ensemble ``argmax(F1 + F2)`` of logits (official code), plus each classifier alone
(``pred_label_f1``, ``pred_label_f2``; score them with ``Accuracy(pred_key=...)``).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapperDict

from dareg.algorithms.base import BaseAlgorithm
from dareg.algorithms.spec import TrainSpec
from dareg.registry import ALGORITHMS, BACKBONES, HEADS


def classifier_discrepancy(logits1: torch.Tensor, logits2: torch.Tensor) -> torch.Tensor:
    """``mean |softmax(logits1) - softmax(logits2)|`` (MCD Eq. 1)."""
    return (F.softmax(logits1, dim=1) - F.softmax(logits2, dim=1)).abs().mean()


def class_balance(logits: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """``-mean_k log(mean_i p_ik + eps)``: low when the batch's predictions cover all classes (tllib)."""
    return -torch.log(F.softmax(logits, dim=1).mean(dim=0) + eps).mean()


@ALGORITHMS.register_module()
class MCD(BaseAlgorithm):
    """Two classifiers that maximise, and a generator that minimises, their discrepancy on target.

    Optimizers (``optim_wrapper`` keys): ``generator`` and ``classifiers``.

    Args:
        generator: Config of the feature extractor (``BACKBONES``, returning ``N x C`` vectors).
        classifiers: Config of the classifier pair, e.g. ``dict(type="HeadPair",
            head=dict(type="MLPClsHead", ...))``; its forward returns ``(logits1, logits2)``.
        num_k: Generator updates (step C) per iteration. Defaults to 4.
        lambda_disc: Weight of the discrepancy in steps B and C. Defaults to 1.0.
        lambda_balance: Weight of the class-balance term on target (tllib 0.01; 0 is the paper).
            Defaults to 0.01.
        data_preprocessor: Config of the data preprocessor.
        init_cfg: mmengine initialisation config.
    """

    train_spec = TrainSpec(
        steps=[
            ("generator", "step A: both classifiers' source cross-entropy (+ class balance on target)"),
            ("classifiers", "step A (same backward pass), then step B: step A's loss - lambda_disc * discrepancy"),
            ("generator", "step C: lambda_disc * target discrepancy, num_k times, classifiers frozen"),
        ],
        logged={
            "loss_cls": "step A: sum of both classifiers' source cross-entropy",
            "loss_balance": "step A: class-balance term on target",
            "loss_a": "step A: total",
            "loss_b": "step B: total",
            "discrepancy_b": "step B: target discrepancy",
            "discrepancy_c": "last step C: target discrepancy",
        },
    )

    def __init__(
        self,
        generator: dict,
        classifiers: dict,
        num_k: int = 4,
        lambda_disc: float = 1.0,
        lambda_balance: float = 0.01,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if num_k < 1:
            raise ValueError(f"MCD: num_k must be >= 1, got {num_k}")
        self.generator = BACKBONES.build(generator)
        self.classifiers = HEADS.build(classifiers)
        self.num_k = num_k
        self.lambda_disc = lambda_disc
        self.lambda_balance = lambda_balance

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        batch = self.data_preprocessor(data, training=True)
        source, target = batch["source"], batch["target"]
        inputs = torch.cat([source["inputs"], target["inputs"]])
        num_source, labels = source["inputs"].shape[0], source["data_samples"]["gt_label"]
        # Step A: G, F1 and F2 on the labelled source (Eq. 2)
        with self.autocast(optim_wrapper, "generator"):
            terms = self.source_terms(self.classifiers(self.generator(inputs)), num_source, labels)
            loss_a = self.source_loss(terms)
        self.update_jointly(optim_wrapper, ("generator", "classifiers"), loss_a)
        # Step B: G fixed, F1 and F2 maximise the target discrepancy (Eq. 3)
        with self.autocast(optim_wrapper, "classifiers"):
            with torch.no_grad():
                features = self.generator(inputs)
            logits = self.classifiers(features)
            source_loss = self.source_loss(self.source_terms(logits, num_source, labels))
            discrepancy = self.discrepancy(logits, num_source)
            loss_b = source_loss - self.lambda_disc * discrepancy
        self.update(optim_wrapper, "classifiers", loss_b)
        # Step C: F1, F2 fixed, G minimises the discrepancy, num_k times (Eq. 4)
        for _ in range(self.num_k):
            with self.autocast(optim_wrapper, "generator"), self.frozen(self.classifiers):
                discrepancy_c = self.discrepancy(self.classifiers(self.generator(inputs)), num_source)
            self.update(optim_wrapper, "generator", self.lambda_disc * discrepancy_c)
        losses = {**terms, "loss_a": loss_a, "loss_b": loss_b, "discrepancy_b": discrepancy}
        return self.scalars({**losses, "discrepancy_c": discrepancy_c})

    @staticmethod
    def source_terms(
        logits: tuple[torch.Tensor, torch.Tensor], num_source: int, labels: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        """Both classifiers' source cross-entropy (``loss_cls``) and target class balance (``loss_balance``)."""
        logits1, logits2 = logits
        labels = labels.to(logits1.device)
        loss_cls = F.cross_entropy(logits1[:num_source], labels) + F.cross_entropy(logits2[:num_source], labels)
        balance = class_balance(logits1[num_source:]) + class_balance(logits2[num_source:])
        return {"loss_cls": loss_cls, "loss_balance": balance}

    def source_loss(self, terms: dict[str, torch.Tensor]) -> torch.Tensor:
        """Step A's loss, which step B keeps: ``loss_cls + lambda_balance * loss_balance``."""
        return terms["loss_cls"] + self.lambda_balance * terms["loss_balance"]

    @staticmethod
    def discrepancy(logits: tuple[torch.Tensor, torch.Tensor], num_source: int) -> torch.Tensor:
        """The classifiers' discrepancy on the target rows."""
        return classifier_discrepancy(logits[0][num_source:], logits[1][num_source:])

    # --- inference -------------------------------------------------------------------------------
    def forward_tensor(self, inputs: torch.Tensor) -> Any:
        logits1, logits2 = self.classifiers(self.generator(inputs))
        return [logits1, logits2, logits1 + logits2]

    def extract_feat(self, inputs: torch.Tensor, domain: str = "target") -> dict[str, torch.Tensor]:
        """Generator features and the ensemble's logits (:mod:`dareg.evaluation.features`)."""
        features = self.generator(inputs)
        logits1, logits2 = self.classifiers(features)
        return {"features": features, "logits": logits1 + logits2}

    def predict(self, inputs: torch.Tensor, data_samples: dict | None = None) -> list[dict]:
        """The ensemble's prediction (``pred_label``, ``scores``) and each classifier's alone."""
        logits1, logits2, ensemble = (y.detach().float().cpu() for y in self.forward_tensor(inputs))
        scores = ensemble.softmax(dim=1)
        labels = (data_samples or {}).get("gt_label")
        results = []
        for index in range(ensemble.shape[0]):
            result = {
                "pred_label": int(ensemble[index].argmax()),
                "pred_label_f1": int(logits1[index].argmax()),
                "pred_label_f2": int(logits2[index].argmax()),
                "scores": scores[index],
            }
            if labels is not None:
                result["gt_label"] = int(labels[index])
            results.append(result)
        return results
