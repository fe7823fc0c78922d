"""DomainNet (Peng et al., ICCV 2019, "Moment Matching for Multi-Source Domain Adaptation"), 345 classes.

About 0.6 million images in six domains: clipart, infograph, painting, quickdraw, real and sketch,
each with a train and a test split. tllib's single-source protocol trains on the source and target
*train* splits, validates on the target train split and reports accuracy on the target *test*
split, over the 12 tasks between clipart, painting, real and sketch. Read from tllib's image lists
(``tllib/vision/datasets/domainnet.py``): ``image_list/<domain>_{train,test}.txt``.
"""

from __future__ import annotations

from typing import Any

from dareg.datasets.image_list import BenchmarkImageListDataset
from dareg.registry import DATASETS

DOMAINNET_LAYOUT = """    <data_root>/
      clipart/<class>/*.jpg, infograph/, painting/, quickdraw/, real/, sketch/   (345 class folders each)
      image_list/<domain>_train.txt, <domain>_test.txt   (lines 'clipart/aircraft_carrier/clipart_001_000018.jpg 0')"""
DOMAINNET_SOURCE = (
    "http://ai.bu.edu/M3SDA/ (the cleaned version: one zip per domain); image lists as tllib packs them: the "
    "download_list of tllib/vision/datasets/domainnet.py in https://github.com/thuml/Transfer-Learning-Library"
)
SPLITS = ("train", "test")


@DATASETS.register_module()
class DomainNetDataset(BenchmarkImageListDataset):
    """One split of one DomainNet domain (345 classes), from ``image_list/<domain>_<split>.txt``.

    Args:
        data_root: The DomainNet root. Defaults to ``"data/domainnet"``.
        domain: ``"clipart"``, ``"infograph"``, ``"painting"``, ``"quickdraw"``, ``"real"`` or
            ``"sketch"`` (tllib's ``"c"``, ``"i"``, ``"p"``, ``"q"``, ``"r"``, ``"s"`` too).
        split: ``"train"`` or ``"test"``. Defaults to ``"train"``.
        **kwargs: Forwarded to :class:`~dareg.datasets.image_list.BenchmarkImageListDataset`.
    """

    NUM_CLASSES = 345
    DOMAINS = ("clipart", "infograph", "painting", "quickdraw", "real", "sketch")
    ALIASES = {name[0]: name for name in DOMAINS}
    DEFAULT_ROOT = "data/domainnet"
    LAYOUT = DOMAINNET_LAYOUT
    SOURCE = DOMAINNET_SOURCE

    def __init__(self, data_root: str | None = None, domain: str = "", split: str = "train", **kwargs: Any) -> None:
        if split not in SPLITS:
            raise ValueError(f"DomainNetDataset: split must be one of {SPLITS}, got {split!r}")
        self.split = split
        super().__init__(data_root=data_root, domain=domain, **kwargs)

    def list_file(self) -> str:
        return f"{self.domain}_{self.split}.txt"
