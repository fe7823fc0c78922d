"""Trained classification models as plain functions of uint8 images, for analysis.

:func:`load_trained_model` builds the algorithm of a config and loads a checkpoint of it, and
:func:`predict_labels` runs its own ``predict`` (so ADDA classifies target images with its target
encoder, PixelDA with its task classifier) on a stack of uint8 images in the dataset's format. The
polarity split of the photo-blend digit pair lives here too: its target digits are bright on a dark
photo or dark on a bright one, every source digit is bright on black, and which of the two a method
fixes says what it learned.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from mmengine.config import Config
from torch import nn


def load_trained_model(config: str | Config, checkpoint: str | None) -> nn.Module:
    """Build ``config``'s model and load ``checkpoint`` into it (strictly), in eval mode."""
    from dareg.registry import MODELS
    from dareg.utils.checkpoint_files import load_checkpoint_file
    from dareg.utils.config import load_config

    cfg = load_config(config) if isinstance(config, str) else config
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        state = load_checkpoint_file(checkpoint, "cpu")
        model.load_state_dict(state.get("state_dict", state))
    return model.eval()


def dataset_arrays(dataset_cfg: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """All items of a classification dataset config: uint8 images ``N x C x H x W`` and labels ``N``."""
    from dareg.registry import DATASETS

    dataset = DATASETS.build(dict(dataset_cfg))
    samples = [dataset[index] for index in range(len(dataset))]
    images = torch.stack([sample["inputs"] for sample in samples])
    labels = torch.stack([torch.as_tensor(sample["data_samples"]["gt_label"]) for sample in samples]).long()
    return images, labels.reshape(-1)


@torch.no_grad()
def predict_labels(model: nn.Module, images: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    """Predicted class of each uint8 image (``N x C x H x W``), through the model's own ``predict``."""
    predictions = []
    for start in range(0, len(images), batch_size):
        chunk = images[start : start + batch_size]
        dummy = torch.zeros(len(chunk), dtype=torch.long)
        batch = model.data_preprocessor({"inputs": chunk, "data_samples": {"gt_label": dummy}})
        predictions += [int(p["pred_label"]) for p in model.predict(batch["inputs"], batch["data_samples"])]
    return torch.tensor(predictions, dtype=torch.long)


def classifier_fn(config: str | Config, checkpoint: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """A function ``uint8 images -> predicted labels`` of a trained classification run."""
    model = load_trained_model(config, checkpoint)
    return lambda images: predict_labels(model, images)


def dark_digit_mask(images: torch.Tensor, border: int = 3) -> torch.Tensor:
    """True where a digit is dark on a bright background: the image border is brighter than mid-grey.

    Examples:
        >>> images = torch.zeros(2, 1, 28, 28, dtype=torch.uint8)
        >>> images[1] = 200
        >>> dark_digit_mask(images).tolist()
        [False, True]
    """
    edges = torch.cat([images[:, :, :border].flatten(1), images[:, :, -border:].flatten(1)], dim=1)
    return edges.float().mean(1) > 127.5


def accuracy_by_mask(predictions: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> dict[str, float]:
    """Accuracy (%) on ``mask`` and on its complement, and their sizes."""
    correct = (predictions == labels).float()

    def percent(values: torch.Tensor) -> float:
        return 100.0 * float(values.mean()) if len(values) else float("nan")

    return {
        "masked": percent(correct[mask]),
        "unmasked": percent(correct[~mask]),
        "num_masked": int(mask.sum()),
        "num_unmasked": int((~mask).sum()),
    }


def polarity_breakdown(config: str | Config, checkpoint: str, dataset_cfg: dict) -> dict[str, float]:
    """Accuracy of a trained run on bright-digit and dark-digit images of ``dataset_cfg`` separately."""
    images, labels = dataset_arrays(dataset_cfg)
    predictions = classifier_fn(config, checkpoint)(images)
    split = accuracy_by_mask(predictions, labels, dark_digit_mask(images))
    return {
        "dark_digit_accuracy": split["masked"],
        "bright_digit_accuracy": split["unmasked"],
        "num_dark_digit": split["num_masked"],
        "num_bright_digit": split["num_unmasked"],
    }


def as_numpy_images(images: torch.Tensor) -> np.ndarray:
    """``N x C x H x W`` uint8 tensor -> ``N x H x W`` (grey) or ``N x H x W x C`` numpy array."""
    array = images.permute(0, 2, 3, 1).numpy()
    return array[..., 0] if array.shape[-1] == 1 else array
