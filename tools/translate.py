"""Translate images with a trained generator, keeping file names and layout.

A folder:   ``python tools/translate.py CONFIG CHECKPOINT --input DIR --out OUT [--direction a2b]``
A dataset:  ``python tools/translate.py CONFIG CHECKPOINT --dataset train_dataloader.dataset.source --out OUT``
            (any dotted key of CONFIG, or of ``--dataset-config OTHER``, that holds a dataset config)
Resumable: files that already exist under OUT are skipped (``--overwrite`` redoes them).
"""

from __future__ import annotations

import argparse
import sys

from dareg.apis.translate import build_translator, config_entry, translate_dataset, translate_folder
from dareg.utils.config import USER_ERRORS, load_config


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Translate a folder or a dataset with a trained generator")
    parser.add_argument("config", help="training config of the CycleGAN / DiscoGAN / CyCADA run")
    parser.add_argument("checkpoint", help="its checkpoint (or a converted reference generator state dict)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", help="folder of images to translate (recursively)")
    source.add_argument("--dataset", help="dotted config key of a dataset, e.g. train_dataloader.dataset.source")
    parser.add_argument("--dataset-config", help="read --dataset from this config instead of CONFIG")
    parser.add_argument("--out", required=True, help="output folder (same relative paths and names as the input)")
    parser.add_argument("--direction", choices=["a2b", "b2a"], default="a2b", help="a = source domain, b = target")
    parser.add_argument("--scale", nargs=2, type=int, metavar=("W", "H"), help="resize to W x H before translating")
    parser.add_argument("--no-keep-size", action="store_true", help="write outputs at --scale, not the input size")
    parser.add_argument("--batch-size", type=int, default=1, help="images per forward pass (same-size images)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1 ...")
    parser.add_argument("--pad-divisor", type=int, default=4, help="pad inputs to multiples of this (4 for ResNet)")
    parser.add_argument("--overwrite", action="store_true", help="translate files that already exist again")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        cfg = load_config(args.config)
        translator = build_translator(cfg, args.checkpoint, args.direction, args.device, args.pad_divisor)
        options = dict(
            scale=args.scale,
            keep_size=not args.no_keep_size,
            overwrite=args.overwrite,
            batch_size=args.batch_size,
            progress=not args.no_progress,
        )
        if args.input:
            summary = translate_folder(translator, args.input, args.out, **options)
        else:
            dataset_cfg = config_entry(load_config(args.dataset_config) if args.dataset_config else cfg, args.dataset)
            summary = translate_dataset(translator, dataset_cfg, args.out, **options)
    except (*USER_ERRORS, KeyError, FileNotFoundError) as error:
        raise SystemExit(f"error: {error}") from error
    print(f"translated {summary.written} images into {args.out} ({summary.skipped} already there, skipped)")


if __name__ == "__main__":
    sys.exit(main())
