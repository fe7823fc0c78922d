"""Office-31 and Office-Home: the two object-recognition benchmarks of ResNet-50 domain adaptation.

* **Office-31** (Saenko et al., ECCV 2010): 4,110 images of 31 office objects in three domains,
  Amazon (product photos), DSLR and Webcam; six tasks A->W, D->W, W->D, A->D, D->A, W->A.
* **Office-Home** (Venkateswara et al., CVPR 2017): 15,588 images of 65 classes in four domains,
  Art, Clipart, Product and Real_World; twelve tasks.

Both are read from the image lists of the Transfer-Learning-Library (tllib,
``tllib/vision/datasets/office31.py`` and ``officehome.py``), one ``<domain>.txt`` per domain with
``relative/path label`` lines, next to the extracted image folders.
"""

from __future__ import annotations

from dareg.datasets.image_list import BenchmarkImageListDataset
from dareg.registry import DATASETS

OFFICE31_LAYOUT = """    <data_root>/
      amazon/images/<class>/*.jpg      (2,817 images, 31 class folders: back_pack, bike, ...)
      dslr/images/<class>/*.jpg        (498)
      webcam/images/<class>/*.jpg      (795)
      image_list/amazon.txt, dslr.txt, webcam.txt   (lines 'amazon/images/back_pack/frame_0001.jpg 0')"""
OFFICE31_SOURCE = (
    "images: https://faculty.cc.gatech.edu/~judy/domainadapt/ (domain_adaptation_images.tar.gz); images and "
    "image lists as tllib packs them: the download_list of tllib/vision/datasets/office31.py in "
    "https://github.com/thuml/Transfer-Learning-Library (image_list.zip, amazon.tgz, dslr.tgz, webcam.tgz)"
)

OFFICE_HOME_LAYOUT = """    <data_root>/
      Art/<class>/*.jpg                (2,427 images, 65 class folders: Alarm_Clock, Backpack, ...)
      Clipart/<class>/*.jpg            (4,365)
      Product/<class>/*.jpg            (4,439)
      Real_World/<class>/*.jpg         (4,357)
      image_list/Art.txt, Clipart.txt, Product.txt, Real_World.txt   (lines 'Art/Alarm_Clock/00001.jpg 0')"""
OFFICE_HOME_SOURCE = (
    "images: https://www.hemanthdv.org/officeHomeDataset.html (OfficeHomeDataset_10072016.zip); images and "
    "image lists as tllib packs them: the download_list of tllib/vision/datasets/officehome.py in "
    "https://github.com/thuml/Transfer-Learning-Library (image_list.zip, Art.tgz, Clipart.tgz, ...)"
)


@DATASETS.register_module()
class Office31Dataset(BenchmarkImageListDataset):
    """One domain of Office-31 (31 classes), from ``image_list/<domain>.txt``.

    Args:
        data_root: The Office-31 root. Defaults to ``"data/office31"``.
        domain: ``"amazon"``, ``"dslr"`` or ``"webcam"`` (tllib's ``"A"``, ``"D"``, ``"W"`` too).
        **kwargs: Forwarded to :class:`~dareg.datasets.image_list.BenchmarkImageListDataset`.
    """

    NUM_CLASSES = 31
    DOMAINS = ("amazon", "dslr", "webcam")
    ALIASES = {"A": "amazon", "D": "dslr", "W": "webcam"}
    DEFAULT_ROOT = "data/office31"
    LAYOUT = OFFICE31_LAYOUT
    SOURCE = OFFICE31_SOURCE


@DATASETS.register_module()
class OfficeHomeDataset(BenchmarkImageListDataset):
    """One domain of Office-Home (65 classes), from ``image_list/<domain>.txt``.

    Args:
        data_root: The Office-Home root. Defaults to ``"data/office_home"``.
        domain: ``"Art"``, ``"Clipart"``, ``"Product"`` or ``"Real_World"`` (tllib's ``"Ar"``,
            ``"Cl"``, ``"Pr"``, ``"Rw"`` too).
        **kwargs: Forwarded to :class:`~dareg.datasets.image_list.BenchmarkImageListDataset`.
    """

    NUM_CLASSES = 65
    DOMAINS = ("Art", "Clipart", "Product", "Real_World")
    ALIASES = {"Ar": "Art", "Cl": "Clipart", "Pr": "Product", "Rw": "Real_World"}
    DEFAULT_ROOT = "data/office_home"
    LAYOUT = OFFICE_HOME_LAYOUT
    SOURCE = OFFICE_HOME_SOURCE
