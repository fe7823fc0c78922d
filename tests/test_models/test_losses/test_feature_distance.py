"""ImageNet feature distance: DAFormer's label pooling, the loss on a hand-made case, the frozen copy."""

from __future__ import annotations

import pytest
import torch
from mmengine.model import BaseModule
from torch import nn

from dareg.models.losses.feature_distance import (
    CITYSCAPES_THING_CLASSES,
    ImageNetFeatureDistance,
    pool_labels_by_ratio,
)
from dareg.registry import LOSSES


def block_labels(cells: list[list[list[int]]]) -> torch.Tensor:
    """A 1 x 2h x 2w label map from h x w cells of four pixels each (row-major within the cell)."""
    rows = []
    for cell_row in cells:
        top = [v for cell in cell_row for v in cell[:2]]
        bottom = [v for cell in cell_row for v in cell[2:]]
        rows += [top, bottom]
    return torch.tensor([rows])


def test_pooling_keeps_a_class_covering_three_quarters_and_ignores_the_rest():
    labels = block_labels(
        [
            [[6, 6, 6, 6], [6, 6, 6, 0], [6, 6, 0, 0]],  # 4/4 and 3/4 kept, 2/4 ignored
            [[255, 255, 255, 6], [0, 1, 2, 3], [255, 7, 7, 7]],  # ignore majority, no majority, 3/4 beside 255
        ]
    )
    assert pool_labels_by_ratio(labels, 2, num_classes=19).tolist() == [[[6, 6, 255], [255, 255, 7]]]
    assert pool_labels_by_ratio(labels, 2, num_classes=19, min_ratio=1.0).tolist() == [[[6, 255, 255], [255] * 3]]


def test_pooling_matches_a_per_cell_count_on_random_labels():
    generator = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 3, (2, 16, 24), generator=generator)
    labels[:, :8, :8] = 1  # some cells with a clear majority
    labels[0, 8:, 16:] = 255
    pooled = pool_labels_by_ratio(labels, 4, num_classes=3)
    for b in range(2):
        for i in range(4):
            for j in range(6):
                cell = labels[b, 4 * i : 4 * i + 4, 4 * j : 4 * j + 4].flatten().tolist()
                best = max(set(cell), key=cell.count)
                expected = best if cell.count(best) >= 12 and best != 255 else 255
                assert pooled[b, i, j].item() == expected


def test_pooling_refuses_labels_beyond_num_classes():
    with pytest.raises(ValueError, match="outside"):
        pool_labels_by_ratio(torch.full((1, 4, 4), 19), 2, num_classes=19)


def zero_encoder() -> nn.Module:
    encoder = nn.Conv2d(3, 2, kernel_size=2, stride=2, bias=False)
    nn.init.zeros_(encoder.weight)
    return encoder


def test_the_loss_is_lambda_times_the_mean_distance_over_kept_thing_cells():
    encoder = zero_encoder()  # frozen features are 0, so the distance is the student feature's norm
    fd = ImageNetFeatureDistance(encoder, classes=CITYSCAPES_THING_CLASSES, num_classes=19)
    fd.sync_once(encoder)
    student = torch.tensor([[[[3.0, 0.0], [6.0, 1.0]], [[4.0, 0.0], [8.0, 0.0]]]])  # norms 5, 0 / 10, 1
    labels = block_labels(
        [
            [[6, 6, 6, 6], [0, 0, 0, 0]],  # a thing cell (5) and a stuff cell (not counted)
            [[11, 11, 11, 1], [13, 13, 0, 0]],  # a kept person cell (10) and an ignored car cell (2/4)
        ]
    )
    loss = fd(student, torch.zeros(1, 3, 4, 4), labels)
    assert loss.item() == pytest.approx(0.005 * (5 + 10) / 2)
    everywhere = ImageNetFeatureDistance(encoder, loss_weight=1.0)
    everywhere.sync_once(encoder)
    assert everywhere(student, torch.zeros(1, 3, 4, 4)).item() == pytest.approx((5 + 0 + 10 + 1) / 4)


def test_no_kept_cell_gives_a_zero_loss_connected_to_the_student():
    encoder = zero_encoder()
    fd = ImageNetFeatureDistance(encoder, classes=[6], num_classes=19)
    fd.sync_once(encoder)
    student = torch.ones(1, 2, 2, 2, requires_grad=True)
    loss = fd(student, torch.zeros(1, 3, 4, 4), torch.zeros(1, 4, 4, dtype=torch.long))
    loss.backward()
    assert loss.item() == 0.0 and torch.equal(student.grad, torch.zeros_like(student))


class Student(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.norm = nn.BatchNorm2d(4)
        self.drop = nn.Dropout(0.5)
        self.down = nn.Conv2d(4, 4, 4, stride=4)

    def forward(self, x):
        return [self.down(self.drop(self.norm(self.stem(x))))]


def test_gradient_reaches_the_student_only_and_is_finite_at_iteration_zero():
    torch.manual_seed(0)
    student = Student()
    fd = ImageNetFeatureDistance(student, classes=[1], num_classes=2, loss_weight=1.0)
    fd.train()
    assert not fd.frozen_encoder.training  # dropout off, BN statistics frozen
    assert all(not p.requires_grad for p in fd.frozen_encoder.parameters())
    fd.sync_once(student)
    images, labels = torch.rand(2, 3, 8, 8), torch.ones(2, 8, 8, dtype=torch.long)
    student.eval()  # identical to the frozen copy: the distance is exactly 0
    fd(student(images), images, labels).backward()
    assert all(torch.isfinite(p.grad).all() for p in student.parameters())
    student.train()
    student.zero_grad()
    with torch.no_grad():
        student.down.weight.add_(0.05)
    loss = fd(student(images), images, labels)
    assert loss.item() > 0
    loss.backward()
    assert student.down.weight.grad.abs().sum() > 0 and student.stem.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in fd.frozen_encoder.parameters())


def test_the_copy_is_taken_once_and_survives_a_resume():
    student = Student()
    fd = ImageNetFeatureDistance(student)
    with torch.no_grad():
        student.down.weight.fill_(1.0)  # what init_weights / load_from did after the constructor
    assert fd.sync_once(student) is True
    assert torch.equal(fd.frozen_encoder.down.weight, student.down.weight)
    with torch.no_grad():
        student.down.weight.fill_(2.0)  # training moves the student
    assert fd.sync_once(student) is False and fd.frozen_encoder.down.weight.eq(1.0).all()

    state = fd.state_dict()
    assert "synced" in state and "frozen_encoder.down.weight" in state
    resumed = ImageNetFeatureDistance(Student())
    resumed.load_state_dict(state)
    assert resumed.sync_once(student) is False  # the checkpoint's copy stays, not today's student
    assert resumed.frozen_encoder.down.weight.eq(1.0).all()


def test_the_copy_holds_what_init_weights_gave_the_student():
    class Algorithm(BaseModule):
        def __init__(self) -> None:
            super().__init__(init_cfg=dict(type="Constant", layer="Conv2d", val=3.0))
            self.encoder = nn.Conv2d(3, 4, 1)
            self.feature_distance = ImageNetFeatureDistance(self.encoder)

    algorithm = Algorithm()
    at_construction = algorithm.encoder.weight.clone()
    algorithm.init_weights()  # what mmengine's Runner does after building the model (load_from comes later)
    with torch.no_grad():
        algorithm.encoder.weight.mul_(2.0)  # ... and a load_from after it
    algorithm.feature_distance.sync_once(algorithm.encoder)
    assert algorithm.feature_distance.frozen_encoder.weight.eq(6.0).all()
    assert not torch.equal(algorithm.feature_distance.frozen_encoder.weight, at_construction)


def test_using_it_before_the_copy_or_without_labels_fails_clearly():
    encoder = zero_encoder()
    fd = ImageNetFeatureDistance(encoder, classes=[1], num_classes=2)
    with pytest.raises(RuntimeError, match="sync_once"):
        fd(torch.zeros(1, 2, 2, 2), torch.zeros(1, 3, 4, 4), torch.zeros(1, 4, 4, dtype=torch.long))
    fd.sync_once(encoder)
    with pytest.raises(ValueError, match="needs the source labels"):
        fd(torch.zeros(1, 2, 2, 2), torch.zeros(1, 3, 4, 4))
    with pytest.raises(ValueError, match="feature grid"):
        fd(torch.zeros(1, 2, 2, 2), torch.zeros(1, 3, 4, 4), torch.zeros(1, 6, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="needs num_classes"):
        ImageNetFeatureDistance(encoder, classes=[1])


def test_builds_from_the_registry_with_the_encoder_as_default_argument():
    encoder = zero_encoder()
    fd = LOSSES.build(
        dict(type="ImageNetFeatureDistance", classes=list(CITYSCAPES_THING_CLASSES), num_classes=19),
        default_args=dict(encoder=encoder),
    )
    assert isinstance(fd, ImageNetFeatureDistance) and fd.loss_weight == 0.005 and fd.min_ratio == 0.75
