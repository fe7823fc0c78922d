"""Hold an algorithm's plain PyTorch loop (``tools/benchmark.py --baseline``) to its ``train_step``."""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from torch import nn


def check_baseline(
    cfg: Config, batches: Sequence[dict], skip: Sequence[str] = (), rtol: float = 1e-5, atol: float = 1e-6
) -> nn.Module:
    """Check that the plain loop of ``cfg``'s algorithm trains exactly as its ``train_step`` does.

    The config's model (built after ``torch.manual_seed(0)``) and a deep copy of it take one step
    per batch, at iterations 0, 1, ... of the message hub: the model through ``train_step`` with the
    config's optimizer wrappers, the copy through the registered baseline
    (:func:`dareg.benchmark.find_baseline`) with plain ``torch.optim`` optimizers of the same
    settings. The random number generator is reseeded identically before each step (dropout, noise,
    image pools). Every entry of the two ``state_dict`` s must then be equal: a loop that skipped a
    loss, a step or an optimizer, or froze the wrong part, would differ.

    Args:
        cfg: The config (its ``model``, ``optim_wrapper``; a ``clip_grad`` per optimizer is honoured).
        batches: Collated two-domain batches, one per step (:func:`two_domain_batch`).
        skip: ``state_dict`` keys ending with one of these are not compared (bookkeeping that
            ``train_step`` records and a plain loop keeps elsewhere, e.g. ``"grl.iteration"``).
        rtol: Relative tolerance. Defaults to 1e-5.
        atol: Absolute tolerance. Defaults to 1e-6.

    Returns:
        The model trained through ``train_step``.

    Raises:
        AssertionError: A state entry differs, or no entry changed (a vacuous comparison).
    """
    from dareg.benchmark.baselines import PlainLoop, find_baseline
    from dareg.benchmark.runner import optimizer_configs, plain_optimizers
    from dareg.engine.optimizers import MultiOptimWrapperConstructor
    from dareg.registry import MODELS

    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    twin = copy.deepcopy(model)
    initial = copy.deepcopy(model.state_dict())
    optim_cfg = optimizer_configs(cfg)
    wrappers = MultiOptimWrapperConstructor(copy.deepcopy(optim_cfg))(model)
    pre = twin.data_preprocessor
    normalize = getattr(pre, "normalize", False)
    loop = PlainLoop(
        plain_optimizers(cfg, twin),
        mean=pre.mean if normalize else None,
        std=pre.std if normalize else None,
        bgr_to_rgb=bool(getattr(pre, "bgr_to_rgb", False)),
        device=torch.device("cpu"),
        clip_grad={key: entry.get("clip_grad") for key, entry in optim_cfg.items()},
    )
    plain_step = find_baseline(type(model).__name__)(twin, loop)
    hub = MessageHub.get_current_instance()
    try:
        for iteration, data in enumerate(batches):
            hub.update_info("iter", iteration)
            torch.manual_seed(100 + iteration)
            model.train_step(data, wrappers)
            torch.manual_seed(100 + iteration)
            plain_step(data)
    finally:
        hub.update_info("iter", 0)
    name = type(model).__name__
    trained, plain = model.state_dict(), twin.state_dict()
    for key, value in trained.items():
        if not key.endswith(tuple(skip)):
            torch.testing.assert_close(plain[key], value, rtol=rtol, atol=atol, msg=lambda m, k=key: f"{name} {k}: {m}")
    assert any(not torch.equal(initial[key], value) for key, value in trained.items()), f"{name}: nothing trained"
    return model
