"""dareg.apis.train: how a distributed process ends."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch.distributed as dist

from dareg.apis.train import shutdown_distributed


@pytest.mark.skipif(not dist.is_available(), reason="torch built without torch.distributed")
def test_shutdown_distributed_destroys_the_group_and_says_so(tmp_path):
    assert shutdown_distributed() is False  # nothing to shut down
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'init'}", rank=0, world_size=1)
    try:
        assert shutdown_distributed() is True
        assert not dist.is_initialized()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def test_exit_after_collectives_flushes_and_skips_interpreter_finalisation(tmp_path):
    # finalisation is where gloo's worker threads, still releasing tensors, abort the process
    log = tmp_path / "run.log"
    code = f"""
import atexit, logging, sys
from dareg.utils.process import exit_after_collectives
atexit.register(lambda: print("finalised"))
handler = logging.FileHandler({str(log)!r})
logging.getLogger("run").addHandler(handler)
logging.getLogger("run").warning("last log line")
sys.stdout.write("buffered output without newline")
exit_after_collectives(3)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 3
    assert result.stdout == "buffered output without newline"  # flushed, and no atexit handler ran
    assert log.read_text() == "last log line\n"
