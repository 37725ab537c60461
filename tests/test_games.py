import cvxpy as cp
import numpy as np
import pytest

from wiretap import convex, games, sca


def _box(v, lo=0.0, hi=1.0):
    return np.clip(v, lo, hi)


def _quadratic_game(rng, n=3, coupling=0.3):
    """Two players, u_i = -x_i^T x_i / 2 * d_i - x_i^T C_i x_j + c_i^T x_i on [0, 1]^n."""
    d = rng.uniform(1.0, 2.0, size=2)
    C = [coupling * rng.normal(size=(n, n)) for _ in range(2)]
    c = [rng.uniform(0, 2, size=n) for _ in range(2)]
    M = np.block([[d[0] * np.eye(n), C[0]], [C[1], d[1] * np.eye(n)]])
    q = -np.concatenate(c)

    def F(x):
        return M @ x + q

    brs = [
        lambda x: _box((c[0] - C[0] @ x[1]) / d[0]),
        lambda x: _box((c[1] - C[1] @ x[0]) / d[1]),
    ]
    return M, q, F, brs


@pytest.mark.parametrize("mode", ["jacobi", "gauss-seidel"])
def test_best_response_equilibrium_solves_the_vi(rng, mode):
    n = 3
    for _ in range(5):
        M, _q, F, brs = _quadratic_game(rng, n)
        assert games.is_positive_definite(M)
        res = games.best_response_iteration(
            brs,
            [np.zeros(n), np.zeros(n)],
            mode=mode,
            tol=1e-12,
            max_iter=2000,
            residual=lambda x, F=F: games.natural_residual(F, np.concatenate(x), _box),
        )
        assert res.success, res.message
        x = np.concatenate(res.x)
        assert games.natural_residual(F, x, _box) < 1e-9
        assert games.vi_violation(F, x, rng.uniform(0, 1, size=(500, 2 * n))) < 1e-9
        assert res.history["residual"].shape == (res.iterations + 1,)


def test_jacobi_and_gauss_seidel_agree_with_extragradient(rng):
    n = 2
    M, _q, F, brs = _quadratic_game(rng, n)
    a = games.best_response_iteration(brs, [np.zeros(n)] * 2, mode="jacobi", tol=1e-13)
    b = games.best_response_iteration(brs, [np.zeros(n)] * 2, mode="gauss-seidel", tol=1e-13)
    L = np.linalg.norm(M, 2)
    e = games.extragradient(F, _box, np.zeros(2 * n), 0.5 / L, tol=1e-12)
    assert a.success and b.success and e.success
    np.testing.assert_allclose(np.concatenate(a.x), e.x, atol=1e-9)
    np.testing.assert_allclose(np.concatenate(b.x), e.x, atol=1e-9)
    assert np.all(np.diff(e.history["residual"]) < 1e-9) or e.iterations < 5


def test_extragradient_against_qp_for_symmetric_map(rng):
    # with M symmetric PD, VI(K, Mx + q) is the optimality condition of a QP
    n = 4
    B = rng.normal(size=(n, n))
    M, q = B @ B.T + np.eye(n), rng.normal(size=n) * 3
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, M) + q @ x), [x >= 0, x <= 1])
    assert convex.solve(prob).ok
    res = games.extragradient(
        lambda v: M @ v + q, _box, np.zeros(n), 0.9 / np.linalg.norm(M, 2), tol=1e-10
    )
    assert res.success
    np.testing.assert_allclose(res.x, x.value, atol=1e-6)


def test_monotonicity_modulus_estimates_the_constant(rng):
    for _ in range(5):
        n = 3
        M = rng.normal(size=(n, n)) + 3 * np.eye(n)
        mu = np.linalg.eigvalsh((M + M.T) / 2)[0]
        xs, ys = rng.normal(size=(2000, n)), rng.normal(size=(2000, n))
        est = games.monotonicity_modulus(lambda v, M=M: M @ v, xs, ys)
        assert mu - 1e-12 <= est <= mu + 0.2 * abs(mu) + 0.05  # an upper estimate, close
    # not monotone: negative modulus
    est = games.monotonicity_modulus(lambda v: -v, np.ones((3, 2)), np.zeros((3, 2)))
    assert est == pytest.approx(-1.0)
    # complex arguments use the real inner product
    est = games.monotonicity_modulus(lambda v: 2 * v, np.ones((2, 2)) * 1j, np.zeros((2, 2)))
    assert est == pytest.approx(2.0)


def test_p_matrix_and_positive_definite(rng):
    P_not_PD = np.array([[1.0, -3.0], [0.0, 1.0]])
    assert games.is_p_matrix(P_not_PD) and not games.is_positive_definite(P_not_PD)
    for _ in range(20):  # positive definite (not symmetric) implies P-matrix
        A = rng.normal(size=(4, 4))
        M = A - A.T + np.diag(rng.uniform(0.1, 1, 4))
        assert games.is_positive_definite(M) and games.is_p_matrix(M)
    assert not games.is_p_matrix(np.array([[1.0, 2.0], [2.0, 1.0]]))
    assert not games.is_p_matrix(-np.eye(3))
    assert games.is_positive_definite(np.eye(2) * (1 + 1j)) is True  # Hermitian part I
    assert not games.is_positive_definite(np.eye(2), tol=1.0)


def test_statuses_and_errors():
    brs = [lambda x: x[1] * 2 + 1, lambda x: x[0] * 2 + 1]  # expanding: diverges
    res = games.best_response_iteration(brs, [np.zeros(1)] * 2, max_iter=5)
    assert res.status == "max_iter" and res.iterations == 5

    def fails(x):
        raise sca.StepFailure("infeasible", "no feasible power")

    res = games.best_response_iteration([fails, fails], [np.ones(1)] * 2)
    assert res.status == "infeasible" and res.iterations == 0 and res.x[0][0] == 1.0
    res = games.best_response_iteration([lambda x: x[0] * np.nan] * 2, [np.ones(1)] * 2)
    assert res.status == "solver_error"
    damped = games.best_response_iteration(
        [lambda x: x[1] / 2 + 1, lambda x: x[0] / 2 + 1], [np.zeros(1)] * 2, damping=0.5
    )
    assert damped.success
    with pytest.raises(ValueError, match="damping"):
        games.best_response_iteration(brs, [np.zeros(1)] * 2, damping=0.0)
    with pytest.raises(ValueError, match="mode"):
        games.best_response_iteration(brs, [np.zeros(1)] * 2, mode="async")
    with pytest.raises(ValueError, match="x0 must have 2 blocks"):
        games.best_response_iteration(brs, [np.zeros(1)])
    with pytest.raises(ValueError, match=r"best_responses\[0\] returned shape"):
        games.best_response_iteration([lambda x: np.zeros(3)] * 2, [np.zeros(1)] * 2)
    with pytest.raises(ValueError, match="best_responses"):
        games.best_response_iteration([], [])
    with pytest.raises(ValueError, match="shape of x"):
        games.natural_residual(lambda x: np.zeros(3), np.zeros(2), _box)
    with pytest.raises(ValueError, match="differ pairwise"):
        games.monotonicity_modulus(lambda x: x, np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="points must have shape"):
        games.vi_violation(lambda x: x, np.zeros(2), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="too large"):
        games.is_p_matrix(np.eye(21))
    with pytest.raises(ValueError, match="square"):
        games.is_positive_definite(np.ones((2, 3)))
    capped = games.extragradient(lambda v: v - 5, _box, np.zeros(2), 0.1, max_iter=2)
    assert capped.status == "max_iter"
    with pytest.raises(ValueError, match="step"):
        games.extragradient(lambda v: v, _box, np.zeros(2), 0.0)


# ---------------------------------------------------------------------------------------
# certificates (issue 11)


@pytest.mark.parametrize("mode", ["jacobi", "gauss-seidel"])
def test_best_response_converged_implies_equilibrium_certificate(rng, mode):
    """converged => max_i ||br_i(x) - x_i|| / max(1, max ||x_i||) <= cert_tol (recomputed)."""
    _, _, F, brs = _quadratic_game(rng)
    res = games.best_response_iteration(brs, [np.zeros(3)] * 2, mode=mode, tol=1e-10)
    assert res.success and res.certificate.kind == "equilibrium_residual"
    assert res.certificate.tolerance == pytest.approx(1e-9)
    scale = max(1.0, max(np.linalg.norm(b) for b in res.x))
    again = max(np.linalg.norm(br(res.x) - xi) for br, xi in zip(brs, res.x, strict=True))
    assert res.certificate.value == pytest.approx(again / scale, abs=1e-15)
    assert again / scale <= 1e-9
    assert games.natural_residual(F, np.concatenate(res.x), _box) < 1e-8


def test_best_response_small_damped_moves_are_stalled_not_converged():
    """Regression (issue 11): heavy damping makes every move small, so the change rule fires
    far from the equilibrium; the best-response residual now exposes it."""
    brs = [lambda x: x[1] / 2 + 1, lambda x: x[0] / 2 + 1]  # equilibrium (2, 2)
    res = games.best_response_iteration(
        brs, [np.zeros(1)] * 2, damping=1e-3, tol=1e-3, cert_tol=1e-3
    )
    assert res.status == "stalled" and not res.success and "residual" in res.message
    assert res.certificate.value > 0.1 and abs(res.x[0][0] - 2) > 0.5
    capped = games.best_response_iteration(brs, [np.zeros(1)] * 2, max_iter=1)
    assert capped.status == "max_iter" and capped.message and not capped.certified
    with pytest.raises(ValueError, match="cert_tol"):
        games.best_response_iteration(brs, [np.zeros(1)] * 2, cert_tol=0.0)


def test_extragradient_converged_implies_natural_residual(rng):
    _, _, F, _ = _quadratic_game(rng)
    res = games.extragradient(F, _box, np.zeros(6), 0.2, tol=1e-9)
    assert res.success and res.certificate.kind == "natural_residual"
    assert res.certificate.value == games.natural_residual(F, res.x, _box) <= 1e-9
    capped = games.extragradient(F, _box, np.zeros(6), 0.2, tol=1e-9, max_iter=1)
    assert capped.status == "max_iter" and capped.message and not capped.certified
    nan = games.extragradient(lambda v: v * np.nan, _box, np.ones(2), 0.2)
    assert nan.status == "solver_error" and nan.message and not nan.certified


def test_vi_violation_rejects_nan():
    """Regression (issue 11): max(0.0, nan) returned 0.0, i.e. "no violation", for NaN."""
    pts = np.linspace(0, 1, 5)[:, None]
    with pytest.raises(ValueError, match=r"F\(x\)"):
        games.vi_violation(lambda x: x * np.nan, np.array([1.0]), pts)
    with pytest.raises(ValueError, match="x"):
        games.vi_violation(lambda x: x, np.array([np.nan]), pts)
    with pytest.raises(ValueError, match="points"):
        games.vi_violation(lambda x: x, np.array([1.0]), np.array([[np.nan]]))
    with pytest.raises(ValueError, match="points"):
        games.vi_violation(lambda x: x, np.array([1.0]), np.zeros((0, 1)))
