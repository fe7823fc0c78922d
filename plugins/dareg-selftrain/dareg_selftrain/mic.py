"""MIC: masked image consistency on top of DAFormer (Hoyer et al., CVPR 2023).

MIC adds one loss to DAFormer's iteration (:mod:`dareg_selftrain.daformer`): the student must predict
the teacher's pseudo-labels of a target image from a copy in which most of the image is hidden, so
that it learns to use the context around what it sees. In the reference implementation
(lhoyer/MIC ``seg/mmseg/models/uda/masking_consistency_module.py``, MCM):

1. The masked image (``separatetrgaug``): the plain target image, a fresh DACS/DAFormer colour jitter
   (0.2, p 0.8) and blur (p 0.5), then a block mask (MCM:111-133): a grid of ``b x b`` blocks, each
   hidden with probability ``r = 0.7`` (masking_transforms.py:21-41); ``b = 32`` for the 512-pixel
   crops of MIC(DAFormer) (experiments.py:444-450), 64 for MIC(HRDA)'s 1024-pixel crops.
2. Its target: with ``mask_alpha = mask_pseudo_threshold = "same"`` no second teacher is built; MIC
   reuses the EMA teacher's pseudo-labels and weights from the full, unaugmented target image,
   border rows ignored (MCM:70-78; uda/dacs.py:96-97, 375-393, 428-438).
3. ``lambda_masked = 1`` x the pixel-weighted cross-entropy of the student on the masked image
   (MIC config:81), back-propagated on its own after the mixed loss; one optimizer step per
   iteration.
"""

from __future__ import annotations

from contextlib import nullcontext

import torch
from dareg.models.utils import running_stats_kept
from dareg.registry import ALGORITHMS
from mmengine.optim import OptimWrapperDict

from dareg_selftrain.dacs import self_training_spec
from dareg_selftrain.daformer import DAFormer

#: MIC(DAFormer)'s masked target image: DAFormer's jitter and blur, then 32-pixel blocks hidden with probability 0.7.
MIC_MASKING = dict(
    type="BatchCompose",
    augments=[
        dict(type="ColorJitter", strength=0.2, p=0.8),
        dict(type="GaussianBlur", p=0.5),
        dict(type="BlockMask", block_size=32, mask_ratio=0.7),
    ],
)


@ALGORITHMS.register_module()
class MIC(DAFormer):
    """DAFormer plus the masked image consistency loss on target images.

    Args:
        task_model: Config of the student segmentor.
        masking: Config of the image augmentation that makes the masked target images
            (``BATCH_AUGMENTS``; ``ColorJitter`` gets the data preprocessor's normalisation). Defaults
            to :data:`MIC_MASKING` (block size 32, for 512-pixel crops; scale it with the crop).
        lambda_masked: Weight of the masked loss; 0 turns it off (the masked forward still runs).
            Defaults to 1.0 (MIC).
        masked_norm_update: Whether the masked pass moves the running statistics of the student's
            BatchNorm layers (the DAFormer head's), as every training pass does in the reference.
            False keeps them as they were before that pass (:func:`~dareg.models.utils.running_stats_kept`):
            a diagnostic of what evaluating with statistics of 70%-blank images costs, not part of
            MIC. Defaults to True (MIC).
        **kwargs: :class:`~dareg_selftrain.daformer.DAFormer`'s arguments, with its defaults (EMA 0.999
            at the start of the step, threshold 0.968, ignored border rows, batch-wide ClassMix,
            feature distance).
    """

    train_spec = self_training_spec(
        "before_step",
        extra_steps=" lambda_masked x the same pseudo-labels' cross-entropy on the jittered, blurred, block-masked "
        "target images, backward;",
        extra_logged={"loss_masked*": "lambda_masked x pseudo-label cross-entropy on the masked target images"},
    )

    def __init__(
        self,
        task_model: dict,
        masking: dict | None = None,
        lambda_masked: float = 1.0,
        masked_norm_update: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(task_model, **kwargs)
        if lambda_masked < 0:
            raise ValueError(f"MIC: lambda_masked must be >= 0, got {lambda_masked}")
        self.masking = self.build_image_augment(masking or MIC_MASKING)
        self.lambda_masked = float(lambda_masked)
        self.masked_norm_update = bool(masked_norm_update)

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        batch = self.data_preprocessor(data, training=True)
        source, target = batch["source"], batch["target"]
        self.start_step(optim_wrapper)  # the teacher's EMA, before it labels the batch
        losses, source_predictions = self.backward_source(source, optim_wrapper)  # source CE + feature distance
        pseudo = self.pseudo_labels(target["inputs"])  # the teacher on the plain target images
        mixed = self.mix(source, target, pseudo)
        losses |= self.backward_pseudo_label_loss(
            mixed.inputs, mixed.labels, mixed.weights, "loss_mix", self.lambda_mix, optim_wrapper
        )
        # MIC: the same pseudo-labels and weights, predicted from jittered, blurred, block-masked target images
        masked = self.mask(target["inputs"])
        with nullcontext() if self.masked_norm_update else running_stats_kept(self.task_model):
            losses |= self.backward_pseudo_label_loss(
                masked, pseudo.labels, pseudo.weights, "loss_masked", self.lambda_masked, optim_wrapper
            )
        adversarial, target_predictions = self.backward_adversarial(target, optim_wrapper)
        self.step(optim_wrapper, "task_model")
        losses |= adversarial | self.update_discriminators(source_predictions, target_predictions, optim_wrapper)
        self.finish_step()
        return self.scalars({**losses, "pseudo_quality": pseudo.quality})

    @torch.no_grad()
    def mask(self, target_inputs: torch.Tensor) -> torch.Tensor:
        """The masked target images: fresh colour jitter and blur, then the block mask (MCM:111-133)."""
        return self.masking(target_inputs)
