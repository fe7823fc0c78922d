"""PixelDA: unsupervised pixel-level domain adaptation with GANs (Bousmalis et al., CVPR 2017).

A generator ``G(x_s, z)`` translates labelled source images into target-looking images; a
discriminator ``D`` tells translated images from real target images; a task classifier ``T`` is
trained on source images and on their translations (whose labels are the source labels) and, at
test time, classifies real target images.

Facts of the reference implementation (``pixel_domain_adaptation``: ``pixelda_losses.py`` and the
hparams of the published MNIST -> MNIST-M run) used here:

* D-step: ``domain_loss_weight * (BCE(D(G(x_s, z)), 0) + BCE(D(x_t), 1))`` (1 = real target image)
  plus the task loss ``CE(T(x_s), y_s) + CE(T(G(x_s, z)), y_s)``; this step updates both the
  discriminator and the task classifier (one optimizer).
* G-step: ``style_transfer_loss_weight * BCE(D(G(x_s, z)), 1)`` + ``task_loss_in_g_weight`` times
  the task loss through the (fixed) classifier + ``transferred_similarity_loss_weight`` times the
  content similarity (mean pairwise squared error) to the source image; updates the generator only.
* MNIST -> MNIST-M weights: domain 0.135603587834, style 0.0113173311334, task-in-G
  0.0100959947002; similarity weight 0 (the paper's masked PMSE is for rendered objects with a
  depth mask). One D step per G step. Adam, beta1 0.5, lr x0.95 every 20k steps, batch 32,
  gradient norm clipped at 5 (configured in ``optim_wrapper``).
"""

from __future__ import annotations

from typing import Any

import torch
from mmengine.optim import OptimWrapperDict

from dareg.algorithms.base import BaseAlgorithm
from dareg.algorithms.spec import TrainSpec
from dareg.models.task_model import build_task_model
from dareg.registry import ALGORITHMS, DISCRIMINATORS, GENERATORS, LOSSES

#: Labels of the discriminator: 1 = real target image, 0 = translated ("fake") image.
REAL_LABEL = 1.0
FAKE_LABEL = 0.0


def pairwise_mse(predictions: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean pairwise squared error (scale- and shift-tolerant content similarity), batch mean.

    Per sample, with ``d = (predictions - targets) * mask`` over the ``n`` unmasked elements, it is
    ``2 * (sum(d^2) / n - (sum(d) / n)^2)``: the squared differences of all pairs of pixel
    differences, so a constant offset between the images costs nothing.

    Args:
        predictions: ``N x C x H x W`` images.
        targets: Images of the same shape.
        mask: Optional ``N x 1 x H x W`` (or full-shape) weights in {0, 1}; None uses every pixel.

    Examples:
        >>> x = torch.rand(2, 3, 4, 4)
        >>> float(pairwise_mse(x + 0.5, x)) < 1e-6
        True
    """
    diff = predictions - targets
    weights = torch.ones_like(diff) if mask is None else mask.expand_as(diff).to(diff.dtype)
    diff = diff * weights
    count = weights.flatten(1).sum(1).clamp(min=1.0)
    mean_square = diff.flatten(1).pow(2).sum(1) / count
    square_mean = (diff.flatten(1).sum(1) / count).pow(2)
    return (2.0 * (mean_square - square_mean)).mean()


@ALGORITHMS.register_module()
class PixelDA(BaseAlgorithm):
    """Pixel-level adaptation: generator vs. discriminator, plus a task classifier on both images.

    Optimizers (``optim_wrapper`` keys): ``generator`` for the G-step, and ``discriminator`` for the
    D-step, which (as in the reference) also updates the task classifier: give it
    ``modules=["discriminator", "task_model"]``.

    Args:
        generator: Config of the generator (``GENERATORS``), called as ``generator(images, noise)``.
        discriminator: Config of the image discriminator (``DISCRIMINATORS``), one logit per image.
        task_model: Config of the task classifier (``CLASSIFIERS``).
        gan_loss: Config of the adversarial loss. Defaults to ``GANLoss`` in ``"vanilla"`` mode.
        lambda_adv: Weight of the generator's adversarial (style transfer) loss. Defaults to 0.0114.
        lambda_domain: Weight of the discriminator's domain loss. Defaults to 0.136.
        lambda_task_in_g: Weight of the task loss in the G-step. Defaults to 0.0101.
        lambda_task_source: Weight of the task loss on source images (D-step). Defaults to 1.0.
        lambda_task_translated: Weight of the task loss on translated images (D-step). Defaults to 1.0.
        lambda_similarity: Weight of the content-similarity loss in the G-step; 0 disables it.
            Defaults to 0.0 (the published MNIST -> MNIST-M run; the paper's value is 1.0).
        similarity_mask_threshold: If set, the similarity loss only counts pixels whose source value
            (channel mean, after normalisation) exceeds it, e.g. the strokes of a digit. Defaults to
            None (all pixels).
        data_preprocessor: Config of the data preprocessor.
        init_cfg: mmengine initialisation config.
    """

    train_spec = TrainSpec(
        steps=[
            (
                "discriminator",
                "domain loss (target real, translated fake) + task cross-entropy on source and translated "
                "images; this optimizer also updates task_model",
            ),
            ("generator", "adversarial loss + optional task and similarity losses (discriminator and task frozen)"),
        ],
        logged={
            "loss_domain": "discriminator's domain loss (lambda_domain-weighted)",
            "loss_task_source": "task cross-entropy on source images",
            "loss_task_translated": "task cross-entropy on translated images",
            "loss_adv": "generator's adversarial loss",
            "loss_task_in_g": "task loss of the translations in the generator step (lambda_task_in_g > 0)",
            "loss_similarity": "masked pairwise MSE between source and translation (lambda_similarity > 0)",
        },
    )

    def __init__(
        self,
        generator: dict,
        discriminator: dict,
        task_model: dict,
        gan_loss: dict | None = None,
        lambda_adv: float = 0.0114,
        lambda_domain: float = 0.136,
        lambda_task_in_g: float = 0.0101,
        lambda_task_source: float = 1.0,
        lambda_task_translated: float = 1.0,
        lambda_similarity: float = 0.0,
        similarity_mask_threshold: float | None = None,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.generator = GENERATORS.build(generator)
        self.discriminator = DISCRIMINATORS.build(discriminator)
        self.task_model = build_task_model(task_model)
        self.gan_loss = LOSSES.build(gan_loss or dict(type="GANLoss", mode="vanilla"))
        self.lambda_adv = lambda_adv
        self.lambda_domain = lambda_domain
        self.lambda_task_in_g = lambda_task_in_g
        self.lambda_task_source = lambda_task_source
        self.lambda_task_translated = lambda_task_translated
        self.lambda_similarity = lambda_similarity
        self.similarity_mask_threshold = similarity_mask_threshold
        self._checked_optimizers = False

    def translate(self, images: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        """Source images to the target domain (noise drawn from U[-1, 1] when not given)."""
        return self.generator(images, noise)

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        batch = self.data_preprocessor(data, training=True)
        self.check_optimizers(optim_wrapper)
        source, target = batch["source"], batch["target"]
        with self.autocast(optim_wrapper, "generator"):
            translated = self.translate(source["inputs"])
        losses = self.discriminator_step(source, target["inputs"], translated.detach(), optim_wrapper)
        losses.update(self.generator_step(source, translated, optim_wrapper))
        return self.scalars(losses)

    def task_losses(self, source: dict, translated: torch.Tensor, weight_source: float, weight_translated: float):
        """Cross-entropy of the task classifier on source images and on their translations."""
        losses = {}
        if weight_source:
            outputs = self.task_model(source["inputs"])
            losses["source"] = weight_source * sum(self.task_model.loss(outputs, source["data_samples"]).values())
        if weight_translated:
            outputs = self.task_model(translated)
            losses["translated"] = weight_translated * sum(
                self.task_model.loss(outputs, source["data_samples"]).values()
            )
        return losses

    def discriminator_step(
        self, source: dict, target_images: torch.Tensor, translated: torch.Tensor, optim_wrapper: OptimWrapperDict
    ) -> dict[str, torch.Tensor]:
        """D-step: domain loss of D (target real, translated fake) + task loss of T on both images."""
        with self.autocast(optim_wrapper, "discriminator"):
            logits_fake = self.discriminator(translated)
            logits_real = self.discriminator(target_images)
            loss_domain = self.lambda_domain * (
                self.gan_loss(logits_fake, FAKE_LABEL) + self.gan_loss(logits_real, REAL_LABEL)
            )
            task = self.task_losses(source, translated, self.lambda_task_source, self.lambda_task_translated)
        self.update(optim_wrapper, "discriminator", loss_domain + sum(task.values()))
        return {"loss_domain": loss_domain, **{f"loss_task_{name}": value for name, value in task.items()}}

    def generator_step(
        self, source: dict, translated: torch.Tensor, optim_wrapper: OptimWrapperDict
    ) -> dict[str, torch.Tensor]:
        """G-step: fool D, keep the translation classifiable, optionally stay close to the source."""
        with self.autocast(optim_wrapper, "generator"), self.frozen(self.discriminator, self.task_model):
            losses = {
                "loss_adv": self.lambda_adv
                * self.gan_loss(self.discriminator(translated), REAL_LABEL, is_discriminator=False)
            }
            if self.lambda_task_in_g:
                # only the translated term depends on G (the reference also adds the constant source term)
                outputs = self.task_model(translated)
                losses["loss_task_in_g"] = self.lambda_task_in_g * sum(
                    self.task_model.loss(outputs, source["data_samples"]).values()
                )
            if self.lambda_similarity:
                losses["loss_similarity"] = self.lambda_similarity * pairwise_mse(
                    translated, self.match_channels(source["inputs"], translated), self.similarity_mask(source)
                )
        self.update(optim_wrapper, "generator", sum(losses.values()))
        return losses

    @staticmethod
    def match_channels(images: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        """Repeat a grey image to the channels of ``like`` (as the reference tiles grey sources)."""
        if images.shape[1] == 1 and like.shape[1] != 1:
            return images.expand(-1, like.shape[1], -1, -1)
        return images

    def similarity_mask(self, source: dict) -> torch.Tensor | None:
        """Pixels the similarity loss counts: where the source exceeds the threshold, or all."""
        if self.similarity_mask_threshold is None:
            return None
        return (source["inputs"].mean(dim=1, keepdim=True) > self.similarity_mask_threshold).float()

    def check_optimizers(self, optim_wrapper: OptimWrapperDict) -> None:
        """Fail clearly, once, if the D-step optimizer does not also update the task classifier."""
        if self._checked_optimizers or not isinstance(optim_wrapper, OptimWrapperDict):
            return
        wrapper = self.optimizer(optim_wrapper, "discriminator")
        updated = {id(p) for group in wrapper.optimizer.param_groups for p in group["params"]}
        missing = [name for name, p in self.task_model.named_parameters() if p.requires_grad and id(p) not in updated]
        if missing:
            raise ValueError(
                "PixelDA trains the task classifier in the discriminator step (as the reference does), but "
                f"optim_wrapper.discriminator does not update task_model parameters such as {missing[:3]}. Use "
                "optim_wrapper=dict(..., discriminator=dict(modules=['discriminator', 'task_model'], optimizer=...))."
            )
        self._checked_optimizers = True

    def forward_tensor(self, inputs: torch.Tensor) -> Any:
        return self.task_model(inputs)

    def predict(self, inputs: torch.Tensor, data_samples: dict | None = None) -> list[dict]:
        """The task classifier on (real target) images."""
        return self.task_model.predict(self.task_model(inputs), data_samples)



