"""An image classifier made of a feature backbone and a classification head.

ADDA (Tzeng et al., CVPR 2017) splits its source network into an encoder (the part it adapts) and a
classifier (frozen after source training); :class:`ImageClassifier` keeps that split visible
(``backbone`` and ``head``, :meth:`ImageClassifier.extract_features`) so that feature-level methods
can swap the encoder while keeping the head.

Feature-level methods on ImageNet backbones (DANN, CDAN, MDD in the Transfer-Learning-Library setup)
put a *bottleneck* (e.g. ``Linear(2048, 256) -> BN -> ReLU``) between the pooled backbone and the
head; with ``bottleneck=...`` the features are the bottleneck's output, and :attr:`ImageClassifier.encoder`
is the backbone followed by the bottleneck (what ADDA adapts).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from dareg.models.task_model import BaseTaskModel
from dareg.registry import BACKBONES, CLASSIFIERS, HEADS

#: What ``ImageClassifier.forward`` returns, by ``mode``: ``[logits]``, features, or both.
CLASSIFIER_MODES = ("logits", "features", "features_and_logits")


@CLASSIFIERS.register_module()
class ImageClassifier(BaseTaskModel):
    """``head(backbone(x))`` (or ``head(bottleneck(backbone(x)))``): one logits level, cross-entropy.

    Args:
        backbone: Config of a backbone (``BACKBONES``) returning ``N x C`` features.
        head: Config of a head (``HEADS``) mapping features to ``N x num_classes`` logits.
        bottleneck: Config of a bottleneck (e.g. ``dict(type="Bottleneck", in_channels=2048,
            out_channels=256)``) between backbone and head. Defaults to None (none).
        loss_weight: Weight of the cross-entropy loss (key ``loss_cls``). Defaults to 1.0.
        label_smoothing: Label smoothing of the cross-entropy. Defaults to 0.0.

    Examples:
        >>> import torch
        >>> model = ImageClassifier(backbone=dict(type="LeNetEncoder"), head=dict(type="LinearClsHead"))
        >>> outputs = model(torch.zeros(2, 1, 28, 28))
        >>> len(outputs), outputs[-1].shape
        (1, torch.Size([2, 10]))
    """

    def __init__(
        self,
        backbone: dict,
        head: dict,
        loss_weight: float = 1.0,
        label_smoothing: float = 0.0,
        bottleneck: dict | None = None,
    ) -> None:
        super().__init__()
        self.backbone = BACKBONES.build(backbone)
        self.bottleneck = HEADS.build(bottleneck) if bottleneck is not None else None
        self.head = HEADS.build(head)
        self.loss_weight = loss_weight
        self.label_smoothing = label_smoothing

    def init_weights(self) -> None:
        """Initialise the children that define ``init_weights`` (pretrained backbones load their file).

        mmengine's ``BaseModule.init_weights`` (what the Runner calls before training) only recurses
        into children that have ``init_weights``; this classifier passes the call on, so a backbone
        such as :class:`~dareg.models.backbones.TorchvisionResNet` loads its ImageNet weights in
        training, and testing from a trained checkpoint needs no pretraining file.
        """
        for child in self.children():
            if hasattr(child, "init_weights"):
                child.init_weights()

    @property
    def encoder(self) -> nn.Module:
        """The network from images to the head's input: the backbone, or backbone then bottleneck.

        With a bottleneck this is a fresh ``Sequential`` sharing the two modules, whose state keys
        are ``backbone.*`` and ``bottleneck.*``; without one it is the backbone itself.
        """
        if self.bottleneck is None:
            return self.backbone
        return nn.Sequential(OrderedDict(backbone=self.backbone, bottleneck=self.bottleneck))

    def extract_features(self, inputs: torch.Tensor) -> torch.Tensor:
        """The ``N x C`` features the head classifies: backbone output, through the bottleneck if any."""
        features = self.backbone(inputs)
        return features if self.bottleneck is None else self.bottleneck(features)

    def classify(self, features: torch.Tensor) -> list[torch.Tensor]:
        """Logits (as a one-level list) of features from this backbone or a compatible one."""
        return [self.head(features)]

    def forward(self, inputs: torch.Tensor | Sequence[torch.Tensor], mode: str = "logits") -> Any:
        """Logits, features, or both, of one batch or of several batches in turn.

        What algorithms that train through the features call (DANN, CDAN, MDD): one call of the
        network, which under DDP is the call that averages its gradients across ranks.

        Args:
            inputs: A batch, or a sequence of batches that go through the feature extractor one
                after another (each with its own BatchNorm statistics, e.g. ``[source, target]``);
                their features are concatenated before the head.
            mode: ``"logits"``: ``[logits]`` (one level, as every task network returns);
                ``"features"``: the features the head classifies (``N x C``);
                ``"features_and_logits"``: ``(features, logits)``. Defaults to ``"logits"``.
        """
        if mode not in CLASSIFIER_MODES:
            raise ValueError(f"ImageClassifier.forward: mode must be one of {CLASSIFIER_MODES}, got {mode!r}")
        if isinstance(inputs, torch.Tensor):
            features = self.extract_features(inputs)
        else:
            features = torch.cat([self.extract_features(batch) for batch in inputs])
        if mode == "features":
            return features
        logits = self.head(features)
        return [logits] if mode == "logits" else (features, logits)

    def loss(self, outputs: list[torch.Tensor], data_samples: dict[str, Any]) -> dict[str, torch.Tensor]:
        labels = data_samples["gt_label"]
        loss = F.cross_entropy(outputs[-1], labels.to(outputs[-1].device), label_smoothing=self.label_smoothing)
        return {"loss_cls": self.loss_weight * loss}

    def predict(
        self,
        outputs: list[torch.Tensor],
        data_samples: dict[str, Any] | None = None,
        input_size: Sequence[int] | None = None,
    ) -> list[dict]:
        scores = outputs[-1].detach().float().softmax(dim=1).cpu()
        preds = scores.argmax(dim=1)
        labels = (data_samples or {}).get("gt_label")
        results = []
        for index, pred in enumerate(preds.tolist()):
            result = {"pred_label": pred, "scores": scores[index]}
            if labels is not None:
                result["gt_label"] = int(labels[index])
            results.append(result)
        return results
