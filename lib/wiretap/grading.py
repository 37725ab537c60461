"""Grading (moved): see :mod:`wiretap.teaching.grading`.

Kept so that check cells written as ``from wiretap.grading import assert_close`` keep working.
"""

from .teaching.grading import ExerciseResult, GradeReport, assert_close, grade_submission

__all__ = ["ExerciseResult", "GradeReport", "assert_close", "grade_submission"]
