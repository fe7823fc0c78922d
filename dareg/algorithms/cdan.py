"""CDAN and CDAN+E: Conditional Adversarial Domain Adaptation (Long et al., NeurIPS 2018).

DANN's iteration with a discriminator conditioned on the classifier's predictions (paper Eq. 4-7,
official ``thuml/CDAN`` ``loss.CDAN`` and tllib ``ConditionalDomainAdversarialLoss``):

1. Forward both domains; ``g = softmax(logits)``.
2. ``h = T(f, g)``: the multilinear map ``flatten(g outer f)`` (or its randomized version for large
   ``f x g``), with ``g`` detached (both references).
3. ``L_d = BCE(D(R(h)), domain)`` with source 1, target 0, ``R`` the gradient reversal layer.
   CDAN+E weights each sample by ``1 + exp(-H(g))`` (Eq. 7): confident predictions count more
   (``entropy_conditioning=True``; ``entropy_mode`` picks the official code's normalisation, with a
   reversed gradient into the entropy, or tllib's detached one; see
   :class:`~dareg.models.utils.EntropyConditioning`).
4. ``E = CE(source) + lambda * L_d``; one backward pass; step both optimizers (the loop is
   :meth:`FeatureAdaptation.train_step`, the conditioned loss :meth:`CDAN.adversarial_loss`).
"""

from __future__ import annotations

import torch

from dareg.algorithms.dann import DANN
from dareg.algorithms.spec import TrainSpec
from dareg.registry import ALGORITHMS, MODELS


@ALGORITHMS.register_module()
class CDAN(DANN):
    """Conditional domain-adversarial training; ``entropy_conditioning=True`` gives CDAN+E.

    Optimizers: ``classifier`` and ``discriminator``, as :class:`~dareg.algorithms.DANN`.

    Args:
        classifier: Config of an ``ImageClassifier`` (backbone, bottleneck, head).
        discriminator: Config of the domain discriminator; its ``in_channels`` is the map's width
            (``features * classes``, or ``output_dim`` of the randomized map).
        multilinear_map: Config of the map. Defaults to ``dict(type="MultilinearMap")``; the
            randomized one is ``dict(type="RandomizedMultilinearMap", features_dim=256,
            num_classes=C, output_dim=1024)``.
        entropy_conditioning: CDAN+E's entropy weights. Defaults to False.
        entropy_mode: ``"official"`` (default) or ``"tllib"``.
        grl: Config of the gradient reversal layer. Defaults to the warm-start schedule 0 -> 1.
        lambda_adv: Weight of the domain loss. Defaults to 1.0.
        joint_forward: Forward both domains as one batch. Defaults to True.
        data_preprocessor: Config of the data preprocessor.
        init_cfg: mmengine initialisation config.
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
        super().__init__(classifier, discriminator, grl, lambda_adv, joint_forward, data_preprocessor, init_cfg)
        self.multilinear_map = MODELS.build(multilinear_map or dict(type="MultilinearMap"))
        self.entropy_conditioning = MODELS.build(
            dict(type="EntropyConditioning", mode=entropy_mode if entropy_conditioning else None)
        )

    def adversarial_loss(
        self, features: torch.Tensor, logits: torch.Tensor, num_source: int
    ) -> dict[str, torch.Tensor]:
        """``L_d`` on ``T(f, g)``, optionally entropy-weighted (Eq. 7), source labelled 1, target 0."""
        probabilities = torch.softmax(logits, dim=1)
        joint = self.multilinear_map(features, probabilities.detach())
        domain_logits = self.discriminator(self.grl(joint))
        labels = self.domain_labels(num_source, features.shape[0] - num_source, domain_logits)
        weights = self.entropy_conditioning(probabilities, num_source, self.grl.coeff)
        loss = self.weighted_bce(domain_logits, labels, weights)
        return {"loss_adv": loss, "acc_d": self.domain_accuracy(domain_logits, labels)}
