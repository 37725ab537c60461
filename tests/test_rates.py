import numpy as np
import pytest
from scipy.optimize import minimize

from wiretap import channels, rates


def test_sinr_rate():
    assert float(rates.sinr_rate(3.0)) == pytest.approx(2.0)
    assert float(rates.sinr_rate(np.e - 1, base=np.e)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="sinr"):
        rates.sinr_rate(-0.1)
    with pytest.raises(ValueError, match="base"):
        rates.sinr_rate(1.0, base=1.0)
    with pytest.raises(ValueError, match="base"):
        rates.sinr_rate(1.0, base=-2.0)


def test_secrecy_rate():
    np.testing.assert_allclose(rates.secrecy_rate([3.0, 1.0], [1.0, 2.0]), [2.0, 0.0])
    with pytest.raises(ValueError, match="rate_eavesdropper"):
        rates.secrecy_rate(1.0, -1.0)
    with pytest.raises(ValueError, match="rate_legitimate"):
        rates.secrecy_rate(np.nan, 1.0)


def test_beamforming_sinr_against_loop(rng):
    n, K = 4, 3
    h = channels.complex_gaussian(n, rng)
    W = channels.complex_gaussian((n, K), rng)
    got = rates.beamforming_sinr(h, W, 0.5)
    for k in range(K):
        sig = abs(np.vdot(h, W[:, k])) ** 2
        intf = sum(abs(np.vdot(h, W[:, j])) ** 2 for j in range(K) if j != k)
        assert got[k] == pytest.approx(sig / (intf + 0.5), rel=1e-12)
    with pytest.raises(ValueError, match="W must have 4 rows"):
        rates.beamforming_sinr(h, W[:3], 1.0)
    with pytest.raises(ValueError, match="noise_power"):
        rates.beamforming_sinr(h, W, 0.0)


def test_log_det_rate_matches_eigenvalues(rng):
    H = channels.complex_gaussian((3, 4), rng)
    A = channels.complex_gaussian((4, 4), rng)
    Q = A @ A.conj().T
    R = np.eye(3) * 0.7 + 0.1 * np.ones((3, 3))
    ref = np.sum(np.log2(1 + np.linalg.eigvals(np.linalg.solve(R, H @ Q @ H.conj().T)).real))
    assert rates.log_det_rate(H, Q, R) == pytest.approx(ref, rel=1e-10)
    # scalar noise equals a scaled identity
    assert rates.log_det_rate(H, Q, 0.7) == pytest.approx(rates.log_det_rate(H, Q, 0.7 * np.eye(3)))
    # nats
    assert rates.log_det_rate(H, Q, R, base=np.e) == pytest.approx(ref * np.log(2), rel=1e-10)


@pytest.mark.parametrize(
    ("H", "Q", "noise", "name"),
    [
        (np.ones((2, 2)), -np.eye(2), 1.0, "Q must be positive semidefinite"),
        (np.ones((2, 2)), np.array([[1, 1], [0, 1]]), 1.0, "Q must be Hermitian"),
        (np.ones((2, 2)), np.eye(3), 1.0, "Q must have shape"),
        (np.ones((2, 2)), np.eye(2), 0.0, "noise must be a positive"),
        (np.ones((2, 2)), np.eye(2), -np.eye(2), "noise must be positive definite"),
        (np.ones((2, 2)), np.eye(2), np.eye(3), "noise must be a scalar or have shape"),
        (np.ones((2, 2)), np.eye(2), np.array([[1, 1], [0, 1]]), "noise must be Hermitian"),
        (np.ones(2), np.eye(2), 1.0, "H must have 2 dimension"),
    ],
)
def test_log_det_rate_bad_input(H, Q, noise, name):
    with pytest.raises(ValueError, match=name):
        rates.log_det_rate(H, Q, noise)


def test_mimo_secrecy_rate(rng):
    H = channels.complex_gaussian((2, 3), rng)
    G = 0.1 * channels.complex_gaussian((2, 3), rng)
    Q = np.eye(3)
    r = rates.mimo_secrecy_rate(H, G, Q)
    assert r == pytest.approx(rates.log_det_rate(H, Q) - rates.log_det_rate(G, Q))
    assert rates.mimo_secrecy_rate(G, H, Q) == 0.0


def test_miso_secrecy_capacity_beats_random_beamformers(rng):
    for _ in range(20):
        n = int(rng.integers(2, 6))
        h = channels.complex_gaussian(n, rng)
        g = channels.complex_gaussian(n, rng)
        P = float(rng.uniform(0.5, 20))
        res = rates.miso_secrecy_capacity(h, g, P)
        w = res.beamformer
        assert np.linalg.norm(w) ** 2 == pytest.approx(P, rel=1e-9) or res.capacity == 0
        if res.capacity > 0:
            achieved = np.log2((1 + abs(np.vdot(h, w)) ** 2) / (1 + abs(np.vdot(g, w)) ** 2))
            assert achieved == pytest.approx(res.capacity, abs=1e-9)
        V = channels.complex_gaussian((n, 4000), rng)
        V *= np.sqrt(P) / np.linalg.norm(V, axis=0)
        brute = np.log2((1 + np.abs(h.conj() @ V) ** 2) / (1 + np.abs(g.conj() @ V) ** 2))
        assert brute.max() <= res.capacity + 1e-9
        # an independent local optimizer (the generalized Rayleigh quotient has no spurious
        # local maxima) started from the best random beamformer reaches the closed form
        x0 = V[:, np.argmax(brute)]

        def neg(x, n=n, h=h, g=g, P=P):
            w = x[:n] + 1j * x[n:]
            w = np.sqrt(P) * w / np.linalg.norm(w)
            return -np.log2((1 + abs(np.vdot(h, w)) ** 2) / (1 + abs(np.vdot(g, w)) ** 2))

        opt = minimize(neg, np.concatenate([x0.real, x0.imag]), method="BFGS", tol=1e-12)
        assert max(-opt.fun, 0.0) == pytest.approx(res.capacity, abs=1e-6)


def test_miso_zero_capacity_when_eve_dominates():
    h = np.array([1.0, 0.0])
    g = np.array([2.0, 0.0])
    # Eve sees everything Bob sees, stronger; an orthogonal direction helps nobody
    res = rates.miso_secrecy_capacity(h, g, 1.0)
    assert res.capacity == 0.0 and np.all(res.beamformer == 0)


def test_miso_bad_input():
    with pytest.raises(ValueError, match="g must have shape"):
        rates.miso_secrecy_capacity(np.ones(3), np.ones(2), 1.0)
    with pytest.raises(ValueError, match="power"):
        rates.miso_secrecy_capacity(np.ones(3), np.ones(3), 0.0)
    with pytest.raises(ValueError, match="noise_e"):
        rates.miso_secrecy_capacity(np.ones(3), np.ones(3), 1.0, noise_e=-1.0)
