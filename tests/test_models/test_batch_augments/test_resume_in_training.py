"""The self-training parts inside a real Runner: Rare Class Sampling, ClassMix, jitter, blur, block masks and
the feature distance in one toy ``train_step``, resumed bit for bit (and not without the saved random state)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from dareg.algorithms.source_only import SourceOnly
from dareg.models.batch_augments import preprocessor_normalization
from dareg.registry import ALGORITHMS, BATCH_AUGMENTS, LOSSES, MODELS
from dareg.testing import smoke_run
from tests.fixtures.tiny_segmentation import tiny_segmentation_config


class ToySelfTraining(SourceOnly):
    """Source loss + feature distance, then a loss on ClassMix-ed, jittered, blurred, masked images."""

    def __init__(self, task_model: dict, data_preprocessor: dict | None = None, init_cfg: dict | None = None) -> None:
        super().__init__(task_model, data_preprocessor, init_cfg)
        self.class_mix = BATCH_AUGMENTS.build(dict(type="ClassMix"))
        augments = [dict(type="ColorJitter", p=1.0), dict(type="GaussianBlur", p=1.0)]
        augments.append(dict(type="BlockMask", block_size=8))
        normalization = preprocessor_normalization(self.data_preprocessor)
        self.strong = BATCH_AUGMENTS.build(dict(type="BatchCompose", augments=augments, default_args=normalization))
        self.feature_distance = LOSSES.build(
            dict(type="ImageNetFeatureDistance", classes=[0, 1, 2], num_classes=8, loss_weight=1.0),
            default_args=dict(encoder=self.task_model.backbone),
        )

    def train_step(self, data: dict, optim_wrapper) -> dict[str, torch.Tensor]:
        batch = self.data_preprocessor(data, training=True)
        source, target = batch["source"], batch["target"]
        labels = source["data_samples"]["gt_seg"]
        self.feature_distance.sync_once(self.task_model.backbone)
        with self.autocast(optim_wrapper, "task_model"):
            outputs, features = self.task_model(source["inputs"], return_features=True)
            losses = self.task_model.loss(outputs, source["data_samples"])
            losses["loss_fd"] = self.feature_distance(features, source["inputs"], labels)
            with torch.no_grad():
                pseudo = self.upsampled(target["inputs"]).argmax(1)
            mixed = self.class_mix(source["inputs"], target["inputs"], labels, pseudo, target_weights=0.5)
            pixel_losses = F.cross_entropy(self.upsampled(self.strong(mixed.inputs)), mixed.labels, reduction="none")
            losses["loss_mix"] = (pixel_losses * mixed.weights).mean()
        self.update(optim_wrapper, "task_model", sum(losses.values()))
        return self.scalars(losses)

    def upsampled(self, inputs: torch.Tensor) -> torch.Tensor:
        return F.interpolate(self.task_model(inputs)[-1], size=inputs.shape[-2:], mode="bilinear")


@pytest.fixture
def toy_self_training():
    ALGORITHMS.register_module(module=ToySelfTraining, force=True)
    yield
    ALGORITHMS._module_dict.pop("ToySelfTraining", None)
    MODELS._module_dict.pop("ToySelfTraining", None)


def config(work_dir, random_state: bool = True) -> Config:
    cfg = tiny_segmentation_config(work_dir)
    cfg["model"]["type"] = "ToySelfTraining"
    cfg["train_dataloader"]["sampler"] = dict(type="RareClassSampler", min_pixels=20, cache_dir=str(work_dir))
    if random_state:
        cfg["default_hooks"]["random_state"] = dict(type="RandomStateHook")
    return Config(cfg)


def test_a_self_training_step_resumes_bit_for_bit(tmp_path, toy_self_training):
    result = smoke_run(config(tmp_path), tmp_path, iters=3)
    assert type(result["runner"].train_dataloader.sampler).__name__ == "RareClassSampler"
    assert result["logged"]["train/loss_fd"] > 0 and result["logged"]["train/loss_mix"] > 0


def test_without_the_saved_random_state_the_resumed_run_differs(tmp_path, toy_self_training):
    """Control: the augmentations draw from the global generators, so the hook is what makes resume exact."""
    with pytest.raises(AssertionError, match="does not reproduce"):
        smoke_run(config(tmp_path, random_state=False), tmp_path, iters=3)
