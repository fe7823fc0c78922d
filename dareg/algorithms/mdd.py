"""MDD: Margin Disparity Discrepancy (Zhang et al., "Bridging Theory and Algorithm for Domain
Adaptation", ICML 2019), in the Transfer-Learning-Library setup.

One iteration (paper Eq. 29, official ``thuml/MDD`` and tllib ``mdd.py``):

1. Forward both domains through backbone + bottleneck ``psi`` and the main head ``f``.
2. The adversarial head ``f'`` sees the bottleneck features through a gradient reversal layer (warm
   start 0 -> 0.1).
3. ``E = CE(f(psi(x_s)), y_s) + lambda * [gamma * CE(f'(psi(x_s)), yhat_s) - log(1 - f'(psi(x_t))[yhat_t])]``
   with ``yhat`` the main head's argmax (:class:`~dareg.models.losses.MarginDisparityLoss`): ``f'``
   minimises the disparity term, ``psi`` (through the reversal) maximises it.
4. One backward pass; step the classifier's and the adversarial head's optimizers (the loop is
   :meth:`FeatureAdaptation.train_step`; the disparity term is :meth:`MDD.adversarial_loss`).
"""

from __future__ import annotations

import torch

from dareg.algorithms.feature_adaptation import FeatureAdaptation
from dareg.algorithms.spec import TrainSpec
from dareg.registry import ALGORITHMS, HEADS, LOSSES


@ALGORITHMS.register_module()
class MDD(FeatureAdaptation):
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
        data_preprocessor: Config of the data preprocessor.
        init_cfg: mmengine initialisation config.
    """

    adversary = "adversarial_head"
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
        grl = grl or dict(type="GradientReversal", hi=0.1)
        super().__init__(classifier, grl, lambda_adv, joint_forward, data_preprocessor, init_cfg)
        self.adversarial_head = HEADS.build(adversarial_head)
        self.margin_loss = LOSSES.build(margin_loss or dict(type="MarginDisparityLoss", margin=4.0))

    def adversarial_loss(
        self, features: torch.Tensor, logits: torch.Tensor, num_source: int
    ) -> dict[str, torch.Tensor]:
        """The margin disparity term (Eq. 29) of the adversarial head on reversed features."""
        adversarial = self.adversarial_head(self.grl(features))
        loss = self.margin_loss(
            logits[:num_source], adversarial[:num_source], logits[num_source:], adversarial[num_source:]
        )
        return {"loss_adv": loss}
