"""What an algorithm's ``train_step`` does, declared once on the class: optimizers, steps, logged terms.

Every algorithm states, in one class attribute, the optimizers its ``train_step`` steps (their keys
in ``optim_wrapper``), in which order and what each step does, and the scalars it logs::

    @ALGORITHMS.register_module()
    class DANN(BaseAlgorithm):
        train_spec = TrainSpec(
            steps=[("model", "classification loss on source + domain loss through gradient reversal")],
            logged={"loss_cls": "source cross-entropy", "loss_domain": "domain discriminator loss",
                    "acc_domain": "domain accuracy"},
        )

Self-training methods also declare the sub-networks that no optimizer updates because they follow
another network by exponential moving average (a mean teacher, :class:`~dareg.models.utils.EMATeacher`)::

    train_spec = TrainSpec(
        steps=[("segmentor", "source cross-entropy + pseudo-label cross-entropy on mixed images")],
        ema=[EMAUpdate("teacher", source="segmentor")],
        logged={...},
    )

The declaration is used by ``dareg info``, the method pages of the docs, and the checks before
training (optimizer keys of the config against it; an EMA module needs no optimizer and must have
none); :func:`dareg.testing.check_train_spec` runs a real ``train_step`` and fails when the declaration
and the code disagree, so they cannot drift.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TrainStepPart:
    """One optimizer update of ``train_step``.

    Attributes:
        optimizer: Key of the optimizer in ``optim_wrapper`` (the sub-module it updates).
        does: One line: which loss, computed how, updates what.
        when: Condition under which this update happens ("phase 2", "every n_critic iterations"),
            empty when it happens on every iteration.
    """

    optimizer: str
    does: str
    when: str = ""


#: The schedule of :class:`~dareg.models.utils.EMATeacher` (DACS ``trainUDA.py:111-121``).
DACS_SCHEDULE = "alpha_t = min(1 - 1/(t+1), alpha) at global iteration t; a copy of the source at t = 0"


@dataclass(frozen=True)
class EMAUpdate:
    """A sub-network that ``train_step`` moves by exponential moving average instead of an optimizer.

    Attributes:
        module: Attribute name of the moved sub-module in the algorithm (``"teacher"``).
        source: Attribute name of the network it follows (``"segmentor"``).
        schedule: One line: the EMA coefficient and when the update happens. Defaults to
            :data:`DACS_SCHEDULE`.
    """

    module: str
    source: str
    schedule: str = DACS_SCHEDULE


@dataclass(frozen=True)
class TrainSpec:
    """The optimizers, update order and logged scalars of an algorithm's ``train_step``.

    Args:
        steps: The updates in the order ``train_step`` makes them: :class:`TrainStepPart` or
            ``(optimizer, does)`` / ``(optimizer, does, when)`` tuples.
        logged: Name of each logged scalar -> its meaning. A name may be a glob pattern
            (``loss_adv*``) for terms whose names depend on the config (levels, domains).
        notes: Anything else a user must know about the step (phases, schedules).
        ema: The sub-networks moved by EMA (no optimizer, no gradient): :class:`EMAUpdate` or
            ``(module, source)`` / ``(module, source, schedule)`` tuples. Defaults to none.
    """

    steps: Sequence[TrainStepPart | tuple[str, ...]]
    logged: Mapping[str, str]
    notes: str = ""
    ema: Sequence[EMAUpdate | tuple[str, ...]] = ()
    parts: tuple[TrainStepPart, ...] = field(init=False, repr=False)
    ema_updates: tuple[EMAUpdate, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        parts = tuple(p if isinstance(p, TrainStepPart) else TrainStepPart(*p) for p in self.steps)
        if not parts:
            raise ValueError("TrainSpec needs at least one step (the optimizer train_step updates).")
        ema_updates = tuple(e if isinstance(e, EMAUpdate) else EMAUpdate(*e) for e in self.ema)
        both = [e.module for e in ema_updates if e.module in {p.optimizer for p in parts}]
        if both:
            raise ValueError(f"TrainSpec: {both} cannot be both stepped by an optimizer and moved by EMA.")
        object.__setattr__(self, "parts", parts)
        object.__setattr__(self, "ema_updates", ema_updates)
        object.__setattr__(self, "logged", dict(self.logged))

    @property
    def optimizer_keys(self) -> tuple[str, ...]:
        """The optimizer keys ``train_step`` uses, in order of first use."""
        return tuple(dict.fromkeys(part.optimizer for part in self.parts))

    def optimizer_keys_for(self, algorithm: object) -> tuple[str, ...]:
        """The optimizer keys a built ``algorithm`` steps: :attr:`optimizer_keys` less its absent optional parts.

        An algorithm with an optional sub-network (an adversary that a self-training method may or may
        not have) declares that sub-network's update with a ``when`` and sets the attribute of the same
        name to None when the config leaves it out; that optimizer is then neither stepped nor needed.
        """
        return tuple(key for key in self.optimizer_keys if getattr(algorithm, key, algorithm) is not None)

    @property
    def ema_modules(self) -> tuple[str, ...]:
        """The sub-modules moved by EMA (no optimizer, no gradient)."""
        return tuple(update.module for update in self.ema_updates)

    def declares_logged(self, key: str) -> bool:
        """Whether ``key`` is one of the declared logged names (or matches a declared pattern)."""
        return any(key == name or fnmatch.fnmatchcase(key, name) for name in self.logged)

    def undeclared_logged(self, keys: Iterable[str]) -> list[str]:
        """The keys among ``keys`` that the declaration does not cover."""
        return [key for key in keys if not self.declares_logged(key)]

    def order_violations(self, stepped: Sequence[str]) -> str | None:
        """Why a recorded sequence of optimizer steps does not follow :attr:`parts` (None if it does).

        Consecutive steps of one optimizer count once (accumulated backward passes, repeated
        critic updates), updates with a ``when`` may be absent, and the declared order may repeat
        from the start within one ``train_step`` (an inner loop of the whole sequence).
        """
        collapsed = [key for i, key in enumerate(stepped) if i == 0 or stepped[i - 1] != key]
        declared = [part.optimizer for part in self.parts]
        position = 0
        for key in collapsed:
            following = declared[position:] if position < len(declared) else []
            if key in following:
                position += following.index(key) + 1
            elif key in declared:  # the whole sequence starts again
                position = declared.index(key) + 1
            else:
                return f"optimizer '{key}' is stepped but not declared (declared: {declared})"
        return None

    def lines(self) -> list[str]:
        """Human-readable lines for ``dareg info``."""
        out = [f"optimizers: {', '.join(self.optimizer_keys)}", "train_step:"]
        for index, part in enumerate(self.parts, 1):
            when = f" [{part.when}]" if part.when else ""
            out.append(f"  {index}. {part.optimizer}: {part.does}{when}")
        if self.ema_updates:
            out.append("moved by EMA (no optimizer, no gradient):")
            out += [f"  {e.module} <- {e.source}: {e.schedule}" for e in self.ema_updates]
        out.append("logged:")
        width = max(len(name) for name in self.logged) if self.logged else 0
        out += [f"  {name:<{width}}  {meaning}" for name, meaning in self.logged.items()]
        if self.notes:
            out.append(f"notes: {self.notes}")
        return out

    def markdown(self) -> str:
        """The declaration as a Markdown section body (used by the docs' ``dareg-train-spec`` directive)."""
        out = [f"Optimizer keys: {', '.join(f'`{k}`' for k in self.optimizer_keys)}.", "", "Steps of `train_step`:", ""]
        for index, part in enumerate(self.parts, 1):
            when = f" *({part.when})*" if part.when else ""
            out.append(f"{index}. `{part.optimizer}`: {part.does}{when}")
        if self.ema_updates:
            out += ["", "Moved by EMA (no optimizer, no gradient):", ""]
            out += [f"- `{e.module}` follows `{e.source}`: {e.schedule}" for e in self.ema_updates]
        out += ["", "| logged | meaning |", "| --- | --- |"]
        out += [f"| `{name}` | {meaning} |" for name, meaning in self.logged.items()]
        if self.notes:
            out += ["", self.notes]
        return "\n".join(out) + "\n"
