"""Loud configs: --cfg-options keys and types, custom_imports overrides, constructor arguments, scheduler spans."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fixtures.tools import load_tool
from mmengine.config import Config

from dareg.apis import build_runner
from dareg.utils.config import ConfigError, load_config
from dareg.utils.config_checks import accepted_arguments, explain_constructor_error, scheduler_span_warnings

CONFIG_ROOT = Path(__file__).resolve().parents[2] / "configs"


@pytest.fixture
def toy_file(toys, tmp_path):
    cfg = toys.toy_config(tmp_path / "work")
    path = tmp_path / "toy.py"
    path.write_text("".join(f"{key} = {value!r}\n" for key, value in cfg.items()))
    return str(path)


def test_a_misspelt_key_fails_with_the_closest_existing_ones(toy_file, tmp_path):
    with pytest.raises(ConfigError, match=r"randomnes\.seed=1 .*has no key 'randomnes'; did you mean 'randomness'\?"):
        load_config(toy_file, {"randomnes.seed": 1})
    with pytest.raises(SystemExit, match="did you mean 'randomness'"):  # the command line, before any work
        load_tool("train.py").main([toy_file, "--cfg-options", "randomnes.seed=1"])
    assert not (tmp_path / "work").exists()


def test_adding_a_key_is_an_explicit_opt_in(toy_file):
    assert load_config(toy_file, {"+my_note.seed": 1}).my_note.seed == 1


def test_constructor_arguments_left_at_their_default_are_accepted(toy_file):
    cfg = load_config(toy_file, {"default_hooks.checkpoint.max_keep_ckpts": 1, "train_cfg.val_interval": 3})
    assert (cfg.default_hooks.checkpoint.max_keep_ckpts, cfg.train_cfg.val_interval) == (1, 3)
    with pytest.raises(ConfigError, match=r"model has no key 'lamda'; did you mean 'lambda_adv'\?"):
        load_config(toy_file, {"model.lamda": 0.2})


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"train_cfg.max_iters": "ten"}, r"train_cfg\.max_iters='ten' .*expects int \(the config has 12\), got str"),
        ({"train_cfg.max_iters": 1.5}, r"expects int .*got float 1\.5"),
        ({"randomness.seed.x": 1}, r"`randomness\.seed` holds 7, not a dict"),
    ],
)
def test_wrong_value_types_name_the_key_and_the_expected_type(toy_file, option, message):
    with pytest.raises(ConfigError, match=message):
        load_config(toy_file, option)


def test_custom_imports_given_on_the_command_line_are_imported(toy_file, tmp_path, monkeypatch):
    (tmp_path / "dareg_cli_plugin.py").write_text("IMPORTED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    load_config(toy_file, {"custom_imports": dict(imports=["dareg_cli_plugin"], allow_failed_imports=False)})
    assert sys.modules["dareg_cli_plugin"].IMPORTED


def test_changing_max_iters_moves_the_scheduler_spans(toy_file):
    cfg = load_config(toy_file, {"train_cfg.max_iters": 24})
    assert cfg.param_scheduler.classifier.end == cfg.param_scheduler.discriminator.end == 24
    kept = load_config(toy_file, {"train_cfg.max_iters": 24, "param_scheduler.classifier.end": 12})
    # a param_scheduler key set on the command line: the spans are the user's, and the short one is flagged
    assert kept.param_scheduler.classifier.end == kept.param_scheduler.discriminator.end == 12
    assert scheduler_span_warnings(kept)[0] == (
        "param_scheduler.classifier (PolyLR) ends at iteration 12 but train_cfg.max_iters is 24: the last 12 "
        "iterations keep the final learning rate (0 for PolyLR with eta_min=0). Set its end to the loop length "
        "unless this is intended."
    )


def test_a_misspelt_constructor_argument_names_type_path_and_closest_names(toys, tmp_path):
    cfg = Config(toys.toy_config(tmp_path / "work"))
    cfg.train_dataloader.dataset.target.num_sample = 18
    with pytest.raises(ConfigError, match=r"ToyDigits at `train_dataloader\.dataset\.target` .*takes no argument "):
        build_runner(cfg)
    assert not (tmp_path / "work").exists()  # before the config dump and any work


def test_optimizer_constructor_keys_pass_with_an_explicit_wrapper_type(toys, tmp_path):
    # --amp names the wrapper type of every entry; paramwise_cfg and modules belong to the constructor
    from dareg.apis.train import enable_amp
    from dareg.utils.config_checks import check_constructor_arguments

    cfg = Config(toys.toy_config(tmp_path / "work"))
    cfg.optim_wrapper.classifier.paramwise_cfg = dict(custom_keys={"1": dict(lr_mult=0.1)})
    cfg.optim_wrapper.discriminator.modules = ["discriminator"]
    enable_amp(cfg)
    assert check_constructor_arguments(cfg) == []
    cfg.optim_wrapper.classifier.paramwise = {}
    (problem,) = check_constructor_arguments(cfg)  # a misspelt key is still caught
    assert problem.startswith("AmpOptimWrapper at `optim_wrapper.classifier` in the config takes no argument")
    assert "'paramwise'" in problem


def test_a_missing_constructor_argument_is_explained_from_the_build_error(toys):
    error = TypeError(
        "class `DomainPairDataset` in dareg.datasets.domain_pair: DomainPairDataset.__init__() missing 1 required "
        "positional argument: 'target'"
    )
    cfg = Config(toys.toy_config("unused"))
    message = explain_constructor_error(error, cfg, "toy.py")
    assert message.startswith(
        "DomainPairDataset at `train_dataloader.dataset` in toy.py is missing the required argument(s) 'target'"
    )
    assert "accepted: " in message and "source" in message


def test_accepted_arguments_follow_kwargs_forwarded_to_the_parent(toys):
    names = accepted_arguments(toys.ToyDigits)
    assert {"num_samples", "shift", "seed", "pipeline", "ann_file", "data_root"} <= names

    class Open:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

    assert accepted_arguments(Open) is None  # **kwargs kept: anything goes


def test_changing_max_iters_scales_the_constant_phase_of_cyclegan_schedules():
    # cyclegan_digits: 600 iterations, constant for 300, then linear decay (LinearDecayLR)
    cfg = load_config(str(CONFIG_ROOT / "demo" / "cyclegan_digits.py"), {"train_cfg.max_iters": 200})
    for name in ("generators", "discriminators"):
        scheduler = cfg.param_scheduler[name]
        assert (scheduler.constant_steps, scheduler.end) == (100, 200)
    kept = load_config(
        str(CONFIG_ROOT / "demo" / "cyclegan_digits.py"),
        {"train_cfg.max_iters": 200, "param_scheduler.generators.constant_steps": 50},
    )
    assert kept.param_scheduler.generators.constant_steps == 50 and kept.param_scheduler.discriminators.end == 600
