"""Discovery of installed dareg plugins.

A plugin is any installed distribution that declares an entry point in the group
``dareg.plugins``; its value names a module (``my_plugin``) or a callable (``my_plugin:register``)
that registers components into dareg's registries. dareg imports every plugin once, when any of
its registries is first used, so ``pip install dareg-foo`` is all a user has to do. Setting the
environment variable ``DAREG_NO_PLUGINS=1`` turns the automatic loading off;
``DAREG_DISABLE_PLUGINS=name1,name2`` (entry-point or distribution names), or
``disabled_plugins = ["name1"]`` in a config read by :func:`dareg.utils.config.load_config`, skips
single plugins. ``dareg plugins`` lists what was found, with versions, status and errors.

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
DISABLE_NAMES_ENV = "DAREG_DISABLE_PLUGINS"


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
    version: str = "unknown"

    @property
    def module(self) -> str:
        """Top-level module of the plugin."""
        return self.value.split(":")[0].strip()

    def matches(self, names: set[str]) -> bool:
        """Whether one of ``names`` is this plugin's entry-point or distribution name."""
        normal = {n.strip().lower().replace("_", "-") for n in names}
        return bool({self.name.lower().replace("_", "-"), self.distribution.lower().replace("_", "-")} & normal)


@dataclass(frozen=True)
class PluginStatus:
    """What happened to one discovered plugin: ``loaded``, ``failed``, ``disabled`` or ``not loaded``."""

    info: PluginInfo
    status: str
    error: str = ""


_loaded: dict[str, PluginInfo] | None = None
_status: dict[str, PluginStatus] = {}
_disabled_by_config: set[str] = set()
_loading: PluginInfo | None = None


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


def disabled_names() -> set[str]:
    """Plugins switched off by name: ``DAREG_DISABLE_PLUGINS`` plus a config's ``disabled_plugins``."""
    names = {n.strip() for n in os.environ.get(DISABLE_NAMES_ENV, "").split(",") if n.strip()}
    return names | _disabled_by_config


def disable_plugins(names: list[str] | tuple[str, ...] | str, source: str = "config") -> None:
    """Skip the plugins called ``names`` (entry-point or distribution names) from now on.

    Raises:
        PluginError: One of them is already loaded in this process (it registered its names), so
            it can no longer be skipped; the message says to use the environment variable.
    """
    names = {names} if isinstance(names, str) else set(names)
    late = [info.name for info in (_loaded or {}).values() if info.matches(names)]
    if late:
        raise PluginError(
            f"{source}: disabled_plugins {sorted(names)} names plugin(s) {late}, already loaded in this "
            f"process. Set {DISABLE_NAMES_ENV}={','.join(sorted(names))} in the environment instead."
        )
    _disabled_by_config.update(names)


def _entry_points() -> list[tuple[PluginInfo, importlib.metadata.EntryPoint]]:
    found, seen = [], set()
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = entry_point.dist
        info = PluginInfo(
            entry_point.name,
            entry_point.value,
            dist.name if dist is not None else "unknown distribution",
            (dist.version if dist is not None else None) or "unknown",
        )
        if (info.name, info.value) not in seen:  # a distribution seen twice on sys.path counts once
            seen.add((info.name, info.value))
            found.append((info, entry_point))
    return found


def discover_plugins() -> list[PluginInfo]:
    """List the installed plugins without importing them."""
    return [info for info, _ in _entry_points()]


def _failure(info: PluginInfo, error: BaseException) -> PluginError:
    return PluginError(
        f"dareg plugin '{info.name}' (entry point '{info.value}' of the installed distribution "
        f"'{info.distribution}' {info.version}; {describe_failure(error, info.module) or 'no traceback'}) failed "
        f"to import: {type(error).__name__}: {error}. Fix the plugin, uninstall it (`pip uninstall "
        f"{info.distribution}`), skip it ({DISABLE_NAMES_ENV}={info.name}), or set {DISABLE_ENV}=1 to start "
        "dareg without plugins."
    )


def load_plugins(strict: bool = True) -> dict[str, PluginInfo]:
    """Import every installed, enabled plugin once and return them by entry-point name.

    Args:
        strict: Raise on the first plugin that fails. With False every plugin is tried and the
            failures are only recorded (``dareg plugins`` shows them through :func:`plugin_status`).

    Raises:
        PluginError: A plugin raised while importing; the message names it, its distribution and
            version, where it raised, the cause, and how to skip it.
    """
    global _loaded, _loading
    if _loaded is not None:
        return _loaded
    _loaded = {}
    if plugins_disabled():
        return _loaded
    skip = disabled_names()
    for info, entry_point in _entry_points():
        if info.matches(skip):
            _status[info.name] = PluginStatus(info, "disabled")
            continue
        _loading = info  # names the distribution of what it registers (clash messages)
        try:
            loaded = entry_point.load()
            if callable(loaded):
                loaded()
        except Exception as error:
            failure = _failure(info, error)
            _status[info.name] = PluginStatus(info, "failed", str(failure))
            if strict:
                _loaded = None  # the next registry use tries (and fails) again: never swallowed
                raise failure from error
            continue
        finally:
            _loading = None
        _status[info.name] = PluginStatus(info, "loaded")
        _loaded[info.name] = info
    return _loaded


def plugin_status() -> list[PluginStatus]:
    """Every discovered plugin with what happened to it in this process (loads them, not strictly)."""
    if _loaded is None:
        load_plugins(strict=False)
    everything = []
    for info in discover_plugins():
        if plugins_disabled():
            everything.append(PluginStatus(info, "disabled", f"{DISABLE_ENV} is set"))
        else:
            everything.append(_status.get(info.name, PluginStatus(info, "not loaded")))
    return everything


def loaded_summary() -> str:
    """One line naming the loaded plugins and their versions (for the training log)."""
    if plugins_disabled():
        return f"dareg plugins: none ({DISABLE_ENV} is set)"
    rows = [
        f"{s.info.name} ({s.info.distribution} {s.info.version}{'' if s.status == 'loaded' else ', ' + s.status})"
        for s in plugin_status()
    ]
    return "dareg plugins: " + (", ".join(rows) if rows else "none installed")


def reset_plugins() -> None:
    """Forget which plugins were loaded, so the next registry use loads them again (for tests)."""
    global _loaded
    _loaded = None
    _status.clear()
    _disabled_by_config.clear()


def distribution_of(obj: object) -> str | None:
    """``"name version"`` of the installed distribution whose files define ``obj`` (None if none)."""
    top = (getattr(obj, "__module__", "") or "").split(".")[0]
    if not top:
        return None
    try:
        names = importlib.metadata.packages_distributions().get(top, [])
    except Exception:
        names = []
    for info in [*(_loaded or {}).values(), *([_loading] if _loading else [])]:  # editable installs
        if info.module.split(".")[0] == top and info.distribution not in names:
            names = [*names, info.distribution]
    if not names:
        return None
    try:
        return f"{names[0]} {importlib.metadata.version(names[0])}"
    except importlib.metadata.PackageNotFoundError:
        return names[0]


def describe_registrant(obj: object) -> str:
    """Where a registered class or function is defined: ``module (FILE:LINE, distribution D V)``."""
    import inspect

    module = getattr(obj, "__module__", "?")
    try:
        where = f"{inspect.getsourcefile(obj)}:{inspect.getsourcelines(obj)[1]}"
    except (TypeError, OSError):
        where = getattr(__import__("sys").modules.get(module), "__file__", None) or "unknown file"
    dist = distribution_of(obj)
    return f"{module}.{getattr(obj, '__qualname__', obj)} ({where}; distribution {dist or 'none (not installed)'})"


def clash_message(kind: str, registry: str, name: str, existing: object, new: object) -> str:
    """The error for ``new`` registering ``name`` that ``existing`` already holds."""
    return (
        f"Two classes register the {kind} name '{name}' (registry '{registry}'): first "
        f"{describe_registrant(existing)}, then {describe_registrant(new)}. Names are global: rename one "
        f"(prefix a plugin's names with the plugin's name, e.g. 'MyPlugin{name}'), or skip one plugin with "
        f"{DISABLE_NAMES_ENV}=<entry-point name>."
    )


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
