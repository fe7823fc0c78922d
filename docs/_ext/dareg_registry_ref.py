"""Sphinx extension: the registry reference, generated from dareg's registries at build time.

The directive ``dareg-registry-reference`` (in ``docs/reference/registries.md``) asks every
registry in :data:`dareg.registry.ALL_REGISTRIES` for its entries (which imports dareg's modules and
every installed plugin, exactly as a config build does) and renders one section per registry with a
table of name, kind, defining module, origin (:func:`dareg.plugins.origin_of`) and the first line of
the docstring. Nothing is written by hand, so a component registered anywhere, a plugin's included,
appears in the next build.

:func:`collect_registry_entries` and :func:`build_registry_reference` are plain functions so that
``tests/test_docs/test_registry_reference.py`` can check the output without running Sphinx.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

#: Registries whose entries are mirrored from the per-kind registries (listed there, not twice).
MIRROR_REGISTRY = "models"


@dataclass(frozen=True)
class RegistryEntry:
    """One registered component, as the reference shows it.

    Attributes:
        name: The registered name (what a config's ``type`` says).
        kind: The registry's kind (``"backbone"``, ``"dataset"`` ...).
        module: The module that defines it.
        origin: ``"dareg"``, ``"plugin <distribution>"`` or ``"module <name>"``.
        summary: First paragraph of its docstring, on one line.
    """

    name: str
    kind: str
    module: str
    origin: str
    summary: str


_ROLE = re.compile(r":[\w:.-]+:`~?(?:[^`<]*<)?([^`>]+)>?`")


def docstring_summary(obj: Any) -> str:
    """The first paragraph of ``obj``'s docstring as plain text (reST roles and literals unwrapped)."""
    doc = inspect.getdoc(obj) or ""
    first = doc.strip().split("\n\n")[0]
    text = " ".join(first.split())
    text = _ROLE.sub(lambda m: m.group(1).split(".")[-1], text)
    return text.replace("``", "").replace("`", "")


def collect_registry_entries() -> dict[str, list[RegistryEntry]]:
    """Every entry of every dareg registry, by the registry's plural name (``"backbones"`` ...).

    The ``models`` registry mirrors every model component; its list holds only what is registered
    in it directly (the data preprocessor, for example).
    """
    from dareg.plugins import origin_of
    from dareg.registry import ALL_REGISTRIES, MODEL_KINDS

    mirrored = {name for registry in MODEL_KINDS.values() for name in registry.names()}
    entries: dict[str, list[RegistryEntry]] = {}
    for key, registry in ALL_REGISTRIES.items():
        rows = []
        for name in registry.names():
            if key == MIRROR_REGISTRY and name in mirrored:
                continue
            obj = registry._module_dict[name]
            module = getattr(obj, "__module__", "") or ""
            rows.append(RegistryEntry(name, registry.kind, module, origin_of(obj), docstring_summary(obj)))
        entries[key] = rows
    return entries


def _table(rows: list[RegistryEntry]) -> nodes.table:
    headers = ("Name", "Kind", "Module", "Origin", "Summary")
    table = nodes.table(classes=["dareg-registry-table"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for width in (18, 10, 30, 14, 48):
        group += nodes.colspec(colwidth=width)

    def row(cells: list[nodes.Node]) -> nodes.row:
        line = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += nodes.paragraph("", "", cell)
            line += entry
        return line

    head = nodes.thead()
    head += row([nodes.Text(h) for h in headers])
    group += head
    body = nodes.tbody()
    for item in rows:
        body += row(
            [
                nodes.literal(item.name, item.name),
                nodes.Text(item.kind),
                nodes.literal(item.module, item.module),
                nodes.Text(item.origin),
                nodes.Text(item.summary),
            ]
        )
    group += body
    return table


def build_registry_reference(keys: list[str] | None = None) -> list[nodes.Node]:
    """Docutils sections, one per registry (all of them unless ``keys`` names some).

    Raises:
        KeyError: ``keys`` names a registry that dareg does not have.
    """
    from dareg.registry import ALL_REGISTRIES

    entries = collect_registry_entries()
    unknown = sorted(set(keys or []) - set(entries))
    if unknown:
        raise KeyError(f"dareg-registry-reference: unknown registries {unknown}; known: {sorted(entries)}")
    sections = []
    for key in keys or list(entries):
        registry = ALL_REGISTRIES[key]
        section = nodes.section(ids=[f"registry-{key.replace('_', '-')}"])
        section += nodes.title(key, key)
        intro = nodes.paragraph()
        intro += nodes.Text(f"Registry '{registry.name}' (kind: {registry.kind}, scope: {registry.scope}")
        if registry.parent is not None:
            intro += nodes.Text(f", child of mmengine's '{registry.parent.name}'")
        intro += nodes.Text("). Imports lazily from ")
        for index, location in enumerate(registry._locations):
            if index:
                intro += nodes.Text(", ")
            intro += nodes.literal(location, location)
        intro += nodes.Text(".")
        if key == MIRROR_REGISTRY:
            intro += nodes.Text(
                " Every model component of the per-kind registries above is also registered here (this is"
                " where mmengine's Runner finds algorithms); only the entries registered here directly are"
                " listed."
            )
        section += intro
        rows = entries[key]
        if rows:
            section += _table(rows)
        else:
            empty = "No dareg entries"
            if registry.parent is not None:
                empty += f": configs use the entries of mmengine's '{registry.parent.name}' registry"
            section += nodes.paragraph("", empty + ".")
        sections.append(section)
    return sections


class RegistryReferenceDirective(SphinxDirective):
    """``.. dareg-registry-reference::`` with an optional list of registry names (default: all)."""

    has_content = False
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = {"registries": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        keys = self.options.get("registries")
        return build_registry_reference(keys.split() if keys else None)


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("dareg-registry-reference", RegistryReferenceDirective)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
