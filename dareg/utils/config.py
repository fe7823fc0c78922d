"""Loading configs with clear errors, and checking every ``type`` in them before any work starts."""

from __future__ import annotations

import difflib
import importlib
import os
import warnings
from collections.abc import Iterator
from typing import Any

from mmengine.config import Config, ConfigDict, DictAction

from dareg.plugins import PluginError, describe_failure, disable_plugins, error_location
from dareg.registry import ALL_REGISTRIES, PLUGIN_HINT, UnknownTypeError, close_matches
from dareg.utils.config_paths import UnknownConfigNameError, install_base_resolver, is_config_name, resolve_config


class ConfigError(ValueError):
    """A config file or override that cannot be used, with what to do about it."""


class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction`` for ``--cfg-options``, with a clear message for a malformed item."""

    def __call__(self, parser, namespace, values, option_string=None):
        for item in values if isinstance(values, list) else [values]:
            key = item.split("=", 1)[0]
            if "=" not in item or not key or key.startswith(".") or key.endswith(".") or ".." in key:
                parser.error(
                    f"{option_string}: {item!r} is not KEY=VALUE (e.g. train_cfg.max_iters=100 or "
                    "model.lambda_adv=[0.0002,0.001])"
                )
        super().__call__(parser, namespace, values, option_string)


#: Errors that are the user's to fix: tools print their message instead of a traceback.
USER_ERRORS = (ConfigError, UnknownTypeError, PluginError, FileNotFoundError)


def load_config(path: str, cfg_options: dict | None = None) -> Config:
    """Read a config file, import its ``custom_imports`` and apply ``--cfg-options`` overrides.

    ``path`` may be an installed config's name, ``dareg::demo/source_only_digits.py`` or a plugin's
    ``dareg_advent::advent_synthetic.py``, and ``_base_`` entries may be such names too (see
    :mod:`dareg.utils.config_paths`).

    Raises:
        FileNotFoundError: The file does not exist; the message lists similar configs nearby.
        PluginError: A module named in ``custom_imports`` failed to import.
        ConfigError: The file cannot be parsed, or an override is malformed.
    """
    path = resolve_config(path)  # pkg::demo/x.py -> the installed file
    if not os.path.isfile(path):
        raise FileNotFoundError(_missing_config_message(path))
    install_base_resolver()
    try:
        cfg = Config.fromfile(path, import_custom_modules=False)
    except UnknownConfigNameError as error:  # a pkg:: entry of _base_, here or in a base
        raise UnknownConfigNameError(f"Cannot read config file {path}: a _base_ entry: {error}") from None
    except Exception as error:
        location = error_location(error) or _syntax_error_location(path)
        where = f" (raised at {location})" if location else ""
        raise ConfigError(f"Cannot read config file {path}{where}: {type(error).__name__}: {error}") from error
    if cfg.get("disabled_plugins"):  # before custom_imports and the first registry use load plugins
        disable_plugins(cfg.disabled_plugins, source=path)
    import_custom_modules(cfg, path)
    if cfg_options:
        apply_cfg_options(cfg, cfg_options, path)
    return cfg


def apply_cfg_options(cfg: Config, cfg_options: dict, path: str = "<config>") -> None:
    """Apply ``--cfg-options`` after checking every key and value, before any work.

    A key must exist in the config or be an argument of the component it lands in; ``+key=value``
    adds a new key on purpose. A value must have the type of the one it replaces. When
    ``train_cfg.max_iters`` changes, iteration-based scheduler spans scale with it (unless a
    ``param_scheduler`` key is overridden too). ``custom_imports`` given here are imported.

    Raises:
        ConfigError: Names the key, the closest existing keys or the expected type.
    """
    from mmengine.logging import print_log

    from dareg.utils.config_checks import check_override, follow_max_iters

    options = {}
    for key, value in cfg_options.items():
        bare = key[1:] if key.startswith("+") else key
        if not bare or bare.startswith(".") or bare.endswith(".") or ".." in bare:
            raise ConfigError(f"--cfg-options: malformed key {key!r}; write KEY=VALUE, e.g. train_cfg.max_iters=10")
        problem = None if key.startswith("+") else check_override(cfg, bare, value)
        if problem:
            raise ConfigError(
                f"--cfg-options {bare}={value!r} does not fit {path}: {problem}. To add a new key on purpose, "
                f"write +{bare}=..."
            )
        options[bare] = value
    old_max = (cfg.get("train_cfg") or {}).get("max_iters")
    try:
        cfg.merge_from_dict(options)
    except Exception as error:
        raise ConfigError(
            f"--cfg-options {options} cannot be applied to {path}: {type(error).__name__}: {error}"
        ) from error
    new_max = (cfg.get("train_cfg") or {}).get("max_iters")
    overrides_schedule = any(key.startswith("param_scheduler") for key in options)
    if isinstance(old_max, int) and isinstance(new_max, int) and old_max != new_max and not overrides_schedule:
        changes = follow_max_iters(cfg, old_max, new_max)
        if changes:
            print_log(
                f"train_cfg.max_iters {old_max} -> {new_max}: scheduler spans follow ({'; '.join(changes)}). "
                "Override param_scheduler keys too to set them yourself.",
                logger="current",
            )
    if any(key.startswith("custom_imports") for key in options):
        import_custom_modules(cfg, f"{path} (--cfg-options)")


def import_custom_modules(cfg: Config, path: str = "<config>") -> None:
    """Import ``cfg.custom_imports``, naming the config and the module when one fails."""
    custom = cfg.get("custom_imports")
    if not custom:
        return
    imports = custom.get("imports", [])
    imports = [imports] if isinstance(imports, str) else list(imports)
    allow_failed = custom.get("allow_failed_imports", False)
    for name in imports:
        try:
            importlib.import_module(name)
        except Exception as error:
            if allow_failed:
                warnings.warn(f"{path}: custom_imports '{name}' failed and is ignored: {error}", stacklevel=2)
                continue
            where = describe_failure(error, name)
            missing = (
                isinstance(error, ModuleNotFoundError)
                and error.name is not None
                and (name == error.name or name.startswith(error.name + "."))
            )
            advice = (
                f"Install the package that provides '{name}', put it on PYTHONPATH, or remove it from custom_imports."
                if missing
                else f"'{name}' was found but its own import raised: fix the error above in the plugin "
                "(or remove it from custom_imports)."
            )
            raise PluginError(
                f"Config {path} imports '{name}' (custom_imports){f' ({where})' if where else ''} and it failed: "
                f"{type(error).__name__}: {error}. {advice}"
            ) from error


def _syntax_error_location(path: str, seen: frozenset = frozenset()) -> str | None:
    """``FILE:LINE`` of the first syntax error in ``path`` or its ``_base_`` files (mmengine hides it)."""
    import ast

    path = os.path.abspath(path)
    if path in seen or not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as error:
        return f"{path}:{error.lineno}"
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_base_" for t in node.targets):
            try:
                bases = ast.literal_eval(node.value)
            except ValueError:
                return None
            for base in [bases] if isinstance(bases, str) else bases:
                base = resolve_config(base) if is_config_name(base) else os.path.join(os.path.dirname(path), base)
                found = _syntax_error_location(base, seen | {path})
                if found:
                    return found
    return None


def _missing_config_message(path: str) -> str:
    message = f"Config file not found: {path}"
    folder = os.path.dirname(path) or "."
    if os.path.isdir(folder):
        names = [n for n in os.listdir(folder) if n.endswith(".py")]
        similar = difflib.get_close_matches(os.path.basename(path), names, n=3, cutoff=0.5)
        if similar:
            message += f". Did you mean: {', '.join(os.path.join(folder, s) for s in similar)}?"
        elif names:
            message += f". Configs in {folder}: {', '.join(sorted(names)[:10])}"
    else:
        message += f" (the folder {folder} does not exist; configs live under configs/<method>/)"
    return message


def iter_types(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Yield ``(key path, type name)`` for every string ``type`` in a nested config."""
    if isinstance(node, (dict, ConfigDict)):
        value = node.get("type")
        if isinstance(value, str):
            yield path or "<root>", value
        for key, child in node.items():
            yield from iter_types(child, f"{path}.{key}" if path else str(key))
    elif isinstance(node, (list, tuple)):
        for index, child in enumerate(node):
            yield from iter_types(child, f"{path}[{index}]")


def _known_names() -> dict[str, list[str]]:
    """Every registered name (dareg's registries, their mmengine parents) -> the kinds that hold it."""
    import mmengine.optim  # noqa: F401  (registers torch's optimizers and mmengine's schedulers)
    import mmengine.registry.root as roots

    known: dict[str, list[str]] = {}
    for registry in ALL_REGISTRIES.values():
        for name in registry.names():
            known.setdefault(name, []).append(registry.kind)
    for registry in vars(roots).values():
        if hasattr(registry, "_module_dict"):
            for name in registry._module_dict:
                known.setdefault(name, []).append(f"mmengine {registry.name}")
    return known


def check_config_types(cfg: Config | dict, source: str | None = None) -> None:
    """Fail before training if any ``type`` in ``cfg`` is registered nowhere.

    Raises:
        UnknownTypeError: Names the key path, the config file, the closest registered names (with
            their kinds) and how to load a plugin.
    """
    known = _known_names()
    source = source or getattr(cfg, "filename", None) or "the config"
    for path, name in iter_types(dict(cfg)):
        bare = name.split(".", 1)[1] if name.startswith("dareg.") else name
        if bare in known or name in known or _importable(name):
            continue
        matches = close_matches(bare, known)
        hint = ", ".join(f"{m} ({known[m][0]})" for m in matches)
        raise UnknownTypeError(
            f"Unknown type '{name}' at `{path}` in {source}: no dareg or mmengine registry has it."
            + (f" Did you mean: {hint}?" if hint else "")
            + f" {PLUGIN_HINT}"
        )


def _importable(name: str) -> bool:
    if "." not in name:
        return False
    from mmengine.utils import get_object_from_string

    try:
        return get_object_from_string(name) is not None
    except Exception:
        return False
