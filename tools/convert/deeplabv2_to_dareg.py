"""Convert a reference DeepLab-v2 / AdaptSegNet checkpoint into a dareg checkpoint.

    python tools/convert/deeplabv2_to_dareg.py GTA2Cityscapes_multi-ed35151c.pth work_dirs/adaptseg_multi.pth
    python tools/convert/deeplabv2_to_dareg.py DeepLab_resnet_pretrained_init-f81d91e8.pth init.pth --backbone-only

The output holds ``{"state_dict": ..., "meta": ...}`` with dareg keys (``segmentor.backbone.*``,
``segmentor.auxiliary_head.branches.N.*``, ``segmentor.head.branches.N.*``), loadable with
``load_from=...`` in a config or ``dareg.apis.init_model(config, checkpoint)``. The reference init
checkpoint can also be given to ``DeepLabV2ResNet(pretrained=...)`` directly, without converting.
The mapping itself is :func:`dareg.models.backbones.deeplabv2.convert_reference_state_dict`.
"""

from __future__ import annotations

import argparse
import sys

import torch

from dareg.models.backbones.deeplabv2 import convert_reference_state_dict
from dareg.utils.checkpoint_files import load_checkpoint_file


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Convert a reference DeepLab-v2 (AdaptSegNet) checkpoint")
    parser.add_argument("src", help="reference checkpoint (.pth): keys conv1, bn1, layer1..6 (optionally 'Scale.')")
    parser.add_argument("dst", help="output checkpoint path")
    parser.add_argument(
        "--prefix",
        default="segmentor.",
        help="prefix of every key: 'segmentor.' for AdaptSegNet (default), 'task_model.' for SourceOnly, '' for "
        "a bare MultiLevelSegmentor",
    )
    parser.add_argument(
        "--single-level", action="store_true", help="the checkpoint is the single-level model (layer5 = main head)"
    )
    parser.add_argument(
        "--num-branches",
        type=int,
        default=2,
        help="ASPP branches kept per head (2 = the reference's active branches, the default; 4 = all)",
    )
    parser.add_argument(
        "--backbone-only", action="store_true", help="drop the classifiers (as the reference does with the init model)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    checkpoint = load_checkpoint_file(args.src, "cpu")
    state = checkpoint.get("state_dict", checkpoint)
    converted = convert_reference_state_dict(
        state,
        prefix=args.prefix,
        multi_level=not args.single_level,
        num_branches=args.num_branches,
        include_heads=not args.backbone_only,
    )
    torch.save({"state_dict": converted, "meta": {"converted_from": args.src}}, args.dst)
    print(f"Converted {len(state)} reference tensors into {len(converted)} dareg tensors: {args.dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
