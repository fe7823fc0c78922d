"""CyCADA stage (b): CycleGAN with semantic consistency (Hoffman et al., ICML 2018).

CyCADA runs in three stages, each a dareg config (``configs/cycada/``):

(a) a source task network ``f_S`` (``SourceOnly`` on labelled source data);
(b) **this algorithm**: pixel-level CycleGAN between source (A) and target (B) plus the semantic
    consistency loss (Eq. 4): the frozen ``f_S`` must give ``G_ab(x_s)`` the labels it gives
    ``x_s``, and ``G_ba(x_t)`` the labels it gives ``x_t``;
(c) feature-level adaptation (ADDA for digits, AdaptSegNet for segmentation) of a task network
    trained on the source images translated by stage (b)'s generator
    (``tools/translate.py --dataset ...`` then ``TranslatedImageDataset``).

Reference facts: digits (SVHN -> MNIST) at 32x32, lambda_cycle 1, no identity loss; for GTA5 ->
Cityscapes the reference drops the semantic loss for memory (``lambda_semantic=0`` here, which is
CycleGAN). The task network is loaded from stage (a)'s checkpoint (``task_checkpoint``), never gets
gradients, stays in eval mode and is never re-initialised, so it cannot change.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dareg.algorithms.cyclegan import CycleGAN
from dareg.algorithms.spec import TrainSpec
from dareg.algorithms.translation import check_direction, from_pixel_space, to_pixel_space
from dareg.models.utils.task_features import task_network_features
from dareg.registry import ALGORITHMS, LOSSES, MODELS


@ALGORITHMS.register_module()
class CyCADA(CycleGAN):
    """CycleGAN plus semantic consistency under a frozen source task network.

    Optimizer keys: ``generators`` and ``discriminators`` (the task network has none). Logged on top
    of CycleGAN's: ``loss_sem_a2b`` / ``loss_sem_b2a`` (weighted).

    Args:
        generator: Config of the A -> B generator.
        discriminator: Config of the domain-B discriminator.
        task_model: Config of stage (a)'s task network (``SEGMENTORS`` or ``CLASSIFIERS``), exactly as
            stage (a) built it.
        task_checkpoint: Stage (a)'s checkpoint (its ``task_model.*`` weights are loaded). Defaults to
            None (random weights: only for tests).
        lambda_semantic: Weight of each direction's semantic loss. Defaults to 1.0.
        semantic_directions: Directions the semantic loss applies to. Defaults to ``("a2b", "b2a")``.
        task_data_preprocessor: How the task network normalises images, if not as this algorithm
            does (a ``DomainDataPreprocessor`` config; translations are mapped from the generator's
            space to pixels and then to the task network's space, differentiably). Defaults to None
            (same normalisation).
        task_checkpoint_prefix: Prefix of the task network's keys in ``task_checkpoint``. Defaults
            to ``"task_model."`` (``SourceOnly``).
        ignore_index: Label ignored by the semantic cross-entropy. Defaults to 255.
        **kwargs: ``CycleGAN``'s arguments (``gan_loss``, ``lambda_cycle``, ``lambda_identity``,
            ``pool_size``, ``data_preprocessor`` ...).
    """

    train_spec = TrainSpec(
        steps=[
            (
                "generators",
                "CycleGAN's generator losses + lambda_semantic * semantic consistency through the frozen "
                "task network",
            ),
            ("discriminators", "0.5 * (real + fake) GAN loss per domain, fakes from the image pools"),
        ],
        logged={
            "loss_gan_a2b": "adversarial loss of the A -> B generator",
            "loss_gan_b2a": "adversarial loss of the B -> A generator",
            "loss_cycle_a": "weighted L1 of A -> B -> A",
            "loss_cycle_b": "weighted L1 of B -> A -> B",
            "loss_idt_*": "weighted identity losses (lambda_identity > 0)",
            "loss_sem_*": "semantic consistency loss per direction in semantic_directions",
            "loss_d_a": "domain-A discriminator loss",
            "loss_d_b": "domain-B discriminator loss",
        },
    )

    def __init__(
        self,
        generator: dict,
        discriminator: dict,
        task_model: dict,
        task_checkpoint: str | None = None,
        lambda_semantic: float = 1.0,
        semantic_directions: Sequence[str] = ("a2b", "b2a"),
        task_data_preprocessor: dict | None = None,
        task_checkpoint_prefix: str = "task_model.",
        ignore_index: int = 255,
        **kwargs,
    ) -> None:
        super().__init__(generator, discriminator, **kwargs)
        self.semantic_loss = LOSSES.build(
            dict(
                type="SemanticConsistencyLoss",
                task_model=task_model,
                checkpoint=task_checkpoint,
                checkpoint_prefix=task_checkpoint_prefix,
                ignore_index=ignore_index,
            )
        )
        self.lambda_semantic = float(lambda_semantic)
        self.semantic_directions = tuple(check_direction(d) for d in semantic_directions)
        self.task_data_preprocessor: nn.Module | None = (
            MODELS.build(task_data_preprocessor) if task_data_preprocessor is not None else None
        )

    def to_task_space(self, images: torch.Tensor) -> torch.Tensor:
        """Generator-space images -> the task network's input space (identity when they agree)."""
        if self.task_data_preprocessor is None:
            return images
        return from_pixel_space(self.task_data_preprocessor, to_pixel_space(self.data_preprocessor, images))

    def extract_feat(self, inputs: torch.Tensor, domain: str = "target") -> dict[str, torch.Tensor]:
        """The frozen task network's features and logits (:mod:`dareg.evaluation.features`).

        Source images are translated to the target style first, so the picture shows whether the
        translated source lands where the target is in the source network's feature space.
        """
        if domain == "source":
            inputs = self.translate(inputs, "a2b")
        return task_network_features(self.semantic_loss.task_model, self.to_task_space(inputs))

    def generator_losses(self, images: dict[str, torch.Tensor], batch: dict) -> dict[str, torch.Tensor]:
        """CycleGAN's generator losses plus ``lambda_semantic * CE(f_S(G(x)), argmax f_S(x))`` per direction."""
        losses = super().generator_losses(images, batch)
        if self.lambda_semantic > 0:
            for direction in self.semantic_directions:
                real, fake = ("real_a", "fake_b") if direction == "a2b" else ("real_b", "fake_a")
                original, translated = self.to_task_space(images[real]), self.to_task_space(images[fake])
                losses[f"loss_sem_{direction}"] = self.lambda_semantic * self.semantic_loss(original, translated)
        return losses
