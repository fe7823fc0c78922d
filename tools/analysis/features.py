"""t-SNE pictures and the proxy A-distance of a trained model's features, source against target.

``python tools/analysis/features.py CONFIG CHECKPOINT [--out DIR] [--max-samples 1000]
[--source train_dataloader.dataset.source] [--target train_dataloader.dataset.target] [--tensorboard]``

Writes ``tsne_domain.png``, ``tsne_class.png`` (classification) and ``features.json`` to ``--out``
(default: ``features/`` next to the checkpoint) and prints the A-distance. Features are those of the
task network just before its head (pooled backbone features for segmentation); see
:mod:`dareg.analysis.features`.
"""

from __future__ import annotations

import argparse
import os
import sys

from dareg.analysis.features import analyze_checkpoint
from dareg.utils.config import USER_ERRORS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="t-SNE and proxy A-distance of a model's features")
    parser.add_argument("config", help="config of the run")
    parser.add_argument("checkpoint", help="checkpoint to analyse ('none': the config's initial weights)")
    parser.add_argument("--out", help="output folder (default: <checkpoint dir>/features_<checkpoint name>)")
    parser.add_argument("--source", default="train_dataloader.dataset.source", help="dotted key of the source dataset")
    parser.add_argument("--target", default="train_dataloader.dataset.target", help="dotted key of the target dataset")
    parser.add_argument("--max-samples", type=int, default=1000, help="at most this many samples per domain")
    parser.add_argument("--batch-size", type=int, default=64, help="images per forward pass")
    parser.add_argument("--device", default="cpu", help="cpu, cuda ...")
    parser.add_argument("--seed", type=int, default=0, help="seed of t-SNE and of the A-distance split")
    parser.add_argument("--tensorboard", action="store_true", help="also write the pictures to a TensorBoard log")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    checkpoint = None if args.checkpoint.lower() == "none" else args.checkpoint
    out = args.out
    if out is None:
        name = os.path.splitext(os.path.basename(checkpoint))[0] if checkpoint else "init"
        out = os.path.join(os.path.dirname(checkpoint) if checkpoint else "work_dirs", f"features_{name}")
    try:
        report = analyze_checkpoint(
            args.config,
            checkpoint,
            out,
            args.source,
            args.target,
            args.max_samples,
            args.batch_size,
            args.device,
            args.seed,
            args.tensorboard,
        )
    except (*USER_ERRORS, KeyError, FileNotFoundError) as error:
        raise SystemExit(f"error: {error}") from error
    print(report.format())
    return 0


if __name__ == "__main__":
    sys.exit(main())
