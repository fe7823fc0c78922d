"""The plain loops of MinEnt and AdvEnt (dareg's ``tools/benchmark.py --baseline``).

dareg finds them through this package's ``dareg.baselines`` entry point, and each does what its
algorithm's ``train_step`` does: a model built from the plugin's demo config (with a tiny backbone)
and its deep copy take two steps on the same batches, one through ``train_step`` with the config's
optimizer wrappers, the other through the plain loop with plain ``torch.optim`` optimizers, and end
with the same weights (``dareg.testing.check_baseline``).
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest
from advent_helpers import CONFIG_DIR, two_domain_batch
from dareg.benchmark.baselines import BASELINES, find_baseline
from dareg.benchmark.baselines import base as baselines_base
from dareg.testing import check_baseline
from dareg.utils.config import load_config


def test_dareg_finds_the_baselines_through_the_entry_point():
    code = (
        "from dareg.benchmark.baselines import BASELINES, find_baseline\n"
        "assert 'MinEnt' not in BASELINES and 'AdvEnt' not in BASELINES\n"
        "print(find_baseline('MinEnt').__module__, find_baseline('AdvEnt').__module__)\n"
    )
    # a fresh interpreter: nothing has imported dareg_advent.baselines yet
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["dareg_advent.baselines", "dareg_advent.baselines"]


def test_with_the_plugin_disabled_its_baselines_are_not_loaded(monkeypatch):
    monkeypatch.delitem(BASELINES, "MinEnt", raising=False)
    monkeypatch.setattr(baselines_base, "_entry_points_loaded", False)
    monkeypatch.setattr(importlib.metadata, "entry_points", fail_if_loaded(importlib.metadata.entry_points))
    monkeypatch.setenv("DAREG_DISABLE_PLUGINS", "advent")
    with pytest.raises(KeyError, match="No plain-PyTorch baseline for MinEnt.*dareg.baselines"):
        find_baseline("MinEnt")


def fail_if_loaded(entry_points, disabled: str = "advent"):
    """``importlib.metadata.entry_points`` whose ``dareg.baselines`` entry named ``disabled`` fails when loaded.

    Other installed plugins' baselines (dareg-selftrain's) load as usual.
    """

    class Unloadable:
        def __init__(self, entry_point):
            self.name, self.value, self.dist = entry_point.name, entry_point.value, entry_point.dist

        def load(self):
            raise AssertionError(f"the disabled plugin's entry point {self.value} was loaded")

    def patched(**kwargs):
        found = entry_points(**kwargs)
        if kwargs.get("group") != "dareg.baselines":
            return found
        return [Unloadable(ep) if ep.name == disabled else ep for ep in found]

    return patched


@pytest.mark.parametrize("config, algorithm", [("minent_synthetic.py", "MinEnt"), ("advent_synthetic.py", "AdvEnt")])
def test_plain_loop_matches_train_step(config, algorithm):
    cfg = load_config(str(CONFIG_DIR / config))
    cfg.model.segmentor.backbone = dict(type="TimmBackbone", model_name="test_resnet", output_stride=8)
    batches = [two_domain_batch(size=32, num_classes=8, batch_size=2, seed=seed) for seed in range(2)]
    model = check_baseline(cfg, batches)
    assert type(model).__name__ == algorithm
