"""The embedded synthetic street-scene domains: determinism, disjoint splits, a real domain shift."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.config import Config

from dareg.datasets.synthetic import (
    SYNTHETIC_CLASSES,
    SYNTHETIC_TO_CITYSCAPES,
    SyntheticStreetDataset,
    generate_street_scenes,
    render_street_scene,
)
from dareg.registry import DATASETS

SIZE = (32, 64)


def test_items_are_packed_images_and_label_maps():
    data = DATASETS.build(dict(type="SyntheticStreetDataset", domain="source", num_samples=3, image_size=SIZE))
    item = data[1]
    assert item["inputs"].dtype == torch.uint8 and tuple(item["inputs"].shape) == (3, *SIZE)
    seg = item["data_samples"]["gt_seg"]
    assert seg.dtype == torch.long and tuple(seg.shape) == SIZE
    assert int(seg.min()) >= 0 and int(seg.max()) < len(SYNTHETIC_CLASSES)
    assert data.metainfo["classes"] == SYNTHETIC_CLASSES
    assert len(data.metainfo["palette"]) == len(SYNTHETIC_CLASSES)
    assert [SYNTHETIC_TO_CITYSCAPES[i] for i in range(3)] == [0, 1, 2]  # road, sidewalk, building
    assert SYNTHETIC_TO_CITYSCAPES[SYNTHETIC_CLASSES.index("car")] == 13


def test_deterministic_under_seed_and_splits_disjoint():
    rng = lambda: np.random.default_rng([3, 0, 0, 5])  # noqa: E731
    a_img, a_seg = render_street_scene(rng(), SIZE, "source")
    b_img, b_seg = render_street_scene(rng(), SIZE, "source")
    assert np.array_equal(a_img, b_img) and np.array_equal(a_seg, b_seg)

    train = generate_street_scenes("source", "train", 20, SIZE, seed=0)
    val = generate_street_scenes("source", "val", 20, SIZE, seed=0)
    other_seed = generate_street_scenes("source", "train", 20, SIZE, seed=1)
    train_keys = {img.tobytes() for img, _ in train}
    assert len(train_keys) == 20
    assert not train_keys & {img.tobytes() for img, _ in val}
    assert not train_keys & {img.tobytes() for img, _ in other_seed}
    # a longer split starts with the same samples
    longer = generate_street_scenes("source", "train", 25, SIZE, seed=0)
    assert all(np.array_equal(x[0], y[0]) for x, y in zip(train, longer))


def test_every_class_occurs_and_layout_is_street_like():
    samples = generate_street_scenes("source", "train", 40, SIZE, seed=0)
    labels = np.stack([seg for _, seg in samples])
    counts = np.bincount(labels.ravel(), minlength=len(SYNTHETIC_CLASSES))
    assert (counts > 0).all(), dict(zip(SYNTHETIC_CLASSES, counts))
    road = SYNTHETIC_CLASSES.index("road")
    sky = SYNTHETIC_CLASSES.index("sky")
    # sky on top, road at the bottom
    assert (labels[:, : SIZE[0] // 5] == sky).mean() > (labels[:, -SIZE[0] // 5 :] == sky).mean()
    assert (labels[:, -SIZE[0] // 5 :] == road).mean() > 0.3
    assert (labels[:, : SIZE[0] // 5] == road).mean() == 0


def test_domains_share_geometry_but_differ_in_appearance():
    source = generate_street_scenes("source", "train", 60, SIZE, seed=0)
    target = generate_street_scenes("target", "train", 60, SIZE, seed=0)
    n = len(SYNTHETIC_CLASSES)
    freq_s = np.bincount(np.stack([s for _, s in source]).ravel(), minlength=n) / (60 * SIZE[0] * SIZE[1])
    freq_t = np.bincount(np.stack([s for _, s in target]).ravel(), minlength=n) / (60 * SIZE[0] * SIZE[1])
    assert np.abs(freq_s - freq_t).max() < 0.05  # same label distribution
    sky = SYNTHETIC_CLASSES.index("sky")

    def sky_color(samples):
        return np.concatenate([img[seg == sky] for img, seg in samples]).astype(float).mean(0)

    # blue sky (B >> R) in the source, a much greyer sky in the target
    src_sky, tgt_sky = sky_color(source), sky_color(target)
    assert src_sky[0] - src_sky[2] > 2 * (tgt_sky[0] - tgt_sky[2])

    def roughness(samples):  # high-frequency energy: noise and texture
        return np.mean([np.abs(np.diff(img.astype(float), axis=1)).mean() for img, _ in samples])

    assert roughness(target) != pytest.approx(roughness(source), rel=0.1)


def test_generation_is_cached():
    # speed is measured by tools/benchmark.py, not asserted here (shared machines make timings flaky)
    first = generate_street_scenes("target", "train", 100, (64, 128), seed=11)
    assert generate_street_scenes("target", "train", 100, (64, 128), seed=11) is first


def test_pipeline_transforms_apply_and_originals_stay_intact():
    data = SyntheticStreetDataset(
        num_samples=2, image_size=SIZE, pipeline=[dict(type="RandomFlip", prob=1.0), dict(type="PackInputs")]
    )
    image, label = generate_street_scenes("source", "train", 2, SIZE, seed=0)[0]
    item = data[0]
    assert np.array_equal(item["inputs"].permute(1, 2, 0).numpy(), image[:, ::-1])
    assert np.array_equal(item["data_samples"]["gt_seg"].numpy(), label[:, ::-1])
    assert item["data_samples"]["metainfo"]["flip"] is True
    assert np.array_equal(data[0]["inputs"].permute(1, 2, 0).numpy(), image[:, ::-1])  # cache not flipped in place


def test_bad_arguments_fail_with_the_value():
    with pytest.raises(ValueError, match="domain must be one of"):
        SyntheticStreetDataset(domain="real")
    with pytest.raises(ValueError, match="split must be one of"):
        SyntheticStreetDataset(split="test")
    with pytest.raises(ValueError, match="at least 16"):
        SyntheticStreetDataset(image_size=(8, 8))


def test_base_config_builds_pair_and_val_datasets():
    cfg = Config.fromfile("configs/_base_/datasets/synthetic_streets.py")
    pair = DATASETS.build(cfg.train_dataloader.dataset)
    assert pair.stream_sizes == (200, 200)
    assert pair.source.domain == "source" and pair.target.domain == "target"
    val = DATASETS.build(cfg.val_dataloader.dataset)
    assert (val.domain, val.split, len(val)) == ("target", "val", 100)
    assert cfg.val_evaluator.num_classes == len(SYNTHETIC_CLASSES)
    assert tuple(cfg.val_evaluator.class_names) == SYNTHETIC_CLASSES
    assert (cfg.val_cfg.type, cfg.test_cfg.type) == ("ValLoop", "TestLoop")  # a Runner needs them with test_*


def test_hedges_change_only_roadside_vegetation_and_keep_it_below_the_facades():
    facade = generate_street_scenes("source", "train", 40, SIZE, seed=0)
    hedge = generate_street_scenes("source", "train", 40, SIZE, seed=0, vegetation_layout="hedge")
    vegetation, building = SYNTHETIC_CLASSES.index("vegetation"), SYNTHETIC_CLASSES.index("building")
    changed = 0
    for (_, before), (_, after) in zip(facade, hedge):
        moved = before != after
        # a pixel changes only where the facade layout had vegetation (the hedge is lower) or where the
        # hedge now is; scenes without roadside vegetation are identical
        assert ((before[moved] == vegetation) | (after[moved] == vegetation)).all()
        changed += moved.any()
    assert 0 < changed < len(facade)
    rows = np.arange(SIZE[0])[None, :, None]

    def mean_row(samples, cls):
        masks = np.stack([seg == cls for _, seg in samples])
        return (rows * masks).sum() / masks.sum()

    # hedge vegetation sits lower in the image than facade vegetation, and lower than the buildings
    assert mean_row(hedge, vegetation) > mean_row(facade, vegetation) + 1
    assert mean_row(hedge, vegetation) > mean_row(hedge, building) + 1
    with pytest.raises(ValueError, match="vegetation_layout must be one of"):
        SyntheticStreetDataset(vegetation_layout="forest")
    dataset = SyntheticStreetDataset(num_samples=2, image_size=SIZE, vegetation_layout="hedge")
    assert np.array_equal(dataset[0]["data_samples"]["gt_seg"].numpy(), hedge[0][1])
