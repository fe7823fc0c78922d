"""``python -m dareg``: the same as the ``dareg`` console script."""

from dareg.cli import main

raise SystemExit(main())
