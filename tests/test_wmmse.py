"""Tests of wiretap.wmmse: MMSE identities, the log-det variational identity, WMMSE."""

import numpy as np
import pytest

from wiretap import channels, rates, wmmse


def _link(rng, m=3, n=4, d=2, colored=False):
    H = channels.complex_gaussian((m, n), rng)
    V = channels.complex_gaussian((n, d), rng)
    if colored:
        G = channels.complex_gaussian((m, m), rng)
        R = G @ G.conj().T + 0.5 * np.eye(m)
    else:
        R = float(rng.uniform(0.2, 2.0))
    return H, V, R


@pytest.mark.parametrize("colored", [False, True])
def test_mmse_receiver_minimizes_the_mse(rng, colored):
    for _ in range(30):
        H, V, R = _link(rng, colored=colored)
        U = wmmse.mmse_receiver(H, V, R)
        E = wmmse.mse_matrix(H, V, U, R)
        # closed form at the MMSE receiver
        np.testing.assert_allclose(E, wmmse.mmse_matrix(H, V, R), atol=1e-10)
        # any other receiver has a larger MSE matrix (Loewner order)
        for _ in range(5):
            U2 = U + 0.1 * channels.complex_gaussian(U.shape, rng)
            D = wmmse.mse_matrix(H, V, U2, R) - E
            assert np.linalg.eigvalsh(D).min() >= -1e-10


def test_mse_matrix_equals_monte_carlo(rng):
    H, V, R = _link(rng, m=2, n=2, d=2, colored=True)
    U = channels.complex_gaussian((2, 2), rng)
    N = 200_000
    s = channels.complex_gaussian((2, N), rng)
    L = np.linalg.cholesky(R)
    noise = L @ channels.complex_gaussian((2, N), rng)
    err = U.conj().T @ (H @ V @ s + noise) - s
    E_mc = err @ err.conj().T / N
    E = wmmse.mse_matrix(H, V, U, R)
    assert np.abs(E_mc - E).max() < 0.05 * np.abs(E).max()  # ~10 standard errors


@pytest.mark.parametrize("colored", [False, True])
def test_rate_equals_minus_logdet_mmse(rng, colored):
    for _ in range(30):
        H, V, R = _link(rng, colored=colored)
        E = wmmse.mmse_matrix(H, V, R)
        rate = rates.log_det_rate(H, V @ V.conj().T, R, base=np.e)
        assert abs(rate + np.linalg.slogdet(E)[1]) < 1e-10 * max(1, rate)


def test_logdet_variational_max_at_inverse(rng):
    for _ in range(50):
        H, V, R = _link(rng)
        E = wmmse.mmse_matrix(H, V, R)
        best = wmmse.logdet_variational(E, np.linalg.inv(E))
        assert abs(best + np.linalg.slogdet(E)[1]) < 1e-10 * max(1, abs(best))
        for _ in range(10):
            G = channels.complex_gaussian(E.shape, rng)
            S = G @ G.conj().T + 1e-3 * np.eye(E.shape[0])
            assert wmmse.logdet_variational(E, S) <= best + 1e-12


def test_errors(rng):
    H, V, R = _link(rng)
    with pytest.raises(ValueError, match="V must have 4 rows"):
        wmmse.mmse_receiver(H, V[:3], R)
    with pytest.raises(ValueError, match="noise_cov must be a positive noise power"):
        wmmse.mmse_matrix(H, V, -1.0)
    with pytest.raises(ValueError, match="noise_cov must be positive definite"):
        wmmse.mmse_matrix(H, V, -np.eye(3))
    with pytest.raises(ValueError, match="noise_cov must be Hermitian"):
        wmmse.mmse_matrix(H, V, np.triu(np.ones((3, 3))))
    with pytest.raises(ValueError, match="noise_cov must be a scalar or have shape"):
        wmmse.mmse_matrix(H, V, np.eye(2))
    with pytest.raises(ValueError, match="U must have shape"):
        wmmse.mse_matrix(H, V, np.zeros((2, 2)), R)
    with pytest.raises(ValueError, match="S must be positive definite"):
        wmmse.logdet_variational(np.eye(2), -np.eye(2))
    with pytest.raises(ValueError, match="S must have shape"):
        wmmse.logdet_variational(np.eye(2), np.eye(3))
    with pytest.raises(ValueError, match="E must be Hermitian"):
        wmmse.logdet_variational(np.triu(np.ones((2, 2))), np.eye(2))


# ----------------------------------------------------------------------------- WMMSE
def _ic(rng, K=3, n_r=2, n_t=3):
    return channels.complex_gaussian((K, K, n_r, n_t), rng)


def test_wmmse_monotone_feasible_and_rates_independent(rng):
    for trial in range(6):
        H = _ic(rng)
        P = np.array([1.0, 5.0, 10.0])
        w = np.array([1.0, 2.0, 0.5]) if trial % 2 else None
        res = wmmse.wmmse_sum_rate(H, P, 1.0, streams=2, rng=rng, weights=w, tol=1e-8)
        assert res.status == "converged" and res.success
        hist = res.history["sum_rate"]
        assert len(hist) == res.iterations + 1
        assert np.all(np.diff(hist) >= -1e-9 * max(1, hist[-1]))  # monotone (BCD)
        assert np.all(np.sum(np.abs(res.V) ** 2, axis=(1, 2)) <= P * (1 + 1e-9))
        # rates recomputed independently with wiretap.rates
        K = H.shape[0]
        for k in range(K):
            C = np.eye(2) + sum(
                H[k, j] @ res.V[j] @ res.V[j].conj().T @ H[k, j].conj().T
                for j in range(K)
                if j != k
            )
            Qk = res.V[k] @ res.V[k].conj().T
            r = rates.log_det_rate(H[k, k], Qk, C, base=np.e)
            assert abs(r - res.rates[k]) < 1e-9 * max(1, r)
        a = np.ones(K) if w is None else w
        assert abs(res.sum_rate - a @ res.rates) < 1e-12


def test_wmmse_stationarity_single_user_matches_waterfilling(rng):
    # one user, full streams: WMMSE must reach the water-filling capacity
    H = channels.complex_gaussian((1, 1, 3, 3), rng)
    P = 4.0
    res = wmmse.wmmse_sum_rate(H, P, 1.0, streams=3, rng=rng, tol=1e-12, max_iter=5000)
    g = np.linalg.svd(H[0, 0], compute_uv=False) ** 2
    lo, hi = 0.0, 100.0
    for _ in range(200):  # water level by bisection
        mu = (lo + hi) / 2
        lo, hi = (mu, hi) if np.sum(np.maximum(mu - 1 / g, 0)) < P else (lo, mu)
    cap = np.sum(np.log(1 + g * np.maximum(mu - 1 / g, 0)))
    assert abs(res.sum_rate - cap) < 1e-6 * cap
    assert abs(np.sum(np.abs(res.V) ** 2) - P) < 1e-6  # power budget active at the optimum


def test_wmmse_max_iter_and_V0(rng):
    H = _ic(rng)
    res = wmmse.wmmse_sum_rate(H, 1.0, 1.0, streams=1, rng=rng, max_iter=2, tol=1e-15)
    assert res.status == "max_iter" and not res.success and res.iterations == 2
    V0 = res.V
    res2 = wmmse.wmmse_sum_rate(H, 1.0, 1.0, streams=1, rng=0, V0=V0, max_iter=3, tol=1e-15)
    assert res2.history["sum_rate"][0] == pytest.approx(res.sum_rate, rel=1e-12)


def test_wmmse_errors(rng):
    H = _ic(rng)
    with pytest.raises(ValueError, match="H must have shape"):
        wmmse.wmmse_sum_rate(H[:2], 1.0, 1.0, 1, rng)
    with pytest.raises(ValueError, match="streams must be <= 2"):
        wmmse.wmmse_sum_rate(H, 1.0, 1.0, 3, rng)
    with pytest.raises(ValueError, match="power must be > 0"):
        wmmse.wmmse_sum_rate(H, 0.0, 1.0, 1, rng)
    with pytest.raises(ValueError, match="noise must be > 0"):
        wmmse.wmmse_sum_rate(H, 1.0, -1.0, 1, rng)
    with pytest.raises(ValueError, match="V0 must meet the power budgets"):
        wmmse.wmmse_sum_rate(H, 1.0, 1.0, 1, rng, V0=10 * np.ones((3, 3, 1)))
    with pytest.raises(ValueError, match="rng must be"):
        wmmse.wmmse_sum_rate(H, 1.0, 1.0, 1, None)


# ---------------------------------------------------------------------------------------
# certificates (issue 11)


def test_sum_rate_gradient_matches_finite_differences(rng):
    """The Frank-Wolfe gap rests on the closed-form gradient: check it against central
    differences of the rates along random directions (independent of WMMSE)."""
    H = _ic(rng)
    K, _, _, n_t = H.shape
    V = channels.complex_gaussian((K, n_t, 2), rng) * 0.7
    s2, a = np.array([1.0, 0.5, 2.0]), np.array([1.0, 2.0, 0.5])
    G = wmmse._sum_rate_gradient(H, V, s2, a)

    def f(V):
        return float(a @ wmmse._ic_rates(H, V, s2))

    for _ in range(5):
        D = channels.complex_gaussian(V.shape, rng)
        h = 1e-6
        fd = (f(V + h * D) - f(V - h * D)) / (2 * h)
        assert abs(fd - np.real(np.vdot(G, D))) < 1e-6 * max(1.0, abs(fd))
    # the gap: sum_k sqrt(P_k) ||G_k|| - Re<G_k, V_k>, the best linear gain over the balls
    P = 1.01 * np.sum(np.abs(V) ** 2, axis=(1, 2))
    gap = wmmse.sum_rate_stationarity(H, V, P, s2, weights=a)
    best = sum(
        np.sqrt(P[k]) * np.linalg.norm(G[k]) - np.real(np.vdot(G[k], V[k])) for k in range(K)
    )
    assert gap == pytest.approx(best, rel=1e-12) and gap > 0


def test_wmmse_converged_implies_small_frank_wolfe_gap(rng):
    for _ in range(3):
        H = _ic(rng)
        res = wmmse.wmmse_sum_rate(H, 5.0, 1.0, streams=1, rng=rng, tol=1e-8)
        assert res.success and res.certificate.kind == "stationarity"
        gap = wmmse.sum_rate_stationarity(H, res.V, 5.0, 1.0)
        assert res.certificate.value == pytest.approx(gap / res.sum_rate, rel=1e-9)
        assert res.certificate.value <= res.certificate.tolerance == 1e-4


def test_wmmse_slow_high_snr_run_is_stalled_not_converged(rng):
    """Regression (issue 11): at high SNR WMMSE creeps, and a loose rate-change rule used to
    say "converged" with a first-order gain still available; the gap now says stalled."""
    H = _ic(rng)
    res = wmmse.wmmse_sum_rate(H, 100.0, 1.0, streams=1, rng=rng, tol=1e-4)
    assert res.status == "stalled" and not res.success and "Frank-Wolfe" in res.message
    assert res.certificate.value > 1e-4
    # more iterations from the stalled point do raise the sum rate: it was not stationary
    more = wmmse.wmmse_sum_rate(H, 100.0, 1.0, streams=1, rng=0, V0=res.V, tol=1e-10, max_iter=3000)
    assert more.sum_rate > res.sum_rate + 1e-4 * res.sum_rate
    with pytest.raises(ValueError, match="cert_tol"):
        wmmse.wmmse_sum_rate(H, 1.0, 1.0, 1, rng, cert_tol=0.0)
