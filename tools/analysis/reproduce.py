"""Rerun one recorded row per embedded-benchmark table (seed 0) and compare it with its record.

    python tools/analysis/reproduce.py [--runs docs/results/embedded/runs.json] [--keys ROW/seed_N ...]
        [--out-dir work_dirs/reproduce] [--tolerance 0.01]

Run it in the locked environment (`pip install -r requirements/lock.txt`). Exits 1 when a rerun
differs from its record by more than the tolerance (metric points).
"""

from __future__ import annotations

import argparse
import sys

from dareg.analysis.reproduce import DEFAULT_RUNS, format_reproductions, load_runs, reproduce


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default="docs/results/embedded/runs.json", help="the records to check")
    parser.add_argument("--keys", nargs="+", default=list(DEFAULT_RUNS), help="records to rerun (row/seed_N)")
    parser.add_argument("--out-dir", default="work_dirs/reproduce", help="work directories of the reruns")
    parser.add_argument("--tolerance", type=float, default=0.01, help="largest difference that reproduces")
    args = parser.parse_args()
    results = reproduce(load_runs(args.runs), tuple(args.keys), args.out_dir, args.tolerance)
    print(format_reproductions(results))
    return 0 if all(result.agrees for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
