"""Integrity records, verified loading, fallback resume, relative pointers, weights_only, file modes."""

from __future__ import annotations

import os
import shutil
import stat

import pytest
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint
from torch.torch_version import TorchVersion

from dareg.apis import train
from dareg.apis.train import resolve_resume
from dareg.utils import checkpoint_files
from dareg.utils.checkpoint import atomic_write
from dareg.utils.checkpoint_files import (
    CorruptCheckpointError,
    check_integrity,
    find_resumable_checkpoint,
    load_checkpoint_file,
)


def toy_cfg(toys, work_dir, max_iters: int = 6, **overrides) -> Config:
    cfg = Config(
        toys.toy_config(work_dir, train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=max_iters), **overrides)
    )
    cfg.default_hooks.checkpoint.interval = 2
    return cfg


@pytest.fixture
def trained(toys, tmp_path):
    """A work directory with iter_2, iter_4 and iter_6 (and their records)."""
    train(toy_cfg(toys, tmp_path / "work"))
    return tmp_path / "work"


def flip_byte_in_tensor_data(path) -> None:
    data = bytearray(path.read_bytes())
    weight = torch.load(path, weights_only=True)["state_dict"]["classifier.1.weight"]
    needle = weight.flatten()[:4].numpy().tobytes()  # raw float32 bytes of the first weights
    at = bytes(data).index(needle)
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_every_checkpoint_has_a_matching_sha256_record(trained):
    for step in (2, 4, 6):
        record = (trained / f"iter_{step}.pth.sha256").read_text().split()
        assert record[1] == f"iter_{step}.pth" and len(record[0]) == 64
        assert check_integrity(trained / f"iter_{step}.pth") is None


def test_a_flipped_bit_that_loads_silently_is_caught_by_the_record(trained):
    path = trained / "iter_6.pth"
    flip_byte_in_tensor_data(path)
    torch.load(path, weights_only=True)  # what mmengine did: loads without a word
    with pytest.raises(CorruptCheckpointError, match=r"iter_6\.pth is not intact: its sha256 .* does not match"):
        load_checkpoint_file(path)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]), "does not match"),
        (lambda path: path.write_bytes(b""), r"empty \(0 bytes\)"),
    ],
    ids=["truncated", "zero bytes"],
)
def test_broken_latest_checkpoint_is_named_and_resume_falls_back(toys, trained, damage, message, monkeypatch):
    logged = []
    monkeypatch.setattr(checkpoint_files, "print_log", lambda text, **kwargs: logged.append(text))
    damage(trained / "iter_6.pth")
    with pytest.raises(CorruptCheckpointError, match=rf"{trained}/iter_6\.pth is not intact: .*{message}"):
        _load_checkpoint(str(trained / "iter_6.pth"))  # mmengine's loading path (load_from, --resume PATH)
    cfg = toy_cfg(toys, trained, max_iters=8, resume=True)
    resolve_resume(cfg)
    assert cfg.load_from == str(trained / "iter_4.pth")
    assert logged[0].startswith(f"Skipping checkpoint {trained}/iter_6.pth: ")
    runner = train(toy_cfg(toys, trained, max_iters=8, resume=True))  # end to end: resumes at 4, ends at 8
    assert runner.iter == 8


def test_without_records_an_unreadable_checkpoint_is_skipped(trained):
    for step in (4, 6):
        os.remove(trained / f"iter_{step}.pth.sha256")  # as written by mmengine, or older dareg
    (trained / "iter_6.pth").write_bytes((trained / "iter_6.pth").read_bytes()[:1000])
    assert find_resumable_checkpoint(trained) == str(trained / "iter_4.pth")
    with pytest.raises(CorruptCheckpointError, match=r"iter_6\.pth cannot be read .*truncated or corrupted"):
        load_checkpoint_file(trained / "iter_6.pth")


def test_no_intact_checkpoint_fails_listing_each(trained):
    for step in (2, 4, 6):
        (trained / f"iter_{step}.pth").write_bytes(b"")
    with pytest.raises(CorruptCheckpointError, match=r"(?s)No intact checkpoint .*--work-dir.*iter_6.*iter_4.*iter_2"):
        find_resumable_checkpoint(trained)


def test_a_moved_work_dir_resumes_its_own_checkpoints(toys, trained, tmp_path):
    assert (trained / "last_checkpoint").read_text() == "iter_6.pth"
    moved = tmp_path / "moved"
    shutil.move(trained, moved)
    runner = train(toy_cfg(toys, moved, max_iters=8, resume=True))
    assert runner.iter == 8
    assert (moved / "last_checkpoint").read_text() == "iter_8.pth"


def test_every_local_load_passes_weights_only_explicitly(trained, monkeypatch):
    """torch 2.4 (our floor) still defaults to weights_only=False: mmengine's loader relied on the default."""
    seen = []
    real = torch.load

    def recording(*args, **kwargs):
        seen.append(kwargs.get("weights_only"))
        return real(*args, **kwargs)

    monkeypatch.setattr(torch, "load", recording)
    _load_checkpoint(str(trained / "iter_2.pth"))
    assert seen == [True]


def test_checkpoints_get_the_mode_of_other_files_of_the_work_dir(trained, tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    expected = stat.S_IMODE(plain.stat().st_mode)
    for name in ("iter_6.pth", "iter_6.pth.sha256", "last_checkpoint"):
        assert stat.S_IMODE((trained / name).stat().st_mode) == expected, name
    atomic_write(b"x", tmp_path / "atomic.bin")
    assert stat.S_IMODE((tmp_path / "atomic.bin").stat().st_mode) == expected


def test_an_unusable_work_dir_names_the_option(toys, tmp_path):
    from dareg.utils.config import ConfigError

    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(ConfigError, match=r"Cannot use the work directory .*file/work \(set with --work-dir"):
        train(toy_cfg(toys, tmp_path / "file" / "work"))


@pytest.mark.skipif(TorchVersion(torch.__version__) < (2, 6), reason="torch < 2.6 allows no global under another name")
def test_checkpoints_written_before_the_move_to_utils_still_load(tmp_path, monkeypatch):
    """Older checkpoints name the history buffers' rebuild function by its old module, dareg.engine.checkpoint."""
    import sys
    import types
    import zipfile

    from mmengine.logging import HistoryBuffer

    from dareg.utils import checkpoint

    old_module = types.ModuleType("dareg.engine.checkpoint")
    old_module.rebuild_history_buffer = checkpoint.rebuild_history_buffer
    monkeypatch.setitem(sys.modules, "dareg.engine.checkpoint", old_module)
    monkeypatch.setattr(checkpoint.rebuild_history_buffer, "__module__", "dareg.engine.checkpoint")
    buffer = HistoryBuffer()
    for value in (1.0, 2.0, 6.0):
        buffer.update(value)
    torch.save({"message_hub": {"loss": buffer}}, tmp_path / "old.pth")
    monkeypatch.undo()
    with zipfile.ZipFile(tmp_path / "old.pth") as archive:
        pickled = archive.read(next(name for name in archive.namelist() if name.endswith("data.pkl")))
    assert b"dareg.engine.checkpoint" in pickled and b"dareg.utils.checkpoint" not in pickled
    restored = load_checkpoint_file(tmp_path / "old.pth")["message_hub"]["loss"]
    assert restored.mean() == 3.0 and restored.current() == 6.0


def test_dareg_and_its_tools_read_checkpoints_only_through_load_checkpoint_file():
    """No torch.load (or torch.serialization.load) in the package or the tools but the one reader's."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]

    def is_torch_load(node: ast.AST) -> bool:
        if isinstance(node, ast.ImportFrom):
            return node.module in ("torch", "torch.serialization") and any(a.name == "load" for a in node.names)
        if not (isinstance(node, ast.Attribute) and node.attr == "load"):
            return False
        owner = node.value
        return (isinstance(owner, ast.Name) and owner.id == "torch") or (
            isinstance(owner, ast.Attribute) and owner.attr == "serialization"
        )

    found = []
    for folder in ("dareg", "tools"):
        for path in sorted((root / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if is_torch_load(node):
                    found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert [place.split(":")[0] for place in found] == ["dareg/utils/checkpoint_files.py"], found
