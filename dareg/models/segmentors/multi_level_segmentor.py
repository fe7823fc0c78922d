"""A backbone with a main segmentation head and an optional auxiliary head on an earlier level.

This is AdaptSegNet's multi-level DeepLab-v2 (Tsai et al., CVPR 2018): an auxiliary classifier on
layer3 (``pred1``) and the main classifier on layer4 (``pred2``); the source loss is
``CE(pred2) + 0.1 * CE(pred1)`` with both predictions upsampled bilinearly (``align_corners=True``)
to the label size, and evaluation uses the main head only, upsampled to the label size. With no
auxiliary head it is the single-level DeepLab-v2.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from dareg.models.losses.cross_entropy import CrossEntropyLoss
from dareg.models.task_model import BaseTaskModel
from dareg.registry import BACKBONES, HEADS, SEGMENTORS


def resize_logits(logits: torch.Tensor, size: Sequence[int], align_corners: bool = True) -> torch.Tensor:
    """Bilinearly resize ``N x C x h x w`` logits to ``size`` (a no-op when already that size)."""
    size = tuple(int(s) for s in size)
    if tuple(logits.shape[-2:]) == size:
        return logits
    return F.interpolate(logits, size=size, mode="bilinear", align_corners=align_corners)


def per_level_weights(
    segmentor: torch.nn.Module, weights: Sequence[float] | float, owner: str, argument: str
) -> tuple[float, ...]:
    """Check ``weights`` (one per output level of ``segmentor``, aux first) for an algorithm.

    Raises:
        ValueError: The count does not match the segmentor's levels, or every weight is 0 (then the
            method adapts nothing and ``SourceOnly`` is the right algorithm).
    """
    num_levels = int(getattr(segmentor, "num_levels", 1))
    values = (float(weights),) if isinstance(weights, (int, float)) else tuple(float(w) for w in weights)
    if len(values) != num_levels:
        raise ValueError(
            f"{owner}: {argument}={values} needs one weight per segmentor level; the segmentor "
            f"({type(segmentor).__name__}) has {num_levels} (aux, main order). Use 0.0 for a level that "
            "is not adapted."
        )
    if not any(value > 0 for value in values):
        raise ValueError(
            f"{owner}: every {argument} is 0, so nothing is adapted; use the SourceOnly algorithm "
            "(task_model=<the segmentor config>) for the source-only baseline."
        )
    return values


def level_suffixes(segmentor: torch.nn.Module) -> tuple[str, ...]:
    """Loss-key suffix per output level: ``""`` for the main level, ``"_aux"`` (its name) for others."""
    num_levels = int(getattr(segmentor, "num_levels", 1))
    names = getattr(segmentor, "level_names", None) or tuple(f"level{i}" for i in range(num_levels))
    return tuple("" if name == "main" else f"_{name}" for name in names)


@SEGMENTORS.register_module()
class MultiLevelSegmentor(BaseTaskModel):
    """Backbone + main head (+ auxiliary head), returning logits per level, main last.

    The backbone must return a list of feature maps; the main head reads the last one and the
    auxiliary head the one before it (layer3 and layer4 for :class:`DeepLabV2ResNet`). A head class
    with ``takes_feature_list = True`` (``DAFormerHead``) reads the whole list instead. A head config
    without ``in_channels`` gets it from the backbone's ``out_channels`` (the whole list for a head
    that reads the list), so swapping the backbone is a change of one dict. Heads live under
    attribute names containing ``"head"``, so ``paramwise_cfg=dict(custom_keys={"head":
    dict(lr_mult=10.0)})`` gives both heads the reference's 10x learning rate.

    Args:
        backbone: Backbone config (``BACKBONES``).
        head: Main head config (``HEADS``).
        auxiliary_head: Auxiliary head config, or None for a single-level segmentor. Defaults to None.
        loss_weights: ``(auxiliary, main)`` weights of the source cross-entropy (a single number or
            a one-element sequence without an auxiliary head). Defaults to ``(0.1, 1.0)``, the
            reference's ``lambda_seg``.
        ignore_index: Label ignored by the loss. Defaults to 255.
        align_corners: ``align_corners`` of the bilinear upsampling of logits. Defaults to True
            (the reference).

    DAFormer (MiT encoder, DAFormer head, logits at 1/4 upsampled with ``align_corners=False``)::

        MultiLevelSegmentor(
            backbone=dict(type="MixTransformer", arch="mit_b5"),
            head=dict(type="DAFormerHead", num_classes=19),
            loss_weights=1.0,
            align_corners=False)

    Examples:
        >>> seg = MultiLevelSegmentor(
        ...     backbone=dict(type="DeepLabV2ResNet", depth=50),
        ...     head=dict(type="ASPPClassifier", num_classes=19),
        ...     auxiliary_head=dict(type="ASPPClassifier", num_classes=19))
        >>> [tuple(o.shape) for o in seg(torch.zeros(1, 3, 33, 33))]
        [(1, 19, 5, 5), (1, 19, 5, 5)]
    """

    def __init__(
        self,
        backbone: dict,
        head: dict,
        auxiliary_head: dict | None = None,
        loss_weights: Sequence[float] | float = (0.1, 1.0),
        ignore_index: int = 255,
        align_corners: bool = True,
    ) -> None:
        super().__init__()
        self.backbone = BACKBONES.build(backbone)
        channels = list(getattr(self.backbone, "out_channels", []))
        self.head = HEADS.build(self._with_in_channels(head, channels, -1, "head"))
        self.auxiliary_head = None
        if auxiliary_head is not None:
            self.auxiliary_head = HEADS.build(self._with_in_channels(auxiliary_head, channels, -2, "auxiliary_head"))
        weights = [float(loss_weights)] if isinstance(loss_weights, (int, float)) else [float(w) for w in loss_weights]
        if len(weights) != self.num_levels:
            raise ValueError(
                f"MultiLevelSegmentor: loss_weights {tuple(weights)} must have one weight per level "
                f"({self.num_levels}: {'(auxiliary, main)' if self.auxiliary_head else '(main,)'})"
            )
        self.loss_weights = tuple(weights)
        self.ignore_index = ignore_index
        self.align_corners = align_corners
        self.loss_seg = CrossEntropyLoss(ignore_index=ignore_index)

    @staticmethod
    def _with_in_channels(cfg: dict, channels: list[int], index: int, name: str) -> dict:
        cfg = dict(cfg)
        if "in_channels" in cfg:
            return cfg
        head_class = HEADS.get(cfg["type"]) if isinstance(cfg.get("type"), str) else cfg.get("type")
        if getattr(head_class, "takes_feature_list", False):
            if not channels:
                raise ValueError(
                    f"MultiLevelSegmentor: {name} reads every feature level but the backbone exposes no "
                    f"out_channels; set {name}.in_channels to the list of its levels' channels."
                )
            cfg["in_channels"] = list(channels)
            return cfg
        if len(channels) < -index:
            raise ValueError(
                f"MultiLevelSegmentor: {name} has no in_channels and the backbone exposes out_channels="
                f"{channels}; set {name}.in_channels, or make the backbone return "
                f"{-index} feature levels (out_indices)."
            )
        cfg["in_channels"] = channels[index]
        return cfg

    @property
    def num_levels(self) -> int:
        """Number of output levels (2 with an auxiliary head, else 1)."""
        return 1 if self.auxiliary_head is None else 2

    @property
    def num_classes(self) -> int:
        """Number of classes of the main head."""
        return int(self.head.num_classes)

    @property
    def level_names(self) -> tuple[str, ...]:
        """Names of the output levels, in output order (used in loss keys: ``loss_seg_aux``, ``loss_seg``)."""
        return ("aux", "main") if self.auxiliary_head is not None else ("main",)

    @staticmethod
    def _run_head(head: torch.nn.Module, features: list[torch.Tensor], index: int) -> torch.Tensor:
        """The head on ``features[index]``, or on the whole list for a head that reads the list."""
        return head(features) if getattr(head, "takes_feature_list", False) else head(features[index])

    def forward(
        self, inputs: torch.Tensor, return_features: bool = False
    ) -> list[torch.Tensor] | tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Logits per level, main last; with ``return_features``, also the backbone's feature list.

        The features come from the same forward pass, for losses on the encoder (DAFormer's feature
        distance); under DDP they must, since only a call of the segmentor itself synchronises its
        gradients.
        """
        features = self.backbone(inputs)
        if self.auxiliary_head is None:
            outputs = [self._run_head(self.head, features, -1)]
        elif len(features) < 2:
            raise ValueError(
                "MultiLevelSegmentor: the auxiliary head needs two feature levels but the backbone returned "
                f"{len(features)}; set the backbone's out_indices to two levels."
            )
        else:
            outputs = [self._run_head(self.auxiliary_head, features, -2), self._run_head(self.head, features, -1)]
        return (outputs, list(features)) if return_features else outputs

    def loss(self, outputs: list[torch.Tensor], data_samples: dict[str, Any]) -> dict[str, torch.Tensor]:
        """Weighted cross-entropy per level, logits upsampled to the label size (``loss_seg_aux``, ``loss_seg``)."""
        labels = data_samples["gt_seg"]
        if isinstance(labels, (list, tuple)):
            raise ValueError(
                "MultiLevelSegmentor.loss: the label maps of the batch have different sizes; resize or crop "
                "them to one size in the training pipeline, or use batch_size=1."
            )
        losses = {}
        for name, weight, logits in zip(self.level_names, self.loss_weights, outputs):
            key = "loss_seg" if name == "main" else f"loss_seg_{name}"
            logits = resize_logits(logits, labels.shape[-2:], self.align_corners)
            losses[key] = weight * self.loss_seg(logits, labels)
        return losses

    @torch.no_grad()
    def predict(
        self,
        outputs: list[torch.Tensor],
        data_samples: dict[str, Any] | None = None,
        input_size: Sequence[int] | None = None,
    ) -> list[dict]:
        """Argmax of the main logits, upsampled bilinearly to each label's size.

        Without labels the logits are upsampled to ``input_size``, else to the image size recorded in
        ``data_samples["metainfo"][i]["img_shape"]``, else left at their own size. Each result is
        ``{"pred_seg": LongTensor[H, W], "gt_seg"?: LongTensor[H, W], "metainfo": dict}`` on the CPU
        (no logits, to keep evaluation memory small).
        """
        data_samples = data_samples or {}
        logits = outputs[-1]
        labels = data_samples.get("gt_seg")
        metainfo = data_samples.get("metainfo") or [{} for _ in range(len(logits))]
        results = []
        for index in range(len(logits)):
            sample: dict[str, Any] = {"metainfo": metainfo[index] if index < len(metainfo) else {}}
            if labels is not None:
                size = labels[index].shape[-2:]
                sample["gt_seg"] = labels[index].detach().long().cpu()
            else:
                size = input_size or sample["metainfo"].get("img_shape") or logits.shape[-2:]
            upsampled = resize_logits(logits[index : index + 1], size[:2], self.align_corners)
            sample["pred_seg"] = upsampled.argmax(1)[0].cpu()
            results.append(sample)
        return results
