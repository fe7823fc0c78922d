"""Reading pretrained backbone weights from a local file, with errors that say where to get them.

dareg never downloads weights at run time: a config names a file (``checkpoint_path``), and the
backbone loads it in ``init_weights`` (mmengine's convention: training initialises the model, while
testing or resuming loads a checkpoint over it and needs no pretraining file).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import torch

from dareg.utils.checkpoint_files import load_checkpoint_file

#: Where the ImageNet weights of the classification benchmarks come from (torchvision's IMAGENET1K_V1
#: files, what the Transfer-Learning-Library fine-tunes).
TORCHVISION_WEIGHTS_HINT = (
    "Download torchvision's ImageNet weights on a machine with network access, e.g. "
    "https://download.pytorch.org/models/resnet50-0676ba61.pth (ResNet-50, IMAGENET1K_V1) or "
    "https://download.pytorch.org/models/resnet101-63fe2227.pth (ResNet-101), or save "
    "torchvision.models.resnet50(weights='IMAGENET1K_V1').state_dict() with torch.save, and point "
    "checkpoint_path at the file (see docs/get_started/classification_benchmarks.md)"
)


def require_file(path: str, owner: str, hint: str, argument: str = "checkpoint_path") -> None:
    """Raise ``FileNotFoundError`` naming ``path``, the argument that set it and where to get it."""
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"{owner}: pretrained weights file {os.path.abspath(path)} does not exist ({argument}={path!r}). "
            f"{hint}. Nothing is downloaded at run time; set {argument}=None to start from random weights. "
            "(Only training reads this file, in init_weights: testing or inference from a trained "
            "checkpoint does not need it.)"
        )


def read_state_dict(path: str, owner: str, hint: str, argument: str = "checkpoint_path") -> dict[str, torch.Tensor]:
    """Read a state dict (``.pth``/``.pt``/``.bin`` via ``torch.load(weights_only=True)``, or ``.safetensors``).

    A checkpoint that wraps its weights in ``state_dict`` or ``model`` is unwrapped, and a
    ``module.`` prefix (DataParallel) is removed.

    Args:
        path: The file.
        owner: Who asks (``"TorchvisionResNet(resnet50)"``), for the messages.
        hint: Where to get the file, appended to the not-found message.
        argument: The constructor argument that names the file, for the messages. Defaults to
            ``"checkpoint_path"``.

    Raises:
        FileNotFoundError: ``path`` does not exist (the message names it and says where to get it).
        ValueError: The file cannot be read as a state dict.
    """
    require_file(path, owner, hint, argument)
    try:
        if path.endswith(".safetensors"):
            from safetensors.torch import load_file

            checkpoint = load_file(path, device="cpu")
        else:
            checkpoint = load_checkpoint_file(path, "cpu")
    except Exception as error:  # torch and safetensors raise many types for a corrupt or foreign file
        raise ValueError(f"{owner}: cannot read {path} as a PyTorch state dict: {error}") from error
    for key in ("state_dict", "model"):
        if isinstance(checkpoint, Mapping) and isinstance(checkpoint.get(key), Mapping):
            checkpoint = checkpoint[key]
    if not isinstance(checkpoint, Mapping) or not all(isinstance(v, torch.Tensor) for v in checkpoint.values()):
        raise ValueError(f"{owner}: {path} does not hold a state dict (a mapping of parameter names to tensors).")
    return {key.removeprefix("module."): value for key, value in checkpoint.items()}


def load_matching(
    module: torch.nn.Module, state: Mapping[str, torch.Tensor], owner: str, path: str, expected: str
) -> None:
    """Load ``state`` into ``module``; fail naming the file and the first mismatching keys or shapes.

    Buffers ``num_batches_tracked`` may be absent (old torchvision files).
    """
    try:
        missing, unexpected = module.load_state_dict(state, strict=False)
    except RuntimeError as error:  # same names, other shapes (a ResNet of another depth)
        raise KeyError(
            f"{owner}: the weights in {path} do not match the network ({error}). Expected {expected}."
        ) from error
    missing = [key for key in missing if not key.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise KeyError(
            f"{owner}: the weights in {path} do not match the network: missing {missing[:5]} ({len(missing)}), "
            f"unexpected {unexpected[:5]} ({len(unexpected)}). Expected {expected}."
        )
