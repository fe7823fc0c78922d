"""DACS: domain adaptation via cross-domain mixed sampling (Tranheden et al., WACV 2021).

A student segmentor learns from labelled source images and from *mixed* images: half of a source
image's classes pasted onto a target image, labelled with the source labels where pasted and with
the pseudo-labels of an EMA teacher elsewhere. One iteration of the reference implementation
(vikolss/DACS ``trainUDA.py``; batch 2 source + 2 target):

1. Source: cross-entropy of the student on the labelled source images.
2. Pseudo-labels: the teacher runs on the *plain* target images (L416-422); every target pixel gets
   the teacher's argmax and one weight, the share ``q`` of the batch's pixels whose largest softmax
   probability reaches 0.968 (L466-479).
3. ClassMix, per image: ``ceil(n / 2)`` of the ``n`` classes of a source label map (the ignore label
   counts as a class, L426-430) give a mask ``M``; image, labels and weights mix as
   ``M * source + (1 - M) * target``, with weight 1 on pasted pixels (L454-479).
4. Colour jitter (strength 0.25, p 0.8), then Gaussian blur (p 0.5) on the mixed images
   (L124-130; transformsgpu.py:7-30).
5. ``L = L_src + 1 * mean(w * CE(student(mixed), mixed labels))``, the mean over *all* pixels
   (utils/loss.py:35-43; configUDA.json:26; L486-488), and one optimizer step.
6. The teacher follows the student by EMA *after* the step, ``alpha_t = min(1 - 1/(t+1), 0.99)``,
   parameters only (L111-121, 509-511); it starts as a copy of the initial student (L89-99).

Differences from that code, all without effect on the gradients' values up to rounding:
``L_src`` and the mixed loss are back-propagated one after the other (as DAFormer and MIC do), so
the source graph is freed before the mixed forward; the teacher's copy of the initial student is
taken in the first ``train_step`` (after ``init_weights`` and ``load_from``), not at construction.

The class also carries the options that DAFormer and MIC change (:mod:`dareg_selftrain.daformer`,
:mod:`dareg_selftrain.mic`) and an optional output-space ``adversary`` (AdaptSegNet's
discriminators, :class:`~dareg.models.discriminators.OutputSpaceAdversary`), which combines
self-training with adversarial alignment in a config.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from dareg.algorithms import BaseAlgorithm, EMAUpdate, TrainSpec
from dareg.algorithms.source_only import build_task_model
from dareg.models.batch_augments import MixedBatch, preprocessor_normalization
from dareg.models.segmentors.multi_level_segmentor import level_suffixes, resize_logits
from dareg.models.utils import EMATeacher, PseudoLabels
from dareg.registry import ALGORITHMS, BATCH_AUGMENTS, LOSSES, MODELS
from mmengine.optim import OptimWrapperDict
from torch import nn

#: When the teacher follows the student: after the optimizer step (DACS) or at the start of the step (DAFormer).
TEACHER_UPDATES = ("after_step", "before_step")

#: DACS's strong augmentation of the mixed image: jitter 0.25 with p 0.8, then blur with p 0.5.
DACS_STRONG_AUGMENT = dict(
    type="BatchCompose", augments=[dict(type="ColorJitter", strength=0.25, p=0.8), dict(type="GaussianBlur", p=0.5)]
)


def self_training_spec(teacher_update: str, extra_steps: str = "", extra_logged: dict | None = None) -> TrainSpec:
    """The ``train_spec`` of DACS and the methods built on it (they differ in the teacher's timing and extra terms)."""
    when = "after the optimizer step" if teacher_update == "after_step" else "at the start of train_step"
    return TrainSpec(
        steps=[
            (
                "task_model",
                "source cross-entropy (+ feature distance), backward; lambda_mix x q-weighted pseudo-label "
                f"cross-entropy on the ClassMix-ed, jittered, blurred images, backward;{extra_steps} with an "
                "adversary, lambda_adv x GAN loss of the frozen discriminators on target predictions, backward; "
                "one step",
            ),
            ("discriminators", "GAN loss on detached source and target predictions", "with adversary="),
        ],
        ema=[
            EMAUpdate(
                "teacher",
                source="task_model",
                schedule=f"alpha_t = min(1 - 1/(t+1), alpha) at global iteration t, {when}; a copy of the "
                "student at t = 0",
            )
        ],
        logged={
            "loss_seg*": "source cross-entropy of each output level (weighted by the segmentor's loss_weights)",
            "loss_fd": "ImageNet feature distance on thing classes (with feature_distance=)",
            "loss_mix*": "lambda_mix x pseudo-label cross-entropy on the mixed images, per output level",
            **(extra_logged or {}),
            "pseudo_quality": "q: share of target pixels whose teacher confidence reaches the threshold",
            "loss_adv*": "lambda_adv x GAN loss on target predictions, per adapted level (with adversary=)",
            "loss_d*": "discriminator loss and its source / target halves, per adapted level (with adversary=)",
        },
        notes="The teacher labels the plain target images; the student sees source, mixed (and, for MIC, masked) "
        "images, and the plain target images only with an adversary.",
    )


@ALGORITHMS.register_module()
class DACS(BaseAlgorithm):
    """Self-training with ClassMix and an EMA teacher; the student is ``task_model``, the teacher ``teacher``.

    The student is called ``task_model``, as in ``SourceOnly``, so a source-only checkpoint warm-starts
    it through ``load_from``. Its output levels (``[aux, main]`` for a ``MultiLevelSegmentor`` with an
    auxiliary head) each get the pseudo-label loss, weighted like their source loss by the segmentor's
    ``loss_weights``; the teacher labels with its main level.

    Optimizers (``optim_wrapper`` keys): ``task_model``, and ``discriminators`` with an ``adversary``.

    Args:
        task_model: Config of the student segmentor (``SEGMENTORS``).
        teacher: Arguments of its :class:`~dareg.models.utils.EMATeacher` (``alpha``, ``buffers``,
            ``train_mode``). Defaults to ``dict(alpha=0.99)`` (DACS).
        teacher_update: ``"after_step"`` (DACS: EMA after the optimizer step, a copy at the start of
            iteration 0) or ``"before_step"`` (DAFormer: EMA at the start of every step). Defaults to
            ``"after_step"``.
        pseudo_labeller: Config of the :class:`~dareg.models.utils.PseudoLabeller`. Defaults to the
            threshold 0.968 and the quality weight of DACS.
        class_mix: Config of the mix (``BATCH_AUGMENTS``). Defaults to ``ClassMix`` per image (DACS).
        strong_augment: Config of the photometric augmentation of the mixed images
            (``BATCH_AUGMENTS``; ``ColorJitter`` gets the data preprocessor's normalisation).
            Defaults to :data:`DACS_STRONG_AUGMENT`.
        lambda_mix: Weight of the pseudo-label loss on the mixed images; 0 turns self-training off
            (every forward pass still runs, the ablation). Defaults to 1.0 (DACS).
        feature_distance: Config of a feature-distance loss (``LOSSES``, DAFormer's
            ``ImageNetFeatureDistance``) on the source images, built with the student's backbone as
            ``encoder``; the student must return its features (``MultiLevelSegmentor``). Defaults to
            None (DACS has none).
        adversary: Config of an output-space adversary (``MODELS``, ``OutputSpaceAdversary``),
            trained on the student's plain-target and source predictions as in AdaptSegNet; held as
            ``discriminators``. Defaults to None.
        data_preprocessor: Config of the data preprocessor.
        init_cfg: mmengine initialisation config.
    """

    prediction_networks = ("student", "teacher")
    train_spec = self_training_spec("after_step")

    def __init__(
        self,
        task_model: dict,
        teacher: dict | None = None,
        teacher_update: str = "after_step",
        pseudo_labeller: dict | None = None,
        class_mix: dict | None = None,
        strong_augment: dict | None = None,
        lambda_mix: float = 1.0,
        feature_distance: dict | None = None,
        adversary: dict | None = None,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if teacher_update not in TEACHER_UPDATES:
            raise ValueError(
                f"{type(self).__name__}: teacher_update must be one of {TEACHER_UPDATES}, got {teacher_update!r}"
            )
        if lambda_mix < 0:
            raise ValueError(f"{type(self).__name__}: lambda_mix must be >= 0, got {lambda_mix}")
        self.task_model = build_task_model(task_model)
        self.teacher = EMATeacher(self.task_model, **(teacher if teacher is not None else dict(alpha=0.99)))
        self.teacher_update = teacher_update
        self.pseudo_labeller = MODELS.build(pseudo_labeller or dict(type="PseudoLabeller", threshold=0.968))
        self.class_mix = BATCH_AUGMENTS.build(class_mix or dict(type="ClassMix"))
        self.strong_augment = self.build_image_augment(strong_augment or DACS_STRONG_AUGMENT)
        self.mix_loss = LOSSES.build(dict(type="PseudoLabelCrossEntropyLoss"))
        self.lambda_mix = float(lambda_mix)
        self.feature_distance = None
        if feature_distance is not None:
            self.feature_distance = LOSSES.build(feature_distance, default_args=dict(encoder=self.student_backbone()))
        self.discriminators = None
        if adversary is not None:
            defaults = dict(level_names=level_suffixes(self.task_model))
            if hasattr(self.task_model, "num_classes"):
                defaults["in_channels"] = self.task_model.num_classes
            self.discriminators = MODELS.build(adversary, default_args=defaults)
        self.levels = self.level_weights(self.task_model)
        self.align_corners = bool(getattr(self.task_model, "align_corners", True))

    # --- one iteration, in the reference's order -------------------------------------------------
    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        batch = self.data_preprocessor(data, training=True)
        source, target = batch["source"], batch["target"]
        self.start_step(optim_wrapper)  # the teacher: a copy at t = 0 (DACS), or its EMA now (DAFormer)
        # 1. supervised loss on source (+ DAFormer's feature distance), backward
        losses, source_predictions = self.backward_source(source, optim_wrapper)
        # 2. pseudo-labels of the teacher on the plain target images, weighted by their quality q
        pseudo = self.pseudo_labels(target["inputs"])
        # 3-5. ClassMix, jitter and blur; lambda_mix x q-weighted cross-entropy on the mixed images, backward
        mixed = self.mix(source, target, pseudo)
        losses |= self.backward_pseudo_label_loss(
            mixed.inputs, mixed.labels, mixed.weights, "loss_mix", self.lambda_mix, optim_wrapper
        )
        # with an adversary: AdaptSegNet's adversarial loss on the plain target images, backward
        adversarial, target_predictions = self.backward_adversarial(target, optim_wrapper)
        self.step(optim_wrapper, "task_model")
        losses |= adversarial | self.update_discriminators(source_predictions, target_predictions, optim_wrapper)
        self.finish_step()  # 6. the teacher's EMA after the step (DACS)
        return self.scalars({**losses, "pseudo_quality": pseudo.quality})

    # --- the steps -------------------------------------------------------------------------------
    def start_step(self, optim_wrapper: OptimWrapperDict) -> None:
        """Check the optimizer, take the frozen encoder copy (iteration 0), move the teacher if it moves first."""
        wrapper = self.optimizer(optim_wrapper, "task_model")
        if getattr(wrapper, "_accumulative_counts", 1) != 1:
            raise ValueError(
                f"{type(self).__name__} back-propagates its losses one after another and steps once per iteration: "
                "accumulative_counts must be 1 in optim_wrapper.task_model."
            )
        if self.feature_distance is not None:
            self.feature_distance.sync_once(self.student_backbone())
        if self.teacher_update == "before_step" or self.current_iter == 0:
            self.teacher.update(self.task_model, self.current_iter)

    def finish_step(self) -> None:
        """Move the teacher after the optimizer step (``teacher_update="after_step"``, DACS)."""
        if self.teacher_update == "after_step":
            self.teacher.update(self.task_model, self.current_iter)

    def backward_source(
        self, source: dict, optim_wrapper: OptimWrapperDict
    ) -> tuple[dict[str, torch.Tensor], list[torch.Tensor]]:
        """Source cross-entropy (+ feature distance), back-propagated.

        Returns:
            The losses, and the student's source predictions that the adversary judges (its adapted
            levels at input size, detached; empty without an adversary).
        """
        inputs, samples = source["inputs"], source["data_samples"]
        with self.autocast(optim_wrapper, "task_model"):
            if self.feature_distance is None:
                outputs = self.task_model(inputs)
            else:
                outputs, features = self.task_model(inputs, return_features=True)
            losses = self.task_model.loss(outputs, samples)
            if self.feature_distance is not None:
                losses["loss_fd"] = self.feature_distance(features, inputs, samples["gt_seg"])
        self.optimizer(optim_wrapper, "task_model").backward(sum(losses.values()))
        return losses, [prediction.detach() for prediction in self.adversary_inputs(outputs, inputs.shape[-2:])]

    @torch.no_grad()
    def pseudo_labels(self, target_inputs: torch.Tensor) -> PseudoLabels:
        """The teacher's pseudo-labels and weights for the plain target images, at their size."""
        logits = self.teacher(target_inputs)[-1]
        return self.pseudo_labeller(resize_logits(logits, target_inputs.shape[-2:], self.align_corners))

    @torch.no_grad()
    def mix(self, source: dict, target: dict, pseudo: PseudoLabels) -> MixedBatch:
        """ClassMix of the source into the target batch, then the strong augmentation of the mixed images."""
        mixed = self.class_mix(
            source["inputs"], target["inputs"], source["data_samples"]["gt_seg"], pseudo.labels, pseudo.weights
        )
        return mixed._replace(inputs=self.strong_augment(mixed.inputs))

    def backward_pseudo_label_loss(
        self,
        inputs: torch.Tensor,
        labels: torch.Tensor,
        weights: torch.Tensor,
        name: str,
        weight: float,
        optim_wrapper: OptimWrapperDict,
    ) -> dict[str, torch.Tensor]:
        """``weight`` x pixel-weighted cross-entropy of the student on ``inputs`` per level, back-propagated.

        Every output level is upsampled to the labels (bilinear, the segmentor's ``align_corners``) and
        weighted like its source loss by the segmentor's ``loss_weights``; the keys are ``name`` plus
        the level's suffix (``loss_mix``, ``loss_mix_aux``).
        """
        size = labels.shape[-2:]
        with self.autocast(optim_wrapper, "task_model"):
            outputs = self.task_model(inputs)
            losses = {
                name + suffix: weight * level_weight
                * self.mix_loss(resize_logits(outputs[level], size, self.align_corners), labels, weights)
                for level, level_weight, suffix in self.levels
            }
        self.optimizer(optim_wrapper, "task_model").backward(sum(losses.values()))
        return losses

    def backward_adversarial(
        self, target: dict, optim_wrapper: OptimWrapperDict
    ) -> tuple[dict[str, torch.Tensor], list[torch.Tensor]]:
        """AdaptSegNet's Eq. 4 on the plain target images through the frozen discriminators, back-propagated.

        Returns:
            The weighted adversarial losses per adapted level and the target predictions they judged
            (nothing without an adversary).
        """
        if self.discriminators is None:
            return {}, []
        inputs = target["inputs"]
        with self.frozen(self.discriminators):
            with self.autocast(optim_wrapper, "task_model"):
                predictions = self.adversary_inputs(self.task_model(inputs), inputs.shape[-2:])
                total, losses = self.discriminators.generator_loss(predictions)
            self.optimizer(optim_wrapper, "task_model").backward(total)
        return losses, [prediction.detach() for prediction in predictions]

    def update_discriminators(
        self, source_predictions: list[torch.Tensor], target_predictions: list[torch.Tensor], optim_wrapper: Any
    ) -> dict[str, torch.Tensor]:
        """AdaptSegNet's Eq. 3 on the detached source and target predictions, and the discriminators' step."""
        if self.discriminators is None:
            return {}
        with self.autocast(optim_wrapper, "discriminators"):
            total, losses = self.discriminators.discriminator_loss(source_predictions, target_predictions)
        self.update(optim_wrapper, "discriminators", total)
        return losses

    # --- helpers ---------------------------------------------------------------------------------
    def networks_with_unused_parameters(self) -> dict[str, str]:
        """The student, when a backward pass skips one of its output levels (a 0 weight in one of the losses)."""
        num_levels = int(getattr(self.task_model, "num_levels", 1))
        reasons = []
        weighted = {level % num_levels for level, _, _ in self.levels}
        if len(weighted) < num_levels:
            reasons.append("a loss weight of 0 leaves an output level out of the pseudo-label losses")
        if self.discriminators is not None and len(self.discriminators.adapted_levels) < num_levels:
            reasons.append("lambda_adv is 0 for an output level: no gradient in the adversarial pass")
        return {"task_model": "; ".join(reasons)} if reasons else {}

    def build_image_augment(self, cfg: dict) -> Any:
        """Build an image-to-image batch augmentation with the data preprocessor's normalisation as default args."""
        return BATCH_AUGMENTS.build(dict(cfg, default_args=preprocessor_normalization(self.data_preprocessor)))

    def student_backbone(self) -> torch.nn.Module:
        """The student's encoder (for the feature distance); a clear error when the student has none."""
        backbone = getattr(self.task_model, "backbone", None)
        if backbone is None:
            raise ValueError(
                f"{type(self).__name__}: feature_distance needs a student with a `backbone` whose features its "
                f"forward returns with return_features=True (MultiLevelSegmentor); {type(self.task_model).__name__} "
                "has none. Set feature_distance=None."
            )
        return backbone

    def adversary_inputs(self, outputs: Sequence[torch.Tensor], size: Sequence[int]) -> list[torch.Tensor]:
        """The predictions the adversary judges: its adapted levels, upsampled to the input ``size``."""
        if self.discriminators is None:
            return []
        return [resize_logits(outputs[level], size, self.align_corners) for level in self.discriminators.adapted_levels]

    @staticmethod
    def level_weights(task_model: torch.nn.Module) -> tuple[tuple[int, float, str], ...]:
        """``(level, weight, key suffix)`` of every output level with a positive source-loss weight.

        A segmentor without ``loss_weights`` (a single level) gets weight 1 on its last level.
        """
        weights = getattr(task_model, "loss_weights", None)
        if weights is None:
            return ((-1, 1.0, ""),)
        suffixes = level_suffixes(task_model)
        return tuple((level, float(w), suffixes[level]) for level, w in enumerate(weights) if float(w) > 0)

    # --- inference -------------------------------------------------------------------------------
    def forward_tensor(self, inputs: torch.Tensor) -> list[torch.Tensor]:
        return self.task_model(inputs)

    def prediction_network(self, network: str) -> nn.Module:
        return self.teacher.network if self.check_network(network) == "teacher" else self.task_model

    def predict(self, inputs: torch.Tensor, data_samples: dict | None = None, network: str = "student") -> list[dict]:
        return self.predict_with(self.prediction_network(network), inputs, data_samples)

