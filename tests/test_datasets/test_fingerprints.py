"""Fingerprints of the embedded data sets: the shipped record holds, and a drawing change is caught."""

from __future__ import annotations

import cv2
import pytest

from dareg.datasets import fingerprints
from dareg.datasets.digits import fonts
from dareg.datasets.fingerprints import (
    DataFingerprintError,
    check_recorded_fingerprints,
    embedded_specs,
    load_recorded,
    record_fingerprints,
    spec_name,
)
from dareg.utils.config import load_config

TINY_FONTS = dict(type="FontDigitsDataset", num_samples=20, seed=3)
TINY_STREETS = dict(type="SyntheticStreetDataset", domain="target", split="val", num_samples=2, image_size=(32, 64))


@pytest.fixture(autouse=True)
def _fresh_cache():
    fingerprints._fingerprint_by_name.cache_clear()
    yield
    fingerprints._fingerprint_by_name.cache_clear()


def test_every_recorded_embedded_data_set_draws_the_recorded_pixels():
    """The CI check of issue 22: fails, naming the data set and versions, when a release moves pixels."""
    record = load_recorded()
    kinds = {entry["spec"]["type"] for entry in record["datasets"].values()}
    assert kinds == {"FontDigitsDataset", "HandwrittenDigitsDataset", "EmbeddedDigitsDataset", "SyntheticStreetDataset"}
    assert any(entry["spec"].get("vegetation_layout") == "hedge" for entry in record["datasets"].values())
    check_recorded_fingerprints()


def test_a_demo_config_names_the_embedded_data_sets_it_reads():
    specs = embedded_specs(load_config("configs/demo/source_only_synth2real.py", {}))
    assert {spec["type"] for spec in specs.values()} == {"FontDigitsDataset", "HandwrittenDigitsDataset"}
    assert all("pipeline" not in spec for spec in specs.values())
    assert set(specs) <= set(load_recorded()["datasets"])


def test_spec_name_is_canonical_and_leaves_out_the_pipeline():
    a = spec_name(dict(type="FontDigitsDataset", seed=1, num_samples=5, pipeline=[dict(type="PackInputs")]))
    b = spec_name(dict(num_samples=5, type="FontDigitsDataset", seed=1))
    assert a == b == "FontDigitsDataset(num_samples=5, seed=1)"


def test_an_altered_renderer_fails_the_check_naming_only_the_data_set_it_changed(tmp_path, monkeypatch):
    path = tmp_path / "record.json"
    record_fingerprints([dict(train=dict(dataset=TINY_FONTS), val=dict(dataset=TINY_STREETS))], path=path)
    check_recorded_fingerprints(path)  # unchanged code: the record holds

    put_text = cv2.putText

    def bolder(image, text, origin, font, scale, colour, thickness, *args):
        return put_text(image, text, origin, font, scale, colour, thickness + 1, *args)

    monkeypatch.setattr("dareg.datasets.digits.fonts.cv2.putText", bolder)
    fingerprints._fingerprint_by_name.cache_clear()
    fonts._font_digits.cache_clear()  # the rendered digits are cached per process
    with pytest.raises(DataFingerprintError) as error:
        check_recorded_fingerprints(path)
    fonts._font_digits.cache_clear()
    message = str(error.value)
    assert spec_name(TINY_FONTS) in message and "SyntheticStreetDataset" not in message
    assert "requirements/lock.txt" in message and "--update" in message
