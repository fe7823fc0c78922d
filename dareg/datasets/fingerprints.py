"""Content fingerprints of the data sets dareg draws itself, so that a drawing change cannot go unseen.

The embedded pairs (font-rendered and handwritten digits, the photo-blended digits, the street scenes
with and without hedges) are drawn with OpenCV, numpy and scikit-learn at run time. A release of one
of them can change the pixels and, with them, every published number on that pair (``opencv-python``
5.0 -> 5.1 moved the font pair by about 3 points). A fingerprint is the sha256 of every sample's
pixels and labels, before any pipeline transform.

``embedded_fingerprints.json`` beside this module records the fingerprint of every embedded data set
that a demo config reads, with the package versions it was recorded with; the test suite recomputes
them (:func:`check_recorded_fingerprints`), and every run record of a results study stores the
fingerprints of the data sets its run read (:func:`config_fingerprints`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

#: The recorded fingerprints, shipped with the package.
RECORD_PATH = Path(__file__).with_name("embedded_fingerprints.json")
#: The keys of a raw sample that hold its content (everything else is bookkeeping).
_CONTENT_KEYS = ("img", "gt_seg", "gt_label")


class DataFingerprintError(RuntimeError):
    """An embedded data set no longer renders the pixels its record was made with."""


def _dataset_class(spec: Mapping[str, Any]) -> type | None:
    from dareg.registry import DATASETS

    kind = spec.get("type")
    if isinstance(kind, str):
        kind = DATASETS.get(kind)
    return kind if isinstance(kind, type) else None


def is_embedded(spec: Mapping[str, Any]) -> bool:
    """Whether a data set config names a data set that dareg draws itself (``embedded_data``)."""
    kind = _dataset_class(spec)
    return bool(getattr(kind, "embedded_data", False))


def spec_name(spec: Mapping[str, Any]) -> str:
    """A canonical one-line name of a data set config: its type and arguments, pipeline left out."""
    kind = spec["type"] if isinstance(spec["type"], str) else spec["type"].__name__
    args = ", ".join(
        f"{key}={_plain(value)!r}" for key, value in sorted(spec.items()) if key not in ("type", "pipeline")
    )
    return f"{kind}({args})"


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def embedded_specs(config: Any) -> dict[str, dict[str, Any]]:
    """Every embedded data set config inside ``config`` (a dict or mmengine ``Config``), by name."""
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            if "type" in node and is_embedded(node):
                spec = {key: value for key, value in node.items() if key != "pipeline"}
                found[spec_name(spec)] = spec
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(config.to_dict() if hasattr(config, "to_dict") else config)
    return found


def dataset_fingerprint(dataset: Any) -> str:
    """sha256 of the pixels and labels of every raw sample of ``dataset`` (before its pipeline)."""
    digest = hashlib.sha256()
    for sample in dataset.load_data_list():
        for key in _CONTENT_KEYS:
            if key not in sample:
                continue
            value = sample[key]
            if isinstance(value, np.ndarray):
                digest.update(f"{key}:{value.dtype.str}:{value.shape}".encode())
                digest.update(np.ascontiguousarray(value).tobytes())
            else:
                digest.update(f"{key}={value!r}".encode())
    return digest.hexdigest()


@cache
def _fingerprint_by_name(name: str, spec_json: str) -> str:
    from dareg.registry import DATASETS

    spec = json.loads(spec_json)
    return dataset_fingerprint(DATASETS.build(dict(spec, pipeline=[], lazy_init=True)))


def fingerprint(spec: Mapping[str, Any]) -> str:
    """Fingerprint of the embedded data set a config describes (computed once per process)."""
    plain = {key: _plain(value) for key, value in spec.items() if key != "pipeline"}
    return _fingerprint_by_name(spec_name(spec), json.dumps(plain, sort_keys=True))


def config_fingerprints(config: Any) -> dict[str, str]:
    """Fingerprint of every embedded data set a config reads, by :func:`spec_name`."""
    return {name: fingerprint(spec) for name, spec in embedded_specs(config).items()}


def load_recorded(path: str | Path = RECORD_PATH) -> dict[str, Any]:
    """The recorded fingerprints: ``{"recorded_with": versions, "datasets": {name: {spec, sha256}}}``."""
    return json.loads(Path(path).read_text())


def record_fingerprints(configs: Iterable[Any], path: str | Path = RECORD_PATH) -> dict[str, Any]:
    """Fingerprint the embedded data sets of ``configs`` and write them, with today's versions, to ``path``."""
    from dareg.utils.environment import package_versions

    specs: dict[str, dict[str, Any]] = {}
    for config in configs:
        specs.update(embedded_specs(config))
    record = {
        "recorded_with": package_versions(),
        "datasets": {
            name: {"spec": {k: _plain(v) for k, v in spec.items()}, "sha256": fingerprint(spec)}
            for name, spec in sorted(specs.items())
        },
    }
    Path(path).write_text(json.dumps(record, indent=1) + "\n")
    return record


def check_recorded_fingerprints(path: str | Path = RECORD_PATH, names: Iterable[str] | None = None) -> None:
    """Recompute the recorded fingerprints and fail, naming what moved, when any differs.

    Args:
        path: The record. Defaults to the one shipped with dareg.
        names: Check only these data sets (:func:`spec_name`). Defaults to every recorded one.

    Raises:
        DataFingerprintError: One or more data sets draw different pixels than when recorded; the
            message names them, the package versions then and now, and what to do.
    """
    from dareg.utils.environment import environment_differences, package_versions

    record = load_recorded(path)
    wanted = set(names) if names is not None else None
    moved = [
        name
        for name, entry in record["datasets"].items()
        if (wanted is None or name in wanted) and fingerprint(entry["spec"]) != entry["sha256"]
    ]
    if not moved:
        return
    changed = environment_differences({"packages": record["recorded_with"]}, {"packages": package_versions()})
    raise DataFingerprintError(
        f"{len(moved)} embedded data set(s) draw different pixels than recorded in {path}:\n  "
        + "\n  ".join(moved)
        + "\nPackages that differ from the record: "
        + (", ".join(changed) if changed else "none (a change in dareg's drawing code?)")
        + "\nEvery published number on these pairs was made with the recorded data. Install the locked "
        "environment (`pip install -r requirements/lock.txt`) to reproduce them. If the change is "
        "intended (a new lock or a new renderer), rerun the embedded benchmarks and then refresh the "
        "record: `python tools/analysis/data_fingerprints.py --update`."
    )
