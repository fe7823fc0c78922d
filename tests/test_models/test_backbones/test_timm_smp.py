"""TimmBackbone and SMPEncoder: feature levels, out_channels, output stride, local checkpoints."""

from __future__ import annotations

import pytest
import timm
import torch
from segmentation_models_pytorch.encoders import get_encoder

from dareg.models.backbones.smp_encoder import SMPEncoder
from dareg.models.backbones.timm_backbone import TimmBackbone


def test_timm_levels_output_stride_and_channels():
    net = TimmBackbone("resnet10t", output_stride=8, out_indices=(2, 3))
    features = net(torch.randn(1, 3, 64, 64))
    assert net.out_channels == [128, 256] == [f.shape[1] for f in features]
    assert net.reductions == [8, 8] and all(f.shape[-2:] == (8, 8) for f in features)
    default = TimmBackbone("resnet10t")
    assert default.out_channels == [256, 512] and default.reductions == [16, 32]


def test_timm_local_checkpoint_is_loaded_without_download(tmp_path):
    torch.manual_seed(0)
    full = timm.create_model("resnet10t")
    path = tmp_path / "resnet10t.pth"
    torch.save(full.state_dict(), path)
    net = TimmBackbone("resnet10t", checkpoint_path=str(path), out_indices=(-1,))
    net.init_weights()  # what the Runner calls before training
    assert torch.equal(net.model.layer4[0].conv1.weight, full.layer4[0].conv1.weight)


def test_timm_unknown_name_and_missing_checkpoint():
    with pytest.raises(ValueError, match="resnet18"):
        TimmBackbone("resnet18x")
    with pytest.raises(FileNotFoundError, match="checkpoint_path"):
        TimmBackbone("resnet10t", checkpoint_path="/nonexistent.pth").init_weights()


def test_smp_levels_output_stride_and_channels():
    net = SMPEncoder("resnet18", output_stride=8)
    features = net(torch.randn(1, 3, 64, 64))
    assert net.out_channels == [256, 512] == [f.shape[1] for f in features]
    assert all(f.shape[-2:] == (8, 8) for f in features)
    assert SMPEncoder("resnet18", out_indices=(1, 3)).out_channels == [64, 128]
    assert SMPEncoder("resnet18", depth=3, out_indices=(-4, -1)).out_indices == (0, 3)


@pytest.mark.parametrize("out_indices", [(), (6,), (-7,), (2, 6)])
def test_smp_out_indices_out_of_range_are_refused(out_indices):
    with pytest.raises(ValueError, match=r"must name feature levels 0 to 5 .*depth=5"):
        SMPEncoder("resnet18", out_indices=out_indices)


def test_smp_local_checkpoint(tmp_path):
    torch.manual_seed(0)
    encoder = get_encoder("resnet18", weights=None)
    path = tmp_path / "encoder.pth"
    torch.save(encoder.state_dict(), path)
    net = SMPEncoder("resnet18", checkpoint_path=str(path))
    net.init_weights()  # what the Runner calls before training
    assert torch.equal(net.encoder.layer1[0].conv1.weight, encoder.layer1[0].conv1.weight)
    with pytest.raises(ValueError, match="resnet18"):
        SMPEncoder("resnet18x")
