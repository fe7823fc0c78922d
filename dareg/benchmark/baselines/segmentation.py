"""The plain loop of AdaptSegNet (output-space adaptation of a multi-level segmentor)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from dareg.benchmark.baselines.base import PlainLoop, frozen, gan_loss, register_baseline


def upsample(logits: torch.Tensor, size: Any, align_corners: bool) -> torch.Tensor:
    """Bilinear resize of logits to ``size`` (nothing to do when they have it)."""
    if tuple(logits.shape[-2:]) == tuple(size):
        return logits
    return F.interpolate(logits, size=tuple(size), mode="bilinear", align_corners=align_corners)


def segmentation_loss(segmentor: nn.Module, outputs: Sequence[torch.Tensor], labels: torch.Tensor) -> torch.Tensor:
    """Weighted cross-entropy of every output level, upsampled to the labels (the segmentor's loss)."""
    align, ignore = segmentor.align_corners, segmentor.ignore_index
    return sum(
        weight * F.cross_entropy(upsample(logits, labels.shape[-2:], align), labels, ignore_index=ignore)
        for weight, logits in zip(segmentor.loss_weights, outputs)
    )


def adaptsegnet_step(
    model: nn.Module, loop: PlainLoop, judge: Callable[[int, torch.Tensor], torch.Tensor] | None = None
) -> Callable[[dict], None]:
    """Tsai et al.'s ``train_gta2cityscapes_multi.py`` iteration on the algorithm's networks.

    ``judge(index, prediction)`` is the logits of discriminator ``index`` on an upsampled prediction;
    by default the discriminator reads its softmax (AdvEnt's loop passes self-information maps).
    """
    segmentor, discriminators = model.segmentor, model.discriminators
    levels, weights = model.adapted_levels, model.lambda_adv
    align = segmentor.align_corners
    mode, gan_weight = model.gan_loss.mode, model.gan_loss.loss_weight
    adv_weights = [weight * gan_weight for weight in weights]
    source_label, target_label = model.source_label, model.target_label
    if judge is None:

        def judge(index: int, prediction: torch.Tensor) -> torch.Tensor:
            return discriminators[index](F.softmax(prediction, 1))

    def step(batch: dict) -> None:
        images_s, labels = loop.inputs(batch["source"]), loop.target(batch["source"], "gt_seg")
        images_t = loop.inputs(batch["target"])
        with frozen(discriminators):
            with loop.autocast():
                outputs = segmentor(images_s)
                loss_seg = segmentation_loss(segmentor, outputs, labels)
                pred_s = [upsample(outputs[lvl], images_s.shape[-2:], align).detach() for lvl in levels]
            loop.backward("segmentor", loss_seg)
            with loop.autocast():
                outputs = segmentor(images_t)
                pred_t, loss_adv = [], 0.0
                for index, lvl in enumerate(levels):
                    pred = upsample(outputs[lvl], images_t.shape[-2:], align)
                    loss_adv = loss_adv + adv_weights[lvl] * gan_loss(judge(index, pred), source_label, mode)
                    pred_t.append(pred.detach())
            loop.backward("segmentor", loss_adv)
        with loop.autocast():
            loss_d = 0.0
            for index, (p_s, p_t) in enumerate(zip(pred_s, pred_t)):
                loss_d = loss_d + 0.5 * gan_weight * gan_loss(judge(index, p_s), source_label, mode)
                loss_d = loss_d + 0.5 * gan_weight * gan_loss(judge(index, p_t), target_label, mode)
        loop.backward("discriminators", loss_d)
        loop.step("segmentor")
        loop.step("discriminators")

    return step


@register_baseline("AdaptSegNet")
def adaptsegnet_baseline(model: nn.Module, loop: PlainLoop) -> Callable[[dict], None]:
    """Tsai et al.'s ``train_gta2cityscapes_multi.py`` iteration, discriminators on softmax maps."""
    return adaptsegnet_step(model, loop)
