"""Resume wherever the checkpoint is loaded: what dareg stores loads under any ``map_location``.

mmengine's ``Runner.resume`` loads with ``map_location=get_device()``, ``"cuda"`` on a GPU machine.
There, log histories rebuilt with ``.numpy()`` and random states handed to ``torch.set_rng_state`` as
CUDA tensors failed with a ``TypeError``. ``"meta"`` is a device a CPU machine has: it moves every
tensor off the host as CUDA does (and drops its values), so what survives a meta load survives any.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer, MessageHub

from dareg.apis import train
from dareg.engine.hooks.random_state_hook import RandomStateHook, capture_random_state, restore_random_state
from dareg.utils.checkpoint_files import load_checkpoint_file


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A toy run of 6 iterations: its checkpoint and the weights after it."""
    import toys

    toys.register_toys()
    work_dir = tmp_path_factory.mktemp("map_location")
    cfg = toys.toy_config(work_dir, train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=6))
    train(Config(cfg))
    toys.unregister_toys()
    return work_dir / "iter_6.pth"


def draws() -> list[float]:
    return [random.random(), float(np.random.rand()), float(torch.rand(1))]


def test_message_hub_loads_under_meta_with_its_values(trained):
    on_cpu = load_checkpoint_file(trained, map_location="cpu")
    on_meta = load_checkpoint_file(trained, map_location="meta")  # TypeError (.numpy() of a meta tensor) before
    assert on_meta["state_dict"]["classifier.1.weight"].is_meta  # the weights did move
    cpu_scalars, meta_scalars = on_cpu["message_hub"]["log_scalars"], on_meta["message_hub"]["log_scalars"]
    assert "train/loss_cls" in cpu_scalars and cpu_scalars.keys() == meta_scalars.keys()
    for key, buffer in cpu_scalars.items():
        assert isinstance(meta_scalars[key], HistoryBuffer)
        np.testing.assert_array_equal(meta_scalars[key].data[0], buffer.data[0], err_msg=key)
        np.testing.assert_array_equal(meta_scalars[key].data[1], buffer.data[1], err_msg=key)
        assert meta_scalars[key].max_length == buffer.max_length
    hub = MessageHub.get_instance("dareg_test_meta_hub")
    hub.load_state_dict(on_meta["message_hub"])
    assert hub.get_scalar("train/loss_cls").current() == cpu_scalars["train/loss_cls"].current()


def test_random_state_loaded_under_meta_restores_the_same_streams(trained):
    streams = []
    for location in ("cpu", "meta"):
        checkpoint = load_checkpoint_file(trained, map_location=location)
        hook = RandomStateHook()
        hook.after_load_checkpoint(None, checkpoint)
        torch.manual_seed(123)  # what mmengine's re-seeding of a resumed run does
        hook.before_train_iter(None, batch_idx=6)
        streams.append(draws())
    assert streams[0] == streams[1]


def test_history_buffers_of_older_checkpoints_load_on_any_device():
    """Checkpoints of dareg before lists stored tensors: they load on another device (meta: NaN)."""
    from dareg.utils.checkpoint import rebuild_history_buffer

    values = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    buffer = rebuild_history_buffer(values, torch.ones(3, dtype=torch.float64), 10)
    np.testing.assert_array_equal(buffer.data[0], [1.0, 2.0, 3.0])
    meta = rebuild_history_buffer(values.to("meta"), torch.ones(3, dtype=torch.float64).to("meta"), 10)
    assert meta.data[0].shape == (3,) and np.isnan(meta.data[0]).all()


def test_random_state_of_older_checkpoints_restores_from_tensors():
    """The pre-list format (numpy keys and the torch state as tensors) restores; on meta it names the fix."""
    torch.manual_seed(5)
    random.seed(5)
    np.random.seed(5)
    state = capture_random_state()
    expected = draws()
    np_name, np_keys, np_pos, np_has_gauss, np_gauss = state["numpy"]
    old = dict(state, torch=torch.tensor(state["torch"], dtype=torch.uint8))
    old["numpy"] = (np_name, torch.tensor(np_keys, dtype=torch.int64), np_pos, np_has_gauss, np_gauss)
    hook = RandomStateHook()
    hook.after_load_checkpoint(None, {"random_state": old, "meta": {"iter": 3}})
    hook.before_train_iter(None, batch_idx=3)
    assert draws() == expected
    old_on_meta = dict(old, torch=old["torch"].to("meta"))
    with pytest.raises(ValueError, match="map_location='meta'.*map_location='cpu'"):
        hook.after_load_checkpoint(None, {"random_state": old_on_meta, "meta": {"iter": 3}})
    restore_random_state(state)  # and the in-memory format round-trips
    assert draws() == expected


def test_resume_through_the_runner_with_a_non_cpu_map_location(tmp_path, toys, monkeypatch):
    """``--resume`` end to end, with ``Runner.resume`` loading to "meta" (to ``get_device()``, "cuda", on a GPU).

    Weights and optimizer states cannot be used from meta (they have no values); mmengine moves them
    to the model's device on a GPU. They are taken from a CPU load of the same file; everything else
    (message hub, random states, schedulers, loop position) comes through the meta load, and the
    resumed run must still end bit for bit where the uninterrupted one did.
    """
    from mmengine.runner import Runner

    previous = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        full = train(Config(toys.toy_config(tmp_path / "full"))).model.state_dict()
        load = torch.load
        locations = []

        def load_weights_on_cpu(path, map_location=None, **kwargs):
            locations.append(map_location)
            checkpoint = load(path, map_location=map_location, **kwargs)
            if map_location == "meta":
                on_cpu = load(path, map_location="cpu", **kwargs)
                checkpoint["state_dict"], checkpoint["optimizer"] = on_cpu["state_dict"], on_cpu["optimizer"]
            return checkpoint

        resume = Runner.resume
        monkeypatch.setattr(Runner, "resume", lambda self, filename, **_: resume(self, filename, map_location="meta"))
        monkeypatch.setattr(torch, "load", load_weights_on_cpu)
        cfg = toys.toy_config(tmp_path / "resumed", resume=True, load_from=str(tmp_path / "full" / "iter_6.pth"))
        resumed = train(Config(cfg))
    finally:
        torch.use_deterministic_algorithms(previous)
    assert "meta" in locations
    assert resumed.iter == 12
    for key, value in full.items():
        assert torch.equal(value, resumed.model.state_dict()[key]), key
