"""Office-31, Office-Home, VisDA-2017 and DomainNet readers on tiny files in the real layouts.

Each reader reads its real folder and list layout, names classes after the class folders, accepts
tllib's short domain names, and fails naming the missing file and printing the expected layout.
The dataset base configs build and yield 224 x 224 crops whose ImageNet normalisation (BGR images,
flipped by the data preprocessor) equals torchvision's on the same image read as RGB.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from fixtures.image_lists import (
    CLASSES,
    DATASET_TYPES,
    label_colour,
    redirect_to_tiny_benchmarks,
    write_benchmark_roots,
    write_image,
)

from dareg.datasets.data_root import DataRootError
from dareg.datasets.samplers import StreamKey
from dareg.registry import DATASETS, MODELS
from dareg.utils.config import load_config

CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "_base_" / "datasets"
TYPES = {benchmark: name for name, benchmark in DATASET_TYPES.items()}
NUM_CLASSES = {"office31": 31, "officehome": 65, "visda2017": 12, "domainnet": 345}
#: (domain, alias, list file, folder of its images) per benchmark.
DOMAINS = {
    "office31": ("dslr", "D", "dslr.txt", "dslr/images"),
    "officehome": ("Real_World", "Rw", "Real_World.txt", "Real_World"),
    "visda2017": ("real", "Real", "validation.txt", "validation"),
    "domainnet": ("sketch", "s", "sketch_train.txt", "sketch"),
}
IMAGENET = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])


@pytest.fixture(scope="module")
def roots(tmp_path_factory) -> dict:
    return write_benchmark_roots(tmp_path_factory.mktemp("benchmarks"))


def build(benchmark, root, domain, **kwargs):
    kwargs.setdefault("serialize_data", False)  # see redirect_to_tiny_benchmarks
    return DATASETS.build(dict(type=TYPES[benchmark], data_root=root, domain=domain, **kwargs))


@pytest.mark.parametrize("benchmark", list(TYPES))
def test_reads_the_real_layout_with_names_and_aliases(benchmark, roots):
    domain, alias, list_file, folder = DOMAINS[benchmark]
    data = build(benchmark, roots[benchmark], domain)
    assert len(data) == 6  # 3 classes x 2 images
    classes = data.metainfo["classes"]
    assert len(classes) == NUM_CLASSES[benchmark]
    for name, label in CLASSES[benchmark]:
        assert classes[label] == name  # named after the class folders
    info = data.get_data_info(0)
    name, label = CLASSES[benchmark][0]
    assert info["gt_label"] == label
    assert info["img_path"].startswith(os.path.join(roots[benchmark], folder, name) + os.sep)
    assert data.ann_file == os.path.join(roots[benchmark], "image_list", list_file)
    item = data[0]
    assert tuple(item["inputs"].shape) == (3, 32, 40) and item["inputs"].dtype == torch.uint8
    assert build(benchmark, roots[benchmark], alias).ann_file == data.ann_file
    with pytest.raises(ValueError, match=f"unknown domain 'nowhere'; choose one of .*'{domain}'"):
        build(benchmark, roots[benchmark], "nowhere")


def test_domainnet_splits(roots):
    train = build("domainnet", roots["domainnet"], "clipart", split="train")
    test = build("domainnet", roots["domainnet"], "clipart", split="test")
    assert train.ann_file.endswith("clipart_train.txt") and test.ann_file.endswith("clipart_test.txt")
    assert {d["img_path"] for d in train.load_data_list()}.isdisjoint(d["img_path"] for d in test.load_data_list())
    with pytest.raises(ValueError, match="split must be one of"):
        build("domainnet", roots["domainnet"], "clipart", split="val")


@pytest.mark.parametrize("benchmark", list(TYPES))
def test_missing_root_list_or_image_names_it_with_the_layout(benchmark, tmp_path):
    domain, _, list_file, folder = DOMAINS[benchmark]
    with pytest.raises(DataRootError, match="the data root does not exist") as info:
        build(benchmark, str(tmp_path / "nowhere"), domain)
    message = str(info.value)
    assert "expected layout" in message and "image_list/" in message and "get the data" in message

    root = write_benchmark_roots(tmp_path)[benchmark]
    os.remove(os.path.join(root, "image_list", list_file))
    with pytest.raises(DataRootError, match=f"the image list of domain '{domain}' is missing") as info:
        build(benchmark, root, domain)
    assert os.path.join(root, "image_list", list_file) in str(info.value)

    other_domain, other_list = {
        "office31": ("amazon", "amazon.txt"),
        "officehome": ("Art", "Art.txt"),
        "visda2017": ("synthetic", "train.txt"),
        "domainnet": ("clipart", "clipart_train.txt"),
    }[benchmark]
    with open(os.path.join(root, "image_list", other_list)) as handle:
        second = handle.read().splitlines()[1].rsplit(maxsplit=1)[0]
    os.remove(os.path.join(root, second))
    with pytest.raises(DataRootError, match=f"image '{second}' \\(line 2 of image_list/{other_list}\\) does not exist"):
        build(benchmark, root, other_domain)


@pytest.mark.parametrize("benchmark", list(TYPES))
def test_base_config_builds_two_domains_and_224_crops(benchmark, roots):
    cfg = load_config(str(CONFIGS / f"{benchmark}.py"))
    redirect_to_tiny_benchmarks(cfg._cfg_dict, roots)
    assert cfg.train_dataloader.batch_size == 32 and cfg.num_classes == NUM_CLASSES[benchmark]
    pair = DATASETS.build(cfg.train_dataloader.dataset)
    assert pair.stream_sizes == (6, 6)
    item = pair[StreamKey((1, 4), seed=5)]
    again = pair[StreamKey((1, 4), seed=5)]
    for domain in ("source", "target"):
        assert tuple(item[domain]["inputs"].shape) == (3, 224, 224)
        assert torch.equal(item[domain]["inputs"], again[domain]["inputs"])  # per-sample seed: exact repeat
    assert (
        item["source"]["data_samples"]["metainfo"]["img_path"] != item["target"]["data_samples"]["metainfo"]["img_path"]
    )
    val = DATASETS.build(cfg.val_dataloader.dataset)
    test = DATASETS.build(cfg.test_dataloader.dataset)
    assert tuple(val[0]["inputs"].shape) == (3, 224, 224)
    target = cfg.train_dataloader.dataset.target
    assert val.domain == test.domain == DATASETS.get(target.type).resolve_domain(target.domain)
    if benchmark == "domainnet":  # tllib: validate on the target train split, test on its test split
        assert (val.split, test.split) == ("train", "test")


def test_task_override_changes_only_the_domains(roots, tmp_path):
    task = tmp_path / "d2w.py"
    task.write_text(
        f"_base_ = ['{CONFIGS / 'office31.py'}']\n"
        "train_dataloader = dict(dataset=dict(source=dict(domain='dslr'), target=dict(domain='webcam')))\n"
        "val_dataloader = dict(dataset=dict(domain='webcam'))\n"
        "test_dataloader = dict(dataset=dict(domain='webcam'))\n"
    )
    cfg = load_config(str(task))
    base = load_config(str(CONFIGS / "office31.py"))
    assert cfg.train_dataloader.dataset.source == dict(base.train_dataloader.dataset.source, domain="dslr")
    assert cfg.train_dataloader.dataset.target == dict(base.train_dataloader.dataset.target, domain="webcam")
    assert cfg.test_dataloader == base.test_dataloader  # A -> W already tests on webcam


def test_bgr_images_normalise_like_torchvision_rgb(tmp_path):
    """dareg reads BGR; the preprocessor's flip + ImageNet mean/std equal torchvision's RGB pipeline."""
    from PIL import Image
    from torchvision import transforms

    path = tmp_path / "img.png"
    write_image(path, label=5, index=2)
    colour_bgr = label_colour(5)
    assert colour_bgr[0] != colour_bgr[2]  # blue != red, so a missed flip would show
    (tmp_path / "list.txt").write_text(f"{path} 5\n")
    data = DATASETS.build(
        dict(
            type="ImageListDataset",
            ann_file=str(tmp_path / "list.txt"),
            serialize_data=False,
            pipeline=[dict(type="LoadImageFromFile"), dict(type="CenterCrop", size=(24, 32)), dict(type="PackInputs")],
        )
    )
    preprocessor = MODELS.build(dict(type="DomainDataPreprocessor", bgr_to_rgb=True, **IMAGENET))
    ours = preprocessor({"inputs": [data[0]["inputs"]], "data_samples": [{}]})["inputs"][0]
    reference = transforms.Compose(
        [
            transforms.CenterCrop((24, 32)),
            transforms.ToTensor(),
            transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
        ]
    )(Image.open(path).convert("RGB"))
    torch.testing.assert_close(ours, reference, atol=1e-5, rtol=1e-5)
    red = (colour_bgr[2] - 123.675) / 58.395
    assert ours[0, 0, 0].item() == pytest.approx(red, abs=1e-5)  # channel 0 is red after the flip
    assert np.isclose(ours[2, 0, 0].item(), (colour_bgr[0] - 103.53) / 57.375, atol=1e-5)
