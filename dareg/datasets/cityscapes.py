"""Cityscapes (Cordts et al., CVPR 2016): 2,975 train / 500 val finely annotated street scenes.

The target domain of AdaptSegNet's GTA5 -> Cityscapes benchmark (Tsai et al., CVPR 2018): unlabelled
train images resized to 1024x512 for adaptation, val images resized to 1024x512 for the network
and evaluated against full-resolution (2048x1024) labels. Raw ``*_gtFine_labelIds.png`` maps are
mapped to the 19 train ids by :func:`~dareg.datasets.cityscapes_labels.label_id_lut`;
``*_gtFine_labelTrainIds.png`` maps (written by cityscapesScripts' ``createTrainIdLabelImgs``) are
taken as they are, with 19 and 255 ignored. A value that neither map defines (an id above 33, a
train id file read as raw ids ...) fails with the file and the values
(:func:`~dareg.datasets.cityscapes_labels.cityscapes_label_map`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from dareg.datasets.base import BaseImageDataset
from dareg.datasets.cityscapes_labels import CITYSCAPES_METAINFO, cityscapes_label_map
from dareg.datasets.data_root import data_root_error, first_unmatched, list_files
from dareg.registry import DATASETS

CITYSCAPES_LAYOUT = """    <data_root>/
      leftImg8bit/{train,val,test}/<city>/<city>_<seq>_<frame>_leftImg8bit.png
      gtFine/{train,val,test}/<city>/<city>_<seq>_<frame>_gtFine_labelIds.png
                                     (or ..._gtFine_labelTrainIds.png with label_type='labelTrainIds')"""
CITYSCAPES_SOURCE = (
    "https://www.cityscapes-dataset.com/downloads/ (free registration): leftImg8bit_trainvaltest.zip and "
    "gtFine_trainvaltest.zip, both unzipped into data_root"
)
IMG_SUFFIX = "_leftImg8bit.png"
LABEL_TYPES = ("labelIds", "labelTrainIds")
SPLITS = ("train", "val", "test")


@DATASETS.register_module()
class CityscapesDataset(BaseImageDataset):
    """Cityscapes images and fine labels of one split, in the 19-class label space.

    Images and labels pair up by their ``<city>_<seq>_<frame>`` stem. Each sample's ``label_lut``
    is applied by ``LoadSegMap`` (or ``LoadIndexedSegMap``).

    Args:
        data_root: The Cityscapes root. Defaults to ``"data/cityscapes"``.
        split: ``"train"``, ``"val"`` or ``"test"``. Defaults to ``"train"``.
        label_type: ``"labelIds"`` (raw ids, mapped to train ids) or ``"labelTrainIds"``.
            Defaults to ``"labelIds"``.
        with_labels: Require and load labels (adaptation needs none for the target's train split).
            Defaults to True.
        img_dir: Image folder under ``data_root``. Defaults to ``"leftImg8bit"``.
        seg_dir: Label folder under ``data_root``. Defaults to ``"gtFine"``.
        pipeline: Transforms. Defaults to loading image (and labels) and packing them.
        extra_ignore_ids: Label values to treat as ignored (255) although the label map does not
            define them. Without it, a label file holding a value the map does not know (an id
            above 33 in ``labelIds`` files; 20-254 in ``labelTrainIds`` files) fails, naming the
            file and the values. Defaults to none.
        **kwargs: Forwarded to :class:`~dareg.datasets.base.BaseImageDataset`.
    """

    METAINFO = CITYSCAPES_METAINFO

    def __init__(
        self,
        data_root: str = "data/cityscapes",
        split: str = "train",
        label_type: str = "labelIds",
        with_labels: bool = True,
        img_dir: str = "leftImg8bit",
        seg_dir: str = "gtFine",
        pipeline: list | None = None,
        extra_ignore_ids: Sequence[int] = (),
        **kwargs: Any,
    ) -> None:
        if split not in SPLITS:
            raise ValueError(f"CityscapesDataset: split must be one of {SPLITS}, got {split!r}")
        if label_type not in LABEL_TYPES:
            raise ValueError(f"CityscapesDataset: label_type must be one of {LABEL_TYPES}, got {label_type!r}")
        self.split, self.label_type, self.with_labels = split, label_type, with_labels
        self.img_dir, self.seg_dir = img_dir, seg_dir
        self.seg_suffix = f"_gtFine_{label_type}.png"
        self.label_lut, self.label_map = cityscapes_label_map(label_type, extra_ignore_ids, type(self).__name__)
        if pipeline is None:
            pipeline = [dict(type="LoadImageFromFile")]
            pipeline += [dict(type="LoadSegMap")] if with_labels else []
            pipeline += [dict(type="PackInputs")]
        super().__init__(pipeline=pipeline, data_root=data_root, **kwargs)

    def _fail(self, path: str, problem: str) -> None:
        raise data_root_error(type(self).__name__, path, problem, CITYSCAPES_LAYOUT, CITYSCAPES_SOURCE)

    def _paths(self) -> tuple[str, str]:
        return (
            os.path.join(self.data_root, self.img_dir, self.split),
            os.path.join(self.data_root, self.seg_dir, self.split),
        )

    def _images(self) -> list[str]:
        """``<city>/<stem>`` of every image of the split."""
        img_path, _ = self._paths()
        return [name[: -len(IMG_SUFFIX)] for name in list_files(img_path, IMG_SUFFIX, recursive=True)]

    def check_data_root(self) -> None:
        """Fail with the expected layout if the root, a split folder, or an image's label is missing."""
        img_path, seg_path = self._paths()
        if not os.path.isdir(self.data_root):
            self._fail(self.data_root, "the data root does not exist.")
        if not os.path.isdir(img_path):
            self._fail(img_path, f"the image folder '{self.img_dir}/{self.split}' is missing.")
        if self.with_labels and not os.path.isdir(seg_path):
            self._fail(seg_path, f"the label folder '{self.seg_dir}/{self.split}' is missing.")
        images = self._images()
        if not images:
            self._fail(img_path, f"no '<city>/*{IMG_SUFFIX}' images in '{self.img_dir}/{self.split}'.")
        if not self.with_labels:
            return
        labels = {name[: -len(self.seg_suffix)] for name in list_files(seg_path, self.seg_suffix, recursive=True)}
        missing = first_unmatched(images, labels)
        if missing is not None:
            hint = (
                " (labelTrainIds maps are made by cityscapesScripts' createTrainIdLabelImgs, or use "
                "label_type='labelIds')"
                if self.label_type == "labelTrainIds"
                else ""
            )
            self._fail(
                seg_path,
                f"images and labels do not pair up: image '{missing}{IMG_SUFFIX}' has no label "
                f"'{missing}{self.seg_suffix}' ({len(images)} images, {len(labels)} labels){hint}.",
            )

    def load_data_list(self) -> list[dict]:
        img_path, seg_path = self._paths()
        data_list = []
        for name in self._images():
            info = dict(img_path=os.path.join(img_path, name + IMG_SUFFIX), city=os.path.dirname(name))
            if self.with_labels:
                info["seg_path"] = os.path.join(seg_path, name + self.seg_suffix)
            data_list.append(info)
        return data_list
