"""Plain PyTorch training loops for the framework-overhead benchmark (``tools/benchmark.py --baseline``).

Each baseline does, with raw PyTorch only (no mmengine Runner, hooks, optim wrappers or data
preprocessor), the work one ``train_step`` of its algorithm does: it calls the algorithm's own
sub-networks, computes the same losses with ``torch.nn.functional`` and steps plain
``torch.optim`` optimizers built with the config's optimizer settings. The benchmark times it
side by side with the framework on the same batches. A baseline is what a researcher would write by
hand, following the reference implementations cited in each algorithm's module.

Register one for a new algorithm with :func:`register_baseline`::

    @register_baseline("MyAlgorithm")
    def my_baseline(model, loop):
        def step(batch):
            ...
        return step
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from dareg.algorithms.base import BaseAlgorithm

#: Algorithm class name -> factory ``(model, loop) -> step(batch)``.
BASELINES: dict[str, Callable[[nn.Module, PlainLoop], Callable[[dict], Any]]] = {}


def register_baseline(name: str) -> Callable:
    """Register a baseline factory for the algorithm class called ``name``."""

    def decorator(factory: Callable) -> Callable:
        BASELINES[name] = factory
        return factory

    return decorator


class PlainLoop:
    """What a hand-written loop needs: device, input normalisation, optimizers, optional AMP.

    Args:
        optimizers: Plain ``torch.optim`` optimizers by name (the config's ``optim_wrapper`` keys).
        mean: Per-channel mean (0..255 scale) or None.
        std: Per-channel std or None.
        bgr_to_rgb: Flip 3-channel images.
        device: Device of the model.
        amp_dtype: Autocast dtype, or None for float32. float16 gets one ``torch.amp.GradScaler``
            per optimizer.
    """

    def __init__(
        self,
        optimizers: dict[str, torch.optim.Optimizer],
        mean: torch.Tensor | None,
        std: torch.Tensor | None,
        bgr_to_rgb: bool,
        device: torch.device,
        amp_dtype: torch.dtype | None = None,
    ) -> None:
        self.optimizers = optimizers
        self.mean = None if mean is None else mean.to(device).view(-1, 1, 1)
        self.std = None if std is None else std.to(device).view(-1, 1, 1)
        self.bgr_to_rgb = bgr_to_rgb
        self.device = device
        self.amp_dtype = amp_dtype
        scaling = amp_dtype == torch.float16
        self.scalers = {name: torch.amp.GradScaler(device.type, enabled=scaling) for name in optimizers}

    def inputs(self, domain_batch: dict) -> torch.Tensor:
        """Stacked, normalised float images of one domain on the device."""
        images = domain_batch["inputs"]
        if isinstance(images, (list, tuple)):
            images = torch.stack(list(images))
        images = images.to(self.device, non_blocking=True).float()
        if self.bgr_to_rgb and images.shape[1] == 3:
            images = images.flip(1)
        if self.mean is not None:
            images = images - self.mean
        if self.std is not None:
            images = images / self.std
        return images

    def target(self, domain_batch: dict, key: str) -> torch.Tensor:
        """A label tensor of one domain on the device."""
        return domain_batch["data_samples"][key].to(self.device, non_blocking=True)

    def autocast(self) -> contextlib.AbstractContextManager:
        """``torch.autocast`` when AMP is on, else a null context."""
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def backward(self, name: str, loss: torch.Tensor) -> None:
        """Backpropagate ``loss`` (scaled for float16) into the parameters of optimizer ``name``."""
        self.scalers[name].scale(loss).backward()

    def step(self, name: str) -> None:
        """Step and zero optimizer ``name``."""
        optimizer = self.optimizers[name]
        self.scalers[name].step(optimizer)
        self.scalers[name].update()
        optimizer.zero_grad(set_to_none=True)

    def update(self, name: str, loss: torch.Tensor) -> None:
        """``backward`` then ``step``."""
        self.backward(name, loss)
        self.step(name)


#: ``requires_grad=False`` for some modules inside a block: the toggling a plain loop writes too.
frozen = BaseAlgorithm.frozen


def gan_loss(logits: torch.Tensor, label: float, mode: str) -> torch.Tensor:
    """The GAN objectives dareg's algorithms use, written out: BCE with logits or least squares."""
    if mode == "vanilla":
        return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, label))
    if mode == "lsgan":
        return F.mse_loss(logits, torch.full_like(logits, label))
    raise ValueError(f"baseline gan_loss: unsupported mode {mode!r}")


def upsample(logits: torch.Tensor, size: Any, align_corners: bool) -> torch.Tensor:
    if tuple(logits.shape[-2:]) == tuple(size):
        return logits
    return F.interpolate(logits, size=tuple(size), mode="bilinear", align_corners=align_corners)


@register_baseline("AdaptSegNet")
def adaptsegnet_baseline(model: nn.Module, loop: PlainLoop) -> Callable[[dict], None]:
    """Tsai et al.'s ``train_gta2cityscapes_multi.py`` iteration on the algorithm's networks."""
    segmentor, discriminators = model.segmentor, model.discriminators
    levels, weights = model.adapted_levels, model.lambda_adv
    seg_weights, align = segmentor.loss_weights, segmentor.align_corners
    ignore = segmentor.ignore_index
    mode = model.gan_loss.mode
    source_label, target_label = model.source_label, model.target_label

    def step(batch: dict) -> None:
        images_s, labels = loop.inputs(batch["source"]), loop.target(batch["source"], "gt_seg")
        images_t = loop.inputs(batch["target"])
        with frozen(discriminators):
            with loop.autocast():
                outputs = segmentor(images_s)
                loss_seg = sum(
                    w * F.cross_entropy(upsample(o, labels.shape[-2:], align), labels, ignore_index=ignore)
                    for w, o in zip(seg_weights, outputs)
                )
                pred_s = [upsample(outputs[lvl], images_s.shape[-2:], align).detach() for lvl in levels]
            loop.backward("segmentor", loss_seg)
            with loop.autocast():
                outputs = segmentor(images_t)
                pred_t, loss_adv = [], 0.0
                for disc, lvl in zip(discriminators, levels):
                    pred = upsample(outputs[lvl], images_t.shape[-2:], align)
                    loss_adv = loss_adv + weights[lvl] * gan_loss(disc(F.softmax(pred, 1)), source_label, mode)
                    pred_t.append(pred.detach())
            loop.backward("segmentor", loss_adv)
        with loop.autocast():
            loss_d = 0.0
            for disc, p_s, p_t in zip(discriminators, pred_s, pred_t):
                loss_d = loss_d + 0.5 * gan_loss(disc(F.softmax(p_s, 1)), source_label, mode)
                loss_d = loss_d + 0.5 * gan_loss(disc(F.softmax(p_t, 1)), target_label, mode)
        loop.backward("discriminators", loss_d)
        loop.step("segmentor")
        loop.step("discriminators")

    return step


def _domain_logit(outputs: torch.Tensor) -> torch.Tensor:
    if outputs.dim() == 2 and outputs.shape[1] == 2:
        return outputs[:, 1] - outputs[:, 0]
    return outputs.reshape(outputs.shape[0], -1).squeeze(1)


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
                outputs = classifier(images)
                logits = outputs[-1] if isinstance(outputs, (list, tuple)) else outputs
                loss = F.cross_entropy(logits, labels)
            loop.update("classifier", loss)
            return
        classifier.eval()
        with torch.no_grad():
            source_embedding = embed(classifier.backbone, loop.inputs(batch["source"]))
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


@register_baseline("CycleGAN")
def cyclegan_baseline(model: nn.Module, loop: PlainLoop) -> Callable[[dict], None]:
    """Zhu et al.'s ``cycle_gan_model.py`` iteration: generators (D frozen), then discriminators."""
    g_ab, g_ba = model.generators["a2b"], model.generators["b2a"]
    d_a, d_b = model.discriminators["a"], model.discriminators["b"]
    pool_a, pool_b = model.pools["a"], model.pools["b"]
    lambda_a, lambda_b, lambda_idt = model.lambda_cycle_a, model.lambda_cycle_b, model.lambda_identity
    mode = model.gan_loss.mode

    def step(batch: dict) -> None:
        real_a, real_b = loop.inputs(batch["source"]), loop.inputs(batch["target"])
        with loop.autocast(), frozen(d_a, d_b):
            fake_b, fake_a = g_ab(real_a), g_ba(real_b)
            rec_a, rec_b = g_ba(fake_b), g_ab(fake_a)
            loss_g = (
                gan_loss(d_b(fake_b), 1.0, mode)
                + gan_loss(d_a(fake_a), 1.0, mode)
                + lambda_a * F.l1_loss(rec_a, real_a)
                + lambda_b * F.l1_loss(rec_b, real_b)
            )
            if lambda_idt > 0:
                loss_g = loss_g + lambda_idt * lambda_b * F.l1_loss(g_ab(real_b), real_b)
                loss_g = loss_g + lambda_idt * lambda_a * F.l1_loss(g_ba(real_a), real_a)
        loop.update("generators", loss_g)
        with loop.autocast():
            loss_d = 0.0
            for disc, real, fake, pool in ((d_a, real_a, fake_a, pool_a), (d_b, real_b, fake_b, pool_b)):
                fake = pool(fake.detach())
                loss_d = loss_d + 0.5 * (gan_loss(disc(real), 1.0, mode) + gan_loss(disc(fake), 0.0, mode))
        loop.update("discriminators", loss_d)

    return step
