"""Convert reference CycleGAN checkpoints (junyanz/pytorch-CycleGAN-and-pix2pix) into a dareg checkpoint.

    python tools/convert/cyclegan_to_dareg.py horse2zebra.pth --g-a latest_net_G_A.pth --g-b latest_net_G_B.pth \
        [--d-a latest_net_D_A.pth --d-b latest_net_D_B.pth] [--config configs/cyclegan/horse2zebra.py]

The output ``{"state_dict": ..., "meta": ...}`` has dareg ``CycleGAN`` keys (``generators.a2b`` = G_A,
``generators.b2a`` = G_B, ``discriminators.b`` = D_A, ``discriminators.a`` = D_B). With ``--config``,
each network is also loaded strictly into the config's generator / discriminator first, so a
mismatch of options (blocks, widths, norm) fails here. Translate with it directly:
``python tools/translate.py CONFIG horse2zebra.pth --input DIR --out OUT``. A single reference
generator file can also be given to ``tools/translate.py`` without converting.
"""

from __future__ import annotations

import argparse
import sys

import torch

from dareg.models.utils.reference_checkpoints import convert_cyclegan_checkpoints


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Convert reference CycleGAN networks into a dareg checkpoint")
    parser.add_argument("dst", help="output checkpoint path")
    for name in ("G_A", "G_B", "D_A", "D_B"):
        flag = "--" + name.lower().replace("_", "-")
        parser.add_argument(flag, dest=name, help=f"reference latest_net_{name}.pth")
    parser.add_argument("--config", help="dareg CycleGAN config to check the networks against")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    networks = {name: getattr(args, name) for name in ("G_A", "G_B", "D_A", "D_B") if getattr(args, name)}
    if not networks:
        raise SystemExit("error: give at least one of --g-a, --g-b, --d-a, --d-b")
    targets = None
    if args.config:
        from dareg.registry import DISCRIMINATORS, GENERATORS
        from dareg.utils.config import load_config

        model = load_config(args.config).model
        targets = {
            "G_A": GENERATORS.build(model["generator"]),
            "G_B": GENERATORS.build(model.get("generator_b2a") or model["generator"]),
            "D_A": DISCRIMINATORS.build(model["discriminator"]),
            "D_B": DISCRIMINATORS.build(model.get("discriminator_a") or model["discriminator"]),
        }
    state_dict = convert_cyclegan_checkpoints(networks, targets)
    meta = {"converted_from": {name: path for name, path in networks.items()}, "source": "pytorch-CycleGAN-and-pix2pix"}
    torch.save({"state_dict": state_dict, "meta": meta}, args.dst)
    print(f"wrote {len(state_dict)} tensors of {sorted(networks)} to {args.dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
