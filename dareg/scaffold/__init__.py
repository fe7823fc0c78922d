"""``dareg new-plugin NAME [--task TASK]``: write a working plugin package that passes its own tests at once.

The skeleton holds a ``pyproject.toml`` declaring the ``dareg.plugins`` entry point and shipping
the configs as package data, a loss, an algorithm (source-only training plus entropy minimisation
on the target, with its ``train_spec``), a config that inherits ``dareg::`` configs (so it runs
wherever dareg is installed, as ``<package>::<file>``), tests built on :mod:`dareg.testing` and a
README. ``--task classification`` trains on dareg's embedded digit pair; ``--task segmentation``
on the embedded synthetic street scenes, with :class:`dareg.testing.TinySegmentor` in the tests.
Registered names carry the plugin's prefix (``FooEntropyLoss``), so two plugins do not clash.

The files are written from the templates in ``templates/``: ``common/`` for every task, then the
task's own folder; ``__PKG__``-style placeholders in paths and contents are replaced by the names
of :func:`plugin_names`.

``dareg examples [NAME]`` lists, or copies out, the example plugins that ship with dareg
(``dareg/.mim/plugins``, a link to the checkout's ``plugins/``): the code the plugin tutorial shows.
"""

from __future__ import annotations

import keyword
import re
import shutil
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"
EXAMPLES = Path(__file__).resolve().parents[1] / ".mim" / "plugins"

#: Task -> placeholders that differ between tasks (the config file and what it trains on).
TASKS: dict[str, dict[str, str]] = {
    "classification": {"__CONFIG__": "__EP___digits.py", "__DATA__": "dareg's embedded digit pair"},
    "segmentation": {"__CONFIG__": "__EP___streets.py", "__DATA__": "dareg's embedded synthetic street scenes"},
}


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


def _fill(text: str, names: dict[str, str]) -> str:
    for key, value in names.items():
        text = text.replace(key, value)
    return text


def template_files(task: str) -> dict[str, Path]:
    """``{relative path with placeholders: template file}`` of a task: ``common/`` then the task's folder.

    Raises:
        ValueError: ``task`` is not one of :data:`TASKS`.
    """
    if task not in TASKS:
        raise ValueError(f"task {task!r}: choose one of {', '.join(TASKS)}")
    files = {}
    for folder in (TEMPLATES / "common", TEMPLATES / task):
        for path in sorted(folder.rglob("*.tmpl")):
            files[path.relative_to(folder).as_posix().removesuffix(".tmpl")] = path
    return files


def new_plugin(name: str, directory: str | Path = ".", task: str = "classification") -> Path:
    """Write the skeleton of plugin ``name`` for ``task`` into ``directory/dareg-<name>``; return that folder.

    Raises:
        ValueError: The name or the task is not valid.
        FileExistsError: The folder exists already (nothing is overwritten).
    """
    files = template_files(task)
    names = plugin_names(name)
    names = {**{key: _fill(value, names) for key, value in TASKS[task].items()}, **names}
    root = Path(directory) / names["__DIST__"]
    if root.exists():
        raise FileExistsError(f"{root} exists already: choose another name or --dir, or remove it first")
    for relative, template in files.items():
        path = root / _fill(relative, names)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_fill(template.read_text(encoding="utf-8"), names), encoding="utf-8")
    return root


def example_plugins() -> dict[str, Path]:
    """``{distribution name: folder}`` of the example plugins installed with dareg (``dareg-advent`` ...)."""
    if not EXAMPLES.is_dir():
        return {}
    return {path.name: path for path in sorted(EXAMPLES.iterdir()) if (path / "pyproject.toml").is_file()}


def copy_example(name: str, directory: str | Path = ".") -> Path:
    """Copy example plugin ``name`` (``dareg-advent`` or ``advent``) into ``directory``; return the copy.

    Build and cache folders of a checkout (``build``, ``*.egg-info``, ``__pycache__``, dot folders) are
    left out.

    Raises:
        ValueError: No example plugin has that name (the message lists them).
        FileExistsError: The target folder exists already (nothing is overwritten).
    """
    examples = example_plugins()
    key = name if name in examples else "dareg-" + name.removeprefix("dareg_").replace("_", "-")
    if key not in examples:
        raise ValueError(f"no example plugin {name!r}; dareg ships: {', '.join(examples) or 'none'}")
    target = Path(directory) / key
    if target.exists():
        raise FileExistsError(f"{target} exists already: choose another --dir, or remove it first")
    shutil.copytree(examples[key], target, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build", ".*"))
    return target
