"""Reference DeepLab-v2 / AdaptSegNet checkpoints load into dareg and give the same logits.

``ReferenceResNetMulti`` below is written from the published facts of the reference implementation
(``model/deeplab_multi.py`` of AdaptSegNet), independently of dareg's code: attribute names
``conv1, bn1, layer1..4`` (Caffe bottlenecks ``conv1..3, bn1..3, downsample``), classifiers
``layer5`` (on layer3) and ``layer6`` (on layer4) holding ``conv2d_list`` of four dilated 3x3 convs
of which the forward pass (a ``return`` inside the loop) sums only the first two.
"""

from __future__ import annotations

import torch
from fixtures.tools import load_tool
from torch import nn

from dareg.models.backbones.deeplabv2 import DeepLabV2ResNet, convert_reference_state_dict
from dareg.models.segmentors.multi_level_segmentor import MultiLevelSegmentor


class ReferenceBottleneck(nn.Module):
    def __init__(self, inplanes, planes, stride=1, dilation=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        residual = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            residual = self.downsample(x)
        out += residual
        return self.relu(out)


class ReferenceClassifier(nn.Module):
    def __init__(self, inplanes, dilations, num_classes):
        super().__init__()
        self.conv2d_list = nn.ModuleList(
            nn.Conv2d(inplanes, num_classes, 3, padding=d, dilation=d, bias=True) for d in dilations
        )

    def forward(self, x):
        out = self.conv2d_list[0](x)
        for i in range(len(self.conv2d_list) - 1):
            out += self.conv2d_list[i + 1](x)
            return out  # the reference returns inside the loop: two branches only


class ReferenceResNetMulti(nn.Module):
    def __init__(self, layers, num_classes):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=1, dilation=2)
        self.layer4 = self._make_layer(512, layers[3], stride=1, dilation=4)
        self.layer5 = ReferenceClassifier(1024, [6, 12, 18, 24], num_classes)
        self.layer6 = ReferenceClassifier(2048, [6, 12, 18, 24], num_classes)

    def _make_layer(self, planes, blocks, stride=1, dilation=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * 4 or dilation in (2, 4):
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * 4, 1, stride=stride, bias=False), nn.BatchNorm2d(planes * 4)
            )
        layers = [ReferenceBottleneck(self.inplanes, planes, stride, dilation=dilation, downsample=downsample)]
        self.inplanes = planes * 4
        layers += [ReferenceBottleneck(self.inplanes, planes, dilation=dilation) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer3(self.layer2(self.layer1(x)))
        x1 = self.layer5(x)
        x2 = self.layer6(self.layer4(x))
        return x1, x2


def randomised_reference(num_classes: int = 5) -> ReferenceResNetMulti:
    """A ResNet-50-sized reference model with random weights and random BN statistics."""
    torch.manual_seed(0)
    model = ReferenceResNetMulti([3, 4, 6, 3], num_classes)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Conv2d):
                module.weight.normal_(0, 0.05)
            elif isinstance(module, nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0, 0.1)
                module.running_mean.normal_(0, 0.1)
                module.running_var.uniform_(0.5, 2.0)
    return model.eval()


def dareg_segmentor(num_classes: int = 5) -> MultiLevelSegmentor:
    return MultiLevelSegmentor(
        backbone=dict(type="DeepLabV2ResNet", depth=50),
        head=dict(type="ASPPClassifier", num_classes=num_classes),
        auxiliary_head=dict(type="ASPPClassifier", num_classes=num_classes),
    ).eval()


def reference_state_dict(model: nn.Module) -> dict:
    """The state dict as PyTorch 0.3 saved it: no num_batches_tracked buffers."""
    return {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


def test_converted_multi_level_model_gives_the_reference_logits():
    reference = randomised_reference()
    ours = dareg_segmentor()
    converted = convert_reference_state_dict(reference_state_dict(reference), prefix="")
    missing, unexpected = ours.load_state_dict(converted, strict=False)
    assert unexpected == [] and all(k.endswith("num_batches_tracked") for k in missing)

    x = torch.randn(1, 3, 41, 57)
    with torch.no_grad():
        expected_aux, expected_main = reference(x)
        aux, main = ours(x)
    torch.testing.assert_close(aux, expected_aux, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(main, expected_main, rtol=1e-4, atol=1e-5)


def test_init_checkpoint_with_scale_prefix_loads_as_pretrained_backbone(tmp_path):
    reference = randomised_reference(num_classes=21)  # the init model's classifier is not Cityscapes'
    path = tmp_path / "DeepLab_resnet_pretrained_init.pth"
    torch.save({f"Scale.{k}": v for k, v in reference_state_dict(reference).items()}, path)
    backbone = DeepLabV2ResNet(depth=50, pretrained=str(path)).eval()
    backbone.init_weights()  # what the Runner calls before training
    torch.testing.assert_close(backbone.layer4[2].conv3.weight, reference.layer4[2].conv3.weight)
    ours_bn, reference_bn = backbone.layer2[0].downsample[1], reference.layer2[0].downsample[1]
    torch.testing.assert_close(ours_bn.running_var, reference_bn.running_var)
    x = torch.randn(1, 3, 33, 33)
    with torch.no_grad():
        expected = reference.layer4(reference.layer3(reference.layer2(reference.layer1(
            reference.maxpool(reference.relu(reference.bn1(reference.conv1(x))))))))
        torch.testing.assert_close(backbone(x)[-1], expected, rtol=1e-4, atol=1e-5)

    backbone_only = convert_reference_state_dict(torch.load(path), include_heads=False)
    assert backbone_only and all(k.startswith("segmentor.backbone.") for k in backbone_only)


def test_convert_tool_writes_a_checkpoint_the_algorithm_loads(tmp_path):
    tool = load_tool("convert/deeplabv2_to_dareg.py")
    reference = randomised_reference()
    src, dst = tmp_path / "GTA2Cityscapes_multi.pth", tmp_path / "dareg.pth"
    torch.save(reference_state_dict(reference), src)
    assert tool.main([str(src), str(dst), "--prefix", ""]) == 0
    state = torch.load(dst)["state_dict"]
    assert "head.branches.1.weight" in state and "head.branches.2.weight" not in state  # two active branches
    assert torch.equal(state["auxiliary_head.branches.0.bias"], reference.layer5.conv2d_list[0].bias)
    assert torch.equal(state["head.branches.0.bias"], reference.layer6.conv2d_list[0].bias)
    ours = dareg_segmentor()
    _, unexpected = ours.load_state_dict(state, strict=False)
    assert unexpected == []
