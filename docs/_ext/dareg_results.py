"""Sphinx extension: link a method page to dareg's measured results, or say they are missing.

Results pages (``docs/results/*.md``) are written by the runs that produce them. The directive
``dareg-results`` takes results file names and/or a ``:mentions:`` word (a method name); it links
to the named pages that exist and to every results page that mentions the word, and otherwise
renders a plain "not measured yet" note, so that method pages never claim numbers that no run
produced and the build stays warning-free either way. ``dareg-results-toctree`` lists the results
pages that exist (a plain toctree glob would warn when there are none).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.directives.other import TocTree
from sphinx.util.docutils import SphinxDirective

RESULTS_DIR = "results"


def results_page(srcdir: str | Path, filename: str) -> str | None:
    """The docname of ``results/<filename>`` if that file exists under ``srcdir``, else None."""
    path = Path(srcdir) / RESULTS_DIR / filename
    return f"{RESULTS_DIR}/{path.stem}" if path.is_file() else None


def note_results_folder(env: Any) -> None:
    """Re-read the calling page when results pages appear or vanish (incremental builds).

    The page is remembered; :func:`outdated_pages` marks it outdated when the set of results pages
    changes. (A dependency on the folder itself would not do: Sphinx treats any dependency that is
    not a file as changed, so the page would be re-read on every build.)
    """
    users = getattr(env, "dareg_results_users", set())
    users.add(env.docname)
    env.dareg_results_users = users


def results_docnames(env: Any) -> list[str]:
    """The results pages Sphinx found in this build."""
    return sorted(name for name in env.found_docs if name.startswith(f"{RESULTS_DIR}/"))


def outdated_pages(app: Any, env: Any, added: set, changed: set, removed: set) -> list[str]:
    """``env-get-outdated``: when the set of results pages differs from the last build's, re-read the
    pages that list or link them (every page, for an environment pickled before this was tracked)."""
    if getattr(env, "dareg_results_seen", None) == results_docnames(env):
        return []
    users = getattr(env, "dareg_results_users", None)
    return sorted(users) if users is not None else sorted(env.found_docs)


def remember_results(app: Any, env: Any, docnames: list[str]) -> None:
    """``env-before-read-docs``: record which results pages this build saw."""
    env.dareg_results_seen = results_docnames(env)


def merge_users(app: Any, env: Any, docnames: set, other: Any) -> None:
    """``env-merge-info``: combine what parallel readers recorded."""
    env.dareg_results_users = getattr(env, "dareg_results_users", set()) | getattr(other, "dareg_results_users", set())


def forget_page(app: Any, env: Any, docname: str) -> None:
    """``env-purge-doc``: a re-read page registers itself again if it still uses the directives."""
    getattr(env, "dareg_results_users", set()).discard(docname)


def pages_mentioning(srcdir: str | Path, word: str) -> list[str]:
    """Docnames of the results pages whose text contains ``word`` as a whole word."""
    pattern = re.compile(rf"\b{re.escape(word)}\b")
    folder = Path(srcdir) / RESULTS_DIR
    pages = sorted(folder.glob("*.md")) if folder.is_dir() else []
    return [f"{RESULTS_DIR}/{p.stem}" for p in pages if pattern.search(p.read_text(encoding="utf-8"))]


class ResultsDirective(SphinxDirective):
    """``.. dareg-results:: [adaptseg_demo.md ...]`` with an optional ``:mentions: AdaptSegNet``."""

    required_arguments = 0
    optional_arguments = 8
    has_content = False
    option_spec = {"mentions": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        note_results_folder(self.env)
        found = [d for d in (results_page(self.env.srcdir, name) for name in self.arguments) if d]
        if self.options.get("mentions"):
            found += [d for d in pages_mentioning(self.env.srcdir, self.options["mentions"]) if d not in found]
        for docname in found:
            self.env.note_dependency(str(Path(self.env.srcdir) / f"{docname}.md"))
        paragraph = nodes.paragraph()
        if not found:
            paragraph += nodes.emphasis(
                "", "Not measured yet: no results page under docs/results/ reports numbers for this method."
            )
            return [paragraph]
        paragraph += nodes.Text("Measured by dareg: ")
        for index, docname in enumerate(found):
            if index:
                paragraph += nodes.Text(", ")
            ref = addnodes.pending_xref("", refdomain="std", reftype="doc", reftarget=f"/{docname}", refexplicit=False)
            ref += nodes.inline("", docname)
            paragraph += ref
        paragraph += nodes.Text(" (each page states what was run, on which data, for how long and on what hardware).")
        return [paragraph]


class ResultsTocTree(TocTree):
    """``.. dareg-results-toctree::``: a toctree of the results pages that exist (a note if none)."""

    has_content = False
    option_spec = {**TocTree.option_spec}

    def run(self) -> list[nodes.Node]:
        note_results_folder(self.env)
        pages = results_docnames(self.env)
        if not pages:
            return [nodes.paragraph("", "No results pages yet: no dareg run has reported numbers.")]
        self.content = StringList([f"/{name}" for name in pages], source=self.get_source_info()[0])
        return super().run()


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("dareg-results", ResultsDirective)
    app.add_directive("dareg-results-toctree", ResultsTocTree)
    app.connect("env-get-outdated", outdated_pages)
    app.connect("env-before-read-docs", remember_results)
    app.connect("env-merge-info", merge_users)
    app.connect("env-purge-doc", forget_page)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
