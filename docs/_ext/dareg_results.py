"""Sphinx extension: link a method page to dareg's measured results, or say they are missing.

Results pages (``docs/results/*.md``) are written by the runs that produce them. The directive
``dareg-results`` takes a results file name; when the file exists it renders a link to that page,
otherwise a plain "not measured yet" note, so that method pages never claim numbers that no run
produced and the build stays warning-free either way. ``dareg-results-toctree`` lists the results
pages that exist (a plain toctree glob would warn when there are none).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.directives.other import TocTree
from sphinx.util.docutils import SphinxDirective

RESULTS_DIR = "results"


def results_page(srcdir: str | Path, filename: str) -> str | None:
    """The docname of ``results/<filename>`` if that file exists under ``srcdir``, else None."""
    path = Path(srcdir) / RESULTS_DIR / filename
    return f"{RESULTS_DIR}/{path.stem}" if path.is_file() else None


class ResultsDirective(SphinxDirective):
    """``.. dareg-results:: adaptseg_demo.md [more.md ...]``: links to the results pages that exist."""

    required_arguments = 1
    optional_arguments = 8
    has_content = False

    def run(self) -> list[nodes.Node]:
        paragraph = nodes.paragraph()
        found = []
        for filename in self.arguments:
            docname = results_page(self.env.srcdir, filename)
            if docname is None:
                continue
            self.env.note_dependency(str(Path(self.env.srcdir) / RESULTS_DIR / filename))
            found.append(docname)
        if not found:
            paragraph += nodes.emphasis(
                "", "Not measured yet: no dareg run has reported numbers for this method (results pages "
                f"appear under docs/results/: expected {', '.join(self.arguments)})."
            )
            return [paragraph]
        paragraph += nodes.Text("Measured by dareg: ")
        for index, docname in enumerate(found):
            if index:
                paragraph += nodes.Text(", ")
            ref = addnodes.pending_xref("", refdomain="std", reftype="doc", reftarget=f"/{docname}", refexplicit=False)
            ref += nodes.inline("", docname)
            paragraph += ref
        paragraph += nodes.Text(" (what was run, on which data and hardware, is stated on that page).")
        return [paragraph]


class ResultsTocTree(TocTree):
    """``.. dareg-results-toctree::``: a toctree of the results pages that exist (a note if none)."""

    has_content = False
    option_spec = {**TocTree.option_spec}

    def run(self) -> list[nodes.Node]:
        pages = sorted(name for name in self.env.found_docs if name.startswith(f"{RESULTS_DIR}/"))
        if not pages:
            return [nodes.paragraph("", "No results pages yet: no dareg run has reported numbers.")]
        self.content = StringList([f"/{name}" for name in pages], source=self.get_source_info()[0])
        return super().run()


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("dareg-results", ResultsDirective)
    app.add_directive("dareg-results-toctree", ResultsTocTree)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
