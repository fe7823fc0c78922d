"""Start-up checks of on-disk dataset layouts, with errors that say what to fix."""

from __future__ import annotations

import os
from collections.abc import Iterable


class DataRootError(FileNotFoundError):
    """A dataset's root is missing or does not have the expected layout.

    The message names the dataset, the path that was looked at, what is wrong, the expected layout
    and where the data comes from.
    """


def data_root_error(dataset: str, path: str, problem: str, layout: str, source: str) -> DataRootError:
    """Build the :class:`DataRootError` of ``dataset`` for a ``problem`` found at ``path``."""
    return DataRootError(
        f"{dataset}: {problem}\n  looked at: {os.path.abspath(path)}\n  expected layout:\n{layout}\n"
        f"  get the data: {source}\n  (set `data_root` in the dataset config, or link the data there)"
    )


def list_files(directory: str, suffix: str, recursive: bool = False) -> list[str]:
    """Sorted paths, relative to ``directory``, of the files ending in ``suffix``."""
    if not recursive:
        return sorted(name for name in os.listdir(directory) if name.endswith(suffix))
    found = []
    for current, dirs, files in os.walk(directory):
        dirs.sort()
        rel = os.path.relpath(current, directory)
        found += [os.path.normpath(os.path.join(rel, name)) for name in files if name.endswith(suffix)]
    return sorted(found)


def first_unmatched(names: Iterable[str], others: set[str]) -> str | None:
    """The first of ``names`` (in sorted order) that is not in ``others``, or None."""
    return next((name for name in sorted(names) if name not in others), None)
