from dataclasses import FrozenInstanceError, dataclass

import numpy as np
import pytest

from wiretap.results import IterativeResult, as_history


@dataclass(frozen=True, kw_only=True)
class _R(IterativeResult):
    x: float


def test_result_fields():
    r = _R(x=1.0, status="max_iter", iterations=5, history=as_history({"obj": [1, 2]}))
    assert not r.success and r.history["obj"].shape == (2,)
    with pytest.raises(FrozenInstanceError):
        r.x = 2.0
    assert _R(x=0.0, status="converged", iterations=0).success


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"status": "done", "iterations": 1}, "status must be one of"),
        ({"status": "converged", "iterations": -1}, "iterations must be >= 0"),
        ({"status": "converged", "iterations": 1.5}, "iterations must be an int"),
        ({"status": "infeasible", "iterations": 1}, "needs a message"),
        ({"status": "solver_error", "iterations": 1}, "needs a message"),
    ],
)
def test_result_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _R(x=0.0, **kwargs)


def test_as_history():
    h = as_history({"a": [1.0, 2.0], "b": np.zeros((3, 2))})
    assert h["b"].shape == (3, 2)
    with pytest.raises(ValueError, match=r"history\['c'\] must be a sequence"):
        as_history({"c": 3.0})
