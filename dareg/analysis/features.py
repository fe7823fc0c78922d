"""What the task network sees: features of both domains, their t-SNE picture and the A-distance.

The analysis pictures of the Transfer-Learning-Library (tllib, ``tllib/utils/analysis``) are the
reference for the facts used here:

* **Features** are those of the task network just before its classification head, in eval mode:
  the ``N x C`` feature of a classifier, and the globally average-pooled last feature map of a
  segmentor's backbone.
* **t-SNE**: ``sklearn.manifold.TSNE`` with 2 components on the source and target features
  concatenated; one picture coloured by domain, one by class (classification only).
* **Proxy A-distance** (Ben-David et al., 2007; tllib's ``a_distance.calculate``): source features
  labelled 1 and target features 0, a random 80/20 split, a linear domain classifier trained with
  binary cross-entropy (SGD, lr 0.01, 10 epochs, batch 2); with ``eps`` its held-out error,
  ``A = 2 (1 - 2 eps)``: about 0 when the domains cannot be told apart, 2 when they are separable.

Features come from :func:`dareg.evaluation.features.collect_features` (how an algorithm provides
them is described there).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from dareg.evaluation.features import DomainFeatures, collect_features


# --- proxy A-distance ----------------------------------------------------------------------------
def proxy_a_distance(
    source: torch.Tensor | np.ndarray,
    target: torch.Tensor | np.ndarray,
    train_fraction: float = 0.8,
    epochs: int = 10,
    lr: float = 0.01,
    batch_size: int = 2,
    seed: int = 0,
    clip: bool = True,
) -> float:
    """Proxy A-distance ``2 (1 - 2 eps)`` of a linear domain classifier's held-out error ``eps``.

    A held-out error above 0.5 says no more than 0.5 does (the domains cannot be told apart; with
    duplicated points it even happens systematically, as the classifier memorises the training copy
    of a point whose twin is held out with the other label), so ``clip`` reports ``max(0, A)``.
    The split and the training order come from a private generator seeded with ``seed``: the
    global random state is neither used nor changed.

    Args:
        source: ``N_s x C`` source features (domain label 1).
        target: ``N_t x C`` target features (domain label 0).
        train_fraction: Fraction of the samples the classifier trains on. Defaults to 0.8.
        epochs: Training epochs. Defaults to 10 (tllib).
        lr: SGD learning rate. Defaults to 0.01 (tllib).
        batch_size: Mini-batch size. Defaults to 2 (tllib).
        seed: Seed of the split, the initialisation and the batch order. Defaults to 0.
        clip: Report ``max(0, A)``. Defaults to True (False gives tllib's raw value).

    Examples:
        >>> source, target = torch.randn(100, 4) + 5, torch.randn(100, 4) - 5
        >>> round(proxy_a_distance(source, target), 1)
        2.0
    """
    source = torch.as_tensor(np.asarray(source), dtype=torch.float32).flatten(1)
    target = torch.as_tensor(np.asarray(target), dtype=torch.float32).flatten(1)
    if source.shape[1] != target.shape[1]:
        raise ValueError(f"proxy_a_distance: feature sizes differ (source {source.shape}, target {target.shape})")
    features = torch.cat([source, target])
    labels = torch.cat([torch.ones(len(source)), torch.zeros(len(target))])
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(features), generator=generator)
    num_train = int(round(train_fraction * len(features)))
    if num_train < 1 or num_train >= len(features):
        raise ValueError(f"proxy_a_distance: {len(features)} samples cannot be split {train_fraction:.0%} / rest")
    train_idx, test_idx = order[:num_train], order[num_train:]
    # a linear classifier with nn.Linear's initialisation, drawn from the private generator
    bound = 1.0 / features.shape[1] ** 0.5
    weight = nn.Parameter(torch.rand(features.shape[1], generator=generator) * 2 * bound - bound)
    bias = nn.Parameter(torch.rand(1, generator=generator) * 2 * bound - bound)
    optimizer = torch.optim.SGD([weight, bias], lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    with torch.enable_grad():
        for _ in range(epochs):
            shuffled = train_idx[torch.randperm(len(train_idx), generator=generator)]
            for start in range(0, len(shuffled), batch_size):
                index = shuffled[start : start + batch_size]
                loss = loss_fn(features[index] @ weight + bias, labels[index])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    with torch.no_grad():
        predictions = (features[test_idx] @ weight + bias > 0).float()
    error = 1.0 - float((predictions == labels[test_idx]).float().mean())
    distance = 2.0 * (1.0 - 2.0 * error)
    return max(0.0, distance) if clip else distance


# --- t-SNE ---------------------------------------------------------------------------------------
def tsne_embedding(features: torch.Tensor | np.ndarray, seed: int = 0, perplexity: float = 30.0) -> np.ndarray:
    """2-D t-SNE embedding (``sklearn.manifold.TSNE``, PCA initialisation) of ``N x C`` features."""
    from sklearn.manifold import TSNE

    features = np.asarray(features, dtype=np.float32).reshape(len(features), -1)
    perplexity = min(perplexity, max(1.0, (len(features) - 1) / 3.0))
    return TSNE(n_components=2, init="pca", random_state=seed, perplexity=perplexity).fit_transform(features)


def scatter_png(
    points: np.ndarray,
    colours: Sequence[int],
    names: Sequence[str],
    path: str,
    title: str = "",
    markers: Sequence[int] | None = None,
) -> np.ndarray:
    """Save a 2-D scatter coloured by the integer ``colours`` (legend ``names``); return it as RGB.

    ``markers`` (0 source, 1 target) draws the two domains with different markers.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = np.asarray(colours)
    markers = np.zeros(len(points), dtype=int) if markers is None else np.asarray(markers)
    cmap = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
    figure, axes = plt.subplots(figsize=(6, 6), dpi=100)
    for index, name in enumerate(names):
        label: str | None = name  # one legend entry per colour
        for marker_id, marker in enumerate(("o", "^")):
            chosen = (colours == index) & (markers == marker_id)
            if chosen.any():
                colour = cmap(index % cmap.N)
                axes.scatter(points[chosen, 0], points[chosen, 1], s=6, marker=marker, color=colour, label=label)
                label = None
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_title(title)
    axes.legend(markerscale=3, fontsize=8, loc="best")
    figure.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path)
    figure.canvas.draw()
    image = np.asarray(figure.canvas.buffer_rgba())[..., :3].copy()
    plt.close(figure)
    return image


# --- the whole analysis --------------------------------------------------------------------------
@dataclass
class FeatureReport:
    """What :func:`analyze_features` found: the A-distance and the pictures it wrote."""

    a_distance: float
    num_source: int
    num_target: int
    feature_dim: int
    figures: dict[str, str]
    images: dict[str, np.ndarray]

    def format(self) -> str:
        lines = [
            f"features: {self.num_source} source + {self.num_target} target, {self.feature_dim}-d",
            f"proxy A-distance: {self.a_distance:.4f}  (0: domains indistinguishable, 2: separable)",
        ]
        lines += [f"t-SNE by {key}: {path}" for key, path in self.figures.items()]
        return "\n".join(lines)


def analyze_features(
    source: DomainFeatures,
    target: DomainFeatures,
    out_dir: str,
    class_names: Sequence[str] | None = None,
    seed: int = 0,
    title: str = "",
) -> FeatureReport:
    """A-distance of the two feature sets, and t-SNE pictures by domain (and by class) in ``out_dir``."""
    a_distance = proxy_a_distance(source.features, target.features, seed=seed)
    points = tsne_embedding(torch.cat([source.features, target.features]), seed=seed)
    domains = np.r_[np.zeros(len(source), dtype=int), np.ones(len(target), dtype=int)]
    figures, images = {}, {}
    suffix = f" ({title})" if title else ""
    figures["domain"] = os.path.join(out_dir, "tsne_domain.png")
    images["domain"] = scatter_png(
        points, domains, ["source", "target"], figures["domain"], f"t-SNE by domain{suffix}", markers=domains
    )
    if source.labels is not None and target.labels is not None:
        classes = np.r_[source.labels.numpy(), target.labels.numpy()]
        num_classes = int(classes.max()) + 1
        names = list(class_names) if class_names else [str(i) for i in range(num_classes)]
        figures["class"] = os.path.join(out_dir, "tsne_class.png")
        images["class"] = scatter_png(
            points,
            classes,
            names[:num_classes],
            figures["class"],
            f"t-SNE by class (o source, ^ target){suffix}",
            markers=domains,
        )
    return FeatureReport(a_distance, len(source), len(target), int(source.features.shape[1]), figures, images)


def build_loader(dataset_cfg: dict, batch_size: int = 64):
    """A sequential, single-process dataloader of a dataset config (no sampler, no global RNG use)."""
    from torch.utils.data import DataLoader

    from dareg.datasets.collate import domain_collate
    from dareg.registry import DATASETS

    dataset = DATASETS.build(dataset_cfg)
    return DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=0, collate_fn=domain_collate)


def analyze_checkpoint(
    config: Any,
    checkpoint: str | None,
    out_dir: str,
    source_key: str = "train_dataloader.dataset.source",
    target_key: str = "train_dataloader.dataset.target",
    max_samples: int | None = 1000,
    batch_size: int = 64,
    device: str = "cpu",
    seed: int = 0,
    tensorboard: bool = False,
) -> FeatureReport:
    """What ``tools/analysis/features.py`` runs: features of both domains of a trained model.

    Args:
        config: Config file or loaded ``Config`` of the run.
        checkpoint: Its checkpoint (None: the config's initial weights).
        out_dir: Folder of the pictures (and ``features.json``).
        source_key: Dotted config key of the source dataset. Defaults to the training source set.
        target_key: Dotted config key of the target dataset. Defaults to the training target set.
        max_samples: At most this many samples per domain (the first ones). Defaults to 1000.
        batch_size: Images per forward pass. Defaults to 64.
        device: Where the model runs. Defaults to ``"cpu"``.
        seed: Seed of t-SNE and of the A-distance split. Defaults to 0.
        tensorboard: Also write the pictures to a TensorBoard event file under ``out_dir``.
    """
    import json

    from dareg.apis.inference import init_model
    from dareg.apis.translate import config_entry

    model = init_model(config, checkpoint, device=device)
    cfg = model.cfg
    collected = {}
    for domain, key in (("source", source_key), ("target", target_key)):
        loader = build_loader(config_entry(cfg, key), batch_size)
        collected[domain] = collect_features(model, loader, domain, max_samples, keep_logits=False)
    class_names = (getattr(model, "dataset_meta", None) or {}).get("classes")
    title = os.path.basename(checkpoint) if checkpoint else "initial weights"
    report = analyze_features(collected["source"], collected["target"], out_dir, class_names, seed, title)
    with open(os.path.join(out_dir, "features.json"), "w") as handle:
        json.dump(
            {
                "a_distance": report.a_distance,
                "num_source": report.num_source,
                "num_target": report.num_target,
                "feature_dim": report.feature_dim,
                "config": getattr(cfg, "filename", None),
                "checkpoint": checkpoint,
            },
            handle,
            indent=2,
        )
    if tensorboard:
        from mmengine.visualization import TensorboardVisBackend

        backend = TensorboardVisBackend(save_dir=out_dir)
        for key, image in report.images.items():
            backend.add_image(f"tsne/{key}", image)
        backend.add_scalar("a_distance", report.a_distance)
        backend.close()
    return report
