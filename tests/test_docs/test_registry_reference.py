"""The registry reference of the docs lists every registered component (without running Sphinx)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from docutils import nodes

DOCS = Path(__file__).resolve().parents[2] / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

import dareg_registry_ref  # noqa: E402
import dareg_results  # noqa: E402

from dareg.registry import ALL_REGISTRIES, MODEL_KINDS  # noqa: E402


def sections_by_key() -> dict[str, nodes.section]:
    found = {}
    for section in dareg_registry_ref.build_registry_reference():
        assert isinstance(section, nodes.section)
        key = section["ids"][0].removeprefix("registry-").replace("-", "_")
        found[key] = section
    return found


def table_names(section: nodes.section) -> list[str]:
    """The first-column names of a section's table, in order."""
    names = []
    for row in section.findall(nodes.row):
        if isinstance(row.parent, nodes.thead):
            continue
        names.append(row.children[0].astext())
    return names


def test_every_registry_has_a_section_listing_every_entry():
    sections = sections_by_key()
    assert list(sections) == list(ALL_REGISTRIES)
    mirrored = {name for registry in MODEL_KINDS.values() for name in registry.names()}
    for key, registry in ALL_REGISTRIES.items():
        expected = registry.names()
        if key == "models":
            expected = [name for name in expected if name not in mirrored]
        assert table_names(sections[key]) == expected, key
    # the core's own components are there, under their kind
    assert "SourceOnly" in table_names(sections["algorithms"])
    assert "GANLoss" in table_names(sections["losses"])
    assert "DomainDataPreprocessor" in table_names(sections["models"])
    assert "SourceOnly" not in table_names(sections["models"])  # listed once, under algorithms


def test_entries_carry_kind_module_origin_and_summary():
    entries = dareg_registry_ref.collect_registry_entries()
    source_only = next(e for e in entries["algorithms"] if e.name == "SourceOnly")
    assert source_only.kind == "algorithm"
    assert source_only.module == "dareg.algorithms.source_only"
    assert source_only.origin == "dareg"
    assert source_only.summary.startswith("Train a task network on the source domain only")
    for rows in entries.values():
        for entry in rows:
            assert entry.module and entry.origin and "\n" not in entry.summary


def test_a_component_registered_elsewhere_appears_with_its_origin(toys):
    entries = dareg_registry_ref.collect_registry_entries()
    toy = next(e for e in entries["algorithms"] if e.name == "ToyAdversarial")
    assert toy.module == toys.__name__
    assert toy.origin == f"module {toys.__name__}"
    assert "ToyDigits" in table_names(sections_by_key()["datasets"])


def test_docstring_summary_unwraps_markup():
    class Documented:
        """Wrap :class:`~mmengine.optim.OptimWrapper` and ``x`` for
        :func:`dareg.plugins.origin_of`.

        Second paragraph, left out.
        """

    assert dareg_registry_ref.docstring_summary(Documented) == "Wrap OptimWrapper and x for origin_of."


def test_unknown_registry_key_is_refused():
    with pytest.raises(KeyError, match="unknown registries"):
        dareg_registry_ref.build_registry_reference(["backbonez"])


def test_results_pages_are_linked_only_when_they_exist(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "digits_demo.md").write_text("# digits\n")
    assert dareg_results.results_page(tmp_path, "digits_demo.md") == "results/digits_demo"
    assert dareg_results.results_page(tmp_path, "adaptseg_demo.md") is None


def test_installed_plugin_components_are_listed_with_the_plugin_as_origin():
    import importlib.metadata

    if not any(dist.metadata["Name"] == "dareg-advent" for dist in importlib.metadata.distributions()):
        pytest.skip("the example plugin dareg-advent is not installed")
    entries = dareg_registry_ref.collect_registry_entries()
    by_name = {entry.name: entry for rows in entries.values() for entry in rows}
    for name, kind in [("AdvEnt", "algorithm"), ("MinEnt", "algorithm"), ("EntropyLoss", "loss")]:
        assert by_name[name].origin == "plugin dareg-advent"
        assert by_name[name].kind == kind and by_name[name].module.startswith("dareg_advent.")
