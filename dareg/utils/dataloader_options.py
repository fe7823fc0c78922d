"""Dataloader options that only some machines and worker counts can use.

The real-data configs ask for ``pin_memory=True`` (page-locked batches: faster, asynchronous
host-to-GPU copies) and ``persistent_workers=True`` (workers, and what they opened, live across
epochs). PyTorch refuses ``persistent_workers`` with ``num_workers=0`` (a ``ValueError`` when the
loader is built) and warns about ``pin_memory`` where there is no accelerator.
:func:`fit_dataloader_options`, which :func:`~dareg.apis.train.build_runner` calls, drops them
there, so ``--cfg-options train_dataloader.num_workers=0`` and CPU runs of those configs just work.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

DATALOADER_KEYS = ("train_dataloader", "val_dataloader", "test_dataloader")


def accelerator_available() -> bool:
    """Whether PyTorch sees an accelerator that pinned memory serves (CUDA, XPU ...; not MPS)."""
    import torch

    accelerator = getattr(torch, "accelerator", None)
    if accelerator is None or not hasattr(accelerator, "is_available"):
        return bool(torch.cuda.is_available())
    if not accelerator.is_available():
        return False
    return accelerator.current_accelerator().type != "mps"  # PyTorch does not pin for MPS (it warns)


def fit_dataloader_options(cfg: MutableMapping[str, Any], accelerator: bool | None = None) -> list[str]:
    """Drop the dataloader options that this machine or the worker count cannot use.

    Args:
        cfg: A config (or dict) with ``train_dataloader`` / ``val_dataloader`` / ``test_dataloader``.
        accelerator: Whether an accelerator is present; None asks PyTorch. Defaults to None.

    Returns:
        What was dropped, as ``"<loader>.<option>"`` strings.
    """
    dropped = []
    for key in DATALOADER_KEYS:
        loader = cfg.get(key)
        if not isinstance(loader, MutableMapping):
            continue
        if loader.get("persistent_workers") and not loader.get("num_workers", 0):
            loader["persistent_workers"] = False
            dropped.append(f"{key}.persistent_workers")
        if loader.get("pin_memory"):
            if accelerator is None:
                accelerator = accelerator_available()
            if not accelerator:
                loader["pin_memory"] = False
                dropped.append(f"{key}.pin_memory")
    return dropped
