"""otter-grader assignments from chapters: master notebooks, then ``otter assign``.

A chapter becomes an otter (v7) *master notebook*: an ``ASSIGNMENT CONFIG`` raw cell, the
chapter's cells rewritten for plain Jupyter, and one question per exercise:

- a graded exercise (a ``solution`` code cell and a ``check`` cell) is an autograded question
  worth :attr:`~wiretap.teaching.myst.Exercise.points` points. Its solution cells carry the
  instructor's code between ``# BEGIN SOLUTION NO PROMPT`` and ``# END SOLUTION`` and the
  student's stub (:func:`~wiretap.teaching.convert.make_stub`) as the prompt. Its tests are a
  public test worth 0 points (students run it with ``grader.check``) and a hidden test worth
  the points; both call :func:`wiretap.teaching.gate.verify`, which runs the chapter's check
  cell in a clean process (see :mod:`wiretap.teaching.gate`).
- an exercise without a check (a derivation) is a manual question: its prose solution is
  removed from the student's notebook, and Gradescope lists it for hand grading.

:func:`write_assignment` then runs ``otter assign`` (no PDFs, no test run, no network, no
Docker) into ``<out>/<chapter key>/``: ``student/`` (the notebook and public tests to hand
out) and ``autograder/`` (the solutions notebook, all tests and ``<key>-autograder.zip`` for
Gradescope or ``otter run``).
"""

from __future__ import annotations

import ast
import contextlib
import io
import logging
import shutil
import warnings
from collections.abc import Sequence
from pathlib import Path

from .convert import Piece, chapter_pieces, make_stub, solution_names
from .gate import encode_spec
from .myst import Chapter

__all__ = ["check_spec", "master_notebook", "setup_slice", "write_assignment"]

ASSIGNMENT_CONFIG = """\
# ASSIGNMENT CONFIG
name: {name}
requirements: {requirements}
export_cell: false
run_tests: false
solutions_pdf: false
template_pdf: false
init_cell: true
check_all_cell: false
suppress_no_tests_warning: true
python_version: "3.11"
generate:
  pdf: false
  zips: false
  show_stdout: true
tests:
  files: true
  ok_format: true
"""

TEST_CELL = '''""" # BEGIN TEST CONFIG
hidden: {hidden}
points: {points}
""" # END TEST CONFIG
import importlib
import wiretap.teaching.gate as _wiretap_gate
importlib.reload(_wiretap_gate).verify(globals(), "{spec}")'''


# --------------------------------------------------------------------------------------------
# The code a check needs
# --------------------------------------------------------------------------------------------


def _names(source: str) -> tuple[set[str], set[str]]:
    """(names a cell binds, names it reads), over-approximated; empty if it does not parse."""
    try:
        tree = ast.parse("\n".join(ln for ln in source.split("\n") if ln.lstrip()[:1] not in "%!"))
    except SyntaxError:
        return set(), set()
    binds, reads = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (binds if isinstance(node.ctx, (ast.Store, ast.Del)) else reads).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            binds.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            binds.update((a.asname or a.name).split(".")[0] for a in node.names)
    return binds, reads


def setup_slice(cells: Sequence[str], needed: set[str]) -> list[str]:
    """The cells, in order, that bind a name the later selected cells or ``needed`` read.

    Parameters
    ----------
    cells : sequence of str
        Code cell sources before the check.
    needed : set of str
        Names the check reads.

    Examples
    --------
    >>> setup_slice(["import numpy as np", "plot()", "x = np.ones(2)"], {"x"})
    ['import numpy as np', 'x = np.ones(2)']
    """
    need = set(needed)
    chosen: list[str] = []
    for source in reversed(cells):
        binds, reads = _names(source)
        if binds & need:
            chosen.append(source)
            need |= reads
    return chosen[::-1]


def check_spec(pieces: Sequence[Piece], label: str) -> dict:
    """The spec of one exercise's clean-process check (see :mod:`wiretap.teaching.gate`).

    Raises
    ------
    ValueError
        If ``label`` has no check cell or no solution cell in ``pieces``.
    """
    checks = [p for p in pieces if p.kind == "check" and p.label == label]
    solutions = [p.source for p in pieces if p.kind == "solution" and p.label == label]
    if not checks or not solutions:
        raise ValueError(f"label {label!r} has no check cell or no solution cell")
    end = pieces.index(checks[0])
    before = [p.source for p in pieces[:end] if p.kind == "code"]
    check = "\n\n".join(p.source for p in checks)
    names, imports = solution_names(solutions)
    needed = _names(check)[1] | set().union(*(_names(s)[1] for s in imports))
    setup = setup_slice(before, needed - set(names))
    return {"label": label, "setup": setup, "imports": imports, "names": names, "check": check}


# --------------------------------------------------------------------------------------------
# Master notebook
# --------------------------------------------------------------------------------------------


def _solution_cell(source: str, label: str, graded: bool) -> str:
    """Instructor code wrapped for otter; the student's prompt is the stub (graded) or empty."""
    body = f"# BEGIN SOLUTION NO PROMPT\n{source.rstrip()}\n# END SOLUTION"
    if not graded:
        return body
    stub = make_stub(source, label)
    quote = '"""' if "'''" in stub else "'''"
    return f"{body}\n{quote} # BEGIN PROMPT\n{stub}\n{quote} # END PROMPT"


class _Builder:
    """Cells of a master notebook, with the question that is open."""

    def __init__(self, chapter: Chapter, pieces: Sequence[Piece]):
        import nbformat

        self.nbf = nbformat.v4
        self.exercises = {e.label: e for e in chapter.exercises}
        self.pieces = pieces
        self.cells: list = []
        self.question: str | None = None

    def raw(self, text: str) -> None:
        self.cells.append(self.nbf.new_raw_cell(text))

    def markdown(self, text: str) -> None:
        self.cells.append(self.nbf.new_markdown_cell(text))

    def code(self, source: str, tags: Sequence[str] = ()) -> None:
        cell = self.nbf.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = list(tags)
        self.cells.append(cell)

    def open(self, label: str) -> None:
        self.close()
        ex = self.exercises[label]
        manual = "" if ex.graded else "\nmanual: true"
        self.raw(f"# BEGIN QUESTION\nname: {label}\npoints: {ex.points}{manual}")
        self.question = label

    def tests(self, label: str) -> None:
        spec = encode_spec(check_spec(self.pieces, label))
        points = self.exercises[label].points
        self.raw("# BEGIN TESTS")
        self.code(TEST_CELL.format(hidden="false", points=0, spec=spec))
        self.code(TEST_CELL.format(hidden="true", points=points, spec=spec))
        self.raw("# END TESTS")

    def close(self) -> None:
        if self.question is not None:
            self.raw("# END QUESTION")
        self.question = None

    def add(self, p: Piece) -> None:
        graded = p.label in self.exercises and self.exercises[p.label].graded
        if p.kind == "exercise":
            self.open(p.label) if p.label in self.exercises else self.close()
            self.markdown(p.source)
        elif p.kind == "solution-start":
            if self.question != p.label and p.label in self.exercises:
                self.open(p.label)
            self.raw("# BEGIN SOLUTION")
        elif p.kind == "solution-end":
            self.raw("# END SOLUTION")
            if self.question is not None and self.exercises[self.question].graded:
                self.tests(self.question)
            self.close()
        elif p.kind in ("solution", "solution-extra"):
            self.code(_solution_cell(p.source, p.label, graded and p.kind == "solution"))
        elif p.kind == "check" and graded:
            return  # its tests were written after the solution
        elif p.kind in ("code", "check"):
            self.close()
            self.code(p.source, [t for t in p.tags if not t.startswith("ex-") and t != "check"])
        else:
            self.markdown(p.source)


def master_notebook(chapter: Chapter, *, requirements: str | None = None):
    """The otter-grader master notebook of a chapter.

    Parameters
    ----------
    chapter : Chapter
        The chapter (:func:`wiretap.teaching.myst.read_chapter`).
    requirements : str, optional
        Path of the ``requirements.txt`` for the autograder, relative to the notebook.

    Returns
    -------
    nbformat.NotebookNode
    """
    import nbformat

    builder = _Builder(chapter, chapter_pieces(chapter))
    config = ASSIGNMENT_CONFIG.format(name=chapter.key, requirements=requirements or "null")
    builder.raw(config)
    for piece in builder.pieces:
        builder.add(piece)
    builder.close()
    for i, cell in enumerate(builder.cells):  # stable ids: a rebuilt pack is identical
        cell["id"] = f"w{i:03d}"
    nb = nbformat.v4.new_notebook(cells=builder.cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["wiretap"] = {"chapter": chapter.key, "source": chapter.docname + ".md"}
    return nb


def write_assignment(
    chapter: Chapter, out: str | Path, *, requirements: str | Path | None = None
) -> Path:
    """Write a chapter's master notebook and run ``otter assign`` on it.

    Parameters
    ----------
    chapter : Chapter
        A chapter with at least one exercise.
    out : str or Path
        The pack folder: writes ``out/master/<key>.ipynb`` and ``out/<key>/{student,autograder}``.
    requirements : str or Path, optional
        A ``requirements.txt`` to put in the autograder zip (for Gradescope).

    Returns
    -------
    Path
        The autograder zip, ``out/<key>/autograder/<key>-autograder.zip``.

    Raises
    ------
    ValueError
        If the chapter has no exercise, or ``otter assign`` fails.
    """
    import nbformat

    with warnings.catch_warnings():  # otter's imports warn about traitlets usage (not ours)
        warnings.simplefilter("ignore", DeprecationWarning)
        from otter.assign import main as otter_assign

    if not chapter.exercises:
        raise ValueError(f"chapter {chapter.key} has no exercise")
    out = Path(out).resolve()
    master = out / "master" / f"{chapter.key}.ipynb"
    master.parent.mkdir(parents=True, exist_ok=True)
    req = None
    if requirements is not None:
        req = Path(shutil.os.path.relpath(Path(requirements).resolve(), master.parent)).as_posix()
    nbformat.write(master_notebook(chapter, requirements=req), master)
    result = out / chapter.key
    shutil.rmtree(result, ignore_errors=True)
    otter_log = logging.getLogger("otter")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        level = otter_log.level
        otter_log.setLevel(logging.ERROR)
        try:
            otter_assign(str(master), str(result), no_pdfs=True, no_run_tests=True)
        except Exception as exc:
            raise ValueError(f"otter assign failed on {chapter.key}: {exc}") from exc
        finally:
            otter_log.setLevel(level)
    for path in result.glob("*/*.ipynb"):  # otter draws new cell ids: make them stable
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"{path.parent.name[0]}{i:03d}"
        nbformat.write(nb, path)
    zips = sorted((result / "autograder").glob(f"{chapter.key}-autograder_*.zip"))
    if len(zips) != 1:
        raise ValueError(f"otter assign wrote {len(zips)} autograder zips for {chapter.key}")
    target = zips[0].with_name(f"{chapter.key}-autograder.zip")
    zips[0].rename(target)
    return target
