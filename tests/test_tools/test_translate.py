"""tools/translate.py: same names and layout out as in, resumable, dataset mode readable back."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest
import torch
from fixtures.tools import load_tool
from fixtures.translation import single_thread

from dareg.apis.translate import build_translator, translate_dataset
from dareg.registry import ALGORITHMS, DATASETS


def translate_main(argv):
    return load_tool("translate.py").main(argv)


def model_cfg(c: int) -> dict:
    return dict(
        type="CycleGAN",
        generator=dict(type="ResnetGenerator", in_channels=c, out_channels=c, base_channels=4, num_blocks=1),
        discriminator=dict(type="PatchDiscriminator", in_channels=c, base_channels=4, num_layers=1),
        lambda_identity=0.0,
        data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5] * c, std=[127.5] * c, bgr_to_rgb=True),
    )


def write_run(tmp_path, channels: int = 3):
    """A config file and a checkpoint of a (randomly initialised) tiny CycleGAN."""
    text = "model = " + repr(model_cfg(channels)) + "\n"
    config = tmp_path / "tiny_cyclegan.py"
    config.write_text(text)
    torch.manual_seed(0)
    from dareg.utils.config import load_config

    model = ALGORITHMS.build(dict(load_config(str(config)).model))
    checkpoint = tmp_path / "iter_2.pth"
    torch.save({"state_dict": model.state_dict(), "meta": {}}, checkpoint)
    return str(config), str(checkpoint), model


def make_folder(root) -> dict[str, tuple[int, int]]:
    rng = np.random.default_rng(0)
    files = {"x.png": (20, 24), "sub/y.png": (16, 16), "sub/deeper/z.jpg": (18, 22)}
    for rel, (h, w) in files.items():
        os.makedirs(os.path.dirname(os.path.join(root, rel)) or root, exist_ok=True)
        cv2.imwrite(os.path.join(root, rel), rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
    (root / "notes.txt").write_text("not an image")
    return files


def listing(root) -> set[str]:
    return {os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs}


def test_folder_same_names_layout_and_sizes_and_resume(tmp_path, capsys):
    config, checkpoint, model = write_run(tmp_path)
    src, out = tmp_path / "in", tmp_path / "out"
    files = make_folder(src)
    translate_main([config, checkpoint, "--input", str(src), "--out", str(out), "--no-progress"])
    assert listing(out) == set(files)  # same names and layout, no temporary files, non-images skipped
    for rel, size in files.items():
        assert cv2.imread(str(out / rel)).shape[:2] == size
    # the PNG equals the generator's output on the image (padding to multiples of 4 cropped away)
    image = cv2.imread(str(src / "x.png"))
    with torch.no_grad():
        x = model.normalize_pixels(torch.from_numpy(image.transpose(2, 0, 1))[None])
        expected = model.denormalize_pixels(model.generators["a2b"](x))[0].numpy().transpose(1, 2, 0)
    assert np.array_equal(cv2.imread(str(out / "x.png")), expected)
    assert "translated 3 images" in capsys.readouterr().out

    os.remove(out / "sub/y.png")
    translate_main([config, checkpoint, "--input", str(src), "--out", str(out), "--no-progress", "--direction", "b2a"])
    printed = capsys.readouterr().out
    assert "translated 1 images into" in printed and "(2 already there" in printed
    assert listing(out) == set(files)


def test_scale_then_back_to_input_size(tmp_path):
    config, checkpoint, _ = write_run(tmp_path)
    src, out = tmp_path / "in", tmp_path / "out"
    files = make_folder(src)
    translator = build_translator(config, checkpoint, "a2b")
    from dareg.apis.translate import translate_folder

    summary = translate_folder(translator, str(src), str(out), scale=(32, 16), batch_size=2, progress=False)
    assert summary.written == 3
    for rel, size in files.items():
        assert cv2.imread(str(out / rel)).shape[:2] == size
    summary = translate_folder(translator, str(src), str(out), scale=(32, 16), keep_size=False, overwrite=True,
                               progress=False)
    assert summary.written == 3 and cv2.imread(str(out / "x.png")).shape[:2] == (16, 32)


def test_dataset_mode_round_trips_through_translated_dataset(tmp_path, toys):
    config, checkpoint, _ = write_run(tmp_path, channels=1)
    translator = build_translator(config, checkpoint, "a2b")
    dataset_cfg = dict(type="ToyDigits", num_samples=6)
    out = tmp_path / "translated"
    summary = translate_dataset(translator, dataset_cfg, str(out), batch_size=4, progress=False)
    assert summary.written == 6 and listing(out) == {f"{i:06d}.png" for i in range(6)}
    translated = DATASETS.build(
        dict(type="TranslatedImageDataset", dataset=dataset_cfg, img_root=str(out),
             pipeline=[dict(type="LoadImageFromFile", color_type="grayscale"), dict(type="PackInputs")])
    )
    original = DATASETS.build(dataset_cfg)
    assert len(translated) == 6
    for i in range(6):
        item = translated[i]
        assert int(item["data_samples"]["gt_label"]) == int(original[i]["data_samples"]["gt_label"])
        assert item["inputs"].shape == (1, 8, 8)
        assert np.array_equal(item["inputs"][0].numpy(), cv2.imread(str(out / f"{i:06d}.png"), cv2.IMREAD_GRAYSCALE))
    os.remove(out / "000003.png")
    with pytest.raises(FileNotFoundError, match="1 of 6 translated images are missing"):
        DATASETS.build(dict(type="TranslatedImageDataset", dataset=dataset_cfg, img_root=str(out))).full_init()


def test_errors_name_what_to_do(tmp_path):
    config, checkpoint, _ = write_run(tmp_path)
    with pytest.raises(SystemExit, match="Input folder not found"):
        translate_main([config, checkpoint, "--input", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    with pytest.raises(SystemExit, match="no 'missing' there"):
        translate_main([config, checkpoint, "--dataset", "missing.key", "--out", str(tmp_path / "o")])


def test_gta5_translated_next_to_original_labels(tmp_path):
    from fixtures.segmentation_layouts import write_gta5_layout

    gta5 = write_gta5_layout(tmp_path / "gta5", n=2, size=(64, 32))
    config, checkpoint, _ = write_run(tmp_path)
    pipeline = [dict(type="LoadImageFromFile"), dict(type="LoadIndexedSegMap"), dict(type="PackInputs")]
    gta_cfg = dict(type="GTA5Dataset", data_root=str(gta5), pipeline=pipeline)
    out = tmp_path / "gta5_cityscapes_style"
    summary = translate_dataset(build_translator(config, checkpoint), gta_cfg, str(out), progress=False)
    original = DATASETS.build(gta_cfg)
    assert summary.written == 2
    assert listing(out) == {os.path.relpath(original.get_data_info(i)["img_path"], str(gta5)) for i in range(2)}
    translated = DATASETS.build(dict(type="TranslatedImageDataset", dataset=gta_cfg, img_root=str(out)))
    for i in range(2):
        new, old = translated[i], original[i]
        assert torch.equal(new["data_samples"]["gt_seg"], old["data_samples"]["gt_seg"])  # label_lut applied
        assert new["inputs"].shape == old["inputs"].shape and not torch.equal(new["inputs"], old["inputs"])
        assert new["data_samples"]["metainfo"]["img_path"].startswith(str(out))


@pytest.fixture(autouse=True)
def _single_thread():
    """Every test of this module runs on one thread."""
    yield from single_thread()
