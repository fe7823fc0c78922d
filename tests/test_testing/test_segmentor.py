"""dareg.testing.TinySegmentor: the segmentor interface at tiny size, usable by name in configs."""

from __future__ import annotations

import doctest
import math

import pytest
import torch

import dareg.testing.segmentor
from dareg.registry import MODELS, SEGMENTORS
from dareg.testing import TinySegmentor, check_algorithm, two_domain_batch


def test_docstring_examples_run():
    result = doctest.testmod(dareg.testing.segmentor)
    assert result.attempted >= 3 and result.failed == 0


def test_registered_by_name_and_shaped_like_a_multi_level_segmentor():
    single = SEGMENTORS.build(dict(type="TinySegmentor", num_classes=5))
    assert MODELS.get("TinySegmentor") is TinySegmentor  # reachable under the Runner's root registry too
    assert (single.num_levels, single.num_classes, single.level_names) == (1, 5, ("main",))
    (logits,) = single(torch.zeros(2, 3, 32, 64))
    assert logits.shape == (2, 5, 16, 32)  # output stride 2
    double = TinySegmentor(num_classes=5, auxiliary_head=True, in_channels=1)
    aux, main = double(torch.zeros(2, 1, 32, 64))
    assert aux.shape == main.shape == (2, 5, 16, 32) and double.loss_weights == (0.1, 1.0)


def test_loss_is_the_cross_entropy_of_upsampled_logits_by_hand():
    seg = TinySegmentor(num_classes=3, auxiliary_head=True)
    with torch.no_grad():
        for head, bias in ((seg.head, [0.0, math.log(2.0), 0.0]), (seg.auxiliary_head, [0.0, 0.0, 0.0])):
            head.weight.zero_()
            head.bias.copy_(torch.tensor(bias))
    labels = torch.tensor([[[1, 0], [255, 2]]])  # one ignored pixel
    losses = seg.loss(seg(torch.rand(1, 3, 2, 2)), {"gt_seg": labels})
    # main: p = (1/4, 2/4, 1/4) everywhere; labels 1, 0, 2 -> (log 2 + log 4 + log 4) / 3
    assert losses["loss_seg"].item() == pytest.approx((math.log(2) + 2 * math.log(4)) / 3, abs=1e-6)
    assert losses["loss_seg_aux"].item() == pytest.approx(0.1 * math.log(3), abs=1e-6)  # uniform aux, weight 0.1


def test_predictions_come_at_the_label_size():
    seg = TinySegmentor(num_classes=4)
    labels = torch.randint(0, 4, (2, 20, 30))
    results = seg.predict(seg(torch.rand(2, 3, 20, 30)), {"gt_seg": labels})
    assert [tuple(r["pred_seg"].shape) for r in results] == [(20, 30), (20, 30)]
    assert torch.equal(results[1]["gt_seg"], labels[1])


@pytest.mark.parametrize(
    "cfg",
    [
        dict(type="SourceOnly", task_model=dict(type="TinySegmentor", num_classes=4)),
        dict(
            type="AdaptSegNet",
            segmentor=dict(type="TinySegmentor", num_classes=4, auxiliary_head=True),
            discriminator=dict(type="FCDiscriminator", in_channels=4, base_channels=4),
            lambda_adv=(0.0002, 0.001),
        ),
    ],
    ids=["SourceOnly", "AdaptSegNet"],
)
def test_algorithms_meet_their_contract_on_it(cfg):
    cfg["data_preprocessor"] = dict(type="DomainDataPreprocessor", mean=[127.5] * 3, std=[127.5] * 3)
    batch = two_domain_batch(channels=3, size=32, num_classes=4, task="segmentation")
    check_algorithm(cfg, batch)
