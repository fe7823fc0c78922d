"""Plain PyTorch loops of MinEnt and AdvEnt, for dareg's ``tools/benchmark.py --baseline``.

Each does by hand, on the algorithm's own networks, what one ``train_step`` does, as the reference
``train_minent`` / ``train_advent`` of valeoai/ADVENT write it: the entropy and the self-information
maps with ``torch`` operations, plain ``torch.optim`` steps. dareg imports this module through the
entry point ``dareg.baselines: advent = dareg_advent.baselines`` of this package's ``pyproject.toml``
the first time the benchmark asks for the baseline of an algorithm it does not know, so neither
training nor importing the plugin loads benchmark code.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from dareg.benchmark.baselines import PlainLoop, register_baseline
from dareg.benchmark.baselines.segmentation import adaptsegnet_step, segmentation_loss, upsample
from torch import nn

from dareg_advent.losses import LOG_EPSILON


def _self_information(logits_or_probs: torch.Tensor, from_logits: bool) -> torch.Tensor:
    """``-P log2(P + 1e-30) / log2(C)`` in float32 (ADVENT's ``prob_2_entropy``)."""
    probs = (F.softmax(logits_or_probs, dim=1) if from_logits else logits_or_probs).float()
    return -probs * torch.log2(probs + LOG_EPSILON) / math.log2(probs.shape[1])


@register_baseline("MinEnt")
def minent_baseline(model: nn.Module, loop: PlainLoop) -> Callable[[dict], None]:
    """``train_minent``: source cross-entropy, then the weighted entropy of target predictions, one step."""
    segmentor, weights = model.segmentor, model.lambda_ent
    align = getattr(segmentor, "align_corners", True)
    entropy = model.entropy_loss
    from_logits, loss_weight = entropy.information.from_logits, entropy.loss_weight

    def step(batch: dict) -> None:
        images_s, labels = loop.inputs(batch["source"]), loop.target(batch["source"], "gt_seg")
        images_t = loop.inputs(batch["target"])
        with loop.autocast():
            loss_seg = segmentation_loss(segmentor, segmentor(images_s), labels)
        loop.backward("segmentor", loss_seg)
        with loop.autocast():
            outputs = segmentor(images_t)
            loss_ent = 0.0
            for level, weight in enumerate(weights):
                if weight > 0:
                    prediction = upsample(outputs[level], images_t.shape[-2:], align)
                    information = _self_information(prediction, from_logits)
                    loss_ent = loss_ent + weight * loss_weight * information.sum(dim=1).mean()
        loop.backward("segmentor", loss_ent)
        loop.step("segmentor")

    return step


@register_baseline("AdvEnt")
def advent_baseline(model: nn.Module, loop: PlainLoop) -> Callable[[dict], None]:
    """``train_advent``: AdaptSegNet's iteration with discriminators on self-information maps."""
    inner = [disc.discriminator for disc in model.discriminators]  # what SelfInformationDiscriminator wraps

    def judge(index: int, prediction: torch.Tensor) -> torch.Tensor:
        probs = F.softmax(prediction, dim=1)
        return inner[index](_self_information(probs, from_logits=False).to(probs.dtype))

    return adaptsegnet_step(model, loop, judge)
