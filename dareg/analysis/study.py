"""A results study's definition: tables of rows, each row a config trained once per seed.

A study file (``configs/studies/embedded_benchmarks.yaml`` is dareg's) lists tables; a table is one
domain pair with a **source-only** row, a **target oracle** row and the methods (and ablations) on it.
:mod:`dareg.analysis.study_runner` runs a study, :mod:`dareg.analysis.study_report` writes its report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Row:
    """One row of a table: a config trained once per seed (the keys are explained in the study file)."""

    key: str
    name: str
    config: str
    role: str = "method"
    options: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    depends: dict[str, str] = field(default_factory=dict)
    translate: bool = False
    polarity: bool = False
    quality: str | None = None
    metric: str = "accuracy"
    curve: bool = False


@dataclass
class Table:
    """One domain pair: a title, what it is, and its rows."""

    key: str
    title: str
    description: str
    rows: list[Row]
    metric_label: str = "accuracy (%)"


def load_tables(path: str | Path) -> list[Table]:
    """The tables of a study file (YAML, ``tables:``); option lists become tuples, as configs write them.

    Raises:
        ValueError: A row depends on, or is measured by, a row the study does not have.
    """
    import yaml

    tables = []
    for entry in yaml.safe_load(Path(path).read_text())["tables"]:
        rows = []
        for row in entry.pop("rows"):
            options = {k: tuple(v) if isinstance(v, list) else v for k, v in (row.pop("options", None) or {}).items()}
            rows.append(Row(**row, options=options))
        tables.append(Table(**entry, rows=rows))
    keys = set(rows_by_key(tables))
    for row in rows_by_key(tables).values():
        missing = [ref.split(":", 1)[1] for ref in row.depends.values() if ref.split(":", 1)[1] not in keys]
        missing += [row.quality] if row.quality and row.quality not in keys else []
        if missing:
            raise ValueError(f"{path}: row {row.key} refers to rows {missing} that the study does not have")
    return tables


def rows_by_key(tables: Sequence[Table]) -> dict[str, Row]:
    """Every row of ``tables`` by its key."""
    return {row.key: row for table in tables for row in table.rows}


def select_rows(tables: Sequence[Table], only: Sequence[str] | None) -> list[str]:
    """Row keys of the tables or rows named in ``only`` (all without), in the order named.

    Raises:
        ValueError: ``only`` names something that is neither a table nor a row.
    """
    unknown = set(only or []) - {t.key for t in tables} - set(rows_by_key(tables))
    if unknown:
        raise ValueError(f"unknown tables/rows {sorted(unknown)}; see --list")
    order = only or [table.key for table in tables]
    return list(dict.fromkeys(r.key for name in order for t in tables for r in t.rows if name in (t.key, r.key)))


def describe_tables(tables: Sequence[Table]) -> str:
    """One line per table and per row (key, role, config)."""
    lines = []
    for table in tables:
        lines.append(f"{table.key}: {table.title}")
        lines += [f"    {row.key:32s} {row.role:12s} {row.config}" for row in table.rows]
    return "\n".join(lines)
