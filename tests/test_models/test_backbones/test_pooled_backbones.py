"""TorchvisionResNet and TimmPooledBackbone: pooled features, local weights loaded in init_weights.

The weights files are written by the tests (random weights in the real state-dict formats); any
attempt to download is made to fail, so a passing test shows that nothing is fetched.
"""

from __future__ import annotations

import os

import pytest
import timm
import torch
import torchvision
from safetensors.torch import save_file

from dareg.models.backbones.timm_pooled import TimmPooledBackbone
from dareg.models.backbones.torchvision_resnet import TorchvisionResNet
from dareg.registry import MODELS


@pytest.fixture(autouse=True)
def no_downloads(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", refuse)
    monkeypatch.setattr(torch.hub, "download_url_to_file", refuse)
    monkeypatch.setattr(timm.models._builder, "load_state_dict_from_url", refuse)
    monkeypatch.setattr(timm.models._builder, "load_state_dict_from_hf", refuse)


def torchvision_state(name: str, seed: int) -> dict:
    torch.manual_seed(seed)
    return getattr(torchvision.models, name)(weights=None).state_dict()


def assert_loaded(model: torch.nn.Module, state: dict, skip: str = "fc.") -> None:
    own = model.state_dict()
    for key, value in state.items():
        if not key.startswith(skip):
            assert torch.equal(own[key], value), key


def test_torchvision_resnet_pools_to_vectors():
    net = TorchvisionResNet("resnet50")
    assert net.out_channels == 2048
    assert tuple(net(torch.zeros(1, 3, 64, 64)).shape) == (1, 2048)
    with pytest.raises(ValueError, match="model_name must be one of .*resnet101"):
        TorchvisionResNet("resnet51")


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_torchvision_weights_load_in_init_weights_not_in_the_constructor(tmp_path, suffix):
    state = torchvision_state("resnet18", seed=1)
    path = str(tmp_path / f"resnet18-weights{suffix}")
    if suffix == ".pth":
        torch.save({"state_dict": {f"module.{k}": v for k, v in state.items()}}, path)  # wrapped, DataParallel
    else:
        save_file(state, path)
    torch.manual_seed(2)
    net = TorchvisionResNet("resnet18", checkpoint_path=path)
    assert not torch.equal(net.model.conv1.weight, state["conv1.weight"])  # the constructor reads nothing
    net.init_weights()
    assert_loaded(net.model, state)
    assert isinstance(net.model.fc, torch.nn.Identity)  # the ImageNet classifier is dropped


def test_torchvision_without_checkpoint_keeps_random_weights():
    torch.manual_seed(0)
    net = TorchvisionResNet("resnet18")
    before = net.model.conv1.weight.clone()
    net.init_weights()
    assert torch.equal(net.model.conv1.weight, before)


def test_torchvision_missing_wrong_and_corrupt_files(tmp_path):
    missing = str(tmp_path / "resnet50-0676ba61.pth")
    net = TorchvisionResNet("resnet50", checkpoint_path=missing)  # building needs no file (testing a checkpoint)
    with pytest.raises(FileNotFoundError) as info:
        net.init_weights()
    message = str(info.value)
    assert os.path.abspath(missing) in message and "TorchvisionResNet(resnet50)" in message
    assert "https://download.pytorch.org/models/resnet50-0676ba61.pth" in message and "checkpoint_path=None" in message

    wrong = str(tmp_path / "resnet18.pth")
    torch.save(torchvision_state("resnet18", seed=0), wrong)
    with pytest.raises(KeyError, match=r"weights in .*resnet18.pth do not match .*torchvision resnet50 state dict"):
        TorchvisionResNet("resnet50", checkpoint_path=wrong).init_weights()

    corrupt = tmp_path / "corrupt.pth"
    corrupt.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="cannot read .*corrupt.pth as a PyTorch state dict"):
        TorchvisionResNet("resnet18", checkpoint_path=str(corrupt)).init_weights()


def test_timm_pooled_backbone_loads_through_timm_file_path(tmp_path):
    torch.manual_seed(3)
    full = timm.create_model("resnet10t")  # the full classification model, fc included
    path = str(tmp_path / "resnet10t.pth")
    torch.save(full.state_dict(), path)
    torch.manual_seed(4)
    net = TimmPooledBackbone("resnet10t", checkpoint_path=path)
    assert net.out_channels == 512 and tuple(net(torch.zeros(2, 3, 32, 32)).shape) == (2, 512)
    assert not torch.equal(net.model.conv1[0].weight, full.conv1[0].weight)
    net.init_weights()
    assert_loaded(net.model, full.state_dict())


def test_timm_pooled_missing_and_mismatched_files(tmp_path):
    missing = str(tmp_path / "resnet50_timm.pth")
    with pytest.raises(FileNotFoundError, match="TimmPooledBackbone\\(resnet50\\)") as info:
        TimmPooledBackbone("resnet50", checkpoint_path=missing).init_weights()
    assert os.path.abspath(missing) in str(info.value) and "huggingface.co/timm" in str(info.value)
    wrong = str(tmp_path / "resnet18.pth")
    torch.save(timm.create_model("resnet18").state_dict(), wrong)
    with pytest.raises(KeyError, match="weights in .*resnet18.pth do not match .*timm's 'resnet10t'"):
        TimmPooledBackbone("resnet10t", checkpoint_path=wrong).init_weights()
    with pytest.raises(ValueError, match="unknown timm model 'resnet5O'"):
        TimmPooledBackbone("resnet5O")


def test_algorithm_init_weights_reaches_the_backbone(tmp_path):
    """The Runner's model.init_weights() loads the file through SourceOnly -> ImageClassifier."""
    state = torchvision_state("resnet18", seed=5)
    path = str(tmp_path / "resnet18.pth")
    torch.save(state, path)
    model = MODELS.build(
        dict(
            type="SourceOnly",
            task_model=dict(
                type="ImageClassifier",
                backbone=dict(type="TorchvisionResNet", model_name="resnet18", checkpoint_path=path),
                head=dict(type="LinearClsHead", in_channels=512, num_classes=3),
            ),
        )
    )
    assert not torch.equal(model.task_model.backbone.model.conv1.weight, state["conv1.weight"])
    model.init_weights()
    assert_loaded(model.task_model.backbone.model, state)
