"""The plain loops of DACS, DAFormer and MIC (dareg's ``tools/benchmark.py --baseline``).

dareg finds them through this package's ``dareg.baselines`` entry point, and each does what its
algorithm's ``train_step`` does: a model built from the plugin's demo config (shrunk) and its deep
copy take three steps on the same batches, one through ``train_step`` with the config's optimizer
wrappers, the other through the plain loop with plain ``torch.optim`` optimizers, with the random
number generator reseeded identically before each step, and end with the same weights, student and
teacher (``dareg.testing.check_baseline``). Three steps cover the teacher's copy at iteration 0 and
two EMA updates; the threshold is lowered so that the pseudo-label weight ``q`` is strictly between 0
and 1, and the source labels are blocks, so that the feature distance has thing cells to pool.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import torch
from dareg import testing
from dareg.models.utils import PseudoLabeller
from dareg.testing import check_baseline
from dareg.utils.config import load_config
from selftrain_helpers import CONFIG_DIR, PLUGIN_ROOT

import dareg_selftrain.baselines  # noqa: F401  (registers the loops in this process, installed or not)

#: The AdaptSegNet demo's segmentor with timm's 0.4M-parameter test ResNet (DACS and the combined config).
TEST_RESNET = dict(type="TimmBackbone", model_name="test_resnet", output_stride=8)
#: Every teacher pixel of a tiny random network is below 0.968; at 0.15 some are above.
LOW_THRESHOLD = {"model.pseudo_labeller.threshold": 0.15}

#: config -> (algorithm, image side, backbone replacing the config's or None, overrides)
CASES = {
    "dacs_synthetic_hedge.py": ("DACS", 32, TEST_RESNET, LOW_THRESHOLD),
    # with the adversary: AdaptSegNet's generator and discriminator losses, the discriminators' optimizer
    "combined_synthetic_hedge.py": ("DACS", 32, TEST_RESNET, LOW_THRESHOLD),
    # MiT-B0 and the DAFormer head; feature distance, batch-wide ClassMix, EMA before the step, ignored rows
    "daformer_synthetic_hedge.py": (
        "DAFormer",
        64,
        None,
        {**LOW_THRESHOLD, "model.pseudo_labeller.ignore_top": 2, "model.pseudo_labeller.ignore_bottom": 5},
    ),
    "mic_synthetic_hedge.py": ("MIC", 64, None, {**LOW_THRESHOLD, "model.pseudo_labeller.ignore_bottom": 5}),
}


def block_labelled_batch(size: int, seed: int) -> dict:
    """A two-domain batch whose source labels are 32-pixel blocks, the thing classes 6 and 7 among them, with noise."""
    batch = testing.two_domain_batch(2, seed=seed, channels=3, size=size, num_classes=8, task="segmentation")
    generator = torch.Generator().manual_seed(seed)
    cells = size // 32 if size >= 32 else 1
    blocks = torch.randint(0, 8, (2, cells, cells), generator=generator)
    blocks[0, 0, 0], blocks[1, -1, -1] = 6, 7
    side = size // cells
    labels = blocks.repeat_interleave(side, dim=1).repeat_interleave(side, dim=2)
    noisy = torch.rand(labels.shape, generator=generator) < 0.1
    labels[noisy] = batch["source"]["data_samples"]["gt_seg"][noisy]
    labels[:, :2] = 255  # an unlabelled strip: ClassMix may paste the ignore label
    batch["source"]["data_samples"]["gt_seg"] = labels
    return batch


@pytest.fixture
def qualities(monkeypatch) -> list[float]:
    """The pseudo-label weights ``q`` of the framework's steps."""
    seen: list[float] = []
    forward = PseudoLabeller.forward

    def recording(self, logits):
        pseudo = forward(self, logits)
        seen.append(float(pseudo.quality))
        return pseudo

    monkeypatch.setattr(PseudoLabeller, "forward", recording)
    return seen


@pytest.mark.parametrize("config", list(CASES))
def test_plain_loop_matches_train_step(config, qualities):
    algorithm, size, backbone, overrides = CASES[config]
    cfg = load_config(str(CONFIG_DIR / config))
    if backbone is not None:
        cfg.model.task_model.backbone = backbone
    cfg.merge_from_dict(overrides)
    batches = [block_labelled_batch(size, seed) for seed in range(3)]
    model = check_baseline(cfg, batches)
    assert type(model).__name__ == algorithm
    assert any(0.0 < q < 1.0 for q in qualities), f"q was always 0 or 1: {qualities}; the threshold test is vacuous"
    student, teacher = dict(model.task_model.named_parameters()), dict(model.teacher.network.named_parameters())
    assert any(not torch.equal(student[name], teacher[name]) for name in student), "the teacher is a plain copy"
    if model.feature_distance is not None:
        assert bool(model.feature_distance.synced)


def declared_entry_points() -> dict[str, dict[str, str]]:
    """The entry points of this checkout's ``pyproject.toml``: group -> {name: value}."""
    groups: dict[str, dict[str, str]] = {}
    current = None
    for line in (PLUGIN_ROOT / "pyproject.toml").read_text().splitlines():
        header = re.fullmatch(r'\[project\.entry-points\."([^"]+)"\]', line.strip())
        if header or line.startswith("["):
            current = groups.setdefault(header.group(1), {}) if header else None
        elif current is not None and "=" in line:
            name, value = (part.strip().strip('"') for part in line.split("=", 1))
            current[name] = value
    return groups


def test_the_entry_point_names_the_baselines_module():
    assert declared_entry_points()["dareg.baselines"] == {"selftrain": "dareg_selftrain.baselines"}


def test_dareg_finds_the_baselines_through_the_entry_point(tmp_path):
    # a fresh interpreter in which this checkout's entry points are the installed ones: a dist-info written
    # from its pyproject.toml, first on the path (importlib.metadata takes the first of a name)
    info = tmp_path / "dareg_selftrain-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dareg-selftrain\nVersion: 0.1.0\n")
    groups = "".join(
        f"[{group}]\n" + "".join(f"{name} = {value}\n" for name, value in entries.items())
        for group, entries in declared_entry_points().items()
    )
    (info / "entry_points.txt").write_text(groups)
    code = (
        "from dareg.benchmark.baselines import BASELINES, find_baseline\n"
        "assert not {'DACS', 'DAFormer', 'MIC'} & set(BASELINES)\n"
        "print(*(find_baseline(name).__module__ for name in ('DACS', 'DAFormer', 'MIC')))\n"
    )
    env = {key: value for key, value in os.environ.items() if key not in ("DAREG_NO_PLUGINS", "DAREG_DISABLE_PLUGINS")}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(PLUGIN_ROOT), env.get("PYTHONPATH", "")])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=240)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["dareg_selftrain.baselines"] * 3
