"""Every table and plot of dareg's embedded benchmarks, from one command, on the data dareg ships.

    python tools/analysis/embedded_benchmarks.py [--seeds 0 1 2] [--jobs 2] [--only TABLE ...]
        [--out-dir work_dirs/embedded_benchmarks] [--docs docs/results/embedded] [--study FILE]

The tables and rows are data, ``configs/studies/embedded_benchmarks.yaml``; every row is a config
under ``configs/demo/`` run through ``tools/train.py`` once per seed. A table reports the **last**
checkpoint of every run (no selection on target labels), mean ± sample std over seeds, the gain over
source-only and the gap closed, ``(method - source-only) / (oracle - source-only)``, per seed.
Finished runs are reused as long as the resolved config of the run is unchanged; an interrupted
study continues where it stopped. The outputs, in ``--out-dir`` and copied to ``--docs``:
``tables.md``, one PNG per table, learning curves, and ``runs.json`` (per run: command, config
digest, validation history, wall time, environment). With ``--only`` and ``--docs`` together, the
rows run now replace their records in the docs' ``runs.json`` and every other recorded row stays,
so ``tables.md`` is rebuilt for all tables. The library: :mod:`dareg.analysis.study_runner`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dareg.analysis.study import Row, Table, describe_tables, load_tables, rows_by_key, select_rows
from dareg.analysis.study_runner import run_study

ROOT = Path(__file__).resolve().parents[2]
STUDY = ROOT / "configs" / "studies" / "embedded_benchmarks.yaml"
TABLES: list[Table] = load_tables(STUDY)
ROWS: dict[str, Row] = rows_by_key(TABLES)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time, one CPU thread each")
    parser.add_argument("--only", nargs="+", help="tables (or rows) to run: " + ", ".join(t.key for t in TABLES))
    parser.add_argument("--out-dir", default="work_dirs/embedded_benchmarks")
    parser.add_argument(
        "--docs",
        help="also write tables.md, the PNGs and runs.json here (e.g. docs/results/embedded); with --only, the "
        "rows not run keep their records from this folder's runs.json",
    )
    parser.add_argument("--retrain", action="store_true", help="do not reuse finished runs")
    parser.add_argument("--list", action="store_true", help="list tables and rows, then exit")
    parser.add_argument("--study", help=f"another study file (default {STUDY.relative_to(ROOT)})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tables = load_tables(args.study) if args.study else TABLES
    if args.list:
        print(describe_tables(tables))
        return 0
    try:
        select_rows(tables, args.only)
    except ValueError as error:
        raise SystemExit(f"--only: {error}") from error
    command = "python tools/analysis/embedded_benchmarks.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text, failures = run_study(
        tables, args.seeds, args.out_dir, ROOT, args.jobs, args.only, args.docs, not args.retrain, command.strip()
    )
    print(text)
    for failure in failures:
        print("FAILED:", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
