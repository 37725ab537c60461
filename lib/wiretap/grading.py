"""Grade a notebook exercise by exercise: run it, then read the verdict off its check cells.

An exercise is *graded* when the notebook has a code cell tagged ``check`` and the exercise's
label (see ``CONTRIBUTING.md``). :func:`grade_notebook` runs the whole notebook once in a fresh
kernel, cell errors allowed, and for every graded exercise reports:

- PASS when its ``solution`` cells and its ``check`` cells all ran without error;
- FAIL otherwise, with the error of the solution cell (a stub's ``NotImplementedError`` says
  which function to write) and of the first failing check: the cell, the source line that
  failed and the exception message.

The checks are the chapter's own asserts. Given ``checks`` (from a pack's manifest) the grader
first puts those sources back in place of the notebook's check cells, so a student cannot
weaken a check. Check cells may use :func:`assert_close` for a readable failure message.

Examples
--------
>>> assert_close([1.0, 2.0], [1.0, 2.0 + 1e-12], atol=1e-9, what="rates")
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

__all__ = ["ExerciseResult", "GradeReport", "assert_close", "grade_notebook"]

KEY = "wiretap"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_LINE = re.compile(
    r"(?:Cell In\s*\[\d*\]|<ipython-input-[^>]*>|<cell line: \d+>),? line (\d+)"
)


def assert_close(actual, expected, *, rtol: float = 0.0, atol: float = 1e-9, what: str = "value"):
    """Assert ``|actual - expected| <= atol + rtol |expected|`` elementwise, with a clear message.

    Parameters
    ----------
    actual, expected : array_like
        Values to compare (same shape; complex allowed).
    rtol, atol : float
        Relative and absolute tolerances (non-negative).
    what : str
        Name of the quantity, used in the message.

    Raises
    ------
    AssertionError
        Naming the quantity, the shapes or the worst entry and the tolerance.
    ValueError
        If a tolerance is negative.
    """
    if rtol < 0 or atol < 0:
        raise ValueError(f"rtol and atol must be non-negative, got rtol={rtol}, atol={atol}")
    a = np.asarray(actual)
    e = np.asarray(expected)
    if a.shape != e.shape:
        raise AssertionError(f"{what}: shape {a.shape}, expected shape {e.shape}")
    if np.any(~np.isfinite(a) & np.isfinite(e)):
        raise AssertionError(f"{what}: contains NaN or inf where a finite value is expected")
    err = np.abs(a.astype(complex) - e.astype(complex))
    bound = atol + rtol * np.abs(e)
    bad = err > bound
    if np.any(bad):
        i = np.unravel_index(np.argmax(err - bound), err.shape) if err.ndim else ()
        where = f" at index {tuple(int(k) for k in i)}" if err.ndim else ""
        raise AssertionError(
            f"{what}: got {a[i]!r}, expected {e[i]!r}{where} "
            f"(error {float(err[i]):.3g} > tolerance {float(bound[i]):.3g}; "
            f"{int(bad.sum())} of {bad.size} entries out of tolerance)"
        )


@dataclass(frozen=True)
class ExerciseResult:
    """Verdict on one graded exercise.

    Attributes
    ----------
    label, title : str
        The exercise.
    passed : bool
        Whether its solution and check cells all ran without error.
    message : str
        Empty when passed; otherwise what failed, in words.
    cell : int or None
        Index of the failing cell in the graded notebook.
    line : str
        The check's source line that failed (empty if unknown).
    """

    label: str
    title: str
    passed: bool
    message: str = ""
    cell: int | None = None
    line: str = ""


@dataclass(frozen=True)
class GradeReport:
    """Outcome of :func:`grade_notebook`.

    Attributes
    ----------
    name : str
        The notebook graded.
    results : tuple of ExerciseResult
        One per graded exercise, in notebook order.
    errors : tuple of str
        Errors in cells that belong to no exercise (they may explain a failure).
    elapsed : float
        Wall time in seconds.
    """

    name: str
    results: tuple[ExerciseResult, ...]
    errors: tuple[str, ...] = ()
    elapsed: float = 0.0

    @property
    def passed(self) -> bool:
        """All graded exercises passed (and there was at least one)."""
        return bool(self.results) and all(r.passed for r in self.results)

    @property
    def score(self) -> tuple[int, int]:
        """(passed, graded)."""
        return sum(r.passed for r in self.results), len(self.results)

    def result(self, label: str) -> ExerciseResult:
        """The result of one exercise; ``ValueError`` if it is not graded here."""
        for r in self.results:
            if r.label == label:
                return r
        raise ValueError(f"label {label!r} is not a graded exercise of {self.name}")

    def to_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed, "score": list(self.score)}

    def to_text(self) -> str:
        ok, total = self.score
        lines = [f"{self.name}: {ok}/{total} exercises passed ({self.elapsed:.0f} s)"]
        for r in self.results:
            lines.append(f"  {'PASS' if r.passed else 'FAIL'}  {r.label}  {r.title}".rstrip())
            if not r.passed:
                lines += [f"        {m}" for m in r.message.split("\n")]
        for e in self.errors:
            lines.append(f"  note: {e}")
        return "\n".join(lines)


def _info(cell) -> dict:
    return cell.get("metadata", {}).get(KEY, {}) or {}


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _check_label(cell, labels) -> str | None:
    info = _info(cell)
    if info.get("role") == "check":
        return info.get("exercise")
    tags = _tags(cell)
    if "check" in tags:
        return next((t for t in tags if t in labels or t.startswith("ex-")), None)
    return None


def _install_checks(nb, checks: Mapping[str, Sequence[str]]):
    """Replace the notebook's check cells by the given sources (inserted where they were)."""
    import nbformat

    cells = []
    placed = set()
    for cell in nb.cells:
        label = _check_label(cell, checks) if cell.cell_type == "code" else None
        if label is None:
            cells.append(cell)
            continue
        if label in checks and label not in placed:
            for src in checks[label]:
                new = nbformat.v4.new_code_cell(src)
                new.metadata["tags"] = ["check", label]
                new.metadata[KEY] = {"exercise": label, "role": "check"}
                cells.append(new)
            placed.add(label)
    for label, sources in checks.items():
        if label not in placed:  # the student deleted it: run it at the end
            for src in sources:
                new = nbformat.v4.new_code_cell(src)
                new.metadata["tags"] = ["check", label]
                new.metadata[KEY] = {"exercise": label, "role": "check"}
                cells.append(new)
    nb.cells = cells
    return nb


def _error(cell):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out
    return None


def _describe(cell, err) -> tuple[str, str]:
    """(message, failing source line) for a cell's error output."""
    tb = _ANSI.sub("", "\n".join(err.get("traceback", [])))
    line = ""
    m = _CELL_LINE.search(tb)
    if m:
        src = cell.source.split("\n")
        k = int(m.group(1)) - 1
        if 0 <= k < len(src):
            line = src[k].strip()
    evalue = err.get("evalue", "")
    return f"{err.get('ename', 'Error')}: {evalue}".rstrip(": "), line


@contextlib.contextmanager
def _environment(values: Mapping[str, str]):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def grade_notebook(
    nb,
    *,
    checks: Mapping[str, Sequence[str]] | None = None,
    titles: Mapping[str, str] | None = None,
    cwd: str | os.PathLike | None = None,
    name: str = "notebook",
    scale: str = "quick",
    timeout: int = 600,
    kernel_name: str = "python3",
) -> GradeReport:
    """Run a notebook and grade each exercise that has a check cell.

    Parameters
    ----------
    nb : nbformat.NotebookNode or str or Path
        The notebook (a path to an ``.ipynb``, or a Jupytext ``.md`` chapter).
    checks : mapping of str to list of str, optional
        Check-cell sources per exercise label (a pack's ``manifest.json``); they replace the
        notebook's own check cells. Default: grade with the notebook's check cells.
    titles : mapping of str to str, optional
        Exercise titles for the report.
    cwd : path, optional
        Working directory of the kernel (default: the notebook's folder, or the current one).
    name : str
        Name used in the report.
    scale : {"quick", "paper"}
        ``WIRETAP_SCALE`` of the run.
    timeout : int
        Seconds per cell; a cell that runs longer is interrupted and fails.
    kernel_name : str
        Jupyter kernel to run.

    Returns
    -------
    GradeReport

    Raises
    ------
    ValueError
        If the notebook cannot be read, ``scale`` or ``timeout`` is invalid, or the notebook
        has no graded exercise.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    if scale not in ("quick", "paper"):
        raise ValueError(f"scale must be 'quick' or 'paper', got {scale!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if isinstance(nb, (str, os.PathLike)):
        path = Path(nb)
        if not path.is_file():
            raise ValueError(f"nb must be a notebook file, got {str(path)!r}")
        if path.suffix == ".md":
            import jupytext

            nb = jupytext.read(path)
        else:
            nb = nbformat.read(path, as_version=4)
        cwd = cwd if cwd is not None else path.parent
        name = name if name != "notebook" else str(path)
    else:
        nb = copy.deepcopy(nb)
    if checks is not None:
        nb = _install_checks(nb, checks)
    labels: list[str] = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            label = _check_label(cell, checks or {})
            if label and label not in labels:
                labels.append(label)
    declared = nb.metadata.get(KEY, {}).get("graded")
    if checks is None and declared is not None:  # a pack notebook says which are graded
        labels = [label for label in labels if label in declared]
    if not labels:
        raise ValueError(f"{name}: no graded exercise (no cell tagged 'check' and a label)")

    # Solution cells belong to the exercise named in their metadata, else to the next check.
    owner: dict[int, str] = {}
    pending: list[int] = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        info = _info(cell)
        if info.get("role") == "solution" and info.get("exercise"):
            owner[i] = info["exercise"]
        elif "solution" in _tags(cell):
            pending.append(i)
        label = _check_label(cell, labels)
        if label:
            owner[i] = label
            for j in pending:
                owner[j] = label
            pending = []

    t0 = time.perf_counter()
    died = ""
    with tempfile.TemporaryDirectory(prefix="wiretap-grade-") as tmp:
        env = {
            "WIRETAP_SCALE": scale,
            "WIRETAP_BUILD": "1",
            "WIRETAP_REPRO_DIR": tmp,
        }
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name=kernel_name,
            allow_errors=True,
            interrupt_on_timeout=True,
            resources={"metadata": {"path": str(cwd or Path.cwd())}},
        )
        with _environment(env):
            try:
                # The kernel process's own log (not cell output) is dropped.
                client.execute(stderr=subprocess.DEVNULL)
            except DeadKernelError as exc:
                died = f"the kernel died ({exc})"
    elapsed = time.perf_counter() - t0

    results = []
    for label in labels:
        title = (titles or {}).get(label, "")
        sol_msgs, check_fail = [], None
        ran = True
        for i, cell in enumerate(nb.cells):
            if owner.get(i) != label:
                continue
            err = _error(cell)
            is_check = _check_label(cell, labels) == label
            if is_check and cell.get("execution_count") is None and err is None:
                ran = False
            if err is None:
                continue
            msg, line = _describe(cell, err)
            if is_check and check_fail is None:
                check_fail = (i, msg, line)
            elif not is_check:
                sol_msgs.append(f"your solution (cell {i}) raised {msg}")
        if check_fail is None and not sol_msgs and ran:
            results.append(ExerciseResult(label, title, True))
            continue
        parts = list(sol_msgs)
        cell_idx, line = None, ""
        if check_fail is not None:
            cell_idx, msg, line = check_fail
            where = f"check (cell {cell_idx})" + (f" failed at: {line}" if line else " failed")
            parts.append(f"{where}\n{msg}")
        elif not ran:
            parts.append(f"check not run: {died or 'execution stopped before it'}")
        results.append(ExerciseResult(label, title, False, "\n".join(parts), cell_idx, line))

    errors = []
    for i, cell in enumerate(nb.cells):
        if i in owner or cell.cell_type != "code" or "raises-exception" in _tags(cell):
            continue
        err = _error(cell)
        if err is not None:
            msg, line = _describe(cell, err)
            errors.append(
                f"cell {i} (outside the exercises) raised {msg}" + (f" at: {line}" if line else "")
            )
    if died:
        errors.append(died)
    return GradeReport(name, tuple(results), tuple(errors), elapsed)


def report_json(reports: Sequence[GradeReport]) -> str:
    """Several reports as a JSON document."""
    return json.dumps([r.to_dict() for r in reports], indent=1)
