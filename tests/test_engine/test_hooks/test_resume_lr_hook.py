"""FiniteLossHook's advice, end to end: the named checkpoint exists, and --resume applies a lowered lr."""

from __future__ import annotations

import os

import pytest
import torch
from fixtures.tools import load_tool

from dareg.engine.hooks import NonFiniteLossError
from dareg.registry import ALGORITHMS, MODELS
from dareg.utils.checkpoint_files import load_checkpoint_file

LEARNING_RATES: list[float] = []


@pytest.fixture
def lr_sensitive(toys, tmp_path):
    """A toy whose loss becomes NaN from iteration 3 on while the classifier's lr exceeds 0.02."""

    class ToyLrSensitive(toys.ToyAdversarial):
        def train_step(self, data, optim_wrapper):
            lr = optim_wrapper["classifier"].get_lr()["lr"][0]
            LEARNING_RATES.append(lr)
            outputs = super().train_step(data, optim_wrapper)
            if self.current_iter + 1 >= 3 and lr > 0.02:
                outputs["loss_cls"] = torch.tensor(float("nan"))
            return outputs

    ALGORITHMS.register_module(module=ToyLrSensitive, force=True)
    cfg = toys.toy_config(
        tmp_path / "work",
        model=dict(type="ToyLrSensitive"),
        train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=6),
        custom_hooks=[dict(type="RandomStateHook"), dict(type="FiniteLossHook"), dict(type="ResumeLearningRateHook")],
    )
    for name in ("classifier", "discriminator"):
        cfg["param_scheduler"][name]["end"] = 6
    cfg["default_hooks"]["checkpoint"]["interval"] = 2
    path = tmp_path / "toy.py"
    path.write_text("".join(f"{key} = {value!r}\n" for key, value in cfg.items()))
    LEARNING_RATES.clear()
    yield str(path)
    ALGORITHMS._module_dict.pop("ToyLrSensitive", None)
    MODELS._module_dict.pop("ToyLrSensitive", None)


def test_lowering_the_lr_on_resume_as_advised_applies_it(lr_sensitive, tmp_path):
    train = load_tool("train.py").main
    with pytest.raises(NonFiniteLossError, match="Lower the learning rates") as info:
        train([lr_sensitive])
    named = str(info.value).split("The last good checkpoint is ")[1].split(";")[0]
    assert os.path.basename(named) == "iter_2.pth"
    weights = load_checkpoint_file(named)["state_dict"]
    assert all(torch.isfinite(value).all() for value in weights.values())

    LEARNING_RATES.clear()
    train([lr_sensitive, "--resume", "--cfg-options", "optim_wrapper.classifier.optimizer.lr=0.01"])
    # mmengine's PolyLR(power 0.9, begin 0, end 6) decays over end - begin - 1 = 5 steps: at step t the
    # rate is base * (1 - t/5)^0.9, here from the new base 0.01 (the old one, 0.05, would give NaN again)
    assert LEARNING_RATES[0] == pytest.approx(0.01 * (1 - 2 / 5) ** 0.9, rel=1e-6)
    assert LEARNING_RATES[1] == pytest.approx(0.01 * (1 - 3 / 5) ** 0.9, rel=1e-6)
    assert len(LEARNING_RATES) == 4
    assert load_checkpoint_file(tmp_path / "work" / "iter_6.pth")["meta"]["iter"] == 6
