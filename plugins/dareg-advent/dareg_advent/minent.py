"""MinEnt: direct entropy minimisation on the target domain (Vu et al., ADVENT, CVPR 2019).

One iteration, as in the reference implementation (``train_minent`` of valeoai/ADVENT), batch 1 + 1:

1. Source images through the segmentor; the supervised loss of every level (the segmentor's own
   ``loss``: ``CE(main) + 0.1 * CE(aux)`` for the multi-level DeepLab-v2), backward.
2. Target images through the segmentor, every level upsampled bilinearly to the target input size;
   ``L_ent = sum_l lambda_ent[l] * E(softmax(P_t^l))`` with ``E`` the mean normalised entropy and
   ``lambda_ent = (0.0002, 0.001)`` for (aux, main). Backward.
3. One SGD step of the segmentor.

No discriminator is involved: the only adaptation signal is the entropy of target predictions.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from dareg.algorithms import BaseAlgorithm, TrainSpec
from dareg.models.segmentors import level_suffixes, per_level_weights, resize_logits
from dareg.registry import ALGORITHMS, LOSSES, SEGMENTORS
from mmengine.optim import OptimWrapperDict


@ALGORITHMS.register_module()
class MinEnt(BaseAlgorithm):
    """Train a segmentor on labelled source data while minimising the entropy of its target predictions.

    The segmentor returns logits per level, main last (``[aux, main]`` for dareg's
    ``MultiLevelSegmentor`` with an auxiliary head); ``lambda_ent`` has one weight per level.

    Optimizer (``optim_wrapper`` key): ``segmentor``.

    Logged terms: the segmentor's source losses (``loss_seg``, ``loss_seg_aux``) and the weighted
    target entropy per level (``loss_ent``, ``loss_ent_aux``).

    Args:
        segmentor: Segmentor config (``SEGMENTORS``).
        entropy_loss: Entropy loss config (``LOSSES``), applied to logits. Defaults to
            ``EntropyLoss``.
        lambda_ent: Weight of the target entropy per segmentor level, in output order
            (``(aux, main)``). Defaults to ``(0.0002, 0.001)``, the reference values.
        data_preprocessor: Data preprocessor config. Defaults to no normalisation.
        init_cfg: mmengine initialisation config. Defaults to None.
    """

    #: What deterministic mode refuses on CUDA (recorded as ``python -m dareg.benchmark.determinism`` does)
    nondeterministic_cuda_ops = ("NLLLoss / cross_entropy on 2-D maps", "interpolate(mode='bilinear') backward")

    train_spec = TrainSpec(
        steps=[
            (
                "segmentor",
                "source cross-entropy per level (backward), then lambda_ent-weighted entropy of the target "
                "predictions per level (backward), then one step",
            )
        ],
        logged={
            "loss_seg*": "the segmentor's source cross-entropy per level",
            "loss_ent*": "lambda_ent-weighted target entropy per level",
        },
    )

    def __init__(
        self,
        segmentor: dict,
        entropy_loss: dict | None = None,
        lambda_ent: Sequence[float] | float = (0.0002, 0.001),
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.segmentor = SEGMENTORS.build(segmentor)
        self.lambda_ent = per_level_weights(self.segmentor, lambda_ent, "MinEnt", "lambda_ent")
        self.entropy_loss = LOSSES.build(entropy_loss or dict(type="EntropyLoss"))
        self.level_suffixes = level_suffixes(self.segmentor)

    def networks_with_unused_parameters(self) -> dict[str, str]:
        """The segmentor, when a level has no entropy weight: its head gets no gradient from the target pass."""
        if all(weight > 0 for weight in self.lambda_ent):
            return {}
        return {"segmentor": "a level with lambda_ent 0 gets no gradient in the target pass"}

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        batch = self.data_preprocessor(data, training=True)
        source, target = batch["source"], batch["target"]
        segmentor_optim = self.optimizer(optim_wrapper, "segmentor")
        # 1. supervised loss on source; backward frees its graph before the target forward
        with self.autocast(optim_wrapper, "segmentor"):
            outputs = self.segmentor(source["inputs"])
            losses = self.segmentor.loss(outputs, source["data_samples"])
        segmentor_optim.backward(sum(losses.values()))
        # 2. entropy of target predictions
        with self.autocast(optim_wrapper, "segmentor"):
            entropy_losses = self.target_entropy_loss(target)
        segmentor_optim.backward(sum(entropy_losses.values()))
        losses.update(entropy_losses)
        # 3. one step
        self.step(optim_wrapper, "segmentor")
        return self.scalars(losses)

    def target_entropy_loss(self, target: dict) -> dict[str, torch.Tensor]:
        """``lambda_ent[l] * E(softmax(P_t^l))`` per level with a positive weight, logits at input size."""
        outputs = self.segmentor(target["inputs"])
        size = target["inputs"].shape[-2:]
        align_corners = getattr(self.segmentor, "align_corners", True)
        losses = {}
        for level, weight in enumerate(self.lambda_ent):
            if weight > 0:
                prediction = resize_logits(outputs[level], size, align_corners)
                losses[f"loss_ent{self.level_suffixes[level]}"] = weight * self.entropy_loss(prediction)
        return losses

    def forward_tensor(self, inputs: torch.Tensor) -> list[torch.Tensor]:
        return self.segmentor(inputs)

    def predict(self, inputs: torch.Tensor, data_samples: dict | None = None) -> list[dict]:
        return self.predict_with(self.segmentor, inputs, data_samples)
