"""Discovery of installed dareg plugins.

A plugin is any installed distribution that declares an entry point in the group
``dareg.plugins``; its value names a module (``my_plugin``) or a callable (``my_plugin:register``)
that registers components into dareg's registries. dareg imports every plugin once, when any of
its registries is first used, so ``pip install dareg-foo`` is all a user has to do. Setting the
environment variable ``DAREG_NO_PLUGINS=1`` turns the automatic loading off.

A plugin that fails to import raises :class:`PluginError` naming the plugin, its distribution and
the cause; it is never swallowed.

Configs can also import plugin modules explicitly, as in any OpenMMLab toolbox::

    custom_imports = dict(imports=["my_plugin"], allow_failed_imports=False)
"""

from __future__ import annotations

import importlib.metadata
import os
from dataclasses import dataclass

ENTRY_POINT_GROUP = "dareg.plugins"
DISABLE_ENV = "DAREG_NO_PLUGINS"


class PluginError(ImportError):
    """A plugin (entry point or ``custom_imports`` module) failed to import."""


@dataclass(frozen=True)
class PluginInfo:
    """One plugin found through the ``dareg.plugins`` entry-point group.

    Attributes:
        name: Entry-point name.
        value: Entry-point value (``module`` or ``module:callable``).
        distribution: Name of the installed distribution that declares it.
    """

    name: str
    value: str
    distribution: str

    @property
    def module(self) -> str:
        """Top-level module of the plugin."""
        return self.value.split(":")[0].strip()


_loaded: dict[str, PluginInfo] | None = None


def error_location(error: BaseException) -> str | None:
    """``FILE:LINE`` where ``error`` was raised (its deepest traceback frame in a real file).

    For a ``SyntaxError`` it is the offending line of the file being compiled.
    """
    if isinstance(error, SyntaxError):  # the frames are the compiler's, not the file's
        return f"{error.filename}:{error.lineno}" if error.filename and not error.filename.startswith("<") else None
    import traceback

    frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith("<")]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else None


def module_origin(name: str) -> str | None:
    """The file a module would be imported from, without importing it (None if unknown)."""
    import importlib.util
    import sys

    module = sys.modules.get(name)
    if module is not None and getattr(module, "__file__", None):
        return module.__file__
    try:
        spec = importlib.util.find_spec(name)
    except Exception:  # a parent package that fails to import
        return None
    return spec.origin if spec is not None and spec.origin not in (None, "built-in", "frozen") else None


def describe_failure(error: BaseException, module: str | None = None) -> str:
    """``"module file M, raised at FILE:LINE"``: where a failing import lives and where it raised."""
    parts = []
    origin = module_origin(module) if module else None
    if origin:
        parts.append(f"module file {origin}")
    location = error_location(error)
    if location:
        parts.append(f"raised at {location}")
    return ", ".join(parts)


def plugins_disabled() -> bool:
    """Whether ``DAREG_NO_PLUGINS`` switches automatic loading off."""
    return os.environ.get(DISABLE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def discover_plugins() -> list[PluginInfo]:
    """List the installed plugins without importing them."""
    found = []
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = entry_point.dist.name if entry_point.dist is not None else "unknown distribution"
        found.append(PluginInfo(entry_point.name, entry_point.value, dist))
    return found


def load_plugins() -> dict[str, PluginInfo]:
    """Import every installed plugin once and return them by entry-point name.

    Raises:
        PluginError: A plugin raised while importing; the message names it and the cause.
    """
    global _loaded
    if _loaded is not None:
        return _loaded
    _loaded = {}
    if plugins_disabled():
        return _loaded
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = entry_point.dist.name if entry_point.dist is not None else "unknown distribution"
        info = PluginInfo(entry_point.name, entry_point.value, dist)
        try:
            loaded = entry_point.load()
            if callable(loaded):
                loaded()
        except Exception as error:
            _loaded = None  # the next registry use tries (and fails) again: never swallowed
            raise PluginError(
                f"dareg plugin '{info.name}' (entry point '{info.value}' of the installed "
                f"distribution '{dist}'; {describe_failure(error, info.module) or 'no traceback'}) failed to "
                f"import: {type(error).__name__}: {error}. "
                f"Fix the plugin, uninstall it (`pip uninstall {dist}`), or set {DISABLE_ENV}=1 "
                "to start dareg without plugins."
            ) from error
        _loaded[info.name] = info
    return _loaded


def reset_plugins() -> None:
    """Forget which plugins were loaded, so the next registry use loads them again (for tests)."""
    global _loaded
    _loaded = None


def origin_of(obj: object) -> str:
    """Say where a registered class or function comes from: ``dareg``, a plugin, or a module."""
    module = getattr(obj, "__module__", "") or ""
    top = module.split(".")[0]
    if top == "dareg":
        return "dareg"
    for info in (_loaded or {}).values():
        if info.module.split(".")[0] == top:
            return f"plugin {info.distribution}"
    return f"module {module}" if module else "unknown"
