"""Check (or refresh) the recorded fingerprints of dareg's embedded data sets.

    python tools/analysis/data_fingerprints.py            # exit 1, naming what moved, if any differs
    python tools/analysis/data_fingerprints.py --update   # re-record from every config under configs/demo/

Refresh the record only together with the results it stands for (docs/get_started/install.md).
"""

from __future__ import annotations

import argparse
import glob
import sys

from dareg.datasets.fingerprints import (
    RECORD_PATH,
    DataFingerprintError,
    check_recorded_fingerprints,
    load_recorded,
    record_fingerprints,
)
from dareg.utils.config import load_config


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update", action="store_true", help="re-record the fingerprints of the demo configs' data")
    parser.add_argument("--configs", default="configs/demo/*.py", help="glob of the configs whose data is recorded")
    args = parser.parse_args()
    if args.update:
        record = record_fingerprints(load_config(path, {}) for path in sorted(glob.glob(args.configs)))
        print(f"recorded {len(record['datasets'])} data sets in {RECORD_PATH}")
        return 0
    try:
        check_recorded_fingerprints()
    except DataFingerprintError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"all {len(load_recorded()['datasets'])} recorded data sets match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
