"""DomainPairDataset and domain_collate."""

from __future__ import annotations

import torch

from dareg.datasets import DomainPairDataset, StreamKey, StreamSampler, domain_collate


def test_pair_items_and_stream_determinism(toys):
    pair = DomainPairDataset(source=dict(type="ToyDigits", num_samples=6), target=dict(type="ToyDigits", shift=60))
    assert pair.stream_sizes == (6, 24) and len(pair) == 24
    key = next(iter(StreamSampler(pair, seed=0)))
    first, again = pair[key], pair[key]
    assert set(first) == {"source", "target"}
    assert torch.equal(first["source"]["inputs"], again["source"]["inputs"])  # same seed -> same flip
    assert first["target"]["inputs"].float().mean() > first["source"]["inputs"].float().mean()  # shifted domain


def test_sample_seed_drives_random_transforms(toys):
    dataset = toys.ToyDigits(num_samples=3, pipeline=[dict(type="RandomFlip", prob=0.5), dict(type="PackInputs")])
    flips = {dataset[StreamKey((0,), seed)]["data_samples"]["metainfo"]["flip"] for seed in range(20)}
    assert flips == {True, False}
    assert all(
        dataset[StreamKey((0,), 11)]["data_samples"]["metainfo"]["flip"]
        == dataset[StreamKey((0,), 11)]["data_samples"]["metainfo"]["flip"]
        for _ in range(5)
    )


def test_integer_index_falls_back_to_random_target(toys):
    pair = DomainPairDataset(source=dict(type="ToyDigits", num_samples=4), target=dict(type="ToyDigits"))
    item = pair[5]
    assert item["source"]["data_samples"]["metainfo"]["sample_idx"] == 1


def test_collate_stacks_per_domain_and_keeps_metainfo_lists(toys):
    pair = DomainPairDataset(source=dict(type="ToyDigits"), target=dict(type="ToyDigits"))
    keys = [k for k, _ in zip(StreamSampler(pair, seed=0), range(3))]
    batch = domain_collate([pair[k] for k in keys])
    assert batch["source"]["inputs"].shape == (3, 1, 8, 8)
    assert batch["source"]["inputs"].dtype == torch.uint8
    assert batch["target"]["data_samples"]["gt_label"].shape == (3,)
    assert len(batch["source"]["data_samples"]["metainfo"]) == 3


def test_collate_keeps_different_sized_labels_as_list():
    samples = [
        {"inputs": torch.zeros(3, 4, 4), "data_samples": {"gt_seg": torch.zeros(8, 8, dtype=torch.long)}},
        {"inputs": torch.zeros(3, 4, 4), "data_samples": {"gt_seg": torch.zeros(6, 8, dtype=torch.long)}},
    ]
    batch = domain_collate(samples)
    assert batch["inputs"].shape == (2, 3, 4, 4)
    assert isinstance(batch["data_samples"]["gt_seg"], list)
