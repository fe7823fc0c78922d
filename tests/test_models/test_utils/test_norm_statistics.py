"""running_stats_kept: a training pass whose batch statistics do not reach the running ones."""

from __future__ import annotations

import torch
from torch import nn

from dareg.models.utils import running_stats_kept


def network() -> nn.Module:
    torch.manual_seed(0)
    layers = [nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 2, 1), nn.BatchNorm2d(2)]
    return nn.Sequential(*layers).train()


def test_running_statistics_are_restored_and_the_pass_is_unchanged():
    kept, plain = network(), network()
    images = torch.randn(4, 3, 8, 8) * 3 + 1
    before = {k: v.clone() for k, v in kept.state_dict().items()}
    with running_stats_kept(kept):
        out_kept = kept(images)
        out_kept.square().mean().backward()
    out_plain = plain(images)
    out_plain.square().mean().backward()
    torch.testing.assert_close(out_kept, out_plain)  # batch statistics normalise, as without the block
    torch.testing.assert_close(kept[0].weight.grad, plain[0].weight.grad)  # the gradients are the same
    for key, value in kept.state_dict().items():
        assert torch.equal(value, before[key]), key  # running mean, variance and count as before
    assert not torch.equal(plain[1].running_mean, before["1.running_mean"])  # which the pass does move
    assert plain[1].num_batches_tracked.item() == 1


def test_restored_even_when_the_pass_fails():
    net = network()
    before = net[1].running_var.clone()
    try:
        with running_stats_kept(net):
            net(torch.randn(2, 3, 8, 8) * 5)
            raise RuntimeError("a failing step")
    except RuntimeError:
        pass
    assert torch.equal(net[1].running_var, before)
