"""A clean log: no warning that a user can do nothing about.

Every run printed three of mmengine's: ``The prefix is not set in metric class IoUMetric`` (dareg's
metric had no default prefix), ``"FileClient" will be deprecated`` and ``"HardDiskBackend" is the
alias of "LocalBackend"`` (mmengine's checkpoint code builds a ``FileClient`` it does not use).
"""

from __future__ import annotations

import logging
from pathlib import Path

from fixtures.tools import load_tool
from mmengine.logging import MMLogger

from dareg.engine.hooks.checkpoint_hook import MMENGINE_FILE_CLIENT_WARNINGS, _messages_filtered

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "demo" / "adaptseg_synthetic.py"
NOISE = ("The prefix is not set in metric class", '"FileClient" will be deprecated', '"HardDiskBackend" is the alias')


def test_a_short_segmentation_run_logs_none_of_the_three_warnings(tmp_path, capsys):
    options = ["train_cfg.max_iters=2", "train_cfg.val_interval=2", "default_hooks.checkpoint.interval=1"]
    load_tool("train.py").main([str(CONFIG), "--work-dir", str(tmp_path), "--cfg-options", *options])
    (log_file,) = tmp_path.glob("*/*.log")
    log = log_file.read_text() + capsys.readouterr().out
    assert "mIoU" in log and (tmp_path / "iter_2.pth").exists()  # it validated and saved twice
    for message in NOISE:
        assert message not in log


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_only_mmengines_file_client_messages_are_dropped_and_only_inside_the_block():
    logger = MMLogger.get_instance("dareg_test_clean_log")
    collected = Collect()
    logger.addHandler(collected)
    with _messages_filtered(logger, MMENGINE_FILE_CLIENT_WARNINGS):
        logger.warning('"FileClient" will be deprecated in future. Please use io functions in ...')
        logger.warning('"HardDiskBackend" is the alias of "LocalBackend" and the former will be deprecated in future.')
        logger.warning("Any other warning")
    logger.warning('"FileClient" will be deprecated in future (outside the block)')
    logger.removeHandler(collected)
    assert collected.messages == ["Any other warning", '"FileClient" will be deprecated in future (outside the block)']
