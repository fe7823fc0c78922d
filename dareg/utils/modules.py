"""A sub-module of a network by its dotted path, with an error that shows what is there instead."""

from __future__ import annotations

from torch import nn


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
