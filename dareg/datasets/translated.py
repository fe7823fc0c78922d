"""A labelled dataset whose images were replaced by their translations (CyCADA stage (c)).

``tools/translate.py --dataset`` writes every image of a dataset, translated, under an output folder
with the same relative path (below the dataset's ``data_root``) and file name; images of in-memory
datasets are written as ``{index:06d}.png``. ``TranslatedImageDataset`` reads the original
dataset's sample list (labels, label maps, lookup tables ...) and points each sample's
``img_path`` at the translated file, so labels stay those of the original images.
"""

from __future__ import annotations

import copy
import os.path as osp

from dareg.datasets.base import BaseImageDataset
from dareg.registry import DATASETS


def translated_relpath(info: dict, data_root: str | None, index: int) -> str:
    """Where the translation of sample ``index`` (data info ``info``) lives below the output folder."""
    img_path = info.get("img_path")
    if img_path is None:
        return f"{index:06d}.png"
    if data_root and osp.abspath(img_path).startswith(osp.abspath(data_root) + osp.sep):
        return osp.relpath(img_path, data_root)
    return osp.basename(img_path)


@DATASETS.register_module()
class TranslatedImageDataset(BaseImageDataset):
    """The samples of ``dataset`` with their images read from ``img_root`` instead.

    Args:
        dataset: Config of the original dataset (e.g. ``GTA5Dataset`` or an in-memory digit
            dataset); it is built to read its sample list, and its pipeline is not used.
        img_root: Folder written by ``tools/translate.py --dataset`` for that dataset.
        pipeline: Transform configs for the translated samples; must start with
            ``LoadImageFromFile``. Defaults to the original dataset config's ``pipeline``, with
            ``LoadImageFromFile`` prepended if it has none (in-memory datasets).
        **kwargs: Forwarded to :class:`~dareg.datasets.base.BaseImageDataset`.
    """

    def __init__(self, dataset: dict, img_root: str, pipeline: list | None = None, **kwargs) -> None:
        self.dataset_cfg = copy.deepcopy(dict(dataset))
        self.img_root = img_root
        if pipeline is None:
            pipeline = list(self.dataset_cfg.get("pipeline") or [dict(type="PackInputs")])
            if not any(isinstance(t, dict) and t.get("type") == "LoadImageFromFile" for t in pipeline):
                pipeline = [dict(type="LoadImageFromFile"), *pipeline]
        self._original = None
        super().__init__(pipeline=pipeline, **kwargs)

    @property
    def original(self) -> BaseImageDataset:
        """The original dataset (built lazily)."""
        if self._original is None:
            self._original = DATASETS.build(dict(self.dataset_cfg))
        return self._original

    def check_data_root(self) -> None:
        if not osp.isdir(self.img_root):
            raise FileNotFoundError(
                f"TranslatedImageDataset: img_root {self.img_root} does not exist. Translate the dataset "
                "first: python tools/translate.py CONFIG CHECKPOINT --dataset <key> --out "
                f"{self.img_root} (CyCADA stage (b) -> (c))."
            )

    def load_data_list(self) -> list[dict]:
        original = self.original
        data_root = getattr(original, "data_root", None)
        self._metainfo = {**dict(original.metainfo), **dict(self._metainfo)}
        items, missing = [], []
        for index in range(len(original)):
            # get_data_info, not the raw list: datasets add per-sample fields there (GTA5's label_lut)
            info = {k: v for k, v in original.get_data_info(index).items() if k not in ("img", "sample_idx")}
            info["img_path"] = osp.join(self.img_root, translated_relpath(info, data_root, index))
            if not osp.isfile(info["img_path"]):
                missing.append(info["img_path"])
            items.append(info)
        if missing:
            raise FileNotFoundError(
                f"TranslatedImageDataset: {len(missing)} of {len(items)} translated images are missing under "
                f"{self.img_root} (first: {missing[0]}). Run (or resume) tools/translate.py --dataset for "
                f"{self.dataset_cfg.get('type')}."
            )
        return items
