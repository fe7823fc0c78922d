"""Configs installed with dareg, named ``dareg::path/to/config.py``.

Every file of the checkout's ``configs/`` folder ships in the package as ``dareg/.mim/configs``
(the layout OpenMMLab uses; in a checkout it is a link to ``configs/``), so a plugin config can
inherit one wherever dareg is installed::

    _base_ = ["dareg::demo/source_only_digits.py"]

and ``tools/train.py dareg::demo/source_only_digits.py`` or ``dareg train dareg::...`` run one.
mmengine's own ``pkg::`` names need ``pkg_resources``, which setuptools >= 82 no longer ships;
:func:`install_base_resolver` teaches mmengine's ``Config`` to read ``dareg::`` bases without it.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

PREFIX = "dareg::"


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


def installed_configs() -> list[str]:
    """Every installed config as its ``dareg::`` name, sorted."""
    root = configs_root()
    return sorted(PREFIX + p.relative_to(root).as_posix() for p in root.rglob("*.py"))


def is_dareg_name(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a ``dareg::`` config name."""
    return str(path).startswith(PREFIX)


def resolve_config(path: str | os.PathLike) -> str:
    """The file a config name stands for: ``dareg::x.py`` -> the installed file; others unchanged.

    Raises:
        FileNotFoundError: A ``dareg::`` name that no installed config has; the message lists the
            closest names.
    """
    path = str(path)
    if not is_dareg_name(path):
        return path
    relative = path[len(PREFIX) :].lstrip("/")
    root = configs_root()
    target = (root / relative).resolve()
    if target.is_file() and root.resolve() in target.parents:
        return str(target)
    names = installed_configs()
    similar = difflib.get_close_matches(path, names, n=3, cutoff=0.6)
    folder = PREFIX + relative.rsplit("/", 1)[0] + "/" if "/" in relative else PREFIX
    nearby = [n for n in names if n.startswith(folder)][:10]
    hint = f" Did you mean: {', '.join(similar)}?" if similar else ""
    if not similar and nearby:
        hint = f" Configs there: {', '.join(nearby)}."
    raise FileNotFoundError(
        f"Config {path!r} is not one of dareg's installed configs (under {root}).{hint} `dareg configs` lists them all."
    )


_installed = False


def install_base_resolver() -> None:
    """Let mmengine's ``Config`` resolve ``dareg::`` entries of ``_base_`` (idempotent).

    mmengine reads ``pkg::path`` bases through ``pkg_resources``; ``dareg::`` names are resolved
    here instead, with no scope attached (dareg's configs already set ``default_scope="dareg"``).
    Other names keep mmengine's behaviour.
    """
    global _installed
    if _installed:
        return
    from mmengine.config import Config

    original = Config._get_cfg_path

    def get_cfg_path(cfg_path: str, filename: str):
        if is_dareg_name(cfg_path):
            return resolve_config(cfg_path), None
        return original(cfg_path, filename)

    Config._get_cfg_path = staticmethod(get_cfg_path)
    _installed = True
