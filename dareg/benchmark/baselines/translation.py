"""Plain loops of the image-translation methods: CycleGAN, CyCADA, DiscoGAN and PixelDA."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from dareg.algorithms.pixelda import pairwise_mse
from dareg.benchmark.baselines.base import PlainLoop, frozen, gan_loss, register_baseline
from dareg.benchmark.baselines.features import classification_loss


def image_distance(loss: nn.Module) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The weighted L1 or squared distance a cycle / identity / reconstruction loss module computes."""
    distance = F.l1_loss if loss.mode == "l1" else F.mse_loss
    return lambda prediction, target: loss.loss_weight * distance(prediction, target)


def cycle_step(model: nn.Module, loop: PlainLoop, extra_generator_loss: Callable | None = None) -> Callable:
    """Zhu et al.'s ``cycle_gan_model.py`` iteration: generators (D frozen), then discriminators.

    ``extra_generator_loss(real_a, real_b, fake_a, fake_b)`` adds to the generators' loss (CyCADA).
    """
    g_ab, g_ba = model.generators["a2b"], model.generators["b2a"]
    d_a, d_b = model.discriminators["a"], model.discriminators["b"]
    pool_a, pool_b = model.pools["a"], model.pools["b"]
    lambda_a, lambda_b, lambda_idt = model.lambda_cycle_a, model.lambda_cycle_b, model.lambda_identity
    cycle, identity = image_distance(model.cycle_loss), image_distance(model.identity_loss)
    mode, weight = model.gan_loss.mode, model.gan_loss.loss_weight

    def step(batch: dict) -> None:
        real_a, real_b = loop.inputs(batch["source"]), loop.inputs(batch["target"])
        with loop.autocast(), frozen(d_a, d_b):
            fake_b, fake_a = g_ab(real_a), g_ba(real_b)
            rec_a, rec_b = g_ba(fake_b), g_ab(fake_a)
            loss_g = (
                weight * gan_loss(d_b(fake_b), 1.0, mode)
                + weight * gan_loss(d_a(fake_a), 1.0, mode)
                + lambda_a * cycle(rec_a, real_a)
                + lambda_b * cycle(rec_b, real_b)
            )
            if lambda_idt > 0:
                loss_g = loss_g + lambda_idt * lambda_b * identity(g_ab(real_b), real_b)
                loss_g = loss_g + lambda_idt * lambda_a * identity(g_ba(real_a), real_a)
            if extra_generator_loss is not None:
                loss_g = loss_g + extra_generator_loss(real_a, real_b, fake_a, fake_b)
        loop.update("generators", loss_g)
        with loop.autocast():
            loss_d = 0.0
            for disc, real, fake, pool in ((d_a, real_a, fake_a, pool_a), (d_b, real_b, fake_b, pool_b)):
                fake = pool(fake.detach())
                loss_d = loss_d + 0.5 * weight * (gan_loss(disc(real), 1.0, mode) + gan_loss(disc(fake), 0.0, mode))
        loop.update("discriminators", loss_d)

    return step


@register_baseline("CycleGAN")
def cyclegan_baseline(model: nn.Module, loop: PlainLoop) -> Callable[[dict], None]:
    """CycleGAN's iteration (:func:`cycle_step`)."""
    return cycle_step(model, loop)


@register_baseline("CyCADA")
def cycada_baseline(model: nn.Module, loop: PlainLoop) -> Callable[[dict], None]:
    """CyCADA stage (b), Hoffman et al.'s ``cycgan_semantic``: CycleGAN plus semantic consistency.

    The frozen source network ``f_S`` labels each real image (argmax, no gradient); its
    cross-entropy on the translation of that image, weighted, joins the generators' loss.
    """
    task_model = model.semantic_loss.task_model
    ignore, weight = model.semantic_loss.ignore_index, model.semantic_loss.loss_weight

    def to_task_space(images: torch.Tensor) -> torch.Tensor:
        return images if model.task_data_preprocessor is None else model.to_task_space(images)

    def logits(images: torch.Tensor) -> torch.Tensor:
        outputs = task_model(to_task_space(images))
        return outputs[-1] if isinstance(outputs, (list, tuple)) else outputs

    def semantic(real_a, real_b, fake_a, fake_b) -> torch.Tensor:
        total = 0.0
        if model.lambda_semantic > 0:
            pairs = {"a2b": (real_a, fake_b), "b2a": (real_b, fake_a)}
            for direction in model.semantic_directions:
                original, translated = pairs[direction]
                with torch.no_grad():
                    labels = logits(original).argmax(1)
                loss = F.cross_entropy(logits(translated), labels, ignore_index=ignore)
                total = total + model.lambda_semantic * weight * loss
        return total

    return cycle_step(model, loop, semantic)


@register_baseline("DiscoGAN")
def discogan_baseline(model: nn.Module, loop: PlainLoop) -> Callable[[dict], None]:
    """Kim et al.'s ``discogan`` reference iteration: D every ``d_update_interval``-th step, else G.

    G's loss per direction is ``(1 - rate) * (lambda_gan * GAN + lambda_fm * feature matching) +
    rate * reconstruction``, with the reconstruction rate raised after ``curriculum_iters``. The loop
    counts its own iterations (one per framework iteration in the benchmark).
    """
    generators, discriminators = model.generators, model.discriminators
    mode, gan_weight = model.gan_loss.mode, model.gan_loss.loss_weight
    reconstruction, fm_weight = image_distance(model.reconstruction_loss), model.feature_matching_loss.loss_weight
    interval = model.d_update_interval
    iteration = 0

    def discriminate(domain: str, images: torch.Tensor) -> tuple[torch.Tensor, list]:
        output = discriminators[domain](images)
        return (output[0], list(output[1])) if isinstance(output, (tuple, list)) else (output, [])

    def feature_matching(real: list, fake: list) -> torch.Tensor:
        return fm_weight * sum(((r.detach().mean(0) - f.mean(0)) ** 2).mean() for r, f in zip(real, fake))

    def step(batch: dict) -> None:
        nonlocal iteration
        real = {"a": loop.inputs(batch["source"]), "b": loop.inputs(batch["target"])}
        if interval == 1 or iteration % interval == 0:
            with loop.autocast():
                with torch.no_grad():
                    fakes = {"b": generators["a2b"](real["a"]), "a": generators["b2a"](real["b"])}
                loss_d = 0.0
                for domain in ("a", "b"):
                    logits_real = discriminate(domain, real[domain])[0]
                    logits_fake = discriminate(domain, fakes[domain])[0]
                    loss_d = loss_d + 0.5 * gan_weight * (
                        gan_loss(logits_real, 1.0, mode) + gan_loss(logits_fake, 0.0, mode)
                    )
            loop.update("discriminators", loss_d)
        if interval == 1 or iteration % interval != 0:
            rate = model.recon_rate_start if iteration < model.curriculum_iters else model.recon_rate
            with loop.autocast(), frozen(discriminators):
                loss_g = 0.0
                for direction, back in (("a2b", "b2a"), ("b2a", "a2b")):
                    source, out = real[direction[0]], direction[-1]
                    fake = generators[direction](source)
                    logits_fake, features_fake = discriminate(out, fake)
                    adversarial = model.lambda_gan * gan_weight * gan_loss(logits_fake, 1.0, mode)
                    if model.lambda_fm > 0:
                        features_real = discriminate(out, real[out])[1]
                        adversarial = adversarial + model.lambda_fm * feature_matching(features_real, features_fake)
                    loss_g = loss_g + (1 - rate) * adversarial + rate * reconstruction(generators[back](fake), source)
            loop.update("generators", loss_g)
        iteration += 1

    return step


@register_baseline("PixelDA")
def pixelda_baseline(model: nn.Module, loop: PlainLoop) -> Callable[[dict], None]:
    """Bousmalis et al.'s PixelDA iteration: D and task classifier step, then generator step.

    The ``discriminator`` optimizer also updates the task classifier (as the reference's D-step
    does): domain loss of D (target real, translation fake) plus the task loss on source images and
    on their translations. The generator then fools D and keeps its translations classifiable.
    """
    generator, discriminator, task_model = model.generator, model.discriminator, model.task_model
    mode, weight = model.gan_loss.mode, model.gan_loss.loss_weight

    def step(batch: dict) -> None:
        source, target = loop.inputs(batch["source"]), loop.inputs(batch["target"])
        labels = loop.target(batch["source"], "gt_label")
        with loop.autocast():
            translated = generator(source)
            fake = translated.detach()
            loss_d = (
                model.lambda_domain
                * weight
                * (gan_loss(discriminator(fake), 0.0, mode) + gan_loss(discriminator(target), 1.0, mode))
            )
            if model.lambda_task_source:
                loss_d = loss_d + model.lambda_task_source * classification_loss(task_model, task_model(source), labels)
            if model.lambda_task_translated:
                loss_d = loss_d + model.lambda_task_translated * classification_loss(
                    task_model, task_model(fake), labels
                )
        loop.update("discriminator", loss_d)
        with loop.autocast(), frozen(discriminator, task_model):
            loss_g = model.lambda_adv * weight * gan_loss(discriminator(translated), 1.0, mode)
            if model.lambda_task_in_g:
                loss_g = loss_g + model.lambda_task_in_g * classification_loss(
                    task_model, task_model(translated), labels
                )
            if model.lambda_similarity:
                like = source.expand(-1, translated.shape[1], -1, -1) if source.shape[1] == 1 else source
                mask = model.similarity_mask({"inputs": source})
                loss_g = loss_g + model.lambda_similarity * pairwise_mse(translated, like, mask)
        loop.update("generator", loss_g)

    return step
