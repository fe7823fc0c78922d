"""DAFormerHead: shapes at every step, the reference's layers and parameter count, values by hand."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dareg.models.heads.daformer_head import DAFormerHead
from dareg.registry import HEADS

MIT_B5_CHANNELS = [64, 128, 320, 512]


def stage_features(channels, batch=2, size=(32, 48), seed=0):
    """Features of an MiT-like encoder: strides 4, 8, 16, 32 of an input of ``size``."""
    generator = torch.Generator().manual_seed(seed)
    return [
        torch.randn(batch, c, size[0] // s, size[1] // s, generator=generator)
        for c, s in zip(channels, (4, 8, 16, 32))
    ]


def test_shapes_of_every_step_with_the_reference_widths():
    head = HEADS.build(dict(type="DAFormerHead", in_channels=MIT_B5_CHANNELS, num_classes=19))
    shapes = {}

    def record(name):
        return lambda module, args, output: shapes.__setitem__(name, tuple(output.shape))

    for i, embed in head.embed_layers.items():
        embed.register_forward_hook(record(f"embed{i}"))
    for i, branch in enumerate(head.fuse_layer.aspp_modules):
        branch.register_forward_hook(record(f"branch{i}"))
    head.fuse_layer.register_forward_pre_hook(lambda module, args: shapes.__setitem__("concat", tuple(args[0].shape)))
    head.fuse_layer.bottleneck.register_forward_hook(record("fused"))
    logits = head(stage_features(MIT_B5_CHANNELS))
    assert shapes == {
        "embed0": (2, 256, 8, 12),  # linear embedding to 256 at each stage's own size ...
        "embed1": (2, 256, 4, 6),
        "embed2": (2, 256, 2, 3),
        "embed3": (2, 256, 1, 1),  # (48 // 32 = 1)
        "concat": (2, 1024, 8, 12),  # ... resized to 1/4 and concatenated
        "branch0": (2, 256, 8, 12),
        "branch1": (2, 256, 8, 12),
        "branch2": (2, 256, 8, 12),
        "branch3": (2, 256, 8, 12),
        "fused": (2, 256, 8, 12),
    }
    assert tuple(logits.shape) == (2, 19, 8, 12)


def test_layers_and_parameter_count_are_the_reference_ones():
    head = DAFormerHead(MIT_B5_CHANNELS, num_classes=19)
    branches = head.fuse_layer.aspp_modules
    assert branches[0].conv.kernel_size == (1, 1) and branches[0].conv.bias is None
    for branch, dilation in zip(branches[1:], (6, 12, 18)):
        depthwise = branch.depthwise_conv.conv
        assert depthwise.kernel_size == (3, 3) and depthwise.dilation == depthwise.padding == (dilation, dilation)
        assert depthwise.groups == 1024 and branch.pointwise_conv.conv.kernel_size == (1, 1)
    assert head.fuse_layer.bottleneck.conv.kernel_size == (3, 3) and head.fuse_layer.bottleneck.conv.in_channels == 1024
    assert isinstance(head.dropout, nn.Dropout2d) and head.dropout.p == 0.1
    assert all(not isinstance(m, nn.AdaptiveAvgPool2d) for m in head.modules())  # no image pooling
    # by hand: embeddings (weights + biases), 1x1 branch (conv + BN), 3 separable branches
    # (depthwise conv + BN(1024) + pointwise conv + BN(256)), 3x3 bottleneck (conv + BN), classifier
    embeddings = sum(MIT_B5_CHANNELS) * 256 + 4 * 256
    branch_1x1 = 1024 * 256 + 2 * 256
    separable = 1024 * 9 + 2 * 1024 + 1024 * 256 + 2 * 256
    bottleneck = 1024 * 256 * 9 + 2 * 256
    classifier = 256 * 19 + 19
    expected = embeddings + branch_1x1 + 3 * separable + bottleneck + classifier
    assert expected == 3_712_275
    assert sum(p.numel() for p in head.parameters()) == expected


def test_output_equals_the_computation_written_out():
    torch.manual_seed(0)
    channels = [3, 5, 6, 7]
    head = DAFormerHead(channels, num_classes=4, embed_dims=[2, 3, 2, 1], channels=4, dilations=(1, 2, 3)).eval()
    for bn in (m for m in head.modules() if isinstance(m, nn.BatchNorm2d)):  # non-trivial statistics
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        nn.init.uniform_(bn.weight, 0.5, 1.5)
        nn.init.uniform_(bn.bias, -0.5, 0.5)
    features = stage_features(channels, batch=1, size=(32, 32))

    def conv_bn_relu(module, x, padding=0, dilation=1, groups=1):
        x = F.conv2d(x, module.conv.weight, None, padding=padding, dilation=dilation, groups=groups)
        bn = module.bn
        return F.relu(F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, eps=1e-5))

    embedded = []
    for x, embed in zip(features, head.embed_layers.values()):
        y = torch.einsum("nchw,dc->ndhw", x, embed.proj.weight) + embed.proj.bias[:, None, None]
        embedded.append(F.interpolate(y, size=(8, 8), mode="bilinear", align_corners=False))
    x = torch.cat(embedded, dim=1)
    one, two, three = head.fuse_layer.aspp_modules
    branches = [conv_bn_relu(one, x)]
    for branch, d in ((two, 2), (three, 3)):
        depthwise = conv_bn_relu(branch.depthwise_conv, x, padding=d, dilation=d, groups=x.shape[1])
        branches.append(conv_bn_relu(branch.pointwise_conv, depthwise))
    fused = conv_bn_relu(head.fuse_layer.bottleneck, torch.cat(branches, dim=1), padding=1)
    expected = F.conv2d(fused, head.conv_seg.weight, head.conv_seg.bias)
    torch.testing.assert_close(head(features), expected)


def test_initialisation_of_the_classifier_and_norms():
    torch.manual_seed(0)
    head = DAFormerHead(MIT_B5_CHANNELS)
    assert head.conv_seg.weight.std().item() == pytest.approx(0.01, rel=0.05)
    assert not head.conv_seg.bias.any()
    norms = [m for m in head.modules() if isinstance(m, nn.BatchNorm2d)]
    assert norms and all(bool((m.weight == 1).all() and (m.bias == 0).all()) for m in norms)


def test_widths_are_configurable_and_inputs_checked():
    small = DAFormerHead([32, 64, 160, 256], num_classes=8, embed_dims=64, channels=64)
    assert sum(p.numel() for p in small.parameters()) < 0.1 * 3_712_275
    assert tuple(small(stage_features([32, 64, 160, 256])).shape) == (2, 8, 8, 12)
    with pytest.raises(ValueError, match="got 3 feature maps, built for 4"):
        small(stage_features([32, 64, 160, 256])[:3])
    with pytest.raises(ValueError, match="one width per input"):
        DAFormerHead([32, 64], embed_dims=[8, 8, 8])
    with pytest.raises(ValueError, match="in_channels must list"):
        DAFormerHead(256)
