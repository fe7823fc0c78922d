"""CycleGAN: unpaired image-to-image translation with cycle consistency (Zhu et al., ICCV 2017).

Reference facts (junyanz/pytorch-CycleGAN-and-pix2pix, ``cycle_gan_model.py``), per iteration:

1. Forward: ``fake_b = G_ab(a)``, ``rec_a = G_ba(fake_b)``, ``fake_a = G_ba(b)``, ``rec_b = G_ab(fake_a)``.
2. Generator step, discriminators frozen: LSGAN ``(D_b(fake_b) - 1)^2 + (D_a(fake_a) - 1)^2``, cycle
   ``lambda_a |rec_a - a|_1 + lambda_b |rec_b - b|_1`` (lambda 10 each) and identity
   ``lambda_identity * (lambda_b |G_ab(b) - b|_1 + lambda_a |G_ba(a) - a|_1)`` (lambda_identity 0.5).
3. Discriminator step: ``0.5 * (GAN(D(real), 1) + GAN(D(fake), 0))`` per discriminator, the fakes
   drawn from a 50-image history pool per domain.

Adam 2e-4 (0.5, 0.999) for both optimizers; constant LR for 100 epochs, then linear decay to 0 over
100 more (``LinearDecayLR``); batch 1; N(0, 0.02) initialisation. The reference calls the A -> B
generator ``G_A`` and its discriminator (which judges domain B) ``D_A``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from mmengine.optim import OptimWrapperDict
from torch import nn

from dareg.algorithms.spec import TrainSpec
from dareg.algorithms.translation import BaseTranslationAlgorithm
from dareg.models.utils.image_pool import ImagePool
from dareg.registry import ALGORITHMS, LOSSES

#: Discriminator labels (LSGAN targets): real images 1, translated images 0.
REAL_LABEL = 1.0
FAKE_LABEL = 0.0


@ALGORITHMS.register_module()
class CycleGAN(BaseTranslationAlgorithm):
    """Two generators and two discriminators trained with adversarial, cycle and identity losses.

    Domain A is the ``source`` of the two-domain batch, domain B the ``target``. Optimizer keys:
    ``generators`` (both generators) and ``discriminators`` (both discriminators).
    Logged: ``loss_gan_a2b`` / ``loss_gan_b2a`` (generators' adversarial terms),
    ``loss_cycle_a`` / ``loss_cycle_b``, ``loss_idt_a2b`` / ``loss_idt_b2a`` (weighted) and
    ``loss_d_a`` / ``loss_d_b``.

    Args:
        generator: Config of the A -> B generator (``GENERATORS``), e.g. ``ResnetGenerator``.
        discriminator: Config of the domain-B discriminator, e.g. ``PatchDiscriminator``.
        gan_loss: Config of the adversarial loss. Defaults to ``GANLoss`` in ``"lsgan"`` mode.
        cycle_loss: Config of the cycle loss. Defaults to ``CycleConsistencyLoss`` (L1).
        identity_loss: Config of the identity loss. Defaults to ``IdentityLoss`` (L1).
        lambda_cycle: Cycle weight per direction; a pair gives ``(lambda_a, lambda_b)``.
            Defaults to 10.0.
        lambda_identity: Identity weight relative to the cycle weight of the generator's output
            domain; 0 disables it (needed when the two domains differ in channels).
            Defaults to 0.5.
        pool_size: Size of each domain's history pool of translated images (0: no pool).
            Defaults to 50.
        generator_b2a: Config of the B -> A generator. Defaults to None (same as ``generator``).
        discriminator_a: Config of the domain-A discriminator. Defaults to None (same as
            ``discriminator``).
        test_direction: Direction that ``predict`` translates. Defaults to ``"a2b"``.
        data_preprocessor: Data preprocessor config; translation usually maps pixels to [-1, 1]
            with ``mean=[127.5] * 3, std=[127.5] * 3, bgr_to_rgb=True``. Defaults to None.
        init_cfg: mmengine initialisation config. Defaults to None.
    """

    train_spec = TrainSpec(
        steps=[
            ("generators", "GAN losses of both directions + cycle (+ identity) losses, discriminators frozen"),
            ("discriminators", "0.5 * (real + fake) GAN loss per domain, fakes from the image pools"),
        ],
        logged={
            "loss_gan_a2b": "adversarial loss of the A -> B generator",
            "loss_gan_b2a": "adversarial loss of the B -> A generator",
            "loss_cycle_a": "weighted L1 of A -> B -> A",
            "loss_cycle_b": "weighted L1 of B -> A -> B",
            "loss_idt_*": "weighted identity losses (lambda_identity > 0)",
            "loss_d_a": "domain-A discriminator loss",
            "loss_d_b": "domain-B discriminator loss",
        },
    )

    def __init__(
        self,
        generator: dict,
        discriminator: dict,
        gan_loss: dict | None = None,
        cycle_loss: dict | None = None,
        identity_loss: dict | None = None,
        lambda_cycle: float | Sequence[float] = 10.0,
        lambda_identity: float = 0.5,
        pool_size: int = 50,
        generator_b2a: dict | None = None,
        discriminator_a: dict | None = None,
        test_direction: str = "a2b",
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(
            generator, discriminator, generator_b2a, discriminator_a, test_direction, data_preprocessor, init_cfg
        )
        self.gan_loss = LOSSES.build(gan_loss or dict(type="GANLoss", mode="lsgan"))
        self.cycle_loss = LOSSES.build(cycle_loss or dict(type="CycleConsistencyLoss", mode="l1"))
        self.identity_loss = LOSSES.build(identity_loss or dict(type="IdentityLoss", mode="l1"))
        pair = (lambda_cycle, lambda_cycle) if isinstance(lambda_cycle, (int, float)) else tuple(lambda_cycle)
        if len(pair) != 2:
            raise ValueError(f"CycleGAN: lambda_cycle must be a number or a pair (lambda_a, lambda_b): {lambda_cycle}")
        self.lambda_cycle_a, self.lambda_cycle_b = float(pair[0]), float(pair[1])
        self.lambda_identity = float(lambda_identity)
        # pools["b"] holds translated domain-B images (fakes for the domain-B discriminator)
        self.pools = nn.ModuleDict({"a": ImagePool(pool_size), "b": ImagePool(pool_size)})

    # --- one iteration ---------------------------------------------------------------------------
    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        batch = self.data_preprocessor(data, training=True)
        real_a, real_b = batch["source"]["inputs"], batch["target"]["inputs"]
        with self.autocast(optim_wrapper, "generators"), self.frozen(self.discriminators):
            images = self.translate_both(real_a, real_b)
            losses_g = self.generator_losses(images, batch)
            self.update(optim_wrapper, "generators", sum(losses_g.values()))
        with self.autocast(optim_wrapper, "discriminators"):
            losses_d = self.discriminator_losses(images)
            self.update(optim_wrapper, "discriminators", sum(losses_d.values()))
        return self.scalars({**losses_g, **losses_d})

    def translate_both(self, real_a: torch.Tensor, real_b: torch.Tensor) -> dict[str, torch.Tensor]:
        """Translations and reconstructions in both directions (step 1 of the reference)."""
        fake_b = self.generators["a2b"](real_a)
        fake_a = self.generators["b2a"](real_b)
        return {
            "real_a": real_a,
            "real_b": real_b,
            "fake_b": fake_b,
            "fake_a": fake_a,
            "rec_a": self.generators["b2a"](fake_b),
            "rec_b": self.generators["a2b"](fake_a),
        }

    def generator_losses(self, images: dict[str, torch.Tensor], batch: dict) -> dict[str, torch.Tensor]:
        """Adversarial, cycle and identity losses of both generators (discriminators frozen)."""
        gan = self.gan_loss
        losses = {
            "loss_gan_a2b": gan(self.discriminators["b"](images["fake_b"]), REAL_LABEL, is_discriminator=False),
            "loss_gan_b2a": gan(self.discriminators["a"](images["fake_a"]), REAL_LABEL, is_discriminator=False),
            "loss_cycle_a": self.lambda_cycle_a * self.cycle_loss(images["rec_a"], images["real_a"]),
            "loss_cycle_b": self.lambda_cycle_b * self.cycle_loss(images["rec_b"], images["real_b"]),
        }
        if self.lambda_identity > 0:
            real_a, real_b = images["real_a"], images["real_b"]
            weight_b, weight_a = self.lambda_identity * self.lambda_cycle_b, self.lambda_identity * self.lambda_cycle_a
            losses["loss_idt_a2b"] = weight_b * self.identity_loss(self.generators["a2b"](real_b), real_b)
            losses["loss_idt_b2a"] = weight_a * self.identity_loss(self.generators["b2a"](real_a), real_a)
        return losses

    def discriminator_losses(self, images: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """``0.5 * (real + fake)`` per discriminator, fakes from the history pools."""
        losses = {}
        for domain in ("a", "b"):
            discriminator = self.discriminators[domain]
            fake = self.pools[domain](images[f"fake_{domain}"].detach())
            loss_real = self.gan_loss(discriminator(images[f"real_{domain}"]), REAL_LABEL)
            loss_fake = self.gan_loss(discriminator(fake), FAKE_LABEL)
            losses[f"loss_d_{domain}"] = 0.5 * (loss_real + loss_fake)
        return losses
