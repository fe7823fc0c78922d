"""The Cityscapes 19-class label space shared by GTA5, Cityscapes and the synthetic demo data.

Facts (Cordts et al., CVPR 2016, ``cityscapesScripts/helpers/labels.py``; the same map is used by
AdaptSegNet's data loaders for GTA5 and Cityscapes): of the 34 raw label ids, 19 are evaluated and
get a train id 0..18; every other id (void classes such as ``ego vehicle``, ``parking``,
``guard rail``, ``polegroup``, ``license plate``) becomes 255 and is ignored. GTA5's label PNGs use
the same raw ids (Richter et al., ECCV 2016).
"""

from __future__ import annotations

from collections.abc import Iterable

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


#: Raw ids that Cityscapes ``*_labelIds.png`` and GTA5 label files hold: the ids of cityscapesScripts'
#: label definition, 0 (``unlabeled``) to 33 (``bicycle``); ``license plate`` (id -1) is never drawn.
CITYSCAPES_LABEL_IDS: tuple[int, ...] = tuple(range(34))

#: Values of ``*_labelTrainIds.png`` files: train ids 0..18, 255 (ignored) and 19, which some
#: converters write for "ignore".
CITYSCAPES_TRAIN_ID_VALUES: tuple[int, ...] = (*range(NUM_CLASSES + 1), IGNORE_INDEX)

#: Entry of a strict lookup table for a raw value that the label map does not define.
UNDEFINED = -1

#: The kinds of label file of the Cityscapes label space, and what their values mean.
LABEL_TYPES = {
    "labelIds": "raw Cityscapes label ids 0-33 (19 of them -> train ids 0-18, the other 15 -> 255, ignored)",
    "labelTrainIds": "train ids 0-18, plus 255 and 19 (both -> 255, ignored)",
}


def strict_lut(lut: np.ndarray, defined: Iterable[int]) -> np.ndarray:
    """An ``int16`` copy of a 256-entry ``lut`` whose entries outside ``defined`` are :data:`UNDEFINED`.

    ``LoadSegMap`` fails on a raw value whose entry is :data:`UNDEFINED` (or that is beyond the
    table), naming the file and the values: such a value is not an id the label map knows, so the
    label file is of another kind than the dataset expects (colours, train ids for raw ids ...).

    Examples:
        >>> strict_lut(label_id_lut(), CITYSCAPES_LABEL_IDS)[[7, 0, 33, 34, 255]].tolist()
        [0, 255, 18, -1, -1]
    """
    strict = np.full(256, UNDEFINED, dtype=np.int16)
    ids = np.asarray(sorted(set(defined)), dtype=np.int64)
    strict[ids] = np.asarray(lut)[ids]
    return strict


def cityscapes_label_map(
    label_type: str = "labelIds", extra_ignore_ids: Iterable[int] = (), owner: str = "cityscapes_label_map"
) -> tuple[np.ndarray, str]:
    """The strict lookup table and the description of the label map for ``label_type`` files.

    Args:
        label_type: ``"labelIds"`` (raw ids 0-33: Cityscapes ``*_labelIds.png``, GTA5 labels) or
            ``"labelTrainIds"`` (train ids 0-18 and 255, some converters write 19 for ignored).
        extra_ignore_ids: Further raw values (0-255) to accept as ignored (255) instead of failing on
            them, for copies of the data that use them for "void". Defaults to none.
        owner: Who asks (a dataset class name), for the messages.

    Returns:
        ``(lut, description)``: the 256-entry ``int16`` table (:data:`UNDEFINED` for values the map
        does not define) and a one-line description for error messages.

    Raises:
        ValueError: An unknown ``label_type`` or an extra id outside 0..255.
    """
    if label_type not in LABEL_TYPES:
        raise ValueError(f"{owner}: label_type must be one of {tuple(LABEL_TYPES)}, got {label_type!r}")
    extra = sorted({int(value) for value in extra_ignore_ids})
    if any(not 0 <= value <= 255 for value in extra):
        raise ValueError(f"{owner}: extra_ignore_ids must be label values in 0..255, got {extra}")
    if label_type == "labelIds":
        lut = strict_lut(label_id_lut(), CITYSCAPES_LABEL_IDS)
    else:
        lut = strict_lut(train_id_lut(), CITYSCAPES_TRAIN_ID_VALUES)
    description = f"Cityscapes {label_type}: {LABEL_TYPES[label_type]}"
    added = [value for value in extra if lut[value] == UNDEFINED]
    lut[added] = IGNORE_INDEX
    if added:
        description += f"; extra_ignore_ids {added} -> 255"
    return lut, description
