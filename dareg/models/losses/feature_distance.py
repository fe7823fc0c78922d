"""ImageNet feature distance on thing classes (Hoyer et al., DAFormer, CVPR 2022).

DAFormer keeps the student's last encoder stage close to that of the ImageNet-initialised encoder,
on source images and on thing classes only, so that adaptation does not erase what ImageNet taught
about them (uda/dacs.py:164-189, 249-253):

* the frozen encoder is a copy of the initial one, in eval mode, run without gradient (L82-83,
  166-169), and appears in no optimizer;
* the distance is the per-cell L2 norm of the feature difference at the last stage (stride 32);
* the source labels are average-pooled to the feature grid as one-hot maps; a cell keeps its
  majority class if that class covers at least ``min_ratio = 0.75`` of it, else it is ignored
  (utils/utils.py:18-39), and only cells of the thing classes count;
* the loss is ``lambda = 0.005`` times the mean over those cells (CFG:26-28). Thing classes on
  Cityscapes: ``[6, 7, 11, ..., 18]`` (light, sign, person, rider, car, truck, bus, train,
  motorcycle, bicycle).

**The copy is taken at iteration 0**, not in ``__init__``: mmengine's Runner calls ``init_weights``
after building the model and loads ``load_from`` after that, so a copy made in the constructor
would hold neither. The loss deep-copies the encoder's structure when it is built and copies the
student's weights the first time :meth:`ImageNetFeatureDistance.sync_once` is called (the
algorithm calls it at the top of every ``train_step``); a persistent flag in the state dict
records that the copy was taken, so a resumed run keeps the frozen encoder from its checkpoint
instead of copying the student of that moment. DAFormer builds the frozen model from the same
ImageNet weights as the student instead, which gives the same weights when training starts from
them; copying also covers a ``load_from`` warm start.

One deviation: when no cell of the batch is a kept thing cell, DAFormer takes the mean of nothing
(NaN in the log); this loss is then 0, still connected to the student's features.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from dareg.registry import LOSSES

#: Cityscapes train ids of the thing classes DAFormer's distance uses (CFG:26-28).
CITYSCAPES_THING_CLASSES = (6, 7, 11, 12, 13, 14, 15, 16, 17, 18)


def pool_labels_by_ratio(
    labels: torch.Tensor, stride: int, num_classes: int, min_ratio: float = 0.75, ignore_index: int = 255
) -> torch.Tensor:
    """Label maps pooled to ``1 / stride``: each cell's majority class if it covers ``>= min_ratio`` of it.

    The ignore label competes as a class of its own, so a cell that is mostly unlabelled stays
    ignored; cells below the ratio get ``ignore_index`` (DAFormer utils/utils.py:18-39).

    Args:
        labels: ``B x H x W`` (or ``B x 1 x H x W``) integer label maps.
        stride: Pooling factor (> 1); ``H`` and ``W`` are cut to multiples of it.
        num_classes: Number of classes (label values ``0 .. num_classes - 1``).
        min_ratio: Share of the cell the majority class must cover. Defaults to 0.75.
        ignore_index: The ignore label. Defaults to 255.

    Returns:
        ``B x H // stride x W // stride`` long labels.

    Examples:
        >>> labels = torch.tensor([[[1, 1, 2, 2], [1, 1, 2, 255], [0, 0, 0, 0], [0, 0, 255, 255]]])
        >>> pool_labels_by_ratio(labels, 2, num_classes=3).tolist()  # 4/4, 3/4, 4/4, 2/4 -> ignored
        [[[1, 2], [0, 255]]]
    """
    if labels.dim() == 4:
        labels = labels[:, 0]
    if int(stride) < 2:
        raise ValueError(f"pool_labels_by_ratio: stride must be > 1, got {stride}")
    labels = labels.long()
    substitute = num_classes  # one more channel for the ignore label
    valid = (labels == ignore_index) | ((labels >= 0) & (labels < num_classes))
    if not bool(valid.all()):
        raise ValueError(
            f"pool_labels_by_ratio: labels hold values outside [0, {num_classes}) and {ignore_index}: "
            f"{labels[~valid].unique()[:10].tolist()}; check num_classes."
        )
    one_hot = F.one_hot(torch.where(labels == ignore_index, substitute, labels), num_classes + 1)
    ratios = F.avg_pool2d(one_hot.permute(0, 3, 1, 2).float(), kernel_size=int(stride))
    best_ratio, pooled = ratios.max(dim=1)
    pooled[(pooled == substitute) | (best_ratio < min_ratio)] = ignore_index
    return pooled


def _network(module: nn.Module) -> nn.Module:
    """The network inside a DDP wrapper, else ``module`` (copies and state dicts need the bare one)."""
    return module.module if isinstance(module, DistributedDataParallel) else module


def _last(features: torch.Tensor | Sequence[torch.Tensor], index: int) -> torch.Tensor:
    return features if isinstance(features, torch.Tensor) else features[index]


@LOSSES.register_module()
class ImageNetFeatureDistance(nn.Module):
    """L2 distance between the student's encoder features and a frozen copy of the initial encoder.

    Args:
        encoder: The student's encoder; its structure is copied now and its weights at the first
            :meth:`sync_once`. Algorithms pass it with ``LOSSES.build(cfg, default_args=dict(encoder=...))``.
        classes: Classes whose cells count (DAFormer: :data:`CITYSCAPES_THING_CLASSES` on Cityscapes),
            or None for every cell, without labels. Defaults to None.
        num_classes: Number of classes of the labels; needed with ``classes``. Defaults to None.
        min_ratio: Share of a feature cell its class must cover to count. Defaults to 0.75.
        loss_weight: ``lambda``. Defaults to 0.005 (DAFormer).
        ignore_index: The ignore label. Defaults to 255.
        feature_index: Which of the encoder's outputs to compare. Defaults to -1 (the last stage).

    Examples:
        >>> import torch
        >>> from torch import nn
        >>> student = nn.Conv2d(3, 4, kernel_size=4, stride=4)
        >>> fd = ImageNetFeatureDistance(student, classes=[1], num_classes=2)
        >>> fd.sync_once(student)  # at iteration 0: the frozen copy takes the student's weights
        True
        >>> with torch.no_grad():
        ...     _ = student.weight.add_(0.1)  # the student moves on, the copy does not
        >>> images, labels = torch.rand(1, 3, 8, 8), torch.ones(1, 8, 8, dtype=torch.long)
        >>> loss = fd(student(images), images, labels)
        >>> bool(loss > 0), fd.sync_once(student)  # synced once only
        (True, False)
    """

    def __init__(
        self,
        encoder: nn.Module,
        classes: Sequence[int] | None = None,
        num_classes: int | None = None,
        min_ratio: float = 0.75,
        loss_weight: float = 0.005,
        ignore_index: int = 255,
        feature_index: int = -1,
    ) -> None:
        super().__init__()
        if classes is not None and num_classes is None:
            raise ValueError("ImageNetFeatureDistance: classes needs num_classes (the labels' class count).")
        self.frozen_encoder = copy.deepcopy(_network(encoder)).requires_grad_(False).eval()
        self.classes = None if classes is None else tuple(int(c) for c in classes)
        self.num_classes = None if num_classes is None else int(num_classes)
        self.min_ratio = float(min_ratio)
        self.loss_weight = float(loss_weight)
        self.ignore_index = int(ignore_index)
        self.feature_index = int(feature_index)
        self.register_buffer("synced", torch.tensor(False))
        self._synced_seen = False  # avoids reading the buffer (a device sync) every step once it is True

    def train(self, mode: bool = True) -> ImageNetFeatureDistance:
        super().train(mode)
        self.frozen_encoder.eval()  # dropout, drop-path and BN statistics stay as in the initial network
        return self

    @torch.no_grad()
    def sync_once(self, encoder: nn.Module) -> bool:
        """Copy ``encoder``'s weights into the frozen copy unless that was done before (also before a resume).

        Returns:
            Whether the weights were copied now.
        """
        if self._synced_seen or bool(self.synced):
            self._synced_seen = True
            return False
        self.frozen_encoder.load_state_dict(_network(encoder).state_dict())
        self.synced.fill_(True)
        self._synced_seen = True
        return True

    def kept_cells(self, labels: torch.Tensor, feature_size: Sequence[int]) -> torch.Tensor:
        """``B x h x w`` bools: feature cells whose pooled label is one of ``classes``."""
        height, width = labels.shape[-2:]
        stride = width // int(feature_size[-1])
        if stride < 2 or (height // stride, width // stride) != tuple(int(s) for s in feature_size):
            raise ValueError(
                f"ImageNetFeatureDistance: labels of {height} x {width} do not pool to the {tuple(feature_size)} "
                "feature grid by one integer stride; feed labels at the input resolution."
            )
        pooled = pool_labels_by_ratio(labels, stride, self.num_classes, self.min_ratio, self.ignore_index)
        return torch.isin(pooled, torch.tensor(self.classes, device=pooled.device))

    def forward(
        self,
        student_features: torch.Tensor | Sequence[torch.Tensor],
        inputs: torch.Tensor,
        labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``loss_weight`` times the mean feature distance over the kept cells.

        Args:
            student_features: The student encoder's output on ``inputs`` (a tensor, or the list of
                stages; ``feature_index`` picks one).
            inputs: The images the student saw (source images).
            labels: Their label maps at the input resolution; needed with ``classes``.
        """
        if not self._synced_seen and not bool(self.synced):
            raise RuntimeError(
                "ImageNetFeatureDistance: the frozen encoder was never copied from the student; call "
                "sync_once(<student encoder>) at the start of train_step (after init_weights and load_from)."
            )
        student = _last(student_features, self.feature_index)
        with torch.no_grad():
            frozen = _last(self.frozen_encoder(inputs), self.feature_index).detach()
        distance = (student.float() - frozen.float()).norm(p=2, dim=1)  # B x h x w
        if self.classes is None:
            return self.loss_weight * distance.mean()
        if labels is None:
            raise ValueError("ImageNetFeatureDistance: classes are set, so forward needs the source labels.")
        kept = self.kept_cells(labels, distance.shape[-2:])
        if not bool(kept.any()):
            return distance.sum() * 0.0
        return self.loss_weight * distance[kept].mean()
