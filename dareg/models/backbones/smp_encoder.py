"""Any segmentation-models-pytorch encoder as a multi-level feature extractor.

segmentation_models_pytorch (Iakubovskii, https://github.com/qubvel-org/segmentation_models.pytorch)
exposes its encoders through ``encoders.get_encoder(name, in_channels, depth, weights,
output_stride)``; each returns ``depth + 1`` feature maps (the input itself first). This wrapper
takes the encoder *name* as an argument, so no smp name is ever a registry key.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch
from torch import nn

from dareg.registry import BACKBONES


@BACKBONES.register_module()
class SMPEncoder(nn.Module):
    """An smp encoder returning the feature levels named by ``out_indices``.

    Pretrained weights, without any download: ``checkpoint_path`` names a local state dict of the
    encoder (e.g. saved with ``torch.save(get_encoder(name, weights="imagenet").state_dict(), path)``
    on a machine with network access). ``encoder_weights="imagenet"`` lets smp fetch its weights,
    which needs network access (or a filled torch hub cache).

    Args:
        encoder_name: Any name of ``segmentation_models_pytorch.encoders.get_encoder_names()``.
        encoder_weights: smp weight name (``"imagenet"`` ...; may download). Defaults to None.
        checkpoint_path: Local encoder state dict loaded after construction. Defaults to None.
        depth: Number of encoder stages (3 to 5). Defaults to 5.
        out_indices: Which of the ``depth + 1`` feature maps are returned (0 is the input itself;
            negative indices count from the deepest). Defaults to ``(-2, -1)``.
        output_stride: 8, 16 or 32. Defaults to 32.
        in_channels: Input channels. Defaults to 3.

    Attributes:
        out_channels: Channels of each returned level.

    Examples:
        >>> net = SMPEncoder("resnet18", output_stride=8)
        >>> net.out_channels, [tuple(f.shape) for f in net(torch.zeros(1, 3, 64, 64))]
        ([256, 512], [(1, 256, 8, 8), (1, 512, 8, 8)])
    """

    def __init__(
        self,
        encoder_name: str,
        encoder_weights: str | None = None,
        checkpoint_path: str | None = None,
        depth: int = 5,
        out_indices: Sequence[int] = (-2, -1),
        output_stride: int = 32,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        from segmentation_models_pytorch.encoders import get_encoder, get_encoder_names

        names = get_encoder_names()
        if encoder_name not in names:
            import difflib

            close = difflib.get_close_matches(encoder_name, names, n=5)
            raise ValueError(f"SMPEncoder: unknown smp encoder '{encoder_name}'. Did you mean: {close}?")
        self.encoder_name = encoder_name
        self.encoder = get_encoder(
            encoder_name, in_channels=in_channels, depth=depth, weights=encoder_weights, output_stride=output_stride
        )
        if checkpoint_path is not None:
            if not os.path.isfile(checkpoint_path):
                raise FileNotFoundError(f"SMPEncoder({encoder_name}): checkpoint_path {checkpoint_path} does not exist")
            state = torch.load(checkpoint_path, map_location="cpu", weights_only=True)
            self.encoder.load_state_dict(state.get("state_dict", state))
        levels = depth + 1
        self.out_indices = tuple(index % levels for index in out_indices)
        if any(index >= levels for index in out_indices) or any(index < -levels for index in out_indices):
            raise ValueError(f"SMPEncoder: out_indices {tuple(out_indices)} out of range for depth={depth}")
        all_channels = list(self.encoder.out_channels)
        self.out_channels: list[int] = [all_channels[i] for i in self.out_indices]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = self.encoder(x)
        return [features[i] for i in self.out_indices]
