"""Tests of wiretap.mimo_ic: the model, rates, prices, gradients and closed-form WMMSE blocks."""

import cvxpy as cp
import numpy as np
import pytest
import scipy.linalg as sla

from wiretap import mimo_ic as mic
from wiretap import wmmse

SMALL = dict(n_pairs=2, n_t=3, n_r=3, n_e=4, d_s=1, d_a=1)


def _cn(rng, *shape):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2)


@pytest.fixture
def net(rng):
    return mic.draw_network(mic.Scenario(power_db=-40.0, **SMALL), rng)


def _design(rng, sc):
    X = _cn(rng, sc.n_pairs, sc.n_t, sc.k)
    return X * np.sqrt(sc.power) / np.linalg.norm(X, axis=(1, 2))[:, None, None]


# ----------------------------------------------------------------------------- scenario
def test_scenario_snr_of_paper_defaults():
    sc = mic.Scenario()
    # kappa d^-tau / sigma^2 at 10 m: -40 - 26 + 110 = 44 dB, plus P = 20 dB
    assert sc.link_snr_db("main") == pytest.approx(64.0, abs=1e-9)
    assert sc.replace(power_db=10.0).link_snr_db("eve") == pytest.approx(54.0, abs=1e-9)
    assert sc.replace(d_eve=1.0).link_snr_db("eve") == pytest.approx(90.0, abs=1e-9)


@pytest.mark.parametrize(
    "bad",
    [
        dict(n_pairs=0),
        dict(d_s=3, d_a=2),
        dict(d_s=5, n_t=6, d_a=1),
        dict(zeta=1.0),
        dict(zeta=-0.1),
        dict(d_main=0.0),
        dict(coverage=1.0),
        dict(n_e=1.5),
    ],
)
def test_scenario_rejects_bad_fields(bad):
    with pytest.raises(ValueError):
        mic.Scenario(**bad)


def test_ball_radius_coverage_is_a_chi2_quantile(rng):
    z, shape, p = 0.3, (4, 4), 0.8
    r = mic.ball_radius(z, shape, coverage=p)
    D = z * _cn(rng, 20000, *shape)
    frac = np.mean(np.linalg.norm(D.reshape(20000, -1), axis=1) <= r)
    assert abs(frac - p) < 0.015
    assert mic.ball_radius(z, shape) == z
    with pytest.raises(ValueError, match="coverage"):
        mic.ball_radius(z, shape, coverage=0.0)


def test_draw_network_error_models(rng):
    sc = mic.Scenario(zeta=0.3, **SMALL)
    g = mic.draw_network(sc, rng)
    assert g.H_hat.shape == (2, 2, 3, 3) and g.G_true.shape == (2, 4, 3)
    b = mic.draw_network(sc, rng, error="ball")
    dm = np.linalg.norm(b.H_true[0, 0] - b.H_hat[0, 0])
    de = np.linalg.norm(b.G_true[1] - b.G_hat[1])
    assert dm <= b.radius_main * (1 + 1e-12) and de <= b.radius_eve * (1 + 1e-12)
    n = mic.draw_network(sc, rng, error="none")
    assert np.array_equal(n.H_true, n.H_hat)
    # the Gaussian model: per-entry error variance zeta^2 in small-scale units
    errs = []
    for s in range(200):
        x = mic.draw_network(sc, s)
        errs.append((x.H_hat - x.H_true)[0, 0] / np.sqrt(sc.gain("main")))
    assert np.var(np.concatenate([e.ravel() for e in errs])) == pytest.approx(0.09, rel=0.1)
    with pytest.raises(ValueError, match="error"):
        mic.draw_network(sc, rng, error="uniform")
    with pytest.raises(TypeError, match="scenario"):
        mic.draw_network({"zeta": 0.1}, rng)
    with pytest.raises(ValueError, match="rng"):
        mic.draw_network(sc, None)


# ----------------------------------------------------------------------------- rates
def test_rates_match_log_det_rate(net, rng):
    from wiretap.rates import log_det_rate

    X = _design(rng, net.scenario)
    cr, ce = mic.rates(net.H_hat, net.G_hat, X, 1)
    for i in range(2):
        Q, L = X[i][:, :1], X[i][:, 1:]
        A, G = net.H_hat[i, i], net.G_hat[i]
        N = A @ L @ L.conj().T @ A.conj().T + mic.interference_covariance(net.H_hat, X, i)
        N += np.eye(3)
        assert cr[i] == pytest.approx(np.log(2) * log_det_rate(A, Q @ Q.conj().T, N), rel=1e-12)
        NE = G @ L @ L.conj().T @ G.conj().T + np.eye(4)
        assert ce[i] == pytest.approx(np.log(2) * log_det_rate(G, Q @ Q.conj().T, NE), rel=1e-12)
    s = mic.secrecy_rates(net, X, channel="estimate", clip=False, bits=False)
    assert np.allclose(s, cr - ce)
    assert np.all(mic.secrecy_rates(net, X) >= 0)


def test_rates_validate_shapes(net):
    with pytest.raises(ValueError, match="X"):
        mic.rates(net.H_hat, net.G_hat, np.zeros((2, 3)), 1)
    with pytest.raises(ValueError, match="G"):
        mic.rates(net.H_hat, net.G_hat[:, :, :2], np.zeros((2, 3, 2)), 1)
    with pytest.raises(ValueError, match="d_s"):
        mic.rates(net.H_hat, net.G_hat, np.zeros((2, 3, 2)), 2)
    with pytest.raises(ValueError, match="channel"):
        mic.secrecy_rates(net, np.zeros((2, 3, 2)), channel="both")


def test_price_is_minus_the_derivative_of_the_secrecy_rate(net, rng):
    """tr(Pi_i D) = -(d/dt) C_S,i(Upsilon_i + t D) at t = 0 (central differences)."""
    X = _design(rng, net.scenario)
    Pi = mic.prices(net.H_hat, X, 1)
    assert np.all(np.linalg.eigvalsh(Pi) >= -1e-12)
    assert np.all(np.linalg.matrix_rank(Pi, tol=1e-9 * np.abs(Pi).max()) <= 1)  # rank <= d_s
    i = 0
    A, Q, L = net.H_hat[i, i], X[i][:, :1], X[i][:, 1:]
    Ups = mic.interference_covariance(net.H_hat, X, i)

    def cr(U):
        N = A @ L @ L.conj().T @ A.conj().T + U + np.eye(3)
        Z = A @ Q @ Q.conj().T @ A.conj().T
        return np.linalg.slogdet(N + Z)[1] - np.linalg.slogdet(N)[1]

    for _ in range(5):
        D = _cn(rng, 3, 3)
        D = D @ D.conj().T
        h = 1e-4 * np.linalg.norm(Ups) / np.linalg.norm(D)
        fd = (cr(Ups + h * D) - cr(Ups - h * D)) / (2 * h)
        assert np.real(np.trace(Pi[i] @ D)) == pytest.approx(-fd, rel=1e-6)


def _fd_grad(f, X, rng, n=4, h=1e-6):
    """Check a Wirtinger gradient D of f: f(X + hE) - f(X - hE) ~ 4 h Re tr(D^H E)."""
    out = []
    for _ in range(n):
        E = _cn(rng, *X.shape)
        out.append((E, (f(X + h * E) - f(X - h * E)) / (2 * h)))
    return out


def test_gradients_by_finite_differences(net, rng):
    sc = net.scenario
    X = _design(rng, sc)
    H, G = net.H_hat, net.G_hat

    def total(Xv):
        cr, ce = mic.rates(H, G, Xv, 1)
        return float(np.sum(cr - ce))

    D = mic.sum_rate_gradient(H, G, X, 1)
    for E, fd in _fd_grad(total, X, rng):
        assert 2 * np.real(np.vdot(D, E)) == pytest.approx(fd, rel=1e-5, abs=1e-9)
    Pi = mic.prices(H, X, 1)
    Du = mic.utility_gradient(H, G, X, 1, Pi)
    for i in range(2):

        def fi(Xi, i=i):
            Xv = X.copy()
            Xv[i] = Xi
            return float(mic.priced_utilities(H, G, Xv, 1, Pi)[i])

        for E, fd in _fd_grad(fi, X[i], rng, n=3):
            assert 2 * np.real(np.vdot(Du[i], E)) == pytest.approx(fd, rel=1e-5, abs=1e-9)
    # prices at the same point: the priced gradients equal the sum-rate gradient (eq. 67-70)
    assert np.allclose(Du, D, rtol=1e-10, atol=1e-12)


def test_kkt_residual(rng):
    X = _cn(rng, 2, 3, 2)
    P = float(np.max(np.linalg.norm(X, axis=(1, 2)) ** 2))
    X = X * np.sqrt(P) / np.linalg.norm(X, axis=(1, 2))[:, None, None]
    assert np.allclose(mic.kkt_residual(3.0 * X, X, P), 0.0, atol=1e-12)
    assert np.all(mic.kkt_residual(-X, X, P) > 0.99)  # negative multiplier: not KKT
    with pytest.raises(ValueError, match="power"):
        mic.kkt_residual(X, X, 0.0)


def test_initial_precoders(net):
    sc = net.scenario
    for method in ("gev", "svd"):
        X = mic.initial_precoders(net.H_hat, net.G_hat, sc.power, 1, 1, method=method)
        assert np.allclose(np.linalg.norm(X, axis=(1, 2)) ** 2, sc.power)
    with pytest.raises(ValueError, match="method"):
        mic.initial_precoders(net.H_hat, net.G_hat, sc.power, 1, 1, method="rand")
    with pytest.raises(ValueError, match="d_s"):
        mic.initial_precoders(net.H_hat, net.G_hat, sc.power, 3, 1)


# ----------------------------------------------------------------------------- WMMSE blocks
def test_closed_form_auxiliaries_attain_the_rates(net, rng):
    """At the closed forms every variational bound is tight: g_i equals C_S,i (radius 0)."""
    X = _design(rng, net.scenario)
    nom = net.with_radii(0.0)
    cr, ce = mic.rates(nom.H_hat, nom.G_hat, X, 1)
    for i in range(2):
        view = mic.PairView.from_network(nom, i)
        Ups = mic.interference_covariance(nom.H_hat, X, i)
        aux = mic.aux_closed_form(view.A, view.G, X[i], Ups, 1)
        terms = mic.robust_terms(view, X[i], aux, Ups, np.zeros((1, 3, 3)))
        assert terms.utility == pytest.approx(cr[i] - ce[i], rel=1e-9, abs=1e-9)
        # S_m is the stream-space weight (k x k)
        assert aux.S_m.shape == (2, 2)
        # and any other weight gives a smaller bound (the closed forms are maximizers)
        worse = aux.replace(S_m=aux.S_m * 1.1, F_r=aux.F_r * 0.9)
        t2 = mic.robust_terms(view, X[i], worse, Ups, np.zeros((1, 3, 3)))
        assert t2.utility < terms.utility


def test_receiver_closed_form_is_the_mmse_receiver(net, rng):
    X = _design(rng, net.scenario)
    A = net.H_hat[0, 0]
    Ups = mic.interference_covariance(net.H_hat, X, 0)
    F, W = mic.receiver_closed_form(A, X[0], Ups, 1)
    U = np.linalg.solve(F, W).conj().T
    N = A @ X[0][:, 1:] @ X[0][:, 1:].conj().T @ A.conj().T + Ups + np.eye(3)
    assert np.allclose(U, wmmse.mmse_receiver(A, X[0][:, :1], N), rtol=1e-9)
    # the print's eq. (33), U = N^{-1} H Q, is not the maximizer of the C_R bound
    U33 = np.linalg.solve(N, A @ X[0][:, :1])
    E33 = wmmse.mse_matrix(A, X[0][:, :1], U33, N)
    E = wmmse.mmse_matrix(A, X[0][:, :1], N)
    assert -np.linalg.slogdet(E33)[1] < -np.linalg.slogdet(E)[1] - 1e-6


def test_nominal_precoder_matches_a_generic_solver(net, rng):
    X = _design(rng, net.scenario)
    nom = net.with_radii(0.0)
    view = mic.PairView.from_network(nom, 0)
    Ups = mic.interference_covariance(nom.H_hat, X, 0)
    aux = mic.aux_closed_form(view.A, view.G, X[0], Ups, 1)
    Pi = mic.prices(nom.H_hat, X, 1)[1:]
    for power in (nom.power, 1e-3 * nom.power):
        Xc, mu = mic.nominal_precoder(view.A, view.G, (3, 2), aux, view.cross, Pi, power, 1)
        Vn = cp.Variable((3, 2), complex=True)  # normalized: V = sqrt(power) Vn
        V = np.sqrt(power) * Vn
        Fm = mic.hermitian_sqrt(aux.S_m)
        obj = (
            cp.sum_squares(aux.W_r @ view.A @ V - np.hstack([aux.F_r, np.zeros((1, 1))]))
            + cp.sum_squares(aux.W_e @ view.G @ V[:, 1:] - aux.F_e)
            + cp.sum_squares(view.G @ V @ Fm)
            + cp.sum_squares(mic.hermitian_sqrt(Pi[0]) @ view.cross[0] @ V)
        )
        prob = cp.Problem(cp.Minimize(obj), [cp.sum_squares(Vn) <= 1])
        prob.solve(solver=cp.CLARABEL)
        assert prob.status == "optimal"
        Vref = np.sqrt(power) * Vn.value
        assert np.linalg.norm(Xc) ** 2 <= power * (1 + 1e-9)
        # same optimal value (the minimizer itself may be ill-conditioned at high SNR)
        val = obj.value
        Vn.value = Xc / np.sqrt(power)
        assert obj.value == pytest.approx(val, rel=1e-5, abs=1e-7)
        assert np.linalg.norm(Xc - Vref) <= 1e-2 * np.linalg.norm(Vref) + 1e-6
        assert mu >= 0


def test_hermitian_sqrt_rejects_indefinite():
    assert np.allclose(
        mic.hermitian_sqrt(np.diag([1.0, 4.0])) @ mic.hermitian_sqrt(np.diag([1.0, 4.0])),
        np.diag([1.0, 4.0]),
    )
    with pytest.raises(ValueError, match="semidefinite"):
        mic.hermitian_sqrt(np.diag([1.0, -1.0]))
    with pytest.raises(ValueError, match="square"):
        mic.hermitian_sqrt(np.ones((2, 3)))


# ----------------------------------------------------------------------------- start, bound
def test_backoff_start_is_the_best_fraction_and_beats_full_power():
    """At the paper's 64 dB the full-power start is interference-limited (negative sum
    secrecy rate); the backoff start is the argmax over its fractions and positive."""
    sc = mic.Scenario(zeta=0.0)
    for seed in range(3):
        net = mic.draw_network(sc, seed)
        H, G, P = net.H_hat, net.G_hat, sc.power
        full = mic.initial_precoders(H, G, P, 2, 1)
        X, t = mic.backoff_start(H, G, P, 2, 1)

        def cs(Y, H=H, G=G):
            cr, ce = mic.rates(H, G, Y, 2)
            return float(np.sum(cr - ce))

        assert np.allclose(np.linalg.norm(X, axis=(1, 2)) ** 2, t * P, rtol=1e-12)
        assert np.allclose(X, np.sqrt(t) * full)
        assert all(cs(X) >= cs(np.sqrt(f) * full) - 1e-12 for f in mic.BACKOFF_FRACTIONS)
        assert cs(full) < 0 < cs(X) and t < 1e-3
    # at low SNR full power is best and is kept
    low = mic.draw_network(mic.Scenario(zeta=0.0, power_db=-60.0), 0)
    _, t_low = mic.backoff_start(low.H_hat, low.G_hat, low.power, 2, 1)
    assert t_low == 1.0
    with pytest.raises(ValueError, match="fractions"):
        mic.backoff_start(low.H_hat, low.G_hat, low.power, 2, 1, fractions=[0.5, 2.0])


def test_secrecy_rate_bound_holds_for_any_design_and_is_tight(rng):
    sc = mic.Scenario(zeta=0.0, power_db=0.0)
    net = mic.draw_network(sc, rng)
    ub = mic.secrecy_rate_bound(net)
    for _ in range(200):
        X = _cn(rng, 3, 4, 3) * 10.0 ** rng.uniform(-6, 1)
        cs = mic.secrecy_rates(net, X)
        assert np.all(cs <= ub + 1e-9)
    # one pair alone at very high power: beams on the generalized eigenvectors with
    # eigenvalue > 1 (equal power, no AN) approach the bound
    one = mic.draw_network(mic.Scenario(n_pairs=1, zeta=0.0, power_db=50.0, d_s=3), 4)
    A, G = one.H_hat[0, 0], one.G_hat[0]
    w, V = sla.eigh(A.conj().T @ A, G.conj().T @ G)
    good = V[:, w > 1]
    m = good.shape[1]
    assert 1 <= m <= 3
    X = np.zeros((1, 4, 4), complex)
    X[0, :, :m] = good / np.linalg.norm(good, axis=0) * np.sqrt(one.power / m)
    b = mic.secrecy_rate_bound(one)[0]
    assert mic.secrecy_rates(one, X)[0] == pytest.approx(b, rel=1e-3)
    # Eve 26 dB closer than the receivers with N_E >= N_T: no design has secrecy
    assert np.all(mic.secrecy_rate_bound(mic.draw_network(sc.replace(d_eve=1.0), 1)) == 0.0)
    # the bound does not depend on the power or the noise level
    other = mic.draw_network(sc.replace(power_db=30.0, noise_db=-90.0), 7)
    same = mic.draw_network(sc, 7)
    assert np.allclose(mic.secrecy_rate_bound(other), mic.secrecy_rate_bound(same))
    with pytest.raises(ValueError, match="n_e >= n_t"):
        mic.secrecy_rate_bound(mic.draw_network(mic.Scenario(n_e=3, d_s=2, d_a=1), 0))


def test_ball_coverage_inverts_ball_radius_and_matches_sampling(rng):
    z, shape = 0.3, (4, 4)
    for p in (0.1, 0.5, 0.9):
        assert mic.ball_coverage(z, mic.ball_radius(z, shape, coverage=p), shape) == (
            pytest.approx(p, rel=1e-10)
        )
    r = 1.3  # a radius between the quantiles: compare with a sample of Gaussian errors
    D = z * _cn(rng, 20000, *shape)
    frac = np.mean(np.linalg.norm(D.reshape(20000, -1), axis=1) <= r)
    assert abs(frac - mic.ball_coverage(z, r, shape)) < 0.015
    # the print's radius (rho = zeta) almost never contains the error (chi2_32 CDF at 2)
    assert mic.ball_coverage(0.1, 0.1, (4, 4)) < 1e-13
    assert mic.ball_coverage(z, 0.0, shape) == 0.0
    for kwargs, name in ((dict(zeta=0.0), "zeta"), (dict(radius=-1.0), "radius")):
        args = dict(zeta=z, radius=r, shape=shape) | kwargs
        with pytest.raises(ValueError, match=name):
            mic.ball_coverage(**args)
