"""ADDA: Adversarial Discriminative Domain Adaptation (Tzeng et al., CVPR 2017).

Facts used (paper and the TensorFlow reference ``erictzeng/adda``):

* Phase 1 (pre-training): the source encoder and the classifier are trained with cross-entropy on
  labelled source images.
* Phase 2 (adaptation): a target encoder is initialised with the source encoder's weights; the
  source encoder and the classifier stay frozen. A domain discriminator learns to tell source
  encodings from target encodings, and the target encoder is trained with the *inverted* label
  (target encodings labelled "source"): the standard GAN loss, not gradient reversal.
* Discriminator 500 -> 500 -> 500 -> 2 with ReLU on the 500-d encodings (paper); the reference
  feeds the 10-d classifier logits instead (``adapt_on="logits"``).
* Label convention of the reference (kept here): source = 0, target = 1. With two output logits the
  discriminator is a two-way softmax; its cross-entropy equals the binary cross-entropy of the logit
  difference ``l_target - l_source``, which is what is passed to :class:`~dareg.models.losses.GANLoss`
  (so ``mode="lsgan"`` and one-logit discriminators work too).
* Test time: target encoder followed by the source classifier.
* With a bottleneck in the classifier (``ImageClassifier(bottleneck=...)``, the Transfer-Learning-Library
  setting on ResNet-50), the encoder is the backbone followed by the bottleneck: the target encoder
  copies both and the discriminator sees the bottleneck features (tllib ``adda.py``).

The two phases live in one algorithm and are switched by the iteration count: iterations
``[0, pretrain_iters)`` pre-train, the rest adapt. The target encoder is copied from the source
encoder exactly once, at the first adaptation step; a persistent buffer ``target_encoder_initialised``
records it, so a run resumed in phase 2 keeps its trained target encoder (it is not re-copied) and a
run resumed in phase 1 copies at the boundary as the uninterrupted run would.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from mmengine.optim import OptimWrapperDict

from dareg.algorithms.base import BaseAlgorithm
from dareg.algorithms.spec import TrainSpec
from dareg.registry import ALGORITHMS, CLASSIFIERS, DISCRIMINATORS, LOSSES

#: Domain labels of the discriminator (the TensorFlow reference's convention).
SOURCE_LABEL = 0.0
TARGET_LABEL = 1.0

ADAPT_ON = ("features", "logits")


def domain_logit(outputs: torch.Tensor) -> torch.Tensor:
    """One "is target" logit per sample from a discriminator with 1 or 2 output columns.

    For two columns (source, target) the logit is ``l_target - l_source``: the binary cross-entropy
    of this logit equals the two-way softmax cross-entropy of the pair.
    """
    if outputs.dim() == 2 and outputs.shape[1] == 2:
        return outputs[:, 1] - outputs[:, 0]
    return outputs.reshape(outputs.shape[0], -1).squeeze(1)


@ALGORITHMS.register_module()
class ADDA(BaseAlgorithm):
    """Source pre-training, then adversarial adaptation of a separate target encoder.

    Sub-modules and their optimizers (``optim_wrapper`` keys): ``classifier`` (source encoder
    ``classifier.encoder``, i.e. the backbone and the bottleneck if any, + ``classifier.head``,
    phase 1), ``target_encoder`` and ``discriminator`` (phase 2).

    Args:
        classifier: Config of an :class:`~dareg.models.classifiers.ImageClassifier` (source encoder as
            ``backbone``, classifier as ``head``).
        discriminator: Config of a discriminator (``DISCRIMINATORS``) on features or logits, with 1
            or 2 outputs.
        gan_loss: Config of the adversarial loss. Defaults to ``GANLoss`` in ``"vanilla"`` mode.
        pretrain_iters: Iterations of phase 1; phase 2 runs from there to ``max_iters``. 0 skips
            pre-training (e.g. with ``load_from`` a pre-trained ADDA checkpoint). Defaults to 10000.
        adapt_on: ``"features"`` (paper: the encoder output) or ``"logits"`` (reference code: the
            classifier output) as the discriminator's input. Defaults to ``"features"``.
        data_preprocessor: Config of the data preprocessor.
        init_cfg: mmengine initialisation config.
    """

    train_spec = TrainSpec(
        steps=[
            ("classifier", "source cross-entropy of the source encoder + classifier", "phase 1: iter < pretrain_iters"),
            (
                "discriminator",
                "GAN loss: frozen source encodings labelled source, target encodings labelled target",
                "phase 2",
            ),
            ("target_encoder", "GAN loss with inverted labels through the frozen discriminator", "phase 2"),
        ],
        logged={
            "loss*": "phase 1: the classifier's cross-entropy terms",
            "loss_d": "phase 2: discriminator loss",
            "acc_d": "phase 2: discriminator accuracy on the batch",
            "loss_map": "phase 2: mapping (target encoder) loss",
        },
        notes="At the first phase-2 iteration the target encoder starts as a copy of the source encoder.",
    )

    def __init__(
        self,
        classifier: dict,
        discriminator: dict,
        gan_loss: dict | None = None,
        pretrain_iters: int = 10000,
        adapt_on: str = "features",
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if adapt_on not in ADAPT_ON:
            raise ValueError(f"ADDA: adapt_on must be one of {ADAPT_ON}, got {adapt_on!r}")
        if pretrain_iters < 0:
            raise ValueError(f"ADDA: pretrain_iters must be >= 0, got {pretrain_iters}")
        self.classifier = CLASSIFIERS.build(classifier)
        for name in ("backbone", "head"):
            if not isinstance(getattr(self.classifier, name, None), torch.nn.Module):
                raise TypeError(
                    f"ADDA needs a classifier with a `{name}` sub-module (e.g. type='ImageClassifier'), "
                    f"got {type(self.classifier).__name__}"
                )
        self.target_encoder = copy.deepcopy(self.classifier.encoder)
        self.discriminator = DISCRIMINATORS.build(discriminator)
        self.gan_loss = LOSSES.build(gan_loss or dict(type="GANLoss", mode="vanilla"))
        self.pretrain_iters = pretrain_iters
        self.adapt_on = adapt_on
        self.register_buffer("target_encoder_initialised", torch.tensor(False))

    # --- phases ----------------------------------------------------------------------------------
    def in_pretraining(self) -> bool:
        """Whether the current iteration belongs to phase 1 (source pre-training)."""
        return self.current_iter < self.pretrain_iters

    def initialise_target_encoder(self) -> bool:
        """Copy the source encoder into the target encoder, once; True if it copied now."""
        if bool(self.target_encoder_initialised):
            return False
        self.target_encoder.load_state_dict(self.classifier.encoder.state_dict())
        self.target_encoder_initialised.fill_(True)
        return True

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        batch = self.data_preprocessor(data, training=True)
        if self.in_pretraining():
            return self.scalars(self.pretrain_step(batch["source"], optim_wrapper))
        self.initialise_target_encoder()
        # The source network is frozen in phase 2: deterministic source encodings (no dropout), and
        # no gradient into the classifier's head when the discriminator reads logits.
        self.classifier.eval()
        with torch.no_grad():
            source_embedding = self.embed(self.classifier.encoder, batch["source"]["inputs"])
        with self.autocast(optim_wrapper, "target_encoder"), self.frozen(self.classifier):
            target_embedding = self.embed(self.target_encoder, batch["target"]["inputs"])
        losses = self.discriminator_step(source_embedding, target_embedding.detach(), optim_wrapper)
        losses.update(self.mapping_step(target_embedding, optim_wrapper))
        return self.scalars(losses)

    # --- phase 1 ---------------------------------------------------------------------------------
    def pretrain_step(self, source: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        """Cross-entropy of the source encoder + classifier on labelled source images."""
        with self.autocast(optim_wrapper, "classifier"):
            outputs = self.classifier(source["inputs"])
            losses = self.classifier.loss(outputs, source["data_samples"])
        self.update(optim_wrapper, "classifier", sum(losses.values()))
        return losses

    # --- phase 2 ---------------------------------------------------------------------------------
    def embed(self, encoder: torch.nn.Module, inputs: torch.Tensor) -> torch.Tensor:
        """What the discriminator sees: encoder features, or the classifier's logits on them."""
        features = encoder(inputs)
        return self.classifier.head(features) if self.adapt_on == "logits" else features

    def discriminator_step(
        self, source_embedding: torch.Tensor, target_embedding: torch.Tensor, optim_wrapper: OptimWrapperDict
    ) -> dict[str, torch.Tensor]:
        """Train D to label source encodings ``SOURCE_LABEL`` and target encodings ``TARGET_LABEL``."""
        with self.autocast(optim_wrapper, "discriminator"):
            logits_source = domain_logit(self.discriminator(source_embedding))
            logits_target = domain_logit(self.discriminator(target_embedding))
            # mean over the source and target halves, as the reference's loss on the concatenation
            loss_d = 0.5 * (self.gan_loss(logits_source, SOURCE_LABEL) + self.gan_loss(logits_target, TARGET_LABEL))
        self.update(optim_wrapper, "discriminator", loss_d)
        with torch.no_grad():
            threshold = 0.5 if getattr(self.gan_loss, "mode", None) == "lsgan" else 0.0
            accuracy = torch.cat([logits_source < threshold, logits_target >= threshold]).float().mean()
        return {"loss_d": loss_d, "acc_d": accuracy}

    def mapping_step(self, target_embedding: torch.Tensor, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        """Train the target encoder with inverted labels: target encodings labelled source."""
        with self.autocast(optim_wrapper, "target_encoder"), self.frozen(self.discriminator):
            logits_target = domain_logit(self.discriminator(target_embedding))
            loss_map = self.gan_loss(logits_target, SOURCE_LABEL, is_discriminator=False)
        self.update(optim_wrapper, "target_encoder", loss_map)
        return {"loss_map": loss_map}

    # --- inference -------------------------------------------------------------------------------
    def extract_feat(self, inputs: torch.Tensor, domain: str = "target") -> dict[str, torch.Tensor]:
        """Encoder features and classifier logits of ``domain`` images (:mod:`dareg.analysis.features`).

        Source images go through the source encoder; target images through the target encoder once
        adaptation has started (through the source encoder before, as :meth:`predict` does).
        """
        use_target = domain == "target" and bool(self.target_encoder_initialised)
        features = (self.target_encoder if use_target else self.classifier.encoder)(inputs)
        return {"features": features, "logits": self.classifier.head(features)}

    def forward_tensor(self, inputs: torch.Tensor) -> Any:
        if bool(self.target_encoder_initialised):
            return [self.classifier.head(self.target_encoder(inputs))]
        return self.classifier(inputs)

    def predict(self, inputs: torch.Tensor, data_samples: dict | None = None) -> list[dict]:
        """Target encoder + source classifier once adaptation started, the source network before."""
        return self.classifier.predict(self.forward_tensor(inputs), data_samples)
