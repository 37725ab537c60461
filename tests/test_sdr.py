import cvxpy as cp
import numpy as np
import pytest

from wiretap import channels, convex, sdr


def _rank(X, tol=1e-7):
    w = np.linalg.eigvalsh(X)
    return int(np.sum(w > tol * w[-1]))


def test_principal_component(rng):
    w0 = channels.complex_gaussian(4, rng)
    w, ratio = sdr.principal_component(np.outer(w0, w0.conj()))
    np.testing.assert_allclose(np.outer(w, w.conj()), np.outer(w0, w0.conj()), atol=1e-12)
    assert ratio == pytest.approx(1.0)
    A = channels.complex_gaussian((4, 4), rng)
    X = A @ A.conj().T
    w, ratio = sdr.principal_component(X)
    lam = np.linalg.eigvalsh(X)
    assert np.linalg.norm(w) ** 2 == pytest.approx(lam[-1])
    assert ratio == pytest.approx(lam[-1] / lam.sum())
    assert sdr.is_rank_one(np.outer(w0, w0.conj())) and not sdr.is_rank_one(X)


@pytest.mark.parametrize(
    ("m", "cplx", "bound"), [(3, True, 1), (5, True, 2), (2, False, 1), (5, False, 2)]
)
def test_rank_reduction_keeps_constraint_values(rng, m, cplx, bound):
    n = 6
    for _ in range(5):
        if cplx:
            As = [
                (lambda B: B + B.conj().T)(channels.complex_gaussian((n, n), rng)) for _ in range(m)
            ]
            V = channels.complex_gaussian((n, n), rng)
        else:
            As = [(lambda B: B + B.T)(rng.normal(size=(n, n))) for _ in range(m)]
            V = rng.normal(size=(n, n))
        X = V @ V.conj().T
        Y = sdr.rank_reduction(X, As)
        assert np.linalg.eigvalsh(Y)[0] > -1e-9 * np.linalg.norm(Y)
        assert _rank(Y) <= bound
        for A in As:
            assert np.trace(A @ Y).real == pytest.approx(np.trace(A @ X).real, rel=1e-8, abs=1e-8)


def test_rank_reduction_of_an_sdp_solution_stays_optimal(rng):
    # multicast power minimization: min tr(X) s.t. tr(h_k h_k^H X) >= 1, 3 users
    n, K = 4, 3
    H = channels.complex_gaussian((K, n), rng)
    X = cp.Variable((n, n), hermitian=True)
    cons = [X >> 0] + [cp.real(cp.trace(np.outer(h, h.conj()) @ X)) >= 1 for h in H]
    prob = cp.Problem(cp.Minimize(cp.real(cp.trace(X))), cons)
    assert convex.solve(prob).ok
    Xv = X.value
    # constraints: the K users and the objective matrix (keeps the value fixed)
    Y = sdr.rank_reduction(Xv, [np.outer(h, h.conj()) for h in H] + [np.eye(n)], tol=1e-6)
    assert _rank(Y, 1e-6) * _rank(Y, 1e-6) <= K + 1
    assert np.trace(Y).real == pytest.approx(prob.value, rel=1e-6)
    gains = [np.real(h.conj() @ Y @ h) for h in H]
    assert min(gains) >= 1 - 1e-6


def test_gaussian_randomization_uses_rng_and_reports_failure(rng):
    A = channels.complex_gaussian((3, 3), rng)
    X = A @ A.conj().T

    def score(w):
        return -np.linalg.norm(w)

    a = sdr.gaussian_randomization(X, score, np.random.default_rng(5), n_samples=20)
    b = sdr.gaussian_randomization(X, score, np.random.default_rng(5), n_samples=20)
    c = sdr.gaussian_randomization(X, score, np.random.default_rng(6), n_samples=20)
    np.testing.assert_array_equal(a.w, b.w)
    assert not np.array_equal(a.scores[:20], c.scores[:20])
    assert a.score == a.scores.max() and a.n_feasible == 21 and a.scores.shape == (21,)
    # E[w w^H] = X for the random candidates
    cov = np.zeros((3, 3), complex)

    def accumulate(w):
        cov[...] += np.outer(w, w.conj())
        return 0.0

    got = sdr.gaussian_randomization(X, accumulate, rng, n_samples=20000, include_principal=False)
    assert got.found
    assert np.linalg.norm(cov / 20000 - X) / np.linalg.norm(X) < 0.05
    none = sdr.gaussian_randomization(X, lambda w: -np.inf, rng, n_samples=5)
    assert not none.found and none.w is None and none.score == -np.inf and none.n_feasible == 0
    # repair is applied before scoring
    rep = sdr.gaussian_randomization(
        X,
        lambda w: -abs(np.linalg.norm(w) - 1),
        rng,
        n_samples=5,
        repair=lambda w: w / np.linalg.norm(w),
    )
    assert rep.score == pytest.approx(0.0, abs=1e-12)
    real = sdr.gaussian_randomization(np.eye(2), score, rng, n_samples=3)
    assert not np.iscomplexobj(real.w)


def test_errors():
    with pytest.raises(ValueError, match="positive semidefinite"):
        sdr.principal_component(-np.eye(2))
    with pytest.raises(ValueError, match="Hermitian"):
        sdr.principal_component([[1.0, 1.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="nonzero"):
        sdr.principal_component(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="score must be callable"):
        sdr.gaussian_randomization(np.eye(2), 1.0, 0)
    with pytest.raises(ValueError, match="rng"):
        sdr.gaussian_randomization(np.eye(2), lambda w: 0.0, None)
    with pytest.raises(ValueError, match="NaN"):
        sdr.gaussian_randomization(np.eye(2), lambda w: np.nan, 0)
    with pytest.raises(ValueError, match="n_samples"):
        sdr.gaussian_randomization(np.eye(2), lambda w: 0.0, 0, n_samples=0)
    with pytest.raises(ValueError, match=r"constraints\[0\] must be Hermitian"):
        sdr.rank_reduction(np.eye(2), [np.array([[0.0, 1.0], [0.0, 0.0]])])
