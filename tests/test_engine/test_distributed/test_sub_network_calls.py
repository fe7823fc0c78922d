"""What dareg's DDP wrapper enforces before and during training, in one gloo process.

* A part of a wrapped sub-network that runs with gradients outside the sub-network's own call
  (``self.net.extract(x)``, ``self.net.head(f)``) raises, naming the call and the fix; the call
  itself, frozen or gradient-free uses, parameter-free methods and ``.module`` do not.
* ``find_unused_parameters`` follows the algorithm's ``networks_with_unused_parameters()``; a
  contradicting or unknown setting fails at construction, and an undeclared partial backward pass
  fails at the next call with what to declare.
"""

from __future__ import annotations

import socket

import pytest
import torch
import torch.distributed as dist
from torch import nn

from dareg.algorithms import BaseAlgorithm
from dareg.engine.model_wrappers import AlgorithmDistributedDataParallel
from dareg.engine.sub_network_calls import SubNetworkBypassError
from dareg.registry import ALGORITHMS

pytestmark = pytest.mark.skipif(not dist.is_available(), reason="torch built without torch.distributed")


@pytest.fixture(scope="module", autouse=True)
def process_group():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=0, world_size=1)
    yield
    dist.destroy_process_group()


class Network(nn.Module):
    """A body and two heads; ``forward`` returns both heads' outputs."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Linear(4, 4)
        self.head = nn.Linear(4, 2)
        self.aux_head = nn.Linear(4, 2)

    def extract(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.body(inputs).relu()

    def loss(self, outputs: torch.Tensor) -> torch.Tensor:
        return outputs.square().mean()

    def forward(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.extract(inputs)
        return self.head(features), self.aux_head(features)


class Toy(BaseAlgorithm):
    def __init__(self, unused: dict[str, str] | None = None) -> None:
        super().__init__()
        self.net = Network()
        self.discriminator = nn.Linear(2, 1)
        self.unused = unused or {}

    def networks_with_unused_parameters(self) -> dict[str, str]:
        return self.unused


def wrapped(**kwargs) -> AlgorithmDistributedDataParallel:
    torch.manual_seed(0)
    return AlgorithmDistributedDataParallel(Toy(kwargs.pop("unused", None)), **kwargs)


def test_parts_run_past_the_sub_networks_call_raise_naming_the_call_and_the_fix():
    net = wrapped().module.net
    inputs = torch.randn(3, 4)
    with pytest.raises(SubNetworkBypassError, match=r"`self\.net\.extract\(\.\.\.\)` ran `net\.body` with gradients"):
        net.extract(inputs)
    with pytest.raises(SubNetworkBypassError, match=r"`self\.net\.head\(\.\.\.\)` ran `net\.head`") as error:
        net.head(torch.randn(3, 4))
    message = str(error.value)
    assert "self.net(x, mode='features')" in message and "with self.frozen(self.net):" in message
    assert "docs/reference/algorithm_contract.md" in message


def test_the_call_itself_and_uses_without_gradient_pass():
    algorithm = wrapped().module
    inputs = torch.randn(3, 4)
    main, aux = algorithm.net(inputs)  # through DDP's forward
    (main.sum() + aux.sum()).backward()
    assert float(algorithm.net.loss(main.detach())) >= 0  # a method that computes without parameters
    with torch.no_grad():
        algorithm.net.extract(inputs)
    with BaseAlgorithm.frozen(algorithm.net):
        algorithm.net.head(inputs).sum()
    algorithm.net.module(inputs)  # `.module`: past DDP on purpose (RankConsistencyHook watches it)


def test_find_unused_parameters_follows_the_declaration():
    declared = wrapped(unused={"net": "aux_head unused in some pass"})
    assert declared.sub_ddps()["net"].find_unused_parameters is True
    assert declared.sub_ddps()["discriminator"].find_unused_parameters is False
    assert not any(ddp.find_unused_parameters for ddp in wrapped().sub_ddps().values())
    everywhere = wrapped(find_unused_parameters=True)
    assert all(ddp.find_unused_parameters for ddp in everywhere.sub_ddps().values())


def test_single_level_adaptsegnet_declares_its_segmentor():
    segmentor = dict(
        type="MultiLevelSegmentor",
        backbone=dict(type="TimmBackbone", model_name="resnet10t", out_indices=(2, 3), output_stride=8),
        head=dict(type="ASPPClassifier", num_classes=4, dilations=(1, 2)),
        auxiliary_head=dict(type="ASPPClassifier", num_classes=4, dilations=(1, 2)),
    )
    discriminator = dict(type="FCDiscriminator", base_channels=4)
    adaptsegnet = dict(type="AdaptSegNet", segmentor=segmentor, discriminator=discriminator)
    single = ALGORITHMS.build(dict(adaptsegnet, lambda_adv=(0.0, 1e-3)))
    assert single.networks_with_unused_parameters() == {
        "segmentor": "lambda_adv is 0 for the aux level: no gradient in the target pass"
    }
    two_level = ALGORITHMS.build(adaptsegnet)
    assert two_level.networks_with_unused_parameters() == {}
    ddp = AlgorithmDistributedDataParallel(single)
    assert ddp.sub_ddps()["segmentor"].find_unused_parameters is True
    assert ddp.sub_ddps()["discriminators.0"].find_unused_parameters is False


def test_settings_that_cannot_work_fail_before_training():
    with pytest.raises(ValueError, match=r"find_unused_parameters=False, but Toy leaves parameters .*`net`: why"):
        wrapped(unused={"net": "why"}, find_unused_parameters=False)
    with pytest.raises(ValueError, match=r"names \['nett'\], which are not trainable sub-networks"):
        wrapped(unused={"nett": "typo"})
    algorithm = Toy()
    algorithm.temperature = nn.Parameter(torch.ones(()))
    with pytest.raises(ValueError, match=r"holds trainable parameters of its own \(\['temperature'\]\)"):
        AlgorithmDistributedDataParallel(algorithm)


def test_an_undeclared_partial_backward_pass_names_what_to_declare():
    net = wrapped().module.net
    main, _ = net(torch.randn(3, 4))
    main.sum().backward()  # the auxiliary head gets no gradient
    with pytest.raises(RuntimeError, match=r"return \{'net': 'why'\} from the algorithm's networks_with_unused"):
        net(torch.randn(3, 4))


def test_activation_checkpointing_recomputes_inside_the_call():
    """ActivationCheckpointHook's recomputation in the backward pass is part of the network's call."""
    import functools

    from dareg.engine.hooks.memory_hooks import checkpointed_forward

    net = wrapped().module.net
    network = net.module  # what the hook checkpoints for a DDP-wrapped path
    network.forward = functools.partial(checkpointed_forward, network.forward)
    main, aux = net(torch.randn(3, 4))
    (main.sum() + aux.sum()).backward()  # runs body and heads again, after net's call: no error
    assert network.body.weight.grad is not None
