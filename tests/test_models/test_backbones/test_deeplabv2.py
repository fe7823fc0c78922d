"""DeepLabV2ResNet: output stride 8, the reference's layout, frozen BN affine parameters, BN statistics."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from dareg.models.backbones.deeplabv2 import DeepLabV2ResNet


def reference_size(size: int) -> int:
    """Feature size of the reference network: 7x7/2 conv, 3x3/2 ceil-mode pool, one stride-2 1x1 conv."""
    conv1 = (size + 2 * 3 - 7) // 2 + 1
    pool = math.ceil((conv1 + 2 * 1 - 3) / 2) + 1
    if (pool - 1) * 2 >= conv1 + 1:  # PyTorch drops a last window that starts in the padding
        pool -= 1
    return (pool - 1) // 2 + 1


@pytest.fixture(scope="module")
def resnet50() -> DeepLabV2ResNet:
    torch.manual_seed(0)
    return DeepLabV2ResNet(depth=50)


@pytest.mark.parametrize("height,width", [(65, 65), (64, 96)])
def test_output_stride_8_and_channels(resnet50, height, width):
    features = resnet50(torch.randn(1, 3, height, width))
    assert [f.shape[1] for f in features] == [1024, 2048] == resnet50.out_channels
    expected = (reference_size(height), reference_size(width))
    assert all(tuple(f.shape[-2:]) == expected for f in features)
    assert expected[0] == math.ceil(height / 8) or expected[0] == height // 8 + 1


def test_reference_layout_dilations_and_downsample(resnet50):
    assert resnet50.maxpool.ceil_mode and resnet50.maxpool.padding == 1
    # stride on the first 1x1 conv of layer2, none on the 3x3
    assert resnet50.layer2[0].conv1.stride == (2, 2) and resnet50.layer2[0].conv2.stride == (1, 1)
    for layer, dilation in ((resnet50.layer3, 2), (resnet50.layer4, 4)):
        assert layer[0].downsample is not None  # the first dilated block always has a downsample branch
        assert layer[0].downsample[0].stride == (1, 1)
        for block in layer:  # the first block already uses the full dilation
            assert block.conv2.dilation == (dilation, dilation) and block.conv2.padding == (dilation, dilation)
            assert block.conv1.stride == (1, 1)
    assert all(m.bias is None for m in resnet50.modules() if isinstance(m, nn.Conv2d))


def test_resnet101_structure_and_parameter_count():
    net = DeepLabV2ResNet(depth=101)
    assert [len(net.layer1), len(net.layer2), len(net.layer3), len(net.layer4)] == [3, 4, 23, 3]
    # The parameters equal those of torchvision's ResNet-101 without its fc layer (44,549,160 - 2,049,000):
    # dilation changes no parameter count, and both use a downsample conv on the first block of every layer.
    assert sum(p.numel() for p in net.parameters()) == 42_500_160


def test_frozen_bn_affine_gets_no_gradient(resnet50):
    resnet50.train()
    resnet50.zero_grad()
    sum(f.mean() for f in resnet50(torch.randn(2, 3, 33, 33))).backward()
    bns = [m for m in resnet50.modules() if isinstance(m, nn.BatchNorm2d)]
    assert bns and all(not p.requires_grad and p.grad is None for bn in bns for p in bn.parameters())
    convs = [m for m in resnet50.modules() if isinstance(m, nn.Conv2d)]
    assert all(c.weight.grad is not None and c.weight.grad.abs().sum() > 0 for c in convs)


def test_bn_statistics_update_by_default_and_freeze_on_request():
    torch.manual_seed(0)
    x = torch.randn(1, 3, 33, 33) * 3 + 1
    reference = DeepLabV2ResNet(depth=50).train()
    before = reference.bn1.running_mean.clone()
    reference(x)
    assert reference.bn1.training and not torch.equal(before, reference.bn1.running_mean)

    frozen = DeepLabV2ResNet(depth=50, frozen_bn_stats=True).train()
    before = frozen.bn1.running_mean.clone()
    frozen(x)
    assert frozen.training and not frozen.bn1.training
    assert torch.equal(before, frozen.bn1.running_mean)


def test_init_is_reference_normal_001():
    net = DeepLabV2ResNet(depth=50)
    std = net.layer3[0].conv2.weight.std().item()
    assert 0.009 < std < 0.011
    assert torch.all(net.bn1.weight == 1) and torch.all(net.bn1.bias == 0)


def test_out_indices_and_bad_arguments():
    net = DeepLabV2ResNet(depth=50, out_indices=(1,))
    assert net.out_channels == [512]
    assert [f.shape[1] for f in net(torch.randn(1, 3, 33, 33))] == [512]
    with pytest.raises(ValueError, match="depth"):
        DeepLabV2ResNet(depth=34)
    with pytest.raises(ValueError, match="out_indices"):
        DeepLabV2ResNet(depth=50, out_indices=(4,))
    with pytest.raises(FileNotFoundError, match="DeepLab_resnet_pretrained_init"):
        DeepLabV2ResNet(depth=50, pretrained="/nonexistent/init.pth").init_weights()
