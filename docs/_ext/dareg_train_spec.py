"""Sphinx extension: an algorithm's optimizers, ``train_step`` steps and logged terms, from its code.

The directive ``dareg-train-spec NAME`` renders the ``train_spec`` class attribute of the
registered algorithm ``NAME`` (:class:`dareg.algorithms.spec.TrainSpec`), the declaration that
``dareg info NAME`` prints and that ``tests/test_algorithms/test_train_specs.py`` holds to a real
``train_step``, so a method page cannot drift from the code.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util.docutils import SphinxDirective


def train_spec_markdown(name: str) -> str:
    """The Markdown the directive renders for algorithm ``name``."""
    from dareg.registry import ALGORITHMS

    spec = getattr(ALGORITHMS.get(name), "train_spec", None)
    if spec is None:
        raise ValueError(f"dareg-train-spec: algorithm {name!r} declares no train_spec")
    return spec.markdown()


class TrainSpecDirective(SphinxDirective):
    """``dareg-train-spec NAME``: the algorithm's declared training step."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        return self.parse_text_to_nodes(train_spec_markdown(self.arguments[0]))


def setup(app):
    app.add_directive("dareg-train-spec", TrainSpecDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
