"""Plain loops of the feature-level methods: ADDA and the source-only baseline."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from dareg.benchmark.baselines.base import PlainLoop, frozen, gan_loss, register_baseline
from dareg.benchmark.baselines.segmentation import segmentation_loss


def _domain_logit(outputs: torch.Tensor) -> torch.Tensor:
    if outputs.dim() == 2 and outputs.shape[1] == 2:
        return outputs[:, 1] - outputs[:, 0]
    return outputs.reshape(outputs.shape[0], -1).squeeze(1)


def classification_loss(classifier: nn.Module, outputs: torch.Tensor | list, labels: torch.Tensor) -> torch.Tensor:
    """The classifier's weighted (label-smoothed) cross-entropy on its main logits."""
    logits = outputs[-1] if isinstance(outputs, (list, tuple)) else outputs
    smoothing = getattr(classifier, "label_smoothing", 0.0)
    return getattr(classifier, "loss_weight", 1.0) * F.cross_entropy(logits, labels, label_smoothing=smoothing)


@register_baseline("ADDA")
def adda_baseline(model: nn.Module, loop: PlainLoop) -> Callable[[dict], None]:
    """Tzeng et al.'s ADDA: source pre-training, then discriminator / target-encoder steps."""
    classifier, target_encoder, discriminator = model.classifier, model.target_encoder, model.discriminator
    mode = model.gan_loss.mode

    def embed(encoder: nn.Module, images: torch.Tensor) -> torch.Tensor:
        features = encoder(images)
        return classifier.head(features) if model.adapt_on == "logits" else features

    def step(batch: dict) -> None:
        if model.in_pretraining():
            images, labels = loop.inputs(batch["source"]), loop.target(batch["source"], "gt_label")
            with loop.autocast():
                loss = classification_loss(classifier, classifier(images), labels)
            loop.update("classifier", loss)
            return
        if not bool(model.target_encoder_initialised):  # once, at the phase switch
            target_encoder.load_state_dict(classifier.encoder.state_dict())
            model.target_encoder_initialised.fill_(True)
        classifier.eval()
        with torch.no_grad():
            source_embedding = embed(classifier.encoder, loop.inputs(batch["source"]))
        with loop.autocast():
            target_embedding = embed(target_encoder, loop.inputs(batch["target"]))
            loss_d = 0.5 * (
                gan_loss(_domain_logit(discriminator(source_embedding)), 0.0, mode)
                + gan_loss(_domain_logit(discriminator(target_embedding.detach())), 1.0, mode)
            )
        loop.update("discriminator", loss_d)
        with loop.autocast(), frozen(discriminator):
            loss_map = gan_loss(_domain_logit(discriminator(target_embedding)), 0.0, mode)
        loop.update("target_encoder", loss_map)

    return step


@register_baseline("SourceOnly")
def source_only_baseline(model: nn.Module, loop: PlainLoop) -> Callable[[dict], None]:
    """Supervised training of the task network on the source domain (the target half is ignored)."""
    task_model = model.task_model

    def step(batch: dict) -> None:
        source = batch.get("source", batch)
        images = loop.inputs(source)
        dense = "gt_seg" in source["data_samples"]
        labels = loop.target(source, "gt_seg" if dense else "gt_label")
        with loop.autocast():
            outputs = task_model(images)
            if dense:
                loss = segmentation_loss(task_model, outputs, labels)
            else:
                loss = classification_loss(task_model, outputs, labels)
        loop.update("task_model", loss)

    return step
