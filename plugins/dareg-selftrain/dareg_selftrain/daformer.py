"""DAFormer: DACS with a Transformer and three training strategies (Hoyer et al., CVPR 2022).

DAFormer's iteration is DACS's (:mod:`dareg_selftrain.dacs`: source loss, the teacher's pseudo-labels on
the plain target, ClassMix, jitter and blur, the weighted pseudo-label loss, one step), with these
changes in the reference implementation (lhoyer/DAFormer ``mmseg/models/uda/dacs.py``; CFG is its
GTA5 -> Cityscapes config ``gta2cs_uda_warm_fdthings_rcs_croppl_a999_daformer_mitb5_s0.py``):

- The teacher moves by EMA with ``alpha = 0.999`` at the *start* of each step, before it labels the
  batch (dacs.py:104-115, 212-219), in train mode with dropout and DropPath off (L263-268).
- Colour jitter of strength 0.2 instead of 0.25, still with p 0.8 (dacs_transforms.py:52-66).
- ClassMix draws each image's classes among those of the *whole* source batch (dacs_transforms.py:93;
  DAFormer issue #19).
- The pseudo-label weight of the top 15 and bottom 120 rows of a 512 crop is 0 (CFG:30-31;
  dacs.py:280-286), after ``q`` is computed over the whole image.
- ImageNet feature distance: ``0.005 x`` the L2 distance between the student's last encoder stage
  and a frozen copy of the initial encoder, on source cells of thing classes (CFG:26-28;
  dacs.py:164-189, 249-253), back-propagated with the source loss.

Kept from DACS: the threshold 0.968 and the quality weight ``q`` (dacs.py:272-278), ClassMix, blur
(p 0.5), ``lambda_mix = 1``. The network (MiT-B5 encoder, DAFormer head), Rare Class Sampling and the
AdamW recipe with warm-up are configuration: ``configs/daformer_gta2cityscapes.py``.

One difference from that code: DAFormer's source cross-entropy averages over all pixels of the crop,
ignored ones included (losses/cross_entropy_loss.py:11-34); here the source loss is the segmentor's,
which averages over labelled pixels (the two differ by the share of ignored source pixels). The
pseudo-label losses average over all pixels, as there.
"""

from __future__ import annotations

import copy

from dareg.models.losses.feature_distance import CITYSCAPES_THING_CLASSES
from dareg.registry import ALGORITHMS

from dareg_selftrain.dacs import DACS, self_training_spec

#: DAFormer's pseudo-labeller: DACS's threshold and quality weight, the top 15 / bottom 120 rows of a 512 crop ignored.
DAFORMER_PSEUDO_LABELLER = dict(type="PseudoLabeller", threshold=0.968, ignore_top=15, ignore_bottom=120)
#: DAFormer's strong augmentation of the mixed image: jitter 0.2 with p 0.8, then blur with p 0.5.
DAFORMER_STRONG_AUGMENT = dict(
    type="BatchCompose", augments=[dict(type="ColorJitter", strength=0.2, p=0.8), dict(type="GaussianBlur", p=0.5)]
)
#: DAFormer's feature distance on the Cityscapes thing classes, lambda 0.005.
DAFORMER_FEATURE_DISTANCE = dict(
    type="ImageNetFeatureDistance", classes=list(CITYSCAPES_THING_CLASSES), num_classes=19, loss_weight=0.005
)


@ALGORITHMS.register_module()
class DAFormer(DACS):
    """DACS with DAFormer's defaults: EMA 0.999 first, batch-wide ClassMix, ignored border rows, feature distance.

    Every argument is :class:`~dareg_selftrain.dacs.DACS`'s; only the defaults differ.

    Args:
        task_model: Config of the student segmentor; the feature distance needs a ``MultiLevelSegmentor``
            (DAFormer: ``configs/_base_/models/daformer_mitb5.py`` of dareg).
        teacher: Defaults to ``dict(alpha=0.999)``.
        teacher_update: Defaults to ``"before_step"``.
        pseudo_labeller: Defaults to :data:`DAFORMER_PSEUDO_LABELLER` (rows for 512-pixel crops: scale
            ``ignore_top`` / ``ignore_bottom`` with the crop).
        class_mix: Defaults to ``dict(type="ClassMix", batch_wide=True)``.
        strong_augment: Defaults to :data:`DAFORMER_STRONG_AUGMENT`.
        lambda_mix: Defaults to 1.0.
        feature_distance: Defaults to :data:`DAFORMER_FEATURE_DISTANCE` (19 Cityscapes classes); None
            switches it off.
        adversary: Defaults to None.
        data_preprocessor: Config of the data preprocessor.
        init_cfg: mmengine initialisation config.
    """

    train_spec = self_training_spec("before_step")

    def __init__(
        self,
        task_model: dict,
        teacher: dict | None = None,
        teacher_update: str = "before_step",
        pseudo_labeller: dict | None = None,
        class_mix: dict | None = None,
        strong_augment: dict | None = None,
        lambda_mix: float = 1.0,
        feature_distance: dict | None = DAFORMER_FEATURE_DISTANCE,
        adversary: dict | None = None,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(
            task_model,
            teacher=teacher if teacher is not None else dict(alpha=0.999),
            teacher_update=teacher_update,
            pseudo_labeller=pseudo_labeller or DAFORMER_PSEUDO_LABELLER,
            class_mix=class_mix or dict(type="ClassMix", batch_wide=True),
            strong_augment=strong_augment or DAFORMER_STRONG_AUGMENT,
            lambda_mix=lambda_mix,
            feature_distance=copy.deepcopy(feature_distance),
            adversary=adversary,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg,
        )
