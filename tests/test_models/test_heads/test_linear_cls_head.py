"""LinearClsHead: one linear layer on (flattened) features."""

from __future__ import annotations

import torch

from dareg.registry import HEADS


def test_linear_cls_head_is_one_linear_layer():
    head = HEADS.build(dict(type="LinearClsHead", in_channels=4, num_classes=3))
    features = torch.randn(2, 4)
    expected = features @ head.fc.weight.T + head.fc.bias
    assert torch.allclose(head(features), expected)
    assert head(torch.randn(2, 4, 1, 1)).shape == (2, 3)  # pooled maps are flattened
    assert HEADS.build(dict(type="LinearClsHead"))(torch.randn(1, 500)).shape == (1, 10)
