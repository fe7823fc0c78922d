"""Fréchet and kernel Inception distances (FID, KID) between two sets of Inception features.

* **FID** (Heusel et al., NeurIPS 2017): ``|mu_1 - mu_2|^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2))`` of
  the features' means and covariances. The trace of the matrix square root is computed as the sum
  of the square roots of the eigenvalues of the symmetric ``S_1^(1/2) S_2 S_1^(1/2)`` (with fewer
  images than dimensions: the nuclear norm of the small cross matrix of the centred features, which
  has the same nonzero spectrum), exact and stable for the singular covariances of small sets, where
  ``scipy.linalg.sqrtm`` is not. FID is biased: it depends on the number of images, so compare
  numbers over equally many images (50,000 in most papers).
* **KID** (Bińkowski et al., ICLR 2018): the *unbiased* estimate of the squared maximum mean
  discrepancy with the cubic polynomial kernel ``k(x, y) = (x.y / d + 1)^3``, averaged over random
  subsets (the reference: 100 subsets of 1,000); its mean over draws equals the population value.

:class:`InceptionMetrics` makes both a validation metric for translation algorithms.
"""

from __future__ import annotations

import numpy as np
import torch


def frechet_distance(features_1: torch.Tensor | np.ndarray, features_2: torch.Tensor | np.ndarray) -> float:
    """FID between two ``N x D`` feature sets (0 for identical sets)."""
    x = np.asarray(features_1, dtype=np.float64)
    y = np.asarray(features_2, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"frechet_distance needs two N x D arrays of one D, got {x.shape} and {y.shape}")
    if len(x) < 2 or len(y) < 2:
        raise ValueError("frechet_distance needs at least 2 samples per set")
    mu_1, mu_2 = x.mean(0), y.mean(0)
    a = (x - mu_1) / np.sqrt(len(x) - 1)  # S_1 = a^T a
    b = (y - mu_2) / np.sqrt(len(y) - 1)  # S_2 = b^T b
    if max(len(x), len(y)) <= x.shape[1]:
        # fewer samples than dimensions: the eigenvalues of S_1^(1/2) S_2 S_1^(1/2) are the squared
        # singular values of the small a b^T, so the trace of the root is its nuclear norm
        trace_root = np.linalg.svd(a @ b.T, compute_uv=False).sum()
    else:
        values, vectors = np.linalg.eigh(a.T @ a)
        root_1 = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
        middle = root_1 @ (b.T @ b) @ root_1
        trace_root = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2.0), 0.0, None)).sum()
    distance = np.sum((mu_1 - mu_2) ** 2) + np.sum(a * a) + np.sum(b * b) - 2.0 * trace_root
    return float(max(distance, 0.0))


def polynomial_mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 of ``x`` (m x d) and ``y`` (n x d) with ``k(a, b) = (a.b / d + 1)^3``."""
    d = x.shape[1]
    k_xx = (x @ x.T / d + 1.0) ** 3
    k_yy = (y @ y.T / d + 1.0) ** 3
    k_xy = (x @ y.T / d + 1.0) ** 3
    m, n = len(x), len(y)
    term_x = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    term_y = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(term_x + term_y - 2.0 * k_xy.mean())


def kernel_inception_distance(
    features_1: torch.Tensor | np.ndarray,
    features_2: torch.Tensor | np.ndarray,
    num_subsets: int = 100,
    subset_size: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """KID (mean, std over subsets) between two ``N x D`` feature sets.

    When both sets have at most ``subset_size`` samples, the whole sets are used once (std 0).
    Subsets are drawn without replacement from a private generator seeded with ``seed``.
    """
    x = np.asarray(features_1, dtype=np.float64)
    y = np.asarray(features_2, dtype=np.float64)
    if len(x) < 2 or len(y) < 2:
        raise ValueError("kernel_inception_distance needs at least 2 samples per set")
    if len(x) <= subset_size and len(y) <= subset_size:
        return polynomial_mmd2_unbiased(x, y), 0.0
    size = min(subset_size, len(x), len(y))
    rng = np.random.default_rng(seed)
    values = [
        polynomial_mmd2_unbiased(x[rng.choice(len(x), size, replace=False)], y[rng.choice(len(y), size, replace=False)])
        for _ in range(num_subsets)
    ]
    return float(np.mean(values)), float(np.std(values))
