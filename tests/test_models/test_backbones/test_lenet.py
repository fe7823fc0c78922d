"""LeNet encoder (ADDA) and PixelDA task network: shapes, layer order, switches."""

from __future__ import annotations

import pytest
import torch

from dareg.models.backbones.lenet import LeNetEncoder, PixelDATaskNet
from dareg.registry import BACKBONES


def test_lenet_encoder_layout_and_shapes():
    encoder = BACKBONES.build(dict(type="LeNetEncoder"))
    assert isinstance(encoder, LeNetEncoder)
    convs = [m for m in encoder.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size) for c in convs] == [(1, 20, (5, 5)), (20, 50, (5, 5))]
    assert encoder.fc.in_features == 50 * 4 * 4 and encoder.fc.out_features == 500
    features = encoder.eval()(torch.randn(3, 1, 28, 28))
    assert features.shape == (3, 500) and features.min() >= 0  # ReLU on the features (TF reference)
    assert LeNetEncoder(in_channels=3, image_size=32)(torch.randn(2, 3, 32, 32)).shape == (2, 500)


def test_lenet_dropout_and_feature_relu_switches():
    torch.manual_seed(0)
    encoder = LeNetEncoder(dropout_ratio=0.5, feature_relu=False)
    images = torch.randn(2, 1, 28, 28)
    assert (encoder.eval()(images) < 0).any()
    assert torch.equal(encoder.eval()(images), encoder(images))  # eval: deterministic
    assert not torch.equal(encoder.train()(images), encoder.train()(images))  # Dropout2d active in training
    assert not any(isinstance(m, torch.nn.Dropout2d) for m in LeNetEncoder(dropout_ratio=0.0).modules())
    with pytest.raises(ValueError, match="too small"):
        LeNetEncoder(image_size=12)


def test_pixelda_task_net_shapes_and_backward():
    net = BACKBONES.build(dict(type="PixelDATaskNet", feat_channels=64))
    assert isinstance(net, PixelDATaskNet)
    features = net(torch.randn(2, 3, 32, 32))
    assert features.shape == (2, 64)
    features.sum().backward()
    assert all(p.grad is not None for p in net.parameters())
