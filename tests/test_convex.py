import cvxpy as cp
import numpy as np
import pytest

from wiretap import convex


def test_optimal_solve_and_kkt():
    x = cp.Variable(2)
    con = [cp.sum(x) <= 1]
    prob = cp.Problem(cp.Minimize(cp.sum_squares(x - 1)), con)
    info = convex.solve(prob)
    assert info.ok and info.status == "optimal" and not info.infeasible
    assert info.value == pytest.approx(0.5, abs=1e-7)
    # KKT: 2(x - 1) + mu * 1 = 0 with mu = dual of the budget
    mu = con[0].dual_value
    np.testing.assert_allclose(2 * (x.value - 1) + mu, 0.0, atol=1e-6)
    assert info.iterations > 0 and info.solve_time >= 0 and info.wall_time >= info.solve_time


def test_infeasible_and_unbounded_are_reported():
    x = cp.Variable()
    info = convex.solve(cp.Problem(cp.Minimize(x), [x >= 1, x <= 0]))
    assert info.status == "infeasible" and not info.ok and info.infeasible
    info = convex.solve(cp.Problem(cp.Minimize(x)))
    assert info.status == "unbounded" and not info.ok and info.value == -np.inf


def test_solver_error_is_reported_not_raised():
    x = cp.Variable()
    # an iteration cap of 0 makes Clarabel stop before any progress
    info = convex.solve(cp.Problem(cp.Minimize(cp.square(x - 3)), [x >= 0]), max_iter=0)
    assert not info.ok
    assert info.status in ("solver_error", "user_limit", "optimal_inaccurate")
    if info.status == "solver_error":
        assert info.message and np.isnan(info.value)


def test_accept_inaccurate_and_bad_accept():
    x = cp.Variable()
    prob = cp.Problem(cp.Minimize(cp.square(x)))
    assert convex.solve(prob, accept=("optimal", "optimal_inaccurate")).ok
    with pytest.raises(ValueError, match="accept contains unknown statuses"):
        convex.solve(prob, accept=("fine",))
    with pytest.raises(ValueError, match=r"problem must be a cvxpy\.Problem"):
        convex.solve("min x")


def test_require_dpp():
    x = cp.Variable(3)
    P = cp.Parameter((3, 3), PSD=True)
    p = cp.Parameter(pos=True)
    ok = cp.Problem(cp.Minimize(cp.sum_squares(P @ x) + p * cp.sum(x)), [x >= 0])
    assert convex.require_dpp(ok) is ok
    bad = cp.Problem(cp.Minimize(cp.quad_form(x, P) + cp.sum(x) / p), [x >= 0])
    with pytest.raises(ValueError, match="problem is not DPP"):
        convex.require_dpp(bad)
    with pytest.raises(ValueError, match="problem must be"):
        convex.require_dpp(None)


def test_hermitian_residual():
    assert convex.hermitian_residual(np.eye(3)) == 0.0
    assert convex.hermitian_residual(np.zeros((2, 2))) == 0.0
    A = np.array([[0.0, 1.0], [-1.0, 0.0]])
    assert convex.hermitian_residual(A) == pytest.approx(1.0)
    X = cp.Variable((2, 2), hermitian=True)
    cp.Problem(cp.Minimize(cp.real(cp.trace(X))), [X >> np.eye(2)]).solve(solver=cp.CLARABEL)
    assert convex.hermitian_residual(X) < 1e-12
    with pytest.raises(ValueError, match="square matrix"):
        convex.hermitian_residual(np.ones(3))
