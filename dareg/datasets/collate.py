"""Batching of single-domain and two-domain samples."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from dareg.registry import FUNCTIONS


def _stack_or_list(values: list[Any]) -> Any:
    tensors = values and all(isinstance(v, torch.Tensor) for v in values)
    if tensors and len({tuple(v.shape) for v in values}) == 1:
        return torch.stack(values)
    return values


def collate_domain(samples: Sequence[dict]) -> dict:
    """Batch single-domain samples ``{"inputs", "data_samples"}``.

    ``inputs`` are stacked into ``N x C x H x W``; each field of ``data_samples`` becomes a batched
    tensor when every sample's tensor has the same shape (``gt_seg`` -> ``N x H x W``, ``gt_label``
    -> ``N``), and a list otherwise (``metainfo``, or labels of different sizes).
    """
    fields: dict[str, list[Any]] = {}
    for sample in samples:
        for key, value in (sample.get("data_samples") or {}).items():
            fields.setdefault(key, []).append(value)
    return {
        "inputs": _stack_or_list([s["inputs"] for s in samples]),
        "data_samples": {key: _stack_or_list(values) for key, values in fields.items()},
    }


@FUNCTIONS.register_module()
def domain_collate(samples: Sequence[dict]) -> dict:
    """dareg's collate function (config: ``collate_fn=dict(type="dareg.domain_collate")``).

    Two-domain samples ``{"source": s, "target": t}`` become ``{"source": batch, "target": batch}``;
    single-domain samples become one batch. Unlike mmengine's default ``pseudo_collate`` it stacks
    tensors, so batches cross process boundaries as a few large tensors.

    Examples:
        >>> import torch
        >>> sample = {"inputs": torch.zeros(3, 4, 4), "data_samples": {"gt_label": torch.tensor(1)}}
        >>> batch = domain_collate([{"source": sample, "target": sample}] * 2)
        >>> batch["source"]["inputs"].shape, batch["target"]["data_samples"]["gt_label"].tolist()
        (torch.Size([2, 3, 4, 4]), [1, 1])
    """
    first = samples[0]
    if "inputs" in first:
        return collate_domain(samples)
    return {domain: collate_domain([s[domain] for s in samples]) for domain in first}
