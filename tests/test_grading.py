"""Tests of wiretap.grading: the verdicts, the messages, and the error paths."""

from __future__ import annotations

import nbformat
import numpy as np
import pytest

from wiretap.grading import ExerciseResult, GradeReport, assert_close, grade_notebook


def _code(src, *tags, exercise=None, role=None):
    cell = nbformat.v4.new_code_cell(src)
    if tags:
        cell.metadata["tags"] = list(tags)
    if role:
        cell.metadata["wiretap"] = {"exercise": exercise, "role": role}
    return cell


# ---- assert_close ---------------------------------------------------------------------------


def test_assert_close_passes_within_tolerance():
    assert_close(np.array([1.0, 2.0]), [1.0, 2.0 + 1e-10], atol=1e-9)
    assert_close(1.0 + 1e-3j, 1.0, rtol=2e-3, atol=0.0)


def test_assert_close_names_the_worst_entry():
    with pytest.raises(
        AssertionError, match=r"rate: got .*2\.5.* expected .*2\.0.* at index \(1,\)"
    ):
        assert_close([1.0, 2.5, 3.0], [1.0, 2.0, 3.1], atol=0.2, what="rate")


def test_assert_close_shape_and_nan():
    with pytest.raises(AssertionError, match=r"shape \(2,\), expected shape \(3,\)"):
        assert_close([1, 2], [1, 2, 3])
    with pytest.raises(AssertionError, match="NaN or inf"):
        assert_close([np.nan], [1.0])


def test_assert_close_rejects_negative_tolerance():
    with pytest.raises(ValueError, match="rtol and atol"):
        assert_close(1.0, 1.0, atol=-1.0)


# ---- grade_notebook: argument errors ----------------------------------------------------------


def test_grade_rejects_bad_arguments(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[_code("x = 1", "check", "ex-a")])
    with pytest.raises(ValueError, match="scale"):
        grade_notebook(nb, scale="huge")
    with pytest.raises(ValueError, match="timeout"):
        grade_notebook(nb, timeout=0)
    with pytest.raises(ValueError, match="nb must be a notebook file"):
        grade_notebook(tmp_path / "missing.ipynb")
    empty = nbformat.v4.new_notebook(cells=[_code("x = 1")])
    with pytest.raises(ValueError, match="no graded exercise"):
        grade_notebook(empty)


def test_report_helpers():
    rep = GradeReport(
        "nb", (ExerciseResult("ex-a", "A", True), ExerciseResult("ex-b", "B", False, "boom"))
    )
    assert rep.score == (1, 2) and not rep.passed
    assert rep.result("ex-b").message == "boom"
    assert "FAIL  ex-b  B" in rep.to_text() and "boom" in rep.to_text()
    assert rep.to_dict()["score"] == [1, 2]
    with pytest.raises(ValueError, match="not a graded exercise"):
        rep.result("ex-z")
    assert not GradeReport("nb", ()).passed


# ---- grade_notebook: one run covering every verdict -------------------------------------------


@pytest.fixture(scope="module")
def graded():
    """A notebook with five exercises, graded against canonical checks in one kernel run."""
    cells = [
        _code("import numpy as np\nfrom wiretap.grading import assert_close"),
        # ex-ok: a right answer
        _code("def double(x):\n    return 2 * x", "solution", exercise="ex-ok", role="solution"),
        _code("assert double(3) == 6", "check", "ex-ok"),
        # ex-wrong: a wrong answer, graded with assert_close
        _code("def half(x):\n    return x / 3", "solution", exercise="ex-wrong", role="solution"),
        _code(
            "assert_close(half(np.array([2.0, 4.0])), [1.0, 2.0], what='half')", "check", "ex-wrong"
        ),
        # ex-weakened: the student replaced the check by `pass`; the canonical check is used
        _code("def square(x):\n    return x", "solution", exercise="ex-weak", role="solution"),
        _code("pass", "check", "ex-weak"),
        # ex-deleted: the check cell is gone; the canonical one runs at the end
        _code("def cube(x):\n    return x", "solution", exercise="ex-deleted", role="solution"),
        # ex-slow: an endless loop is interrupted at the time limit
        _code(
            "import time\nwhile True:\n    time.sleep(0.05)",
            "solution",
            exercise="ex-slow",
            role="solution",
        ),
        _code("assert True", "check", "ex-slow"),
        # an error outside every exercise is reported as a note
        _code("1 / 0"),
        _code("raise KeyError('fine')", "raises-exception"),
    ]
    checks = {
        "ex-ok": ["assert double(3) == 6"],
        "ex-wrong": ["assert_close(half(np.array([2.0, 4.0])), [1.0, 2.0], what='half')"],
        "ex-weak": ["assert square(3) == 9, 'square(3) should be 9'"],
        "ex-deleted": ["assert cube(2) == 8"],
        "ex-slow": ["assert True"],
    }
    nb = nbformat.v4.new_notebook(cells=cells)
    return nb, grade_notebook(nb, checks=checks, titles={"ex-ok": "Doubling"}, timeout=4)


def test_right_answer_passes(graded):
    _, rep = graded
    r = rep.result("ex-ok")
    assert r.passed and r.title == "Doubling" and r.message == ""


def test_wrong_answer_fails_with_the_check_and_its_message(graded):
    r = graded[1].result("ex-wrong")
    assert not r.passed
    assert r.line.startswith("assert_close(half(")
    assert "AssertionError: half: got" in r.message and "tolerance" in r.message


def test_weakened_check_is_replaced_by_the_canonical_one(graded):
    r = graded[1].result("ex-weak")
    assert not r.passed and "square(3) should be 9" in r.message


def test_deleted_check_still_runs(graded):
    r = graded[1].result("ex-deleted")
    assert not r.passed and r.line == "assert cube(2) == 8"


def test_endless_loop_is_interrupted(graded):
    r = graded[1].result("ex-slow")
    assert not r.passed and "KeyboardInterrupt" in r.message


def test_errors_outside_exercises_are_notes(graded):
    nb, rep = graded
    assert any("ZeroDivisionError" in e and "1 / 0" in e for e in rep.errors)
    assert not any("KeyError" in e for e in rep.errors)  # tagged raises-exception
    assert rep.score == (1, 5) and not rep.passed
    assert len(nb.cells) == 12  # the caller's notebook is not modified
