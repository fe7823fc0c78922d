"""Distributed training of adversarial algorithms: one DDP per trainable sub-network.

An adaptation algorithm steps several optimizers inside one ``train_step`` (discriminator, then
segmentor/generator), with sub-networks frozen in turn. One ``DistributedDataParallel`` around the
whole algorithm cannot express that (DDP expects one forward and one backward over all trainable
parameters per iteration), and mmengine's ``MMDistributedDataParallel.train_step`` calls
``forward(mode="loss")``, which dareg algorithms do not have. mmengine's answer, used by
MMGeneration/MMagic, is ``MMSeparateDistributedDataParallel``: each trainable sub-module gets its
own DDP, gradients are averaged in each sub-network's backward, and the algorithm's own
``train_step`` runs unchanged. :class:`AlgorithmDistributedDataParallel` is that wrapper with what
dareg's algorithms need on top:

* the per-sub-network wrappers forward attribute access to the network
  (``self.segmentor.loss(...)``, ``self.generator.num_classes``), and their ``state_dict`` has the
  network's keys, so checkpoints saved under DDP load in a single process and vice versa;
* ``nn.ModuleDict`` / ``nn.ModuleList`` containers are descended into (they have no ``forward``);
* ``find_unused_parameters`` is set for exactly the sub-networks the algorithm declares
  (:meth:`~dareg.algorithms.BaseAlgorithm.networks_with_unused_parameters`);
* on CPU (gloo) the ``device_ids`` that mmengine's Runner passes are dropped, as DDP requires.

The contract (``docs/reference/algorithm_contract.md``): gradients are averaged only when a
sub-network is *called* (``self.discriminator(x)``, ``self.classifier(x, mode="features_and_logits")``),
because only DDP's forward prepares the reduction. A part of it run with gradients any other way
(``self.classifier.extract_features(x)``, ``self.classifier.head(f)``) raises
:class:`~dareg.engine.sub_network_calls.SubNetworkBypassError` at that call, naming it and the fix
(:mod:`dareg.engine.sub_network_calls`). ``.module`` is the one deliberate way past DDP (its
gradients stay local); :class:`~dareg.engine.hooks.RankConsistencyHook` catches what that, or
anything else, lets diverge.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any

from mmengine.device import get_device
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel, MMSeparateDistributedDataParallel
from mmengine.optim import OptimWrapperDict
from torch import nn

from dareg.engine.sub_network_calls import CallGuard, sub_networks
from dareg.registry import MODEL_WRAPPERS

#: Part of DDP's error when a backward pass left parameters of the wrapped network without gradient.
_UNFINISHED_REDUCTION = "Expected to have finished reduction in the prior iteration"


class SubmoduleDistributedDataParallel(MMDistributedDataParallel):
    """DDP around one sub-network of an algorithm, transparent to attribute access and checkpoints.

    Attributes that DDP itself does not have are looked up on the wrapped network, and
    ``state_dict`` / ``load_state_dict`` use the network's keys (no ``module.`` level). A
    :class:`~dareg.engine.sub_network_calls.CallGuard` raises when a part of the network runs with
    gradients outside its call (``self.classifier.head(f)``).

    Args:
        *args: ``DistributedDataParallel`` arguments (``module`` ...).
        name: The sub-network's path in the algorithm (``"classifier"``, ``"discriminators.0"``),
            for error messages. Defaults to ``"module"``.
        **kwargs: Further ``DistributedDataParallel`` arguments.
    """

    def __init__(self, *args: Any, name: str = "module", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._register_load_state_dict_pre_hook(self._add_module_prefix)
        self.network_name = name
        self.call_guard = CallGuard(self.module, name)

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        try:
            return super().forward(*inputs, **kwargs)
        except RuntimeError as error:
            if _UNFINISHED_REDUCTION not in str(error):
                raise
            raise RuntimeError(
                f"DDP of sub-network `{self.network_name}`: a backward pass of the previous train_step left some "
                "of its trainable parameters without a gradient (a part not used for the loss, or an output "
                "that no loss reads), so their gradients were never averaged across ranks. Declare it: return "
                f"{{'{self.network_name}': 'why'}} from the algorithm's networks_with_unused_parameters(), and "
                "dareg sets find_unused_parameters=True for that sub-network only; or set "
                "model_wrapper_cfg=dict(type='AlgorithmDistributedDataParallel', find_unused_parameters=True) "
                "for all of them (slower). See docs/distributed.md."
            ) from error

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name == "module":
                raise
            return getattr(self.module, name)

    def state_dict(self, *args: Any, destination: Any = None, prefix: str = "", keep_vars: bool = False) -> Any:
        return self.module.state_dict(*args, destination=destination, prefix=prefix, keep_vars=keep_vars)

    @staticmethod
    def _add_module_prefix(state_dict: dict, prefix: str, *args: Any) -> None:
        # checkpoints hold the network's keys; loading recurses through this wrapper's `module.`
        for key in [k for k in state_dict if k.startswith(prefix) and not k.startswith(prefix + "module.")]:
            state_dict[prefix + "module." + key[len(prefix) :]] = state_dict.pop(key)


def _within(outer: str) -> Any:
    """``path -> whether path is outer or inside it`` (``"discriminators.0"`` is inside ``"discriminators"``)."""
    return lambda path: path == outer or path.startswith(outer + ".")


def _trainable(module: nn.Module) -> bool:
    return any(param.requires_grad for param in module.parameters())


@MODEL_WRAPPERS.register_module()
class AlgorithmDistributedDataParallel(MMSeparateDistributedDataParallel):
    """Wrap every trainable sub-network of a dareg algorithm in its own DDP.

    dareg's default model wrapper under ``--launcher pytorch`` / ``slurm``
    (:func:`configure_distributed`). ``train_step``, ``val_step`` and ``test_step`` are the
    algorithm's own. Sub-modules without trainable parameters (a frozen teacher, the data
    preprocessor) are only moved to the device. Trainable parameters that belong to no sub-network
    (held by the algorithm itself) are refused: no DDP would average their gradients.

    Args:
        module: The algorithm.
        broadcast_buffers: Broadcast buffers (BN statistics) from rank 0 before each forward.
            Defaults to False (each rank keeps its own statistics; use ``sync_bn`` to share them).
        find_unused_parameters: Let DDP tolerate parameters that get no gradient in a backward
            pass (costs a graph traversal per forward). None sets it for exactly the sub-networks
            the algorithm's ``networks_with_unused_parameters()`` names; True for all; False for
            none, refused when the algorithm names any. Defaults to None.
        **kwargs: Further ``DistributedDataParallel`` arguments (``device_ids`` is dropped on CPU).

    Raises:
        ValueError: Before training, when ``find_unused_parameters=False`` contradicts the
            algorithm, when it names a sub-network it does not have, or when it holds trainable
            parameters of its own.
    """

    def __init__(
        self,
        module: nn.Module,
        broadcast_buffers: bool = False,
        find_unused_parameters: bool | None = None,
        **kwargs: Any,
    ) -> None:
        nn.Module.__init__(self)  # as mmengine's: no DDP of the whole algorithm
        self.module = module
        device = get_device()
        if device == "cpu":
            kwargs.pop("device_ids", None)
            kwargs.pop("output_device", None)
        _refuse_own_parameters(module)
        self.unused_parameters = _declared_unused_parameters(module, find_unused_parameters)
        ddp_kwargs = dict(broadcast_buffers=broadcast_buffers, **kwargs)
        self._wrap_children(module, "", device, ddp_kwargs, find_unused_parameters)
        for name, why in self.unused_parameters.items():
            print_log(f"DDP: find_unused_parameters=True for `{name}` ({why})", logger="current")

    def _wrap_children(
        self, parent: nn.Module, prefix: str, device: str, ddp_kwargs: dict, find_unused: bool | None
    ) -> None:
        for name, child in list(parent._modules.items()):
            if child is None:
                continue
            path = prefix + name
            if not _trainable(child):
                parent._modules[name] = child.to(device)
            elif isinstance(child, (nn.ModuleDict, nn.ModuleList)):
                self._wrap_children(child, path + ".", device, ddp_kwargs, find_unused)
            else:
                declared = any(_within(network)(path) for network in self.unused_parameters)
                unused = declared if find_unused is None else find_unused
                parent._modules[name] = SubmoduleDistributedDataParallel(
                    module=child.to(device), name=path, find_unused_parameters=unused, **ddp_kwargs
                )

    def sub_ddps(self) -> dict[str, SubmoduleDistributedDataParallel]:
        """Every per-sub-network DDP, by its path in the algorithm."""
        return {
            name: module
            for name, module in self.module.named_modules()
            if isinstance(module, SubmoduleDistributedDataParallel)
        }

    def train_step(self, data: Any, optim_wrapper: OptimWrapperDict) -> dict:
        return self.module.train_step(data, optim_wrapper)

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Skip gradient synchronisation in every sub-network (gradient accumulation)."""
        with ExitStack() as stack:
            for ddp in self.sub_ddps().values():
                stack.enter_context(ddp.no_sync())
            yield


def _refuse_own_parameters(algorithm: nn.Module) -> None:
    own = [name for name, param in algorithm.named_parameters(recurse=False) if param.requires_grad]
    if own:
        raise ValueError(
            f"{type(algorithm).__name__} holds trainable parameters of its own ({own}); under DDP only sub-networks "
            "(its nn.Module attributes) are wrapped, so their gradients would never be averaged across ranks. "
            "Move them into a sub-module (e.g. an nn.Module holding the parameter, called in train_step)."
        )


def _declared_unused_parameters(algorithm: nn.Module, find_unused_parameters: bool | None) -> dict[str, str]:
    """The algorithm's ``networks_with_unused_parameters()``, checked against an explicit setting."""
    declare = getattr(algorithm, "networks_with_unused_parameters", None)
    declared = dict(declare()) if callable(declare) else {}
    networks = sub_networks(algorithm)
    unknown = [name for name in declared if not any(map(_within(name), networks))]
    if unknown:
        raise ValueError(
            f"{type(algorithm).__name__}.networks_with_unused_parameters() names {unknown}, which are not trainable "
            f"sub-networks of it (those are {sorted(networks)})."
        )
    if find_unused_parameters is False and declared:
        reasons = "; ".join(f"`{name}`: {why}" for name, why in declared.items())
        raise ValueError(
            f"model_wrapper_cfg sets find_unused_parameters=False, but {type(algorithm).__name__} leaves parameters "
            f"without a gradient in some backward pass ({reasons}), so DDP would stop averaging them after the "
            "first iteration. Remove find_unused_parameters from model_wrapper_cfg (dareg then sets it for "
            f"{sorted(declared)} only) or set it to True."
        )
    return declared if find_unused_parameters is None else {}


def prepare_distributed(cfg: Any) -> None:
    """What dareg does before mmengine's Runner starts a distributed run, after :func:`configure_distributed`.

    Without CUDA it starts the process group itself, because mmengine's ``init_dist`` calls
    ``torch.cuda.set_device`` first (the Runner then sees an initialised group and keeps it). Under
    ``--launcher slurm`` the rank, world size and master address come from Slurm's environment
    (:func:`slurm_environment`).
    """
    import os

    import torch
    import torch.distributed as torch_dist

    launcher = cfg.get("launcher")
    if launcher not in ("pytorch", "slurm") or torch.cuda.is_available() or torch_dist.is_initialized():
        return
    if launcher == "slurm":
        os.environ.update(slurm_environment(os.environ))
    missing = [k for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT") if k not in os.environ]
    if missing:
        raise RuntimeError(
            f"--launcher pytorch needs the environment variables {missing}: start the run with "
            "tools/dist_train.sh CONFIG NPROC (torchrun sets them)."
        )
    backend = cfg["env_cfg"]["dist_cfg"]["backend"]
    torch_dist.init_process_group(
        backend=backend, rank=int(os.environ["RANK"]), world_size=int(os.environ["WORLD_SIZE"])
    )


#: Port of the rendezvous when ``MASTER_PORT`` is unset, as mmengine's Slurm launcher uses.
SLURM_DEFAULT_PORT = 29500


def slurm_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT`` from Slurm's variables.

    The values mmengine's Slurm launcher derives, without its GPU selection, so that
    ``--launcher slurm`` also runs on CPU nodes. ``MASTER_ADDR`` and ``MASTER_PORT`` already in
    ``environ`` are kept; otherwise the address is the first host of ``SLURM_NODELIST`` (expanded by
    ``scontrol show hostname`` when available, else by :func:`first_slurm_host`) and the port 29500.

    Raises:
        RuntimeError: If a Slurm variable is missing (the process was not started by ``srun``).
    """
    missing = [k for k in ("SLURM_PROCID", "SLURM_NTASKS", "SLURM_NODELIST") if k not in environ]
    if missing:
        raise RuntimeError(
            f"--launcher slurm needs the environment variables {missing}, which srun sets: start "
            "the run with `srun ... python tools/train.py CONFIG --launcher slurm` (see "
            "docs/distributed.md), or use tools/dist_train.sh on a single machine."
        )
    rank = int(environ["SLURM_PROCID"])
    address = environ.get("MASTER_ADDR") or _scontrol_first_host(environ["SLURM_NODELIST"])
    return {
        "RANK": str(rank),
        "WORLD_SIZE": str(int(environ["SLURM_NTASKS"])),
        "LOCAL_RANK": str(int(environ.get("SLURM_LOCALID", rank))),
        "MASTER_ADDR": address or first_slurm_host(environ["SLURM_NODELIST"]),
        "MASTER_PORT": environ.get("MASTER_PORT", str(SLURM_DEFAULT_PORT)),
    }


def _scontrol_first_host(node_list: str) -> str | None:
    import shutil
    import subprocess

    if shutil.which("scontrol") is None:
        return None
    result = subprocess.run(["scontrol", "show", "hostname", node_list], capture_output=True, text=True)
    hosts = result.stdout.split()
    return hosts[0] if result.returncode == 0 and hosts else None


def first_slurm_host(node_list: str) -> str:
    """The first host name of a Slurm node list such as ``"gpu[07-09,12],cpu3"`` (``"gpu07"``).

    Covers the compressed forms Slurm writes for ``SLURM_NODELIST``: comma-separated names, each
    with at most one bracketed list of numbers or zero-padded ranges.
    """
    head = node_list.strip()
    depth = 0
    for index, char in enumerate(head):  # the first top-level comma ends the first entry
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            head = head[:index]
            break
    if "[" not in head:
        if not head:
            raise ValueError(f"SLURM_NODELIST {node_list!r} names no host")
        return head
    prefix, rest = head.split("[", 1)
    numbers, suffix = rest.split("]", 1)
    first = numbers.split(",", 1)[0].split("-", 1)[0]
    return f"{prefix}{first}{suffix}"


#: Iterations between two rank-consistency checks of a distributed run, unless the config says otherwise.
RANK_CONSISTENCY_INTERVAL = 100


def _default_rank_consistency(cfg: Any) -> None:
    if cfg.get("default_hooks") is None:
        cfg["default_hooks"] = {}
    hooks = cfg["default_hooks"]
    custom = [hook.get("type") for hook in cfg.get("custom_hooks") or [] if isinstance(hook, Mapping)]
    custom = [kind if isinstance(kind, str) else getattr(kind, "__name__", "") for kind in custom]
    if "rank_consistency" not in hooks and not any(kind.endswith("RankConsistencyHook") for kind in custom):
        hooks["rank_consistency"] = dict(type="RankConsistencyHook", interval=RANK_CONSISTENCY_INTERVAL)


def configure_distributed(cfg: Any) -> None:
    """Defaults for ``launcher != "none"``: dareg's model wrapper, and gloo when there is no GPU.

    * ``model_wrapper_cfg`` defaults to :class:`AlgorithmDistributedDataParallel` (written
      ``"dareg.AlgorithmDistributedDataParallel"``: the Runner looks wrappers up in mmengine's root
      registry, which reaches dareg's only through the scope prefix). A config that asks
      for plain ``MMDistributedDataParallel`` is refused: it trains through ``forward(mode="loss")``
      with one optimizer, which an adversarial ``train_step`` is not.
      A top-level ``find_unused_parameters`` (which mmengine reads only without a
      ``model_wrapper_cfg``) moves into it.
    * The rank-consistency check is on (``default_hooks.rank_consistency``, every
      :data:`RANK_CONSISTENCY_INTERVAL` iterations) unless the config names the key (None switches
      it off) or lists a ``RankConsistencyHook`` among its ``custom_hooks``.
    * Without CUDA, ``env_cfg.dist_cfg.backend`` becomes ``"gloo"`` (NCCL needs GPUs).

    :func:`dareg.apis.train.build_runner` calls it before it drops the default hooks set to None,
    then :func:`prepare_distributed`.
    """
    import torch

    wrapper = cfg.get("model_wrapper_cfg")
    if wrapper is None:
        cfg["model_wrapper_cfg"] = dict(type="dareg.AlgorithmDistributedDataParallel")
        wrapper = cfg["model_wrapper_cfg"]  # the Config's own copy
    if "find_unused_parameters" in cfg and "find_unused_parameters" not in wrapper:
        wrapper["find_unused_parameters"] = cfg.pop("find_unused_parameters")
    if wrapper.get("type") in ("MMDistributedDataParallel", MMDistributedDataParallel):
        raise ValueError(
            "model_wrapper_cfg=dict(type='MMDistributedDataParallel') cannot train a dareg algorithm: it "
            "calls forward(mode='loss') and steps one optimizer, while dareg's train_step steps several. "
            "Remove model_wrapper_cfg (dareg then uses AlgorithmDistributedDataParallel, one DDP per "
            "trainable sub-network) or set it to dict(type='AlgorithmDistributedDataParallel')."
        )
    elif isinstance(wrapper.get("type"), str) and "." not in wrapper["type"] and wrapper["type"] in MODEL_WRAPPERS:
        # mmengine's Runner looks wrappers up in its root registry, which finds dareg's only by scope
        wrapper["type"] = f"dareg.{wrapper['type']}"
    _default_rank_consistency(cfg)
    if not torch.cuda.is_available():
        env_cfg = dict(cfg.get("env_cfg") or {})
        dist_cfg = dict(env_cfg.get("dist_cfg") or {})
        if dist_cfg.get("backend", "nccl") == "nccl":
            dist_cfg["backend"] = "gloo"
        env_cfg["dist_cfg"] = dist_cfg
        cfg["env_cfg"] = env_cfg
