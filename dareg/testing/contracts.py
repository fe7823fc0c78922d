"""Contract checks for dareg components, losses and algorithms, usable from any test suite.

Each check builds its subject from a config, exercises it the way dareg's training does, and
fails with an ``AssertionError`` naming the subject and what went wrong:

* :func:`check_component`: forward in train mode, backward, finite outputs and gradients,
  ``state_dict`` round trip into a fresh instance (same outputs in eval mode).
* :func:`check_loss`: finite value, gradients reach the inputs, ``state_dict`` round trip.
* :func:`check_algorithm`: real ``train_step`` calls with real optimizers (finite scalars, each
  stepped optimizer changes its parameters), :func:`check_train_spec` (including the EMA modules of
  self-training methods: no gradient, moved by the declared EMA at every step), ``val_step``, and a
  ``state_dict`` round trip.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch import nn

from dareg.engine.sub_network_calls import sub_network_calls_checked
from dareg.registry import ALGORITHMS, ALL_REGISTRIES, DaregRegistry

Inputs = torch.Tensor | Sequence[Any] | Callable[[], Any]


def tensors(output: Any) -> list[torch.Tensor]:
    """Every tensor in a (nested) output: a tensor, a list/tuple of them, or a dict."""
    if isinstance(output, torch.Tensor):
        return [output]
    if isinstance(output, (list, tuple)):
        return [t for item in output for t in tensors(item)]
    if isinstance(output, dict):
        return [t for item in output.values() for t in tensors(item)]
    return []


def _registry(registry: DaregRegistry | str) -> DaregRegistry:
    if isinstance(registry, str):
        key = registry if registry in ALL_REGISTRIES else registry + "s"
        if key not in ALL_REGISTRIES:
            raise KeyError(f"unknown registry {registry!r}; one of {sorted(ALL_REGISTRIES)}")
        return ALL_REGISTRIES[key]
    return registry


def _name(cfg: dict) -> str:
    kind = cfg.get("type")
    return kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))


def build_seeded(registry: DaregRegistry | str, cfg: dict, seed: int) -> Any:
    """Build ``cfg`` from ``registry`` with the global torch seed set to ``seed``."""
    torch.manual_seed(seed)
    return _registry(registry).build(copy.deepcopy(cfg))


def _make_inputs(inputs: Inputs) -> tuple:
    torch.manual_seed(123)
    value = inputs() if callable(inputs) else inputs
    if isinstance(value, torch.Size) or (isinstance(value, tuple) and all(isinstance(v, int) for v in value)):
        return (torch.randn(*value),)
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _assert_same_outputs(module: nn.Module, copy_: nn.Module, args: tuple, name: str) -> None:
    module.eval()
    copy_.eval()
    with torch.no_grad():
        torch.manual_seed(7)
        expected = tensors(module(*args))
        torch.manual_seed(7)
        actual = tensors(copy_(*args))
    assert len(actual) == len(expected), f"{name}: a copy loaded from its state_dict returns other outputs"
    for a, e in zip(actual, expected):
        torch.testing.assert_close(a, e, msg=lambda m: f"{name}: state_dict round trip changes outputs: {m}")


def check_component(registry: DaregRegistry | str, cfg: dict, inputs: Inputs) -> nn.Module:
    """Check the contract of a model component (backbone, head, generator, discriminator ...).

    Args:
        registry: The registry of its kind (``BACKBONES``) or its CLI name (``"backbones"``).
        cfg: Config that builds it (``type`` and constructor arguments), as small as possible.
        inputs: Shape of one random input tensor, a tensor, a tuple of forward arguments, or a
            callable returning any of these.

    Returns:
        The built module (in eval mode).
    """
    name = _name(cfg)
    module = build_seeded(registry, cfg, seed=0).train()
    args = _make_inputs(inputs)
    outputs = tensors(module(*args))
    assert outputs, f"{name}.forward returned no tensor"
    assert all(torch.isfinite(t).all() for t in outputs), f"{name}: NaN or inf in the outputs"
    sum(t.float().mean() for t in outputs if t.is_floating_point()).backward()
    trainable = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
    assert trainable, f"{name} has no trainable parameter"
    assert any(p.grad is not None for _, p in trainable), f"{name}: no trainable parameter received a gradient"
    bad = [n for n, p in trainable if p.grad is not None and not torch.isfinite(p.grad).all()]
    assert not bad, f"{name}: NaN/inf gradients in {bad[:5]}"
    copy_ = build_seeded(registry, cfg, seed=1)
    copy_.load_state_dict(module.state_dict())
    _assert_same_outputs(module, copy_, args, name)
    return module


def check_loss(cfg: dict, inputs: Inputs, expect_grad: bool = True) -> torch.Tensor:
    """Check the contract of a loss: a finite scalar whose gradient reaches the inputs.

    Args:
        cfg: Config that builds it from ``LOSSES``.
        inputs: Forward arguments (see :func:`check_component`); floating-point tensors among
            them are made to require gradients.
        expect_grad: Whether some floating-point input must receive a finite, non-zero gradient.

    Returns:
        The loss value on ``inputs``.
    """
    name = _name(cfg)
    loss_fn = build_seeded("losses", cfg, seed=0)
    args = tuple(
        a.detach().clone().requires_grad_(True) if isinstance(a, torch.Tensor) and a.is_floating_point() else a
        for a in _make_inputs(inputs)
    )
    value = loss_fn(*args)
    values = tensors(value)
    assert values, f"{name} returned no tensor"
    assert all(torch.isfinite(v).all() for v in values), f"{name}: NaN or inf loss {value}"
    total = sum(v.float().sum() for v in values)
    assert total.dim() == 0
    if expect_grad:
        assert total.requires_grad, f"{name}: no gradient reaches the inputs (the loss is not differentiable in them)"
        total.backward()
        grads = [a.grad for a in args if isinstance(a, torch.Tensor) and a.grad is not None]
        assert grads, f"{name}: no gradient reaches the inputs"
        assert all(torch.isfinite(g).all() for g in grads), f"{name}: NaN/inf gradient"
        assert any(g.abs().sum() > 0 for g in grads), f"{name}: the gradient is zero everywhere"
    if isinstance(loss_fn, nn.Module):
        copy_ = build_seeded("losses", cfg, seed=1)
        copy_.load_state_dict(loss_fn.state_dict())
        detached = tuple(a.detach() if isinstance(a, torch.Tensor) else a for a in args)
        _assert_same_outputs(loss_fn, copy_, detached, name)
    return value.detach() if isinstance(value, torch.Tensor) else value


def build_optim_wrapper(model: nn.Module, optim_wrapper: dict | None = None) -> OptimWrapperDict:
    """Optimizers for ``model`` as a training run builds them (``MultiOptimWrapperConstructor``).

    Args:
        model: An algorithm.
        optim_wrapper: The ``optim_wrapper`` config without ``constructor`` (``{key: dict(optimizer=...)}``).
            Defaults to SGD (lr 0.01) for each key of the algorithm's ``train_spec`` (but the optional
            parts it was built without, see :meth:`~dareg.algorithms.spec.TrainSpec.optimizer_keys_for`).
    """
    from dareg.engine.optimizers import MultiOptimWrapperConstructor

    if optim_wrapper is None:
        spec = getattr(type(model), "train_spec", None)
        assert spec is not None, f"{type(model).__name__} has no train_spec: pass optim_wrapper explicitly"
        optim_wrapper = {key: dict(optimizer=dict(type="SGD", lr=0.01)) for key in spec.optimizer_keys_for(model)}
    cfg = {k: v for k, v in copy.deepcopy(dict(optim_wrapper)).items() if k != "constructor"}
    return MultiOptimWrapperConstructor(cfg)(model)


def record_steps(optim_wrapper: OptimWrapperDict | OptimWrapper) -> list[str]:
    """Make every optimizer of ``optim_wrapper`` append its key to the returned list when it steps."""
    calls = getattr(optim_wrapper, "_dareg_recorded_steps", None)
    if calls is not None:  # already recording: start a new list in place
        calls.clear()
        return calls
    calls = []
    optim_wrapper._dareg_recorded_steps = calls
    wrappers = optim_wrapper.items() if isinstance(optim_wrapper, OptimWrapperDict) else [("", optim_wrapper)]
    for key, wrapper in wrappers:
        original = wrapper.step

        def step(*args, _key=key, _original=original, **kwargs):
            calls.append(_key)
            return _original(*args, **kwargs)

        wrapper.step = step
    return calls


def set_iteration(iteration: int) -> None:
    """Set the Runner iteration an algorithm reads (``BaseAlgorithm.current_iter``) outside a Runner."""
    MessageHub.get_current_instance().update_info("iter", iteration)


def _parameters(module: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def _check_ema(model: nn.Module, update: Any, before: dict[str, list[torch.Tensor]], iteration: int) -> None:
    """The EMA module of ``update`` got no gradient and moved by the EMA of its source in this step."""
    from dareg.models.utils.ema_teacher import EMATeacher

    cls = type(model).__name__
    teacher = getattr(model, update.module)
    with_grad = [n for n, p in teacher.named_parameters() if p.requires_grad or p.grad is not None]
    assert not with_grad, f"{cls}.{update.module} is moved by EMA but its parameters {with_grad[:3]} have gradients"
    after = _parameters(teacher)
    fix = f"call self.{update.module}.update(self.{update.source}, self.current_iter) once per train_step"
    if not isinstance(teacher, EMATeacher):
        assert any(not torch.equal(a, b) for a, b in zip(after, before["teacher"])), (
            f"{cls}.{update.module} is declared as moved by EMA but did not change at iteration {iteration}"
        )
        return
    alpha = teacher.alpha_at(iteration)
    candidates = []  # the source before the step (EMA first, as DAFormer) or after it (as DACS)
    for source in (before["source"], _parameters(getattr(model, update.source))):
        candidates.append([alpha * t + (1 - alpha) * s if alpha else s for t, s in zip(before["teacher"], source)])
    for expected in candidates:
        if all(torch.allclose(a, e, rtol=1e-5, atol=1e-6) for a, e in zip(after, expected)):
            return
    moved = any(not torch.equal(a, b) for a, b in zip(after, before["teacher"]))
    raise AssertionError(
        f"{cls}.{update.module} is not the EMA of {cls}.{update.source} with alpha_{iteration} = {alpha:g} after "
        f"train_step at iteration {iteration} (it {'moved otherwise' if moved else 'did not move'}): {fix}"
    )


def check_train_spec(model: nn.Module, batch: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
    """Run one real ``train_step`` and check it against the class's ``train_spec``.

    Fails when an optimizer is stepped that the spec does not declare, when the order of the
    updates differs from the declared one, or when a logged key is not declared. For every module
    the spec declares as moved by EMA (``train_spec.ema``): it must have no gradient and, after the
    step, be the EMA of its source at the current iteration (:meth:`EMATeacher.alpha_at
    <dareg.models.utils.EMATeacher.alpha_at>`: a copy at iteration 0), whether the update runs
    before the optimizer step (DAFormer) or after it (DACS); a module that is not an
    :class:`~dareg.models.utils.EMATeacher` must at least have moved.

    Returns:
        What ``train_step`` returned.
    """
    cls = type(model).__name__
    spec = getattr(type(model), "train_spec", None)
    assert spec is not None, f"{cls} declares no train_spec (see dareg.algorithms.spec.TrainSpec)"
    iteration = int(MessageHub.get_current_instance().get_info("iter", 0))
    ema_before = {
        update.module: {
            "teacher": _parameters(getattr(model, update.module)),
            "source": _parameters(getattr(model, update.source)),
        }
        for update in spec.ema_updates
    }
    calls = record_steps(optim_wrapper)
    logged = model.train_step(copy.deepcopy(batch), optim_wrapper)
    assert calls, f"{cls}.train_step stepped no optimizer"
    problem = spec.order_violations(calls)
    assert problem is None, f"{cls}.train_step stepped {calls}, train_spec disagrees: {problem}"
    undeclared = spec.undeclared_logged(logged)
    assert not undeclared, f"{cls}.train_step logs {undeclared}, not declared in train_spec.logged {list(spec.logged)}"
    for update in spec.ema_updates:
        _check_ema(model, update, ema_before[update.module], iteration)
    return logged


def perturb_ema_sources(model: nn.Module, scale: float = 0.01, seed: int = 0) -> None:
    """Shift the parameters of every EMA source of ``model``, as ``init_weights`` or ``load_from`` do.

    A teacher copied from the student at construction differs from the student once mmengine has
    run ``init_weights`` and loaded ``load_from``; after this, the check of iteration 0 fails unless
    the teacher is copied from the student inside ``train_step``.
    """
    spec = getattr(type(model), "train_spec", None)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for update in spec.ema_updates if spec is not None else ():
            for param in getattr(model, update.source).parameters():
                noise = torch.randn(param.shape, generator=generator, dtype=param.dtype)
                param.add_(scale * noise.to(param.device))


def check_algorithm(
    cfg: dict,
    batch: dict,
    optim_wrapper: dict | None = None,
    at_iters: Iterable[int] | None = None,
) -> nn.Module:
    """Check the contract of an algorithm on one batch.

    At each iteration of ``at_iters`` (the Runner iteration the algorithm sees; phases switch on
    it), run ``train_step`` with real optimizers and check: the logged values are finite scalar
    tensors, every stepped optimizer changed some of its parameters, and the step follows the
    class's ``train_spec`` (:func:`check_train_spec`, EMA modules included), and every sub-network
    computes with gradients only inside its own call, as DDP needs
    (:func:`dareg.engine.sub_network_calls.sub_network_calls_checked`). For an algorithm with
    EMA modules, the networks they follow are first shifted (:func:`perturb_ema_sources`), as
    ``init_weights`` and ``load_from`` shift them after construction. Then ``val_step`` on the
    target half returns one prediction per sample (for each of the algorithm's
    ``prediction_networks``, each of which :meth:`~dareg.algorithms.BaseAlgorithm.prediction_network`
    returns as a sub-module that makes those predictions), and a fresh instance loaded from the
    ``state_dict`` makes the same ``forward_tensor`` outputs.

    Args:
        cfg: Config of the algorithm (``ALGORITHMS``).
        batch: A collated two-domain batch (:func:`dareg.testing.two_domain_batch`).
        optim_wrapper: ``{key: dict(optimizer=...)}``; defaults to SGD for each ``train_spec`` key.
        at_iters: Iterations to run ``train_step`` at. Defaults to ``(0,)``, and ``(0, 1)`` for an
            algorithm with EMA modules (the copy, then the first average).

    Returns:
        The trained algorithm.
    """
    name = _name(cfg)
    model = build_seeded(ALGORITHMS, cfg, seed=0).train()
    wrappers = build_optim_wrapper(model, optim_wrapper)
    spec = getattr(type(model), "train_spec", None)
    has_ema = spec is not None and bool(spec.ema_updates)
    if at_iters is None:
        at_iters = (0, 1) if has_ema else (0,)
    if has_ema:
        perturb_ema_sources(model)
    for iteration in at_iters:
        set_iteration(iteration)
        before = {n: p.detach().clone() for n, p in model.named_parameters()}
        with sub_network_calls_checked(model):  # DDP's calling rule, without a process group
            logged = check_train_spec(model, batch, wrappers)
        calls = list(wrappers._dareg_recorded_steps)
        for key, value in logged.items():
            assert isinstance(value, torch.Tensor) and value.dim() == 0, f"{name}: logged '{key}' is not a scalar"
            assert torch.isfinite(value), f"{name}: logged '{key}' is {value.item()} at iteration {iteration}"
        for key in dict.fromkeys(calls):
            params = {id(p) for group in wrappers[key].optimizer.param_groups for p in group["params"]}
            changed = [n for n, p in model.named_parameters() if id(p) in params and not torch.equal(p, before[n])]
            assert changed, f"{name}: optimizer '{key}' stepped at iteration {iteration} but changed no parameter"
    set_iteration(0)
    target = copy.deepcopy(batch["target"])
    for network in getattr(model, "prediction_networks", ()) or (None,):
        with torch.no_grad():
            predictions = model.val_step(copy.deepcopy(target), **({"network": network} if network else {}))
        assert len(predictions) == len(target["inputs"]), (
            f"{name}.val_step{f' (network {network!r})' if network else ''} returned {len(predictions)} predictions"
        )
        if network is not None:
            _check_prediction_network(model, network, target)
    copy_ = build_seeded(ALGORITHMS, cfg, seed=1)
    copy_.load_state_dict(model.state_dict())
    model.eval()
    copy_.eval()
    inputs = model.data_preprocessor(copy.deepcopy(target), False)["inputs"]
    with torch.no_grad():
        expected, actual = tensors(model.forward_tensor(inputs)), tensors(copy_.forward_tensor(inputs))
    assert expected and len(actual) == len(expected), f"{name}.forward_tensor returned no tensor"
    for a, e in zip(actual, expected):
        torch.testing.assert_close(a, e, msg=lambda m: f"{name}: state_dict round trip changes outputs: {m}")
    return model


def _check_prediction_network(model: nn.Module, network: str, target: dict) -> None:
    """``model.prediction_network(network)`` is a sub-module that makes ``val_step(network=...)``'s predictions."""
    name = type(model).__name__
    module = model.prediction_network(network)
    assert any(module is child for child in model.modules()), (
        f"{name}.prediction_network({network!r}) is not one of its sub-modules"
    )
    was_training = model.training
    model.eval()  # dropout off: the two ways must agree exactly
    try:
        with torch.no_grad():
            predictions = model.val_step(copy.deepcopy(target), network=network)
            inputs = model.data_preprocessor(copy.deepcopy(target), False)
            alone = model.predict_with(module, inputs["inputs"], inputs.get("data_samples"))
    finally:
        model.train(was_training)
    assert len(alone) == len(predictions), f"{name}.prediction_network({network!r}) predicts another batch size"
    for own, expected in zip(alone, predictions):
        keys = [key for key, value in expected.items() if isinstance(value, torch.Tensor)]
        assert keys, f"{name}.val_step(network={network!r}) returned predictions without tensors"
        for key in keys:
            torch.testing.assert_close(
                own[key], expected[key], msg=lambda m: f"{name}.prediction_network({network!r}) predicts otherwise: {m}"
            )
