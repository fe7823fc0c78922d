"""A sub-module of a network by its dotted path, with an error that shows what is there instead."""

from __future__ import annotations

import fnmatch

from torch import nn
from torch.nn.parallel import DistributedDataParallel


def get_submodule(model: nn.Module, path: str, named_by: str, hint: str = "") -> nn.Module:
    """``model.<path>`` (dots allowed), or a ``KeyError`` naming the children where the path breaks off.

    Args:
        model: The network (an algorithm, possibly with DDP-wrapped sub-networks).
        path: Attribute path, e.g. ``"classifier.backbone"``.
        named_by: What named the path (a config key or a hook), the start of the error message.
        hint: What to do about it, the end of the error message. Defaults to "".

    Raises:
        KeyError: A part of ``path`` is not a sub-module.
    """
    module = model
    for part in path.split("."):
        child = getattr(module, part, None)
        if not isinstance(child, nn.Module):
            inner = module.module if isinstance(getattr(module, "module", None), nn.Module) else module  # DDP
            children = sorted(name for name, _ in inner.named_children())
            raise KeyError(
                f"{named_by}: {type(model).__name__} has no sub-module '{path}' (no '{part}' here; "
                f"children: {children}).{' ' + hint if hint else ''}"
            )
        module = child
    return module


#: Characters that make a path part a shell-style pattern (``fnmatch``) in :func:`find_submodules`.
PATTERN_CHARACTERS = frozenset("*?[")


def find_submodules(model: nn.Module, path: str, named_by: str, hint: str = "") -> dict[str, nn.Module]:
    """The sub-modules at ``path``, whose dot-separated parts may be shell-style patterns, by their paths.

    Each part matches one level: ``"task_model.backbone.encoder.block*.*"`` names every block of every
    stage of an MiT encoder (``block1.0`` ...), not the blocks' own children. A path without a pattern
    is :func:`get_submodule`'s.

    Args:
        model: The network (DDP wrappers of sub-networks are looked through).
        path: Attribute path, e.g. ``"task_model.backbone.encoder.block*.*"``.
        named_by: What named the path, the start of the error message.
        hint: What to do about it, the end of the error message. Defaults to "".

    Returns:
        ``{path: module}`` in the model's order, at least one entry.

    Raises:
        KeyError: Nothing matches; the message names the part and the children it was matched against.

    Examples:
        >>> net = nn.Sequential(nn.Sequential(nn.Linear(1, 1), nn.ReLU()), nn.Linear(1, 1))
        >>> list(find_submodules(net, "*.?", "example"))
        ['0.0', '0.1']
    """
    if not PATTERN_CHARACTERS & set(path):
        return {path: get_submodule(model, path, named_by, hint)}
    found: dict[str, nn.Module] = {"": model}
    for part in path.split("."):
        matched: dict[str, nn.Module] = {}
        for prefix, module in found.items():
            for name, child in _children(module):
                if fnmatch.fnmatchcase(name, part):
                    matched[f"{prefix}.{name}" if prefix else name] = child
        if not matched:
            children = sorted({name for module in found.values() for name, _ in _children(module)})
            raise KeyError(
                f"{named_by}: nothing in {type(model).__name__} matches '{path}' (no match for '{part}' among "
                f"{children[:20]}).{' ' + hint if hint else ''}"
            )
        found = matched
    return found


def _children(module: nn.Module) -> list[tuple[str, nn.Module]]:
    """The children of ``module``, or of the network a DDP wrapper holds."""
    return list((module.module if isinstance(module, DistributedDataParallel) else module).named_children())
