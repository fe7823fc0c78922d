"""Packing a results dict into the ``{"inputs", "data_samples"}`` item dareg's collate batches."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from dareg.datasets.transforms.common import SEG_SIZE_KEPT, check_label_size
from dareg.registry import TRANSFORMS

DEFAULT_META_KEYS = ("img_path", "seg_path", "ori_shape", "img_shape", "flip", "sample_idx")


@TRANSFORMS.register_module()
class PackInputs:
    """Turn ``img`` into a ``C x H x W`` tensor (dtype kept, uint8 stays uint8) and labels into tensors.

    Normalisation happens later, on the device, in
    :class:`~dareg.models.data_preprocessor.DomainDataPreprocessor`.

    Label maps must have the image's size unless ``Resize(keep_seg=True)`` kept them at theirs (it
    fails naming both files otherwise).

    Output: ``{"inputs": Tensor, "data_samples": {"gt_seg"?: LongTensor[H, W],
    "gt_label"?: LongTensor[], "metainfo": dict}}``.

    Args:
        meta_keys: Keys copied into ``data_samples["metainfo"]`` when present.
    """

    def __init__(self, meta_keys: Sequence[str] = DEFAULT_META_KEYS) -> None:
        self.meta_keys = tuple(meta_keys)

    def __call__(self, results: dict) -> dict:
        if not results.get(SEG_SIZE_KEPT):
            check_label_size(
                results, "PackInputs", "the loss and the metrics would compare pixels that do not correspond"
            )
        image = np.asarray(results["img"])
        if image.ndim == 2:
            image = image[..., None]
        inputs = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))
        data_samples: dict = {}
        if "gt_seg" in results:
            data_samples["gt_seg"] = torch.from_numpy(np.ascontiguousarray(results["gt_seg"])).long()
        if "gt_label" in results:
            data_samples["gt_label"] = torch.as_tensor(int(results["gt_label"]), dtype=torch.long)
        data_samples["metainfo"] = {key: results[key] for key in self.meta_keys if key in results}
        return {"inputs": inputs, "data_samples": data_samples}
