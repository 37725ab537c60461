from dataclasses import FrozenInstanceError, dataclass

import numpy as np
import pytest

from wiretap.results import Certificate, IterativeResult, as_history, settle


@dataclass(frozen=True, kw_only=True)
class _R(IterativeResult):
    x: float


def test_result_fields():
    r = _R(x=1.0, status="max_iter", iterations=5, history=as_history({"obj": [1, 2]}))
    assert not r.success and r.history["obj"].shape == (2,)
    with pytest.raises(FrozenInstanceError):
        r.x = 2.0
    ok = Certificate(kind="kkt_residual", value=1e-9, tolerance=1e-6)
    assert _R(x=0.0, status="converged", iterations=0, certificate=ok).success


def test_converged_needs_a_certificate_that_holds():
    bad = Certificate(kind="kkt_residual", value=1e-3, tolerance=1e-6)
    with pytest.raises(ValueError, match="needs a certificate that holds"):
        _R(x=0.0, status="converged", iterations=1)
    with pytest.raises(ValueError, match="needs a certificate that holds"):
        _R(x=0.0, status="converged", iterations=1, certificate=bad)
    r = _R(x=0.0, status=settle(True, bad), iterations=1, certificate=bad, message="gap 1e-3")
    assert r.status == "stalled" and not r.success and not r.certified


def test_settle():
    ok = Certificate(kind="stationarity", value=0.0, tolerance=1e-8)
    nan = Certificate(kind="stationarity", value=float("nan"), tolerance=1e-8)
    assert settle(True, ok) == "converged"
    assert settle(True, nan) == "stalled" and not nan.holds
    assert settle(True, None) == "stalled"
    assert settle(False, ok) == "max_iter"
    assert settle(False, ok, otherwise="stalled") == "stalled"
    with pytest.raises(ValueError, match="otherwise"):
        settle(False, ok, otherwise="converged")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "", "value": 0.0, "tolerance": 1.0}, "kind"),
        ({"kind": "x", "value": -1.0, "tolerance": 1.0}, "value"),
        ({"kind": "x", "value": 0.0, "tolerance": 0.0}, "tolerance"),
        ({"kind": "x", "value": 0.0, "tolerance": float("inf")}, "tolerance"),
    ],
)
def test_certificate_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Certificate(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"status": "done", "iterations": 1}, "status must be one of"),
        ({"status": "max_iter", "iterations": -1}, "iterations must be >= 0"),
        ({"status": "max_iter", "iterations": 1.5}, "iterations must be an int"),
        ({"status": "stalled", "iterations": 1}, "needs a message"),
        ({"status": "no_feasible_point", "iterations": 1}, "needs a message"),
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
