"""Every digit config (ADDA, PixelDA, source-only, demos) builds and trains two iterations, then validates.

File-based datasets read tiny files written in the real formats by ``tests/fixtures/digit_files.py``;
the demo configs use the embedded scikit-learn pair. Networks keep their configured architecture
(PixelDA's full generator included); only the data, batch size and iteration counts shrink.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from fixtures.digit_files import redirect_to_tiny_files, write_config_data_roots

from dareg.apis import apply_run_options, train
from dareg.utils.config import load_config

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
DIGIT_CONFIGS = [
    "adda/mnist2usps.py",
    "adda/usps2mnist.py",
    "adda/svhn2mnist.py",
    "pixelda/mnist2mnistm.py",
    "source_only/mnist2usps.py",
    "source_only/usps2mnist.py",
    "source_only/svhn2mnist.py",
    "source_only/mnist2mnistm.py",
    "demo/source_only_digits.py",
    "demo/source_only_digits_rgb32.py",
    "demo/adda_digits.py",
    "demo/pixelda_digits.py",
    "demo/oracle_digits.py",
    "demo/oracle_digits_rgb32.py",
    "demo/source_only_synth2real.py",
    "demo/oracle_synth2real.py",
    "demo/adda_synth2real.py",
]


@pytest.fixture(scope="module")
def digit_roots(tmp_path_factory) -> dict:
    return write_config_data_roots(tmp_path_factory.mktemp("digit_files"))


@pytest.mark.parametrize("name", DIGIT_CONFIGS)
def test_config_trains_two_iterations_and_validates(name, tmp_path, digit_roots):
    cfg = load_config(str(CONFIGS / name))
    apply_run_options(cfg, name, work_dir=str(tmp_path))
    redirect_to_tiny_files(cfg._cfg_dict, digit_roots)
    cfg.train_dataloader.update(batch_size=2, num_workers=0)
    cfg.val_dataloader = dict(cfg.val_dataloader, batch_size=4, num_workers=0)
    cfg.val_dataloader.dataset["indices"] = 4  # validate on the first 4 target test images
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    cfg.default_hooks.checkpoint.update(interval=2)
    cfg.default_hooks.logger.update(interval=1)
    cfg.param_scheduler = None if cfg.get("param_scheduler") is None else cfg.param_scheduler
    if cfg.model.type == "ADDA":
        cfg.model.pretrain_iters = 1  # one step of each phase
    cfg.log_level = "WARNING"
    runner = train(cfg)
    assert runner.iter == 2
    metrics = runner.message_hub.get_scalar("val/accuracy")
    assert 0.0 <= metrics.current() <= 100.0
    model = runner.model
    if cfg.model.type == "ADDA":
        assert bool(model.target_encoder_initialised)
    assert all(torch.isfinite(p).all() for p in model.parameters())
