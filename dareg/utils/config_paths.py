"""Installed configs, named ``<package>::path/to/config.py``: dareg's and those of plugins.

The part before ``::`` is the Python package that ships the config (``dareg``, ``dareg_advent``);
the part after it is the file's path inside that package's configs folder, which is
``<package>/.mim/configs/`` (the OpenMMLab layout) or ``<package>/configs/``. Every file of the
checkout's ``configs/`` folder ships in dareg's package as ``dareg/.mim/configs`` (in a checkout it
is a link to ``configs/``); a plugin ships its configs as package data in ``<package>/configs/``.
So a plugin config inherits dareg's wherever both are installed::

    _base_ = ["dareg::demo/source_only_digits.py"]

and ``tools/train.py dareg_advent::advent_synthetic.py`` or ``dareg train dareg::...`` run one
(``dareg configs`` lists the names). mmengine's own ``pkg::`` names need ``pkg_resources``, which
setuptools >= 82 no longer ships; :func:`install_base_resolver` teaches mmengine's ``Config`` to
read ``<package>::`` bases without it.
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
from pathlib import Path

SEPARATOR = "::"
PREFIX = "dareg" + SEPARATOR
#: Folders of a package that hold its configs, in the order they are looked for.
CONFIG_FOLDERS = (".mim/configs", "configs")

class UnknownConfigNameError(FileNotFoundError):
    """A ``<package>::path`` name that no installed package's configs folder holds."""


_NAME = re.compile(r"^([A-Za-z0-9_.\-]+)::(.*)$")
_PACKAGE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def split_config_name(name: str | os.PathLike) -> tuple[str, str] | None:
    """``("pkg", "path/x.py")`` for a ``pkg::path/x.py`` name, None for a file path.

    Examples:
        >>> split_config_name("dareg_advent::advent_synthetic.py")
        ('dareg_advent', 'advent_synthetic.py')
        >>> split_config_name("configs/demo/x.py") is None
        True
    """
    match = _NAME.match(str(name))
    return (match.group(1), match.group(2).lstrip("/")) if match else None


def is_config_name(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a ``<package>::`` config name rather than a file path."""
    return split_config_name(path) is not None


def is_dareg_name(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a ``dareg::`` config name."""
    return str(path).startswith(PREFIX)


def _package_folder(package: str) -> Path | None:
    """The folder of top-level package ``package``, found without importing it (None if absent)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def package_configs_root(package: str) -> Path | None:
    """The configs folder of installed package ``package``, or None if it has none.

    Examples:
        >>> package_configs_root("dareg").parts[-2:]
        ('.mim', 'configs')
    """
    folder = _package_folder(package) if _PACKAGE.match(package) else None
    if folder is None:
        return None
    for name in CONFIG_FOLDERS:
        if (folder / name).is_dir():
            return folder / name
    return None


def configs_root() -> Path:
    """The folder of dareg's installed configs (``<dareg package>/.mim/configs``).

    Raises:
        FileNotFoundError: The installation has no configs (a broken or partial install).
    """
    import dareg

    root = Path(dareg.__file__).resolve().parent / ".mim" / "configs"
    if not root.is_dir():
        raise FileNotFoundError(
            f"dareg at {Path(dareg.__file__).parent} has no installed configs ({root} is missing): "
            "reinstall dareg (`pip install dareg`, or `pip install -e .` in a checkout)."
        )
    return root


def plugin_config_packages() -> dict[str, Path]:
    """``{package: configs folder}`` for every installed plugin (``dareg.plugins``) that ships configs.

    Plugins are found through their entry points and are not imported.
    """
    from dareg.plugins import discover_plugins

    found = {}
    for info in discover_plugins():
        package = info.module.split(".")[0]
        root = package_configs_root(package)
        if root is not None:
            found[package] = root
    return dict(sorted(found.items()))


def installed_configs(package: str = "dareg") -> list[str]:
    """Every installed config of ``package`` as its ``<package>::`` name, sorted.

    Files in ``_base_`` folders are included (they are inherited, not trained). An installed
    package without configs gives an empty list.
    """
    root = configs_root() if package == "dareg" else package_configs_root(package)
    if root is None:
        return []
    return sorted(f"{package}{SEPARATOR}{p.relative_to(root).as_posix()}" for p in root.rglob("*.py"))


def _packages_with_configs() -> str:
    plugins = plugin_config_packages()
    names = ["dareg"] + [name for name in plugins if name != "dareg"]
    return ", ".join(f"{name}::" for name in names)


def _unknown_package(name: str, package: str) -> UnknownConfigNameError:
    from dareg.plugins import discover_plugins

    hint = ""
    for info in discover_plugins():  # a distribution or entry-point name in place of the package's
        if info.matches({package}) and info.module.split(".")[0] != package:
            hint = f" '{package}' is the plugin {info.distribution}; its package is '{info.module.split('.')[0]}'."
    if folder := (_package_folder(package) if _PACKAGE.match(package) else None):
        reason = f"the package '{package}' ({folder}) has no configs folder ({' or '.join(CONFIG_FOLDERS)})"
    else:
        reason = f"no installed package is called '{package}' (the part before '::' is a Python package name)"
    return UnknownConfigNameError(
        f"Config {name!r}: {reason}.{hint} Packages with installed configs: {_packages_with_configs()} "
        "(`dareg configs` lists every name)."
    )


def resolve_config(path: str | os.PathLike) -> str:
    """The file a config name stands for: ``pkg::x.py`` -> the installed file; file paths unchanged.

    Raises:
        UnknownConfigNameError: The package is not installed or has no configs (the message lists
            the packages that have some), or it has no such config (the message lists the closest
            names).
    """
    path = str(path)
    parts = split_config_name(path)
    if parts is None:
        return path
    package, relative = parts
    root = configs_root() if package == "dareg" else package_configs_root(package)
    if root is None:
        raise _unknown_package(path, package)
    target = (root / relative).resolve()
    if target.is_file() and root.resolve() in target.parents:
        return str(target)
    raise UnknownConfigNameError(_missing_message(path, package, relative, root))


def _missing_message(path: str, package: str, relative: str, root: Path) -> str:
    names = installed_configs(package)
    prefix = package + SEPARATOR
    similar = difflib.get_close_matches(path, names, n=3, cutoff=0.6)
    folder = prefix + relative.rsplit("/", 1)[0] + "/" if "/" in relative else prefix
    nearby = [n for n in names if n.startswith(folder)][:10]
    hint = f" Did you mean: {', '.join(similar)}?" if similar else ""
    if not similar and nearby:
        hint = f" Configs there: {', '.join(nearby)}."
    for folder_name in CONFIG_FOLDERS:  # `pkg::configs/x.py`: the name is relative to the configs folder
        if relative.startswith(folder_name + "/") and prefix + relative[len(folder_name) + 1 :] in names:
            hint = f" Names are relative to the configs folder: {prefix}{relative[len(folder_name) + 1 :]}."
    return (
        f"Config {path!r} is not one of {package}'s installed configs (under {root}).{hint} "
        "`dareg configs` lists them all."
    )


_installed = False


def install_base_resolver() -> None:
    """Let mmengine's ``Config`` resolve ``<package>::`` entries of ``_base_`` (idempotent).

    mmengine reads ``pkg::path`` bases through ``pkg_resources`` (and only for OpenMMLab's own
    packages); these names are resolved here instead, for dareg and any plugin, with no scope
    attached (dareg's configs already set ``default_scope="dareg"``).
    """
    global _installed
    if _installed:
        return
    from mmengine.config import Config

    original = Config._get_cfg_path

    def get_cfg_path(cfg_path: str, filename: str):
        if is_config_name(cfg_path):
            return resolve_config(cfg_path), None
        return original(cfg_path, filename)

    Config._get_cfg_path = staticmethod(get_cfg_path)
    _installed = True
