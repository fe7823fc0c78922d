"""VisDA-2017 classification (Peng et al., 2017): synthetic renderings -> real photos, 12 classes.

The source domain is the 152,397 synthetic training images (renderings of 3D models), the target the
55,388 real validation images (cropped from MS-COCO). The benchmark's metric is the mean of the
per-class accuracies (the classes are unbalanced); ``Accuracy`` reports it as
``mean_class_accuracy``. Read from tllib's image lists (``tllib/vision/datasets/visda2017.py``):
``image_list/train.txt`` (synthetic) and ``image_list/validation.txt`` (real).
"""

from __future__ import annotations

from dareg.datasets.image_list import BenchmarkImageListDataset
from dareg.registry import DATASETS

VISDA2017_LAYOUT = """    <data_root>/
      train/<class>/*.png              (152,397 synthetic images, 12 class folders: aeroplane, bicycle, ...)
      validation/<class>/*.jpg         (55,388 real images)
      image_list/train.txt, validation.txt   (lines 'train/aeroplane/src_1_..._001.png 0')"""
VISDA2017_SOURCE = (
    "http://ai.bu.edu/visda-2017/ and https://github.com/VisionLearningGroup/taskcv-2017-public "
    "(classification: train.tar, validation.tar); image lists as tllib packs them: the download_list of "
    "tllib/vision/datasets/visda2017.py in https://github.com/thuml/Transfer-Learning-Library"
)


@DATASETS.register_module()
class VisDA2017Dataset(BenchmarkImageListDataset):
    """One domain of VisDA-2017 classification (12 classes).

    Args:
        data_root: The VisDA-2017 root. Defaults to ``"data/visda2017"``.
        domain: ``"synthetic"`` (``image_list/train.txt``) or ``"real"`` (``image_list/validation.txt``);
            tllib's ``"Synthetic"``/``"Real"`` and the split names ``"train"``/``"validation"`` too.
        **kwargs: Forwarded to :class:`~dareg.datasets.image_list.BenchmarkImageListDataset`.
    """

    NUM_CLASSES = 12
    DOMAINS = ("synthetic", "real")
    ALIASES = {"Synthetic": "synthetic", "Real": "real", "train": "synthetic", "validation": "real"}
    DEFAULT_ROOT = "data/visda2017"
    LAYOUT = VISDA2017_LAYOUT
    SOURCE = VISDA2017_SOURCE
    LIST_FILES = {"synthetic": "train.txt", "real": "validation.txt"}

    def list_file(self) -> str:
        return self.LIST_FILES[self.domain]
