"""Any timm model as a pooled feature extractor (``timm.create_model(name, num_classes=0)``).

The classification methods need one feature vector per image (ResNet-50: 2048-d after global
average pooling), where :class:`~dareg.models.backbones.TimmBackbone` returns feature maps for
dense heads. timm (Wightman, https://github.com/huggingface/pytorch-image-models) removes the
classifier with ``num_classes=0`` and keeps the model's own pooling. Local pretrained weights go
through timm's pretrained-weight loader with ``pretrained_cfg_overlay``'s ``file`` (timm's documented
way to load a file; it drops the classifier weights and adapts the input channels), called in
:meth:`TimmPooledBackbone.init_weights`, so nothing is downloaded and testing needs no weights file.
"""

from __future__ import annotations

import os
from typing import Any

import torch
from torch import nn

from dareg.registry import BACKBONES

TIMM_WEIGHTS_HINT = (
    "On a machine with network access, save the weights of the timm model, e.g. "
    "torch.save(timm.create_model('resnet50', pretrained=True).state_dict(), 'resnet50_timm.pth'), or "
    "download the model's model.safetensors from its Hugging Face hub page (huggingface.co/timm/<model>), "
    "and point checkpoint_path at the file (see docs/get_started/classification_benchmarks.md)"
)


@BACKBONES.register_module()
class TimmPooledBackbone(nn.Module):
    """A timm classification model without its classifier: images -> pooled features ``N x C``.

    Args:
        model_name: Any name of ``timm.list_models()`` (``"resnet50"``, ``"convnext_tiny"`` ...).
            Defaults to ``"resnet50"``.
        checkpoint_path: Local weights file of the *full* timm model (``.pth`` state dict or
            ``.safetensors``), loaded by :meth:`init_weights` through timm's
            ``pretrained_cfg_overlay=dict(file=...)`` path. Defaults to None (random initialisation).
        in_channels: Input channels. Defaults to 3.
        **kwargs: Forwarded to ``timm.create_model`` (``drop_path_rate``, ``global_pool`` ...).

    Attributes:
        out_channels: Width of the pooled features (``model.num_features``).

    Examples:
        >>> net = TimmPooledBackbone("resnet18")
        >>> net.out_channels, tuple(net(torch.zeros(2, 3, 64, 64)).shape)
        (512, (2, 512))
    """

    def __init__(
        self, model_name: str = "resnet50", checkpoint_path: str | None = None, in_channels: int = 3, **kwargs: Any
    ) -> None:
        super().__init__()
        import timm

        if not timm.is_model(model_name):
            import difflib

            close = difflib.get_close_matches(model_name, timm.list_models(), n=5)
            raise ValueError(f"TimmPooledBackbone: unknown timm model '{model_name}'. Did you mean: {close}?")
        self.model_name = model_name
        self.checkpoint_path = checkpoint_path
        self.in_channels = in_channels
        self.model = timm.create_model(model_name, pretrained=False, num_classes=0, in_chans=in_channels, **kwargs)
        self.out_channels: int = int(self.model.num_features)

    def init_weights(self) -> None:
        """Load ``checkpoint_path`` through timm's pretrained loader (nothing to do without one)."""
        if self.checkpoint_path is None:
            return
        from timm.models import load_pretrained

        owner = f"TimmPooledBackbone({self.model_name})"
        if not os.path.isfile(self.checkpoint_path):
            raise FileNotFoundError(
                f"{owner}: pretrained weights file {os.path.abspath(self.checkpoint_path)} does not exist "
                f"(checkpoint_path={self.checkpoint_path!r}). {TIMM_WEIGHTS_HINT}. Nothing is downloaded at run "
                "time; set checkpoint_path=None to start from random weights."
            )
        pretrained_cfg = dict(self.model.pretrained_cfg, file=self.checkpoint_path, url=None, hf_hub_id=None)
        try:
            load_pretrained(self.model, pretrained_cfg=pretrained_cfg, num_classes=0, in_chans=self.in_channels)
        except RuntimeError as error:  # load_state_dict(strict=True) lists the mismatching keys
            raise KeyError(
                f"{owner}: the weights in {self.checkpoint_path} do not match the network (expected the state dict "
                f"of timm's '{self.model_name}'): {error}"
            ) from error

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.model(inputs)
