"""``torch.compile`` for the sub-networks of an algorithm, with checkpoint keys unchanged.

A config's ``compile = True`` (or ``compile = dict(backend=..., mode=..., dynamic=...)``, or
``--compile`` on ``tools/train.py`` and ``tools/benchmark.py``) compiles every *network* of the
algorithm, never its ``train_step``:

* ``train_step`` steps several optimizers and freezes sub-networks in turn; each of those is a
  graph break for TorchDynamo, so compiling it (what mmengine's own ``compile`` key does) buys
  nothing and re-traces every variant. The networks are where the time goes, and their forward
  passes are plain tensor programs.
* The networks are the algorithm's children that hold parameters (``segmentor``, each of
  ``discriminators``, ``generators["a2b"]``, ``classifier`` ...; ``nn.ModuleDict``/``ModuleList``
  containers are descended into) and, one level down, *their* composite children with parameters
  (``classifier.backbone``, ``classifier.head``, ``segmentor.backbone`` ...; not single layers, and
  not the children of an ``nn.Sequential``, which only its own forward calls). The second level is
  there because algorithms also call parts directly where no gradient flows into them (ADDA's
  frozen ``self.classifier.encoder(x)`` and ``self.classifier.head(f)``); when the whole network is
  called, TorchDynamo inlines the compiled parts into the network's own graph, so nothing is
  compiled twice. ``modules=[...]`` names the
  sub-modules to compile instead (paths relative to the algorithm).
* Each is compiled **in place** with :meth:`torch.nn.Module.compile` (torch >= 2.2): the module's
  ``__call__`` runs through ``torch.compile``, the module object, its attributes and its
  ``state_dict`` keys stay what they were. ``torch.compile(module)`` would instead return an
  ``OptimizedModule`` wrapper whose keys carry an ``_orig_mod.`` prefix, so checkpoints of a
  compiled run would need translating before an eager run (or another tool) could load them, and
  every ``self.segmentor.num_classes``-style attribute access would go through the wrapper. In
  place, checkpoints move freely between compiled and eager runs, and ``--resume`` works across
  the switch.
* Under dareg's DDP wrapper (one ``DistributedDataParallel`` per sub-network) the network *inside*
  each DDP is compiled; DDP's own forward (gradient-bucket bookkeeping) stays eager.

Compilation is lazy: each network is traced the first time it is called, and again for each new
variant (training/eval mode, frozen/unfrozen parameters, gradients on/off, input shapes; with
``dynamic=None``, torch's default, a second input shape makes the size dimensions symbolic).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from mmengine.model import is_model_wrapper
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from dareg.utils.config import ConfigError

#: The keys a ``compile`` dict may hold: ``torch.compile``'s arguments, and ``modules``.
COMPILE_KEYS = ("backend", "mode", "dynamic", "fullgraph", "options", "modules")
#: ``torch.compile``'s modes (None: its default).
COMPILE_MODES = (None, "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")
#: Attribute set on a compiled module, holding the options it was compiled with.
COMPILED_MARK = "_dareg_compile_options"


@dataclass(frozen=True)
class CompileOptions:
    """Validated options of a config's ``compile`` key (see :func:`parse_compile_option`).

    Args:
        backend: A TorchDynamo backend name (``torch._dynamo.list_backends()``; ``"eager"`` and
            ``"aot_eager"`` are debugging backends) or a callable. Defaults to ``"inductor"``.
        mode: ``torch.compile``'s mode. Defaults to None (its default).
        dynamic: True compiles for symbolic sizes from the start, False specialises on every input
            shape, None lets torch decide (symbolic after a second shape). Defaults to None.
        fullgraph: Fail on graph breaks instead of splitting the graph. Defaults to False.
        options: Backend options (``torch.compile``'s ``options``; not together with ``mode``).
            Defaults to None.
        modules: Paths of the sub-modules to compile, relative to the algorithm. Defaults to None
            (every network and the networks inside it; see the module docstring).
    """

    backend: str | Callable = "inductor"
    mode: str | None = None
    dynamic: bool | None = None
    fullgraph: bool = False
    options: dict | None = None
    modules: tuple[str, ...] | None = None

    def torch_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of ``torch.compile`` / ``nn.Module.compile``."""
        kwargs: dict[str, Any] = dict(backend=self.backend, dynamic=self.dynamic, fullgraph=self.fullgraph)
        if self.mode is not None:
            kwargs["mode"] = self.mode
        if self.options is not None:
            kwargs["options"] = dict(self.options)
        return kwargs

    def to_config(self) -> dict[str, Any]:
        """A plain dict of the options, as a config (or a ``CompileHook``) takes them."""
        entry: dict[str, Any] = dict(backend=self.backend, mode=self.mode, dynamic=self.dynamic)
        entry["fullgraph"] = self.fullgraph
        if self.options is not None:
            entry["options"] = dict(self.options)
        if self.modules is not None:
            entry["modules"] = list(self.modules)
        return entry


def available_backends() -> list[str]:
    """Names of the TorchDynamo backends installed here (``inductor``, ``eager``, ``aot_eager`` ...)."""
    import torch._dynamo

    return sorted(torch._dynamo.list_backends(exclude_tags=()))


def parse_compile_option(value: Any, key: str = "compile") -> CompileOptions | None:
    """Validate a config's ``compile`` value: None/False (off), True (defaults) or a dict of options.

    Raises:
        ConfigError: A value of the wrong type, an unknown key, backend or mode, or ``mode`` and
            ``options`` together; the message names ``key`` (``compile.mode`` ...) and what is valid.
    """
    if value is None or value is False:
        return None
    if value is True:
        return CompileOptions()
    if not isinstance(value, dict):
        raise ConfigError(
            f"{key} must be True, False or a dict of torch.compile options ({', '.join(COMPILE_KEYS)}); "
            f"got {value!r} ({type(value).__name__})"
        )
    entry = dict(value)
    unknown = [name for name in entry if name not in COMPILE_KEYS]
    if unknown:
        hints = [f"{key}.{name} (did you mean {difflib.get_close_matches(name, COMPILE_KEYS, 1)}?)" for name in unknown]
        raise ConfigError(f"unknown key {', '.join(hints)}; {key} takes {', '.join(COMPILE_KEYS)}")
    backend = entry.get("backend", "inductor")
    if isinstance(backend, str):
        backends = available_backends()
        if backend not in backends:
            close = difflib.get_close_matches(backend, backends, 3)
            raise ConfigError(
                f"{key}.backend={backend!r} is not a TorchDynamo backend here"
                + (f" (did you mean {close}?)" if close else "")
                + f"; installed backends: {backends}"
            )
    elif not callable(backend):
        raise ConfigError(f"{key}.backend must be a backend name or a callable, got {backend!r}")
    mode = entry.get("mode")
    if mode not in COMPILE_MODES:
        raise ConfigError(f"{key}.mode={mode!r} is not a torch.compile mode; valid: {list(COMPILE_MODES)}")
    options = entry.get("options")
    if options is not None and not isinstance(options, dict):
        raise ConfigError(f"{key}.options must be a dict of backend options, got {options!r}")
    if options is not None and mode is not None:
        raise ConfigError(f"{key}: give mode={mode!r} or options, not both (torch.compile accepts one of them)")
    dynamic = entry.get("dynamic")
    if dynamic not in (None, True, False):
        raise ConfigError(f"{key}.dynamic must be None, True or False, got {dynamic!r}")
    fullgraph = entry.get("fullgraph", False)
    if not isinstance(fullgraph, bool):
        raise ConfigError(f"{key}.fullgraph must be True or False, got {fullgraph!r}")
    modules = entry.get("modules")
    if modules is not None:
        if isinstance(modules, str) or not isinstance(modules, Sequence) or not modules:
            raise ConfigError(f"{key}.modules must be a non-empty list of sub-module paths, got {modules!r}")
        if not all(isinstance(path, str) and path for path in modules):
            raise ConfigError(f"{key}.modules must hold sub-module paths (strings), got {list(modules)!r}")
        modules = tuple(modules)
    return CompileOptions(
        backend=backend, mode=mode, dynamic=dynamic, fullgraph=fullgraph, options=options, modules=modules
    )


def _unwrap_ddp(module: nn.Module) -> nn.Module:
    return module.module if isinstance(module, DistributedDataParallel) else module


def _has_parameters(module: nn.Module) -> bool:
    return next(module.parameters(), None) is not None


def _networks(parent: nn.Module, prefix: str = "") -> Iterator[tuple[str, nn.Module]]:
    """Children of ``parent`` that hold parameters (containers descended into, DDP unwrapped)."""
    for name, child in parent.named_children():
        child = _unwrap_ddp(child)
        if not _has_parameters(child):
            continue
        if isinstance(child, (nn.ModuleDict, nn.ModuleList)):
            yield from _networks(child, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", child


def compile_targets(model: nn.Module, modules: Sequence[str] | None = None) -> dict[str, nn.Module]:
    """The sub-modules :func:`compile_networks` compiles, by path.

    Args:
        model: The algorithm (unwrapped, or inside a model wrapper: ``model.module`` is used).
        modules: Explicit paths; None selects the networks and their parts (module docstring).

    Raises:
        KeyError: A path names no sub-module; the message lists the children that exist.
    """
    model = model.module if is_model_wrapper(model) else model
    if modules is not None:
        from dareg.engine.hooks.memory_hooks import resolve_module

        return {path: _unwrap_ddp(resolve_module(model, path)) for path in modules}
    targets: dict[str, nn.Module] = {}
    for path, network in _networks(model):
        targets[path] = network
        if isinstance(network, nn.Sequential):
            continue  # its children are only ever called by its own forward
        for part_path, part in _networks(network, f"{path}."):
            if next(part.children(), None) is not None:  # a composite part, not a single layer
                targets[part_path] = part
    return targets


def compile_networks(model: nn.Module, options: CompileOptions) -> list[str]:
    """Compile the networks of ``model`` in place (:meth:`torch.nn.Module.compile`); returns their paths.

    Modules already compiled with the same options are left alone, so calling it twice is harmless.
    State-dict keys do not change.
    """
    compiled = []
    kwargs = options.torch_kwargs()
    for path, module in compile_targets(model, options.modules).items():
        if getattr(module, COMPILED_MARK, None) != kwargs:
            module.compile(**kwargs)
            setattr(module, COMPILED_MARK, kwargs)
        compiled.append(path)
    return compiled


def is_compiled(module: nn.Module) -> bool:
    """Whether ``module`` was compiled in place (by :func:`compile_networks` or ``module.compile()``)."""
    return getattr(module, "_compiled_call_impl", None) is not None
