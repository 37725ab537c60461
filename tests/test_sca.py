import numpy as np
import pytest

from wiretap import channels, sca


def _herm_pd(rng, n, shift=0.5):
    A = channels.complex_gaussian((n, n), rng)
    return A @ A.conj().T + shift * np.eye(n)


def _herm_dirs(n):
    dirs = []
    for i in range(n):
        for j in range(i, n):
            E = np.zeros((n, n), complex)
            E[i, j] = E[j, i] = 1.0
            dirs.append(E)
            if i != j:
                F = np.zeros((n, n), complex)
                F[i, j], F[j, i] = 1j, -1j
                dirs.append(F)
    return np.array(dirs)


def test_logdet_tangent_is_a_majorant(rng):
    n = 3
    for _ in range(5):
        X0 = _herm_pd(rng, n)
        val, G = sca.logdet_tangent(X0)
        assert val == pytest.approx(np.linalg.slogdet(X0)[1], rel=1e-12)
        np.testing.assert_allclose(G, np.linalg.inv(X0), atol=1e-10)

        def f(X):
            return np.linalg.slogdet((X + X.conj().T) / 2)[1]

        def s(X, X0=X0, val=val, G=G):
            return val + np.real(np.trace(G @ (X - X0)))

        pts = np.array([_herm_pd(rng, n, shift=0.05) for _ in range(50)])
        chk = sca.check_surrogate(f, s, X0, pts, kind="majorant", directions=_herm_dirs(n))
        assert chk.holds(1e-6), chk
        # with the analytic gradient, no finite differences at all
        chk2 = sca.check_surrogate(
            f, s, X0, pts, kind="majorant", s_grad=G, f_grad=G, directions=_herm_dirs(n)
        )
        assert chk2.gradient_mismatch == 0 and chk2.bound_violation == 0


@pytest.mark.parametrize("k", [None, 3])
def test_quadratic_minorant_three_properties(rng, k):
    n = 4
    a = channels.complex_gaussian(n if k is None else (n, k), rng)
    A = a.reshape(n, -1)
    for _ in range(5):
        x0 = channels.complex_gaussian(n, rng)
        m = sca.quadratic_minorant(a, x0)

        def f(x):
            return float(np.sum(np.abs(A.conj().T @ x) ** 2))

        pts = channels.complex_gaussian((100, n), rng, variance=4.0)
        chk = sca.check_surrogate(f, m, x0, pts)
        assert chk.holds(1e-6), chk
        # analytic gradient of ||A^H x||^2 is 2 A A^H x in the library convention
        chk = sca.check_surrogate(
            f, m, x0, pts, f_grad=2 * A @ A.conj().T @ x0, s_grad=2 * m.linear
        )
        assert chk.gradient_mismatch < 1e-10
    linear, const = m  # unpacks
    assert linear.shape == (n,) and const <= 0


def test_quad_over_lin_minorant(rng):
    n = 3
    for _ in range(5):
        a, x0 = channels.complex_gaussian(n, rng), channels.complex_gaussian(n, rng)
        t0 = rng.uniform(0.5, 2.0)
        c, ct = sca.quad_over_lin_minorant(a, x0, t0)

        # one real vector v = [Re x, Im x, t]
        def split(v):
            return v[:n] + 1j * v[n : 2 * n], v[2 * n]

        def f(v, a=a):
            x, t = split(v)
            return abs(np.vdot(a, x)) ** 2 / t

        def s(v, c=c, ct=ct):
            x, t = split(v)
            return 2 * np.real(np.vdot(c, x)) + ct * t

        v0 = np.concatenate([x0.real, x0.imag, [t0]])
        pts = np.concatenate(
            [rng.normal(size=(200, 2 * n)) * 2, rng.uniform(0.05, 5, size=(200, 1))], axis=1
        )
        assert sca.check_surrogate(f, s, v0, pts).holds(1e-6)


def test_check_surrogate_detects_each_failure(rng):
    def f(x):
        return float(x[0] ** 2)

    x0 = np.array([1.0])
    pts = rng.normal(size=(50, 1)) * 3
    good = sca.check_surrogate(f, lambda x: 2 * x[0] - 1, x0, pts)
    assert good.holds(1e-7)
    shifted = sca.check_surrogate(f, lambda x: 2 * x[0] - 1.5, x0, pts)
    assert shifted.tightness == pytest.approx(0.5) and shifted.bound_violation == 0
    slope = sca.check_surrogate(f, lambda x: 1.5 * x[0] - 0.5, x0, pts)
    assert slope.gradient_mismatch == pytest.approx(0.5, abs=1e-6)
    over = sca.check_surrogate(f, lambda x: 2 * x[0] ** 2 - 1, x0, pts)
    assert over.bound_violation > 1
    assert not over.holds()


def test_check_surrogate_errors():
    f = lambda x: 0.0  # noqa: E731
    with pytest.raises(ValueError, match="kind"):
        sca.check_surrogate(f, f, [0.0], [[1.0]], kind="upper")
    with pytest.raises(ValueError, match="points"):
        sca.check_surrogate(f, f, [0.0, 1.0], [[1.0]])
    with pytest.raises(ValueError, match="directions"):
        sca.check_surrogate(f, f, [0.0], [[1.0]], directions=[[0.0]])
    with pytest.raises(ValueError, match="callable"):
        sca.check_surrogate(1.0, f, [0.0], [[1.0]])
    with pytest.raises(ValueError, match="non-finite"):
        sca.check_surrogate(lambda x: np.nan, f, [0.0], [[1.0]])
    with pytest.raises(ValueError, match="gradient has shape"):
        sca.check_surrogate(f, f, [0.0], [[1.0]], f_grad=np.zeros(2))


def test_logdet_tangent_errors():
    with pytest.raises(ValueError, match="X0 must be positive definite"):
        sca.logdet_tangent(-np.eye(2))
    with pytest.raises(ValueError, match="X0 must be Hermitian"):
        sca.logdet_tangent([[1.0, 1.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="X0 must be square"):
        sca.logdet_tangent(np.ones((2, 3)))
    with pytest.raises(ValueError, match="x0 must have shape"):
        sca.quadratic_minorant(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="t0"):
        sca.quad_over_lin_minorant(np.ones(2), np.ones(2), 0.0)


def test_sca_power_iteration_is_monotone_and_reaches_lambda_max(rng):
    # maximize x^H A x on the unit ball: the linear minorant at x_k is maximized by
    # A x_k / ||A x_k|| (an MM view of the power method)
    n = 6
    A = _herm_pd(rng, n, shift=0.1)
    lam = np.linalg.eigvalsh(A)

    def step(x):
        y = A @ x
        return y / np.linalg.norm(y)

    def obj(x):
        return float(np.real(np.vdot(x, A @ x)))

    x0 = channels.complex_gaussian(n, rng)
    x0 /= np.linalg.norm(x0)
    res = sca.sca(step, x0, obj, tol=1e-13, max_iter=5000)
    assert res.success and res.monotone
    assert res.objective == pytest.approx(lam[-1], rel=1e-8)
    h = res.history["objective"]
    assert len(h) == res.iterations + 1 and np.all(np.diff(h) >= -1e-12)
    assert res.history["step"].shape == (res.iterations,)


def test_sca_statuses():
    def obj(x):
        return float(-np.sum(x**2))

    x0 = np.array([1.0])
    capped = sca.sca(lambda x: 0.5 * x, x0, obj, tol=1e-14, max_iter=3)
    assert capped.status == "max_iter" and capped.iterations == 3 and not capped.success

    def failing(x):
        raise sca.StepFailure("infeasible", "subproblem infeasible")

    res = sca.sca(failing, x0, obj)
    assert res.status == "infeasible" and res.iterations == 0 and "infeasible" in res.message
    np.testing.assert_array_equal(res.x, x0)
    # a step that makes things worse is flagged, not hidden (on request, the run goes on)
    worse = sca.sca(lambda x: 2 * x, x0, obj, max_iter=2, on_nonmonotone="continue")
    assert worse.nonmonotone == (1, 2) and not worse.monotone and worse.status == "max_iter"
    nan = sca.sca(lambda x: x * np.nan, x0, obj)
    assert nan.status == "solver_error" and nan.message
    # x_tol demands a small step too
    res = sca.sca(lambda x: 0.5 * x, np.array([1.0]), lambda x: 0.0, x_tol=1e-3, max_iter=50)
    assert res.success and res.history["step"][-1] <= 1e-3
    # non-array iterates are allowed (history has no step)
    res = sca.sca(lambda d: {"v": d["v"] / 2}, {"v": 1.0}, lambda d: -(d["v"] ** 2), tol=1e-3)
    assert res.success and "step" not in res.history


def test_sca_errors():
    with pytest.raises(ValueError, match="step"):
        sca.sca(None, np.zeros(1), lambda x: 0.0)
    with pytest.raises(ValueError, match="objective"):
        sca.sca(lambda x: x, np.zeros(1), None)
    with pytest.raises(ValueError, match="tol"):
        sca.sca(lambda x: x, np.zeros(1), lambda x: 0.0, tol=0)
    with pytest.raises(ValueError, match="max_iter"):
        sca.sca(lambda x: x, np.zeros(1), lambda x: 0.0, max_iter=0)
    with pytest.raises(ValueError, match="finite"):
        sca.sca(lambda x: x, np.zeros(1), lambda x: np.inf)
    with pytest.raises(ValueError, match="status"):
        sca.StepFailure("oops", "x")
    with pytest.raises(ValueError, match="message"):
        sca.StepFailure("infeasible", "")


# ---------------------------------------------------------------------------------------
# certificates (issue 11)


def _quartic(x):
    return float(-(x**4) + 2 * x**2)


def test_sca_converged_implies_surrogate_gain_certificate_holds():
    """converged => the surrogate gain of one more step at x is <= tol (recomputed here)."""
    tol = 1e-10
    res = sca.sca(np.cbrt, np.array(0.3), _quartic, tol=tol, max_iter=500)
    assert res.status == "converged" and res.certified
    cert = res.certificate
    assert cert.kind == "surrogate_gain" and cert.tolerance == tol and cert.value <= tol
    again = abs(_quartic(np.cbrt(res.x)) - res.objective) / max(1.0, abs(res.objective))
    assert cert.value == pytest.approx(again, abs=1e-15)
    # the certified point is a stationary point of f: f'(x) = 4x - 4x^3 (about sqrt(gain))
    assert abs(4 * res.x - 4 * res.x**3) < 1e-4


def test_sca_converged_implies_caller_stationarity_holds():
    """With a stationarity measure, converged => measure(x) <= stationarity_tol."""

    def dfdx(x):
        return float(abs(4 * x - 4 * x**3))

    res = sca.sca(
        np.cbrt, np.array(0.3), _quartic, tol=1e-12, stationarity=dfdx, stationarity_tol=1e-5
    )
    assert res.success and res.certificate.kind == "stationarity"
    assert dfdx(res.x) <= 1e-5 and res.certificate.value == dfdx(res.x)
    # capped run: certificate still attached (it is cheap), status max_iter, not certified
    capped = sca.sca(np.cbrt, np.array(0.3), _quartic, max_iter=1, stationarity=dfdx)
    assert capped.status == "max_iter" and capped.message and not capped.certified


def test_sca_rule_met_without_progress_is_stalled_not_converged():
    """Regression (issue 11): a step that does not move while the surrogate can still gain
    used to be reported "converged"; now the certifying step exposes it."""
    calls = []

    def lazy_step(x):  # first call: no progress (rule met); later calls: a real step
        calls.append(1)
        return x.copy() if len(calls) == 1 else np.cbrt(x)

    res = sca.sca(lazy_step, np.array(0.3), _quartic, tol=1e-8)
    assert res.status == "stalled" and not res.success
    assert res.certificate is not None and res.certificate.value > 1e-2
    assert "certificate fails" in res.message and res.iterations == 1
    # a caller measure that is not met also gives stalled
    res = sca.sca(np.cbrt, np.array(0.3), _quartic, tol=1e-12, stationarity=lambda x: 1.0)
    assert res.status == "stalled" and "stationarity" in res.message


def test_sca_decreasing_step_is_stalled():
    """Regression (issue 11): a step that makes the objective worse stops the run as
    "stalled" and returns the last monotone iterate."""

    def obj(x):
        return float(-np.sum(x**2))

    x0 = np.array([1.0])
    res = sca.sca(lambda x: 2 * x, x0, obj, max_iter=5)
    assert res.status == "stalled" and res.nonmonotone == (1,) and not res.monotone
    assert res.iterations == 0 and "wrong way" in res.message
    np.testing.assert_array_equal(res.x, x0)
    assert res.objective == obj(x0) and len(res.history["objective"]) == 1


def test_sca_failing_certifying_step_is_stalled():
    calls = []

    def step(x):
        calls.append(1)
        if len(calls) > 1:
            raise sca.StepFailure("solver_error", "subproblem failed")
        return x.copy()

    res = sca.sca(step, np.array([1.0]), lambda x: float(-(x[0] ** 2)), tol=1e-6)
    assert res.status == "stalled" and res.certificate is None
    assert "certifying surrogate step failed" in res.message


def test_sca_certificate_arguments_validated():
    with pytest.raises(ValueError, match="stationarity"):
        sca.sca(np.cbrt, np.array(0.3), _quartic, stationarity=1.0)
    with pytest.raises(ValueError, match="stationarity_tol"):
        sca.sca(np.cbrt, np.array(0.3), _quartic, stationarity=abs, stationarity_tol=0.0)
    with pytest.raises(ValueError, match="on_nonmonotone"):
        sca.sca(np.cbrt, np.array(0.3), _quartic, on_nonmonotone="ignore")
    with pytest.raises(ValueError, match="stationarity"):
        sca.sca(np.cbrt, np.array(0.3), _quartic, stationarity=lambda x: -1.0)


def test_check_surrogate_rejects_zero_points():
    """Regression (issue 11): with no test point the bound check passed vacuously."""
    with pytest.raises(ValueError, match="points"):
        sca.check_surrogate(np.sum, np.sum, np.zeros(2), np.zeros((0, 2)))
