"""Course assignments (moved): see :mod:`wiretap.teaching`.

Kept so that ``python -m wiretap.assignments build|grade|verify|list`` and
``from wiretap.assignments import read_chapter`` keep working; new code should use
:mod:`wiretap.teaching`.
"""

from __future__ import annotations

import sys

from .teaching.cli import main as _main
from .teaching.convert import make_stub
from .teaching.myst import (
    Chapter,
    Exercise,
    ExerciseMeta,
    all_chapters,
    myst_to_markdown,
    read_chapter,
)
from .teaching.otter_emit import master_notebook
from .teaching.pack import build_pack, grade_file, verify_pack

__all__ = [
    "Chapter",
    "Exercise",
    "ExerciseMeta",
    "all_chapters",
    "build_pack",
    "grade_file",
    "main",
    "make_stub",
    "master_notebook",
    "myst_to_markdown",
    "read_chapter",
    "verify_pack",
]


def main(argv=None) -> int:
    """``python -m wiretap.assignments``: the command line of :mod:`wiretap.teaching.cli`."""
    return _main(argv, prog="python -m wiretap.assignments")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
