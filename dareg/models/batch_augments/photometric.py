"""The photometric augmentation of DACS and DAFormer: colour jitter and Gaussian blur on a batch.

DACS (trainUDA.py:124-130) and DAFormer (dacs_transforms.py:9-22) augment each mixed image in the
order mix -> jitter -> blur. Whether jitter runs is drawn once per iteration, with probability 0.8
(``U > 0.2``), and so is blur (probability 0.5); the jitter factors and the blur sigma are drawn per
image (transformsgpu.py:7-30; DAFormer dacs.py:227-235). Jitter strength: 0.25 in DACS, 0.2 in
DAFormer (dacs_transforms.py:52-66).

**Library.** The references use kornia 0.5.8. Its ``ColorJitter`` of that time adds the brightness
offset, scales for contrast (no mean subtraction), scales HSV saturation and rotates HSV hue, in a
random order per call, all clamped to ``[0, 1]``; kornia has since moved those formulas to
``ColorJiggle`` and made ``ColorJitter`` follow PIL, as torchvision's ``adjust_*`` functions do
(blends with black, grey and the mean). Neither library's ``ColorJitter`` reproduces the references'
jitter today, and kornia would be a new dependency. dareg therefore uses torchvision (already a
dependency, maintained with PyTorch, functional ops with no hidden randomness) for the two steps
whose formulas match the reference, hue rotation (``adjust_hue``) and Gaussian blur
(``gaussian_blur``: the same sampled Gaussian and reflect padding as kornia's ``GaussianBlur2d``),
and implements brightness, contrast and saturation as kornia 0.5.8 defined them (a few lines each).
Every random parameter is drawn by dareg itself from saved random state
(:mod:`~dareg.models.batch_augments.sampling`).

**Value space.** The functions take batches as the data preprocessor leaves them:
``(pixel - mean) / std`` with pixels on the 0..255 scale in the preprocessor's channel order. Give
:class:`ColorJitter` the preprocessor's ``mean`` and ``std`` (:func:`preprocessor_normalization`
reads them); it de-normalises to ``pixel / 255`` in ``[0, 1]``, jitters and normalises back, as the
references do (DAFormer's ``denorm_``/``renorm_``, dacs_transforms.py:40-49; DACS adds its mean and
divides by 255). Blur is linear and runs in any space. DACS jitters BGR data as if it were RGB; the
result has the same distribution as jittering RGB, because swapping red and blue mirrors the hue
circle (a rotation by ``-h`` instead of ``h``, with ``h`` drawn symmetrically) and leaves HSV
saturation and the other steps unchanged, so dareg does not flip channels either.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
import torchvision.transforms.v2.functional as TF

from dareg.models.batch_augments.sampling import permutation, rand, uniform
from dareg.registry import BATCH_AUGMENTS

JITTER_STEPS = ("brightness", "contrast", "saturation", "hue")


def adjust_brightness(images: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """kornia 0.5.8: add ``factor - 1`` to ``[0, 1]`` images and clamp."""
    return (images + (factor - 1)).clamp(0.0, 1.0)


def adjust_contrast(images: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """kornia 0.5.8: multiply ``[0, 1]`` images by ``factor`` and clamp (no mean subtraction)."""
    return (images * factor).clamp(0.0, 1.0)


def adjust_saturation(images: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """kornia 0.5.8: scale HSV saturation of ``[0, 1]`` RGB images by ``factor``, clamped to ``[0, 1]``.

    Computed without the HSV round trip: each channel is ``v * (1 - a * s)`` with ``a`` fixed by the
    hue, so scaling ``s`` to ``s' = min(s * factor, 1)`` moves it to ``v - (v - c) * s' / s``.
    """
    value = images.amax(dim=-3, keepdim=True)
    spread = value - images.amin(dim=-3, keepdim=True)
    colour = spread > 0
    ratio = torch.minimum(factor.expand_as(spread), value / torch.where(colour, spread, torch.ones_like(spread)))
    ratio = torch.where(colour, ratio, torch.ones_like(spread))
    return value - (value - images) * ratio


def adjust_hue(images: torch.Tensor, turns: float) -> torch.Tensor:
    """Rotate the HSV hue of ``[0, 1]`` RGB images by ``turns`` (kornia's ``turns * 2 pi`` radians)."""
    return TF.adjust_hue(images, float(turns))


def preprocessor_normalization(preprocessor: Any) -> dict[str, list[float]]:
    """``dict(mean=..., std=...)`` of a data preprocessor (``DomainDataPreprocessor``'s buffers).

    Algorithms build :class:`ColorJitter` with it as ``default_args``, so configs do not repeat the
    normalisation.
    """
    mean = getattr(preprocessor, "mean", None)
    std = getattr(preprocessor, "std", None)
    if not getattr(preprocessor, "normalize", mean is not None or std is not None):
        return dict(mean=[0.0], std=[1.0])
    as_list = lambda value, default: [default] if value is None else torch.as_tensor(value).flatten().tolist()  # noqa: E731
    return dict(mean=as_list(mean, 0.0), std=as_list(std, 1.0))


def _strengths(strength: float | Mapping[str, float]) -> dict[str, float]:
    if isinstance(strength, Mapping):
        unknown = sorted(set(strength) - set(JITTER_STEPS))
        if unknown:
            raise ValueError(f"ColorJitter: unknown strength keys {unknown}; use {list(JITTER_STEPS)}")
        values = {step: float(strength.get(step, 0.0)) for step in JITTER_STEPS}
    else:
        values = dict.fromkeys(JITTER_STEPS, float(strength))
    if any(value < 0 for value in values.values()) or values["hue"] > 0.5:
        raise ValueError(f"ColorJitter: strengths must be >= 0 and hue <= 0.5, got {values}")
    return values


@BATCH_AUGMENTS.register_module()
class ColorJitter:
    """Random brightness, contrast, saturation and hue, as kornia 0.5.8 applied them in DACS/DAFormer.

    With probability ``p`` (one draw per call, or per image with ``per_image=True``) each image gets
    brightness ``+ (b - 1)``, contrast ``* c``, saturation ``* s`` and a hue rotation of ``h`` turns,
    in a random order of its own, with ``b, c, s ~ U(max(0, 1 - strength), 1 + strength)`` (``b`` at
    most 2) and ``h ~ U(-strength, strength)``. Images must have 3 channels (RGB or BGR, see the
    module docstring). Each call draws the same amount of random numbers whatever their outcome.

    Args:
        strength: Jitter strength of all four steps, or a mapping ``{"brightness": ..., "contrast":
            ..., "saturation": ..., "hue": ...}`` (missing steps get 0). Defaults to 0.2 (DAFormer;
            DACS uses 0.25).
        p: Probability of jittering. Defaults to 0.8 (both references).
        mean: Per-channel mean of the inputs' normalisation, on the 0..255 scale. Defaults to None (0).
        std: Per-channel std of the inputs' normalisation. Defaults to None (1).
        per_image: Draw whether to jitter per image instead of once per call. Defaults to False (the
            references draw once per iteration).

    Examples:
        >>> import torch
        >>> jitter = ColorJitter(strength=0.25, p=1.0)  # inputs on the 0..255 scale
        >>> images = torch.full((2, 3, 4, 4), 128.0)
        >>> state = torch.get_rng_state()
        >>> first = jitter(images)
        >>> _ = torch.set_rng_state(state)
        >>> bool((jitter(images) == first).all())  # the same random state gives the same result
        True
    """

    def __init__(
        self,
        strength: float | Mapping[str, float] = 0.2,
        p: float = 0.8,
        mean: Sequence[float] | None = None,
        std: Sequence[float] | None = None,
        per_image: bool = False,
    ) -> None:
        if not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"ColorJitter: p must be in [0, 1], got {p}")
        self.strengths = _strengths(strength)
        self.p = float(p)
        self.mean = torch.tensor([0.0] if mean is None else [float(v) for v in mean]).view(-1, 1, 1)
        self.std = torch.tensor([1.0] if std is None else [float(v) for v in std]).view(-1, 1, 1)
        self.per_image = bool(per_image)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(strength={self.strengths}, p={self.p}, mean={self.mean.flatten().tolist()}, "
            f"std={self.std.flatten().tolist()}, per_image={self.per_image})"
        )

    def draw(self, batch_size: int, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Draw ``apply`` (B bools), ``factors`` (B x 4, in :data:`JITTER_STEPS` order) and ``orders`` (B x 4)."""
        apply = rand((batch_size if self.per_image else 1,), generator) < self.p
        strengths = torch.tensor([self.strengths[step] for step in JITTER_STEPS])
        low = torch.cat([(1 - strengths[:3]).clamp(min=0.0), -strengths[3:]])
        high = torch.cat([(1 + strengths[:1]).clamp(max=2.0), 1 + strengths[1:3], strengths[3:]])
        factors = low + (high - low) * uniform((batch_size, len(JITTER_STEPS)), 0.0, 1.0, generator)
        orders = torch.stack([permutation(len(JITTER_STEPS), generator) for _ in range(batch_size)])
        return dict(apply=apply.expand(batch_size), factors=factors, orders=orders)

    def jitter_unit(self, image: torch.Tensor, factors: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
        """Jitter one ``1 x 3 x H x W`` image in ``[0, 1]`` with the given factors and order."""
        steps: dict[int, Callable[[torch.Tensor, float], torch.Tensor]] = {
            0: lambda x, f: adjust_brightness(x, torch.tensor(f, dtype=x.dtype, device=x.device)),
            1: lambda x, f: adjust_contrast(x, torch.tensor(f, dtype=x.dtype, device=x.device)),
            2: lambda x, f: adjust_saturation(x, torch.tensor(f, dtype=x.dtype, device=x.device)),
            3: adjust_hue,
        }
        for index in order.tolist():
            factor = float(factors[index])
            if factor != (0.0 if index == 3 else 1.0):  # a neutral step is skipped, as in kornia
                image = steps[index](image, factor)
        return image

    def __call__(self, images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Jitter a ``B x 3 x H x W`` batch in the preprocessor's space; returns a new tensor."""
        if images.dim() != 4 or images.shape[1] != 3:
            raise ValueError(f"ColorJitter: expected B x 3 x H x W images, got shape {tuple(images.shape)}")
        params = self.draw(images.shape[0], generator)
        mean, std = self.mean.to(images), self.std.to(images)
        out = images.clone()
        for index in torch.nonzero(params["apply"]).flatten().tolist():
            unit = (images[index : index + 1] * std + mean) / 255.0
            unit = self.jitter_unit(unit, params["factors"][index], params["orders"][index])
            out[index : index + 1] = (unit * 255.0 - mean) / std
        return out


def blur_kernel_size(side: int, fraction: float = 0.1) -> int:
    """The references' odd kernel size for an image side: ``ceil(fraction * side)``, minus 1 if even.

    DACS transformsgpu.py:24-25: ``floor(ceil(0.1 s) - 0.5 + ceil(0.1 s) % 2)``, e.g. 51 at 512.
    """
    size = math.ceil(fraction * side)
    return max(1, size if size % 2 else size - 1)


@BATCH_AUGMENTS.register_module()
class GaussianBlur:
    """Gaussian blur with a random sigma and a kernel of about a tenth of the image, as in DACS/DAFormer.

    With probability ``p`` (one draw per call, or per image with ``per_image=True``) each image is
    blurred with its own ``sigma ~ U(*sigma_range)`` and an odd kernel of :func:`blur_kernel_size`
    per side, reflect-padded (kornia's ``GaussianBlur2d``, through torchvision's ``gaussian_blur``).
    Linear, so it works in any normalisation. Each call draws the same amount of random numbers.

    Args:
        p: Probability of blurring. Defaults to 0.5 (both references).
        sigma_range: ``(low, high)`` of the uniform sigma, in pixels. Defaults to ``(0.15, 1.15)``.
        kernel_fraction: Kernel size as a fraction of the image side. Defaults to 0.1.
        per_image: Draw whether to blur per image instead of once per call. Defaults to False.

    Examples:
        >>> import torch
        >>> blur = GaussianBlur(p=1.0, sigma_range=(1.0, 1.0))
        >>> images = torch.zeros(1, 3, 64, 64); images[..., 32, 32] = 1.0
        >>> out = blur(images)  # a 7 x 7 kernel at 64 px
        >>> round(out.sum().item(), 4), round(out[0, 0, 32, 32].item(), 4)  # mass kept, peak spread
        (3.0, 0.1592)
    """

    def __init__(
        self,
        p: float = 0.5,
        sigma_range: Sequence[float] = (0.15, 1.15),
        kernel_fraction: float = 0.1,
        per_image: bool = False,
    ) -> None:
        low, high = (float(v) for v in sigma_range)
        if not 0.0 <= float(p) <= 1.0 or not 0.0 < low <= high or not 0.0 < float(kernel_fraction) <= 1.0:
            raise ValueError(
                f"GaussianBlur: need p in [0, 1], 0 < sigma low <= high and kernel_fraction in (0, 1]; got p={p}, "
                f"sigma_range={tuple(sigma_range)}, kernel_fraction={kernel_fraction}"
            )
        self.p = float(p)
        self.sigma_range = (low, high)
        self.kernel_fraction = float(kernel_fraction)
        self.per_image = bool(per_image)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(p={self.p}, sigma_range={self.sigma_range}, "
            f"kernel_fraction={self.kernel_fraction}, per_image={self.per_image})"
        )

    def draw(self, batch_size: int, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Draw ``apply`` (B bools) and ``sigmas`` (B)."""
        apply = rand((batch_size if self.per_image else 1,), generator) < self.p
        sigmas = uniform((batch_size,), *self.sigma_range, generator)
        return dict(apply=apply.expand(batch_size), sigmas=sigmas)

    def __call__(self, images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Blur a ``B x C x H x W`` batch; returns a new tensor."""
        params = self.draw(images.shape[0], generator)
        kernel = [blur_kernel_size(side, self.kernel_fraction) for side in (images.shape[-1], images.shape[-2])]
        out = images.clone()
        for index in torch.nonzero(params["apply"]).flatten().tolist():
            sigma = float(params["sigmas"][index])
            out[index : index + 1] = TF.gaussian_blur(images[index : index + 1], kernel, [sigma, sigma])
        return out
