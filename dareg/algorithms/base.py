"""The base class every dareg algorithm derives from, and its contract with mmengine's Runner."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import torch
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch import nn

from dareg.algorithms.spec import TrainSpec

Batch = dict[str, Any]


class BaseAlgorithm(BaseModel):
    """An adaptation method: owns its components and runs one adversarial iteration per call.

    The contract with mmengine's ``Runner``:

    * :meth:`train_step` receives a collated batch (for two-domain data
      ``{"source": {...}, "target": {...}}``) and an
      :class:`~mmengine.optim.OptimWrapperDict` whose keys name the sub-modules they update
      (``"segmentor"``, ``"discriminator"`` ...). It runs the method's updates in the paper's order
      and returns a flat dict of detached scalar tensors, which the logger smooths and prints.
    * :meth:`val_step` / :meth:`test_step` (inherited) normalise a single-domain batch and call
      :meth:`predict`, which returns one dict per sample (``pred_seg`` / ``pred_label`` beside the
      ground truth) for the metrics.
    * ``forward(inputs, data_samples, mode)`` dispatches ``"predict"`` to :meth:`predict` and
      ``"tensor"`` to :meth:`forward_tensor` (raw network outputs, for export and benchmarks).
    * An algorithm with several networks that can predict (a self-training student and its EMA
      teacher) names them in :attr:`prediction_networks`; its :meth:`predict` then takes
      ``network=<name>``, and :meth:`val_step` / :meth:`test_step` pass it on
      (:class:`~dareg.engine.network_loops.NetworksValLoop` evaluates each). Its
      :meth:`prediction_network` returns the task network behind each name, which the unsupervised
      validators read features from.
    * Every sub-network that computes with gradients is *called* (``self.classifier(x, mode=...)``),
      never reached through its methods or children (``self.classifier.head(f)``): under DDP only
      the call averages gradients across ranks, and dareg's wrapper raises at any other use.
      :meth:`networks_with_unused_parameters` names the sub-networks that a backward pass uses only
      in part.

    Helpers keep ``train_step`` short: :meth:`frozen` switches sub-modules' gradients off for one
    step, :meth:`update` back-propagates a loss and steps one named optimizer (:meth:`step` steps
    one whose gradients several backward passes accumulated, :meth:`update_jointly` several optimizers
    from one loss), :meth:`autocast` enters that optimizer's
    mixed-precision context, and :meth:`scalars` detaches a dict of losses for logging.

    Every concrete algorithm declares what its ``train_step`` does in one class attribute,
    :attr:`train_spec` (a :class:`~dareg.algorithms.spec.TrainSpec`: the optimizer keys in update
    order, what each update does, the logged scalars). ``dareg info``, the docs and the checks
    before training read it, and :func:`dareg.testing.check_train_spec` holds it to the code.

    Args:
        data_preprocessor: Config of the data preprocessor. Defaults to a
            ``DomainDataPreprocessor`` with no normalisation.
        init_cfg: mmengine weight-initialisation config. Defaults to None.
    """

    #: What ``train_step`` does: optimizers, update order, logged scalars (None: undeclared).
    train_spec: ClassVar[TrainSpec | None] = None

    #: Names ``predict(..., network=name)`` accepts, the default first (``("student", "teacher")``);
    #: empty when one network makes every prediction.
    prediction_networks: ClassVar[tuple[str, ...]] = ()

    def __init__(self, data_preprocessor: dict | nn.Module | None = None, init_cfg: dict | None = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type="DomainDataPreprocessor")
        if isinstance(data_preprocessor, dict):
            from dareg.registry import MODELS

            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)

    # --- the contract ----------------------------------------------------------------------------
    def train_step(self, data: Batch, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        """Run one training iteration and return detached scalar losses."""
        raise NotImplementedError(f"{type(self).__name__} must implement train_step(data, optim_wrapper)")

    def predict(self, inputs: torch.Tensor, data_samples: dict | None = None) -> list[dict]:
        """Return one prediction dict per sample for the metrics.

        Algorithms that declare :attr:`prediction_networks` take a third argument, ``network`` (one
        of those names, defaulting to the first).
        """
        raise NotImplementedError(f"{type(self).__name__} must implement predict(inputs, data_samples)")

    def forward_tensor(self, inputs: torch.Tensor) -> Any:
        """Return the raw outputs of the network that makes predictions."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward_tensor(inputs)")

    def networks_with_unused_parameters(self) -> dict[str, str]:
        """The sub-networks some of whose trainable parameters get no gradient in a backward pass of ``train_step``.

        Keys are attribute paths (``"segmentor"``, ``"discriminators"``), values say why (for the
        log). Under DDP each sub-network is wrapped on its own, and DDP needs
        ``find_unused_parameters=True`` exactly for these: otherwise the gradients of such a
        backward pass are not averaged and the ranks drift apart. dareg's wrapper reads this before
        training. Defaults to none; override it where the config decides (AdaptSegNet with an
        unadapted output level).
        """
        return {}

    @staticmethod
    def predict_with(task_model: nn.Module, inputs: torch.Tensor, data_samples: dict | None = None) -> list[dict]:
        """Run a task network (``BaseTaskModel``) on ``inputs`` and return its per-sample predictions."""
        return task_model.predict(task_model(inputs), data_samples, input_size=tuple(inputs.shape[-2:]))

    def forward(
        self, inputs: torch.Tensor, data_samples: dict | None = None, mode: str = "tensor", network: str | None = None
    ) -> Any:
        if mode == "predict":
            if network is None:
                return self.predict(inputs, data_samples)
            return self.predict(inputs, data_samples, network=self.check_network(network))
        if mode == "tensor":
            return self.forward_tensor(inputs)
        raise ValueError(
            f"{type(self).__name__}.forward got mode={mode!r}; dareg algorithms support 'predict' and "
            "'tensor' (losses are computed inside train_step, which owns the optimizer updates)"
        )

    def prediction_network(self, network: str) -> nn.Module:
        """The task network (``BaseTaskModel``) that predicts as ``network``, one of :attr:`prediction_networks`.

        Algorithms that declare :attr:`prediction_networks` override it (``predict`` then runs
        ``predict_with(self.prediction_network(network), ...)``); the validators of a
        :class:`~dareg.engine.network_loops.NetworksValLoop` read each network's features through it.
        """
        self.check_network(network)
        raise NotImplementedError(
            f"{type(self).__name__} declares prediction_networks {list(self.prediction_networks)} but does not "
            "implement prediction_network(name), which returns the task network behind each name."
        )

    def check_network(self, network: str) -> str:
        """``network`` if it is one of :attr:`prediction_networks`; otherwise a ``ValueError`` naming them."""
        if network not in self.prediction_networks:
            names = list(self.prediction_networks)
            raise ValueError(
                f"{type(self).__name__} cannot predict with a network named {network!r}: "
                + (f"its prediction_networks are {names}." if names else "it predicts with one network only "
                   "(it declares no prediction_networks).")
            )
        return network

    def val_step(self, data: Batch, network: str | None = None) -> list:
        """Predictions for a validation batch, by the network ``network`` (the default one if None)."""
        if network is None:
            return super().val_step(data)
        return self(**self.data_preprocessor(data, False), mode="predict", network=network)

    def test_step(self, data: Batch, network: str | None = None) -> list:
        """Predictions for a test batch, by the network ``network`` (the default one if None)."""
        if network is None:
            return super().test_step(data)
        return self(**self.data_preprocessor(data, False), mode="predict", network=network)

    # --- helpers for train_step ------------------------------------------------------------------
    @staticmethod
    def set_requires_grad(modules: nn.Module | Iterable[nn.Module], requires_grad: bool) -> None:
        """Switch gradients of every parameter of ``modules`` on or off."""
        for module in [modules] if isinstance(modules, nn.Module) else modules:
            for param in module.parameters():
                param.requires_grad_(requires_grad)

    @staticmethod
    @contextmanager
    def frozen(*modules: nn.Module) -> Iterator[None]:
        """Within the block, ``modules`` get no gradients; each parameter's flag is restored after.

        Parameters that were frozen before (for example BN affine parameters) stay frozen.
        """
        params = [p for module in modules for p in module.parameters()]
        flags = [p.requires_grad for p in params]
        for param in params:
            param.requires_grad_(False)
        try:
            yield
        finally:
            for param, flag in zip(params, flags):
                param.requires_grad_(flag)

    @staticmethod
    def optimizer(optim_wrapper: OptimWrapperDict | OptimWrapper, name: str) -> OptimWrapper:
        """Return the optimizer wrapper called ``name``, with a clear error if the config lacks it."""
        if isinstance(optim_wrapper, OptimWrapperDict):
            if name not in optim_wrapper.optim_wrappers:
                raise KeyError(
                    f"This algorithm steps an optimizer named '{name}', but optim_wrapper has only "
                    f"{sorted(optim_wrapper.optim_wrappers)}. Add `{name}=dict(optimizer=...)` to the "
                    "config's optim_wrapper (constructor='MultiOptimWrapperConstructor')."
                )
            return optim_wrapper[name]
        return optim_wrapper

    def update(self, optim_wrapper: OptimWrapperDict | OptimWrapper, name: str, loss: torch.Tensor) -> None:
        """Backpropagate ``loss`` and step (then zero) the optimizer called ``name``."""
        self.optimizer(optim_wrapper, name).update_params(loss)

    def update_jointly(self, optim_wrapper: OptimWrapperDict, names: Iterable[str], loss: torch.Tensor) -> None:
        """Backpropagate one ``loss`` into the parameters of several optimizers, then step each.

        For losses that train several sub-networks at once (DANN's classifier and, through gradient
        reversal, its discriminator). When no wrapper changes the loss it back-propagates (plain
        ``OptimWrapper``, or an ``AmpOptimWrapper`` without loss scale, both without gradient
        accumulation: float32 and bfloat16 training), one backward pass computes the gradients of all
        their parameters; the other wrappers then record their backward call (mmengine counts them)
        on the detached loss, which reaches no parameter. Otherwise each optimizer back-propagates
        its own scaled loss into its own parameters only (``backward(inputs=...)``), so each applies
        its own loss scale, and the shared graph is kept until the last of them (a second pass
        through the layers between the optimizers' parameters and the loss).
        """
        wrappers = [self.optimizer(optim_wrapper, name) for name in names]
        owners = [(wrapper, _trainable_parameters(wrapper)) for wrapper in wrappers]
        owners = [(wrapper, params) for wrapper, params in owners if params]
        if owners and all(_backpropagates_unchanged(wrapper) for wrapper, _ in owners):
            (first, _), *others = owners
            first.backward(loss, inputs=[param for _, params in owners for param in params])
            for wrapper, _ in others:
                wrapper.backward(loss.detach().requires_grad_())
        else:
            for index, (wrapper, params) in enumerate(owners):
                wrapper.backward(wrapper.scale_loss(loss), retain_graph=index < len(owners) - 1, inputs=params)
        stepping = [wrapper for wrapper in wrappers if wrapper.should_update()]
        for wrapper in stepping:
            wrapper.step()
        for wrapper in stepping:
            wrapper.zero_grad()

    def step(self, optim_wrapper: OptimWrapperDict | OptimWrapper, name: str) -> None:
        """Step, then zero, optimizer ``name`` whose gradients were accumulated by separate backwards.

        For methods that back-propagate several losses one after another to free each graph early
        (AdaptSegNet's source and target passes), then step once.
        """
        wrapper = self.optimizer(optim_wrapper, name)
        wrapper.step()
        wrapper.zero_grad()

    def autocast(self, optim_wrapper: OptimWrapperDict | OptimWrapper, name: str):
        """The forward context of optimizer ``name`` (autocast under ``AmpOptimWrapper``)."""
        return self.optimizer(optim_wrapper, name).optim_context(self)

    @staticmethod
    def scalars(losses: dict[str, torch.Tensor | float]) -> dict[str, torch.Tensor]:
        """Detach a dict of losses into float32 scalar tensors for the logger."""
        return {key: _scalar(value) for key, value in losses.items()}

    @property
    def current_iter(self) -> int:
        """The Runner's current (0-based) training iteration, restored on resume."""
        return int(MessageHub.get_current_instance().get_info("iter", 0))


def _trainable_parameters(wrapper: OptimWrapper) -> list[torch.Tensor]:
    return [param for group in wrapper.optimizer.param_groups for param in group["params"] if param.requires_grad]


def _backpropagates_unchanged(wrapper: OptimWrapper) -> bool:
    """Whether ``wrapper.backward(wrapper.scale_loss(loss))`` is ``loss.backward()`` (and a count).

    True for mmengine's ``OptimWrapper`` itself and for a wrapper that says it scales no loss
    (dareg's ``AmpOptimWrapper.scaling`` is False for bfloat16), both without gradient
    accumulation; False for any other wrapper, whose ``backward`` may do more.
    """
    if getattr(wrapper, "_accumulative_counts", 1) != 1:
        return False
    return type(wrapper) is OptimWrapper or getattr(wrapper, "scaling", None) is False


def _scalar(value: torch.Tensor | float) -> torch.Tensor:
    """``value`` as a detached float32 scalar tensor, with no tensor operation when it already is one."""
    if not isinstance(value, torch.Tensor):
        return torch.tensor(float(value))
    value = value.detach()
    if value.dtype != torch.float32:
        value = value.float()
    return value if value.dim() == 0 else value.mean()
