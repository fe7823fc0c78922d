"""Any timm model as a multi-level feature extractor (``timm.create_model(..., features_only=True)``).

timm (Wightman, https://github.com/huggingface/pytorch-image-models) builds feature pyramids for
almost every model it has; ``output_stride=8`` dilates the last stages as DeepLab does. This wrapper
takes the model *name* as an argument, so no timm name is ever a registry key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from dareg.models.backbones.local_weights import require_file
from dareg.models.backbones.timm_pooled import TIMM_WEIGHTS_HINT
from dareg.registry import BACKBONES


@BACKBONES.register_module()
class TimmBackbone(nn.Module):
    """A timm model with ``features_only=True``, returning the feature maps named by ``out_indices``.

    Pretrained weights, without any download: set ``checkpoint_path`` to a local file (the state
    dict of the *full* timm classification model, e.g. ``torch.save(timm.create_model(name,
    pretrained=True).state_dict(), path)`` on a machine with network access, or a hub
    ``model.safetensors``); it is loaded through timm's pretrained-weights path
    (``pretrained_cfg_overlay=dict(file=...)``), which filters the classifier and adapts the input
    channels before the model is cut into features. ``pretrained=True`` asks timm to fetch its
    default weights, which needs network access (or a filled ``HF_HOME`` / torch hub cache).

    Either is read by :meth:`init_weights`, which mmengine's Runner calls before training and
    not before testing (mmengine's ``init_cfg`` convention): the constructor builds the network
    with random weights, so testing or inference from a trained checkpoint needs neither the file
    nor the network.

    Args:
        model_name: Any name of ``timm.list_models()`` (``"resnet50"``, ``"convnext_tiny"`` ...).
        pretrained: Let timm load its pretrained weights in :meth:`init_weights` (may download).
            Defaults to False.
        checkpoint_path: Local checkpoint loaded by timm in :meth:`init_weights` (no download).
            Defaults to None.
        out_indices: Feature levels returned, as timm counts them (``-1`` = last stage). Defaults
            to ``(-2, -1)``: the two deepest stages, for a main and an auxiliary head.
        output_stride: 8, 16 or 32 (dilating the last stages; not every timm model supports it).
            Defaults to None (the model's own, usually 32).
        in_channels: Input channels. Defaults to 3.
        **kwargs: Forwarded to ``timm.create_model`` (``drop_path_rate`` ...).

    Attributes:
        out_channels: Channels of each returned level.
        reductions: Stride of each returned level with respect to the input.

    Examples:
        >>> net = TimmBackbone("resnet18", output_stride=8)
        >>> net.out_channels, [tuple(f.shape) for f in net(torch.zeros(1, 3, 64, 64))]
        ([256, 512], [(1, 256, 8, 8), (1, 512, 8, 8)])
    """

    def __init__(
        self,
        model_name: str,
        pretrained: bool = False,
        checkpoint_path: str | None = None,
        out_indices: Sequence[int] = (-2, -1),
        output_stride: int | None = None,
        in_channels: int = 3,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        import timm

        if not timm.is_model(model_name):
            import difflib

            close = difflib.get_close_matches(model_name, timm.list_models(), n=5)
            raise ValueError(f"TimmBackbone: unknown timm model '{model_name}'. Did you mean: {close}?")
        if output_stride is not None:
            kwargs["output_stride"] = output_stride
        self.model_name = model_name
        self.pretrained = pretrained
        self.checkpoint_path = checkpoint_path
        self._create_kwargs = dict(features_only=True, out_indices=tuple(out_indices), in_chans=in_channels, **kwargs)
        self.model = timm.create_model(model_name, pretrained=False, **self._create_kwargs)
        self.out_channels: list[int] = list(self.model.feature_info.channels())
        self.reductions: list[int] = list(self.model.feature_info.reduction())

    def init_weights(self) -> None:
        """Load the pretrained weights (``checkpoint_path``, else timm's with ``pretrained=True``).

        timm loads weights while it builds a model, before cutting it into features; so a second,
        pretrained copy is built (without touching the global random state) and its state is
        copied into :attr:`model`. Nothing happens without ``checkpoint_path`` or ``pretrained``.
        """
        if self.checkpoint_path is None and not self.pretrained:
            return
        import timm

        kwargs = dict(self._create_kwargs)
        if self.checkpoint_path is not None:
            require_file(self.checkpoint_path, f"TimmBackbone({self.model_name})", TIMM_WEIGHTS_HINT)
            # timm's documented way to load local weights: the pretrained-weight path with a file overlay
            kwargs["pretrained_cfg_overlay"] = dict(file=self.checkpoint_path)
        with torch.random.fork_rng(devices=[]):
            pretrained = timm.create_model(self.model_name, pretrained=True, **kwargs)
        self.model.load_state_dict(pretrained.state_dict())

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return list(self.model(x))
