"""Forward passes that leave the running statistics of normalisation layers as they were.

In training mode a BatchNorm layer normalises with the statistics of its batch and also moves its
running mean and variance towards them; evaluation uses the running ones. A training pass on images
unlike those the network is evaluated on (MIC's block-masked target images, of which 70% is blank)
therefore changes evaluation as well as the gradients. :func:`running_stats_kept` runs such a pass
with batch statistics, as before, and puts every running buffer back afterwards, so that only the
gradients remain.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn
from torch.nn.modules.batchnorm import _NormBase


def running_stat_buffers(module: nn.Module) -> dict[str, torch.Tensor]:
    """The running buffers (``running_mean``, ``running_var``, ``num_batches_tracked``) of ``module``'s norm layers."""
    return {
        f"{name}.{buffer_name}": buffer
        for name, layer in module.named_modules()
        if isinstance(layer, _NormBase) and layer.track_running_stats
        for buffer_name, buffer in layer.named_buffers(recurse=False)
        if buffer is not None
    }


@contextmanager
def running_stats_kept(module: nn.Module) -> Iterator[None]:
    """Run the block's forward (and backward) passes, then restore ``module``'s running normalisation statistics.

    The passes themselves are unchanged: in training mode they still normalise with batch
    statistics. Works for every layer built on ``_NormBase`` (BatchNorm, SyncBatchNorm,
    InstanceNorm with ``track_running_stats=True``).
    """
    buffers = running_stat_buffers(module)
    saved = {name: buffer.detach().clone() for name, buffer in buffers.items()}
    try:
        yield
    finally:
        with torch.no_grad():
            for name, buffer in buffers.items():
                buffer.copy_(saved[name])
