"""Tests of wiretap.lemmas: LMI builders against brute-force references and SDP solves."""

import cvxpy as cp
import numpy as np
import pytest

from wiretap import channels, convex, lemmas

# Complex SDPs reach Clarabel's reduced accuracy now and then (cvxpy embeds a Hermitian LMI
# as a real one of twice the size). We accept "optimal_inaccurate" deliberately in the
# value-comparison tests below and check the answer against an independent reference and
# the LMI's own smallest eigenvalue instead of trusting the status.
SDP_OK = ("optimal", "optimal_inaccurate")


def _herm(rng, n, cplx=True):
    G = rng.standard_normal((n, n)) + (1j * rng.standard_normal((n, n)) if cplx else 0)
    return (G + G.conj().T) / 2


def _vec(rng, n, cplx=True):
    return rng.standard_normal(n) + (1j * rng.standard_normal(n) if cplx else 0)


def _f(A, b, c, x):
    return float(np.real(np.vdot(x, A @ x)) + 2 * np.real(np.vdot(b, x)) + c)


def _is_psd(M, tol=1e-10):
    M = np.asarray(M)
    return np.linalg.eigvalsh((M + M.conj().T) / 2).min() >= -tol * max(1.0, np.abs(M).max())


# ----------------------------------------------------------------------------- blocks
def test_hermitian_block_numpy_is_exactly_hermitian(rng):
    A, C = _herm(rng, 3), _herm(rng, 2)
    B = channels.complex_gaussian((3, 2), rng)
    M = lemmas.hermitian_block(A, B, C)
    assert M.shape == (5, 5)
    assert np.array_equal(M, M.conj().T)
    np.testing.assert_allclose(M[:3, 3:], B)
    np.testing.assert_allclose(M[3:, :3], B.conj().T)


def test_hermitian_block_scalars_and_vectors():
    M = lemmas.hermitian_block(2.0, np.array([1.0, 2.0]), np.eye(2))
    assert M.shape == (3, 3) and M.dtype == float
    np.testing.assert_allclose(M[0], [2.0, 1.0, 2.0])


def test_hermitian_block_cvxpy_is_hermitian_after_solve(rng):
    n = 3
    H = channels.complex_gaussian((n, n), rng)
    X = cp.Variable((n, n), hermitian=True)
    b = cp.Variable(n, complex=True)
    t = cp.Variable()
    # H X H^H is Hermitian but cvxpy cannot prove it: the builder takes the Hermitian part
    M = lemmas.hermitian_block(H @ X @ H.conj().T + np.eye(n), b, t)
    assert isinstance(M, cp.Expression) and M.shape == (n + 1, n + 1)
    prob = cp.Problem(cp.Minimize(t + cp.real(cp.trace(X))), [M >> 0, X >> 0, cp.real(b[0]) == 1])
    info = convex.solve(prob)
    assert info.ok
    assert convex.hermitian_residual(M) < 1e-9
    assert _is_psd(M.value, 1e-7)


def test_hermitian_block_errors(rng):
    A = rng.standard_normal((2, 2))
    with pytest.raises(ValueError, match="A must be Hermitian"):
        lemmas.hermitian_block(A, np.zeros((2, 1)), 1.0)
    with pytest.raises(ValueError, match="B must have shape"):
        lemmas.hermitian_block(np.eye(2), np.zeros((3, 1)), 1.0)
    with pytest.raises(ValueError, match="C must be square"):
        lemmas.hermitian_block(np.eye(2), np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="finite"):
        lemmas.hermitian_block(np.eye(2) * np.nan, np.zeros((2, 1)), 1.0)


# ----------------------------------------------------------------------------- Schur
def test_schur_complement_psd_iff_and_determinant(rng):
    mismatches = 0
    for _ in range(300):
        n, k = 5, int(rng.integers(1, 5))
        G = channels.complex_gaussian((n, n), rng)
        M = G @ G.conj().T - rng.uniform(0, 2) * np.eye(n)  # PSD or not
        M11 = M[:k, :k]
        S = lemmas.schur_complement(M, k)
        if not np.all(np.linalg.eigvalsh(M11) > 1e-9):
            continue
        mismatches += _is_psd(M, 1e-12) != _is_psd(S, 1e-12)
        np.testing.assert_allclose(
            np.linalg.det(M), np.linalg.det(M11) * np.linalg.det(S), rtol=1e-8, atol=1e-10
        )
    assert mismatches == 0


def test_schur_complement_generalized_on_singular_block(rng):
    v = channels.complex_gaussian(3, rng)
    M = np.zeros((4, 4), dtype=complex)
    M[:2, :2] = np.diag([1.0, 0.0])  # singular M11
    M[:2, 2:] = np.array([[1.0, 0.0], [0.0, 0.0]])
    M[2:, :2] = M[:2, 2:].conj().T
    M[2:, 2:] = np.eye(2) + 0 * v[0]
    with pytest.raises(ValueError, match="singular"):
        lemmas.schur_complement(M, 2)
    S = lemmas.schur_complement(M, 2, generalized=True)
    np.testing.assert_allclose(S, np.diag([0.0, 1.0]), atol=1e-12)


def test_schur_complement_errors():
    with pytest.raises(ValueError, match="square"):
        lemmas.schur_complement(np.zeros((2, 3)), 1)
    with pytest.raises(ValueError, match="k must be"):
        lemmas.schur_complement(np.eye(3), 3)
    with pytest.raises(ValueError, match="k must be an integer"):
        lemmas.schur_complement(np.eye(3), 1.5)


def test_norm_bound_lmi_iff(rng):
    for _ in range(200):
        x = channels.complex_gaussian(3, rng)
        t = rng.uniform(0.2, 3.0)
        nx = np.linalg.norm(x)
        if abs(nx - t) > 1e-6:
            assert _is_psd(lemmas.norm_bound_lmi(x, t)) == (nx <= t)
        if abs(nx**2 - t) > 1e-6:
            assert _is_psd(lemmas.norm_bound_lmi(x, t, squared=True)) == (nx**2 <= t)


def test_norm_bound_lmi_in_cvxpy_gives_the_norm(rng):
    x0 = channels.complex_gaussian(4, rng)
    t = cp.Variable()
    for squared, want in ((False, np.linalg.norm(x0)), (True, np.linalg.norm(x0) ** 2)):
        M = lemmas.norm_bound_lmi(x0, t, squared=squared)
        info = convex.solve(cp.Problem(cp.Minimize(t), [M >> 0]))
        assert info.ok and abs(t.value - want) < 1e-6 * max(1, want)
    with pytest.raises(ValueError, match="x must be a vector"):
        lemmas.norm_bound_lmi(np.eye(2), 1.0)


# ----------------------------------------------------------------------------- quadratics
def test_quadratic_block_represents_f(rng):
    for cplx in (True, False):
        A, b, c = _herm(rng, 4, cplx), _vec(rng, 4, cplx), float(rng.standard_normal())
        F = lemmas.quadratic_block(A, b, c)
        for _ in range(20):
            x = _vec(rng, 4, cplx)
            z = np.append(x, 1.0)
            assert abs(np.real(np.vdot(z, F @ z)) - _f(A, b, c, x)) < 1e-10


def test_quadratic_block_errors():
    with pytest.raises(ValueError, match="b must be a vector"):
        lemmas.quadratic_block(np.eye(2), np.zeros((2, 2)), 0.0)
    with pytest.raises(ValueError, match="c must be real"):
        lemmas.quadratic_block(np.eye(2), np.zeros(2), 1j)
    with pytest.raises(ValueError, match="c must be a scalar"):
        lemmas.quadratic_block(np.eye(2), np.zeros(2), np.ones(2))


# ----------------------------------------------------------------------------- trust region
def _trs_kkt(A, b, r, x):
    """Global optimality certificate of the trust-region subproblem (Moré-Sorensen)."""
    n = A.shape[0]
    nx = np.linalg.norm(x)
    assert nx <= r * (1 + 1e-12)
    interior = nx < r * (1 - 1e-9)
    mu = 0.0 if interior else -np.real(np.vdot(x, A @ x + b)) / nx**2
    grad = (A + mu * np.eye(n)) @ x + b
    scale = max(1.0, np.abs(A).max(), np.linalg.norm(b))
    return (
        mu >= -1e-10 * scale
        and np.linalg.norm(grad) <= 1e-9 * scale
        and np.linalg.eigvalsh(A + mu * np.eye(n)).min() >= -1e-9 * scale
    )


@pytest.mark.parametrize("cplx", [True, False])
def test_min_quadratic_on_ball_kkt_and_sampling(rng, cplx):
    for trial in range(150):
        n = int(rng.integers(1, 7))
        A, b = _herm(rng, n, cplx), _vec(rng, n, cplx)
        if trial % 3 == 0:  # make it the hard case: b orthogonal to the bottom eigenvector
            _, V = np.linalg.eigh(A)
            b = 0.2 * (b - V[:, 0] * np.vdot(V[:, 0], b))
        if trial % 5 == 0:
            A = A @ A + 0.1 * np.eye(n)  # convex: interior or boundary
        c, r = float(rng.standard_normal()), float(rng.uniform(0.2, 3.0))
        val, x = lemmas.min_quadratic_on_ball(A, b, c, r)
        assert np.iscomplexobj(x) == cplx
        assert abs(val - _f(A, b, c, x)) < 1e-10 * max(1, abs(val))
        assert _trs_kkt(A, b, r, x), trial
        # no sampled point of the ball does better
        Z = rng.standard_normal((400, n)) + (1j * rng.standard_normal((400, n)) if cplx else 0)
        Z *= (r * rng.uniform(0, 1, (400, 1)) ** (1 / n)) / np.linalg.norm(Z, axis=1)[:, None]
        fz = np.real(np.einsum("ij,jk,ik->i", Z.conj(), A, Z)) + 2 * np.real(Z @ b.conj()) + c
        assert fz.min() >= val - 1e-9 * max(1, abs(val))


def test_min_quadratic_on_ball_exact_hard_case():
    # f(x) = -x1^2 + x2^2 + 2 x2 on ||x|| <= 2: b is orthogonal to the bottom eigenvector
    # e1, so mu = 1 = -lambda_min, x2 = -1/2 from (A + I) x = -b, and x1 = +-sqrt(4 - 1/4)
    A, b = np.diag([-1.0, 1.0]), np.array([0.0, 1.0])
    val, x = lemmas.min_quadratic_on_ball(A, b, 0.0, 2.0)
    assert abs(val + 4.5) < 1e-12 and abs(abs(x[0]) - np.sqrt(3.75)) < 1e-12
    assert abs(x[1] + 0.5) < 1e-12


def test_min_quadratic_on_ball_special_cases():
    # interior minimum of a convex quadratic
    val, x = lemmas.min_quadratic_on_ball(np.eye(2), np.array([-0.5, 0.0]), 1.0, 2.0)
    np.testing.assert_allclose(x, [0.5, 0.0], atol=1e-14)
    assert abs(val - 0.75) < 1e-14
    # zero radius and zero b with a PSD singular A
    val, x = lemmas.min_quadratic_on_ball(np.eye(2), np.ones(2), 3.0, 0.0)
    assert val == 3.0 and not np.any(x)
    val, x = lemmas.min_quadratic_on_ball(np.diag([0.0, 1.0]), np.zeros(2), 1.0, 1.0)
    assert abs(val - 1.0) < 1e-14


def test_min_quadratic_on_ball_errors():
    with pytest.raises(ValueError, match="A must be Hermitian"):
        lemmas.min_quadratic_on_ball(np.array([[0.0, 1.0], [0.0, 0.0]]), np.zeros(2), 0, 1)
    with pytest.raises(ValueError, match="b must have length 2"):
        lemmas.min_quadratic_on_ball(np.eye(2), np.zeros(3), 0, 1)
    with pytest.raises(ValueError, match="radius must be >= 0"):
        lemmas.min_quadratic_on_ball(np.eye(2), np.zeros(2), 0, -1)
    with pytest.raises(ValueError, match="b must be a vector"):
        lemmas.min_quadratic_on_ball(np.eye(2), np.zeros((2, 2)), 0, 1)


# ----------------------------------------------------------------------------- S-lemma
def _sdp_worst_value_ball(A, b, c, r):
    """max t such that f - t >= 0 on the ball, through ball_lmi (one compiled problem)."""
    t, lam = cp.Variable(), cp.Variable(nonneg=True)
    M = lemmas.ball_lmi(A, b, c - t, r, lam)
    info = convex.solve(cp.Problem(cp.Maximize(t), [M >> 0]), accept=SDP_OK)
    assert info.ok and convex.hermitian_residual(M) < 1e-9
    assert _is_psd(M.value, 1e-7)
    return float(t.value)


def test_ball_lmi_is_lossless(rng):
    for trial in range(40):
        n = int(rng.integers(1, 5))
        A, b = _herm(rng, n), _vec(rng, n)
        if trial % 4 == 0:
            _, V = np.linalg.eigh(A)
            b = 0.2 * (b - V[:, 0] * np.vdot(V[:, 0], b))
        c, r = float(rng.standard_normal()), float(rng.uniform(0.3, 2.0))
        val, _ = lemmas.min_quadratic_on_ball(A, b, c, r)
        assert abs(_sdp_worst_value_ball(A, b, c, r) - val) < 1e-6 * max(1, abs(val))


def test_ball_lmi_numeric_iff(rng):
    # f >= 0 on the ball exactly when c >= -min(f - c). The trust-region multiplier mu of
    # the minimizer is an explicit certificate lam for c = -val + 0.05; for c = -val - 0.05
    # no lam on a fine grid works (the SDP tests above cover every lam).
    lams = np.linspace(0, 20, 2001)
    for _ in range(30):
        A, b, r = _herm(rng, 2), _vec(rng, 2), 1.0
        val, x = lemmas.min_quadratic_on_ball(A, b, 0.0, r)
        nx = np.linalg.norm(x)
        mu = 0.0 if nx < r * (1 - 1e-9) else -np.real(np.vdot(x, A @ x + b)) / nx**2
        assert _is_psd(lemmas.ball_lmi(A, b, -val + 0.05, r, mu), 1e-12)
        M0 = lemmas.ball_lmi(A, b, -val - 0.05, r, 0.0)
        M1 = lemmas.ball_lmi(A, b, -val - 0.05, r, 1.0) - M0  # the LMI is affine in lam
        Ms = M0 + lams[:, None, None] * M1
        assert np.all(np.linalg.eigvalsh(Ms)[:, 0] < 0)


def test_ball_lmi_dpp_with_squared_radius_parameter(rng):
    n = 3
    A = cp.Parameter((n, n), hermitian=True)
    b = cp.Parameter(n, complex=True)
    r2 = cp.Parameter(nonneg=True)
    t, lam = cp.Variable(), cp.Variable(nonneg=True)
    M = lemmas.ball_lmi(A, b, -t, r2, lam, squared=True)
    prob = convex.require_dpp(cp.Problem(cp.Maximize(t), [M >> 0]))
    for _ in range(3):
        A0, b0, r0 = _herm(rng, n), _vec(rng, n), rng.uniform(0.5, 2)
        A.value, b.value, r2.value = A0, b0, r0**2
        assert convex.solve(prob, accept=SDP_OK).ok
        val, _ = lemmas.min_quadratic_on_ball(A0, b0, 0.0, r0)
        assert abs(t.value - val) < 1e-6 * max(1, abs(val))


def test_s_lemma_lmi_general_ellipsoid_lossless(rng):
    # f1(x) = 1 - (x - x0)^H E (x - x0) >= 0 is an ellipsoid; map it to the unit ball to
    # get the exact minimum of f0 on it, and compare with the S-lemma SDP.
    for _ in range(25):
        n = 3
        L = channels.complex_gaussian((n, n), rng) + 2 * np.eye(n)
        x0 = channels.complex_gaussian(n, rng)
        Einv = L @ L.conj().T  # x = x0 + L u, ||u|| <= 1
        E = np.linalg.inv(Einv)
        E = (E + E.conj().T) / 2
        F1 = lemmas.quadratic_block(-E, E @ x0, 1 - np.real(np.vdot(x0, E @ x0)))
        A, b, c = _herm(rng, n), _vec(rng, n), float(rng.standard_normal())
        # f0(x0 + L u) = u^H L^H A L u + 2 Re((L^H (A x0 + b))^H u) + f0(x0)
        Au = L.conj().T @ A @ L
        bu = L.conj().T @ (A @ x0 + b)
        val, _ = lemmas.min_quadratic_on_ball((Au + Au.conj().T) / 2, bu, _f(A, b, c, x0), 1.0)
        t, lam = cp.Variable(), cp.Variable(nonneg=True)
        F0 = lemmas.quadratic_block(A, b, c - t)
        M = lemmas.s_lemma_lmi(F0, F1, lam)
        info = convex.solve(cp.Problem(cp.Maximize(t), [M >> 0]), accept=SDP_OK)
        assert info.ok and convex.hermitian_residual(M) < 1e-9
        assert _is_psd(M.value, 1e-7)
        assert abs(t.value - val) < 1e-5 * max(1, abs(val))


def test_s_procedure_two_constraints_is_sound(rng):
    # two balls: the certificate is sufficient; its bound never exceeds the true minimum
    for _ in range(10):
        n = 2
        A, b, c = _herm(rng, n, False), _vec(rng, n, False), 0.0
        centers = [np.zeros(n), rng.uniform(-0.5, 0.5, n)]
        Fs = [
            lemmas.quadratic_block(-np.eye(n), x0, 1.0 - x0 @ x0)  # 1 - ||x - x0||^2
            for x0 in centers
        ]
        t, lams = cp.Variable(), cp.Variable(2, nonneg=True)
        F0 = lemmas.quadratic_block(A, b, c - t)
        M = lemmas.s_procedure_lmi(F0, Fs, [lams[0], lams[1]])
        assert convex.solve(cp.Problem(cp.Maximize(t), [M >> 0])).ok
        # dense grid of the intersection
        g = np.linspace(-1, 1, 401)
        X = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
        inside = np.all([np.sum((X - x0) ** 2, 1) <= 1 for x0 in centers], axis=0)
        Xi = X[inside]
        fmin = np.min(np.einsum("ij,jk,ik->i", Xi, A, Xi) + 2 * Xi @ b + c)
        assert t.value <= fmin + 1e-6


def test_s_lemma_numeric_and_errors():
    F1 = lemmas.quadratic_block(-np.eye(2), np.zeros(2), 1.0)
    F0 = lemmas.quadratic_block(np.eye(2), np.zeros(2), 0.0)
    np.testing.assert_allclose(lemmas.s_lemma_lmi(F0, F1, 2.0), F0 - 2 * F1)
    with pytest.raises(ValueError, match="lam must be >= 0"):
        lemmas.s_lemma_lmi(F0, F1, -1.0)
    with pytest.raises(ValueError, match="F1 must have the shape"):
        lemmas.s_lemma_lmi(F0, np.eye(2), 1.0)
    with pytest.raises(ValueError, match="F0 must be Hermitian"):
        lemmas.s_lemma_lmi(np.triu(np.ones((3, 3))), F1, 1.0)
    with pytest.raises(ValueError, match="one multiplier per constraint"):
        lemmas.s_procedure_lmi(F0, [F1, F1], [1.0])
    with pytest.raises(ValueError, match="list of coefficient blocks"):
        lemmas.s_procedure_lmi(F0, F1, [1.0])
    with pytest.raises(ValueError, match="radius must be >= 0"):
        lemmas.ball_lmi(np.eye(2), np.zeros(2), 0.0, -1.0, 1.0)
    with pytest.raises(ValueError, match="lam must be a scalar"):
        lemmas.ball_lmi(np.eye(2), np.zeros(2), 0.0, 1.0, cp.Variable(2))


# ----------------------------------------------------------------------------- sign-definiteness
def _sd_instance(rng, n, m, k):
    G = channels.complex_gaussian((n, n), rng)
    A = G @ G.conj().T
    P = channels.complex_gaussian((m, n), rng)
    Q = channels.complex_gaussian((k, n), rng)
    return A, P, Q, float(rng.uniform(0.1, 1.0))


def test_sign_definiteness_lossless_against_search(rng):
    # t* = max t with A - t I satisfying the lemma's LMI must equal the worst-case
    # smallest eigenvalue over the ball found by search
    for _ in range(25):
        n, m, k = (int(v) for v in rng.integers(1, 5, size=3))
        A, P, Q, rho = _sd_instance(rng, n, m, k)
        t, lam = cp.Variable(), cp.Variable(nonneg=True)
        M = lemmas.sign_definiteness_lmi(A - t * np.eye(n), P, Q, rho, lam)
        info = convex.solve(cp.Problem(cp.Maximize(t), [M >> 0]), accept=SDP_OK)
        assert info.ok and convex.hermitian_residual(M) < 1e-9
        assert _is_psd(M.value, 1e-7)
        val, _ = lemmas.worst_case_sign_definiteness(A, P, Q, rho, rng)
        assert abs(t.value - val) < 1e-6 * max(1, abs(val))


def test_sign_definiteness_lmi_certificate_is_sound(rng):
    # any lam >= 0 making the LMI PSD certifies the inequality at random X on the ball
    for _ in range(30):
        A, P, Q, rho = _sd_instance(rng, 3, 2, 2)
        lam = float(rng.uniform(0.1, 3))
        M = lemmas.sign_definiteness_lmi(A, P, Q, rho, lam)
        for _ in range(20):
            X = channels.complex_gaussian((2, 2), rng)
            X *= rho * rng.uniform(0, 1) / np.linalg.norm(X, 2)
            T = P.conj().T @ X @ Q
            if _is_psd(M, 1e-12):
                assert _is_psd(A - T - T.conj().T, 1e-9)


def test_worst_case_sign_definiteness_properties(rng):
    A, P, Q, rho = _sd_instance(rng, 4, 3, 2)
    val, X = lemmas.worst_case_sign_definiteness(A, P, Q, rho, rng)
    assert X.shape == (3, 2)
    assert abs(np.linalg.norm(X, 2) - rho) < 1e-10
    T = P.conj().T @ X @ Q
    assert abs(np.linalg.eigvalsh(A - T - T.conj().T)[0] - val) < 1e-10
    # random points of the ball never do better than the search
    for _ in range(300):
        Y = channels.complex_gaussian((3, 2), rng)
        Y *= rho / np.linalg.norm(Y, 2)
        T = P.conj().T @ Y @ Q
        assert np.linalg.eigvalsh(A - T - T.conj().T)[0] >= val - 1e-9
    # rho = 0: the smallest eigenvalue of A
    val0, X0 = lemmas.worst_case_sign_definiteness(A, P, Q, 0.0, rng)
    assert abs(val0 - np.linalg.eigvalsh(A)[0]) < 1e-12 and not np.any(X0)


def test_sign_definiteness_cvxpy_variables_in_A_and_P(rng):
    # the MIMO-IC shape: A = [[alpha, xi^H], [xi, I]], P = [0, J^H] with J affine in data
    n_xi, m = 3, 4
    xi = cp.Variable(n_xi, complex=True)
    alpha, lam = cp.Variable(), cp.Variable(nonneg=True)
    J = channels.complex_gaussian((n_xi, m), rng)
    xi_row = cp.reshape(cp.conj(xi), (1, n_xi), order="F")  # xi^H
    A = lemmas.hermitian_block(alpha, xi_row, np.eye(n_xi))
    P = np.hstack([np.zeros((m, 1)), J.conj().T])
    Q = np.hstack([[[-1.0]], np.zeros((1, n_xi))])
    xi0 = channels.complex_gaussian(n_xi, rng)
    M = lemmas.sign_definiteness_lmi(A, P, Q, 0.3, lam)
    info = convex.solve(cp.Problem(cp.Minimize(alpha), [M >> 0, xi == xi0]))
    assert info.ok and convex.hermitian_residual(M) < 1e-9
    # alpha* is the worst case of ||xi0 + J dx||^2 over ||dx|| <= 0.3
    val, _ = lemmas.min_quadratic_on_ball(
        -J.conj().T @ J, -J.conj().T @ xi0, -(np.linalg.norm(xi0) ** 2), 0.3
    )
    assert abs(alpha.value + val) < 1e-5 * max(1, abs(val))


def test_sign_definiteness_errors(rng):
    A = np.eye(3)
    with pytest.raises(ValueError, match="P must have 3 columns"):
        lemmas.sign_definiteness_lmi(A, np.zeros((2, 2)), np.zeros((1, 3)), 1.0, 1.0)
    with pytest.raises(ValueError, match="Q must have 3 columns"):
        lemmas.sign_definiteness_lmi(A, np.zeros((2, 3)), np.zeros((1, 2)), 1.0, 1.0)
    with pytest.raises(ValueError, match="Q must be numeric"):
        lemmas.sign_definiteness_lmi(A, np.zeros((2, 3)), cp.Variable((1, 3)), 1.0, 1.0)
    with pytest.raises(ValueError, match="rho must be >= 0"):
        lemmas.sign_definiteness_lmi(A, np.zeros((2, 3)), np.zeros((1, 3)), -1.0, 1.0)
    with pytest.raises(ValueError, match="rng must be"):
        lemmas.worst_case_sign_definiteness(A, np.zeros((2, 3)), np.zeros((1, 3)), 1.0, None)
    with pytest.raises(ValueError, match="n_starts must be >= 1"):
        lemmas.worst_case_sign_definiteness(
            A, np.zeros((2, 3)), np.zeros((1, 3)), 1.0, 0, n_starts=0
        )
