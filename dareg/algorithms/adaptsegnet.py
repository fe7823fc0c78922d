"""AdaptSegNet: adversarial adaptation in the output space (Tsai et al., "Learning to Adapt Structured
Output Space for Semantic Segmentation", CVPR 2018).

One iteration of the reference implementation (``train_gta2cityscapes_multi.py``), batch 1 + 1:

1. Discriminators frozen. Source images through the segmentor; every level upsampled bilinearly
   (``align_corners=True``) to the label size; ``L_seg = CE(pred_main) + lambda_seg * CE(pred_aux)``
   (paper Eq. 2 / 6), backward.
2. Target images through the segmentor, upsampled to the target input size; for every adapted level
   ``l``: ``L_adv += lambda_adv[l] * BCE(D_l(softmax(P_t^l)), source_label)`` (Eq. 4): the target is
   pushed to look like source. Backward, through the frozen discriminators into the segmentor.
3. Discriminators unfrozen. For every adapted level:
   ``L_d = 0.5 * BCE(D(softmax(P_s.detach())), source_label) + 0.5 * BCE(D(softmax(P_t.detach())), target_label)``
   (Eq. 3), with source label 0 and target label 1.
4. Step the segmentor (SGD) and the discriminators (Adam). The reference steps both at the end of
   the iteration; stepping the segmentor before the discriminator loss is computed is the same
   computation, because that loss only reads detached predictions and the discriminators' weights.

The discriminators see softmax maps of the predictions upsampled to each domain's *input* size.
They and their GAN loss are one registered part,
:class:`~dareg.models.discriminators.OutputSpaceAdversary`, which gives Eq. 4 and Eq. 3; a
self-training algorithm can take the same part to add output-space alignment to its own losses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from mmengine.optim import OptimWrapperDict
from torch import nn

from dareg.algorithms.base import BaseAlgorithm
from dareg.algorithms.spec import TrainSpec
from dareg.models.discriminators.output_space_adversary import OutputSpaceAdversary
from dareg.models.segmentors.multi_level_segmentor import level_suffixes, per_level_weights, resize_logits
from dareg.registry import ALGORITHMS, SEGMENTORS


@ALGORITHMS.register_module()
class AdaptSegNet(BaseAlgorithm):
    """Single- or multi-level output-space adversarial adaptation of a segmentor.

    The segmentor returns logits per level (main last, e.g. ``[aux, main]`` for
    :class:`~dareg.models.segmentors.MultiLevelSegmentor` with an auxiliary head); ``lambda_adv`` has
    one weight per level, and every level with a positive weight gets its own discriminator, built
    from the one ``discriminator`` config. ``self.discriminators`` is the
    :class:`~dareg.models.discriminators.OutputSpaceAdversary` that holds them (in level order) with the
    GAN loss; ``lambda_adv``, ``adapted_levels``, ``gan_loss``, ``source_label`` and ``target_label``
    are its. The supervised weights (``lambda_seg``) belong to the segmentor (its ``loss_weights``).

    Optimizers (``optim_wrapper`` keys): ``segmentor`` and ``discriminators``.

    Logged terms: ``loss_seg`` / ``loss_seg_aux`` (weighted source cross-entropy),
    ``loss_adv`` / ``loss_adv_aux`` (weighted adversarial loss on target), ``loss_d`` / ``loss_d_aux``
    (discriminator loss) and its halves ``loss_d_src*`` / ``loss_d_tgt*`` (each already times 0.5).

    Args:
        segmentor: Segmentor config (``SEGMENTORS``).
        discriminator: Discriminator config (``DISCRIMINATORS``), instantiated once per adapted level;
            ``in_channels`` defaults to the segmentor's number of classes. Defaults to
            ``FCDiscriminator``.
        gan_loss: Adversarial loss config (``LOSSES``), called as ``loss(logits, label,
            is_discriminator)``. Defaults to ``GANLoss`` in ``"vanilla"`` mode (BCE with logits).
        lambda_adv: Weight of the adversarial loss per segmentor level, in output order
            (``(aux, main)``); 0 leaves a level unadapted (no discriminator). Defaults to
            ``(0.0002, 0.001)``, the reference multi-level values; single level is ``(0.001,)`` with a
            single-level segmentor (or ``(0.0, 0.001)`` with a multi-level one).
        source_label: Domain label of source predictions. Defaults to 0.0 (the reference).
        target_label: Domain label of target predictions. Defaults to 1.0 (the reference).
        data_preprocessor: Data preprocessor config. Defaults to no normalisation.
        init_cfg: mmengine initialisation config. Defaults to None.
    """

    train_spec = TrainSpec(
        steps=[
            (
                "segmentor",
                "source cross-entropy per level (backward), then lambda_adv * GAN loss of the frozen "
                "discriminators on the target softmax maps labelled source (backward), then one step",
            ),
            ("discriminators", "GAN loss on detached source (label source) and target (label target) softmax maps"),
        ],
        logged={
            "loss_seg*": "weighted source cross-entropy of each output level",
            "loss_adv*": "lambda_adv-weighted adversarial loss of each adapted level",
            "loss_d_src*": "discriminator loss on source predictions, per adapted level",
            "loss_d_tgt*": "discriminator loss on target predictions, per adapted level",
            "loss_d*": "discriminator loss (source + target halves), per adapted level",
        },
        notes="Level suffixes (_level0 ...) appear when the segmentor has several output levels.",
    )

    def __init__(
        self,
        segmentor: dict,
        discriminator: dict | None = None,
        gan_loss: dict | None = None,
        lambda_adv: Sequence[float] | float = (0.0002, 0.001),
        source_label: float = 0.0,
        target_label: float = 1.0,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.segmentor = SEGMENTORS.build(segmentor)
        self.level_suffixes = level_suffixes(self.segmentor)
        self.discriminators = OutputSpaceAdversary(
            lambda_adv=per_level_weights(self.segmentor, lambda_adv, "AdaptSegNet", "lambda_adv"),
            discriminator=discriminator,
            gan_loss=gan_loss,
            source_label=source_label,
            target_label=target_label,
            in_channels=getattr(self.segmentor, "num_classes", None),
            level_names=self.level_suffixes,
        )

    # --- the adversary's settings (read by the plain-loop baseline and by plugins built on AdaptSegNet) ---
    @property
    def lambda_adv(self) -> tuple[float, ...]:
        """The adversarial weight of each segmentor level, aux first."""
        return self.discriminators.lambda_adv

    @property
    def adapted_levels(self) -> tuple[int, ...]:
        """The segmentor levels with a discriminator."""
        return self.discriminators.adapted_levels

    @property
    def gan_loss(self) -> nn.Module:
        """The GAN loss of both sides."""
        return self.discriminators.gan_loss

    @property
    def source_label(self) -> float:
        """The domain label of source predictions."""
        return self.discriminators.source_label

    @property
    def target_label(self) -> float:
        """The domain label of target predictions."""
        return self.discriminators.target_label

    def networks_with_unused_parameters(self) -> dict[str, str]:
        """The segmentor, when a level is not adapted: its head gets no gradient from the target pass."""
        levels = range(len(self.lambda_adv))
        unadapted = [self.level_suffixes[level][1:] or "main" for level in levels if level not in self.adapted_levels]
        if not unadapted:
            return {}
        return {"segmentor": f"lambda_adv is 0 for the {', '.join(unadapted)} level: no gradient in the target pass"}

    # --- one iteration, in the reference's order -------------------------------------------------
    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        batch = self.data_preprocessor(data, training=True)
        source, target = batch["source"], batch["target"]
        segmentor_optim = self.optimizer(optim_wrapper, "segmentor")
        self._check_no_accumulation(segmentor_optim)

        with self.frozen(self.discriminators):
            # 1. supervised loss on source (Eq. 2); its graph is freed before the target forward
            with self.autocast(optim_wrapper, "segmentor"):
                losses, source_predictions = self.source_segmentation_loss(source)
            segmentor_optim.backward(sum(losses.values()))
            # 2. adversarial loss on target through the frozen discriminators (Eq. 4)
            with self.autocast(optim_wrapper, "segmentor"):
                target_predictions = self.predictions(target)
                adv_total, adv_losses = self.discriminators.generator_loss(target_predictions)
            segmentor_optim.backward(adv_total)
        losses.update(adv_losses)
        self.step(optim_wrapper, "segmentor")

        # 3. discriminators on detached source / target predictions (Eq. 3), then their step
        with self.autocast(optim_wrapper, "discriminators"):
            detached = [prediction.detach() for prediction in target_predictions]
            d_total, d_losses = self.discriminators.discriminator_loss(source_predictions, detached)
        self.optimizer(optim_wrapper, "discriminators").backward(d_total)
        self.step(optim_wrapper, "discriminators")
        losses.update(d_losses)
        return self.scalars(losses)

    # --- the segmentor's side ----------------------------------------------------------------------
    def source_segmentation_loss(self, source: dict) -> tuple[dict[str, torch.Tensor], list[torch.Tensor]]:
        """Weighted source cross-entropy per level, and the detached predictions at input size."""
        outputs = self.segmentor(source["inputs"])
        losses = self.segmentor.loss(outputs, source["data_samples"])
        size = source["inputs"].shape[-2:]
        detached = [self.upsample(outputs[level], size).detach() for level in self.adapted_levels]
        return losses, detached

    def predictions(self, domain: dict) -> list[torch.Tensor]:
        """The segmentor's logits of each adapted level on ``domain``'s images, upsampled to their size."""
        outputs = self.segmentor(domain["inputs"])
        return [self.upsample(outputs[level], domain["inputs"].shape[-2:]) for level in self.adapted_levels]

    # --- helpers ---------------------------------------------------------------------------------
    def upsample(self, logits: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
        """Bilinear upsampling of logits to ``size``, with the segmentor's ``align_corners``."""
        return resize_logits(logits, size, getattr(self.segmentor, "align_corners", True))

    @staticmethod
    def _check_no_accumulation(wrapper: Any) -> None:
        if getattr(wrapper, "_accumulative_counts", 1) != 1:
            raise ValueError(
                "AdaptSegNet back-propagates the source and target losses separately (as the reference does, "
                "to halve activation memory) and steps once per iteration: accumulative_counts must be 1 in "
                "optim_wrapper.segmentor."
            )

    # --- inference -------------------------------------------------------------------------------
    def forward_tensor(self, inputs: torch.Tensor) -> list[torch.Tensor]:
        return self.segmentor(inputs)

    def predict(self, inputs: torch.Tensor, data_samples: dict | None = None) -> list[dict]:
        return self.predict_with(self.segmentor, inputs, data_samples)
