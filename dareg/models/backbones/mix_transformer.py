"""SegFormer's Mix Transformer encoders MiT-B0 ... B5, as segmentation-models-pytorch ships them.

Xie et al., "SegFormer: Simple and Efficient Design for Semantic Segmentation with Transformers",
NeurIPS 2021 (reference code NVlabs/SegFormer; DAFormer copies it as
``mmseg/models/backbones/mix_transformer.py``). segmentation-models-pytorch builds the same networks
(``encoders/mix_transformer.py``) with the reference's module names (``patch_embedN.proj/norm``,
``blockN.i.attn.{q,kv,sr,norm,proj}``, ``mlp.{fc1,dwconv.dwconv,fc2}``, ``normN``), so SegFormer's
ImageNet files ``mit_b*.pth`` load as they are once their classifier ``head.*`` is dropped
(``/work/shared/METHODS_SELFTRAINING.md`` section 6).

Reference facts (DAFormer ``mix_transformer.py``): stage widths [32, 64, 160, 256] for B0 and
[64, 128, 320, 512] for B1-B5; depths [2, 2, 2, 2] (B0, B1), [3, 4, 6, 3] (B2), [3, 4, 18, 3] (B3),
[3, 8, 27, 3] (B4), [3, 6, 40, 3] (B5); heads [1, 2, 5, 8]; spatial reduction [8, 4, 2, 1]; MLP
ratio 4; stochastic depth rising linearly from 0 to ``drop_path_rate`` 0.1 over all blocks
(mix_transformer.py:189-210, 457-470, 537-550). The stages' features have strides 4, 8, 16 and 32.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import torch
from torch import nn

from dareg.models.backbones.smp_encoder import SMPEncoder
from dareg.registry import BACKBONES

#: The MiT variants smp ships, smallest first.
MIT_ARCHS = ("mit_b0", "mit_b1", "mit_b2", "mit_b3", "mit_b4", "mit_b5")

#: Stride of each stage's features with respect to the input.
MIT_STAGE_STRIDES = (4, 8, 16, 32)

#: smp returns [input, empty placeholder for stride 2, stage 1, ..., stage 4]: stage ``s`` is level ``s + 2``.
_FIRST_STAGE_LEVEL = 2

MIT_WEIGHTS_HINT = (
    "Download SegFormer's ImageNet-1k weights mit_bX.pth (the OneDrive link of the NVlabs/SegFormer README, "
    "which DAFormer's README points to) on a machine with network access and point checkpoint_path at the "
    "file; or let smp fetch its copy with encoder_weights='imagenet' (Hugging Face smp-hub/mit_bX.imagenet)"
)


def set_drop_path_rate(encoder: nn.Module, rate: float) -> list[float]:
    """Give the blocks of an MiT encoder stochastic depth rising linearly from 0 to ``rate``.

    The reference builds ``DropPath(p)`` for ``p > 0`` and an identity for ``p = 0`` (the first
    block), with ``p = linspace(0, rate, number of blocks)`` over the four stages in order.

    Returns:
        The drop probability of each block, in order.
    """
    from timm.layers import DropPath  # the reference's (timm's) stochastic depth

    blocks = [block for stage in ("block1", "block2", "block3", "block4") for block in getattr(encoder, stage)]
    probabilities = torch.linspace(0, rate, len(blocks)).tolist()
    for block, probability in zip(blocks, probabilities):
        block.drop_path = DropPath(probability) if probability > 0 else nn.Identity()
    return probabilities


@BACKBONES.register_module()
class MixTransformer(SMPEncoder):
    """A Mix Transformer (MiT-B0 ... B5) encoder returning the features of its four stages.

    The features of stage ``s`` (0-based) have stride ``4 * 2**s``; :attr:`out_channels` gives their
    widths, so a head that reads every stage (``DAFormerHead``) needs no ``in_channels``.

    Pretrained weights, without any download: ``checkpoint_path`` names SegFormer's ImageNet file
    (``mit_b5.pth`` ...). It is loaded by :meth:`init_weights` (which mmengine's Runner calls before
    training, not before testing), strictly: every key of the encoder must be in the file with its
    shape, and the file may hold nothing else but the ImageNet classifier ``head.*``, which is
    dropped. (The reference loads it with ``strict=False``, which would also accept a file that
    fits nothing.) ``encoder_weights="imagenet"`` lets smp fetch its copy instead, which needs
    network access.

    Args:
        arch: ``"mit_b0"`` ... ``"mit_b5"``. Defaults to ``"mit_b5"`` (DAFormer's encoder).
        checkpoint_path: SegFormer's ``mit_bX.pth`` (or any state dict with the same keys), loaded by
            :meth:`init_weights`. Defaults to None.
        encoder_weights: smp weight name (``"imagenet"``; downloads), loaded by :meth:`init_weights`
            before ``checkpoint_path``. Defaults to None.
        out_indices: Stages returned (0 to 3, negative counts from the last). Defaults to
            ``(0, 1, 2, 3)``.
        drop_path_rate: Stochastic depth of the last block (linear from 0 over all blocks).
            Defaults to 0.1, the reference's.
        in_channels: Input channels. Defaults to 3.

    Attributes:
        out_channels: Channels of each returned stage.
        reductions: Stride of each returned stage.
        stages: The returned stages (0-based).

    Examples:
        >>> net = MixTransformer("mit_b0")
        >>> net.out_channels, [tuple(f.shape) for f in net(torch.zeros(1, 3, 64, 64))]
        ([32, 64, 160, 256], [(1, 32, 16, 16), (1, 64, 8, 8), (1, 160, 4, 4), (1, 256, 2, 2)])
    """

    weights_hint = MIT_WEIGHTS_HINT

    def __init__(
        self,
        arch: str = "mit_b5",
        checkpoint_path: str | None = None,
        encoder_weights: str | None = None,
        out_indices: Sequence[int] = (0, 1, 2, 3),
        drop_path_rate: float = 0.1,
        in_channels: int = 3,
    ) -> None:
        if arch not in MIT_ARCHS:
            close = difflib.get_close_matches(str(arch), MIT_ARCHS, n=3)
            raise ValueError(f"MixTransformer: unknown arch {arch!r}; choose one of {MIT_ARCHS} (close: {close})")
        num_stages = len(MIT_STAGE_STRIDES)
        if not out_indices or any(not -num_stages <= index < num_stages for index in out_indices):
            raise ValueError(
                f"MixTransformer: out_indices {tuple(out_indices)} must name stages 0 to {num_stages - 1} "
                f"(strides {MIT_STAGE_STRIDES}); negative indices count from the last stage."
            )
        if not 0.0 <= drop_path_rate < 1.0:
            raise ValueError(f"MixTransformer: drop_path_rate must be in [0, 1), got {drop_path_rate}")
        stages = tuple(index % num_stages for index in out_indices)
        super().__init__(
            arch,
            encoder_weights=encoder_weights,
            checkpoint_path=checkpoint_path,
            depth=5,
            out_indices=tuple(_FIRST_STAGE_LEVEL + stage for stage in stages),
            output_stride=32,
            in_channels=in_channels,
        )
        self.arch = arch
        self.stages = stages
        self.reductions: list[int] = [MIT_STAGE_STRIDES[stage] for stage in stages]
        self.drop_path_rate = float(drop_path_rate)
        set_drop_path_rate(self.encoder, self.drop_path_rate)

    def _load_local_weights(self, state: dict[str, torch.Tensor], owner: str) -> None:
        """Load SegFormer's ``mit_bX.pth`` strictly, without its ImageNet classifier ``head.*``."""
        state = {key: value for key, value in state.items() if not key.startswith("head.")}
        expected = self.encoder.state_dict()
        missing = sorted(expected.keys() - state.keys())
        unexpected = sorted(state.keys() - expected.keys())
        reshaped = sorted(key for key in expected.keys() & state.keys() if expected[key].shape != state[key].shape)
        if missing or unexpected or reshaped:
            raise KeyError(
                f"{owner}: the weights in {self.checkpoint_path} do not match the {self.arch} encoder: missing "
                f"{missing[:3]} ({len(missing)}), unexpected {unexpected[:3]} ({len(unexpected)}), other shapes "
                f"{reshaped[:3]} ({len(reshaped)}). Expected SegFormer's ImageNet file {self.arch}.pth (keys "
                f"'patch_embed1.proj.weight' ...).{_layout_hint(unexpected)}"
            )
        nn.Module.load_state_dict(self.encoder, state, strict=True)


def _layout_hint(unexpected: list[str]) -> str:
    """Name the known foreign layouts of MiT weights, from their keys."""
    if any(key.startswith("layers.") for key in unexpected):
        return (
            " This file has mmsegmentation 1.x names (layers.*), converted by tools/model_converters/mit2mmseg.py; "
            "use the original SegFormer file."
        )
    if any(key.startswith(("backbone.", "decode_head.")) for key in unexpected):
        return (
            " This file holds a whole segmentor (backbone.*, decode_head.*); start a run from it with load_from, "
            "or save its backbone.* entries without the prefix."
        )
    if any(key.startswith("encoder.") for key in unexpected):
        return " This file holds a MixTransformer's state dict (encoder.*); save its entries without the prefix."
    return ""
