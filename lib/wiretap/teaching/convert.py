"""Chapter to notebook: the student's stubs and the Jupyter Markdown of a chapter's cells.

:func:`make_stub` turns a ``solution`` cell into the code a student starts from;
:func:`chapter_pieces` walks a chapter (see :mod:`wiretap.teaching.myst`) and yields the cells
of the assignment notebook, each tagged with its role, which :mod:`wiretap.teaching.otter_emit`
wraps into an otter-grader master notebook.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Sequence
from dataclasses import dataclass

from .myst import HINT_RE, Chapter, cell_tags, directive_to_markdown, myst_to_markdown, walk_blocks

__all__ = ["Piece", "chapter_pieces", "make_stub", "solution_names"]

# --------------------------------------------------------------------------------------------
# Stubs
# --------------------------------------------------------------------------------------------


def _hint(source: str) -> tuple[str | None, str]:
    lines = source.split("\n")
    if lines and HINT_RE.match(lines[0]):
        return HINT_RE.match(lines[0])["hint"].strip(), "\n".join(lines[1:])
    return None, source


def _raise_stmt(message: str) -> ast.Raise:
    return ast.Raise(
        exc=ast.Call(ast.Name("NotImplementedError", ast.Load()), [ast.Constant(message)], []),
        cause=None,
    )


def _stub_function(node, label: str, hint: str | None, owner: str = ""):
    name = f"{owner}{node.name}"
    msg = f"{label}: implement {name}()" + (f" (hint: {hint})" if hint else "")
    body = []
    if ast.get_docstring(node) is not None:
        body.append(node.body[0])
    body.append(_raise_stmt(msg))
    new = copy.copy(node)
    new.body = body
    return new


def _assigned_names(node) -> list[str]:
    names = []
    for target in ast.walk(node):
        if isinstance(target, ast.Name) and isinstance(target.ctx, ast.Store):
            names.append(target.id)
    return names


def make_stub(source: str, label: str) -> str:
    """The student's version of a ``solution`` cell.

    Functions and classes keep their signatures and docstrings and raise
    ``NotImplementedError`` naming the exercise and the hint; imports are kept; any other
    top-level statement is removed and the cell itself raises, listing the names the student
    must define.

    Parameters
    ----------
    source : str
        The solution cell's source; a first line ``# hint: ...`` gives the hint.
    label : str
        The exercise label, quoted in the error message.

    Examples
    --------
    >>> print(make_stub("# hint: clip at zero\\ndef f(x):\\n    return max(x, 0)", "ex-a"))
    # Exercise ex-a: replace the NotImplementedError below with your code.
    # Hint: clip at zero
    def f(x):
        raise NotImplementedError('ex-a: implement f() (hint: clip at zero)')
    """
    hint, code = _hint(source)
    header = [f"# Exercise {label}: replace the NotImplementedError below with your code."]
    if hint:
        header.append(f"# Hint: {hint}")
    try:
        tree = ast.parse(code)
    except SyntaxError:
        tree = None
    kept: list[ast.stmt] = []
    names: list[str] = []
    if tree is not None:
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                kept.append(node)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                kept.append(_stub_function(node, label, hint))
            elif isinstance(node, ast.ClassDef):
                new = copy.copy(node)
                new.body = [
                    _stub_function(n, label, hint, f"{node.name}.")
                    if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                    else n
                    for n in node.body
                ]
                kept.append(new)
            else:
                names += [n for n in _assigned_names(node) if n not in names]
    if tree is None or names or not kept:
        what = f"define {', '.join(names)}" if names else "write your solution"
        msg = f"{label}: {what}" + (f" (hint: {hint})" if hint else "")
        if names:
            header.append(f"# Define: {', '.join(names)}")
        kept.append(_raise_stmt(msg))
    module = ast.Module(body=kept, type_ignores=[])
    return "\n".join(header) + "\n" + ast.unparse(ast.fix_missing_locations(module))


# --------------------------------------------------------------------------------------------
# A chapter as a sequence of pieces
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """One cell-sized piece of a chapter, with its role in the assignment.

    Attributes
    ----------
    kind : str
        ``"prose"`` (Markdown), ``"code"`` (a code cell outside the exercises),
        ``"exercise"`` (the exercise statement, Markdown), ``"solution-start"``,
        ``"solution-prose"`` (Markdown inside a solution), ``"solution"`` (a code cell tagged
        ``solution``), ``"solution-extra"`` (other code inside a solution), ``"solution-end"``,
        or ``"check"`` (a code cell tagged ``check``).
    source : str
        Jupyter Markdown or Python source (empty for the start and end markers).
    label : str
        The exercise it belongs to ("" for prose and code outside the exercises).
    tags : tuple of str
        The cell's tags (code cells).
    """

    kind: str
    source: str
    label: str = ""
    tags: tuple[str, ...] = ()


def _code_piece(cell, sol: str | None, labels: set[str]) -> Piece:
    tags = tuple(cell_tags(cell))
    if sol is not None:
        kind = "solution" if "solution" in tags else "solution-extra"
        return Piece(kind, cell.source, sol, tags)
    if "check" in tags:
        label = next((t for t in tags if t in labels), "")
        return Piece("check", cell.source, label, tags)
    return Piece("code", cell.source, "", tags)


def _markdown_piece(block, sol: str | None) -> Piece:
    if isinstance(block, str):
        return Piece(
            "prose" if sol is None else "solution-prose", myst_to_markdown(block), sol or ""
        )
    label = block.arg.split()[0] if block.arg else ""
    if block.name in ("exercise", "exercise-start"):
        return Piece("exercise", directive_to_markdown(block), block.options.get("label", ""))
    if block.name == "solution-start":
        return Piece("solution-start", "", label)
    if block.name == "solution-end":
        return Piece("solution-end", "", "")
    if block.name == "solution":  # an ungated dropdown solution: prose of its exercise
        return Piece("solution-prose", directive_to_markdown(block), label)
    text = directive_to_markdown(block)
    return Piece("prose" if sol is None else "solution-prose", text, sol or "")


def chapter_pieces(chapter: Chapter, nb=None) -> list[Piece]:
    """The chapter's cells as :class:`Piece` objects, Markdown rewritten for plain Jupyter.

    Parameters
    ----------
    chapter : Chapter
        The chapter (from :func:`wiretap.teaching.myst.read_chapter`).
    nb : nbformat.NotebookNode, optional
        Its notebook; default: read from ``chapter.path`` with Jupytext.

    Returns
    -------
    list of Piece
        In order; consecutive Markdown pieces of the same kind and exercise are merged, and a
        Markdown cell is split where an exercise or a solution starts or ends.
    """
    if nb is None:
        import jupytext

        nb = jupytext.read(chapter.path)
    labels = {e.label for e in chapter.exercises}
    pieces: list[Piece] = []
    last_idx = None
    for idx, cell, block, sol, _meta in walk_blocks(nb, str(chapter.path)):
        piece = _code_piece(cell, sol, labels) if block is None else _markdown_piece(block, sol)
        mergeable = piece.kind in ("prose", "solution-prose")
        if (
            mergeable
            and pieces
            and idx == last_idx
            and (pieces[-1].kind, pieces[-1].label) == (piece.kind, piece.label)
        ):
            text = "\n\n".join(t for t in (pieces[-1].source, piece.source) if t.strip())
            pieces[-1] = Piece(piece.kind, text, piece.label)
        elif not mergeable or piece.source.strip():
            pieces.append(piece)
        last_idx = idx
    return pieces


def solution_names(sources: Sequence[str]) -> tuple[list[str], list[str]]:
    """What solution cells define: the names a check may use, and the import statements.

    Parameters
    ----------
    sources : sequence of str
        The exercise's ``solution`` cells.

    Returns
    -------
    names : list of str
        Top-level functions, classes and assigned names, in order.
    imports : list of str
        The top-level import statements, as source.

    Examples
    --------
    >>> solution_names(["import numpy as np\\nh_ex = 1\\ndef f(x):\\n    return x"])
    (['h_ex', 'f'], ['import numpy as np'])
    """
    names: list[str] = []
    imports: list[str] = []
    for source in sources:
        try:
            tree = ast.parse(_hint(source)[1])
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                imports.append(ast.unparse(node))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.append(node.name)
            else:
                names += _assigned_names(node)
    return list(dict.fromkeys(names)), imports
