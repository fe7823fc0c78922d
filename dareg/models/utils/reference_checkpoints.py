"""Loading checkpoints of the CycleGAN / pix2pix reference implementation into dareg's modules.

Reference facts (junyanz/pytorch-CycleGAN-and-pix2pix): ``save_networks`` writes one state dict per
network, ``latest_net_G_A.pth`` (A -> B generator), ``latest_net_G_B.pth`` (B -> A), ``latest_net_D_A.pth``
(discriminator of domain **B** images, the outputs of ``G_A``) and ``latest_net_D_B.pth``, with keys
``model.N...`` of one ``nn.Sequential`` (ResNet blocks as ``model.N.conv_block.M...``). Checkpoints
saved by old PyTorch versions also hold ``running_mean`` / ``running_var`` / ``num_batches_tracked``
of InstanceNorm layers, which the reference deletes when loading; ``DataParallel`` runs may prefix
every key with ``module.``.

dareg's :class:`~dareg.models.generators.ResnetGenerator`, :class:`~dareg.models.generators.UnetGenerator`
and :class:`~dareg.models.discriminators.PatchDiscriminator` use the same module indices, so after
this clean-up the state dicts load directly. :func:`convert_cyclegan_checkpoints` assembles a dareg
``CycleGAN`` checkpoint (``generators.a2b`` = ``G_A``, ``generators.b2a`` = ``G_B``,
``discriminators.b`` = ``D_A``, ``discriminators.a`` = ``D_B``).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from dareg.utils.checkpoint_files import load_checkpoint_file

STAT_SUFFIXES = ("running_mean", "running_var", "num_batches_tracked")

#: Reference network name -> dareg CycleGAN sub-module.
REFERENCE_NAMES = {
    "G_A": "generators.a2b",
    "G_B": "generators.b2a",
    "D_A": "discriminators.b",
    "D_B": "discriminators.a",
}


def read_state_dict(source: str | Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A state dict from a path or a mapping, without a ``module.`` (DataParallel) prefix."""
    state = load_checkpoint_file(source, "cpu") if isinstance(source, str) else source
    state = state.get("state_dict", state) if isinstance(state, Mapping) else state
    return {(key[len("module.") :] if key.startswith("module.") else key): value for key, value in state.items()}


def clean_reference_state_dict(state: Mapping[str, torch.Tensor], target: nn.Module) -> dict[str, torch.Tensor]:
    """Drop normalisation statistics that ``target`` has no buffer for (old InstanceNorm checkpoints)."""
    expected = set(target.state_dict())
    return {
        key: value
        for key, value in state.items()
        if key in expected or key.rsplit(".", 1)[-1] not in STAT_SUFFIXES
    }


def load_reference_network(module: nn.Module, source: str | Mapping[str, torch.Tensor]) -> nn.Module:
    """Load a reference ``latest_net_*.pth`` (path or state dict) into ``module``, strictly.

    Raises:
        RuntimeError: The architectures differ (for example ``num_blocks``, ``base_channels``,
            ``norm`` or ``use_dropout`` do not match the reference run's options); the message
            names the mismatched keys.
    """
    state = clean_reference_state_dict(read_state_dict(source), module)
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise RuntimeError(
            f"The reference checkpoint does not fit {type(module).__name__}: {error}. Match the reference "
            "run's options (--ngf -> base_channels, --netG resnet_9blocks -> num_blocks=9, --norm, --no_dropout)."
        ) from error
    return module


def convert_cyclegan_checkpoints(
    networks: Mapping[str, str | Mapping[str, torch.Tensor]],
    targets: Mapping[str, nn.Module] | None = None,
    with_pools: bool = True,
) -> dict[str, torch.Tensor]:
    """Assemble a dareg ``CycleGAN`` state dict from reference networks.

    Args:
        networks: ``{"G_A": path or state dict, "G_B": ..., "D_A": ..., "D_B": ...}`` (any subset).
        targets: Optional ``{name: module}`` used to drop InstanceNorm statistics the dareg module
            lacks and to check each network loads strictly. Defaults to None (statistics of
            layers are dropped by name only).
        with_pools: Add empty history pools (the reference does not save them), so that a complete
            conversion loads strictly into ``CycleGAN`` (``load_from``). Defaults to True.
    """
    unknown = set(networks) - set(REFERENCE_NAMES)
    if unknown:
        raise KeyError(f"Unknown reference networks {sorted(unknown)}; expected some of {sorted(REFERENCE_NAMES)}")
    converted: dict[str, torch.Tensor] = {}
    for name, source in networks.items():
        state = read_state_dict(source)
        if targets is not None and name in targets:
            state = load_reference_network(targets[name], state).state_dict()
        else:
            state = {key: value for key, value in state.items() if not _is_instance_norm_stat(key, state)}
        converted.update({f"{REFERENCE_NAMES[name]}.{key}": value for key, value in state.items()})
    if with_pools:
        for domain in ("a", "b"):
            converted[f"pools.{domain}.images"] = torch.empty(0)
            converted[f"pools.{domain}.num_images"] = torch.zeros((), dtype=torch.long)
    return converted


def _is_instance_norm_stat(key: str, state: Mapping[str, torch.Tensor]) -> bool:
    # an InstanceNorm without affine has statistics but no weight; BatchNorm always has a weight
    layer, _, suffix = key.rpartition(".")
    return suffix in STAT_SUFFIXES and f"{layer}.weight" not in state
