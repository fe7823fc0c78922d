"""What DANN, CDAN and MDD share: one classifier on both domains, features for an adversary.

The three methods of the Transfer-Learning-Library protocol (see ``docs/methods/dann.md``) train one
:class:`~dareg.models.classifiers.ImageClassifier` (backbone -> bottleneck -> head) on labelled
source images while an adversary on the bottleneck features (a domain discriminator behind a
gradient reversal layer, or MDD's adversarial head) pulls the target features towards the source.
Source and target images go through the network in one concatenated batch, so BatchNorm normalises
both domains together (tllib; ``joint_forward=False`` forwards them separately, as the official
CDAN code does). Prediction is the classifier alone.

The iteration they share (:meth:`FeatureAdaptation.train_step`): set the reversal coefficient for
this iteration, forward both domains, ``E = CE(source) + lambda_adv * L_adv`` where each method
defines ``L_adv`` (:meth:`FeatureAdaptation.adversarial_loss`), one backward pass, then step the
classifier's optimizer and the adversary's (``adversary`` names it).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapperDict

from dareg.algorithms.base import BaseAlgorithm
from dareg.registry import CLASSIFIERS, MODELS


class FeatureAdaptation(BaseAlgorithm):
    """Base of classification methods that adapt one classifier's features adversarially.

    Subclasses build their adversary (the sub-module the optimizer ``adversary`` updates) and define
    :meth:`adversarial_loss`.

    Args:
        classifier: Config of an ``ImageClassifier`` (``backbone``, optional ``bottleneck``, ``head``).
        grl: Config of the :class:`~dareg.models.utils.GradientReversal` layer in front of the adversary.
        lambda_adv: Weight of the adversarial loss. Defaults to 1.0.
        joint_forward: Forward source and target images as one batch. Defaults to True.
        data_preprocessor: Config of the data preprocessor.
        init_cfg: mmengine initialisation config.
    """

    #: The optimizer (and sub-module) of the adversary, stepped with the classifier's.
    adversary = "discriminator"

    def __init__(
        self,
        classifier: dict,
        grl: dict,
        lambda_adv: float = 1.0,
        joint_forward: bool = True,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.classifier = CLASSIFIERS.build(classifier)
        for name in ("extract_features", "head"):
            if not hasattr(self.classifier, name):
                raise TypeError(
                    f"{type(self).__name__} needs a classifier with `{name}` (type='ImageClassifier'), "
                    f"got {type(self.classifier).__name__}"
                )
        self.grl = MODELS.build(grl)
        self.lambda_adv = lambda_adv
        self.joint_forward = joint_forward

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        batch = self.data_preprocessor(data, training=True)
        self.grl.set_iteration(self.current_iter)  # the warm-start reversal coefficient of this iteration
        with self.autocast(optim_wrapper, "classifier"):
            features, logits, num_source = self.forward_domains(batch)
            losses = self.source_loss(logits, num_source, batch["source"])
            losses.update(self.adversarial_loss(features, logits, num_source))
            total = losses["loss_cls"] + self.lambda_adv * losses["loss_adv"]
        # one backward pass: the adversary descends on loss_adv, the features (reversed) ascend
        self.update_jointly(optim_wrapper, ("classifier", self.adversary), total)
        return self.scalars({**losses, "grl_coeff": self.grl.coeff})

    def adversarial_loss(
        self, features: torch.Tensor, logits: torch.Tensor, num_source: int
    ) -> dict[str, torch.Tensor]:
        """``{"loss_adv": L_adv, ...}`` of the features and logits of source rows then target rows."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement adversarial_loss(features, logits, num_source)"
        )

    def forward_domains(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor, int]:
        """Features and logits of the source images followed by the target images, and the source count."""
        source, target = batch["source"]["inputs"], batch["target"]["inputs"]
        if self.joint_forward:
            features = self.classifier.extract_features(torch.cat([source, target]))
        else:
            features = torch.cat([self.classifier.extract_features(source), self.classifier.extract_features(target)])
        return features, self.classifier.head(features), source.shape[0]

    def source_loss(self, logits: torch.Tensor, num_source: int, source: dict) -> dict[str, torch.Tensor]:
        """The classifier's supervised loss (``loss_cls``) on the labelled source rows of ``logits``."""
        return self.classifier.loss([logits[:num_source]], source["data_samples"])

    @staticmethod
    def domain_labels(num_source: int, num_target: int, like: torch.Tensor) -> torch.Tensor:
        """1 for each source sample, 0 for each target sample (DANN/CDAN's convention), shaped ``N x 1``."""
        return torch.cat([like.new_ones(num_source, 1), like.new_zeros(num_target, 1)])

    @staticmethod
    def domain_accuracy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Percentage of samples the discriminator assigns to their domain."""
        with torch.no_grad():
            return ((logits >= 0).float() == labels).float().mean() * 100.0

    @staticmethod
    def weighted_bce(logits: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        """Binary cross-entropy of domain logits, mean (or ``sum(weights * bce)`` with weights summing to 1)."""
        if weights is None:
            return F.binary_cross_entropy_with_logits(logits, labels)
        per_sample = F.binary_cross_entropy_with_logits(logits, labels, reduction="none").flatten()
        return (weights * per_sample).sum()

    # --- inference -------------------------------------------------------------------------------
    def forward_tensor(self, inputs: torch.Tensor) -> Any:
        return self.classifier(inputs)

    def predict(self, inputs: torch.Tensor, data_samples: dict | None = None) -> list[dict]:
        return self.predict_with(self.classifier, inputs, data_samples)
