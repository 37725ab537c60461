"""Grading with otter-grader, and the comparison helper that check cells use.

:func:`grade_submission` runs ``otter run`` (the non-containerized grader) on one notebook with
a chapter's autograder zip and returns a :class:`GradeReport`: per exercise the points, the
maximum and otter's output (which ends with the failing line of the check and its error). Each
test of the zip runs the chapter's check in a clean process (:mod:`wiretap.teaching.gate`).

:func:`assert_close` is the readable comparison for check cells.

Examples
--------
>>> assert_close([1.0, 2.0], [1.0, 2.0 + 1e-12], atol=1e-9, what="rates")
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

__all__ = ["ExerciseResult", "GradeReport", "assert_close", "grade_submission"]


def assert_close(
    actual,
    expected,
    *,
    rtol: float = 0.0,
    atol: float = 1e-9,
    equal_nan: bool = False,
    what: str = "value",
) -> None:
    """Assert ``|actual - expected| <= atol + rtol |expected|`` elementwise, with a clear message.

    NaN never passes by accident: a NaN in ``actual`` or in ``expected`` fails, except where both
    are NaN at the same position and ``equal_nan`` is true. Infinities must match exactly (same
    sign, same position).

    Parameters
    ----------
    actual, expected : array_like
        Values to compare (same shape; complex allowed).
    rtol, atol : float
        Relative and absolute tolerances (non-negative).
    equal_nan : bool
        Accept NaN where the reference is NaN at the same position.
    what : str
        Name of the quantity, used in the message.

    Raises
    ------
    AssertionError
        Naming the quantity, the shapes, the NaN or infinite entry, or the worst entry and the
        tolerance.
    ValueError
        If a tolerance is negative or NaN.

    Examples
    --------
    >>> assert_close([np.nan, 1.0], [np.nan, 1.0], equal_nan=True)
    >>> assert_close([1.0, 2.0], [np.nan, 2.0])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: value: got 1.0, expected nan at index (0,) (NaN or inf ...)
    """
    if not (rtol >= 0 and atol >= 0):
        raise ValueError(f"rtol and atol must be non-negative, got rtol={rtol}, atol={atol}")
    a = np.asarray(actual)
    e = np.asarray(expected)
    if a.shape != e.shape:
        raise AssertionError(f"{what}: shape {a.shape}, expected shape {e.shape}")
    for arr in (a, e):
        if arr.dtype.kind not in "biufc":
            raise AssertionError(f"{what}: not numeric (dtype {arr.dtype})")
    a0, e0 = a, e
    a, e = a.astype(complex), e.astype(complex)
    nan_a, nan_e = np.isnan(a), np.isnan(e)
    both = nan_a & nan_e if equal_nan else np.zeros(a.shape, bool)
    inf_a, inf_e = np.isinf(a), np.isinf(e)
    same_inf = inf_a & inf_e & (a == e)
    bad = ((nan_a | nan_e) & ~both) | ((inf_a | inf_e) & ~same_inf)
    skip = both | same_inf
    err = np.abs(np.where(skip | bad, 0, a) - np.where(skip | bad, 0, e))
    bound = atol + rtol * np.abs(np.where(skip | bad, 0, e))
    if not bad.any():
        bad = err > bound
    if bad.any():
        score = np.where(bad, np.where(np.isfinite(err - bound), err - bound, np.inf), -np.inf)
        i = np.unravel_index(np.argmax(score), bad.shape) if bad.ndim else ()
        where = f" at index {tuple(int(k) for k in i)}" if bad.ndim else ""
        if nan_a[i] and nan_e[i]:
            reason = "NaN matches NaN only with equal_nan=True"
        elif not (np.isfinite(a[i]) and np.isfinite(e[i])):
            reason = "NaN or inf where the other is not the same"
        else:
            reason = f"error {float(err[i]):.3g} > tolerance {float(bound[i]):.3g}"
        raise AssertionError(
            f"{what}: got {a0[i].item()!r}, expected {e0[i].item()!r}{where} "
            f"({reason}; {int(bad.sum())} of {bad.size} entries out of tolerance)"
        )


@dataclass(frozen=True)
class ExerciseResult:
    """otter's verdict on one graded exercise.

    Attributes
    ----------
    label : str
        The exercise (otter question name).
    score, max_score : float
        Points obtained and available.
    output : str
        otter's output for the question (the failing check line and error when it failed).
    """

    label: str
    score: float
    max_score: float
    output: str = ""

    @property
    def passed(self) -> bool:
        """Full points."""
        return self.max_score > 0 and self.score >= self.max_score


@dataclass(frozen=True)
class GradeReport:
    """Outcome of :func:`grade_submission`.

    Attributes
    ----------
    name : str
        The notebook graded.
    results : tuple of ExerciseResult
        One per autograded exercise, in the zip's order.
    elapsed : float
        Wall time in seconds.
    """

    name: str
    results: tuple[ExerciseResult, ...]
    elapsed: float = 0.0

    @property
    def score(self) -> tuple[float, float]:
        """(points obtained, points available)."""
        return sum(r.score for r in self.results), sum(r.max_score for r in self.results)

    @property
    def passed(self) -> bool:
        """Every exercise got full points (and there was at least one)."""
        return bool(self.results) and all(r.passed for r in self.results)

    def result(self, label: str) -> ExerciseResult:
        """The result of one exercise; ``ValueError`` if it is not graded here."""
        for r in self.results:
            if r.label == label:
                return r
        raise ValueError(f"label {label!r} is not a graded exercise of {self.name}")

    def to_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed, "score": list(self.score)}

    def to_text(self) -> str:
        got, total = self.score
        lines = [f"{self.name}: {got:g}/{total:g} points ({self.elapsed:.0f} s)"]
        for r in self.results:
            lines.append(
                f"  {'PASS' if r.passed else 'FAIL'}  {r.label}  {r.score:g}/{r.max_score:g}"
            )
            if not r.passed:
                tail = [ln.strip() for ln in r.output.strip().split("\n")[-3:]]
                lines += [f"        {ln}" for ln in tail if ln]
        return "\n".join(lines)


def _results(path: Path) -> tuple[ExerciseResult, ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        ExerciseResult(t["name"], float(t["score"]), float(t["max_score"]), t.get("output", ""))
        for t in data.get("tests", [])
        if t.get("max_score") is not None
    )


def grade_submission(
    notebook: str | Path, autograder: str | Path, *, timeout: float = 3600.0
) -> GradeReport:
    """Grade one notebook with ``otter run`` and a chapter's autograder zip.

    Parameters
    ----------
    notebook : str or Path
        The submission (``.ipynb``).
    autograder : str or Path
        The chapter's ``<key>-autograder.zip`` (from :func:`wiretap.teaching.build_pack`).
    timeout : float
        Seconds before ``otter run`` is stopped.

    Returns
    -------
    GradeReport

    Raises
    ------
    ValueError
        If a file is missing or otter writes no results.
    """
    notebook, autograder = Path(notebook), Path(autograder)
    if not notebook.is_file() or notebook.suffix != ".ipynb":
        raise ValueError(f"notebook must be an existing .ipynb file, got {str(notebook)!r}")
    if not autograder.is_file():
        raise ValueError(f"autograder must be an existing zip file, got {str(autograder)!r}")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="wiretap-otter-") as tmp:
        cmd = [sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(autograder)]
        proc = subprocess.run(
            [*cmd, "-o", tmp, str(notebook)], capture_output=True, text=True, timeout=timeout
        )
        out = Path(tmp) / "results.json"
        if not out.is_file():
            raise ValueError(f"otter run wrote no results for {notebook}:\n{proc.stderr[-2000:]}")
        results = _results(out)
    return GradeReport(str(notebook), results, time.perf_counter() - t0)
