"""GTA5 ("Playing for Data", Richter et al., ECCV 2016): 24,966 rendered street scenes.

The source domain of AdaptSegNet's GTA5 -> Cityscapes benchmark (Tsai et al., CVPR 2018). Frames
are 1914x1052 PNGs in ``images/``; labels of the same name in ``labels/`` are palette PNGs whose
indices are Cityscapes label ids, mapped to the 19 train ids (all other ids -> 255) by
:func:`~dareg.datasets.cityscapes_labels.label_id_lut`; a value that is not a Cityscapes id
(above 33) fails with the file and the values. The reference trains on every image,
resized to 1280x720 (bicubic image, nearest label), without crop or flip. A few frames differ in
size from their label map; resizing both to one size handles them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from dareg.datasets.base import BaseImageDataset
from dareg.datasets.cityscapes_labels import CITYSCAPES_METAINFO, cityscapes_label_map
from dareg.datasets.data_root import data_root_error, first_unmatched, list_files
from dareg.registry import DATASETS

GTA5_LAYOUT = """    <data_root>/
      images/00001.png, 00002.png, ...   (24,966 RGB frames, 1914x1052)
      labels/00001.png, 00002.png, ...   (palette PNGs: pixel index = Cityscapes label id)"""
GTA5_SOURCE = (
    "https://download.visinf.tu-darmstadt.de/data/from_games/ ('Playing for Data'): download the images "
    "and labels zips of all 10 parts and extract them into images/ and labels/"
)


@DATASETS.register_module()
class GTA5Dataset(BaseImageDataset):
    """GTA5 frames and their label maps, in the Cityscapes 19-class label space.

    Images and labels pair up by file name. Each sample's ``label_lut`` (raw id -> train id) is
    applied by the label-loading transform; use ``LoadIndexedSegMap`` (GTA5's labels are palette
    PNGs, which OpenCV would expand to colours).

    Args:
        data_root: The GTA5 root. Defaults to ``"data/gta5"``.
        img_dir: Image folder under ``data_root``. Defaults to ``"images"``.
        seg_dir: Label folder under ``data_root``. Defaults to ``"labels"``.
        img_suffix: Suffix of image files. Defaults to ``".png"``.
        seg_suffix: Suffix of label files (replacing ``img_suffix``). Defaults to ``".png"``.
        img_list: Optional text file (relative to ``data_root`` or absolute) with one image name per
            line, as the reference's ``gta5_list/train.txt``; None takes every image. Defaults to None.
        with_labels: Require and load labels. Defaults to True.
        pipeline: Transforms. Defaults to loading image and labels and packing them.
        label_type: What the label files hold: ``"labelIds"`` (the released palette PNGs: raw
            Cityscapes ids 0-33) or ``"labelTrainIds"`` (files converted to train ids 0-18 and 255,
            with ``seg_suffix`` set to match). Defaults to ``"labelIds"``.
        extra_ignore_ids: Label values to treat as ignored (255) although the label map does not
            define them. Without it, a value the map does not know fails, naming the file and the
            values. Defaults to none.
        **kwargs: Forwarded to :class:`~dareg.datasets.base.BaseImageDataset`.
    """

    METAINFO = CITYSCAPES_METAINFO

    def __init__(
        self,
        data_root: str = "data/gta5",
        img_dir: str = "images",
        seg_dir: str = "labels",
        img_suffix: str = ".png",
        seg_suffix: str = ".png",
        img_list: str | None = None,
        with_labels: bool = True,
        pipeline: list | None = None,
        label_type: str = "labelIds",
        extra_ignore_ids: Sequence[int] = (),
        **kwargs: Any,
    ) -> None:
        self.img_dir, self.seg_dir = img_dir, seg_dir
        self.img_suffix, self.seg_suffix = img_suffix, seg_suffix
        self.img_list = img_list
        self.with_labels = with_labels
        self.label_lut, self.label_map = cityscapes_label_map(label_type, extra_ignore_ids, type(self).__name__)
        if pipeline is None:
            pipeline = [dict(type="LoadImageFromFile")]
            pipeline += [dict(type="LoadIndexedSegMap")] if with_labels else []
            pipeline += [dict(type="PackInputs")]
        super().__init__(pipeline=pipeline, data_root=data_root, **kwargs)

    def _fail(self, path: str, problem: str) -> None:
        raise data_root_error(type(self).__name__, path, problem, GTA5_LAYOUT, GTA5_SOURCE)

    def _paths(self) -> tuple[str, str]:
        return os.path.join(self.data_root, self.img_dir), os.path.join(self.data_root, self.seg_dir)

    def _names(self) -> list[str]:
        """Image names (without suffix) to use: from ``img_list`` or every image."""
        img_path, _ = self._paths()
        if self.img_list is None:
            return [name[: -len(self.img_suffix)] for name in list_files(img_path, self.img_suffix)]
        list_path = self.img_list if os.path.isabs(self.img_list) else os.path.join(self.data_root, self.img_list)
        if not os.path.isfile(list_path):
            self._fail(list_path, f"the image list img_list={self.img_list!r} does not exist.")
        with open(list_path) as handle:
            names = [line.strip() for line in handle if line.strip()]
        return [name[: -len(self.img_suffix)] if name.endswith(self.img_suffix) else name for name in names]

    def check_data_root(self) -> None:
        """Fail with the expected layout if the root, a folder, or an image/label pair is missing."""
        img_path, seg_path = self._paths()
        if not os.path.isdir(self.data_root):
            self._fail(self.data_root, "the data root does not exist.")
        if not os.path.isdir(img_path):
            self._fail(img_path, f"the image folder '{self.img_dir}' is missing.")
        if self.with_labels and not os.path.isdir(seg_path):
            self._fail(seg_path, f"the label folder '{self.seg_dir}' is missing.")
        images = {name[: -len(self.img_suffix)] for name in list_files(img_path, self.img_suffix)}
        if not images:
            self._fail(img_path, f"no '*{self.img_suffix}' images in the image folder.")
        names = self._names()
        missing = first_unmatched(names, images)
        if missing is not None:
            self._fail(img_path, f"image '{missing}{self.img_suffix}' (named in the image list) does not exist.")
        if not self.with_labels:
            return
        labels = {name[: -len(self.seg_suffix)] for name in list_files(seg_path, self.seg_suffix)}
        missing = first_unmatched(names, labels)
        if missing is not None:
            self._fail(
                seg_path,
                f"images and labels do not pair up: image '{missing}{self.img_suffix}' has no label "
                f"'{missing}{self.seg_suffix}' in '{self.seg_dir}' ({len(images)} images, {len(labels)} labels).",
            )
        if self.img_list is None:
            extra = first_unmatched(labels, images)
            if extra is not None:
                self._fail(
                    img_path,
                    f"images and labels do not pair up: label '{extra}{self.seg_suffix}' has no image "
                    f"'{extra}{self.img_suffix}' in '{self.img_dir}' ({len(images)} images, {len(labels)} labels).",
                )

    def load_data_list(self) -> list[dict]:
        img_path, seg_path = self._paths()
        data_list = []
        for name in self._names():
            info = dict(img_path=os.path.join(img_path, name + self.img_suffix))
            if self.with_labels:
                info["seg_path"] = os.path.join(seg_path, name + self.seg_suffix)
            data_list.append(info)
        return data_list
