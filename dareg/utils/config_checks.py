"""Checks of config keys and constructor arguments that fail before any work, with close matches.

Reusable pieces (besides :mod:`dareg.utils.component_arguments`, what a component's constructor takes):
:func:`closest` (spelling suggestions), :func:`check_override` (one ``--cfg-options`` key and
value against a config), :func:`check_constructor_arguments` (every ``type`` dict of a config
against its class), :func:`explain_constructor_error` (a raw ``TypeError`` of a build turned into
an error naming the component, its config path and the accepted names), and the scheduler-span
helpers :func:`follow_max_iters` and :func:`scheduler_span_warnings`.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator
from typing import Any

from mmengine.config import ConfigDict

from dareg.utils.component_arguments import accepted_arguments, resolve_type

#: Keys the builders consume themselves, never passed to a constructor.
BUILDER_KEYS = {"type", "_scope_", "priority", "convert_to_iter_based"}
#: Keys of an ``optim_wrapper`` entry that the optimizer-wrapper constructor consumes before it builds the
#: wrapper (``MultiOptimWrapperConstructor``: parameter groups, the sub-modules an optimizer updates).
OPTIM_CONSTRUCTOR_KEYS = {"paramwise_cfg", "modules"}
#: The default hooks mmengine registers itself (``default_hooks.<name>`` may name them even when absent).
MMENGINE_DEFAULT_HOOKS = ("runtime_info", "timer", "sampler_seed", "logger", "param_scheduler", "checkpoint")
#: Top-level keys dareg reads besides the Runner's arguments.
EXTRA_ROOT_KEYS = {"custom_imports", "runner_type", "disabled_plugins", "launcher", "work_dir"}


def closest(name: str, candidates: Any, n: int = 3) -> list[str]:
    """The ``n`` candidates most similar to ``name`` (difflib ratio >= 0.5)."""
    return difflib.get_close_matches(name, sorted(str(c) for c in candidates), n=n, cutoff=0.5)


def _runner_arguments() -> set[str]:
    from mmengine.runner import Runner

    return (accepted_arguments(Runner) or set()) | EXTRA_ROOT_KEYS


def _compatible(old: Any, new: Any) -> bool:
    if old is None or new is None:
        return True
    if isinstance(old, bool) or isinstance(new, bool):
        return isinstance(old, bool) and isinstance(new, bool)
    if isinstance(old, int):
        return isinstance(new, int)
    if isinstance(old, float):
        return isinstance(new, (int, float))
    if isinstance(old, (list, tuple)):
        return isinstance(new, (list, tuple))
    if isinstance(old, dict):
        return isinstance(new, dict)
    return isinstance(new, type(old))


def check_override(cfg: dict, key: str, value: Any) -> str | None:
    """Why ``key=value`` cannot override ``cfg`` (a message), or None when it can.

    A key must exist in the config, or be an argument of the component whose dict it lands in
    (``default_hooks.checkpoint.max_keep_ckpts``, or a top-level argument of mmengine's Runner).
    A value must have the type of the value it replaces (ints for ints, numbers for floats,
    sequences for sequences; None on either side is always allowed).
    """
    node: Any = dict(cfg)
    parts = key.split(".")
    for depth, part in enumerate(parts):
        where = ".".join(parts[:depth]) or "the top level"
        if isinstance(node, (list, tuple)):
            if not (part.isdigit() and int(part) < len(node)):
                return f"`{where}` is a list of {len(node)} items; '{part}' is not an index of it"
            node = node[int(part)]
            continue
        if not isinstance(node, (dict, ConfigDict)):
            return f"`{where}` holds {node!r}, not a dict, so it has no key '{part}'"
        if part in node:
            node = node[part]
            continue
        if depth == 0:
            accepted = _runner_arguments()
        elif parts[:depth] == ["default_hooks"]:
            # mmengine's own default hooks may be named without being in the config (runtime_info=None);
            # a new hook needs its type, so a misspelt hook name is not taken for a new hook
            if "type" in parts[depth + 1 :]:
                return None
            accepted = set(MMENGINE_DEFAULT_HOOKS)
        else:
            accepted = accepted_arguments(resolve_type(node.get("type")), node)
        if accepted is None or part in accepted:
            return None  # a constructor argument the config leaves at its default
        hint = closest(part, set(node) | accepted)
        if node.get("type"):
            owner = f" ({node.get('type')} accepts: {', '.join(sorted(accepted))})"
        elif parts[:depth] == ["default_hooks"]:
            owner = f" (hooks: {', '.join(sorted(set(node) | accepted))}; a new hook needs its type)"
        else:
            owner = ""
        return (
            f"{where} has no key '{part}'"
            + (f"; did you mean {' or '.join(f'{repr(h)}' for h in hint)}?" if hint else "")
            + owner
        )
    if not _compatible(node, value):
        return f"expects {type(node).__name__} (the config has {node!r}), got {type(value).__name__} {value!r}"
    return None


def iter_components(node: Any, path: str = "") -> Iterator[tuple[str, dict]]:
    """Yield ``(config path, dict)`` for every dict with a ``type`` in a nested config."""
    if isinstance(node, (dict, ConfigDict)):
        if "type" in node:
            yield path or "<root>", node
        for key, child in node.items():
            yield from iter_components(child, f"{path}.{key}" if path else str(key))
    elif isinstance(node, (list, tuple)):
        for index, child in enumerate(node):
            yield from iter_components(child, f"{path}[{index}]")


def check_constructor_arguments(cfg: dict, source: str = "the config") -> list[str]:
    """One message per config dict whose keys its component's constructor does not accept."""
    problems = []
    for path, component in iter_components(dict(cfg)):
        accepted = accepted_arguments(resolve_type(component.get("type")), component)
        if accepted is None:
            continue
        consumed = BUILDER_KEYS | (OPTIM_CONSTRUCTOR_KEYS if _optim_wrapper_entry(path) else set())
        for key in component:
            if key not in accepted and key not in consumed:
                hint = closest(key, accepted)
                problems.append(
                    f"{component['type']} at `{path}` in {source} takes no argument '{key}'"
                    + (f"; did you mean {' or '.join(repr(h) for h in hint)}?" if hint else "")
                    + f" (accepted: {', '.join(sorted(accepted))})"
                )
    return problems


def _optim_wrapper_entry(path: str) -> bool:
    """Whether ``path`` is ``optim_wrapper`` or one named entry of it (``optim_wrapper.segmentor``)."""
    parts = path.split(".")
    return parts[0] == "optim_wrapper" and len(parts) <= 2


_CLASS = re.compile(r"class `(\w+)` in [\w.]+: ")
_UNEXPECTED = re.compile(r"got an unexpected keyword argument '(\w+)'")
_MISSING = re.compile(r"missing \d+ required (?:positional|keyword-only) arguments?: (.+)$")


def explain_constructor_error(error: TypeError, cfg: dict, source: str = "the config") -> str | None:
    """Turn mmengine's ``class `X` in module: __init__() ...`` ``TypeError`` into a message, or None.

    The message names the component type, the config path of its dict and the closest accepted
    argument names.
    """
    text = str(error)
    classes = _CLASS.findall(text)
    unexpected, missing = _UNEXPECTED.search(text), _MISSING.search(text)
    if not classes or not (unexpected or missing):
        return None
    name = classes[-1]
    paths = [path for path, comp in iter_components(dict(cfg)) if str(comp.get("type")).split(".")[-1] == name]
    components = [comp for comp in iter_components(dict(cfg)) if str(comp[1].get("type")).split(".")[-1] == name]
    accepted = accepted_arguments(resolve_type(name), components[0][1] if components else None) or set()
    where = f"at `{' / '.join(paths)}` " if paths else ""
    if unexpected:
        argument = unexpected.group(1)
        hint = closest(argument, accepted)
        problem = f"takes no argument '{argument}'" + (
            f"; did you mean {' or '.join(map(repr, hint))}?" if hint else ""
        )
    else:
        problem = f"is missing the required argument(s) {missing.group(1)}"
    listed = f" (accepted: {', '.join(sorted(accepted))})" if accepted else ""
    return f"{name} {where}in {source} {problem}{listed}"


def _schedulers(cfg: dict) -> Iterator[tuple[str, dict]]:
    schedulers = cfg.get("param_scheduler")
    if isinstance(schedulers, (dict, ConfigDict)) and "type" not in schedulers:
        items = [(f"param_scheduler.{name}", value) for name, value in schedulers.items()]
    else:
        items = [("param_scheduler", schedulers)]
    for path, value in items:
        for index, scheduler in enumerate(value if isinstance(value, (list, tuple)) else [value]):
            if isinstance(scheduler, (dict, ConfigDict)) and scheduler.get("by_epoch", True) is not True:
                yield (f"{path}[{index}]" if isinstance(value, (list, tuple)) else path), scheduler


#: Scheduler arguments, besides ``begin`` and ``end``, that count iterations of the run
#: (``LinearDecayLR``'s constant phase, ``WarmupPolyLR``'s warm-up); :func:`follow_max_iters` scales them too.
SCHEDULER_SPAN_KEYS = ("constant_steps", "warmup_iters")


def follow_max_iters(cfg: dict, old_max: int, new_max: int) -> list[str]:
    """Scale the spans of iteration-based schedulers from ``old_max`` to ``new_max`` iterations.

    What a schedule says relative to the run (poly decay over the whole run, or over 250k of
    AdaptSegNet's 150k iterations, a warm-up over the first 1%, CycleGAN's constant first half)
    stays true when ``--cfg-options`` changes ``train_cfg.max_iters``. The spans are ``begin``,
    ``end`` and the keys in :data:`SCHEDULER_SPAN_KEYS`. Returns one line per changed key.
    """
    changes = []
    for path, scheduler in _schedulers(cfg):
        for key in ("begin", "end", *SCHEDULER_SPAN_KEYS):
            value = scheduler.get(key)
            if isinstance(value, (int, float)) and math.isfinite(value) and value > 0:
                scaled = max(1, round(value * new_max / old_max))
                if scaled != value:
                    changes.append(f"{path}.{key}: {value} -> {scaled}")
                    scheduler[key] = scaled
    return changes


def scheduler_span_warnings(cfg: dict) -> list[str]:
    """Iteration-based schedulers that end before ``train_cfg.max_iters`` (the rest trains at the last rate)."""
    max_iters = (cfg.get("train_cfg") or {}).get("max_iters")
    if not isinstance(max_iters, int):
        return []
    ends: dict[str, tuple[int, str]] = {}
    for path, scheduler in _schedulers(cfg):
        end = scheduler.get("end")
        group = path.split("[")[0]
        if isinstance(end, int) and end > ends.get(group, (-1, ""))[0]:
            ends[group] = (end, scheduler.get("type", "?"))
    return [
        f"{group} ({kind}) ends at iteration {end} but train_cfg.max_iters is {max_iters}: the last "
        f"{max_iters - end} iterations keep the final learning rate (0 for PolyLR with eta_min=0). Set its end "
        "to the loop length unless this is intended."
        for group, (end, kind) in ends.items()
        if end < max_iters
    ]
