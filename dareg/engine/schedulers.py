"""Parameter schedulers that mmengine does not ship.

``InvLR`` is the "inv" schedule of DANN, CDAN and MDD (see its docstring).

``WarmupPolyLR`` is mmcv-1.x's ``poly`` policy with a linear warm-up, which DAFormer and MIC train
with (see its docstring).

``LinearDecayLR`` is CycleGAN's schedule (Zhu et al., ICCV 2017; reference ``networks.get_scheduler``
with ``lr_policy="linear"``): the learning rate stays at its initial value for ``n_epochs`` epochs
(100) and then decays linearly towards 0 over ``n_epochs_decay`` more (100): the factor at epoch ``e``
(0-based) is ``1 - max(0, e + 1 - n_epochs) / (n_epochs_decay + 1)``, so the last epoch trains with
``1 / (n_epochs_decay + 1)`` of the initial rate. ``LinearDecayLR`` computes exactly this factor at step
``t`` since ``begin``, with ``n_epochs = constant_steps`` and ``n_epochs_decay = end - begin -
constant_steps``, in epochs or (``by_epoch=False``) iterations.
"""

from __future__ import annotations

from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler

from dareg.registry import PARAM_SCHEDULERS


class LinearDecayParamScheduler(_ParamScheduler):
    """Keep a parameter at its initial value for ``constant_steps``, then decay it linearly towards
    ``eta_min``, which it would reach one step after ``end`` (CycleGAN's rule).

    Args:
        optimizer: Wrapped optimizer.
        param_name: Name of the scheduled parameter (``"lr"``).
        constant_steps: Steps (iterations, or epochs with ``by_epoch``) at the initial value,
            counted from ``begin``.
        eta_min: Value reached at ``end``. Defaults to 0.
        begin: First step of the schedule. Defaults to 0.
        end: First step after the schedule; must be finite. Defaults to INF (error).
        last_step: See mmengine's schedulers. Defaults to -1.
        by_epoch: Count epochs instead of iterations. Defaults to True.
        verbose: Print every update. Defaults to False.
    """

    def __init__(
        self,
        optimizer,
        param_name: str,
        constant_steps: int,
        eta_min: float = 0.0,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        if end == INF:
            raise ValueError(f"{type(self).__name__} needs a finite `end` (the step where the value reaches eta_min)")
        if not 0 <= constant_steps < end - begin:
            raise ValueError(
                f"{type(self).__name__}: constant_steps must be in [0, end - begin) = [0, {end - begin}), "
                f"got {constant_steps}. Both are counted in steps: when you set this scheduler's `end` or "
                "`constant_steps`, or change train_cfg.max_iters and param_scheduler keys together, set "
                "`end` and `constant_steps` with it (e.g. --cfg-options train_cfg.max_iters=200 "
                "param_scheduler.generators.end=200 param_scheduler.generators.constant_steps=100, and the "
                "same for the other schedulers; train_cfg.max_iters alone rescales them)"
            )
        self.constant_steps = int(constant_steps)
        self.eta_min = float(eta_min)
        super().__init__(
            optimizer, param_name, begin=begin, end=end, last_step=last_step, by_epoch=by_epoch, verbose=verbose
        )

    @classmethod
    def build_iter_from_epoch(
        cls, *args, constant_steps: int, begin=0, end=INF, by_epoch=True, epoch_length=None, **kwargs
    ):
        """Build an iteration-based instance from an epoch-based config."""
        if not by_epoch or not epoch_length:
            raise ValueError("convert_to_iter_based needs by_epoch=True and a positive epoch_length")
        end = end if end == INF else int(end * epoch_length)
        return cls(
            *args,
            constant_steps=int(constant_steps * epoch_length),
            begin=int(begin * epoch_length),
            end=end,
            by_epoch=False,
            **kwargs,
        )

    def factor(self, step: int) -> float:
        """Fraction of the initial value (above ``eta_min``) at ``step`` steps after ``begin``."""
        decay_steps = self.end - self.begin - self.constant_steps
        return 1.0 - min(1.0, max(0, step + 1 - self.constant_steps) / (decay_steps + 1))

    def _get_value(self) -> list[float]:
        factor = self.factor(self.last_step)
        return [self.eta_min + (base - self.eta_min) * factor for base in self.base_values]


@PARAM_SCHEDULERS.register_module()
class LinearDecayLR(LRSchedulerMixin, LinearDecayParamScheduler):
    """CycleGAN's learning-rate schedule: constant for ``constant_steps``, then linear decay towards
    ``eta_min`` (0); the last step before ``end`` trains with ``1 / (end - begin - constant_steps + 1)``
    of the initial rate, as in the reference.

    Config pattern (CycleGAN: 200 epochs, decay over the last 100)::

        param_scheduler = dict(
            generators=dict(type="LinearDecayLR", constant_steps=100, begin=0, end=200, by_epoch=True,
                            convert_to_iter_based=True),
            discriminators=dict(type="LinearDecayLR", constant_steps=100, begin=0, end=200, by_epoch=True,
                                convert_to_iter_based=True))

    or with iterations (``by_epoch=False``; ``constant_steps`` and ``end`` in iterations).

    Args:
        optimizer: Wrapped optimizer.
        constant_steps: Steps at the initial learning rate, counted from ``begin``.
        eta_min: Learning rate at ``end``. Defaults to 0.
        begin: First step. Defaults to 0.
        end: First step after the schedule (the end of training).
        last_step: See mmengine's schedulers. Defaults to -1.
        by_epoch: Count epochs. Defaults to True.
        verbose: Print every update. Defaults to False.
    """


class InvParamScheduler(_ParamScheduler):
    """``value = base * (1 + gamma * t) ^ -power`` at step ``t`` since ``begin`` (Caffe's "inv" policy).

    Computed in closed form from the initial values, so a resumed schedule continues exactly and each
    parameter group keeps its own multiplier (``lr_mult`` of ``paramwise_cfg``).

    Args:
        optimizer: Wrapped optimizer.
        param_name: Name of the scheduled parameter (``"lr"``).
        gamma: Decay rate. Defaults to 0.001.
        power: Decay exponent. Defaults to 0.75.
        begin: First step of the schedule. Defaults to 0.
        end: First step after the schedule. Defaults to INF.
        last_step: See mmengine's schedulers. Defaults to -1.
        by_epoch: Count epochs instead of iterations. Defaults to False.
        verbose: Print every update. Defaults to False.
    """

    def __init__(
        self,
        optimizer,
        param_name: str,
        gamma: float = 0.001,
        power: float = 0.75,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = False,
        verbose: bool = False,
    ) -> None:
        if gamma < 0 or power < 0:
            raise ValueError(f"{type(self).__name__}: gamma and power must be >= 0, got gamma={gamma}, power={power}")
        self.gamma = float(gamma)
        self.power = float(power)
        super().__init__(
            optimizer, param_name, begin=begin, end=end, last_step=last_step, by_epoch=by_epoch, verbose=verbose
        )

    def factor(self, step: int) -> float:
        """Fraction of the initial value at ``step`` steps after ``begin``."""
        return (1.0 + self.gamma * step) ** -self.power

    def _get_value(self) -> list[float]:
        factor = self.factor(self.last_step)
        return [base * factor for base in self.base_values]


@PARAM_SCHEDULERS.register_module()
class InvLR(LRSchedulerMixin, InvParamScheduler):
    """The "inv" learning-rate schedule of DANN, CDAN and MDD: ``lr = lr0 * (1 + gamma * i) ^ -power``.

    Transfer-Learning-Library and the official CDAN/MDD code update the rate every iteration ``i``
    (gamma 0.001, power 0.75 for DANN/CDAN; gamma 0.0002 for MDD); the DANN paper writes it on the
    training progress ``p`` as ``0.01 / (1 + 10 p) ^ 0.75``, which is gamma = 10 / max_iters.
    ``lr0`` is each parameter group's initial rate, so a backbone at ``lr_mult=0.1`` stays at 0.1x.

    Config pattern, one schedule per optimizer of a ``MultiOptimWrapperConstructor``::

        param_scheduler = dict(
            classifier=dict(type="InvLR", gamma=0.001, power=0.75, by_epoch=False),
            discriminator=dict(type="InvLR", gamma=0.001, power=0.75, by_epoch=False))

    Args:
        optimizer: Wrapped optimizer.
        gamma: Decay rate. Defaults to 0.001.
        power: Decay exponent. Defaults to 0.75.
        begin: First step. Defaults to 0.
        end: First step after the schedule. Defaults to INF.
        last_step: See mmengine's schedulers. Defaults to -1.
        by_epoch: Count epochs. Defaults to False (iterations, as the references).
        verbose: Print every update. Defaults to False.
    """


class WarmupPolyParamScheduler(_ParamScheduler):
    """Polynomial decay over ``[begin, end)``, multiplied during the first ``warmup_iters`` steps by a
    linear warm-up factor rising from ``warmup_ratio`` to 1 (mmcv-1.x's ``poly`` policy with
    ``warmup="linear"``).

    At step ``t`` since ``begin``, with ``T = end - begin`` and ``W = warmup_iters``::

        value = (eta_min + (base - eta_min) * (1 - t / T) ** power) * warm(t)
        warm(t) = warmup_ratio + (1 - warmup_ratio) * t / W   if t < W, else 1

    computed in closed form from each parameter group's initial value, so a resumed schedule
    continues exactly and each group keeps its own multiplier.

    Args:
        optimizer: Wrapped optimizer.
        param_name: Name of the scheduled parameter (``"lr"``).
        warmup_iters: Steps of the warm-up, counted from ``begin`` (0: none). Defaults to 1500.
        warmup_ratio: Warm-up factor at the first step. Defaults to 1e-6.
        power: Exponent of the decay. Defaults to 1.0.
        eta_min: Value the decay reaches at ``end``. Defaults to 0.
        begin: First step of the schedule. Defaults to 0.
        end: First step after the schedule; must be finite (the length of training). Defaults to
            INF (error).
        last_step: See mmengine's schedulers. Defaults to -1.
        by_epoch: Count epochs instead of iterations. Defaults to False.
        verbose: Print every update. Defaults to False.
    """

    def __init__(
        self,
        optimizer,
        param_name: str,
        warmup_iters: int = 1500,
        warmup_ratio: float = 1e-6,
        power: float = 1.0,
        eta_min: float = 0.0,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = False,
        verbose: bool = False,
    ) -> None:
        name = type(self).__name__
        if end >= INF:
            raise ValueError(f"{name} needs a finite `end`, where the decay reaches eta_min (the run's max_iters)")
        if not 0 <= warmup_iters < end - begin:
            raise ValueError(
                f"{name}: warmup_iters must be in [0, end - begin) = [0, {end - begin}), got {warmup_iters}; "
                "train_cfg.max_iters changed alone rescales warmup_iters, begin and end together."
            )
        if not 0 < warmup_ratio <= 1 or power < 0 or eta_min < 0:
            raise ValueError(
                f"{name}: needs 0 < warmup_ratio <= 1, power >= 0 and eta_min >= 0, got warmup_ratio={warmup_ratio}, "
                f"power={power}, eta_min={eta_min}"
            )
        self.warmup_iters = int(warmup_iters)
        self.warmup_ratio = float(warmup_ratio)
        self.power = float(power)
        self.eta_min = float(eta_min)
        super().__init__(
            optimizer, param_name, begin=begin, end=end, last_step=last_step, by_epoch=by_epoch, verbose=verbose
        )

    def warmup_factor(self, step: int) -> float:
        """Warm-up multiplier at ``step`` steps after ``begin`` (1 once the warm-up is over)."""
        if step >= self.warmup_iters:
            return 1.0
        return self.warmup_ratio + (1.0 - self.warmup_ratio) * step / self.warmup_iters

    def value(self, base: float, step: int) -> float:
        """The scheduled value of a group whose initial value is ``base``, at ``step`` steps after ``begin``."""
        progress = min(step, self.end - self.begin) / (self.end - self.begin)
        decayed = self.eta_min + (base - self.eta_min) * (1.0 - progress) ** self.power
        return decayed * self.warmup_factor(step)

    def _get_value(self) -> list[float]:
        return [self.value(base, self.last_step) for base in self.base_values]


@PARAM_SCHEDULERS.register_module()
class WarmupPolyLR(LRSchedulerMixin, WarmupPolyParamScheduler):
    """Poly learning-rate decay with a linear warm-up on top, as mmcv-1.x computes it (DAFormer, MIC).

    DAFormer's ``poly10warm.py`` (``policy="poly"``, ``power=1.0``, ``min_lr=0``, ``warmup="linear"``,
    ``warmup_iters=1500``, ``warmup_ratio=1e-6``; /work/shared/METHODS_SELFTRAINING.md section 2) runs
    in mmcv 1.x, whose poly factor ``(1 - t / max_iters) ** power`` counts from iteration 0 and whose
    warm-up multiplies it during the first 1500 iterations. The mmsegmentation-1.x translation,
    ``LinearLR(start_factor=1e-6, end=1500)`` then ``PolyLR(begin=1500, end=max_iters)``, starts the
    decay only after the warm-up: in a 40k run its rate is 1.0 of the base instead of the reference's
    0.9625 at iteration 1500, and 0.519 instead of 0.5 at 20000. This scheduler reproduces the
    reference::

        param_scheduler = dict(
            segmentor=dict(type="WarmupPolyLR", warmup_iters=1500, warmup_ratio=1e-6, power=1.0,
                           eta_min=0.0, begin=0, end=40000, by_epoch=False))

    Args:
        optimizer: Wrapped optimizer.
        warmup_iters: Warm-up steps from ``begin``. Defaults to 1500.
        warmup_ratio: Warm-up factor at the first step. Defaults to 1e-6.
        power: Exponent of the decay. Defaults to 1.0.
        eta_min: Learning rate at ``end``. Defaults to 0.
        begin: First step. Defaults to 0.
        end: First step after the schedule (the end of training).
        last_step: See mmengine's schedulers. Defaults to -1.
        by_epoch: Count epochs. Defaults to False (iterations, as the reference).
        verbose: Print every update. Defaults to False.
    """
