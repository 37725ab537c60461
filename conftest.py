"""Pytest configuration shared by the unit tests and the chapter tests.

Chapters are Jupytext MyST Markdown files. nbval only collects ``.ipynb`` files, so this
module registers a collector that reads a chapter with :func:`jupytext.read` and hands the
notebook to nbval's own machinery. The kernel runs in the chapter's folder, exactly as in
the book build, and a failing ``assert`` in a chapter cell fails the test run.
"""

from __future__ import annotations

import os
from pathlib import Path

import jupytext
import nbval.plugin as nbval_plugin
import pytest

ROOT = Path(__file__).resolve().parent

# Kernels inherit the environment of this process.
# - IPYTHONDIR: a profile whose startup file turns Deprecation/FutureWarnings raised by
#   chapter or library code into errors.
# - WIRETAP_SCALE: chapters run at the quick scale unless told otherwise.
# - WIRETAP_BUILD: explorers render their static figure only (no live widget needed).
os.environ.setdefault("IPYTHONDIR", str(ROOT / ".ci" / "ipython"))
os.environ.setdefault("WIRETAP_SCALE", "quick")
os.environ.setdefault("WIRETAP_BUILD", "1")


def _is_chapter(path: Path) -> bool:
    """A Markdown file under book/ whose front matter declares a Jupytext kernel."""
    if path.suffix != ".md" or "book" not in path.relative_to(ROOT).parts[:1]:
        return False
    head = path.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "jupytext:" in head and "kernelspec:" in head


class _JupytextReader:
    """Stand-in for the ``nbformat`` module inside nbval's collector."""

    @staticmethod
    def read(path, as_version=4):
        return jupytext.read(path)


class JupytextNbFile(nbval_plugin.IPyNbFile):
    """nbval collector for a Jupytext chapter."""

    def collect(self):
        real_nbformat = nbval_plugin.nbformat
        nbval_plugin.nbformat = _JupytextReader
        try:
            yield from super().collect()
        finally:
            nbval_plugin.nbformat = real_nbformat


BROWSER_TESTS = ROOT / "tests" / "browser"
PDF_TESTS = ROOT / "tests" / "pdf"
BUILT_BOOK_TESTS = (BROWSER_TESTS, PDF_TESTS)


def pytest_addoption(parser):
    group = parser.getgroup("wiretap-browser", "browser tests of the built book (tests/browser)")
    group.addoption(
        "--html-dir",
        default=os.environ.get("WIRETAP_HTML_DIR", "_build/html"),
        help="built HTML book to test (default: $WIRETAP_HTML_DIR or _build/html)",
    )
    group.addoption(
        "--artifacts",
        default=os.environ.get("WIRETAP_BROWSER_ARTIFACTS", "_build/browser-artifacts"),
        help="folder for screenshots and the page report (default: _build/browser-artifacts)",
    )
    group.addoption(
        "--pdf",
        default=os.environ.get("WIRETAP_PDF", "_build/latex/wiretap-book.pdf"),
        help="built PDF of the book to test (tests/pdf; default: _build/latex/wiretap-book.pdf)",
    )
    group.addoption(
        "--toc",
        default=os.environ.get("WIRETAP_TOC"),
        help="table of contents of the build (default: the _toc.yml beside it, or the root one)",
    )


def pytest_ignore_collect(collection_path: Path, config):
    """Tests of a built book run only when asked for by path: `make browser-test` runs
    tests/browser (after `make book`), `make pdf-test` runs tests/pdf (after `make pdf`)."""
    path = Path(collection_path).resolve()
    for folder in BUILT_BOOK_TESTS:
        if path != folder and folder not in path.parents:
            continue
        for arg in config.args:
            target = Path(arg.split("::")[0]).resolve()
            if target == folder or folder in target.parents:
                return None
        return True
    return None


def pytest_collect_file(file_path: Path, parent):
    opt = parent.config.option
    if (opt.nbval or opt.nbval_lax) and _is_chapter(file_path):
        return JupytextNbFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail a chapter cell that printed a warning to stderr: it would appear on the page."""
    result = yield
    if isinstance(item, nbval_plugin.IPyNbCell):
        for out in item.test_outputs or []:
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                if "Warning" in out.get("text", ""):
                    raise AssertionError(
                        f"Cell {item.cell_num} printed a warning to stderr:\n{out['text']}"
                    )
    return result


@pytest.fixture
def rng():
    """A fresh, seeded generator for each test."""
    import numpy as np

    return np.random.default_rng(20261124)
