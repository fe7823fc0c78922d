"""The hook that compiles an algorithm's networks before the run (a config's ``compile`` key)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mmengine.hooks import Hook

from dareg.engine.compilation import compile_networks, parse_compile_option
from dareg.registry import HOOKS


@HOOKS.register_module()
class CompileHook(Hook):
    """Compile every network of the algorithm in place with ``torch.compile`` before the run.

    A config's top-level ``compile = True`` / ``compile = dict(...)`` (or ``--compile``) becomes
    this hook when dareg builds the Runner (:func:`dareg.apis.train.build_runner`), and the key
    leaves the config, so that mmengine does not also compile ``train_step``. What is compiled, and
    why checkpoints keep their keys: :mod:`dareg.engine.compilation`.

    Args:
        backend: TorchDynamo backend. Defaults to ``"inductor"``.
        mode: ``torch.compile`` mode. Defaults to None.
        dynamic: Symbolic input sizes (None: torch decides). Defaults to None.
        fullgraph: Fail on graph breaks. Defaults to False.
        options: Backend options. Defaults to None.
        modules: Paths of the sub-modules to compile. Defaults to None (every network and its parts).

    Examples:
        >>> compile = dict(backend="inductor", dynamic=False)  # in a config; or:
        >>> custom_hooks = [dict(type="CompileHook", backend="inductor")]
    """

    priority = "VERY_HIGH"

    def __init__(
        self,
        backend: str | Callable = "inductor",
        mode: str | None = None,
        dynamic: bool | None = None,
        fullgraph: bool = False,
        options: dict | None = None,
        modules: Sequence[str] | None = None,
    ) -> None:
        entry = dict(backend=backend, mode=mode, dynamic=dynamic, fullgraph=fullgraph, options=options, modules=modules)
        self.options = parse_compile_option(entry, key="CompileHook")
        self.compiled: list[str] = []

    def before_run(self, runner: Any) -> None:
        self.compiled = compile_networks(runner.model, self.options)
        runner.logger.info(
            f"compile: {len(self.compiled)} sub-modules compiled in place with torch.compile "
            f"({self.options.torch_kwargs()}): {', '.join(self.compiled)}. The first iterations trace and "
            "compile them (minutes for large networks)."
        )
