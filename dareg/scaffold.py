"""``dareg new-plugin NAME``: write a working plugin package that passes its own tests at once.

The skeleton holds a ``pyproject.toml`` declaring the ``dareg.plugins`` entry point, a loss, an
algorithm (a source-only classifier plus entropy minimisation on the target, with its
``train_spec``), a config on dareg's embedded digit pair (inheriting ``dareg::`` configs, so it
runs wherever dareg is installed) and tests built on :mod:`dareg.testing`. Registered names carry
the plugin's prefix (``FooEntropyLoss``), so two plugins do not clash.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

PYPROJECT = '''[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "__DIST__"
version = "0.1.0"
description = "A dareg plugin: __PREFIX__EntMin (source-only training + target entropy minimisation)"
readme = "README.md"
requires-python = ">=3.10"
dependencies = ["dareg>=0.1"]

[project.optional-dependencies]
test = ["pytest"]

# dareg imports the package when one of its registries is first used: installing is enough.
[project.entry-points."dareg.plugins"]
__EP__ = "__PKG__"

[tool.setuptools.packages.find]
include = ["__PKG__*"]

[tool.setuptools.package-data]
__PKG__ = ["configs/*.py"]

[tool.pytest.ini_options]
testpaths = ["tests"]
addopts = "-q"
'''

README = '''# __DIST__

A dareg plugin created by `dareg new-plugin __EP__`.

```bash
pip install -e .                                 # registers the plugin (entry point "__EP__")
dareg plugins                                    # __EP__ ... loaded
dareg info __PREFIX__EntMin                        # optimizers, train_step, logged terms
dareg train __PKG__/configs/__EP___digits.py     # trains on dareg's embedded digits
python -m pytest tests                           # the plugin's tests (dareg.testing)
```
'''

INIT = '''"""__DIST__: registers its components into dareg's registries when imported."""

from __PKG__.algorithm import __PREFIX__EntMin
from __PKG__.losses import __PREFIX__EntropyLoss

__all__ = ["__PREFIX__EntMin", "__PREFIX__EntropyLoss"]
'''

LOSSES = '''"""Losses of the plugin."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from dareg.registry import LOSSES


@LOSSES.register_module()
class __PREFIX__EntropyLoss(nn.Module):
    """Mean Shannon entropy of the softmax of class logits (dim 1), in nats.

    Examples:
        >>> loss = __PREFIX__EntropyLoss()
        >>> round(loss(torch.zeros(2, 4)).item(), 4)  # uniform over 4 classes: log 4
        1.3863
    """

    def forward(self, logits: torch.Tensor) -> torch.Tensor:
        log_p = F.log_softmax(logits, dim=1)
        return -(log_p.exp() * log_p).sum(dim=1).mean()
'''

ALGORITHM = '''"""The plugin's algorithm."""

from __future__ import annotations

import torch
from mmengine.optim import OptimWrapperDict

from dareg.algorithms import SourceOnly, TrainSpec
from dareg.registry import ALGORITHMS, LOSSES


@ALGORITHMS.register_module()
class __PREFIX__EntMin(SourceOnly):
    """Source-only training plus ``lambda_ent`` times the entropy of the target predictions.

    Args:
        task_model: Config of a classifier or segmentor, as for ``SourceOnly``.
        entropy_loss: Config of the entropy loss (``LOSSES``). Defaults to ``__PREFIX__EntropyLoss``.
        lambda_ent: Weight of the target entropy. Defaults to 0.1.
        **kwargs: ``SourceOnly`` arguments (``data_preprocessor``, ``init_cfg``).
    """

    train_spec = TrainSpec(
        steps=[("task_model", "source supervised loss + lambda_ent * entropy of the target predictions")],
        logged={"loss_cls": "source cross-entropy", "loss_ent": "weighted target entropy"},
    )

    def __init__(self, task_model: dict, entropy_loss: dict | None = None, lambda_ent: float = 0.1, **kwargs) -> None:
        super().__init__(task_model=task_model, **kwargs)
        self.entropy_loss = LOSSES.build(entropy_loss or dict(type="__PREFIX__EntropyLoss"))
        self.lambda_ent = float(lambda_ent)

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        batch = self.data_preprocessor(data, training=True)
        source, target = batch["source"], batch["target"]
        with self.autocast(optim_wrapper, "task_model"):
            losses = self.task_model.loss(self.task_model(source["inputs"]), source["data_samples"])
            losses["loss_ent"] = self.lambda_ent * self.entropy_loss(self.task_model(target["inputs"])[-1])
        self.update(optim_wrapper, "task_model", sum(losses.values()))
        return self.scalars(losses)
'''

CONFIG = '''# __PREFIX__EntMin on dareg's embedded digit pair: dareg's source-only demo with the plugin's algorithm.
# Runs wherever dareg is installed:  dareg train __PKG__/configs/__EP___digits.py
_base_ = ["dareg::demo/source_only_digits.py"]

model = dict(type="__PREFIX__EntMin", lambda_ent=0.1)
'''

TESTS = '''"""The plugin against dareg's contracts (dareg.testing), and its config trained for 2 iterations."""

from __future__ import annotations

from pathlib import Path

import torch

import __PKG__
from dareg.plugins import load_plugins, origin_of
from dareg.registry import ALGORITHMS
from dareg.testing import check_algorithm, check_loss, smoke_run, two_domain_batch

CONFIG = Path(__PKG__.__file__).parent / "configs" / "__EP___digits.py"
LENET = dict(
    type="ImageClassifier",
    backbone=dict(type="LeNetEncoder", in_channels=1, image_size=28),
    head=dict(type="LinearClsHead", in_channels=500, num_classes=10),
)


def test_registered_through_the_entry_point():
    assert "__EP__" in load_plugins()
    assert origin_of(ALGORITHMS.get("__PREFIX__EntMin")) == "plugin __DIST__"


def test_entropy_loss_contract():
    check_loss(dict(type="__PREFIX__EntropyLoss"), lambda: (torch.randn(4, 10),))


def test_algorithm_contract_and_train_spec():
    preprocessor = dict(type="DomainDataPreprocessor", mean=[127.5], std=[127.5])
    check_algorithm(dict(type="__PREFIX__EntMin", task_model=LENET, data_preprocessor=preprocessor), two_domain_batch())


def test_config_trains_two_iterations_and_resumes_exactly(tmp_path):
    result = smoke_run(CONFIG, tmp_path, iters=2)
    assert {"train/loss_cls", "train/loss_ent"} <= set(result["logged"])
'''


def plugin_names(name: str) -> dict[str, str]:
    """``{"__EP__", "__DIST__", "__PKG__", "__PREFIX__"}`` for a plugin called ``name``.

    ``foo``, ``dareg-foo`` and ``dareg_foo`` all give entry point ``foo``, distribution
    ``dareg-foo``, package ``dareg_foo`` and class prefix ``Foo``.

    Raises:
        ValueError: ``name`` is not letters, digits, ``-`` and ``_`` starting with a letter.
    """
    short = re.sub(r"^dareg[-_]", "", name.strip().lower()).replace("-", "_")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", short) or keyword.iskeyword(short):
        raise ValueError(
            f"plugin name {name!r}: use letters, digits, '-' or '_', starting with a letter (e.g. 'my-method')"
        )
    return {
        "__EP__": short,
        "__DIST__": "dareg-" + short.replace("_", "-"),
        "__PKG__": "dareg_" + short,
        "__PREFIX__": "".join(part.capitalize() for part in short.split("_")),
    }


def new_plugin(name: str, directory: str | Path = ".") -> Path:
    """Write the skeleton of plugin ``name`` into ``directory/dareg-<name>`` and return that folder.

    Raises:
        FileExistsError: The folder exists already (nothing is overwritten).
    """
    names = plugin_names(name)
    root = Path(directory) / names["__DIST__"]
    if root.exists():
        raise FileExistsError(f"{root} exists already: choose another name or --dir, or remove it first")
    package = root / names["__PKG__"]
    files = {
        root / "pyproject.toml": PYPROJECT,
        root / "README.md": README,
        package / "__init__.py": INIT,
        package / "losses.py": LOSSES,
        package / "algorithm.py": ALGORITHM,
        package / "configs" / f"{names['__EP__']}_digits.py": CONFIG,
        root / "tests" / f"test_{names['__EP__']}.py": TESTS,
    }
    for path, template in files.items():
        text = template
        for key, value in names.items():
            text = text.replace(key, value)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
