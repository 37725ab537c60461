"""Course tooling: the book's exercises as otter-grader assignments, and how they are graded.

Split by job:

* :mod:`wiretap.teaching.myst` - reading a chapter's exercises, solutions and checks (MyST).
* :mod:`wiretap.teaching.convert` - a chapter as notebook pieces; the student's stubs.
* :mod:`wiretap.teaching.otter_emit` - otter master notebooks and ``otter assign``.
* :mod:`wiretap.teaching.gate` and :mod:`wiretap.teaching.clean` - the otter test of an
  exercise: its check runs in a fresh process that never ran student code.
* :mod:`wiretap.teaching.pack` - assignment packs (``make assignments``) and their check.
* :mod:`wiretap.teaching.grading` - ``otter run`` reports and :func:`assert_close`.
* ``wiretap.teaching.cli`` - the command line, ``python -m wiretap.teaching``.

The names below load their module on first use, so importing this package stays cheap (the
clean check process imports it).
"""

from __future__ import annotations

import importlib

__all__ = [
    "Chapter",
    "Exercise",
    "ExerciseMeta",
    "GradeReport",
    "all_chapters",
    "assert_close",
    "build_pack",
    "grade_file",
    "grade_submission",
    "make_stub",
    "master_notebook",
    "myst_to_markdown",
    "read_chapter",
    "verify_pack",
]

_WHERE = {
    "Chapter": "myst",
    "Exercise": "myst",
    "ExerciseMeta": "myst",
    "all_chapters": "myst",
    "myst_to_markdown": "myst",
    "read_chapter": "myst",
    "make_stub": "convert",
    "master_notebook": "otter_emit",
    "build_pack": "pack",
    "grade_file": "pack",
    "verify_pack": "pack",
    "GradeReport": "grading",
    "assert_close": "grading",
    "grade_submission": "grading",
}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
