"""How good an image translation is, in numbers: label preservation and target-likeness.

Sample grids show a translation; two numbers measure it on a labelled digit pair (the protocol of
CyCADA, Hoffman et al. 2018, section 5.1, and of the "domain classifier" checks of later work):

* **label preservation**: the accuracy of the frozen *target oracle* (a classifier trained on labelled
  real target images) on source images translated into the target domain, with the source labels. A
  translation that keeps the digit and looks like the target scores near the oracle's own accuracy; one
  that loses or changes the digit scores low.
* **target-likeness**: the share of translated source images that a *domain classifier*, trained to
  tell real source from real target images, calls "target". Real target images score near 100%, real
  source images near 0%; its accuracy on held-out real images is reported beside it, because the number
  means something only when the domain classifier itself is accurate.

Neither needs a network pretrained elsewhere, so both run on the embedded pairs with no download
(FID/KID need an ImageNet Inception network and live in :mod:`dareg.evaluation`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn


def _normalise(images: torch.Tensor) -> torch.Tensor:
    return images.float() / 127.5 - 1.0


class DomainClassifierNet(nn.Module):
    """A small CNN that outputs the logit of "target" for an image (two conv-pool stages, one linear)."""

    def __init__(self, in_channels: int, image_size: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 16, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(32 * (image_size // 4) ** 2, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(images).flatten(1)).squeeze(1)


@dataclass
class DomainClassifier:
    """A trained source-vs-target classifier and its accuracy on held-out real images (%)."""

    net: DomainClassifierNet
    held_out_accuracy: float

    @torch.no_grad()
    def target_probability(self, images: torch.Tensor) -> torch.Tensor:
        """P(target) of each uint8 image."""
        self.net.eval()
        return torch.cat([torch.sigmoid(self.net(_normalise(chunk))) for chunk in images.split(512)])

    def target_likeness(self, images: torch.Tensor) -> float:
        """Share (%) of ``images`` classified as target."""
        return 100.0 * float((self.target_probability(images) > 0.5).float().mean())


def train_domain_classifier(
    source: torch.Tensor, target: torch.Tensor, seed: int = 0, iters: int = 400, batch_size: int = 64
) -> DomainClassifier:
    """Train a :class:`DomainClassifierNet` on real uint8 images, 80% of each domain; test on the rest.

    Batches hold equally many source and target images, so the classifier does not learn the domains'
    sizes. Deterministic under ``seed`` (its own generator; the global RNG is untouched).
    """
    if source.shape[1:] != target.shape[1:]:
        raise ValueError(
            f"source {tuple(source.shape[1:])} and target {tuple(target.shape[1:])} images differ in shape"
        )
    generator = torch.Generator().manual_seed(seed)
    splits = []
    for images in (source, target):
        order = torch.randperm(len(images), generator=generator)
        cut = int(0.8 * len(images))
        splits.append((images[order[:cut]], images[order[cut:]]))
    (source_train, source_test), (target_train, target_test) = splits
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        net = DomainClassifierNet(source.shape[1], source.shape[-1])
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    half = batch_size // 2
    labels = torch.cat([torch.zeros(half), torch.ones(half)])
    net.train()
    for _ in range(iters):
        pick_s = torch.randint(len(source_train), (half,), generator=generator)
        pick_t = torch.randint(len(target_train), (half,), generator=generator)
        batch = _normalise(torch.cat([source_train[pick_s], target_train[pick_t]]))
        loss = nn.functional.binary_cross_entropy_with_logits(net(batch), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    classifier = DomainClassifier(net, 0.0)
    correct_source = 100.0 - classifier.target_likeness(source_test)
    correct_target = classifier.target_likeness(target_test)
    classifier.held_out_accuracy = 0.5 * (correct_source + correct_target)  # balanced accuracy
    return classifier


@dataclass
class TranslationQuality:
    """Label preservation and target-likeness of one translation, with the reference points."""

    label_preservation: float
    oracle_on_real_target: float
    oracle_on_untranslated_source: float
    target_likeness: float
    target_likeness_real_target: float
    target_likeness_real_source: float
    domain_classifier_accuracy: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


@torch.no_grad()
def translation_quality(
    translate: Callable[[torch.Tensor], torch.Tensor],
    source_images: torch.Tensor,
    source_labels: torch.Tensor,
    target_images: torch.Tensor,
    target_labels: torch.Tensor,
    oracle: Callable[[torch.Tensor], torch.Tensor],
    domain_classifier: DomainClassifier,
) -> TranslationQuality:
    """Measure a translation ``translate`` (uint8 source images -> uint8 target-style images).

    Args:
        translate: The translation, batch in, batch out, same shapes.
        source_images, source_labels: Labelled source images (a test split).
        target_images, target_labels: Labelled real target images (a test split), for the reference points.
        oracle: The frozen target oracle, uint8 images -> predicted labels.
        domain_classifier: Trained on real source vs real target images (other images than these).
    """
    translated = torch.cat([translate(chunk) for chunk in source_images.split(256)])
    if translated.shape != source_images.shape or translated.dtype != torch.uint8:
        raise ValueError(
            f"translate must return uint8 images shaped {tuple(source_images.shape)}, got "
            f"{translated.dtype} {tuple(translated.shape)}"
        )

    def accuracy(images: torch.Tensor, labels: torch.Tensor) -> float:
        return 100.0 * float((oracle(images) == labels).float().mean())

    return TranslationQuality(
        label_preservation=accuracy(translated, source_labels),
        oracle_on_real_target=accuracy(target_images, target_labels),
        oracle_on_untranslated_source=accuracy(source_images, source_labels),
        target_likeness=domain_classifier.target_likeness(translated),
        target_likeness_real_target=domain_classifier.target_likeness(target_images),
        target_likeness_real_source=domain_classifier.target_likeness(source_images),
        domain_classifier_accuracy=domain_classifier.held_out_accuracy,
    )


def measure_translation(
    config: str,
    checkpoint: str,
    oracle_config: str,
    oracle_checkpoint: str,
    seed: int,
    cfg_options: dict[str, Any] | None = None,
) -> dict[str, float]:
    """:func:`translation_quality` of a trained translator on the labelled digit pair of a target oracle.

    The oracle's config names the pair: its validation set is the labelled real target test split,
    its training pair's target the real target training split, and the same dataset with
    ``domain="source"`` gives the source test (measured) and training (domain classifier) splits.
    Source images are resized to the translator's input size and the translations back.

    Args:
        config: The translator's config file; ``cfg_options`` applied as when it trained.
        checkpoint: The translator's checkpoint.
        oracle_config: The target oracle's config file.
        oracle_checkpoint: The target oracle's checkpoint.
        seed: Seed of the domain classifier's training.
        cfg_options: Overrides the translator was trained with. Defaults to None.
    """
    from dareg.analysis.classifiers import classifier_fn, dataset_arrays
    from dareg.apis.translate import build_translator
    from dareg.utils.config import load_config

    oracle_cfg = load_config(oracle_config)
    pair = oracle_cfg.train_dataloader.dataset  # the oracle's source is the labelled target training split
    base = dict(oracle_cfg.val_dataloader.dataset)
    target_images, target_labels = dataset_arrays(dict(oracle_cfg.val_dataloader.dataset))
    source_images, source_labels = dataset_arrays(dict(base, domain="source", split="test"))
    source_train = dataset_arrays(dict(base, domain="source", split="train"))[0]
    domain_classifier = train_domain_classifier(source_train, dataset_arrays(pair.target)[0], seed)

    cfg = load_config(config, dict(cfg_options or {}))
    translator = build_translator(cfg, checkpoint)
    model_size = cfg.train_dataloader.dataset.source.get("image_size", source_images.shape[-1])

    def translate(images: torch.Tensor) -> torch.Tensor:
        return resize_images(translator(resize_images(images, model_size)), images.shape[-1])

    quality = translation_quality(
        translate,
        source_images,
        source_labels,
        target_images,
        target_labels,
        classifier_fn(oracle_cfg, oracle_checkpoint),
        domain_classifier,
    )
    return quality.to_dict()


def resize_images(images: torch.Tensor, size: int) -> torch.Tensor:
    """Square uint8 images ``N x C x H x W`` resized to ``size`` (bilinear up, area down), as OpenCV does."""
    import cv2

    from dareg.analysis.classifiers import as_numpy_images

    if images.shape[-1] == size:
        return images
    interpolation = cv2.INTER_LINEAR if size > images.shape[-1] else cv2.INTER_AREA
    resized = torch.from_numpy(
        np.stack([cv2.resize(a, (size, size), interpolation=interpolation) for a in as_numpy_images(images)])
    )
    return resized.unsqueeze(1) if resized.ndim == 3 else resized.permute(0, 3, 1, 2)
