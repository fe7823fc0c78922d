"""Translating image folders and whole datasets with a trained generator (what ``tools/translate.py`` runs).

CyCADA's stage (c) trains on source images rendered in the target's style: the trained stage-(b)
generator translates every source image once, and a :class:`~dareg.datasets.TranslatedImageDataset`
pairs the translations with the original labels. Outputs keep the relative path and the file name
of their input (below the input folder, or below the dataset's ``data_root``; in-memory images
become ``{index:06d}.png``), so label files and split lists keep working. Each file is written
atomically, and files that already exist are skipped, so an interrupted run resumes where it
stopped.
"""

from __future__ import annotations

import os.path as osp
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from mmengine.config import Config
from torch import nn
from tqdm import tqdm

from dareg.algorithms.translation import check_direction, denormalize_pixels, normalize_pixels
from dareg.datasets.transforms.loading import read_image
from dareg.datasets.translated import translated_relpath
from dareg.datasets.unpaired import list_images
from dareg.models.utils.reference_checkpoints import clean_reference_state_dict, read_state_dict
from dareg.registry import DATASETS, GENERATORS, MODELS
from dareg.utils.checkpoint import atomic_write


@dataclass
class TranslationSummary:
    """What a translation run did: files written and files skipped because they already existed."""

    written: int = 0
    skipped: int = 0


class Translator(nn.Module):
    """A generator and the pixel normalisation it was trained with: uint8 images in, uint8 images out.

    Args:
        generator: The generator network (model space -> model space).
        data_preprocessor: The ``DomainDataPreprocessor`` of the training config.
        pad_divisor: Inputs are reflect-padded to multiples of this (4 for ``ResnetGenerator``) and
            the output cropped back. Defaults to 4.
    """

    def __init__(self, generator: nn.Module, data_preprocessor: nn.Module, pad_divisor: int = 4) -> None:
        super().__init__()
        self.generator = generator
        self.data_preprocessor = data_preprocessor
        self.pad_divisor = pad_divisor

    @property
    def in_channels(self) -> int:
        """Channels the generator expects (3 unless it says otherwise)."""
        return int(getattr(self.generator, "in_channels", 3))

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Translate uint8 ``N x C x H x W`` images (dataset channel order) into uint8 images."""
        device = next(self.generator.parameters()).device
        x = normalize_pixels(self.data_preprocessor, images.to(device))
        height, width = x.shape[-2:]
        pad_h, pad_w = -height % self.pad_divisor, -width % self.pad_divisor
        if pad_h or pad_w:
            mode = "reflect" if pad_h < height and pad_w < width else "replicate"
            x = nn.functional.pad(x, (0, pad_w, 0, pad_h), mode=mode)
        y = self.generator(x)[..., :height, :width]
        return denormalize_pixels(self.data_preprocessor, y).cpu()


def _generator_config(model_cfg: dict, direction: str) -> dict:
    if "generator" not in model_cfg:
        raise KeyError(
            f"The config's model ({model_cfg.get('type')}) has no `generator`: translation needs a CycleGAN, "
            "DiscoGAN or CyCADA config."
        )
    if direction == "b2a" and model_cfg.get("generator_b2a"):
        return dict(model_cfg["generator_b2a"])
    return dict(model_cfg["generator"])


def load_generator_weights(generator: nn.Module, checkpoint: str, direction: str) -> None:
    """Load the ``direction`` generator of a dareg checkpoint (``generators.a2b.*``), or a bare
    generator state dict (a converted reference checkpoint), strictly."""
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f"Checkpoint not found: {checkpoint}")
    state = read_state_dict(checkpoint)
    prefix = f"generators.{direction}."
    if any(key.startswith("generators.") for key in state):
        state = {key[len(prefix) :]: value for key, value in state.items() if key.startswith(prefix)}
        if not state:
            raise KeyError(f"{checkpoint} has no '{prefix}*' weights: is it a translation checkpoint?")
    else:  # a bare (reference) generator state dict
        state = clean_reference_state_dict(state, generator)
    generator.load_state_dict(state, strict=True)


def build_translator(
    config: str | Config,
    checkpoint: str | None,
    direction: str = "a2b",
    device: str = "cpu",
    pad_divisor: int = 4,
) -> Translator:
    """Build the ``direction`` generator of a translation config and load its trained weights.

    Only the generator and the data preprocessor are built (a CyCADA config's frozen task network
    and its checkpoint are not needed to translate).
    """
    from dareg.utils.config import load_config

    cfg = load_config(config) if isinstance(config, str) else config
    direction = check_direction(direction)
    model_cfg = dict(cfg.model)
    generator = GENERATORS.build(_generator_config(model_cfg, direction))
    if checkpoint is not None:
        load_generator_weights(generator, checkpoint, direction)
    preprocessor = MODELS.build(model_cfg.get("data_preprocessor") or dict(type="DomainDataPreprocessor"))
    return Translator(generator, preprocessor, pad_divisor).to(device).eval()


def encode_image(image: np.ndarray, path: str) -> bytes:
    """Encode ``image`` (BGR or grey) in the format of ``path``'s extension."""
    ext = osp.splitext(path)[1] or ".png"
    ok, buffer = cv2.imencode(ext, image)
    if not ok:
        raise ValueError(f"OpenCV cannot encode an image as {ext} ({path})")
    return buffer.tobytes()


def _to_tensor(image: np.ndarray) -> torch.Tensor:
    image = image[..., None] if image.ndim == 2 else image
    return torch.tensor(image.transpose(2, 0, 1))  # a copy: in-memory dataset arrays may be read-only


def _to_array(image: torch.Tensor) -> np.ndarray:
    array = image.numpy().transpose(1, 2, 0)
    return array[..., 0] if array.shape[2] == 1 else np.ascontiguousarray(array)


def translate_items(
    translator: Translator,
    items: Iterable[tuple[str, Callable[[], np.ndarray]]],
    output_dir: str,
    total: int | None = None,
    scale: Sequence[int] | None = None,
    keep_size: bool = True,
    overwrite: bool = False,
    batch_size: int = 1,
    progress: bool = True,
) -> TranslationSummary:
    """Translate ``(relative output path, image loader)`` items into ``output_dir``.

    Args:
        translator: See :func:`build_translator`.
        items: Pairs of the output path relative to ``output_dir`` and a function returning the
            image (``H x W`` or ``H x W x C`` uint8, dataset channel order).
        output_dir: Root of the outputs.
        total: Number of items (for the progress bar). Defaults to None.
        scale: ``(width, height)`` the images are resized to before translation. Defaults to None
            (translate at their own size).
        keep_size: Resize translations back to the input's size. Defaults to True.
        overwrite: Translate again files that already exist. Defaults to False (resume).
        batch_size: Images translated together (consecutive images of one size). Defaults to 1.
        progress: Show a tqdm progress bar. Defaults to True.
    """
    summary = TranslationSummary()
    pending: list[tuple[str, np.ndarray, tuple[int, int]]] = []  # output path, image to translate, input size

    def flush() -> None:
        if not pending:
            return
        batch = torch.stack([_to_tensor(image) for _, image, _ in pending])
        for (path, _, size), translated in zip(pending, translator(batch)):
            array = _to_array(translated)
            if keep_size and array.shape[:2] != size:
                array = cv2.resize(array, (size[1], size[0]), interpolation=cv2.INTER_CUBIC)
            atomic_write(encode_image(array, path), path)
            summary.written += 1
        pending.clear()

    for rel, load in tqdm(items, total=total, disable=not progress, desc="translate", unit="img"):
        path = osp.join(output_dir, rel)
        if not overwrite and osp.isfile(path):
            summary.skipped += 1
            continue
        image = load()
        work = cv2.resize(image, (int(scale[0]), int(scale[1])), interpolation=cv2.INTER_CUBIC) if scale else image
        if pending and (pending[0][1].shape != work.shape or len(pending) >= batch_size):
            flush()
        pending.append((path, work, image.shape[:2]))
    flush()
    return summary


def _read_for(translator: Translator, path: str) -> np.ndarray:
    return read_image(path, cv2.IMREAD_GRAYSCALE if translator.in_channels == 1 else cv2.IMREAD_COLOR)


def folder_items(translator: Translator, input_dir: str) -> list[tuple[str, Callable[[], np.ndarray]]]:
    """``(relative path, loader)`` for every image under ``input_dir`` (recursively)."""
    if not osp.isdir(input_dir):
        raise FileNotFoundError(f"Input folder not found: {input_dir}")

    def loader(path: str) -> Callable[[], np.ndarray]:
        return lambda: _read_for(translator, path)

    return [(rel, loader(osp.join(input_dir, rel))) for rel in list_images(input_dir)]


def dataset_items(translator: Translator, dataset_cfg: dict) -> list[tuple[str, Callable[[], np.ndarray]]]:
    """``(relative path, loader)`` for every sample of a dataset config, in the layout that
    :class:`~dareg.datasets.TranslatedImageDataset` reads."""
    dataset = DATASETS.build(dict(dataset_cfg, lazy_init=True))
    if hasattr(dataset, "check_data_root"):
        dataset.check_data_root()
    infos = dataset.load_data_list()
    data_root = getattr(dataset, "data_root", None)

    def loader(info: dict):
        if "img" in info:
            return lambda: np.asarray(info["img"])
        return lambda: _read_for(translator, info["img_path"])

    return [(translated_relpath(info, data_root, index), loader(info)) for index, info in enumerate(infos)]


def config_entry(cfg: Config, key: str) -> dict:
    """The dataset config at dotted ``key`` of ``cfg`` (e.g. ``train_dataloader.dataset.source``)."""
    node = cfg.to_dict() if isinstance(cfg, Config) else cfg
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            known = sorted(node) if isinstance(node, dict) else type(node).__name__
            raise KeyError(f"--dataset {key}: the config has no '{part}' there (found: {known})")
        node = node[part]
    if not isinstance(node, dict) or "type" not in node:
        raise ValueError(f"--dataset {key} does not name a dataset config (a dict with a 'type')")
    return dict(node)


def translate_folder(translator: Translator, input_dir: str, output_dir: str, **kwargs) -> TranslationSummary:
    """Translate every image under ``input_dir`` into the same layout under ``output_dir``.

    Keyword arguments are those of :func:`translate_items`.
    """
    items = folder_items(translator, input_dir)
    return translate_items(translator, items, output_dir, total=len(items), **kwargs)


def translate_dataset(translator: Translator, dataset_cfg: dict, output_dir: str, **kwargs) -> TranslationSummary:
    """Translate every image of a dataset (its config) into ``output_dir`` for ``TranslatedImageDataset``.

    Keyword arguments are those of :func:`translate_items`.
    """
    items = dataset_items(translator, dataset_cfg)
    return translate_items(translator, items, output_dir, total=len(items), **kwargs)
