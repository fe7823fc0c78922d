"""Plain PyTorch loops of DACS, DAFormer and MIC, for dareg's ``tools/benchmark.py --baseline``.

One loop serves the three methods (they share DACS's iteration, :mod:`dareg_selftrain.dacs`) and does
by hand, on the algorithm's own networks, what one ``train_step`` does, in the same order and with the
same random draws: the source cross-entropy (and DAFormer's feature distance), the teacher's
pseudo-labels and their quality weight, the mix and its photometric augmentation, the pixel-weighted
cross-entropy of the mixed images (and, for MIC, of the masked target images), each back-propagated
on its own, one plain ``torch.optim`` step, and the teacher's EMA with ``torch._foreach`` operations,
before or after the step. With an ``adversary`` (adversarial and self-training together) it adds
AdaptSegNet's generator and discriminator losses as dareg's AdaptSegNet loop writes them.

Written out here, as the reference loops (vikolss/DACS ``trainUDA.py``, lhoyer/DAFormer and lhoyer/MIC
``mmseg/models/uda/dacs.py``) write them: the losses, the pseudo-labels, the EMA and the frozen
encoder's copy. Called as functions, as the references call kornia and their ``transformsgpu``
helpers: the algorithm's batch augmentations (ClassMix, colour jitter, blur, block mask) and
DAFormer's label pooling (``pool_labels_by_ratio``, the reference's ``downscale_label_ratio``).
dareg imports this module through the entry point ``dareg.baselines: selftrain =
dareg_selftrain.baselines`` of this package's ``pyproject.toml``, so training never loads it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from dareg.benchmark.baselines import PlainLoop, frozen, gan_loss, register_baseline
from dareg.benchmark.baselines.segmentation import segmentation_loss, upsample
from dareg.models.losses.feature_distance import pool_labels_by_ratio
from torch import nn


def ema_update(teacher: nn.Module, student: nn.Module, iteration: int, alpha: float, buffers: str) -> None:
    """``teacher = a * teacher + (1 - a) * student`` with ``a = min(1 - 1/(t+1), alpha)``; a copy at ``t = 0``."""
    alpha_t = min(1.0 - 1.0 / (iteration + 1), alpha)
    mine, theirs = list(teacher.parameters()), list(student.parameters())
    with torch.no_grad():
        if alpha_t == 0.0:
            torch._foreach_copy_(mine, theirs)
            for own, other in zip(teacher.buffers(), student.buffers()):
                own.copy_(other)
            return
        torch._foreach_mul_(mine, alpha_t)
        torch._foreach_add_(mine, theirs, alpha=1.0 - alpha_t)
        if buffers != "keep":
            for own, other in zip(teacher.buffers(), student.buffers()):
                if buffers == "average" and own.is_floating_point():
                    own.mul_(alpha_t).add_(other, alpha=1.0 - alpha_t)
                else:
                    own.copy_(other)


def pixel_weighted_cross_entropy(
    logits: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor, ignore_index: int
) -> torch.Tensor:
    """``mean(w * CE)`` over all pixels, ignored ones included (DACS ``utils/loss.py``; DAFormer: mmseg's CE)."""
    return (F.cross_entropy(logits, labels.long(), ignore_index=ignore_index, reduction="none") * weights).mean()


def feature_distance(
    distance_loss: nn.Module, features: Sequence[torch.Tensor], images: torch.Tensor, labels: torch.Tensor
) -> torch.Tensor:
    """DAFormer's ``calc_feat_dist`` on thing cells: ``lambda x`` the mean L2 distance to the frozen encoder."""
    index = distance_loss.feature_index
    with torch.no_grad():
        imagenet = distance_loss.frozen_encoder(images)[index]
    distance = (features[index].float() - imagenet.float()).norm(p=2, dim=1)
    if distance_loss.classes is None:
        return distance_loss.loss_weight * distance.mean()
    stride = labels.shape[-1] // distance.shape[-1]
    pooled = pool_labels_by_ratio(
        labels, stride, distance_loss.num_classes, distance_loss.min_ratio, distance_loss.ignore_index
    )
    kept = torch.isin(pooled, torch.tensor(distance_loss.classes, device=pooled.device))
    if not bool(kept.any()):
        return distance.sum() * 0.0
    return distance_loss.loss_weight * distance[kept].mean()


@register_baseline("DACS")
@register_baseline("DAFormer")
@register_baseline("MIC")
def self_training_baseline(model: nn.Module, loop: PlainLoop) -> Callable[[dict], None]:
    """One iteration of DACS, DAFormer or MIC (``trainUDA.py`` / ``dacs.py``) with plain PyTorch."""
    student, teacher, ema = model.task_model, model.teacher.network, model.teacher
    align, ignore_index = student.align_corners, student.ignore_index
    weights = getattr(student, "loss_weights", None)
    levels = [(-1, 1.0)] if weights is None else [(level, w) for level, w in enumerate(weights) if w > 0]
    labeller = model.pseudo_labeller
    distance_loss = model.feature_distance
    masking, lambda_masked = getattr(model, "masking", None), getattr(model, "lambda_masked", 0.0)
    adversary = model.discriminators
    teacher_first = model.teacher_update == "before_step"
    state = dict(iteration=0, encoder_copied=distance_loss is None)

    def pseudo_labels(target_images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The teacher's argmax on the plain target images, weighted by the share ``q`` of confident pixels."""
        with torch.no_grad():
            logits = upsample(teacher(target_images)[-1], target_images.shape[-2:], align)
            confidence, labels = torch.softmax(logits.float(), dim=1).max(dim=1)
            confident = confidence >= labeller.threshold
            if labeller.weighting == "quality":
                pixel_weights = torch.full_like(confidence, confident.sum().item() / confident.numel())
            else:
                pixel_weights = confident.float()
            if labeller.ignore_top:
                pixel_weights[:, : labeller.ignore_top] = 0.0
            if labeller.ignore_bottom:
                pixel_weights[:, pixel_weights.shape[1] - labeller.ignore_bottom :] = 0.0
        return labels, pixel_weights

    def backward_pseudo_label_loss(
        images: torch.Tensor, labels: torch.Tensor, pixel_weights: torch.Tensor, weight: float
    ) -> None:
        with loop.autocast():
            outputs = student(images)
            loss = sum(
                weight * level_weight
                * pixel_weighted_cross_entropy(upsample(outputs[level], labels.shape[-2:], align), labels,
                                               pixel_weights, ignore_index)
                for level, level_weight in levels
            )
        loop.backward("task_model", loss)

    def judged(outputs: Sequence[torch.Tensor], size: Sequence[int]) -> list[torch.Tensor]:
        return [upsample(outputs[level], size, align) for level in adversary.adapted_levels] if adversary else []

    def step(batch: dict) -> None:
        iteration = state["iteration"]
        source_images, source_labels = loop.inputs(batch["source"]), loop.target(batch["source"], "gt_seg")
        target_images = loop.inputs(batch["target"])
        if not state["encoder_copied"]:  # the frozen encoder is the student's at iteration 0 (unless resumed)
            if not bool(distance_loss.synced):
                distance_loss.frozen_encoder.load_state_dict(student.backbone.state_dict())
                distance_loss.synced.fill_(True)
            state["encoder_copied"] = True
        if teacher_first or iteration == 0:
            ema_update(teacher, student, iteration, ema.alpha, ema.buffers_mode)
        # source cross-entropy (+ feature distance)
        with loop.autocast():
            if distance_loss is None:
                outputs = student(source_images)
                loss = segmentation_loss(student, outputs, source_labels)
            else:
                outputs, features = student(source_images, return_features=True)
                loss = segmentation_loss(student, outputs, source_labels)
                loss = loss + feature_distance(distance_loss, features, source_images, source_labels)
            source_predictions = [prediction.detach() for prediction in judged(outputs, source_images.shape[-2:])]
        loop.backward("task_model", loss)
        # pseudo-labels, the mix and its augmentation; the mixed images' loss
        pseudo, pixel_weights = pseudo_labels(target_images)
        with torch.no_grad():
            mixed = model.class_mix(source_images, target_images, source_labels, pseudo, pixel_weights)
            mixed_images = model.strong_augment(mixed.inputs)
        backward_pseudo_label_loss(mixed_images, mixed.labels, mixed.weights, model.lambda_mix)
        if masking is not None:  # MIC: the same pseudo-labels from jittered, blurred, block-masked target images
            with torch.no_grad():
                masked = masking(target_images)
            backward_pseudo_label_loss(masked, pseudo, pixel_weights, lambda_masked)
        target_predictions = []
        if adversary is not None:  # AdaptSegNet's Eq. 4 through the frozen discriminators
            mode, gan_weight = adversary.gan_loss.mode, adversary.gan_loss.loss_weight
            with frozen(adversary):
                with loop.autocast():
                    predictions = judged(student(target_images), target_images.shape[-2:])
                    loss_adv = sum(
                        adversary.lambda_adv[level] * gan_weight
                        * gan_loss(disc(F.softmax(prediction, dim=1)), adversary.source_label, mode)
                        for disc, level, prediction in zip(adversary, adversary.adapted_levels, predictions)
                    )
                loop.backward("task_model", loss_adv)
            target_predictions = [prediction.detach() for prediction in predictions]
        loop.step("task_model")
        if adversary is not None:  # Eq. 3 on the detached predictions
            with loop.autocast():
                loss_d = sum(
                    0.5 * gan_weight * gan_loss(disc(F.softmax(p_s, dim=1)), adversary.source_label, mode)
                    + 0.5 * gan_weight * gan_loss(disc(F.softmax(p_t, dim=1)), adversary.target_label, mode)
                    for disc, p_s, p_t in zip(adversary, source_predictions, target_predictions)
                )
            loop.update("discriminators", loss_d)
        if not teacher_first:
            ema_update(teacher, student, iteration, ema.alpha, ema.buffers_mode)
        state["iteration"] = iteration + 1

    return step
