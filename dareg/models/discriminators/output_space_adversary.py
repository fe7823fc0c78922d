"""AdaptSegNet's output-space adversary as one part: per-level discriminators and their GAN loss.

Tsai et al., "Learning to Adapt Structured Output Space for Semantic Segmentation", CVPR 2018
(reference ``train_gta2cityscapes_multi.py``): every adapted output level ``l`` of a segmentor has
a discriminator ``D_l`` that reads the softmax of a prediction upsampled to its image's size.

- The segmentor's adversarial loss (Eq. 4) is ``lambda_adv[l] * GAN(D_l(softmax(P_t^l)),
  source_label)``: target predictions are pushed to look like source ones, through frozen
  discriminators.
- The discriminators' loss (Eq. 3) is ``0.5 * GAN(D_l(softmax(P_s^l)), source_label) + 0.5 *
  GAN(D_l(softmax(P_t^l)), target_label)`` on detached predictions.

The reference labels source 0 and target 1, uses BCE with logits and weights 0.0002 (aux) and
0.001 (main). ``AdaptSegNet`` is this part with a segmentor; a self-training algorithm that takes
one (``adversary=dict(type="OutputSpaceAdversary", ...)``) adds output-space alignment to its own
losses, so that the combination is a config.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from dareg.registry import DISCRIMINATORS, LOSSES, MODELS


@MODELS.register_module()
class OutputSpaceAdversary(nn.ModuleList):
    """One discriminator per adapted segmentor level, and the GAN loss both sides of the game use.

    The list's items are the discriminators, in level order (:attr:`adapted_levels`): dareg's DDP
    wrapper wraps each on its own, and checkpoints hold them as ``<attribute>.<i>.*`` (AdaptSegNet's
    ``discriminators.0.*``). The GAN loss (no parameters, no buffers) is kept outside the items.
    Predictions are passed per adapted level, already upsampled to their image's size.

    Args:
        lambda_adv: Weight of the adversarial loss per segmentor output level, aux first; a level
            with weight 0 gets no discriminator. Defaults to ``(0.0002, 0.001)`` (the reference).
        discriminator: Discriminator config (``DISCRIMINATORS``), built once per adapted level;
            ``in_channels`` defaults to the argument below. Defaults to ``FCDiscriminator``.
        gan_loss: Loss config (``LOSSES``), called as ``loss(logits, label, is_discriminator)``.
            Defaults to ``GANLoss`` in ``"vanilla"`` mode (BCE with logits).
        source_label: Domain label of source predictions. Defaults to 0.0 (the reference).
        target_label: Domain label of target predictions. Defaults to 1.0 (the reference).
        in_channels: The discriminators' input channels, the number of classes (an algorithm passes
            its segmentor's). Defaults to None (the discriminator config's own).
        level_names: Loss-key suffix per output level (``("_aux", "")``; an algorithm passes its
            segmentor's, :func:`~dareg.models.segmentors.multi_level_segmentor.level_suffixes`).
            Defaults to ``"_level<i>"`` for every level but the last, which has none.

    Examples:
        >>> adversary = OutputSpaceAdversary(lambda_adv=(0.0, 0.001), in_channels=3, level_names=("_aux", ""))
        >>> adversary.adapted_levels, len(adversary)
        ((1,), 1)
        >>> total, losses = adversary.generator_loss([torch.randn(1, 3, 64, 64)])
        >>> sorted(losses), bool(total == losses["loss_adv"])
        (['loss_adv'], True)
    """

    def __init__(
        self,
        lambda_adv: Sequence[float] | float = (0.0002, 0.001),
        discriminator: dict | None = None,
        gan_loss: dict | None = None,
        source_label: float = 0.0,
        target_label: float = 1.0,
        in_channels: int | None = None,
        level_names: Sequence[str] | None = None,
    ) -> None:
        weights = (float(lambda_adv),) if isinstance(lambda_adv, (int, float)) else tuple(map(float, lambda_adv))
        if level_names is None:
            level_names = tuple(f"_level{i}" for i in range(len(weights) - 1)) + ("",)
        if len(weights) != len(level_names):
            raise ValueError(
                f"OutputSpaceAdversary: lambda_adv={weights} needs one weight per segmentor output level; the "
                f"segmentor has {len(level_names)} (aux, main order). Use 0.0 for a level that is not adapted."
            )
        if not any(weight > 0 for weight in weights) or any(weight < 0 for weight in weights):
            raise ValueError(
                f"OutputSpaceAdversary: lambda_adv={weights} must be >= 0 with at least one level > 0; to adapt "
                "nothing, leave the adversary out."
            )
        discriminator = dict(discriminator or dict(type="FCDiscriminator"))
        if in_channels is not None:
            discriminator.setdefault("in_channels", int(in_channels))
        adapted = tuple(level for level, weight in enumerate(weights) if weight > 0)
        super().__init__(DISCRIMINATORS.build(copy.deepcopy(discriminator)) for _ in adapted)
        # not an item of the list: the list holds exactly one discriminator per adapted level
        object.__setattr__(self, "gan_loss", LOSSES.build(gan_loss or dict(type="GANLoss", mode="vanilla")))
        self.lambda_adv = weights
        self.adapted_levels = adapted
        self.level_names = tuple(level_names)
        self.source_label = float(source_label)
        self.target_label = float(target_label)

    def generator_loss(
        self, target_predictions: Sequence[torch.Tensor]
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """``lambda_adv[l] * GAN(D_l(softmax(P_t^l)), source_label)`` per adapted level (Eq. 4).

        Freeze the discriminators around it (``BaseAlgorithm.frozen``): the gradient must reach the
        segmentor only.

        Args:
            target_predictions: The segmentor's target logits of each adapted level, at input size.

        Returns:
            Their sum (what the segmentor minimises) and the terms to log, ``loss_adv<suffix>``.
        """
        self._check_levels(target_predictions, "target_predictions")
        losses = {}
        for discriminator, level, prediction in zip(self, self.adapted_levels, target_predictions):
            loss = self.gan_loss(discriminator(F.softmax(prediction, dim=1)), self.source_label, is_discriminator=False)
            losses[f"loss_adv{self.level_names[level]}"] = self.lambda_adv[level] * loss
        return sum(losses.values()), losses

    def discriminator_loss(
        self, source_predictions: Sequence[torch.Tensor], target_predictions: Sequence[torch.Tensor]
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """``0.5 * GAN(D(softmax(P_s)), source) + 0.5 * GAN(D(softmax(P_t)), target)`` per adapted level (Eq. 3).

        Args:
            source_predictions: Detached source logits of each adapted level, at input size.
            target_predictions: Detached target logits of each adapted level, at input size.

        Returns:
            The sum over levels (what the discriminators minimise), and the terms to log: per level
            the source and target halves (``loss_d_src<suffix>``, ``loss_d_tgt<suffix>``) and their
            sum (``loss_d<suffix>``).
        """
        self._check_levels(source_predictions, "source_predictions")
        self._check_levels(target_predictions, "target_predictions")
        total, losses = 0, {}
        for index, level in enumerate(self.adapted_levels):
            discriminator, suffix = self[index], self.level_names[level]
            on_source = discriminator(F.softmax(source_predictions[index], dim=1))
            on_target = discriminator(F.softmax(target_predictions[index], dim=1))
            loss_source = 0.5 * self.gan_loss(on_source, self.source_label, is_discriminator=True)
            loss_target = 0.5 * self.gan_loss(on_target, self.target_label, is_discriminator=True)
            losses[f"loss_d_src{suffix}"] = loss_source
            losses[f"loss_d_tgt{suffix}"] = loss_target
            losses[f"loss_d{suffix}"] = loss_source + loss_target
            total = total + losses[f"loss_d{suffix}"]
        return total, losses

    def _check_levels(self, predictions: Sequence[torch.Tensor], name: str) -> None:
        if len(predictions) != len(self.adapted_levels):
            raise ValueError(
                f"OutputSpaceAdversary: {name} has {len(predictions)} levels, but the adversary adapts "
                f"{len(self.adapted_levels)} (levels {self.adapted_levels} of lambda_adv={self.lambda_adv})."
            )
