"""FID and KID: zero for identical sets, growth with a perturbation, KID's unbiasedness, the metric."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from dareg.evaluation.inception import InceptionFeatures
from dareg.evaluation.inception_distances import (
    frechet_distance,
    kernel_inception_distance,
    polynomial_mmd2_unbiased,
)
from dareg.registry import DATASETS, METRICS


def test_fid_of_gaussians_matches_the_closed_form():
    # FID of N(mu1, S1) and N(mu2, S2) with diagonal S: |mu1 - mu2|^2 + sum (s1 + s2 - 2 sqrt(s1 s2));
    # with exact sample moments (symmetric +-1 patterns) the estimate equals it
    patterns = np.array(list(itertools.product([-1.0, 1.0], repeat=3)))  # mean 0, covariance I * 8/7
    x = patterns * np.array([1.0, 2.0, 3.0])
    y = patterns * np.array([2.0, 2.0, 1.0]) + np.array([1.0, 0.0, 0.0])
    scale = 8.0 / 7.0  # the sample covariance (ddof 1) of the patterns
    s1, s2 = np.array([1.0, 4.0, 9.0]) * scale, np.array([4.0, 4.0, 1.0]) * scale
    expected = 1.0 + np.sum(s1 + s2 - 2 * np.sqrt(s1 * s2))
    assert frechet_distance(x, y) == pytest.approx(expected, rel=1e-9)


def test_fid_is_zero_for_identical_sets_even_with_singular_covariances():
    features = np.random.default_rng(0).normal(size=(10, 64))  # 10 samples in 64-d: rank-deficient
    assert frechet_distance(features, features.copy()) == pytest.approx(0.0, abs=1e-8)


def test_kid_is_unbiased_exactly_on_a_finite_distribution():
    # X uniform on {a, b}, Y on {c, e} (2-d points); samples of 2 from each. The expectation of the
    # estimator over all 16 equally likely sample pairs must equal the population MMD^2
    # E k(x, x') + E k(y, y') - 2 E k(x, y) (independent copies), which a biased estimate misses.
    support_x = np.array([[1.0, 0.0], [0.0, 2.0]])
    support_y = np.array([[1.0, 1.0], [-1.0, 0.5]])

    def kernel(a, b):
        return (a @ b / 2 + 1.0) ** 3

    def mean_kernel(p, q):
        return np.mean([kernel(a, b) for a in p for b in q])

    population = (
        mean_kernel(support_x, support_x) + mean_kernel(support_y, support_y) - 2 * mean_kernel(support_x, support_y)
    )
    estimates = [
        polynomial_mmd2_unbiased(support_x[list(ix)], support_y[list(iy)])
        for ix in itertools.product(range(2), repeat=2)
        for iy in itertools.product(range(2), repeat=2)
    ]
    assert np.mean(estimates) == pytest.approx(population, rel=1e-12)
    assert population > 0


def test_kid_hand_computation_and_subsets():
    x, y = np.array([[0.0], [2.0]]), np.array([[1.0], [1.0]])
    # d = 1: k(0,2) = 1, k(1,1) = 8, k(0,1) = 1, k(2,1) = 27 -> 1 + 8 - 2 * (1 + 1 + 27 + 27) / 4 = -19
    assert polynomial_mmd2_unbiased(x, y) == pytest.approx(-19.0)
    assert kernel_inception_distance(x, y) == (pytest.approx(-19.0), 0.0)
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(40, 4)), rng.normal(size=(40, 4)) + 1.0
    mean, std = kernel_inception_distance(a, b, num_subsets=10, subset_size=20)
    assert mean > 0 and std > 0
    assert kernel_inception_distance(a, b, num_subsets=10, subset_size=20) == (mean, std)  # seeded


@pytest.fixture(scope="module")
def inception():
    return InceptionFeatures(input_size=75)  # random weights, small input: tests only


def test_fid_and_kid_grow_with_noise_through_the_inception_network(inception):
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(8, 3, 32, 32, generator=generator)
    base = inception(images).double().numpy()
    assert base.shape == (8, 2048)
    same = frechet_distance(base, inception(images.clone()).double().numpy())
    fids, kids = [], []
    for sigma in (0.05, 0.2, 0.5):
        noisy = (images + sigma * torch.randn(images.shape, generator=generator)).clamp(0, 1)
        features = inception(noisy).double().numpy()
        fids.append(frechet_distance(base, features))
        kids.append(kernel_inception_distance(base, features)[0])
    assert same < 1e-9 * fids[0]  # zero up to rounding (random-weight features are ~1e5 in size)
    assert 0 < fids[0] < fids[1] < fids[2]
    assert kids[0] < kids[1] < kids[2]


def test_pytorch_fid_variant_differs_from_torchvision_only_in_pooling(inception):
    names = {name for name, _ in inception.network.named_parameters()}
    assert "fc.weight" in names and inception.network.fc.out_features == 1008
    torchvision_net = InceptionFeatures(variant="torchvision", input_size=75).network
    assert {n for n, _ in torchvision_net.named_parameters()} == names  # same keys: only pooling differs
    kinds = {
        name: type(getattr(inception.network, name)).__name__
        for name in ("Mixed_5b", "Mixed_6a", "Mixed_7b", "Mixed_7c")
    }
    assert kinds == {
        "Mixed_5b": "FIDInceptionA",
        "Mixed_6a": "InceptionB",
        "Mixed_7b": "FIDInceptionE1",
        "Mixed_7c": "FIDInceptionE2",
    }
    # the pooling branch: average without the padding (A, C, E1), max (E2); torchvision counts the padding
    x = torch.ones(1, 192, 5, 5)
    x[..., 0, 0] = 10.0
    block = inception.network.Mixed_5b
    assert block.fid_pool(x)[0, 0, 0, 0] == pytest.approx((10 + 3) / 4)
    assert inception.network.Mixed_7c.fid_pool(x)[0, 0, 1, 1] == 10.0


def test_weights_load_from_a_local_file_and_a_wrong_file_fails_clearly(tmp_path, inception):
    path = tmp_path / "inception.pth"
    torch.save(inception.network.state_dict(), path)
    loaded = InceptionFeatures(weights=str(path), input_size=75)
    images = torch.rand(2, 3, 16, 16)
    assert torch.equal(loaded(images), inception(images))
    with pytest.raises(FileNotFoundError, match="pt_inception"):
        InceptionFeatures(weights=str(tmp_path / "missing.pth"))
    with pytest.raises(RuntimeError, match="variant"):
        InceptionFeatures(weights=str(path), variant="torchvision", input_size=75)


def test_building_the_network_leaves_the_global_random_state_alone():
    state = torch.get_rng_state()
    InceptionFeatures(input_size=75)
    assert torch.equal(state, torch.get_rng_state())


def test_inception_metrics_is_zero_for_the_reference_itself_and_grows_with_noise(toys):
    metric = METRICS.build(
        dict(
            type="InceptionMetrics",
            reference=dict(type="ToyDigits", num_samples=6, shift=0, seed=1, pipeline=[dict(type="PackInputs")]),
            inception=dict(input_size=75),
            mean=[127.5],
            std=[127.5],
        )
    )
    reference = DATASETS.build(metric.reference_cfg)
    real = torch.stack([torch.as_tensor(reference[i]["inputs"]) for i in range(6)]).float()
    model_space = (real - 127.5) / 127.5
    metric.process({}, [{"translated": image} for image in model_space])
    same = metric.compute_metrics(metric.results)
    noisy = (model_space + 0.5 * torch.randn(model_space.shape, generator=torch.Generator().manual_seed(0))).clamp(
        -1, 1
    )
    metric.results.clear()
    metric.process({}, [{"translated": image} for image in noisy])
    different = metric.compute_metrics(metric.results)
    assert same["FID"] < 1e-9 * different["FID"]  # zero up to rounding
    assert different["KID"] > same["KID"]
    with pytest.raises(KeyError, match="translated"):
        metric.process({}, [{"pred_label": 1}])


def test_fid_small_sample_path_equals_the_covariance_path():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(6, 5)), rng.normal(size=(7, 5)) * 2 + 1  # more samples than dimensions
    wide_x, wide_y = np.pad(x, ((0, 0), (0, 3))), np.pad(y, ((0, 0), (0, 3)))  # 8-d: the small-sample path
    assert frechet_distance(wide_x, wide_y) == pytest.approx(frechet_distance(x, y), rel=1e-9)


@pytest.mark.parametrize("bgr_to_rgb", [True, False])
def test_inception_metrics_sees_rgb_whatever_order_the_model_works_in(bgr_to_rgb):
    """Dataset images are BGR (as cv2 reads them); translated images come in the model's channel order,
    RGB when its preprocessor reversed the channels. Both reach the Inception network as RGB."""
    from dareg.models.data_preprocessor import DomainDataPreprocessor

    pixels = torch.randint(0, 256, (2, 3, 5, 4), generator=torch.Generator().manual_seed(0)).float()  # BGR
    mean, std = [10.0, 120.0, 240.0], [50.0, 60.0, 70.0]
    preprocessor = DomainDataPreprocessor(mean=mean, std=std, bgr_to_rgb=bgr_to_rgb)
    model_space = preprocessor({"inputs": pixels})["inputs"]
    metric = METRICS.build(
        dict(type="InceptionMetrics", reference=dict(type="ToyDigits"), mean=mean, std=std, bgr_to_rgb=bgr_to_rgb)
    )
    rgb = pixels.flip(1) / 255.0
    torch.testing.assert_close(metric.to_unit(pixels, model_space=False), rgb)
    torch.testing.assert_close(metric.to_unit(model_space, model_space=True), rgb, atol=1e-6, rtol=0)
    grey = torch.full((1, 1, 2, 2), 51.0)
    assert torch.equal(metric.to_unit(grey, model_space=False), torch.full((1, 1, 2, 2), 0.2))


def test_inception_metrics_without_its_weights_file_fails_when_built(tmp_path):
    """A missing weights file fails when the evaluator is built (before training), not at the first validation."""
    weights = str(tmp_path / "x.pth")
    cfg = dict(type="InceptionMetrics", reference=dict(type="ToyDigits"), inception=dict(weights=weights))
    with pytest.raises(FileNotFoundError, match=r"x\.pth.*does not exist.*pt_inception-2015-12-05-6726825d\.pth"):
        METRICS.build(cfg)
