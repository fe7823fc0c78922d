"""AdvEnt: adversarial entropy minimisation (Vu et al., ADVENT, CVPR 2019).

AdvEnt is AdaptSegNet's output-space scheme with one change: each discriminator reads the
*weighted self-information map* ``I = -P log2(P + 1e-30) / log2(C)`` of a prediction instead of its
softmax ``P``. Minimising the adversarial loss then aligns the entropy distributions of the two
domains, which indirectly lowers target entropy. One iteration, as in the reference
implementation (``train_advent`` of valeoai/ADVENT), batch 1 + 1:

1. Discriminators frozen. Source: supervised loss ``CE(main) + 0.1 * CE(aux)``, backward.
2. Target: ``sum_l lambda_adv[l] * BCE(D_l(I(P_t^l)), source_label)``, ``lambda_adv = (0.0002,
   0.001)`` for (aux, main), predictions upsampled bilinearly to the target input size. Backward.
3. Discriminators unfrozen: ``0.5 * BCE(D(I(P_s)), 0) + 0.5 * BCE(D(I(P_t)), 1)`` on detached
   predictions (source label 0, target label 1, BCE with logits).
4. Step the segmentor (SGD) and the discriminators (Adam).

dareg's ``AdaptSegNet`` runs exactly these steps with ``P``; AdvEnt wraps each discriminator in a
:class:`~dareg_advent.discriminators.SelfInformationDiscriminator`, which computes ``I`` from ``P``
first, and inherits the rest.
"""

from __future__ import annotations

from dareg.algorithms import AdaptSegNet
from dareg.registry import ALGORITHMS


@ALGORITHMS.register_module()
class AdvEnt(AdaptSegNet):
    """AdaptSegNet whose discriminators see self-information maps instead of softmax maps.

    Everything but the discriminators' input is ``AdaptSegNet``'s: the segmentor and its levels,
    one discriminator per adapted level (``in_channels`` = number of classes, since ``I`` has one
    channel per class), ``GANLoss`` (BCE with logits), the optimizer keys ``segmentor`` and
    ``discriminators`` and the logged terms (``loss_seg*``, ``loss_adv*``, ``loss_d*``).

    Args:
        segmentor: Segmentor config (``SEGMENTORS``).
        discriminator: Config of the discriminator that reads ``I`` (``DISCRIMINATORS``), one per
            adapted level. Defaults to ``FCDiscriminator``.
        **kwargs: ``AdaptSegNet``'s other arguments: ``gan_loss``, ``lambda_adv`` (defaults to
            ``(0.0002, 0.001)``, ADVENT's values too), ``source_label`` (0), ``target_label`` (1),
            ``data_preprocessor``, ``init_cfg``.
    """

    def __init__(self, segmentor: dict, discriminator: dict | None = None, **kwargs) -> None:
        wrapped = dict(type="SelfInformationDiscriminator", discriminator=discriminator or dict(type="FCDiscriminator"))
        super().__init__(segmentor=segmentor, discriminator=wrapped, **kwargs)
