"""The ``dareg`` command: registries, plugins, installed configs, training, testing, plugin skeletons.

Examples::

    dareg list                          # every registry, every entry
    dareg list backbones                # one kind
    dareg list --config my_config.py    # after importing the config's custom_imports
    dareg info AdaptSegNet              # signature, summary, origin; optimizers, steps, logged terms
    dareg plugins                       # installed plugins: version, status, error
    dareg configs demo/                 # installed configs, as dareg:: names (plugins': pkg::)
    dareg train dareg::demo/source_only_digits.py --work-dir work_dirs/x
    dareg test dareg::demo/source_only_digits.py work_dirs/x/iter_600.pth
    dareg new-plugin my-method          # a working plugin package in ./dareg-my-method
    dareg new-plugin my-seg --task segmentation   # the same on the embedded street scenes
    dareg examples dareg-advent         # copy the example plugin the tutorial shows into ./dareg-advent
"""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Sequence

from dareg.plugins import PluginError, origin_of
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
        spec = getattr(obj, "train_spec", None)
        if spec is not None and hasattr(spec, "lines"):
            print("\n".join(f"  {line}" for line in spec.lines()))
    return 0


def cmd_plugins() -> int:
    from dareg.plugins import plugin_status

    rows = plugin_status()
    if not rows:
        print("no dareg plugins installed (entry-point group 'dareg.plugins')")
        return 0
    header = ("name", "distribution", "version", "status", "entry point")
    table = [header] + [(s.info.name, s.info.distribution, s.info.version, s.status, s.info.value) for s in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    for status in rows:
        if status.error:
            print(f"\n{status.info.name}: {status.error}")
    return 0


def cmd_configs(prefix: str | None) -> int:
    from dareg.utils.config_paths import SEPARATOR, installed_configs, plugin_config_packages

    names = [name for package in ["dareg", *plugin_config_packages()] for name in installed_configs(package)]
    if prefix:  # `pkg::folder/` matches whole names, `folder/` the path inside any package
        names = [n for n in names if (n if SEPARATOR in prefix else n.split(SEPARATOR, 1)[1]).startswith(prefix)]
    print("\n".join(names) if names else f"no installed config starts with {prefix!r}")
    return 0 if names else 1


def cmd_new_plugin(name: str, directory: str, task: str = "classification") -> int:
    from dareg.scaffold import new_plugin, plugin_names

    root = new_plugin(name, directory, task)
    names = plugin_names(name)
    print(f"wrote {root}:")
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        print(f"  {path.relative_to(root)}")
    print(
        f"next: pip install -e {root}  &&  dareg plugins  &&  python -m pytest {root / 'tests'}\n"
        f"registered names carry the prefix '{names['__PREFIX__']}' so that they clash with no other plugin."
    )
    return 0


def add_test_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the options of ``tools/test.py`` and ``dareg test`` (config, checkpoint, work/show dirs, overrides)."""
    from dareg.utils.config import CfgOptionsAction

    parser.add_argument("config", help="config file, or an installed config: dareg::demo/source_only_synthetic.py")
    parser.add_argument("checkpoint", help="checkpoint file to evaluate")
    parser.add_argument("--work-dir", help="directory for logs (default ./work_dirs/<config>)")
    parser.add_argument(
        "--show-dir",
        help="save colourised predictions (dataset palette, Cityscapes by default) into this directory "
        "(relative paths are under the work directory)",
    )
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=CfgOptionsAction,
        help="override config keys, e.g. test_dataloader.dataset.data_root=/data/cityscapes",
    )
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm"], default="none", help="job launcher")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0, help=argparse.SUPPRESS)
    return parser


def run_test_command(args: argparse.Namespace) -> dict:
    """Evaluate the checkpoint of ``args`` (:func:`dareg.apis.evaluate_checkpoint`); returns the metrics.

    Raises:
        SystemExit: A config, plugin or checkpoint error, printed as ``error: ...`` without a traceback.
    """
    from dareg.apis import evaluate_checkpoint
    from dareg.engine.checkpoint_files import CorruptCheckpointError
    from dareg.utils.config import USER_ERRORS

    try:
        return evaluate_checkpoint(
            args.config, args.checkpoint, args.work_dir, args.show_dir, args.cfg_options, args.launcher
        )
    except (*USER_ERRORS, CorruptCheckpointError) as error:
        cause = f"\n  caused by: {type(error.__cause__).__name__}: {error.__cause__}" if error.__cause__ else ""
        raise SystemExit(f"error: {error}{cause}") from error


def cmd_examples(name: str | None, directory: str) -> int:
    from dareg.scaffold import copy_example, example_plugins

    if name is None:
        for example, folder in example_plugins().items():
            print(f"{example}  {folder.resolve()}")
        return 0
    root = copy_example(name, directory)
    print(f"copied {root}: pip install -e {root}  &&  python -m pytest {root / 'tests'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dareg",
        description="Inspect dareg's registries and plugins, list installed configs, train, test, start a plugin.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    list_parser = sub.add_parser("list", help="list registered components, of one kind or all")
    list_parser.add_argument("kind", nargs="?", help=f"one of: {', '.join(ALL_REGISTRIES)}")
    list_parser.add_argument("--config", help="load this config first (its custom_imports, disabled_plugins)")
    info_parser = sub.add_parser("info", help="show a component's signature and summary (algorithms: train_step)")
    info_parser.add_argument("name")
    info_parser.add_argument("--config", help="load this config first (its custom_imports, disabled_plugins)")
    sub.add_parser("plugins", help="list installed plugins with version, status and error")
    configs_parser = sub.add_parser("configs", help="list installed configs of dareg and plugins (pkg:: names)")
    configs_parser.add_argument("prefix", nargs="?", help="only names starting with this: demo/, dareg_advent::")
    from dareg.apis.train_command import add_train_arguments

    add_train_arguments(sub.add_parser("train", help="train a config (as tools/train.py)"))
    add_test_arguments(sub.add_parser("test", help="evaluate a checkpoint on a config's test set (as tools/test.py)"))
    examples_parser = sub.add_parser("examples", help="list the example plugins installed with dareg, or copy one")
    examples_parser.add_argument("name", nargs="?", help="example to copy, e.g. dareg-advent")
    examples_parser.add_argument("--dir", default=".", help="folder to copy it into (default: .)")
    from dareg.scaffold import TASKS

    new_parser = sub.add_parser("new-plugin", help="write a working plugin package skeleton")
    new_parser.add_argument("name", help="plugin name, e.g. my-method (package dareg_my_method)")
    new_parser.add_argument("--dir", default=".", help="folder to create dareg-<name> in (default: .)")
    new_parser.add_argument(
        "--task",
        choices=list(TASKS),
        default="classification",
        help="classification: on the embedded digits; segmentation: on the embedded street scenes",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from dareg.registry import NameClashError
    from dareg.utils.config import USER_ERRORS, load_config

    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "config", None) and args.command in ("list", "info"):
            load_config(args.config)
        if args.command == "list":
            return cmd_list(args.kind)
        if args.command == "info":
            return cmd_info(args.name)
        if args.command == "plugins":
            return cmd_plugins()
        if args.command == "configs":
            return cmd_configs(args.prefix)
        if args.command in ("new-plugin", "examples"):
            try:
                if args.command == "examples":
                    return cmd_examples(args.name, args.dir)
                return cmd_new_plugin(args.name, args.dir, args.task)
            except (FileExistsError, ValueError) as error:
                raise PluginError(f"dareg {args.command}: {error}") from error
        if args.command == "test":
            run_test_command(args)
            return 0
        from dareg.apis.train_command import run_train

        run_train(args)
        return 0
    except (*USER_ERRORS, PluginError, NameClashError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
