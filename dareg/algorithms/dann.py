"""DANN: Domain-Adversarial Training of Neural Networks (Ganin & Lempitsky, ICML 2015; Ganin et al.,
JMLR 2016), in the Transfer-Learning-Library setup.

One iteration (paper Algorithm 1, tllib ``examples/domain_adaptation/image_classification/dann.py``;
the loop is :meth:`FeatureAdaptation.train_step`):

1. Forward the source and target batches together through the feature extractor ``G_f`` (backbone
   + bottleneck) and the label predictor ``G_y``.
2. ``E = CE(G_y(G_f(x_s)), y_s) + lambda * L_d`` (Eq. 9 / tllib), with the domain loss
   ``L_d = 0.5 * [BCE(D(R(f_s)), 1) + BCE(D(R(f_t)), 0)]`` (source label 1, target 0) and ``R`` the
   gradient reversal layer: the discriminator ``D`` minimises ``L_d`` while ``G_f`` receives
   ``-coeff * dL_d/df`` and so maximises it (:meth:`DANN.adversarial_loss`).
3. One backward pass; step the classifier's and the discriminator's optimizers.

The reversal coefficient follows the warm-start schedule (0 -> 1; see
:mod:`dareg.models.utils.gradient_reversal`), set from the Runner's iteration, so it resumes exactly.
"""

from __future__ import annotations

import torch

from dareg.algorithms.feature_adaptation import FeatureAdaptation
from dareg.algorithms.spec import TrainSpec
from dareg.registry import ALGORITHMS, DISCRIMINATORS


@ALGORITHMS.register_module()
class DANN(FeatureAdaptation):
    """Domain-adversarial training: a domain discriminator behind a gradient reversal layer.

    Optimizers (``optim_wrapper`` keys): ``classifier`` (backbone, bottleneck, head; the backbone
    usually at ``lr_mult=0.1`` through ``paramwise_cfg``) and ``discriminator``.

    Args:
        classifier: Config of an ``ImageClassifier`` (backbone, bottleneck, head).
        discriminator: Config of the domain discriminator (one logit per sample), e.g.
            ``dict(type="DomainDiscriminator", in_channels=256)``.
        grl: Config of the :class:`~dareg.models.utils.GradientReversal` layer. Defaults to the
            warm-start schedule 0 -> 1 over ~4k iterations.
        lambda_adv: Weight ``lambda`` of the domain loss. Defaults to 1.0.
        joint_forward: Forward both domains as one batch. Defaults to True.
        data_preprocessor: Config of the data preprocessor.
        init_cfg: mmengine initialisation config.
    """

    train_spec = TrainSpec(
        steps=[
            (
                "classifier",
                "source cross-entropy + lambda_adv * domain loss, whose gradient reaches the features reversed",
            ),
            ("discriminator", "domain BCE (source 1, target 0) from the same backward pass"),
        ],
        logged={
            "loss_cls": "source cross-entropy",
            "loss_adv": "domain BCE of the discriminator",
            "acc_d": "discriminator accuracy (%)",
            "grl_coeff": "gradient reversal coefficient (warm start)",
        },
        notes="One backward pass for both optimizers (BaseAlgorithm.update_jointly).",
    )

    def __init__(
        self,
        classifier: dict,
        discriminator: dict,
        grl: dict | None = None,
        lambda_adv: float = 1.0,
        joint_forward: bool = True,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        grl = grl or dict(type="GradientReversal")
        super().__init__(classifier, grl, lambda_adv, joint_forward, data_preprocessor, init_cfg)
        self.discriminator = DISCRIMINATORS.build(discriminator)

    def adversarial_loss(
        self, features: torch.Tensor, logits: torch.Tensor, num_source: int
    ) -> dict[str, torch.Tensor]:
        """``L_d``: BCE of the discriminator on reversed features, source labelled 1, target 0.

        ``logits`` (the classifier's) are unused here; CDAN conditions the discriminator on them.
        """
        domain_logits = self.discriminator(self.grl(features))
        labels = self.domain_labels(num_source, features.shape[0] - num_source, domain_logits)
        # 0.5 * (mean over source + mean over target), as tllib's DomainAdversarialLoss
        loss = 0.5 * (
            self.weighted_bce(domain_logits[:num_source], labels[:num_source])
            + self.weighted_bce(domain_logits[num_source:], labels[num_source:])
        )
        return {"loss_adv": loss, "acc_d": self.domain_accuracy(domain_logits, labels)}
