"""ASPPClassifier: summed dilated branches, reference (2) vs paper (4) branch counts, init."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from dareg.models.heads.aspp import ASPPClassifier


@pytest.mark.parametrize("num_branches,dilations", [(2, (6, 12)), (4, (6, 12, 18, 24))])
def test_branches_are_summed_dilated_convs(num_branches, dilations):
    torch.manual_seed(0)
    head = ASPPClassifier(16, num_classes=3, num_branches=num_branches)
    assert len(head.branches) == num_branches and head.dilations == dilations
    x = torch.randn(2, 16, 13, 15)
    expected = sum(
        F.conv2d(x, conv.weight, conv.bias, padding=d, dilation=d) for conv, d in zip(head.branches, dilations)
    )
    out = head(x)
    assert out.shape == (2, 3, 13, 15)
    torch.testing.assert_close(out, expected)


def test_default_is_the_reference_two_branches_with_bias_and_normal_init():
    head = ASPPClassifier(2048)
    assert head.num_classes == 19 and len(head.branches) == 2
    assert all(conv.bias is not None and conv.kernel_size == (3, 3) for conv in head.branches)
    assert 0.009 < head.branches[0].weight.std().item() < 0.011


def test_num_branches_out_of_range():
    with pytest.raises(ValueError, match="num_branches"):
        ASPPClassifier(8, num_branches=5)
