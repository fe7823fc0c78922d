"""Image-list datasets: one ``relative/path label`` line per image, as the classification benchmarks ship.

The original releases of the standard domain-adaptation classification benchmarks (Office-31,
Office-Home, VisDA-2017, DomainNet) and the Transfer-Learning-Library (tllib,
``tllib/vision/datasets/imagelist.py``) describe each domain by a text file whose lines are an image
path, relative to the dataset root (or absolute), a space, and an integer class label. A path may
itself contain spaces: the label is the last field of the line.

:class:`ImageListDataset` reads such a file and checks it before training starts: every line must
parse, every label must lie in ``[0, num_classes)``, and (unless ``check_files=False``) every image
must exist; errors name the list file, the line number and the offending text.
:class:`BenchmarkImageListDataset` adds what the named benchmarks share: a fixed class count, domain
names (with tllib's short aliases), a layout check that names the missing file and prints the
expected layout, and class names taken from the class folders of the list's paths.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, ClassVar

from dareg.datasets.base import BaseImageDataset
from dareg.datasets.data_root import data_root_error
from dareg.registry import DATASETS

#: The default pipeline: read the image (BGR) and pack it with its label.
DEFAULT_PIPELINE: tuple[dict, ...] = (dict(type="LoadImageFromFile"), dict(type="PackInputs"))


class ImageListError(ValueError):
    """A line of an image list is malformed, or names a missing image; the message says which."""


def parse_image_list(path: str, num_classes: int | None = None) -> list[tuple[str, int, int]]:
    """Read an image list into ``(relative path, label, line number)`` triples.

    Blank lines are skipped; the label is the last whitespace-separated field of a line, the path
    everything before it.

    Args:
        path: The list file.
        num_classes: Labels must lie in ``[0, num_classes)``; None only requires them to be >= 0.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ImageListError: A line has no label, a label that is not an integer or is out of range, or
            the file has no entries. The message names the file and the line.

    Examples:
        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        ...     _ = f.write("amazon/images/bike/frame 1.jpg 1\\n\\namazon/images/mug/a.jpg 17\\n")
        >>> parse_image_list(f.name)
        [('amazon/images/bike/frame 1.jpg', 1, 1), ('amazon/images/mug/a.jpg', 17, 3)]
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Image list not found: {os.path.abspath(path)}")
    entries = []
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line:
                continue
            fields = line.rsplit(maxsplit=1)
            where = f"{path}, line {number}: {line!r}"
            if len(fields) != 2:
                raise ImageListError(f"{where}: expected 'relative/path label' (an image path, a space, an integer).")
            image, label_text = fields
            try:
                label = int(label_text)
            except ValueError:
                raise ImageListError(
                    f"{where}: the label {label_text!r} is not an integer (expected 'relative/path label')."
                ) from None
            if label < 0 or (num_classes is not None and label >= num_classes):
                bound = f"[0, {num_classes})" if num_classes is not None else ">= 0"
                raise ImageListError(f"{where}: label {label} is outside {bound}.")
            entries.append((image, label, number))
    if not entries:
        raise ImageListError(f"{path}: the image list has no entries.")
    return entries


def class_names_from_folders(entries: Sequence[tuple[str, int, int]], list_path: str, num_classes: int) -> list[str]:
    """Name each class after the folder holding its images (``.../<class>/<image>``).

    Every benchmark lays its images out one folder per class, so a label whose images lie in two
    different folders means that the list and the folders disagree. A class without images in the
    list is named by its index.

    Raises:
        ImageListError: One label appears under two folder names (the message names both lines).
    """
    first: dict[int, tuple[str, int]] = {}
    for image, label, number in entries:
        folder = os.path.basename(os.path.dirname(image.replace("\\", "/")))
        seen = first.setdefault(label, (folder, number))
        if seen[0] != folder:
            raise ImageListError(
                f"{list_path}: label {label} names images in two class folders, '{seen[0]}' (line {seen[1]}) "
                f"and '{folder}' (line {number}). The list does not match the folders: use the list "
                "released with the dataset (see the docs' classification benchmarks page)."
            )
    return [first[label][0] if label in first else str(label) for label in range(num_classes)]


@DATASETS.register_module()
class ImageListDataset(BaseImageDataset):
    """Images and class labels listed in a text file (``relative/path label`` per line).

    Items are ``{"inputs": uint8 Tensor[3, H, W] (BGR), "data_samples": {"gt_label", "metainfo"}}``
    with the default pipeline; the classification pipelines (resize, random resized crop, flip /
    centre crop) are set in the dataset configs.

    Args:
        ann_file: The image list, relative to ``data_root`` or absolute.
        data_root: Root the image paths are relative to. Defaults to ``""``.
        num_classes: Number of classes; labels must lie in ``[0, num_classes)``. Defaults to None
            (one more than the largest label).
        class_names: Class names, ``num_classes`` of them. Defaults to None: each class is named
            after the folder of its images when ``class_from_folder``, else by its index.
        class_from_folder: Name classes after their images' folders, and fail if one label spans
            two folders. Defaults to False.
        check_files: Check at start-up that every listed image exists (one ``stat`` per image).
            Defaults to True.
        pipeline: Transforms. Defaults to reading the image and packing it.
        **kwargs: Forwarded to :class:`~dareg.datasets.base.BaseImageDataset` (``indices``,
            ``test_mode``, ``lazy_init`` ...).

    Examples:
        >>> import os, tempfile, cv2, numpy as np
        >>> root = tempfile.mkdtemp()
        >>> os.makedirs(os.path.join(root, "images", "mug"))
        >>> _ = cv2.imwrite(os.path.join(root, "images", "mug", "a.png"), np.zeros((5, 7, 3), np.uint8))
        >>> with open(os.path.join(root, "list.txt"), "w") as f:
        ...     _ = f.write("images/mug/a.png 1\\n")
        >>> data = ImageListDataset("list.txt", data_root=root, num_classes=2, class_from_folder=True)
        >>> len(data), data.metainfo["classes"], int(data[0]["data_samples"]["gt_label"])
        (1, ('0', 'mug'), 1)
    """

    def __init__(
        self,
        ann_file: str,
        data_root: str = "",
        num_classes: int | None = None,
        class_names: Sequence[str] | None = None,
        class_from_folder: bool = False,
        check_files: bool = True,
        pipeline: list | None = None,
        **kwargs: Any,
    ) -> None:
        if class_names is not None and num_classes is not None and len(class_names) != num_classes:
            raise ValueError(
                f"{type(self).__name__}: {len(class_names)} class_names given for num_classes={num_classes}."
            )
        self.num_classes = num_classes
        self.class_names = list(class_names) if class_names is not None else None
        self.class_from_folder = class_from_folder
        self.check_files = check_files
        pipeline = list(pipeline) if pipeline is not None else [dict(t) for t in DEFAULT_PIPELINE]
        super().__init__(pipeline=pipeline, data_root=data_root, ann_file=ann_file, **kwargs)

    def image_path(self, image: str) -> str:
        """The on-disk path of a listed image (relative to ``data_root`` unless absolute)."""
        return image if os.path.isabs(image) else os.path.join(self.data_root or "", image)

    def missing_image(self, image: str, number: int) -> None:
        """Raise for a listed image that does not exist (subclasses add the expected layout)."""
        raise ImageListError(
            f"{self.ann_file}, line {number}: the image '{image}' does not exist (looked at "
            f"{os.path.abspath(self.image_path(image))}). Is data_root={self.data_root!r} the folder the "
            "list's paths are relative to?"
        )

    def load_data_list(self) -> list[dict]:
        entries = parse_image_list(self.ann_file, self.num_classes)
        if self.check_files:
            for image, _, number in entries:
                if not os.path.isfile(self.image_path(image)):
                    self.missing_image(image, number)
        num_classes = self.num_classes or max(label for _, label, _ in entries) + 1
        if self.class_names is not None:
            names = self.class_names
        elif self.class_from_folder:
            names = class_names_from_folders(entries, self.ann_file, num_classes)
        else:
            names = [str(label) for label in range(num_classes)]
        self._metainfo["classes"] = tuple(names)
        return [dict(img_path=self.image_path(image), gt_label=label) for image, label, _ in entries]


class BenchmarkImageListDataset(ImageListDataset):
    """Base of the named benchmarks: one image list per domain (and split), class folders, a layout.

    Subclasses set the class attributes below and, if their list files are named differently,
    override :meth:`list_file`.

    Args:
        data_root: The benchmark's root. Defaults to the subclass's ``DEFAULT_ROOT``.
        domain: A name of ``DOMAINS`` (or one of tllib's aliases in ``ALIASES``).
        list_dir: Folder of the image lists under ``data_root``. Defaults to ``"image_list"``.
        **kwargs: Forwarded to :class:`ImageListDataset` (``pipeline``, ``check_files`` ...).
    """

    #: Number of classes of the benchmark.
    NUM_CLASSES: ClassVar[int] = 0
    #: Domain names, as the list files and folders are named.
    DOMAINS: ClassVar[tuple[str, ...]] = ()
    #: tllib's short task names -> domain names.
    ALIASES: ClassVar[dict[str, str]] = {}
    #: Default data root.
    DEFAULT_ROOT: ClassVar[str] = ""
    #: The expected layout, printed when something is missing.
    LAYOUT: ClassVar[str] = ""
    #: Where the images and the lists come from.
    SOURCE: ClassVar[str] = ""

    def __init__(self, data_root: str | None = None, domain: str = "", list_dir: str = "image_list", **kwargs: Any):
        self.domain = self.resolve_domain(domain)
        self.list_dir = list_dir
        data_root = self.DEFAULT_ROOT if data_root is None else data_root
        kwargs.setdefault("class_from_folder", True)
        kwargs.setdefault("num_classes", self.NUM_CLASSES)
        super().__init__(ann_file=os.path.join(list_dir, self.list_file()), data_root=data_root, **kwargs)

    @classmethod
    def resolve_domain(cls, domain: str) -> str:
        """The domain name of ``domain`` (a name or an alias), or a ValueError listing the valid ones."""
        name = cls.ALIASES.get(domain, domain)
        if name not in cls.DOMAINS:
            aliases = ", ".join(f"{alias}={full}" for alias, full in cls.ALIASES.items())
            raise ValueError(
                f"{cls.__name__}: unknown domain {domain!r}; choose one of {list(cls.DOMAINS)} (aliases: {aliases})."
            )
        return name

    def list_file(self) -> str:
        """Name of the domain's list file inside ``list_dir``."""
        return f"{self.domain}.txt"

    def _fail(self, path: str, problem: str) -> None:
        raise data_root_error(type(self).__name__, path, problem, self.LAYOUT, self.SOURCE)

    def check_data_root(self) -> None:
        """Fail with the expected layout if the root or the domain's image list is missing."""
        if not os.path.isdir(self.data_root):
            self._fail(self.data_root, "the data root does not exist.")
        if not os.path.isfile(self.ann_file):
            self._fail(self.ann_file, f"the image list of domain '{self.domain}' is missing.")

    def missing_image(self, image: str, number: int) -> None:
        self._fail(
            self.image_path(image),
            f"image '{image}' (line {number} of {os.path.relpath(self.ann_file, self.data_root)}) does not exist.",
        )
