"""Any segmentation-models-pytorch encoder as a multi-level feature extractor.

segmentation_models_pytorch (Iakubovskii, https://github.com/qubvel-org/segmentation_models.pytorch)
exposes its encoders through ``encoders.get_encoder(name, in_channels, depth, weights,
output_stride)``; each returns ``depth + 1`` feature maps (the input itself first). This wrapper
takes the encoder *name* as an argument, so no smp name is ever a registry key.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dareg.models.backbones.local_weights import read_state_dict
from dareg.registry import BACKBONES

SMP_WEIGHTS_HINT = (
    "On a machine with network access, save the encoder's weights, e.g. torch.save(segmentation_models_pytorch."
    "encoders.get_encoder('resnet34', weights='imagenet').state_dict(), 'resnet34_smp.pth'), and point "
    "checkpoint_path at the file"
)


@BACKBONES.register_module()
class SMPEncoder(nn.Module):
    """An smp encoder returning the feature levels named by ``out_indices``.

    Pretrained weights, without any download: ``checkpoint_path`` names a local state dict of the
    encoder (e.g. saved with ``torch.save(get_encoder(name, weights="imagenet").state_dict(), path)``
    on a machine with network access). ``encoder_weights="imagenet"`` lets smp fetch its weights,
    which needs network access (or a filled torch hub cache). Both are read by :meth:`init_weights`,
    which mmengine's Runner calls before training and not before testing (mmengine's ``init_cfg``
    convention), so testing or inference from a trained checkpoint needs neither.

    Args:
        encoder_name: Any name of ``segmentation_models_pytorch.encoders.get_encoder_names()``.
        encoder_weights: smp weight name (``"imagenet"`` ...; may download), loaded by
            :meth:`init_weights`. Defaults to None.
        checkpoint_path: Local encoder state dict, loaded by :meth:`init_weights` after
            ``encoder_weights``. Defaults to None.
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

    #: Where to get weights for ``checkpoint_path``, appended to the message of a missing file.
    weights_hint = SMP_WEIGHTS_HINT

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
        self.encoder_weights = encoder_weights
        self.checkpoint_path = checkpoint_path
        self._encoder_kwargs = dict(in_channels=in_channels, depth=depth, output_stride=output_stride)
        self.encoder = get_encoder(encoder_name, weights=None, **self._encoder_kwargs)
        levels = depth + 1
        if not out_indices or any(not -levels <= index < levels for index in out_indices):
            raise ValueError(
                f"SMPEncoder: out_indices {tuple(out_indices)} must name feature levels 0 to {depth} "
                f"(negative counts from the last) for depth={depth}; 0 is the input itself."
            )
        self.out_indices = tuple(index % levels for index in out_indices)
        all_channels = list(self.encoder.out_channels)
        self.out_channels: list[int] = [all_channels[i] for i in self.out_indices]

    def init_weights(self) -> None:
        """Load ``encoder_weights`` (through smp, which adapts ``in_channels``), then ``checkpoint_path``.

        smp loads named weights while it builds an encoder; a second, pretrained encoder is built
        (without touching the global random state) and its state copied. Nothing happens without
        either argument.
        """
        owner = f"SMPEncoder({self.encoder_name})"
        if self.encoder_weights is not None:
            from segmentation_models_pytorch.encoders import get_encoder

            with torch.random.fork_rng(devices=[]):
                pretrained = get_encoder(self.encoder_name, weights=self.encoder_weights, **self._encoder_kwargs)
            self.encoder.load_state_dict(pretrained.state_dict())
        if self.checkpoint_path is not None:
            self._load_local_weights(read_state_dict(self.checkpoint_path, owner, self.weights_hint), owner)

    def _load_local_weights(self, state: dict[str, torch.Tensor], owner: str) -> None:
        """Load the state dict read from ``checkpoint_path`` into :attr:`encoder`, strictly."""
        try:  # smp's encoders override load_state_dict (dropping fc.*) and return nothing: strict it is
            self.encoder.load_state_dict(state)
        except RuntimeError as error:
            raise KeyError(
                f"{owner}: the weights in {self.checkpoint_path} do not match the encoder (expected the state "
                f"dict of smp's '{self.encoder_name}' encoder): {error}"
            ) from error

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = self.encoder(x)
        return [features[i] for i in self.out_indices]
