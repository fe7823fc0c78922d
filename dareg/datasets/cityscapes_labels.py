"""The Cityscapes 19-class label space shared by GTA5, Cityscapes and the synthetic demo data.

Facts (Cordts et al., CVPR 2016, ``cityscapesScripts/helpers/labels.py``; the same map is used by
AdaptSegNet's data loaders for GTA5 and Cityscapes): of the 34 raw label ids, 19 are evaluated and
get a train id 0..18; every other id (void classes such as ``ego vehicle``, ``parking``,
``guard rail``, ``polegroup``, ``license plate``) becomes 255 and is ignored. GTA5's label PNGs use
the same raw ids (Richter et al., ECCV 2016).
"""

from __future__ import annotations

import numpy as np

#: Class names of the 19 train ids, in train-id order.
CITYSCAPES_CLASSES: tuple[str, ...] = (
    "road",
    "sidewalk",
    "building",
    "wall",
    "fence",
    "pole",
    "traffic light",
    "traffic sign",
    "vegetation",
    "terrain",
    "sky",
    "person",
    "rider",
    "car",
    "truck",
    "bus",
    "train",
    "motorcycle",
    "bicycle",
)

#: Colours (RGB) of the 19 train ids, as in cityscapesScripts.
CITYSCAPES_PALETTE: tuple[tuple[int, int, int], ...] = (
    (128, 64, 128),
    (244, 35, 232),
    (70, 70, 70),
    (102, 102, 156),
    (190, 153, 153),
    (153, 153, 153),
    (250, 170, 30),
    (220, 220, 0),
    (107, 142, 35),
    (152, 251, 152),
    (70, 130, 180),
    (220, 20, 60),
    (255, 0, 0),
    (0, 0, 142),
    (0, 0, 70),
    (0, 60, 100),
    (0, 80, 100),
    (0, 0, 230),
    (119, 11, 32),
)

#: Raw Cityscapes / GTA5 label id -> train id for the 19 evaluated classes (all others -> 255).
LABEL_ID_TO_TRAIN_ID: dict[int, int] = {
    7: 0,
    8: 1,
    11: 2,
    12: 3,
    13: 4,
    17: 5,
    19: 6,
    20: 7,
    21: 8,
    22: 9,
    23: 10,
    24: 11,
    25: 12,
    26: 13,
    27: 14,
    28: 15,
    31: 16,
    32: 17,
    33: 18,
}

IGNORE_INDEX = 255
NUM_CLASSES = len(CITYSCAPES_CLASSES)

#: ``metainfo`` of datasets in the Cityscapes label space.
CITYSCAPES_METAINFO: dict = dict(classes=CITYSCAPES_CLASSES, palette=CITYSCAPES_PALETTE)


def label_id_lut() -> np.ndarray:
    """A 256-entry uint8 table mapping raw label ids (``*_labelIds.png``, GTA5 labels) to train ids.

    Examples:
        >>> lut = label_id_lut()
        >>> lut[[7, 8, 26, 33, 0, 34, 255]].tolist()
        [0, 1, 13, 18, 255, 255, 255]
    """
    lut = np.full(256, IGNORE_INDEX, dtype=np.uint8)
    for label_id, train_id in LABEL_ID_TO_TRAIN_ID.items():
        lut[label_id] = train_id
    return lut


def train_id_lut(num_classes: int = NUM_CLASSES) -> np.ndarray:
    """A 256-entry uint8 table for maps that already hold train ids (``*_labelTrainIds.png``).

    Ids ``0..num_classes-1`` stay, anything else (255, or 19 as some converters write) becomes 255.

    Examples:
        >>> train_id_lut()[[0, 18, 19, 255]].tolist()
        [0, 18, 255, 255]
    """
    lut = np.full(256, IGNORE_INDEX, dtype=np.uint8)
    lut[:num_classes] = np.arange(num_classes, dtype=np.uint8)
    return lut
