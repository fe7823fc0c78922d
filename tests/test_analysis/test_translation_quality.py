"""Label preservation and target-likeness on a toy pair whose answers are known."""

from __future__ import annotations

import pytest
import torch

from dareg.analysis.classifiers import accuracy_by_mask, dark_digit_mask
from dareg.analysis.translation_quality import train_domain_classifier, translation_quality


def toy_pair(n: int = 80) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Source: bright bar on black; target: the same bar on a mid-grey background. The label is the
    bar's column block (0..3), so a translation that keeps the bar keeps the label."""
    labels = torch.arange(n) % 4
    source = torch.zeros(n, 1, 16, 16, dtype=torch.uint8)
    for index, label in enumerate(labels):
        source[index, 0, 2:14, 4 * label : 4 * label + 3] = 255
    target = source.clone()
    target[target == 0] = 120
    return source, labels, target, labels.clone()


def bar_oracle(images: torch.Tensor) -> torch.Tensor:
    """Reads the bar's block: the brightest group of columns."""
    columns = images[:, 0].float().mean(1)
    return columns.reshape(len(images), 4, 4).mean(2).argmax(1)


def test_domain_classifier_separates_real_domains_deterministically():
    source, _, target, _ = toy_pair()
    classifier = train_domain_classifier(source, target, seed=0, iters=60)
    assert classifier.held_out_accuracy == pytest.approx(100.0)
    assert classifier.target_likeness(target) == pytest.approx(100.0)
    assert classifier.target_likeness(source) == pytest.approx(0.0)
    again = train_domain_classifier(source, target, seed=0, iters=60)
    assert torch.equal(classifier.target_probability(source), again.target_probability(source))


def test_quality_of_known_translations():
    source, labels, target, target_labels = toy_pair()
    classifier = train_domain_classifier(source, target, seed=0, iters=60)

    def to_target_style(images: torch.Tensor) -> torch.Tensor:  # keeps the bar, changes the background
        out = images.clone()
        out[out == 0] = 120
        return out

    def erase(images: torch.Tensor) -> torch.Tensor:  # looks like target, loses the digit
        return torch.full_like(images, 120)

    good = translation_quality(to_target_style, source, labels, target, target_labels, bar_oracle, classifier)
    assert good.label_preservation == pytest.approx(100.0) and good.target_likeness == pytest.approx(100.0)
    assert good.target_likeness_real_source == pytest.approx(0.0) and good.oracle_on_real_target == pytest.approx(100)
    identity = translation_quality(lambda x: x, source, labels, target, target_labels, bar_oracle, classifier)
    assert identity.label_preservation == pytest.approx(100.0) and identity.target_likeness == pytest.approx(0.0)
    erased = translation_quality(erase, source, labels, target, target_labels, bar_oracle, classifier)
    assert erased.label_preservation == pytest.approx(25.0)  # argmax of a flat image: always block 0
    with pytest.raises(ValueError, match="uint8 images shaped"):
        translation_quality(lambda x: x.float(), source, labels, target, target_labels, bar_oracle, classifier)


def test_polarity_split():
    images = torch.zeros(4, 3, 28, 28, dtype=torch.uint8)
    images[2:] = 230
    mask = dark_digit_mask(images)
    assert mask.tolist() == [False, False, True, True]
    split = accuracy_by_mask(torch.tensor([1, 0, 1, 1]), torch.tensor([1, 1, 1, 0]), mask)
    assert split == {"masked": 50.0, "unmasked": 50.0, "num_masked": 2, "num_unmasked": 2}
