import numpy as np
import pytest

from wiretap import channels, fisher


def _cplx_to_real_cov(C):
    """Covariance of [Re y; Im y] for circular y ~ CN(., C)."""
    return 0.5 * np.block([[C.real, -C.imag], [C.imag, C.real]])


def _rand_cov(rng, n):
    A = channels.complex_gaussian((n, n), rng)
    return A @ A.conj().T + 0.3 * np.eye(n)


def test_complex_fim_equals_real_embedding(rng):
    for _ in range(10):
        n, p = 4, 3
        D = channels.complex_gaussian((n, p), rng)
        C = _rand_cov(rng, n)
        J = fisher.fim_gaussian_mean(D, C)
        Jr = fisher.fim_gaussian_mean(
            np.vstack([D.real, D.imag]), _cplx_to_real_cov(C), observations="real"
        )
        np.testing.assert_allclose(J, Jr, rtol=1e-9, atol=1e-10)
        assert np.allclose(J, J.T) and np.linalg.eigvalsh(J)[0] > 0


def test_slepian_bangs_covariance_term_equals_real_embedding(rng):
    n, p = 3, 2
    C = _rand_cov(rng, n)
    dC = np.stack([_rand_cov(rng, n) - 0.3 * np.eye(n) for _ in range(p)])
    D = channels.complex_gaussian((n, p), rng)
    J = fisher.slepian_bangs(D, C, dC)
    Jr = fisher.slepian_bangs(
        np.vstack([D.real, D.imag]),
        _cplx_to_real_cov(C),
        np.stack([_cplx_to_real_cov(c) for c in dC]),
        observations="real",
    )
    np.testing.assert_allclose(J, Jr, rtol=1e-9)
    np.testing.assert_allclose(fisher.slepian_bangs(D, C), fisher.fim_gaussian_mean(D, C))


def test_score_covariance_is_the_fim(rng):
    # Monte Carlo: the score of y ~ CN(mu(theta), C(theta)) has covariance J
    n = 3
    C = _rand_cov(rng, n)
    dC = np.stack([np.diag(rng.uniform(0.2, 1, n)).astype(complex)])
    D = channels.complex_gaussian((n, 1), rng)
    J = fisher.slepian_bangs(D, C, dC)[0, 0]
    Ci = np.linalg.inv(C)
    L = np.linalg.cholesky(C)
    T = 200_000
    e = L @ channels.complex_gaussian((n, T), rng)
    # score = -tr(C^-1 dC) + e^H C^-1 dC C^-1 e + 2 Re(dmu^H C^-1 e)
    M = Ci @ dC[0] @ Ci
    score = (
        -np.real(np.trace(Ci @ dC[0]))
        + np.real(np.einsum("it,ij,jt->t", e.conj(), M, e))
        + 2 * np.real(D[:, 0].conj() @ Ci @ e)
    )
    assert abs(score.mean()) < 5 * score.std() / np.sqrt(T)
    assert score.var() == pytest.approx(J, rel=0.03)


def test_fim_snapshots_is_the_vectorized_mean_fim(rng):
    p, m, n, L = 2, 3, 4, 5
    dG = channels.complex_gaussian((p, m, n), rng)
    X = channels.complex_gaussian((n, L), rng)
    S = X @ X.conj().T / L
    dmu = np.stack([(dG[i] @ X).reshape(-1, order="F") for i in range(p)], axis=1)
    np.testing.assert_allclose(
        fisher.fim_snapshots(dG, S, 0.7, L), fisher.fim_gaussian_mean(dmu, 0.7), rtol=1e-10
    )


def test_reparametrize_and_crb_transform(rng):
    J = fisher.fim_gaussian_mean(channels.complex_gaussian((5, 3), rng), 1.0)
    jac = rng.normal(size=(3, 3))
    Jn = fisher.reparametrize(J, jac)
    # CRB of the new parameters: jac^{-1} CRB_old jac^{-T}
    Ji = np.linalg.inv(jac)
    np.testing.assert_allclose(fisher.crb(Jn), Ji @ fisher.crb(J) @ Ji.T, rtol=1e-8)
    # fewer new parameters: information can only be lost in the projection, not created
    Jn2 = fisher.reparametrize(J, jac[:, :2])
    assert Jn2.shape == (2, 2)


def test_effective_fim_is_block_of_inverse(rng):
    for _ in range(10):
        J = fisher.fim_gaussian_mean(channels.complex_gaussian((6, 4), rng), 0.5)
        keep = [2, 0]
        Je = fisher.effective_fim(J, keep)
        np.testing.assert_allclose(
            np.linalg.inv(Je), np.linalg.inv(J)[np.ix_(keep, keep)], rtol=1e-8
        )
        # nuisances cost information: J_kk - J_eff is PSD
        assert np.linalg.eigvalsh(J[np.ix_(keep, keep)] - Je)[0] > -1e-10
        mask = np.array([True, False, True, False])
        np.testing.assert_allclose(fisher.effective_fim(J, mask), fisher.effective_fim(J, [0, 2]))
    np.testing.assert_allclose(fisher.effective_fim(J, [0, 1, 2, 3]), J)


def test_fuse_is_blue(rng):
    p, K = 2, 3
    covs = []
    for _ in range(K):
        A = rng.normal(size=(p, p))
        covs.append(A @ A.T + 0.1 * np.eye(p))
    est = rng.normal(size=(K, p))
    r = fisher.fuse(est, covs)
    np.testing.assert_allclose(r.weights.sum(axis=0), np.eye(p), atol=1e-12)
    info = sum(np.linalg.inv(C) for C in covs)
    np.testing.assert_allclose(r.covariance, np.linalg.inv(info), rtol=1e-10)
    np.testing.assert_allclose(r.information, info, rtol=1e-12)
    # the covariance of sum W_k x_k with independent x_k is sum W_k C_k W_k^T
    cov = sum(W @ C @ W.T for W, C in zip(r.weights, covs, strict=True))
    np.testing.assert_allclose(cov, r.covariance, rtol=1e-9)
    # any other unbiased weighting is worse in the PSD order
    for _ in range(50):
        V = [rng.normal(size=(p, p)) for _ in range(K - 1)]
        V.append(np.eye(p) - sum(V))
        other = sum(W @ C @ W.T for W, C in zip(V, covs, strict=True))
        assert np.linalg.eigvalsh(other - r.covariance)[0] > -1e-10
    # information form with rank-one (angle-only) informations
    u = [np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([1.0, 1.0]) / np.sqrt(2)]
    Js = np.stack([4 * np.outer(v, v) for v in u])
    r2 = fisher.fuse(est, informations=Js)
    np.testing.assert_allclose(r2.covariance, np.linalg.inv(Js.sum(0)), rtol=1e-10)


def test_gradients_against_finite_differences(rng):
    for _ in range(10):
        t, a = rng.normal(size=2) * 10, rng.normal(size=2) * 10
        h = 1e-6
        for fn, ref in [
            (fisher.bearing_gradient, lambda q, a=a: np.arctan2(q[1] - a[1], q[0] - a[0])),
            (fisher.range_gradient, lambda q, a=a: np.linalg.norm(q - a)),
        ]:
            fd = [(ref(t + h * e) - ref(t - h * e)) / (2 * h) for e in np.eye(2)]
            np.testing.assert_allclose(fn(t, a), fd, rtol=1e-6, atol=1e-9)


def test_errors():
    with pytest.raises(ValueError, match="J is singular"):
        fisher.crb([[1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match="J must be symmetric"):
        fisher.crb([[1.0, 1.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="positive semidefinite"):
        fisher.crb([[1.0, 0.0], [0.0, -1.0]])
    with pytest.raises(ValueError, match="cov must be positive definite"):
        fisher.fim_gaussian_mean(np.ones((2, 1)), -np.eye(2))
    with pytest.raises(ValueError, match="cov must be Hermitian"):
        fisher.fim_gaussian_mean(np.ones((2, 1)), [[1.0, 1.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="cov must have shape"):
        fisher.fim_gaussian_mean(np.ones((2, 1)), np.eye(3))
    with pytest.raises(ValueError, match="dmu must be real"):
        fisher.fim_gaussian_mean(np.ones((2, 1)) * 1j, 1.0, observations="real")
    with pytest.raises(ValueError, match="give dmu, dcov"):
        fisher.slepian_bangs(None, 1.0)
    with pytest.raises(ValueError, match="dcov has 2 parameters"):
        fisher.slepian_bangs(np.ones((2, 1)), np.eye(2), np.stack([np.eye(2)] * 2))
    with pytest.raises(ValueError, match="jac must have 2 rows"):
        fisher.reparametrize(np.eye(2), np.ones((3, 1)))
    with pytest.raises(ValueError, match="nuisance block"):
        fisher.effective_fim(np.diag([1.0, 0.0]), [0])
    with pytest.raises(ValueError, match="keep"):
        fisher.effective_fim(np.eye(2), [2])
    with pytest.raises(ValueError, match="keep"):
        fisher.effective_fim(np.eye(2), [0, 0])
    with pytest.raises(ValueError, match="exactly one"):
        fisher.fuse([[0.0]])
    with pytest.raises(ValueError, match="total information is singular"):
        fisher.fuse([[0.0, 0.0]], informations=[np.diag([1.0, 0.0])])
    with pytest.raises(ValueError, match=r"covariances\[0\] must be positive definite"):
        fisher.fuse([[0.0]], [[[0.0]]])
    with pytest.raises(ValueError, match="S must be positive semidefinite"):
        fisher.fim_snapshots(np.ones((1, 2, 2)), -np.eye(2), 1.0, 1)
    with pytest.raises(ValueError, match="n_snapshots"):
        fisher.fim_snapshots(np.ones((1, 2, 2)), np.eye(2), 1.0, 0)
    with pytest.raises(ValueError, match="target and anchor must differ"):
        fisher.bearing_gradient([1.0, 1.0], [1.0, 1.0])
