"""DANN: Domain-Adversarial Training of Neural Networks (Ganin & Lempitsky, ICML 2015; Ganin et al.,
JMLR 2016), in the Transfer-Learning-Library setup.

One iteration (paper Algorithm 1, tllib ``examples/domain_adaptation/image_classification/dann.py``),
:meth:`DANN.train_step`:

1. Forward the source and target batches together through the feature extractor ``G_f`` (backbone
   + bottleneck) and the label predictor ``G_y``, in one call of the classifier (one batch, so
   BatchNorm normalises both domains together as in tllib; ``joint_forward=False`` forwards them
   one after the other, as the official CDAN code does).
2. ``E = CE(G_y(G_f(x_s)), y_s) + lambda * L_d`` (Eq. 9 / tllib), with the domain loss
   ``L_d = 0.5 * [BCE(D(R(f_s)), 1) + BCE(D(R(f_t)), 0)]`` (:func:`domain_adversarial_loss`) and
   ``R`` the gradient reversal layer: the discriminator ``D`` minimises ``L_d`` while ``G_f``
   receives ``-coeff * dL_d/df`` and so maximises it.
3. One backward pass; step the classifier's and the discriminator's optimizers.

The reversal coefficient follows the warm-start schedule (0 -> 1; see
:mod:`dareg.models.utils.gradient_reversal`), set from the Runner's iteration, so it resumes exactly.
Prediction is the classifier alone.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapperDict

from dareg.algorithms.base import BaseAlgorithm
from dareg.algorithms.spec import TrainSpec
from dareg.models.losses.domain_classification import domain_accuracy, domain_labels
from dareg.registry import ALGORITHMS, CLASSIFIERS, DISCRIMINATORS, MODELS


def domain_adversarial_loss(domain_logits: torch.Tensor, num_source: int) -> torch.Tensor:
    """``0.5 * [BCE(source rows, 1) + BCE(target rows, 0)]``, each a mean over its domain (tllib)."""
    labels = domain_labels(num_source, domain_logits.shape[0] - num_source, domain_logits)
    source = F.binary_cross_entropy_with_logits(domain_logits[:num_source], labels[:num_source])
    target = F.binary_cross_entropy_with_logits(domain_logits[num_source:], labels[num_source:])
    return 0.5 * (source + target)


@ALGORITHMS.register_module()
class DANN(BaseAlgorithm):
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
        data_preprocessor: Config of the data preprocessor. Defaults to no normalisation.
        init_cfg: mmengine initialisation config. Defaults to None.
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
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.classifier = CLASSIFIERS.build(classifier)
        self.discriminator = DISCRIMINATORS.build(discriminator)
        self.grl = MODELS.build(grl or dict(type="GradientReversal"))
        self.lambda_adv = lambda_adv
        self.joint_forward = joint_forward

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        batch = self.data_preprocessor(data, training=True)
        self.grl.set_iteration(self.current_iter)  # the warm-start reversal coefficient of this iteration
        with self.autocast(optim_wrapper, "classifier"):
            features, logits, num_source = self.forward_domains(batch)
            losses = self.source_loss(logits, num_source, batch["source"])
            losses.update(self.adversarial_loss(features, logits, num_source))
            total = losses["loss_cls"] + self.lambda_adv * losses["loss_adv"]  # E, Eq. 9
        # one backward pass: the discriminator descends on loss_adv, the features (reversed) ascend
        self.update_jointly(optim_wrapper, ("classifier", "discriminator"), total)
        return self.scalars({**losses, "grl_coeff": self.grl.coeff})

    def forward_domains(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor, int]:
        """Features and logits of the source images followed by the target images, and the source count."""
        source, target = batch["source"]["inputs"], batch["target"]["inputs"]
        inputs = torch.cat([source, target]) if self.joint_forward else [source, target]
        features, logits = self.classifier(inputs, mode="features_and_logits")
        return features, logits, source.shape[0]

    def source_loss(self, logits: torch.Tensor, num_source: int, source: dict) -> dict[str, torch.Tensor]:
        """The classifier's supervised loss (``loss_cls``) on the labelled source rows of ``logits``."""
        return self.classifier.loss([logits[:num_source]], source["data_samples"])

    def adversarial_loss(
        self, features: torch.Tensor, logits: torch.Tensor, num_source: int
    ) -> dict[str, torch.Tensor]:
        """``L_d`` of the discriminator on reversed features, and its accuracy (``logits`` unused)."""
        domain_logits = self.discriminator(self.grl(features))
        labels = domain_labels(num_source, features.shape[0] - num_source, domain_logits)
        loss = domain_adversarial_loss(domain_logits, num_source)
        return {"loss_adv": loss, "acc_d": domain_accuracy(domain_logits, labels)}

    # --- inference -------------------------------------------------------------------------------
    def forward_tensor(self, inputs: torch.Tensor) -> Any:
        return self.classifier(inputs)

    def predict(self, inputs: torch.Tensor, data_samples: dict | None = None) -> list[dict]:
        return self.predict_with(self.classifier, inputs, data_samples)
