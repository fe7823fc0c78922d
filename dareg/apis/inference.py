"""Inference on single images, as mmseg users know it: ``init_model`` then ``inference_model``.

Like mmseg's ``init_model`` / ``inference_model`` (``mmseg/apis/inference.py``): the model is built
from its config, a checkpoint is loaded into it, and an image runs through the config's test
pipeline (without the loading steps), the model's data preprocessor and the network; the
prediction and the logits come back at the image's original size. The logits of the main output
are upsampled bilinearly, with the segmentor's ``align_corners`` (True for AdaptSegNet's DeepLab,
as in its evaluation script), before the argmax.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import load_state_dict
from torch import nn

from dareg.datasets.collate import domain_collate
from dareg.datasets.transforms.loading import read_image
from dareg.registry import DATASETS, MODELS, TRANSFORMS
from dareg.utils.checkpoint_files import load_checkpoint_file
from dareg.utils.config import import_custom_modules, load_config

#: Transforms that read files; inference gets the image itself and skips them.
LOADING_TRANSFORMS = ("LoadImageFromFile", "LoadSegMap", "LoadIndexedSegMap")

ImageInput = str | os.PathLike | np.ndarray


def init_model(
    config: str | os.PathLike | Config,
    checkpoint: str | None = None,
    device: str | torch.device = "cpu",
    cfg_options: dict | None = None,
) -> nn.Module:
    """Build the algorithm of a config, load a checkpoint into it and put it in eval mode.

    Args:
        config: Config file path or a loaded :class:`~mmengine.config.Config`.
        checkpoint: Checkpoint file (a dareg/mmengine checkpoint with ``state_dict``, or a bare
            state dict). Defaults to None (the weights of the config's initialisation).
        device: Device to put the model on. Defaults to ``"cpu"``.
        cfg_options: Overrides applied to the config (as ``--cfg-options``). Defaults to None.

    Returns:
        The algorithm, with the config in ``model.cfg`` and the class names and palette in
        ``model.dataset_meta`` (from the checkpoint's meta, else the test dataset's ``METAINFO``).

    Examples:
        >>> model = init_model("configs/demo/adaptseg_synthetic.py")  # doctest: +SKIP
        >>> result = inference_model(model, "street.png")  # doctest: +SKIP
        >>> result["pred_seg"].shape  # doctest: +SKIP
    """
    if isinstance(config, (str, os.PathLike)):
        cfg = load_config(str(config), cfg_options)
    elif isinstance(config, Config):
        cfg = copy.deepcopy(config)
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        import_custom_modules(cfg)
    else:
        raise TypeError(f"init_model: config must be a file path or an mmengine Config, got {type(config).__name__}")
    if "model" not in cfg:
        raise KeyError(f"init_model: the config {getattr(cfg, 'filename', '')} has no `model` key")
    init_default_scope(cfg.get("default_scope", "dareg"))
    model = MODELS.build(cfg.model)
    dataset_meta = None
    if checkpoint is not None:
        loaded = load_checkpoint_file(checkpoint, "cpu")
        state = loaded.get("state_dict", loaded)
        if any(key.startswith("module.") for key in state):  # saved from a DataParallel model
            state = {key.removeprefix("module."): value for key, value in state.items()}
        load_state_dict(model, state)  # mmengine's: missing and unexpected keys are logged
        dataset_meta = (loaded.get("meta") or {}).get("dataset_meta")
    model.cfg = cfg
    model.dataset_meta = dataset_meta or config_dataset_meta(cfg)
    model.to(device)
    model.eval()
    return model


def config_dataset_meta(cfg: Config) -> dict:
    """``METAINFO`` (classes, palette) of the config's test (else val) dataset class, without building it."""
    for key in ("test_dataloader", "val_dataloader"):
        dataset = (cfg.get(key) or {}).get("dataset")
        name = dataset.get("type") if isinstance(dataset, dict) else None
        if isinstance(name, str):
            cls = DATASETS.get(name)
            if cls is not None:
                return dict(getattr(cls, "METAINFO", {}) or {})
    return {}


def inference_pipeline(cfg: Config) -> Compose:
    """The config's test (else val) pipeline without its loading transforms."""
    steps = None
    for key in ("test_dataloader", "val_dataloader"):
        dataset = (cfg.get(key) or {}).get("dataset")
        if isinstance(dataset, dict):
            steps = dataset.get("pipeline")
            break
    if steps is None:
        steps = [dict(type="PackInputs")]
    kept = [step for step in steps if not (isinstance(step, dict) and step.get("type") in LOADING_TRANSFORMS)]
    if not any(isinstance(step, dict) and step.get("type") in ("PackInputs", "dareg.PackInputs") for step in kept):
        kept.append(dict(type="PackInputs"))
    return Compose([TRANSFORMS.build(step) if isinstance(step, dict) else step for step in kept])


def _load(image: ImageInput) -> tuple[np.ndarray, str | None]:
    if isinstance(image, (str, os.PathLike)):
        return read_image(str(image)), str(image)
    array = np.asarray(image)
    if array.ndim not in (2, 3) or array.dtype != np.uint8:
        raise ValueError(
            f"inference_model: an image array must be H x W x 3 (BGR) or H x W uint8, got shape "
            f"{array.shape} and dtype {array.dtype}"
        )
    return array, None


def _align_corners(model: nn.Module) -> bool:
    for module in model.modules():
        value = getattr(module, "align_corners", None)
        if isinstance(value, bool):
            return value
    return False


def _main_logits(outputs: Any) -> torch.Tensor | None:
    if isinstance(outputs, (list, tuple)) and outputs:
        outputs = outputs[-1]
    return outputs if isinstance(outputs, torch.Tensor) and outputs.dim() in (2, 4) else None


@torch.no_grad()
def inference_model(model: nn.Module, image: ImageInput | Sequence[ImageInput]) -> dict | list[dict]:
    """Predict one image (or a list of images) with a model from :func:`init_model`.

    The image goes through the config's test pipeline minus loading (resize ...), the model's data
    preprocessor and the network (``forward_tensor``); the main output's logits are upsampled to
    the ORIGINAL image size and arg-maxed. Models whose ``forward_tensor`` gives no logits fall back
    to ``model.predict`` (prediction only, resized with nearest neighbours).

    Args:
        model: The algorithm returned by :func:`init_model` (needs ``model.cfg``).
        image: Image path, or ``H x W x 3`` BGR uint8 array (as ``cv2.imread`` returns), or a list.

    Returns:
        For segmentation models ``{"pred_seg": LongTensor[H, W], "logits": FloatTensor[C, H, W],
        "metainfo": dict}`` at the image's size; for classifiers ``{"pred_label": int, "logits":
        FloatTensor[C], "metainfo": dict}``. A list of those for a list of images.
    """
    if isinstance(image, (list, tuple)):
        return [inference_model(model, single) for single in image]
    cfg = getattr(model, "cfg", None)
    if cfg is None:
        raise AttributeError("inference_model: the model has no `cfg`; build it with dareg.apis.init_model")
    array, path = _load(image)
    results: dict[str, Any] = dict(img=array, ori_shape=array.shape[:2], img_shape=array.shape[:2])
    if path is not None:
        results["img_path"] = path
    item = inference_pipeline(cfg)(results)
    batch = model.data_preprocessor(domain_collate([item]), False)
    inputs, data_samples = batch["inputs"], batch["data_samples"]
    metainfo = dict(data_samples["metainfo"][0])
    height, width = array.shape[:2]
    logits = _main_logits(model.forward_tensor(inputs))
    if logits is None:
        prediction = model.predict(inputs, data_samples)[0]
        if "pred_label" in prediction:
            return {"pred_label": int(prediction["pred_label"]), "metainfo": metainfo}
        pred = torch.as_tensor(prediction["pred_seg"])[None, None].float()
        pred = F.interpolate(pred, size=(height, width), mode="nearest")[0, 0].long()
        return {"pred_seg": pred, "metainfo": metainfo}
    if logits.dim() == 2:
        logits = logits[0].float().cpu()
        return {"pred_label": int(logits.argmax()), "logits": logits, "metainfo": metainfo}
    if tuple(logits.shape[-2:]) != (height, width):
        logits = F.interpolate(
            logits.float(), size=(height, width), mode="bilinear", align_corners=_align_corners(model)
        )
    logits = logits[0].float().cpu()
    return {"pred_seg": logits.argmax(0), "logits": logits, "metainfo": metainfo}
