"""MDD: Margin Disparity Discrepancy (Zhang et al., "Bridging Theory and Algorithm for Domain
Adaptation", ICML 2019), in the Transfer-Learning-Library setup.

One iteration (paper Eq. 29, official ``thuml/MDD`` and tllib ``mdd.py``), :meth:`MDD.train_step`:

1. Forward both domains through backbone + bottleneck ``psi`` and the main head ``f``, in one call
   of the classifier (one batch; ``joint_forward=False`` forwards them one after the other).
2. The adversarial head ``f'`` sees the bottleneck features through a gradient reversal layer (warm
   start 0 -> 0.1).
3. ``E = CE(f(psi(x_s)), y_s) + lambda * [gamma * CE(f'(psi(x_s)), yhat_s) - log(1 - f'(psi(x_t))[yhat_t])]``
   with ``yhat`` the main head's argmax (:class:`~dareg.models.losses.MarginDisparityLoss`): ``f'``
   minimises the disparity term, ``psi`` (through the reversal) maximises it.
4. One backward pass; step the classifier's and the adversarial head's optimizers.
"""

from __future__ import annotations

from typing import Any

import torch
from mmengine.optim import OptimWrapperDict

from dareg.algorithms.base import BaseAlgorithm
from dareg.algorithms.spec import TrainSpec
from dareg.registry import ALGORITHMS, CLASSIFIERS, HEADS, LOSSES, MODELS


@ALGORITHMS.register_module()
class MDD(BaseAlgorithm):
    """Margin disparity discrepancy with an adversarial head behind gradient reversal.

    Optimizers (``optim_wrapper`` keys): ``classifier`` (backbone, bottleneck, main head) and
    ``adversarial_head``.

    Args:
        classifier: Config of an ``ImageClassifier`` (backbone, bottleneck, main head).
        adversarial_head: Config of the adversarial head (same output classes as the main head).
        margin_loss: Config of the disparity loss. Defaults to ``MarginDisparityLoss`` with margin 4.
        grl: Config of the gradient reversal layer. Defaults to warm start 0 -> 0.1 (MDD).
        lambda_adv: Weight ``lambda`` of the disparity term. Defaults to 1.0.
        joint_forward: Forward both domains as one batch. Defaults to True.
        data_preprocessor: Config of the data preprocessor. Defaults to no normalisation.
        init_cfg: mmengine initialisation config. Defaults to None.
    """

    train_spec = TrainSpec(
        steps=[
            ("classifier", "source cross-entropy + lambda_adv * margin disparity, reversed into the features"),
            ("adversarial_head", "margin disparity (agree with the main head on source, disagree on target)"),
        ],
        logged={
            "loss_cls": "source cross-entropy of the main head",
            "loss_adv": "margin disparity term",
            "grl_coeff": "gradient reversal coefficient (warm start to 0.1)",
        },
        notes="One backward pass for both optimizers (BaseAlgorithm.update_jointly).",
    )

    def __init__(
        self,
        classifier: dict,
        adversarial_head: dict,
        margin_loss: dict | None = None,
        grl: dict | None = None,
        lambda_adv: float = 1.0,
        joint_forward: bool = True,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.classifier = CLASSIFIERS.build(classifier)
        self.adversarial_head = HEADS.build(adversarial_head)
        self.margin_loss = LOSSES.build(margin_loss or dict(type="MarginDisparityLoss", margin=4.0))
        self.grl = MODELS.build(grl or dict(type="GradientReversal", hi=0.1))
        self.lambda_adv = lambda_adv
        self.joint_forward = joint_forward

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        batch = self.data_preprocessor(data, training=True)
        self.grl.set_iteration(self.current_iter)  # the warm-start reversal coefficient of this iteration
        with self.autocast(optim_wrapper, "classifier"):
            features, logits, num_source = self.forward_domains(batch)
            loss_cls = self.classifier.loss([logits[:num_source]], batch["source"]["data_samples"])["loss_cls"]
            loss_adv = self.adversarial_loss(features, logits, num_source)["loss_adv"]
            total = loss_cls + self.lambda_adv * loss_adv  # Eq. 29
        # one backward pass: the adversarial head descends on the disparity, the features (reversed) ascend
        self.update_jointly(optim_wrapper, ("classifier", "adversarial_head"), total)
        return self.scalars({"loss_cls": loss_cls, "loss_adv": loss_adv, "grl_coeff": self.grl.coeff})

    def forward_domains(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor, int]:
        """Features and main logits of the source images followed by the target images, and the source count."""
        source, target = batch["source"]["inputs"], batch["target"]["inputs"]
        features, logits = self.classifier(
            torch.cat([source, target]) if self.joint_forward else [source, target], mode="features_and_logits"
        )
        return features, logits, source.shape[0]

    def adversarial_loss(
        self, features: torch.Tensor, logits: torch.Tensor, num_source: int
    ) -> dict[str, torch.Tensor]:
        """The margin disparity term (Eq. 29) of the adversarial head on reversed features."""
        adversarial = self.adversarial_head(self.grl(features))
        loss = self.margin_loss(
            logits[:num_source], adversarial[:num_source], logits[num_source:], adversarial[num_source:]
        )
        return {"loss_adv": loss}

    # --- inference -------------------------------------------------------------------------------
    def forward_tensor(self, inputs: torch.Tensor) -> Any:
        return self.classifier(inputs)

    def predict(self, inputs: torch.Tensor, data_samples: dict | None = None) -> list[dict]:
        return self.predict_with(self.classifier, inputs, data_samples)
