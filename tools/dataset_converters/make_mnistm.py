"""Build MNIST-M from MNIST and a folder of background photos, the way the original was built.

``python tools/dataset_converters/make_mnistm.py data/mnist BSR/BSDS500/data/images/train data/mnist_m``

Each MNIST digit is binarised and difference-blended over a random 28x28 patch of a random photo
(see :mod:`dareg.datasets.digits.mnistm_builder`). The output has the released archive's layout, read
by ``MNISTMDataset``: ``mnist_m_{train,test}/00000000.png ...`` and ``mnist_m_{train,test}_labels.txt``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable

from dareg.datasets.digits.mnistm_builder import MNISTM_SPLITS, build_mnistm


def progress_bar(description: str):
    """A wrapper showing a progress bar over an iterable (tqdm if installed, else mmengine's)."""
    try:
        from tqdm import tqdm

        return lambda steps: tqdm(steps, desc=description, unit="digit")
    except ImportError:
        from mmengine.utils import track_iter_progress

        def track(steps: Iterable) -> Iterable:
            steps = list(steps)
            return track_iter_progress(steps) if steps else steps

        return track


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Build MNIST-M from MNIST and background photos (BSDS500)")
    parser.add_argument("mnist_root", help="folder with MNIST's idx files ({train,t10k}-*-ubyte[.gz])")
    parser.add_argument("backgrounds", help="folder of photos; the original uses BSR/BSDS500/data/images/train")
    parser.add_argument("out_root", help="output folder (e.g. data/mnist_m)")
    parser.add_argument("--splits", nargs="+", choices=MNISTM_SPLITS, default=list(MNISTM_SPLITS))
    parser.add_argument("--seed", type=int, default=42, help="seed of photo and patch choices (default 42)")
    parser.add_argument("--threshold", type=int, default=0, help="ink threshold of the binarisation (default 0)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N digits per split (quick check)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    counts = {}
    try:
        for split in args.splits:
            counts.update(
                build_mnistm(
                    args.mnist_root,
                    args.backgrounds,
                    args.out_root,
                    splits=[split],
                    seed=args.seed,
                    threshold=args.threshold,
                    limit=args.limit,
                    progress=progress_bar(f"MNIST-M {split}"),
                )
            )
    except (FileNotFoundError, ValueError) as error:
        raise SystemExit(f"error: {error}") from error
    for split, count in counts.items():
        print(f"wrote {count} images to {args.out_root}/mnist_m_{split} (+ mnist_m_{split}_labels.txt)")


if __name__ == "__main__":
    sys.exit(main())
