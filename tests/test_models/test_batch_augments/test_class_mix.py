"""ClassMix: ceil(n/2) of the classes present, whole classes, labels and weights follow the mask."""

from __future__ import annotations

import pytest
import torch

from dareg.models.batch_augments import ClassMix, mix_by_mask


def striped_labels(classes_per_image: list[list[int]], height: int = 6, width: int = 12) -> torch.Tensor:
    """One label map per image, with one vertical stripe per listed class."""
    maps = []
    for classes in classes_per_image:
        label = torch.empty(height, width, dtype=torch.long)
        for column in range(width):
            label[:, column] = classes[column * len(classes) // width]
        maps.append(label)
    return torch.stack(maps)


def seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def pasted_classes(labels: torch.Tensor, masks: torch.Tensor) -> list[set[int]]:
    return [set(label[mask[0] > 0].tolist()) for label, mask in zip(labels, masks)]


@pytest.mark.parametrize("num_classes", [1, 2, 3, 4, 5, 6])
def test_takes_ceil_half_of_the_classes_present_in_each_image(num_classes):
    labels = striped_labels([list(range(num_classes)), [9, 10, 11][: max(1, num_classes // 2)]])
    for seed in range(10):
        masks = ClassMix().masks(labels, seeded(seed))
        for label, mask, pasted in zip(labels, masks, pasted_classes(labels, masks)):
            present = set(label.unique().tolist())
            assert pasted <= present
            assert len(pasted) == (len(present) + len(present) % 2) // 2  # DACS trainUDA.py:430
            # whole classes: the mask is exactly the pixels of the pasted classes
            assert torch.equal(mask[0] > 0, torch.isin(label, torch.tensor(sorted(pasted))))


def test_every_class_gets_drawn():
    labels = striped_labels([[0, 1, 2, 3]])
    drawn = set()
    for seed in range(40):
        drawn |= {frozenset(p) for p in pasted_classes(labels, ClassMix().masks(labels, seeded(seed)))}
    assert len(drawn) == 6  # all C(4, 2) pairs appear


def test_images_labels_and_weights_follow_the_mask():
    torch.manual_seed(0)
    source, target = torch.randn(2, 3, 6, 12), torch.randn(2, 3, 6, 12)
    source_labels = striped_labels([[0, 1, 2], [3, 4]])
    target_labels = torch.full((2, 6, 12), 7)
    target_weights = torch.rand(2, 6, 12)
    out = ClassMix()(source, target, source_labels, target_labels, target_weights)
    from_source = out.masks[:, 0] > 0
    assert from_source.any() and not from_source.all()
    assert torch.equal(out.inputs, torch.where(from_source[:, None], source, target))
    assert torch.equal(out.labels, torch.where(from_source, source_labels, target_labels))
    assert torch.equal(out.weights, torch.where(from_source, torch.ones(()), target_weights))
    # a scalar quality weight (DACS) is the weight of every target pixel
    scalar = ClassMix()(source, target, source_labels, target_labels, 0.25, seeded(1))
    assert set(scalar.weights.unique().tolist()) == {0.25, 1.0}
    assert ClassMix()(source, target, source_labels, target_labels).weights is None


def test_label_maps_with_a_channel_axis_keep_their_shape():
    labels = striped_labels([[0, 1]])[:, None]
    out = ClassMix()(torch.zeros(1, 3, 6, 12), torch.ones(1, 3, 6, 12), labels, torch.full_like(labels, 5))
    assert out.labels.shape == labels.shape and out.labels.dtype == labels.dtype


def test_the_ignore_label_counts_as_a_class_unless_excluded():
    labels = striped_labels([[0, 255]])
    with_ignore = [pasted_classes(labels, ClassMix().masks(labels, seeded(s)))[0] for s in range(20)]
    assert {frozenset(p) for p in with_ignore} == {frozenset({0}), frozenset({255})}  # 1 of 2, either one
    without = [
        pasted_classes(labels, ClassMix(exclude_ignored=True).masks(labels, seeded(s)))[0] for s in range(20)
    ]
    assert all(p == {0} for p in without)  # ceil(1 / 2) = 1 real class


def test_batch_wide_draws_among_the_classes_of_the_whole_batch():
    labels = striped_labels([[0, 1], [2, 3]])
    per_image, batch_wide = set(), set()
    for seed in range(40):
        per_image |= {len(p) for p in pasted_classes(labels, ClassMix().masks(labels, seeded(seed)))}
        masks = ClassMix(batch_wide=True).masks(labels, seeded(seed))
        batch_wide |= {len(p) for p in pasted_classes(labels, masks)}
    assert per_image == {1}
    assert batch_wide == {0, 1, 2}  # 2 of the batch's 4 classes: none, one or both of an image's own


def test_deterministic_under_a_restored_global_state():
    labels = striped_labels([[0, 1, 2, 3, 4], [5, 6, 7]])
    state = torch.get_rng_state()
    first = ClassMix().masks(labels)
    others = [ClassMix().masks(labels) for _ in range(5)]
    torch.set_rng_state(state)
    assert torch.equal(ClassMix().masks(labels), first)
    assert any(not torch.equal(first, other) for other in others)  # the draws do move on


def test_mix_by_mask_is_exact_for_integer_maps():
    masks = torch.tensor([[[[1.0, 0.0]]]])
    assert mix_by_mask(masks, torch.tensor([[[3, 4]]]), torch.tensor([[[8, 9]]])).tolist() == [[[3, 9]]]


def test_mismatched_shapes_are_refused_with_the_shapes():
    mix = ClassMix()
    with pytest.raises(ValueError, match="differ in shape"):
        mix(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 5), torch.zeros(1, 4, 4), torch.zeros(1, 4, 4))
    with pytest.raises(ValueError, match="must match the images"):
        mix(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 4), torch.zeros(1, 2, 2), torch.zeros(1, 2, 2))
    with pytest.raises(ValueError, match="B x H x W"):
        mix.masks(torch.zeros(4, 4))
