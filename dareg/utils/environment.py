"""What a result depends on besides its config: package versions, thread count and the dareg commit.

A library release can move a number without a line of dareg changing (``opencv-python`` 5.0 -> 5.1
renders the font digits differently and moved the font-pair accuracies by about 3 points), so every
run record of a results study stores :func:`environment_record`, and a finished run is reused only
while the parts of it that can move a number (:func:`result_environment`) are unchanged.
"""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

#: The distributions whose release can move a measured number (rendering, numerics, models).
RESULT_PACKAGES: tuple[str, ...] = (
    "torch",
    "torchvision",
    "mmengine",
    "numpy",
    "opencv-python",
    "pillow",
    "scikit-learn",
    "timm",
    "segmentation-models-pytorch",
)

#: Entry-point group through which installed dareg plugins announce themselves.
PLUGIN_GROUP = "dareg.plugins"


def package_versions(packages: tuple[str, ...] = RESULT_PACKAGES) -> dict[str, str | None]:
    """Installed version of each distribution in ``packages`` and of every installed dareg plugin.

    A package that is not installed maps to None, so a record says that it was absent.
    """
    versions: dict[str, str | None] = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    for entry_point in metadata.entry_points(group=PLUGIN_GROUP):
        dist = entry_point.dist
        if dist is not None:
            versions[dist.name] = dist.version
    return versions


def dareg_commit(root: str | Path | None = None) -> str | None:
    """The git commit of the dareg checkout at ``root`` (+ ``-dirty`` with uncommitted changes), or None."""
    root = Path(root) if root is not None else Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{commit}-dirty" if dirty else commit


def environment_record(threads: int | None = None, root: str | Path | None = None) -> dict[str, Any]:
    """Versions, thread count and dareg commit of a run, as stored in its run record.

    Args:
        threads: Threads the run used. Defaults to torch's intra-op thread count in this process.
        root: dareg checkout whose commit is recorded. Defaults to the one this module lives in.
    """
    if threads is None:
        import torch

        threads = torch.get_num_threads()
    return {"packages": package_versions(), "threads": threads, "dareg_commit": dareg_commit(root)}


def environment_differences(recorded: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """What differs between two records in what can move a result (versions, threads, data).

    The commit is recorded for tracing but not compared: the config digest of a run already changes
    with its config, and a code change that moves a result must say so by rerunning its rows.

    Returns:
        One line per difference (``opencv-python 5.0.0.93 -> 5.1.0.95``), empty when they agree.
    """
    lines = []
    old_packages, new_packages = recorded.get("packages", {}), current.get("packages", {})
    for name in sorted(set(old_packages) | set(new_packages)):
        if old_packages.get(name) != new_packages.get(name):
            lines.append(f"{name} {old_packages.get(name)} -> {new_packages.get(name)}")
    if recorded.get("threads") != current.get("threads"):
        lines.append(f"threads {recorded.get('threads')} -> {current.get('threads')}")
    old_data, new_data = recorded.get("data", {}), current.get("data", {})
    for name in sorted(set(old_data) | set(new_data)):
        if old_data.get(name) != new_data.get(name):
            before, after = (str(d.get(name))[:12] for d in (old_data, new_data))
            lines.append(f"data {name}: fingerprint {before} -> {after}")
    return lines
