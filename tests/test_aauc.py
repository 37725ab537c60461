"""Tests of wiretap.aauc: model, geometry, angular matrix, exact average, model fit, P2."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special

from wiretap import aauc, sca

RHO0, ALPHA = 1e-4, 2.5


# --------------------------------------------------------------------------- model
def test_params_from_db_units():
    p = aauc.SystemParams.from_db(n_antennas=8, n_users=3, k_factor_db=-np.inf)
    assert p.k_factor == 0.0
    assert np.isclose(p.noise_power, 1e-11) and np.isclose(p.p_max, 1.0)
    assert np.isclose(p.ref_gain, 1e-4)


@pytest.mark.parametrize(
    "kw, name",
    [
        ({"n_antennas": 1, "n_users": 3}, "n_antennas"),
        ({"n_antennas": 4, "n_users": 1}, "n_users"),
        ({"n_antennas": 4, "n_users": 3, "k_factor": -1.0}, "k_factor"),
        ({"n_antennas": 4, "n_users": 3, "alpha": 0.0}, "alpha"),
        ({"n_antennas": 4, "n_users": 3, "noise_power": -1.0}, "noise_power"),
        ({"n_antennas": 4, "n_users": 3, "lam": 1.5}, "lam"),
    ],
)
def test_params_validation(kw, name):
    with pytest.raises(ValueError, match=name):
        aauc.SystemParams(**kw)


def test_geometry_validation():
    with pytest.raises(ValueError, match="users"):
        aauc.Geometry(users=[[1.0, 0.0]], eve=[0.0, 0.0])
    with pytest.raises(ValueError, match="users"):
        aauc.Geometry(users=[[1.0, 0.0], [0.0, 0.0]], eve=[0.0, 0.0])
    with pytest.raises(ValueError, match="eve"):
        aauc.Geometry(users=[[1.0, 0.0], [0.0, 2.0]], eve=[0.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="distance_range"):
        aauc.paper_geometry(3, rng=0, distance_range=(500.0, 100.0))
    with pytest.raises(ValueError, match="layout"):
        aauc.draw_scenario(aauc.SystemParams(n_antennas=4, n_users=3), rng=0, layout="moon")
    with pytest.raises(ValueError, match="rng"):
        aauc.paper_geometry(3, rng=None)


def test_paper_geometry_distributions(rng):
    geos = [aauc.paper_geometry(4, rng) for _ in range(400)]
    d = np.array([g.distances for g in geos])
    assert d.min() >= 100 and d.max() <= 500
    # the eavesdropper is on the segment to user K: same angle, shorter distance
    for g in geos:
        assert np.isclose(np.cos(g.eve_angle - g.angles[-1]), 1.0) or g.eve_distance < 1e-9
        assert g.eve_distance <= g.distances[-1]
    # D_E / D_K ~ U(0, 1): mean 1/2 within 5 standard errors
    ratio = np.array([g.eve_distance / g.distances[-1] for g in geos])
    assert abs(ratio.mean() - 0.5) < 5 * np.sqrt(1 / 12 / ratio.size)


def test_rayleigh_and_ring_geometry(rng):
    g = aauc.rayleigh_geometry(6, rng)
    assert np.isclose(g.distances[-1], 1000.0)
    assert np.all((g.angles >= 0) & (g.angles <= np.pi))
    assert -np.pi <= g.eve_angle <= 0
    r = aauc.ring_geometry(5, 40.0, rng)
    assert np.allclose(r.distances, 40.0)


def test_redraw_eavesdropper_keeps_users_and_follows_layout(rng):
    p = aauc.SystemParams.from_db(n_antennas=8, n_users=4, k_factor_db=30.0)
    sc = aauc.draw_scenario(p, rng)
    new = [aauc.redraw_eavesdropper(sc, rng) for _ in range(400)]
    for e in new[:5]:
        assert np.array_equal(e.G, sc.G) and np.array_equal(e.h_user, sc.h_user)
        assert np.array_equal(e.geometry.users, sc.geometry.users)
        # on the segment to user K, as in paper_geometry
        assert np.isclose(e.geometry.eve_angle, sc.geometry.angles[-1])
        # h_E follows the new position: its power is rho0 d^-alpha on average (K_R large,
        # so |h_E,k|^2 is within a few percent of it)
        d = e.geometry.helper_distances(e.geometry.eve)
        assert np.allclose(np.abs(e.h_eve) ** 2, RHO0 * d**-ALPHA, rtol=0.3)
    ratio = np.array([e.geometry.eve_distance for e in new]) / sc.geometry.distances[-1]
    assert np.all((ratio >= 0) & (ratio <= 1))
    assert abs(ratio.mean() - 0.5) < 5 * np.sqrt(1 / 12 / ratio.size)
    # new eavesdroppers differ from the original and from each other
    assert not np.allclose(new[0].g_eve, sc.g_eve) and not np.allclose(new[0].g_eve, new[1].g_eve)
    # Rayleigh layout: distance in the given range, lower half plane
    pr = aauc.SystemParams.from_db(n_antennas=8, n_users=4, k_factor_db=-np.inf)
    sr = aauc.draw_scenario(pr, rng, layout="rayleigh")
    for _ in range(50):
        e = aauc.redraw_eavesdropper(sr, rng, layout="rayleigh", distance_range=(150.0, 160.0))
        assert 150.0 <= e.geometry.eve_distance <= 160.0 and -np.pi <= e.geometry.eve_angle <= 0
    with pytest.raises(ValueError, match="layout"):
        aauc.redraw_eavesdropper(sc, 0, layout="moon")
    with pytest.raises(ValueError, match="scenario"):
        aauc.redraw_eavesdropper(sc.geometry, 0)
    with pytest.raises(ValueError, match="distance_range"):
        aauc.redraw_eavesdropper(sr, 0, layout="rayleigh", distance_range=(5.0, 1.0))


def test_fig2a_geometry_matches_paper_J_values():
    J = aauc.angular_matrix(aauc.fig2a_geometry(), alpha=2.5, ref_gain=1.0)
    assert abs(J[0] / 1e-5 - 1) < 0.02 and abs(J[1] / 2e-6 - 1) < 0.02


def test_channel_statistics(rng):
    """Average power of g_k is N rho0 D^-alpha; the LoS part is the steering vector."""
    p = aauc.SystemParams(n_antennas=8, n_users=3, k_factor=1.0)
    geo = aauc.fig2a_geometry()
    G = np.array([aauc.draw_channels(geo, p, rng).G for _ in range(3000)])
    power = np.mean(np.sum(np.abs(G) ** 2, axis=1), axis=0)
    expected = 8 * RHO0 * geo.distances**-ALPHA
    assert np.allclose(power, expected, rtol=0.05)
    # E[g_k] = sqrt(beta K/(1+K)) a(theta_k), a_i = exp(-j pi i sin theta)
    mean = G.mean(axis=0)[:, 0]
    a = np.exp(-1j * np.pi * np.arange(8) * np.sin(geo.angles[0]))
    target = np.sqrt(RHO0 * geo.distances[0] ** -ALPHA / 2) * a
    assert np.linalg.norm(mean - target) < 0.1 * np.linalg.norm(target)


def test_scenario_validation():
    p = aauc.SystemParams(n_antennas=4, n_users=3)
    with pytest.raises(ValueError, match="geometry"):
        aauc.draw_channels("not a geometry", p, 0)
    geo = aauc.Geometry(users=[[100.0, 0.0], [0.0, 200.0]], eve=[10.0, 0.0])
    with pytest.raises(ValueError, match="n_users"):
        aauc.draw_channels(geo, p, 0)


def test_null_space(rng):
    g = rng.standard_normal(7) + 1j * rng.standard_normal(7)
    U = aauc.null_space(g)
    assert U.shape == (7, 6)
    assert np.allclose(U.conj().T @ U, np.eye(6), atol=1e-12)
    assert np.max(np.abs(g.conj() @ U)) < 1e-12 * np.linalg.norm(g)
    with pytest.raises(ValueError, match="g"):
        aauc.null_space(np.zeros(3))


# --------------------------------------------------------------------------- angular matrix
def _J_quad(geo, alpha, beta=0.0):
    """Independent reference: scipy's adaptive quadrature on paper eq. (16)."""
    dK, thK = geo.distances[-1], geo.angles[-1]
    out = []
    for dk, tk in zip(geo.distances[:-1], geo.angles[:-1], strict=True):

        def f(r, dk=dk, tk=tk):
            d2 = (
                (r * np.cos(thK) - dk * np.cos(tk)) ** 2
                + (r * np.sin(thK) - dk * np.sin(tk)) ** 2
                + (r * np.tan(beta)) ** 2
            )
            return d2 ** (-alpha / 2)

        peak = np.clip(dk * np.cos(thK - tk) * np.cos(beta) ** 2, 0, dK)
        val, _ = integrate.quad(f, 0, dK, points=[peak], limit=400, epsabs=0, epsrel=1e-12)
        out.append(val / dK)
    return np.array(out)


def _J_closed(geo, alpha, beta=0.0):
    """Closed form via the tangent substitution and the incomplete beta function."""
    dK, thK = geo.distances[-1], geo.angles[-1]
    a = 1 / np.cos(beta) ** 2
    out = []
    for dk, tk in zip(geo.distances[:-1], geo.angles[:-1], strict=True):
        b, c = dk * np.cos(thK - tk), dk**2
        s = np.sqrt(a * c - b * b)
        u0, u1 = np.arctan((0 * a - b) / s), np.arctan((dK * a - b) / s)
        p = alpha - 2

        def F(u, p=p):  # int_0^u cos^p
            return (
                np.sign(u)
                * 0.5
                * special.beta(0.5, (p + 1) / 2)
                * special.betainc(0.5, (p + 1) / 2, np.sin(u) ** 2)
            )

        out.append((a / s**2) ** (alpha / 2) * (s / a) * (F(u1) - F(u0)) / dK)
    return np.array(out)


@pytest.mark.parametrize("alpha", [2.0, 2.5, 3.7])
@pytest.mark.parametrize("beta", [0.0, 0.4])
def test_angular_matrix_vs_independent_quadrature(alpha, beta):
    rng = np.random.default_rng(7)
    for _ in range(5):
        geo = aauc.paper_geometry(6, rng)
        J = aauc.angular_matrix(geo, alpha=alpha, ref_gain=1.0, elevation=beta)
        assert np.allclose(J, _J_quad(geo, alpha, beta), rtol=1e-9, atol=0)
        assert np.allclose(J, _J_closed(geo, alpha, beta), rtol=1e-9, atol=0)


def test_angular_matrix_helper_near_segment():
    """A helper 1 m off the segment: a sharp peak that a plain rule would miss."""
    geo = aauc.Geometry(users=[[150.0, 1.0], [0.0, 200.0], [300.0, 0.0]], eve=[10.0, 0.0])
    J = aauc.angular_matrix(geo, alpha=2.5, ref_gain=1.0)
    assert np.allclose(J, _J_quad(geo, 2.5), rtol=1e-8)
    assert np.allclose(J, _J_closed(geo, 2.5), rtol=1e-8)


def test_angular_matrix_alpha2_arctan():
    """alpha = 2 in 2-D: J_k = (atan((D_K - b)/q) - atan(-b/q)) / (q D_K)."""
    geo = aauc.paper_geometry(5, rng=3)
    J = aauc.angular_matrix(geo, alpha=2.0, ref_gain=1.0)
    dK, thK = geo.distances[-1], geo.angles[-1]
    b = geo.distances[:-1] * np.cos(thK - geo.angles[:-1])
    q = geo.distances[:-1] * np.abs(np.sin(thK - geo.angles[:-1]))
    ref = (np.arctan((dK - b) / q) - np.arctan(-b / q)) / (q * dK)
    assert np.allclose(J, ref, rtol=1e-10)


def test_angular_matrix_validation():
    geo = aauc.fig2a_geometry()
    with pytest.raises(ValueError, match="elevation"):
        aauc.angular_matrix(geo, elevation=np.pi / 2)
    with pytest.raises(ValueError, match="alpha"):
        aauc.angular_matrix(geo, alpha=-1.0)
    with pytest.raises(ValueError, match="geometry"):
        aauc.angular_matrix(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="n_nodes"):
        aauc.angular_matrix(geo, n_nodes=1)


def test_elevation_reduces_J():
    geo = aauc.paper_geometry(5, rng=11)
    J0 = aauc.angular_matrix(geo)
    J1 = aauc.angular_matrix(geo, elevation=0.5)
    assert np.all(J1 < J0)  # a flying eavesdropper is farther from every helper


# --------------------------------------------------------------------------- exact average
def _setup(seed=0, T=6):
    rng = np.random.default_rng(seed)
    geo = aauc.fig2a_geometry()
    R = rng.uniform(0.2, 3, T)
    w = (rng.standard_normal((T, 2)) + 1j * rng.standard_normal((T, 2))) * np.sqrt(0.01 / 4)
    s2 = 10 ** (rng.uniform(-100, -60, T) / 10 - 3)
    return geo, R, w, s2


def test_average_secrecy_rate_vs_brute_force():
    """Quadrature in rho x MC in fading vs plain MC over (rho, fading) drawn jointly."""
    geo, R, w, s2 = _setup(1, T=4)
    S = aauc.average_secrecy_rate(R, w, s2, geo, 2, k_factor=10.0, n_samples=20000)
    rng = np.random.default_rng(3)
    M = 200_000
    rho = rng.uniform(0, geo.distances[-1], M)
    d = aauc.eve_distance_profile(geo, rho)
    amp = np.sqrt(RHO0 * d**-ALPHA)
    kr = 10.0
    fad = np.sqrt(kr / (1 + kr)) * np.exp(1j * rng.uniform(-np.pi, np.pi, (M, 2)))
    fad += (
        np.sqrt(1 / (1 + kr))
        * (rng.standard_normal((M, 2)) + 1j * rng.standard_normal((M, 2)))
        / np.sqrt(2)
    )
    for t in range(4):
        x = np.maximum(
            R[t] - 0.5 * np.log2(1 + np.abs((np.conj(fad * amp) * w[t]).sum(1)) ** 2 / s2[t]), 0
        )
        se = x.std() / np.sqrt(M)
        assert abs(S[t] - x.mean()) < 5 * se + 0.01 * x.std()


def test_average_secrecy_rate_properties():
    """Properties (i)-(iii) of paper Sec. IV-A."""
    geo, R, w, _ = _setup(2, T=5)
    J = aauc.angular_matrix(geo)
    wJw = np.real(np.sum(J * np.abs(w) ** 2, axis=1))
    # (i) sigma -> 0: S -> 0;  (ii) sigma -> inf: S -> R
    S0 = aauc.average_secrecy_rate(R, w, np.full(5, 1e-40), geo, 0, k_factor=1e3)
    Sinf = aauc.average_secrecy_rate(R, w, np.full(5, 1e10), geo, 0, k_factor=1e3)
    assert np.all(S0 < 1e-12) and np.allclose(Sinf, R, atol=1e-9)
    # (iii) S >= [R - log2(1 + w^H J w / s2)/2]^+ (Jensen), up to Monte Carlo error
    s2 = np.full(5, 1e-12)
    S = aauc.average_secrecy_rate(R, w, s2, geo, 0, k_factor=1e3, n_samples=20000)
    lower = aauc.model_secrecy_rate(R, wJw, s2, 1.0)
    assert np.all(S >= lower - 5e-3)


def test_average_secrecy_rate_validation():
    geo, R, w, s2 = _setup()
    with pytest.raises(ValueError, match="w"):
        aauc.average_secrecy_rate(R, w[:, :1], s2, geo, 0, k_factor=1.0)
    with pytest.raises(ValueError, match="noise_power"):
        aauc.average_secrecy_rate(R, w, -s2, geo, 0, k_factor=1.0)
    with pytest.raises(ValueError, match="rate"):
        aauc.average_secrecy_rate(-R, w, s2, geo, 0, k_factor=1.0)


def test_model_and_fit():
    rng = np.random.default_rng(4)
    R, q, s2 = rng.uniform(0, 3, 50), rng.uniform(0, 5, 50), np.ones(50)
    # S_hat decreases in lambda
    vals = [aauc.model_secrecy_rate(R, q, s2, lam).sum() for lam in np.linspace(0, 1, 11)]
    assert np.all(np.diff(vals) <= 0)
    S = aauc.model_secrecy_rate(R, q, s2, 0.37) + 0.01 * rng.standard_normal(50)
    fit = aauc.fit_lambda(S, R, q, s2)
    assert abs(fit.lam - 0.37) < 0.05
    assert fit.mse <= fit.mse_grid.min() + 1e-15
    with pytest.raises(ValueError, match="lam"):
        aauc.model_secrecy_rate(R, q, s2, 1.5)
    with pytest.raises(ValueError, match="rate"):
        aauc.fit_lambda(S, R[:3], q, s2)


# --------------------------------------------------------------------------- problem P2
def _problem(seed=0, N=12, K=5, kr_db=30.0):
    p = aauc.SystemParams.from_db(n_antennas=N, n_users=K, k_factor_db=kr_db)
    sc = aauc.draw_scenario(p, rng=seed)
    return sc, aauc.AAUCProblem.from_scenario(sc)


def test_problem_normalization_and_rates():
    sc, pb = _problem()
    rng = np.random.default_rng(0)
    z = rng.standard_normal(pb.n) + 1j * rng.standard_normal(pb.n)
    v = pb.beamformer(z)
    s2 = sc.params.noise_power
    assert abs(np.vdot(sc.g_attacked, v)) < 1e-12 * np.linalg.norm(sc.g_attacked) * np.linalg.norm(
        v
    )
    assert np.allclose(pb.snr_helpers(z), np.abs(sc.G[:, :-1].conj().T @ v) ** 2 / s2, rtol=1e-10)
    J = aauc.angular_matrix(sc.geometry)
    assert np.allclose(pb.j, sc.params.lam * J / s2)


def test_reduced_problem_same_values():
    _, pb = _problem(N=30, K=5)
    red = pb.reduced()
    assert red.n == 4
    rng = np.random.default_rng(1)
    y = rng.standard_normal(red.n) + 1j * rng.standard_normal(red.n)
    w = rng.standard_normal(red.m) + 1j * rng.standard_normal(red.m)
    z = pb.basis.conj().T @ red.beamformer(y)  # same v in the full coordinates
    assert np.allclose(red.constraint_values(y, w), pb.constraint_values(z, w), rtol=1e-10)
    assert np.isclose(np.linalg.norm(y), np.linalg.norm(z))


def test_gradients_finite_differences():
    _, pb = _problem(seed=3)
    rng = np.random.default_rng(2)
    z = rng.standard_normal(pb.n) + 1j * rng.standard_normal(pb.n)
    w = rng.standard_normal(pb.m) + 1j * rng.standard_normal(pb.m)
    gz, gw = pb.gradients(z, w)
    h = 1e-6
    for _ in range(3):
        dz = rng.standard_normal(pb.n) + 1j * rng.standard_normal(pb.n)
        dw = rng.standard_normal(pb.m) + 1j * rng.standard_normal(pb.m)
        fd = (
            pb.constraint_values(z + h * dz, w + h * dw)
            - pb.constraint_values(z - h * dz, w - h * dw)
        ) / (2 * h)
        an = np.real(np.conj(gz) @ dz + np.conj(gw) @ dw)
        assert np.allclose(fd, an, rtol=1e-5, atol=1e-8)


def test_proposition1_surrogates():
    """Prop. 1: minorant, tight, same gradient, for every Phi_k and for Upsilon."""
    _, pb = _problem(seed=4)
    rng = np.random.default_rng(3)
    n, m = pb.n, pb.m

    def split(x):
        return x[:n], x[n:]

    z0 = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    w0 = rng.standard_normal(m) + 1j * rng.standard_normal(m)
    x0 = np.concatenate([z0, w0])
    pts = x0 + 0.5 * (rng.standard_normal((200, n + m)) + 1j * rng.standard_normal((200, n + m)))
    for k in range(m + 1):
        if k < m:

            def f(x, k=k):
                return pb.phi(*split(x))[k]

            def s(x, k=k):
                val = aauc.phi_surrogate(pb, *split(x), z0, w0)[k]
                return val if np.isfinite(val) else -1e300
        else:

            def f(x):
                return pb.upsilon(split(x)[1])

            def s(x):
                val = aauc.upsilon_surrogate(pb, split(x)[1], w0)
                return val if np.isfinite(val) else -1e300

        chk = sca.check_surrogate(f, s, x0, pts, kind="minorant")
        assert chk.bound_violation <= 1e-12
        assert chk.tightness <= 1e-12
        assert chk.gradient_mismatch <= 1e-6


def test_problem_validation():
    _, pb = _problem()
    with pytest.raises(ValueError, match="h"):
        aauc.AAUCProblem(A=pb.A, h=pb.h[:-1], j=pb.j, p_max=1.0, basis=pb.basis)
    with pytest.raises(ValueError, match="j"):
        aauc.AAUCProblem(A=pb.A, h=pb.h, j=-pb.j, p_max=1.0, basis=pb.basis)
    with pytest.raises(ValueError, match="p_max"):
        aauc.AAUCProblem(A=pb.A, h=pb.h, j=pb.j, p_max=0.0, basis=pb.basis)
    with pytest.raises(ValueError, match="basis"):
        aauc.AAUCProblem(A=pb.A, h=pb.h, j=pb.j, p_max=1.0, basis=pb.basis[:, :-1])
    with pytest.raises(ValueError, match="scenario"):
        aauc.AAUCProblem.from_scenario("x")
    with pytest.raises(ValueError, match="z"):
        aauc.kkt_residual(pb, np.zeros(pb.n + 1), np.zeros(pb.m))
