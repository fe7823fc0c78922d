"""FID and KID of translated images against real target images, as a validation metric."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from dareg.evaluation.inception import InceptionFeatures, check_weights_file
from dareg.evaluation.inception_distances import frechet_distance, kernel_inception_distance
from dareg.registry import DATASETS, METRICS


@METRICS.register_module()
class InceptionMetrics(BaseMetric):
    """FID and KID between a translation algorithm's outputs and a reference set of real images.

    Consumes what translation algorithms' ``predict`` returns (``translated``: a model-space
    ``C x H x W`` tensor per sample, e.g. the source test split translated into the target domain)
    and compares it with the images of ``reference`` (e.g. the target test split), whose Inception
    features are computed once and cached. A missing weights file fails when the metric is built
    (at the start of training), not at the first validation. Returns ``{"FID", "KID", "KID_std"}`` (lower is better),
    so ``BestCheckpointHook(key="FID", rule="less")`` keeps the best checkpoint.

    Args:
        reference: Config of the dataset of real images (``DATASETS``).
        inception: Arguments of :class:`~dareg.evaluation.inception.InceptionFeatures`
            (``weights=PATH``, ``variant``, ``input_size``). Defaults to random weights, which only
            tests should use.
        mean: Per-channel mean of the model's normalisation, on 0..255 (its ``data_preprocessor``'s
            ``mean``). Defaults to ``(127.5,)``.
        std: Per-channel std of the model's normalisation (its ``data_preprocessor``'s ``std``).
            Defaults to ``(127.5,)``.
        bgr_to_rgb: The model's ``data_preprocessor.bgr_to_rgb``. Dataset images are in BGR order,
            as cv2 reads them, and are always reversed to RGB for the Inception network; translated
            images are in the model's channel order, RGB when its preprocessor reversed them (True),
            BGR otherwise (then they are reversed here). One-channel images are left alone. Defaults
            to True (the CycleGAN and DiscoGAN configs' setting).
        kid_subsets: Number of KID subsets. Defaults to 100.
        kid_subset_size: Size of each KID subset. Defaults to 1000.
        max_reference: Use at most this many reference images (the first ones). Defaults to None.
        batch_size: Images per Inception forward pass. Defaults to 50.
        device: Device of the Inception network. Defaults to None (CUDA when available).
        prefix: Metric name prefix. Defaults to None.
        collect_device: Where results are gathered in distributed runs. Defaults to ``"cpu"``.
    """

    default_prefix: str | None = ""

    def __init__(
        self,
        reference: dict,
        inception: dict | None = None,
        mean: Sequence[float] = (127.5,),
        std: Sequence[float] = (127.5,),
        bgr_to_rgb: bool = True,
        kid_subsets: int = 100,
        kid_subset_size: int = 1000,
        max_reference: int | None = None,
        batch_size: int = 50,
        device: str | None = None,
        prefix: str | None = None,
        collect_device: str = "cpu",
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.reference_cfg = reference
        self.inception_cfg = dict(inception or {})
        if self.inception_cfg.get("weights") is not None:
            check_weights_file(self.inception_cfg["weights"])
        self.mean = torch.tensor(list(mean), dtype=torch.float32).view(-1, 1, 1)
        self.std = torch.tensor(list(std), dtype=torch.float32).view(-1, 1, 1)
        self.bgr_to_rgb = bgr_to_rgb
        self.kid_subsets = kid_subsets
        self.kid_subset_size = kid_subset_size
        self.max_reference = max_reference
        self.batch_size = batch_size
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self._network: InceptionFeatures | None = None
        self._reference: np.ndarray | None = None

    @property
    def network(self) -> InceptionFeatures:
        """The Inception network, built on first use."""
        if self._network is None:
            self._network = InceptionFeatures(**self.inception_cfg).to(self.device)
        return self._network

    def to_unit(self, images: torch.Tensor, model_space: bool) -> torch.Tensor:
        """``N x C x H x W`` images -> RGB on [0, 1].

        Model-space images are un-normalised and are already RGB when the model's preprocessor
        reversed the channels (``bgr_to_rgb``); dataset images (``model_space=False``) are BGR.
        """
        images = images.float()
        if model_space:
            images = images * self.std.to(images) + self.mean.to(images)
        images = (images / 255.0).clamp(0.0, 1.0)
        is_bgr = not (model_space and self.bgr_to_rgb)
        if is_bgr and images.shape[1] == 3:
            images = images.flip(1)
        return images

    def features(self, images: torch.Tensor, model_space: bool) -> np.ndarray:
        """Inception features of a batch, on the CPU, in float64."""
        out = [
            self.network(self.to_unit(images[i : i + self.batch_size], model_space).to(self.device)).cpu()
            for i in range(0, len(images), self.batch_size)
        ]
        return torch.cat(out).double().numpy()

    def reference_features(self) -> np.ndarray:
        """Features of the reference images (computed once)."""
        if self._reference is None:
            dataset = DATASETS.build(self.reference_cfg)
            count = len(dataset) if self.max_reference is None else min(len(dataset), self.max_reference)
            chunks = []
            for start in range(0, count, self.batch_size):
                batch = [dataset[i]["inputs"] for i in range(start, min(start + self.batch_size, count))]
                chunks.append(self.features(torch.stack([torch.as_tensor(x) for x in batch]), model_space=False))
            if not chunks:
                raise ValueError(f"InceptionMetrics: the reference dataset {self.reference_cfg.get('type')} is empty")
            self._reference = np.concatenate(chunks)
        return self._reference

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep the Inception features of every translated image."""
        if not data_samples:
            return
        if "translated" not in data_samples[0]:
            raise KeyError(
                "InceptionMetrics needs 'translated' images in the predictions (a translation algorithm's "
                f"predict); got keys {sorted(data_samples[0])}"
            )
        images = torch.stack([torch.as_tensor(s["translated"]) for s in data_samples])
        self.results.extend(self.features(images, model_space=True))

    def compute_metrics(self, results: list) -> dict[str, float]:
        translated = np.stack(results)
        reference = self.reference_features()
        kid, kid_std = kernel_inception_distance(
            translated, reference, num_subsets=self.kid_subsets, subset_size=self.kid_subset_size
        )
        return {"FID": frechet_distance(translated, reference), "KID": kid, "KID_std": kid_std}
