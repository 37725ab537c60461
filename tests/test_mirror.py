import cvxpy as cp
import numpy as np
import pytest
from scipy.optimize import linprog

from wiretap import channels, convex, mirror
from wiretap._bregman import kl_step


def _lp_value(A):
    """Value of min_x max_y x^T A y by linear programming (independent reference)."""
    n, m = A.shape
    # variables (x, v): minimize v s.t. A^T x <= v 1, sum x = 1, x >= 0
    c = np.r_[np.zeros(n), 1.0]
    A_ub = np.c_[A.T, -np.ones(m)]
    res = linprog(
        c,
        A_ub=A_ub,
        b_ub=np.zeros(m),
        A_eq=np.r_[np.ones(n), 0.0][None],
        b_eq=[1.0],
        bounds=[(0, None)] * n + [(None, None)],
        method="highs",
    )
    assert res.status == 0
    return res.fun


def test_kl_prox_matches_closed_form_and_kkt(rng):
    for _ in range(20):
        n = rng.integers(2, 8)
        x = rng.dirichlet(np.ones(n))
        g, step = rng.normal(size=n), rng.uniform(0.1, 3)
        y = mirror.kl_prox(x, g, step)
        naive = x * np.exp(-step * g)
        np.testing.assert_allclose(y, naive / naive.sum(), rtol=1e-12)
        # KKT of argmin step<g,y> + KL(y||x): log y - log x + step g is constant
        stat = np.log(y) - np.log(x) + step * g
        assert np.ptp(stat) < 1e-10
        # log-domain version agrees
        np.testing.assert_allclose(mirror.kl_prox_log(np.log(x), g, step), np.log(y), atol=1e-12)


def test_kl_prox_survives_where_the_naive_step_fails():
    x = np.array([0.2, 0.3, 0.5])
    g = np.array([-800.0, 0.0, 900.0])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = x * np.exp(-g)
        naive = naive / naive.sum()
    assert np.any(~np.isfinite(naive))
    y = mirror.kl_prox(x, g, 1.0)
    assert np.all(np.isfinite(y)) and y.sum() == pytest.approx(1.0) and y[0] == pytest.approx(1)
    # zero weights stay zero, and log-weights far below the double range are kept
    assert mirror.kl_prox(np.array([0.0, 1.0]), np.array([-5.0, 0.0]), 1.0).tolist() == [0, 1]
    ly = mirror.kl_prox_log(np.array([-2000.0, 0.0]), np.array([0.0, 0.0]), 1.0)
    assert ly[0] == pytest.approx(-2000.0) and ly[1] == 0.0


def test_simplex_projection_against_bisection(rng):
    for _ in range(50):
        v = rng.normal(size=rng.integers(1, 10)) * 3
        total = rng.uniform(0.5, 2)
        y = mirror.simplex_projection(v, total)
        lo, hi = v.min() - total, v.max()
        for _ in range(200):  # sum(max(v - th, 0)) = total, by bisection on th
            th = (lo + hi) / 2
            lo, hi = (th, hi) if np.maximum(v - th, 0).sum() > total else (lo, th)
        np.testing.assert_allclose(y, np.maximum(v - th, 0), atol=1e-10)
        assert y.sum() == pytest.approx(total) and np.all(y >= 0)


def test_ball_projection(rng):
    v = channels.complex_gaussian(5, rng, variance=10)
    p = mirror.ball_projection(v, 1.0)
    assert np.linalg.norm(p) == pytest.approx(1.0)
    assert abs(np.vdot(p, v)) == pytest.approx(np.linalg.norm(v))  # same direction
    small = 0.01 * v
    np.testing.assert_array_equal(mirror.ball_projection(small, 1.0), small)
    with pytest.raises(ValueError, match="radius"):
        mirror.ball_projection(v, -1.0)


def test_mirror_prox_matrix_game_value_and_rate(rng):
    for _ in range(5):
        n, m = rng.integers(2, 7, size=2)
        A = rng.uniform(-1, 1, size=(n, m))
        F, P, G, z0 = mirror.matrix_game(A)
        L = np.abs(A).max()
        res = mirror.mirror_prox(F, P, z0, 1 / L, gap=G, tol=1e-3, max_iter=20000)
        assert res.success, res.message
        x, y = res.average
        val = _lp_value(A)
        # the value lies between the two best-response payoffs, whose distance is the gap
        assert np.min(A @ y) - 1e-12 <= val <= np.max(A.T @ x) + 1e-12
        assert res.gap <= 1e-3
        # O(1/t) certificate of Nemirovski's theorem: gap_t <= L (log n + log m) / t
        t = res.history["gap_iteration"]
        bound = L * (np.log(n) + np.log(m)) / t
        assert np.all(res.history["gap"] <= bound + 1e-12)
        assert res.history["residual"].shape == (res.iterations,)


def test_mirror_prox_aauc_style_maxmin_against_socp(rng):
    # max_{||x|| <= 1} min_k r_k^T x + t_k, as a saddle point with a simplex dual (AAUC P5)
    K, n = 4, 3
    R, tk = rng.normal(size=(K, n)), rng.normal(size=K) * 0.3
    x = cp.Variable(n)
    prob = cp.Problem(cp.Maximize(cp.min(R @ x + tk)), [cp.norm(x) <= 1])
    info = convex.solve(prob)
    assert info.ok

    def op(z):  # minimize over gamma, maximize over x: F = (-grad_x, grad_gamma)
        xx, gam = z
        return (-(R.T @ gam), R @ xx + tk)

    def gap(z):
        xx, gam = z
        v = R.T @ gam
        return float(np.linalg.norm(v) + gam @ tk - np.min(R @ xx + tk))

    P = mirror.block_prox(
        mirror.euclidean_prox(lambda v: mirror.ball_projection(v, 1.0)), mirror.kl_prox
    )
    L = np.abs(R).max() * 2
    res = mirror.mirror_prox(
        op, P, (np.zeros(n), np.full(K, 1 / K)), 1 / L, gap=gap, tol=1e-3, max_iter=50000
    )
    assert res.success
    # the gap bounds the suboptimality of the averaged x
    assert 0 <= info.value - np.min(R @ res.average[0] + tk) <= res.gap + 1e-7


def test_mirror_prox_criteria_and_statuses():
    A = np.array([[0.0, 1.0], [1.0, 0.0]])
    F, P, G, z0 = mirror.matrix_game(A)
    z0 = (np.array([0.9, 0.1]), np.array([0.2, 0.8]))
    for crit in ("step", "residual"):
        res = mirror.mirror_prox(F, P, z0, 0.5, tol=1e-9, criterion=crit, max_iter=10000)
        assert res.success
        np.testing.assert_allclose(res.last[0], [0.5, 0.5], atol=1e-6)
        assert "gap" not in res.history
    capped = mirror.mirror_prox(F, P, z0, 0.5, gap=G, tol=1e-12, max_iter=3)
    assert capped.status == "max_iter" and capped.iterations == 3
    assert capped.history["gap"].shape == (3,)
    sparse = mirror.mirror_prox(F, P, z0, 0.5, gap=G, tol=1e-12, max_iter=10, gap_every=4)
    assert sparse.history["gap_iteration"].tolist() == [4, 8, 10]
    bad = mirror.mirror_prox(lambda z: (z[0] * np.nan, z[1]), P, z0, 0.5, max_iter=5)
    assert bad.status == "solver_error" and bad.iterations == 0


def test_errors():
    with pytest.raises(ValueError, match="x must sum to 1"):
        mirror.kl_prox([0.5, 0.6], [0.0, 0.0], 1.0)
    with pytest.raises(ValueError, match="x must be nonnegative"):
        mirror.kl_prox([1.5, -0.5], [0.0, 0.0], 1.0)
    with pytest.raises(ValueError, match="g must have shape"):
        mirror.kl_prox([0.5, 0.5], [0.0], 1.0)
    with pytest.raises(ValueError, match="step"):
        mirror.kl_prox([0.5, 0.5], [0.0, 0.0], 0.0)
    with pytest.raises(ValueError, match="logx"):
        mirror.kl_prox_log([np.nan, 0.0], [0.0, 0.0], 1.0)
    with pytest.raises(ValueError, match="finite entry"):
        mirror.kl_prox_log([-np.inf, -np.inf], [0.0, 0.0], 1.0)
    with pytest.raises(ValueError, match="total"):
        mirror.simplex_projection([1.0], 0.0)
    F, P, _G, z0 = mirror.matrix_game(np.eye(2))
    with pytest.raises(ValueError, match="gap function"):
        mirror.mirror_prox(F, P, z0, 1.0, criterion="gap")
    with pytest.raises(ValueError, match="criterion"):
        mirror.mirror_prox(F, P, z0, 1.0, criterion="foo")
    with pytest.raises(ValueError, match="step"):
        mirror.mirror_prox(F, P, z0, -1.0)
    with pytest.raises(ValueError, match="callable"):
        mirror.mirror_prox(None, P, z0, 1.0)
    with pytest.raises(ValueError, match="2 blocks"):
        mirror.block_prox(mirror.kl_prox, mirror.kl_prox)(np.zeros(2), np.zeros(2), 1.0)
    with pytest.raises(ValueError, match="x and y must have lengths"):
        mirror.matrix_game_gap(np.eye(2), [1.0], [0.5, 0.5])
    assert mirror.kl_divergence([1.0, 0.0], [0.0, 1.0]) == np.inf
    assert mirror.kl_divergence([0.3, 0.7], [0.3, 0.7]) == 0.0


def test_fast_kl_step_matches_kl_prox(rng):
    for _ in range(20):
        x = rng.dirichlet(np.ones(5))
        g = rng.normal(size=5) * 100
        np.testing.assert_allclose(
            kl_step(x, g, 2.0), mirror.kl_prox(x, g, 2.0), rtol=1e-12, atol=1e-300
        )


# ---------------------------------------------------------------------------------------
# certificates (issue 11)


def test_mirror_prox_converged_implies_duality_gap_certificate(rng):
    """converged => the duality gap of the average, recomputed from A, is <= tol."""
    for _ in range(3):
        n, m = rng.integers(2, 6, size=2)
        A = rng.uniform(-1, 1, size=(n, m))
        F, P, G, z0 = mirror.matrix_game(A)
        res = mirror.mirror_prox(F, P, z0, 1 / np.abs(A).max(), gap=G, tol=1e-3, max_iter=20000)
        assert res.success and res.certificate.kind == "duality_gap"
        assert res.certificate.tolerance == 1e-3 and res.certificate.value <= 1e-3
        x, y = res.average
        assert res.certificate.value == pytest.approx(mirror.matrix_game_gap(A, x, y), abs=1e-15)


def test_mirror_prox_converged_implies_fixed_point_residual():
    """Without a gap function the certificate is the prox residual of the last iterate."""
    A = np.array([[0.0, 1.0], [1.0, 0.0]])
    F, P, _, _ = mirror.matrix_game(A)
    z0 = (np.array([0.9, 0.1]), np.array([0.2, 0.8]))
    res = mirror.mirror_prox(F, P, z0, 0.5, tol=1e-9, criterion="step", max_iter=10000)
    assert res.success and res.certificate.kind == "fixed_point_residual"
    w = P(res.last, F(res.last), 0.5)
    resid = np.sqrt(sum(np.linalg.norm(a - b) ** 2 for a, b in zip(res.last, w, strict=True)))
    assert res.certificate.value == pytest.approx(resid, abs=1e-15)
    assert resid <= res.certificate.tolerance == 1e-8


def test_mirror_prox_rule_met_but_gap_large_is_stalled():
    """Regression (issue 11): a loose step rule used to say "converged" while the average
    still had a large duality gap; with a gap function the gap now decides."""
    A = np.array([[1.0, -1.0], [-1.0, 1.0]])
    F, P, G, z0 = mirror.matrix_game(A)
    z0 = (np.array([0.9, 0.1]), np.array([0.2, 0.8]))
    res = mirror.mirror_prox(
        F, P, z0, 0.5, gap=G, criterion="step", tol=1e-1, cert_tol=1e-6, max_iter=1000
    )
    assert res.status == "stalled" and not res.success and "certificate fails" in res.message
    assert res.certificate.value > 1e-6 and res.certificate.value == pytest.approx(res.gap)
    capped = mirror.mirror_prox(F, P, z0, 0.5, gap=G, tol=1e-12, max_iter=1)
    assert capped.status == "max_iter" and capped.message and not capped.certified
    with pytest.raises(ValueError, match="cert_tol"):
        mirror.mirror_prox(F, P, z0, 0.5, cert_tol=-1.0)
