"""What unpaired image-to-image translation algorithms (CycleGAN, DiscoGAN, CyCADA) share.

Domain A is the ``source`` of a two-domain batch and domain B the ``target``. Two generators live in
``generators`` (``"a2b"``, ``"b2a"``) and two discriminators in ``discriminators`` (``"a"`` judges
domain-A images, real or translated from B; ``"b"`` judges domain-B images), so the optimizer
keys are ``generators`` and ``discriminators``. The translation tool
(:mod:`dareg.apis.translate`) and the visualisation hook only need :meth:`translate` and the pixel
conversions defined here.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from dareg.algorithms.base import BaseAlgorithm
from dareg.registry import DISCRIMINATORS, GENERATORS

DIRECTIONS = ("a2b", "b2a")


def check_direction(direction: str) -> str:
    """Return ``direction`` if it is ``"a2b"`` or ``"b2a"``, else raise a clear error."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS} (a = source domain, b = target), got {direction!r}")
    return direction


class BaseTranslationAlgorithm(BaseAlgorithm):
    """Two generators, two discriminators, and the helpers that translate and de-normalise images.

    ``predict`` translates a single-domain batch in ``test_direction`` and back, and returns per
    sample the translation, the reconstruction (both as model-space tensors on the CPU) and the
    reconstruction's mean absolute error ``cycle_l1``.

    Args:
        generator: Config of the A -> B generator (``GENERATORS``).
        discriminator: Config of the domain-B discriminator (``DISCRIMINATORS``).
        generator_b2a: Config of the B -> A generator. Defaults to None (same as ``generator``).
        discriminator_a: Config of the domain-A discriminator. Defaults to None (same as
            ``discriminator``).
        test_direction: Direction ``predict`` and ``forward_tensor`` translate. Defaults to ``"a2b"``.
        data_preprocessor: Config of the data preprocessor. Defaults to ``DomainDataPreprocessor``
            without normalisation.
        init_cfg: mmengine initialisation config. Defaults to None.
    """

    def __init__(
        self,
        generator: dict,
        discriminator: dict,
        generator_b2a: dict | None = None,
        discriminator_a: dict | None = None,
        test_direction: str = "a2b",
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.generators = nn.ModuleDict(
            {"a2b": GENERATORS.build(generator), "b2a": GENERATORS.build(generator_b2a or generator)}
        )
        self.discriminators = nn.ModuleDict(
            {"a": DISCRIMINATORS.build(discriminator_a or discriminator), "b": DISCRIMINATORS.build(discriminator)}
        )
        self.test_direction = check_direction(test_direction)

    # --- translation -----------------------------------------------------------------------------
    def translate(self, images: torch.Tensor, direction: str = "a2b") -> torch.Tensor:
        """Translate model-space (normalised) images with the generator of ``direction``."""
        return self.generators[check_direction(direction)](images)

    @staticmethod
    def reverse(direction: str) -> str:
        """The opposite direction."""
        return "b2a" if check_direction(direction) == "a2b" else "a2b"

    def forward_tensor(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.translate(inputs, self.test_direction)

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor, data_samples: dict | None = None) -> list[dict]:
        translated = self.translate(inputs, self.test_direction)
        reconstructed = self.translate(translated, self.reverse(self.test_direction))
        errors = (reconstructed - inputs).abs().flatten(1).mean(1)
        return [
            {"translated": t.cpu(), "reconstructed": r.cpu(), "cycle_l1": float(e)}
            for t, r, e in zip(translated, reconstructed, errors)
        ]

    # --- pixel conversions -----------------------------------------------------------------------
    def normalize_pixels(self, images: torch.Tensor) -> torch.Tensor:
        """uint8-range ``N x C x H x W`` images (the dataset's channel order) -> model space."""
        return normalize_pixels(self.data_preprocessor, images)

    def denormalize_pixels(self, images: torch.Tensor) -> torch.Tensor:
        """Model-space images -> uint8 images in the dataset's channel order (inverse of the above)."""
        return denormalize_pixels(self.data_preprocessor, images)


def normalize_pixels(preprocessor: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """uint8-range ``N x C x H x W`` images -> the model space of ``preprocessor`` (a
    ``DomainDataPreprocessor``: channel flip, then ``(x - mean) / std``)."""
    return preprocessor({"inputs": images})["inputs"]


def to_pixel_space(preprocessor: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """Model-space images -> float pixels on 0..255 in the dataset's channel order (differentiable)."""
    pre: Any = preprocessor
    if getattr(pre, "normalize", False):
        images = images * pre.std.to(images) + pre.mean.to(images)
    if getattr(pre, "bgr_to_rgb", False) and images.shape[1] == 3:
        images = images.flip(1)
    return images


def from_pixel_space(preprocessor: nn.Module, pixels: torch.Tensor) -> torch.Tensor:
    """Float pixels in the dataset's channel order -> the model space of ``preprocessor`` (differentiable)."""
    pre: Any = preprocessor
    if getattr(pre, "bgr_to_rgb", False) and pixels.shape[1] == 3:
        pixels = pixels.flip(1)
    if getattr(pre, "normalize", False):
        pixels = (pixels - pre.mean.to(pixels)) / pre.std.to(pixels)
    return pixels


def denormalize_pixels(preprocessor: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """The inverse of :func:`normalize_pixels`, rounded and clipped to uint8."""
    return to_pixel_space(preprocessor, images.float()).round().clamp(0, 255).to(torch.uint8)
