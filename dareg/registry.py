"""Every dareg registry, in one place.

mmengine looks up ``<scope>.registry`` when a config sets ``default_scope="dareg"``, so this module
must live exactly here.

Two families of registries live in this file:

* **Model kinds** (``BACKBONES``, ``HEADS``, ``SEGMENTORS``, ``CLASSIFIERS``, ``GENERATORS``,
  ``DISCRIMINATORS``, ``LOSSES``, ``ALGORITHMS``). Each lists only its own kind, so
  ``dareg list backbones`` shows backbones and nothing else. They have scope ``"dareg"`` and no
  parent, and every registration is mirrored into dareg's ``MODELS`` (a child of mmengine's root
  ``MODELS``), which is where mmengine's ``Runner`` finds algorithms. Per-kind registries that were
  children of ``MODELS`` with scopes of their own would build alone but fail under the Runner's
  default scope, because a scoped lookup never searches children; mmseg 0.x aliased its typed
  names to one ``MODELS`` and lost the per-kind listing. Mirroring keeps both.
* **Everything else** (``DATASETS``, ``TRANSFORMS``, ``METRICS``, ``HOOKS`` ...): ordinary children of
  mmengine's roots with scope ``"dareg"``, as in every OpenMMLab toolbox. Kinds that mmengine has no
  root for (``VALIDATORS``, ``BATCH_AUGMENTS``) are registries of their own with scope ``"dareg"``.

All registries import their defining modules lazily (``locations``), load installed plugins
(entry-point group ``dareg.plugins``) on first use, and fail on an unknown name with the registry's
name, the closest registered names and the plugin mechanism.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

SCOPE = "dareg"

PLUGIN_HINT = (
    "If it comes from a plugin, import it in the config with "
    "`custom_imports = dict(imports=['your_plugin'], allow_failed_imports=False)`, or install the "
    "plugin package (it declares an entry point in the group 'dareg.plugins'). "
    "`dareg list` shows every registered name."
)


class UnknownTypeError(KeyError):
    """A config names a ``type`` that no registry knows.

    A ``KeyError`` (as mmengine raises for unknown names) whose message is printed as written.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class NameClashError(KeyError):
    """Two components (of dareg or of plugins) register the same name in one registry.

    The message names both registrants by file and distribution.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def close_matches(name: str, candidates: Iterable[str], n: int = 5) -> list[str]:
    """Return the registered names closest to ``name``, case-insensitive matches first."""
    candidates = sorted(set(candidates))
    exact = [c for c in candidates if c.lower() == name.lower() and c != name]
    fuzzy = difflib.get_close_matches(name, candidates, n=n, cutoff=0.6)
    lowered = {c.lower(): c for c in candidates}
    fuzzy += [lowered[c] for c in difflib.get_close_matches(name.lower(), lowered, n=n, cutoff=0.6)]
    return list(dict.fromkeys(exact + fuzzy))[:n]


class DaregRegistry(Registry):
    """An mmengine ``Registry`` that loads dareg's plugins on first use and explains unknown names.

    Args:
        name: Registry name, used in messages.
        kind: Human name of what it holds (``"backbone"``); defaults to ``name``.
        **kwargs: Forwarded to :class:`mmengine.registry.Registry` (``parent``, ``scope``,
            ``locations``, ``build_func``).
    """

    def __init__(self, name: str, kind: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("scope", SCOPE)
        super().__init__(name, **kwargs)
        self.kind = kind or name

    def import_from_location(self) -> None:
        if not self._imported:
            super().import_from_location()
        from dareg.plugins import load_plugins

        load_plugins()  # cached after the first call; plugins installed later load on next use

    def _register_module(self, module: Any, module_name: Any = None, force: bool = False) -> None:
        names = module_name or module.__name__
        for name in [names] if isinstance(names, str) else names:
            existing = self._module_dict.get(name)
            if not force and existing is not None:
                from dareg.plugins import clash_message

                raise NameClashError(clash_message(self.kind, self.name, name, existing, module))
        super()._register_module(module, module_name, force)

    def names(self) -> list[str]:
        """Every registered name, after importing dareg's modules and installed plugins."""
        self.import_from_location()
        return sorted(self._module_dict)

    def unknown_type_error(self, name: str) -> UnknownTypeError:
        """Build the error raised when ``name`` is not registered here."""
        message = f"'{name}' is not a registered {self.kind} (registry '{self.name}', scope '{self.scope}')."
        elsewhere = [reg for reg in ALL_REGISTRIES.values() if reg is not self and name in reg.names()]
        if elsewhere:
            kinds = ", ".join(f"a {reg.kind} ({reg.name})" for reg in elsewhere)
            message += f" '{name}' is registered as {kinds}: use it where that kind is expected."
        matches = close_matches(name, self.names())
        if matches:
            message += f" Did you mean: {', '.join(matches)}?"
        return UnknownTypeError(f"{message} {PLUGIN_HINT}")

    def build(self, cfg: Any, *args: Any, **kwargs: Any) -> Any:
        obj_type = cfg.get("type") if isinstance(cfg, dict) else None
        if isinstance(obj_type, str) and self.get_or_none(obj_type) is None:
            raise self.unknown_type_error(obj_type)
        return super().build(cfg, *args, **kwargs)

    def get_or_none(self, key: str) -> Any:
        """Like :meth:`get`, but ``None`` for a dotted name that is neither registered nor importable."""
        try:
            return self.get(key)
        except RuntimeError:
            return None


class ModelKindRegistry(DaregRegistry):
    """A registry for one kind of model component, mirrored into dareg's ``MODELS``.

    It has scope ``"dareg"`` and no parent, so it lists only its own kind and builds under any
    default scope; mirroring every registration into ``MODELS`` lets mmengine's ``Runner`` (which
    builds through the root ``MODELS``) find the same classes.
    """

    def _register_module(self, module: Any, module_name: Any = None, force: bool = False) -> None:
        super()._register_module(module, module_name, force)
        names = module_name or module.__name__
        for name in [names] if isinstance(names, str) else names:
            if MODELS._module_dict.get(name) is not module:
                MODELS._register_module(module, name, force)


def _child(root: Registry, name: str, locations: list[str], kind: str | None = None) -> DaregRegistry:
    return DaregRegistry(name, kind=kind, parent=root, locations=locations)


# --- models --------------------------------------------------------------------------------------
MODELS = _child(
    MMENGINE_MODELS,
    "model",
    ["dareg.models", "dareg.algorithms"],
    kind="model",
)
BACKBONES = ModelKindRegistry("backbone", locations=["dareg.models.backbones"])
HEADS = ModelKindRegistry("head", locations=["dareg.models.heads"])
SEGMENTORS = ModelKindRegistry("segmentor", locations=["dareg.models.segmentors"])
CLASSIFIERS = ModelKindRegistry("classifier", locations=["dareg.models.classifiers"])
GENERATORS = ModelKindRegistry("generator", locations=["dareg.models.generators"])
DISCRIMINATORS = ModelKindRegistry("discriminator", locations=["dareg.models.discriminators"])
LOSSES = ModelKindRegistry("loss", locations=["dareg.models.losses"])
ALGORITHMS = ModelKindRegistry("algorithm", locations=["dareg.algorithms"])
#: Batch-level augmentations that algorithms apply to device tensors inside ``train_step`` (ClassMix,
#: block masks, colour jitter, blur); not per-sample pipeline steps (those are ``TRANSFORMS``).
BATCH_AUGMENTS = DaregRegistry("batch augmentation", locations=["dareg.models.batch_augments"])

# --- data ----------------------------------------------------------------------------------------
DATASETS = _child(MMENGINE_DATASETS, "dataset", ["dareg.datasets"])
DATA_SAMPLERS = _child(
    MMENGINE_DATA_SAMPLERS, "data sampler", ["dareg.datasets.samplers", "dareg.datasets.rare_class_sampling"]
)
TRANSFORMS = _child(MMENGINE_TRANSFORMS, "transform", ["dareg.datasets.transforms"])
FUNCTIONS = _child(MMENGINE_FUNCTIONS, "function", ["dareg.datasets.collate"])

# --- evaluation ----------------------------------------------------------------------------------
METRICS = _child(MMENGINE_METRICS, "metric", ["dareg.evaluation"])
EVALUATOR = _child(MMENGINE_EVALUATOR, "evaluator", ["dareg.evaluation"])
#: Unsupervised validators (scores without target labels); dareg's own kind, not an mmengine one.
VALIDATORS = DaregRegistry("validator", locations=["dareg.evaluation.validators"])

# --- engine --------------------------------------------------------------------------------------
HOOKS = _child(MMENGINE_HOOKS, "hook", ["dareg.engine.hooks"])
LOOPS = _child(MMENGINE_LOOPS, "loop", ["dareg.engine.loops"])
OPTIMIZERS = _child(MMENGINE_OPTIMIZERS, "optimizer", ["dareg.engine.optimizers"])
OPTIM_WRAPPERS = _child(MMENGINE_OPTIM_WRAPPERS, "optim_wrapper", ["dareg.engine.optimizers"])
OPTIM_WRAPPER_CONSTRUCTORS = _child(
    MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, "optimizer wrapper constructor", ["dareg.engine.optimizers"]
)
PARAM_SCHEDULERS = _child(MMENGINE_PARAM_SCHEDULERS, "parameter scheduler", ["dareg.engine.schedulers"])
MODEL_WRAPPERS = _child(MMENGINE_MODEL_WRAPPERS, "model_wrapper", ["dareg.engine.model_wrappers"])
WEIGHT_INITIALIZERS = _child(MMENGINE_WEIGHT_INITIALIZERS, "weight initializer", ["dareg.models.utils"])
LOG_PROCESSORS = _child(MMENGINE_LOG_PROCESSORS, "log_processor", ["dareg.engine"])

# --- visualisation -------------------------------------------------------------------------------
VISUALIZERS = _child(MMENGINE_VISUALIZERS, "visualizer", ["dareg.visualization"])
VISBACKENDS = _child(MMENGINE_VISBACKENDS, "vis_backend", ["dareg.visualization"])

#: Registries of model components, by the plural name the CLI accepts (``dareg list backbones``).
MODEL_KINDS: dict[str, ModelKindRegistry] = {
    "backbones": BACKBONES,
    "heads": HEADS,
    "segmentors": SEGMENTORS,
    "classifiers": CLASSIFIERS,
    "generators": GENERATORS,
    "discriminators": DISCRIMINATORS,
    "losses": LOSSES,
    "algorithms": ALGORITHMS,
}

#: Every dareg registry, by the plural name the CLI accepts.
ALL_REGISTRIES: dict[str, DaregRegistry] = {
    **MODEL_KINDS,
    "models": MODELS,
    "batch_augments": BATCH_AUGMENTS,
    "datasets": DATASETS,
    "data_samplers": DATA_SAMPLERS,
    "transforms": TRANSFORMS,
    "functions": FUNCTIONS,
    "metrics": METRICS,
    "evaluators": EVALUATOR,
    "validators": VALIDATORS,
    "hooks": HOOKS,
    "loops": LOOPS,
    "optimizers": OPTIMIZERS,
    "optim_wrappers": OPTIM_WRAPPERS,
    "optim_wrapper_constructors": OPTIM_WRAPPER_CONSTRUCTORS,
    "param_schedulers": PARAM_SCHEDULERS,
    "model_wrappers": MODEL_WRAPPERS,
    "weight_initializers": WEIGHT_INITIALIZERS,
    "log_processors": LOG_PROCESSORS,
    "visualizers": VISUALIZERS,
    "vis_backends": VISBACKENDS,
}
