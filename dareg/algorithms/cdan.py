"""CDAN and CDAN+E: Conditional Adversarial Domain Adaptation (Long et al., NeurIPS 2018).

DANN's iteration with a discriminator conditioned on the classifier's predictions (paper Eq. 4-7,
official ``thuml/CDAN`` ``loss.CDAN`` and tllib ``ConditionalDomainAdversarialLoss``),
:meth:`CDAN.train_step`:

1. Forward both domains through the classifier in one call (one batch; ``joint_forward=False``
   forwards them one after the other, as the official code does); ``g = softmax(logits)``.
2. ``h = T(f, g)``: the multilinear map ``flatten(g outer f)`` (or its randomized version for large
   ``f x g``), with ``g`` detached (both references).
3. ``L_d = BCE(D(R(h)), domain)`` with source 1, target 0, ``R`` the gradient reversal layer
   (:func:`conditional_domain_loss`). CDAN+E weights each sample by ``1 + exp(-H(g))`` (Eq. 7):
   confident predictions count more (``entropy_conditioning=True``; ``entropy_mode`` picks the
   official code's normalisation, with a reversed gradient into the entropy, or tllib's detached
   one; see :class:`~dareg.models.utils.EntropyConditioning`); without it every sample weighs 1/N.
4. ``E = CE(source) + lambda * L_d``; one backward pass; step both optimizers.
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


def conditional_domain_loss(domain_logits: torch.Tensor, num_source: int, weights: torch.Tensor) -> torch.Tensor:
    """``sum_i w_i * BCE(d_i, domain_i)`` over source (label 1) then target (label 0) rows; ``w`` sums to 1."""
    labels = domain_labels(num_source, domain_logits.shape[0] - num_source, domain_logits)
    per_sample = F.binary_cross_entropy_with_logits(domain_logits, labels, reduction="none").flatten()
    return (weights * per_sample).sum()


@ALGORITHMS.register_module()
class CDAN(BaseAlgorithm):
    """Conditional domain-adversarial training; ``entropy_conditioning=True`` gives CDAN+E.

    Optimizers (``optim_wrapper`` keys): ``classifier`` (backbone, bottleneck, head) and
    ``discriminator``.

    Args:
        classifier: Config of an ``ImageClassifier`` (backbone, bottleneck, head).
        discriminator: Config of the domain discriminator; its ``in_channels`` is the map's width
            (``features * classes``, or ``output_dim`` of the randomized map).
        multilinear_map: Config of the map. Defaults to ``dict(type="MultilinearMap")``; the
            randomized one is ``dict(type="RandomizedMultilinearMap", features_dim=256,
            num_classes=C, output_dim=1024)``.
        entropy_conditioning: CDAN+E's entropy weights. Defaults to False.
        entropy_mode: ``"official"`` or ``"tllib"``. Defaults to ``"official"``.
        grl: Config of the gradient reversal layer. Defaults to the warm-start schedule 0 -> 1.
        lambda_adv: Weight of the domain loss. Defaults to 1.0.
        joint_forward: Forward both domains as one batch. Defaults to True.
        data_preprocessor: Config of the data preprocessor. Defaults to no normalisation.
        init_cfg: mmengine initialisation config. Defaults to None.
    """

    train_spec = TrainSpec(
        steps=[
            ("classifier", "source cross-entropy + lambda_adv * conditional domain loss on T(f, g), reversed into f"),
            ("discriminator", "(entropy-weighted) domain BCE on T(f, g) (source 1, target 0), same backward pass"),
        ],
        logged={
            "loss_cls": "source cross-entropy",
            "loss_adv": "(entropy-weighted) domain BCE of the discriminator",
            "acc_d": "discriminator accuracy (%)",
            "grl_coeff": "gradient reversal coefficient (warm start)",
        },
        notes="One backward pass for both optimizers (BaseAlgorithm.update_jointly).",
    )

    def __init__(
        self,
        classifier: dict,
        discriminator: dict,
        multilinear_map: dict | None = None,
        entropy_conditioning: bool = False,
        entropy_mode: str = "official",
        grl: dict | None = None,
        lambda_adv: float = 1.0,
        joint_forward: bool = True,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.classifier = CLASSIFIERS.build(classifier)
        self.discriminator = DISCRIMINATORS.build(discriminator)
        self.multilinear_map = MODELS.build(multilinear_map or dict(type="MultilinearMap"))
        self.entropy_conditioning = MODELS.build(
            dict(type="EntropyConditioning", mode=entropy_mode if entropy_conditioning else None)
        )
        self.grl = MODELS.build(grl or dict(type="GradientReversal"))
        self.lambda_adv = lambda_adv
        self.joint_forward = joint_forward

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        batch = self.data_preprocessor(data, training=True)
        self.grl.set_iteration(self.current_iter)  # the warm-start reversal coefficient of this iteration
        with self.autocast(optim_wrapper, "classifier"):
            features, logits, num_source = self.forward_domains(batch)
            losses = self.classifier.loss([logits[:num_source]], batch["source"]["data_samples"])
            losses.update(self.adversarial_loss(features, logits, num_source))
            total = losses["loss_cls"] + self.lambda_adv * losses["loss_adv"]
        # one backward pass: the discriminator descends on loss_adv, the features (reversed) ascend
        self.update_jointly(optim_wrapper, ("classifier", "discriminator"), total)
        return self.scalars({**losses, "grl_coeff": self.grl.coeff})

    def forward_domains(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor, int]:
        """Features and logits of the source images followed by the target images, and the source count."""
        source, target = batch["source"]["inputs"], batch["target"]["inputs"]
        inputs = torch.cat([source, target]) if self.joint_forward else [source, target]
        features, logits = self.classifier(inputs, mode="features_and_logits")
        return features, logits, source.shape[0]

    def adversarial_loss(
        self, features: torch.Tensor, logits: torch.Tensor, num_source: int
    ) -> dict[str, torch.Tensor]:
        """``L_d`` on ``T(f, g)``, optionally entropy-weighted (Eq. 7), and the discriminator's accuracy."""
        probabilities = torch.softmax(logits, dim=1)
        joint = self.multilinear_map(features, probabilities.detach())  # T(f, g), Eq. 4
        domain_logits = self.discriminator(self.grl(joint))
        weights = self.entropy_conditioning(probabilities, num_source, self.grl.coeff)
        labels = domain_labels(num_source, features.shape[0] - num_source, domain_logits)
        loss = conditional_domain_loss(domain_logits, num_source, weights)
        return {"loss_adv": loss, "acc_d": domain_accuracy(domain_logits, labels)}

    # --- inference -------------------------------------------------------------------------------
    def forward_tensor(self, inputs: torch.Tensor) -> Any:
        return self.classifier(inputs)

    def predict(self, inputs: torch.Tensor, data_samples: dict | None = None) -> list[dict]:
        return self.predict_with(self.classifier, inputs, data_samples)
