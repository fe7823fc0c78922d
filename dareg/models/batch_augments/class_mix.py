"""ClassMix (Olsson et al., WACV 2021), the domain mix of DACS (Tranheden et al., WACV 2021).

For each source image, half of the classes present in its label map (``ceil(n / 2)``, drawn without
replacement; DACS trainUDA.py:426-430) give a binary mask ``M`` (1 where the source label is one of
them; utils/transformmasks.py:56-59). The mixed image is ``M * source + (1 - M) * target``, and its
label map and pixel weights mix the same way: source labels (weight 1) where ``M = 1``, the target's
pseudo-labels and their weights elsewhere (DACS trainUDA.py:454-479).

Two quirks of the reference code are options here:

* DACS does not remove the ignore label from the candidate classes (the filter is commented out,
  trainUDA.py:426-427): an unlabelled source region counts as one more "class" and may be pasted,
  with label 255, so the loss ignores it. ``exclude_ignored=False`` (the default) keeps this;
  ``True`` draws among real classes only.
* DAFormer takes the classes present in the *whole source batch* (``torch.unique(labels)``,
  dacs_transforms.py:93; DAFormer issue #19), so a drawn class may be absent from an image, which
  then pastes fewer classes. ``batch_wide=True`` reproduces it; the author reports that the final
  mIoU is unaffected (MIC issue #18).
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from dareg.models.batch_augments.sampling import permutation
from dareg.registry import BATCH_AUGMENTS


class MixedBatch(NamedTuple):
    """What :class:`ClassMix` returns: the mixed images, labels, weights and the masks used.

    ``masks`` is ``B x 1 x H x W`` float, 1 where a pixel comes from the source image. ``weights``
    is None when no target weights were given.
    """

    inputs: torch.Tensor
    labels: torch.Tensor
    weights: torch.Tensor | None
    masks: torch.Tensor


def _label_maps(labels: torch.Tensor, name: str) -> torch.Tensor:
    """``labels`` as ``B x H x W`` (a ``B x 1 x H x W`` tensor is squeezed)."""
    if labels.dim() == 4 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.dim() != 3:
        raise ValueError(
            f"ClassMix: {name} must be B x H x W (or B x 1 x H x W) label maps, got shape {tuple(labels.shape)}"
        )
    return labels


def mix_by_mask(masks: torch.Tensor, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``source`` where ``masks`` is 1, ``target`` elsewhere (exact for any dtype, labels included).

    ``masks`` is ``B x 1 x H x W``; ``source`` and ``target`` are ``B x C x H x W`` images or
    ``B x H x W`` maps of the same spatial size.
    """
    keep = masks.bool()
    if source.dim() == 3:
        keep = keep[:, 0]
    return torch.where(keep, source, target)


@BATCH_AUGMENTS.register_module()
class ClassMix:
    """Paste half of each source image's classes onto a target image (DACS's ClassMix).

    Works on device tensors inside ``train_step``, in any normalisation (mixing selects pixels, it
    does not change them). Randomness: see :mod:`~dareg.models.batch_augments.sampling`.

    Args:
        batch_wide: Draw each image's classes among those present in the whole source batch, as
            DAFormer does, instead of in that image. Defaults to False (DACS).
        exclude_ignored: Leave ``ignore_index`` out of the candidate classes. Defaults to False (the
            reference counts and may paste unlabelled source regions, which stay ignored).
        ignore_index: The ignore label. Defaults to 255.

    Examples:
        >>> import torch
        >>> mix = ClassMix()
        >>> source_labels = torch.tensor([[[0, 0], [1, 1]]])  # two classes: one is pasted
        >>> out = mix(torch.ones(1, 3, 2, 2), torch.zeros(1, 3, 2, 2), source_labels,
        ...           target_labels=torch.full((1, 2, 2), 7), target_weights=0.5)
        >>> out.masks.sum().item(), out.inputs.sum().item()  # one row of two pixels, 3 channels
        (2.0, 6.0)
        >>> bool((out.labels == torch.where(out.masks[:, 0] > 0, source_labels, 7)).all())
        True
        >>> sorted(out.weights.unique().tolist())
        [0.5, 1.0]
    """

    def __init__(self, batch_wide: bool = False, exclude_ignored: bool = False, ignore_index: int = 255) -> None:
        self.batch_wide = bool(batch_wide)
        self.exclude_ignored = bool(exclude_ignored)
        self.ignore_index = int(ignore_index)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(batch_wide={self.batch_wide}, exclude_ignored={self.exclude_ignored}, "
            f"ignore_index={self.ignore_index})"
        )

    def candidate_classes(self, labels: torch.Tensor) -> torch.Tensor:
        """The sorted classes of ``labels`` that may be drawn (the ignore label left out if asked)."""
        classes = torch.unique(labels)
        if self.exclude_ignored:
            classes = classes[classes != self.ignore_index]
        return classes

    def masks(self, source_labels: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw the ``B x 1 x H x W`` float masks (1: take the source pixel) for ``B`` source label maps.

        Each image takes ``ceil(n / 2)`` of its ``n`` candidate classes, drawn without replacement.
        """
        labels = _label_maps(source_labels, "source_labels")
        shared = self.candidate_classes(labels) if self.batch_wide else None
        masks = []
        for label in labels:
            classes = shared if shared is not None else self.candidate_classes(label)
            count = int(classes.numel())
            chosen = classes[permutation(count, generator)[: (count + 1) // 2].to(classes.device)]
            masks.append(torch.isin(label, chosen))
        return torch.stack(masks)[:, None].float()

    def __call__(
        self,
        source_inputs: torch.Tensor,
        target_inputs: torch.Tensor,
        source_labels: torch.Tensor,
        target_labels: torch.Tensor,
        target_weights: torch.Tensor | float | None = None,
        generator: torch.Generator | None = None,
    ) -> MixedBatch:
        """Mix a source batch into a target batch.

        Args:
            source_inputs: ``B x C x H x W`` source images.
            target_inputs: Target images of the same shape.
            source_labels: ``B x H x W`` (or ``B x 1 x H x W``) source label maps.
            target_labels: Target (pseudo-)labels, same shape as ``source_labels``.
            target_weights: Per-pixel weights of the target labels (``B x H x W``), or one number
                for all target pixels (DACS's quality weight), or None. Source pixels weigh 1.
                Defaults to None (no weights returned).
            generator: Where the class choice is drawn from. Defaults to None (torch's global CPU
                generator, saved with checkpoints).

        Returns:
            A :class:`MixedBatch`; ``labels`` has the shape of ``source_labels``.
        """
        if source_inputs.shape != target_inputs.shape:
            raise ValueError(
                f"ClassMix: source and target images differ in shape ({tuple(source_inputs.shape)} vs "
                f"{tuple(target_inputs.shape)}); crop both domains to one size."
            )
        source_maps = _label_maps(source_labels, "source_labels")
        target_maps = _label_maps(target_labels, "target_labels")
        if source_maps.shape != target_maps.shape or source_maps.shape[-2:] != source_inputs.shape[-2:]:
            raise ValueError(
                f"ClassMix: label maps {tuple(source_maps.shape)} (source) and {tuple(target_maps.shape)} (target) "
                f"must match the images' batch and size {tuple(source_inputs.shape[:1] + source_inputs.shape[-2:])}."
            )
        masks = self.masks(source_maps, generator)
        inputs = mix_by_mask(masks, source_inputs, target_inputs)
        labels = mix_by_mask(masks, source_maps, target_maps.to(source_maps.dtype)).view_as(source_labels)
        weights = None
        if target_weights is not None:
            target_weights = torch.as_tensor(target_weights, dtype=torch.float32, device=masks.device)
            weights = mix_by_mask(masks, torch.ones_like(masks[:, 0]), target_weights.expand_as(masks[:, 0]))
        return MixedBatch(inputs, labels, weights, masks)
