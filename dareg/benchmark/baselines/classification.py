"""Plain loops of the feature-level classification methods: DANN, CDAN (+E, randomized map), MCD and MDD.

Written as the Transfer-Learning-Library's ``dann.py``, ``cdan.py``, ``mcd.py`` and ``mdd.py`` and
the authors' code do one iteration: the reversal coefficient from the loop's own iteration counter
(the warm-start schedule of the algorithm's reversal layer), one forward of both domains, the losses
written out with ``torch.nn.functional``, one backward pass, the optimizer steps. The logged-only
values of ``train_step`` (discriminator accuracy, the coefficient) are not computed.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from dareg.benchmark.baselines.base import PlainLoop, frozen, register_baseline
from dareg.models.utils.conditioning import MultilinearMap, RandomizedMultilinearMap
from dareg.models.utils.gradient_reversal import reverse_gradient


def _forward_domains(model: nn.Module, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Bottleneck features of source rows then target rows (one batch, or one per domain)."""
    classifier = model.classifier

    def features(images: torch.Tensor) -> torch.Tensor:
        out = classifier.backbone(images)
        return out if classifier.bottleneck is None else classifier.bottleneck(out)

    if model.joint_forward:
        return features(torch.cat([source, target]))
    return torch.cat([features(source), features(target)])


def _source_cross_entropy(classifier: nn.Module, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return classifier.loss_weight * F.cross_entropy(logits, labels, label_smoothing=classifier.label_smoothing)


def _feature_adaptation_step(
    model: nn.Module,
    loop: PlainLoop,
    adversarial_loss: Callable[[torch.Tensor, torch.Tensor, int, float], torch.Tensor],
    adversary: str = "discriminator",
) -> Callable[[dict], None]:
    """One tllib iteration: ``CE(source) + lambda * adversarial_loss(f, logits, n_s, coeff)``, one backward
    into the classifier and the ``adversary`` (the optimizer of the adversarial network)."""
    grl, classifier, names = model.grl, model.classifier, ("classifier", adversary)
    iteration = 0

    def step(batch: dict) -> None:
        nonlocal iteration
        coeff = grl.coefficient(iteration)  # the warm-start schedule, counted by the loop
        iteration += 1
        source, target = loop.inputs(batch["source"]), loop.inputs(batch["target"])
        labels = loop.target(batch["source"], "gt_label")
        with loop.autocast():
            features = _forward_domains(model, source, target)
            logits = classifier.head(features)
            num_source = source.shape[0]
            loss = _source_cross_entropy(classifier, logits[:num_source], labels)
            loss = loss + model.lambda_adv * adversarial_loss(features, logits, num_source, coeff)
        loop.update_jointly(names, loss)

    return step


@register_baseline("DANN")
def dann_baseline(model: nn.Module, loop: PlainLoop) -> Callable[[dict], None]:
    """Ganin & Lempitsky's DANN (tllib ``DomainAdversarialLoss``): BCE of D on reversed features."""
    discriminator = model.discriminator

    def domain_loss(features: torch.Tensor, logits: torch.Tensor, num_source: int, coeff: float) -> torch.Tensor:
        domain_logits = discriminator(reverse_gradient(features, coeff))
        source, target = domain_logits[:num_source], domain_logits[num_source:]
        return 0.5 * (
            F.binary_cross_entropy_with_logits(source, torch.ones_like(source))
            + F.binary_cross_entropy_with_logits(target, torch.zeros_like(target))
        )

    return _feature_adaptation_step(model, loop, domain_loss)


def _multilinear(module: nn.Module) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """CDAN's map ``T(f, g)`` written out (tllib ``MultiLinearMap`` / ``RandomizedMultiLinearMap``)."""
    if type(module) is MultilinearMap:
        return lambda f, g: torch.bmm(g.unsqueeze(2), f.unsqueeze(1)).flatten(1)
    if type(module) is RandomizedMultilinearMap:
        scale = math.sqrt(module.output_dim)
        return lambda f, g: (
            (f @ module.random_features.to(f.dtype)) * (g @ module.random_probabilities.to(g.dtype)) / scale
        )
    raise TypeError(f"CDAN baseline: no plain version of the map {type(module).__name__}")


def _entropy_weights(mode: str | None, eps: float) -> Callable[[torch.Tensor, int, float], torch.Tensor]:
    """CDAN+E's per-sample weights, summing to 1 (official ``loss.CDAN`` or tllib), or uniform."""

    def entropy(p: torch.Tensor) -> torch.Tensor:
        return -(p * torch.log(p + eps)).sum(dim=1)

    def weights(p: torch.Tensor, num_source: int, coeff: float) -> torch.Tensor:
        if mode is None:
            return p.new_full((p.shape[0],), 1.0 / p.shape[0])
        if mode == "tllib":
            w = 1.0 + torch.exp(-entropy(p.detach()))
            return w / w.sum()
        w = 1.0 + torch.exp(-reverse_gradient(entropy(p), coeff))  # official: reversed into the entropy
        w = torch.cat([w[:num_source] / w[:num_source].sum().detach(), w[num_source:] / w[num_source:].sum().detach()])
        return w / w.sum().detach()

    return weights


@register_baseline("CDAN")
def cdan_baseline(model: nn.Module, loop: PlainLoop) -> Callable[[dict], None]:
    """Long et al.'s CDAN / CDAN+E: (entropy-weighted) BCE of D on the reversed ``T(f, softmax(logits))``."""
    discriminator = model.discriminator
    multilinear = _multilinear(model.multilinear_map)
    weights = _entropy_weights(model.entropy_conditioning.mode, model.entropy_conditioning.eps)

    def domain_loss(features: torch.Tensor, logits: torch.Tensor, num_source: int, coeff: float) -> torch.Tensor:
        probabilities = torch.softmax(logits, dim=1)
        domain_logits = discriminator(reverse_gradient(multilinear(features, probabilities.detach()), coeff))
        labels = torch.cat(
            [domain_logits.new_ones(num_source, 1), domain_logits.new_zeros(len(features) - num_source, 1)]
        )
        bce = F.binary_cross_entropy_with_logits(domain_logits, labels, reduction="none").flatten()
        return (weights(probabilities, num_source, coeff) * bce).sum()

    return _feature_adaptation_step(model, loop, domain_loss)


@register_baseline("MDD")
def mdd_baseline(model: nn.Module, loop: PlainLoop) -> Callable[[dict], None]:
    """Zhang et al.'s MDD (tllib ``ClassificationMarginDisparityDiscrepancy``) on reversed features."""
    adversarial_head, margin, eps = model.adversarial_head, model.margin_loss.margin, model.margin_loss.eps

    def disparity(features: torch.Tensor, logits: torch.Tensor, num_source: int, coeff: float) -> torch.Tensor:
        adversarial = adversarial_head(reverse_gradient(features, coeff))
        predicted = logits.detach().argmax(dim=1)
        source_disparity = F.cross_entropy(adversarial[:num_source], predicted[:num_source])
        disagreement = torch.clamp(1.0 - F.softmax(adversarial[num_source:], dim=1) + eps, max=1.0)
        target_disparity = F.nll_loss(torch.log(disagreement), predicted[num_source:])
        return margin * source_disparity + target_disparity

    return _feature_adaptation_step(model, loop, disparity, adversary="adversarial_head")


def _discrepancy(logits1: torch.Tensor, logits2: torch.Tensor) -> torch.Tensor:
    return (F.softmax(logits1, dim=1) - F.softmax(logits2, dim=1)).abs().mean()


def _class_balance(logits: torch.Tensor) -> torch.Tensor:
    return -torch.log(F.softmax(logits, dim=1).mean(dim=0) + 1e-6).mean()


@register_baseline("MCD")
def mcd_baseline(model: nn.Module, loop: PlainLoop) -> Callable[[dict], None]:
    """Saito et al.'s MCD (tllib ``mcd.py``): steps A, B and ``num_k`` times C."""
    generator, classifiers = model.generator, model.classifiers
    lambda_disc, lambda_balance = model.lambda_disc, model.lambda_balance

    def loss_a(logits: tuple[torch.Tensor, torch.Tensor], num_source: int, labels: torch.Tensor) -> torch.Tensor:
        (logits1, logits2), n = logits, num_source
        loss_cls = F.cross_entropy(logits1[:n], labels) + F.cross_entropy(logits2[:n], labels)
        return loss_cls + lambda_balance * (_class_balance(logits1[n:]) + _class_balance(logits2[n:]))

    def step(batch: dict) -> None:
        source, target = loop.inputs(batch["source"]), loop.inputs(batch["target"])
        labels, num_source = loop.target(batch["source"], "gt_label"), source.shape[0]
        images = torch.cat([source, target])
        with loop.autocast():  # A: G, F1, F2 on the labelled source
            loss = loss_a(classifiers(generator(images)), num_source, labels)
        loop.update_jointly(("generator", "classifiers"), loss)
        with loop.autocast():  # B: G fixed, F1 and F2 maximise the target discrepancy
            with torch.no_grad():
                features = generator(images)
            logits1, logits2 = classifiers(features)
            loss = loss_a((logits1, logits2), num_source, labels)
            loss = loss - lambda_disc * _discrepancy(logits1[num_source:], logits2[num_source:])
        loop.update("classifiers", loss)
        for _ in range(model.num_k):  # C: F1, F2 fixed, G minimises it
            with loop.autocast(), frozen(classifiers):
                logits1, logits2 = classifiers(generator(images))
                loss = lambda_disc * _discrepancy(logits1[num_source:], logits2[num_source:])
            loop.update("generator", loss)

    return step
