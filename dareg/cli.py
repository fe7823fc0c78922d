"""The ``dareg`` command: list registered components and show what one of them takes.

Examples::

    dareg list                 # every registry, every entry
    dareg list backbones       # one kind
    dareg info AdaptSegNet     # signature, docstring summary, origin
"""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Sequence

from dareg.plugins import origin_of
from dareg.registry import ALL_REGISTRIES, MODEL_KINDS, DaregRegistry, close_matches


def summary(obj: object) -> str:
    """First line of an object's docstring."""
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def registry_rows(registry: DaregRegistry) -> list[tuple[str, str, str, str]]:
    """``(name, origin, module, summary)`` for each entry of ``registry``."""
    rows = []
    for name in registry.names():
        obj = registry.get(name)
        rows.append((name, origin_of(obj), getattr(obj, "__module__", ""), summary(obj)))
    return rows


def _resolve_kind(kind: str) -> str:
    key = kind.lower().replace("-", "_")
    for candidate in (key, key + "s", key + "es"):
        if candidate in ALL_REGISTRIES:
            return candidate
    matches = close_matches(key, ALL_REGISTRIES)
    raise SystemExit(
        f"dareg list: unknown kind {kind!r}. Kinds: {', '.join(ALL_REGISTRIES)}."
        + (f" Did you mean: {', '.join(matches)}?" if matches else "")
    )


def cmd_list(kind: str | None) -> int:
    kinds = [_resolve_kind(kind)] if kind else list(MODEL_KINDS) + [k for k in ALL_REGISTRIES if k not in MODEL_KINDS]
    for key in kinds:
        rows = registry_rows(ALL_REGISTRIES[key])
        if not rows and kind is None:
            continue
        print(f"{key} ({len(rows)})")
        width = max([len(r[0]) for r in rows] + [4])
        origin_width = max([len(r[1]) for r in rows] + [6])
        for name, origin, module, text in rows:
            print(f"  {name:<{width}}  {origin:<{origin_width}}  {module}  {text}".rstrip())
        print()
    return 0


def find_entries(name: str) -> list[tuple[str, object]]:
    """``(registry key, object)`` for every registry holding ``name``."""
    found = []
    for key, registry in ALL_REGISTRIES.items():
        if key == "models" and any(name in r.names() for r in MODEL_KINDS.values()):
            continue  # the kind registry says more than the MODELS mirror
        if name in registry.names():
            found.append((key, registry.get(name)))
    return found


def cmd_info(name: str) -> int:
    found = find_entries(name)
    if not found:
        everything = {n for r in ALL_REGISTRIES.values() for n in r.names()}
        matches = close_matches(name, everything)
        print(
            f"dareg info: {name!r} is not registered."
            + (f" Did you mean: {', '.join(matches)}?" if matches else "")
            + " `dareg list` shows every name.",
            file=sys.stderr,
        )
        return 1
    for key, obj in found:
        try:
            signature = str(inspect.signature(obj))
        except (TypeError, ValueError):
            signature = "(...)"
        print(f"{name}{signature}")
        print(f"  kind:   {ALL_REGISTRIES[key].kind} ({key})")
        print(f"  origin: {origin_of(obj)}")
        print(f"  module: {getattr(obj, '__module__', '')}")
        if summary(obj):
            print(f"  {summary(obj)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dareg", description="Inspect dareg's registries.")
    sub = parser.add_subparsers(dest="command", required=True)
    list_parser = sub.add_parser("list", help="list registered components, of one kind or all")
    list_parser.add_argument("kind", nargs="?", help=f"one of: {', '.join(ALL_REGISTRIES)}")
    info_parser = sub.add_parser("info", help="show a component's signature and docstring summary")
    info_parser.add_argument("name")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "list":
        return cmd_list(args.kind)
    return cmd_info(args.name)


if __name__ == "__main__":
    raise SystemExit(main())
