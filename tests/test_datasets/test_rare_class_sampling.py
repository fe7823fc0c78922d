"""Rare Class Sampling: DAFormer's class probabilities, candidate images, exact resumable streams, re-crops."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from dareg.datasets import DomainPairDataset
from dareg.datasets.base import BaseImageDataset
from dareg.datasets.rare_class_sampling import RareClassSampler, rare_class_probabilities
from dareg.datasets.samplers import StreamKey
from dareg.datasets.transforms.geometric import RandomCrop


class InMemoryLabels(BaseImageDataset):
    """Samples whose data info carries ``gt_seg`` (and an image of the same size)."""

    METAINFO = dict(classes=("a", "b", "c"))

    def __init__(self, labels: list[np.ndarray], pipeline=None) -> None:
        self.labels = labels
        super().__init__(pipeline=pipeline or [], serialize_data=False)

    def load_data_list(self) -> list[dict]:
        return [dict(gt_seg=label, img=np.zeros(label.shape + (3,), np.uint8)) for label in self.labels]


def tiny_labels() -> list[np.ndarray]:
    """4x4 maps: 16 px of class 0; 12 of 0 and 4 of 1; 8 of 2 and 8 ignored. Totals 28, 4, 8."""
    first = np.zeros((4, 4), np.uint8)
    second = np.zeros((4, 4), np.uint8)
    second[0] = 1
    third = np.full((4, 4), 255, np.uint8)
    third[:2] = 2
    return [first, second, third]


def take(sampler, n):
    return list(itertools.islice(iter(sampler), n))


def test_probabilities_are_a_softmax_of_one_minus_the_frequency_over_t():
    classes, probabilities = rare_class_probabilities([28, 4, 8], temperature=0.5)
    # (1 - [0.7, 0.1, 0.2]) / 0.5 = [0.6, 1.8, 1.6]
    expected = np.exp([0.6, 1.8, 1.6]) / np.exp([0.6, 1.8, 1.6]).sum()
    assert classes.tolist() == [0, 1, 2]
    assert probabilities.tolist() == pytest.approx(expected.tolist(), abs=1e-12)
    assert probabilities.tolist() == pytest.approx([0.14208, 0.47172, 0.38620], abs=1e-5)
    # absent classes are never drawn; T = 0.01 all but picks the rarest
    classes, probabilities = rare_class_probabilities([90, 0, 10], temperature=0.01)
    assert classes.tolist() == [0, 2] and probabilities[1] == pytest.approx(1 / (1 + math.exp(-80)))


def test_sampler_counts_the_source_and_lists_the_candidate_images():
    sampler = RareClassSampler(InMemoryLabels(tiny_labels()), temperature=0.5, min_pixels=3, seed=0)
    assert sampler.classes.tolist() == [0, 1, 2]
    assert sampler.probabilities.tolist() == pytest.approx([0.14208, 0.47172, 0.38620], abs=1e-5)
    assert [s.tolist() for s in sampler.samples_with_class] == [[0, 1], [1], [2]]


def test_a_class_without_candidate_images_is_refused():
    with pytest.raises(ValueError, match=r"classes \[1\].*min_pixels=4"):
        RareClassSampler(InMemoryLabels(tiny_labels()), min_pixels=4, seed=0)  # 4 px of class 1 is not > 4


def test_drawn_classes_follow_the_probabilities_and_images_hold_their_class():
    labels = tiny_labels()
    sampler = RareClassSampler(InMemoryLabels(labels), temperature=0.5, min_pixels=3, seed=1)
    keys = take(sampler, 6000)
    drawn = np.array([key.focus[0] for key in keys])
    for cls, p in zip([0, 1, 2], sampler.probabilities):
        assert abs((drawn == cls).mean() - p) < 0.02
    assert all((labels[key.indices[0]] == key.focus[0]).sum() > 3 for key in keys)


def test_the_stream_is_reproducible_and_resumes_by_position():
    dataset = InMemoryLabels(tiny_labels())
    full = take(RareClassSampler(dataset, temperature=0.5, min_pixels=3, seed=2), 40)
    assert full == take(RareClassSampler(dataset, temperature=0.5, min_pixels=3, seed=2), 40)
    assert full != take(RareClassSampler(dataset, temperature=0.5, min_pixels=3, seed=3), 40)
    resumed = RareClassSampler(dataset, temperature=0.5, min_pixels=3, seed=2)
    resumed.set_start(25)
    assert take(resumed, 15) == full[25:]
    ranks = []
    for rank in range(2):
        sampler = RareClassSampler(dataset, temperature=0.5, min_pixels=3, seed=2)
        sampler.rank, sampler.world_size = rank, 2
        ranks.append(take(sampler, 20))
    assert [ranks[i % 2][i // 2] for i in range(40)] == full


def test_pairs_draw_the_source_by_class_and_shuffle_the_target():
    target = InMemoryLabels([np.zeros((4, 4), np.uint8)] * 5)
    pair = DomainPairDataset(InMemoryLabels(tiny_labels()), target)
    keys = take(RareClassSampler(pair, temperature=0.5, min_pixels=3, seed=0), 10)
    assert all(key.focus[1] is None and key.focus[0] in (0, 1, 2) for key in keys)
    assert sorted(key.indices[1] for key in keys[:5]) == list(range(5))  # the target's own epoch
    # the focus class reaches the source pipeline, not the target's
    seen = []
    pair.source.pipeline.transforms.append(lambda results: seen.append(results.get("focus_class")) or results)
    pair.target.pipeline.transforms.append(lambda results: seen.append(results.get("focus_class")) or results)
    pair[keys[0]]
    assert seen == [keys[0].focus[0], None]


def test_random_crop_recrops_for_the_focus_class():
    label = np.zeros((8, 8), np.uint8)
    label[:4, :4] = 3  # 16 px in the top-left quarter; a 4x4 window holds > 8 of them at 4 of 25 offsets
    crop, focused = RandomCrop(4), RandomCrop(4, focus_min_pixels=8)

    def hits(transform, seed, focus):
        results = dict(img=np.zeros((8, 8, 3), np.uint8), gt_seg=label.copy(), rng=np.random.default_rng(seed))
        if focus is not None:
            results["focus_class"] = focus
        return int((transform(results)["gt_seg"] == 3).sum()) > 8

    plain = np.mean([hits(crop, seed, 3) for seed in range(300)])
    refocused = np.mean([hits(focused, seed, 3) for seed in range(300)])
    assert plain < 0.25 and refocused > 0.75  # 4/25 once, 1 - (21/25)^11 with 10 re-crops
    # without a focus class (or for the target) it crops once, as before
    assert [hits(focused, seed, None) for seed in range(50)] == [hits(crop, seed, None) for seed in range(50)]


def test_stream_keys_without_focus_keep_their_old_form():
    key = StreamKey((3, 4), 7)
    assert key.focus is None and key.domain(1, 9) == StreamKey((4,), 9)
    assert StreamKey((3, 4), 7, (2, None)).domain(0, 9) == StreamKey((3,), 9, (2,))
