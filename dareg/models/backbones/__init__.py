"""Backbones registered in dareg's BACKBONES registry."""

from dareg.models.backbones.deeplabv2 import DeepLabV2ResNet
from dareg.models.backbones.lenet import LeNetEncoder, PixelDATaskNet
from dareg.models.backbones.mix_transformer import MixTransformer
from dareg.models.backbones.smp_encoder import SMPEncoder
from dareg.models.backbones.timm_backbone import TimmBackbone
from dareg.models.backbones.timm_pooled import TimmPooledBackbone
from dareg.models.backbones.torchvision_resnet import TorchvisionResNet

__all__ = [
    "DeepLabV2ResNet",
    "LeNetEncoder",
    "MixTransformer",
    "PixelDATaskNet",
    "SMPEncoder",
    "TimmBackbone",
    "TimmPooledBackbone",
    "TorchvisionResNet",
]
