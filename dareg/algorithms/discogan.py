"""DiscoGAN: discovering cross-domain relations with GANs (Kim et al., ICML 2017).

Reference facts (SKTBrain/DiscoGAN, ``image_translation.py``), per direction (A -> B shown):

* GAN (BCE): ``D_b`` learns ``0.5 * (BCE(D_b(b), 1) + BCE(D_b(G_ab(a)), 0))``; the generator
  minimises ``BCE(D_b(G_ab(a)), 1)``.
* Feature matching on ``D_b``'s hidden activations (batch means of real ``b`` vs ``G_ab(a)``), mixed
  as ``0.1 * GAN + 0.9 * FM``.
* Reconstruction ``MSE(G_ba(G_ab(a)), a)``, mixed by a curriculum rate: ``(1 - rate) * adversarial +
  rate * reconstruction`` with rate 0.01 for the first 10,000 iterations and 0.5 after.
* One optimizer for both generators and one for both discriminators (Adam 2e-4, (0.5, 0.999),
  weight decay 1e-5). Iterations whose index is a multiple of 3 update only the discriminators,
  the others only the generators.
"""

from __future__ import annotations

import torch
from mmengine.optim import OptimWrapperDict

from dareg.algorithms.spec import TrainSpec
from dareg.algorithms.translation import BaseTranslationAlgorithm
from dareg.registry import ALGORITHMS, LOSSES

REAL_LABEL = 1.0
FAKE_LABEL = 0.0


@ALGORITHMS.register_module()
class DiscoGAN(BaseTranslationAlgorithm):
    """Two encoder-decoder generators and two discriminators with feature matching and a curriculum.

    Domain A is the ``source`` of the two-domain batch, domain B the ``target``. Optimizer keys:
    ``generators`` and ``discriminators``. The discriminators must return ``(logits, features)``
    (``DiscoGANDiscriminator``) when ``lambda_fm > 0``; a discriminator returning only logits works
    with ``lambda_fm=0``.

    Args:
        generator: Config of the A -> B generator. Defaults to ``DiscoGANGenerator``.
        discriminator: Config of the domain-B discriminator. Defaults to ``DiscoGANDiscriminator``.
        gan_loss: Config of the adversarial loss. Defaults to ``GANLoss`` (``"vanilla"``, BCE).
        reconstruction_loss: Config of the reconstruction loss. Defaults to
            ``CycleConsistencyLoss`` in ``"l2"`` mode (MSE).
        feature_matching_loss: Config of the feature-matching loss. Defaults to
            ``FeatureMatchingLoss``.
        lambda_gan: Weight of the GAN term inside the adversarial part. Defaults to 0.1.
        lambda_fm: Weight of the feature-matching term (0 disables it; then use
            ``lambda_gan=1.0`` for the paper's plain GAN + reconstruction). Defaults to 0.9.
        recon_rate_start: Reconstruction rate during the curriculum. Defaults to 0.01.
        recon_rate: Reconstruction rate after it. Defaults to 0.5.
        curriculum_iters: Length of the curriculum in iterations. Defaults to 10000.
        d_update_interval: Iterations whose index is a multiple of this update the
            discriminators, the others the generators; 1 updates both every iteration
            (discriminators first). Defaults to 3.
        generator_b2a: Config of the B -> A generator. Defaults to None (same as ``generator``).
        discriminator_a: Config of the domain-A discriminator. Defaults to None (same as
            ``discriminator``).
        test_direction: Direction that ``predict`` translates. Defaults to ``"a2b"``.
        data_preprocessor: Data preprocessor config; the reference's sigmoid output needs images
            in [0, 1] (``mean=[0] * 3, std=[255] * 3``). Defaults to None.
        init_cfg: mmengine initialisation config. Defaults to None.
    """

    train_spec = TrainSpec(
        steps=[
            ("discriminators", "0.5 * (BCE(D(real), 1) + BCE(D(fake), 0)) per domain", "on discriminator iterations"),
            (
                "generators",
                "(1 - rate) * (GAN + feature matching) + rate * reconstruction, per direction",
                "on generator iterations",
            ),
        ],
        logged={
            "loss_d_a": "domain-A discriminator loss",
            "loss_d_b": "domain-B discriminator loss",
            "loss_gan_*": "adversarial loss per direction",
            "loss_fm_*": "feature-matching loss per direction (lambda_fm > 0)",
            "loss_recon_*": "reconstruction MSE per domain",
            "recon_rate": "current weight of the reconstruction loss",
        },
    )

    def __init__(
        self,
        generator: dict | None = None,
        discriminator: dict | None = None,
        gan_loss: dict | None = None,
        reconstruction_loss: dict | None = None,
        feature_matching_loss: dict | None = None,
        lambda_gan: float = 0.1,
        lambda_fm: float = 0.9,
        recon_rate_start: float = 0.01,
        recon_rate: float = 0.5,
        curriculum_iters: int = 10000,
        d_update_interval: int = 3,
        generator_b2a: dict | None = None,
        discriminator_a: dict | None = None,
        test_direction: str = "a2b",
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(
            generator or dict(type="DiscoGANGenerator"),
            discriminator or dict(type="DiscoGANDiscriminator"),
            generator_b2a,
            discriminator_a,
            test_direction,
            data_preprocessor,
            init_cfg,
        )
        if d_update_interval < 1:
            raise ValueError(f"DiscoGAN: d_update_interval must be >= 1, got {d_update_interval}")
        self.gan_loss = LOSSES.build(gan_loss or dict(type="GANLoss", mode="vanilla"))
        self.reconstruction_loss = LOSSES.build(reconstruction_loss or dict(type="CycleConsistencyLoss", mode="l2"))
        self.feature_matching_loss = LOSSES.build(feature_matching_loss or dict(type="FeatureMatchingLoss"))
        self.lambda_gan, self.lambda_fm = float(lambda_gan), float(lambda_fm)
        self.recon_rate_start, self.recon_rate = float(recon_rate_start), float(recon_rate)
        self.curriculum_iters = int(curriculum_iters)
        self.d_update_interval = int(d_update_interval)

    # --- schedule --------------------------------------------------------------------------------
    def reconstruction_rate(self, iteration: int) -> float:
        """The curriculum's reconstruction rate at ``iteration``."""
        return self.recon_rate_start if iteration < self.curriculum_iters else self.recon_rate

    def updates_discriminators(self, iteration: int) -> bool:
        """Whether ``iteration`` updates the discriminators."""
        return self.d_update_interval == 1 or iteration % self.d_update_interval == 0

    def updates_generators(self, iteration: int) -> bool:
        """Whether ``iteration`` updates the generators."""
        return self.d_update_interval == 1 or iteration % self.d_update_interval != 0

    def discriminate(self, domain: str, images: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits and hidden features (empty if the discriminator returns only logits)."""
        output = self.discriminators[domain](images)
        if isinstance(output, (tuple, list)):
            return output[0], list(output[1])
        return output, []

    # --- one iteration ---------------------------------------------------------------------------
    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        batch = self.data_preprocessor(data, training=True)
        real_a, real_b = batch["source"]["inputs"], batch["target"]["inputs"]
        iteration = self.current_iter
        losses: dict[str, torch.Tensor] = {}
        if self.updates_discriminators(iteration):
            with self.autocast(optim_wrapper, "discriminators"):
                losses_d = self.discriminator_losses(real_a, real_b)
                self.update(optim_wrapper, "discriminators", sum(losses_d.values()))
            losses.update(losses_d)
        if self.updates_generators(iteration):
            rate = self.reconstruction_rate(iteration)
            with self.autocast(optim_wrapper, "generators"), self.frozen(self.discriminators):
                losses_g = self.generator_losses(real_a, real_b, rate)
                self.update(optim_wrapper, "generators", sum(losses_g.values()))
            losses.update(losses_g)
            losses["recon_rate"] = torch.tensor(rate)
        return self.scalars(losses)

    def discriminator_losses(self, real_a: torch.Tensor, real_b: torch.Tensor) -> dict[str, torch.Tensor]:
        """``0.5 * (BCE(D(real), 1) + BCE(D(fake), 0))`` per discriminator."""
        with torch.no_grad():
            fakes = {"b": self.generators["a2b"](real_a), "a": self.generators["b2a"](real_b)}
        losses = {}
        for domain, real in (("a", real_a), ("b", real_b)):
            logits_real, _ = self.discriminate(domain, real)
            logits_fake, _ = self.discriminate(domain, fakes[domain])
            losses[f"loss_d_{domain}"] = 0.5 * (
                self.gan_loss(logits_real, REAL_LABEL) + self.gan_loss(logits_fake, FAKE_LABEL)
            )
        return losses

    def generator_losses(self, real_a: torch.Tensor, real_b: torch.Tensor, rate: float) -> dict[str, torch.Tensor]:
        """``(1 - rate) * (lambda_gan * GAN + lambda_fm * FM) + rate * MSE`` per direction, weighted."""
        losses = {}
        for direction, source, target, back in (("a2b", real_a, real_b, "b2a"), ("b2a", real_b, real_a, "a2b")):
            out_domain, in_domain = direction[-1], direction[0]
            fake = self.generators[direction](source)
            reconstructed = self.generators[back](fake)
            logits_fake, features_fake = self.discriminate(out_domain, fake)
            losses[f"loss_gan_{direction}"] = (1 - rate) * self.lambda_gan * self.gan_loss(
                logits_fake, REAL_LABEL, is_discriminator=False
            )
            if self.lambda_fm > 0:
                _, features_real = self.discriminate(out_domain, target)
                if not features_fake:
                    raise ValueError(
                        "DiscoGAN: lambda_fm > 0 needs discriminators that return (logits, features), "
                        "e.g. DiscoGANDiscriminator; set lambda_fm=0 for other discriminators."
                    )
                losses[f"loss_fm_{direction}"] = (1 - rate) * self.lambda_fm * self.feature_matching_loss(
                    features_real, features_fake
                )
            losses[f"loss_recon_{in_domain}"] = rate * self.reconstruction_loss(reconstructed, source)
        return losses
