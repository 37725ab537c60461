"""Tests of wiretap.smallcell: network model, closed-form worst cases, rates."""

from dataclasses import replace

import numpy as np
import pytest
from scipy.optimize import minimize

from wiretap import smallcell as sc
from wiretap.smallcell.network import path_gain_db


@pytest.fixture
def net(rng):
    return sc.generate_network(rng, n_sbs=4)


# ------------------------------------------------------------------ network
def test_generator_table_one_ranges(rng):
    net = sc.generate_network(rng, n_sbs=6, n_channels=3)
    geo = net.geometry
    d_sue = np.linalg.norm(geo.sue - geo.sbs, axis=1)
    d_eve = np.linalg.norm(geo.eve - geo.sbs, axis=1)
    assert np.all((d_sue >= 80) & (d_sue <= 120))
    assert np.all((d_eve >= 100) & (d_eve <= 140))
    assert np.all(np.abs(geo.sbs) <= 500)
    assert np.isclose(np.linalg.norm(geo.mue[0]), 1000.0)
    assert net.noise == pytest.approx(1e-15)
    assert np.all(net.p_mask == 0.5) and np.all(net.p_max == 1.0)
    assert np.all(net.i_th == 10e-12) and np.all(net.p0 == 10.0)
    assert net.h.shape == (6, 6, 3) and net.hm.shape == (1, 6, 3)
    assert float(path_gain_db(100.0)) == pytest.approx(127.1 - 37.6)


def test_generator_reproducible_and_uniform_mue():
    a = sc.generate_network(5, n_sbs=3)
    b = sc.generate_network(np.random.default_rng(5), n_sbs=3)
    np.testing.assert_array_equal(a.h, b.h)
    np.testing.assert_array_equal(a.hm, b.hm)
    c = sc.generate_network(5, n_sbs=3, mue_distance=None)
    assert np.all(np.abs(c.geometry.mue) <= 500)


def test_shadowing_statistics():
    # path loss at 100 m is 89.5 dB; with 10 dB shadowing and unit-mean fading the direct
    # gains in dB have std ~ sqrt(10^2 + 5.6^2) around -89.5 - 2.5 (Exp(1) in dB mean)
    rng = np.random.default_rng(3)
    vals = []
    for _ in range(60):
        net = sc.generate_network(rng, n_sbs=8, sue_distance=(100, 100))
        vals.append(10 * np.log10(np.einsum("jjk->jk", net.h)).ravel())
    v = np.concatenate(vals)
    assert abs(v.mean() - (-89.5 - 2.51)) < 1.5
    assert 9.5 < v.std() < 13.0


def test_network_validation(net):
    with pytest.raises(ValueError, match="h must"):
        replace(net, h=np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="g0"):
        replace(net, g0=-net.g0)
    with pytest.raises(ValueError, match="direct gains"):
        h = net.h.copy()
        h[0, 0, 0] = 0
        replace(net, h=h)
    with pytest.raises(ValueError, match="noise"):
        replace(net, noise=0.0)
    with pytest.raises(ValueError, match="i_th"):
        replace(net, i_th=np.array([-1.0]))
    with pytest.raises(ValueError, match="hm"):
        replace(net, hm=np.ones((1, 3, 4)))
    with pytest.raises(ValueError, match="p must"):
        net.check_power(np.ones((3, 4)))
    with pytest.raises(ValueError, match="p must be >= 0"):
        net.check_power(-np.ones((4, 4)))
    assert net.is_feasible(np.full((4, 4), 0.25))
    assert not net.is_feasible(np.full((4, 4), 0.3))


def test_generator_validation():
    with pytest.raises(ValueError, match="n_sbs"):
        sc.generate_network(0, n_sbs=0)
    with pytest.raises(ValueError, match="eve_distance"):
        sc.generate_network(0, eve_distance=(140, 100))
    with pytest.raises(ValueError, match="rng"):
        sc.generate_network(None)
    with pytest.raises(ValueError, match="mue_distance"):
        sc.generate_network(0, mue_distance=-1.0)
    with pytest.raises(ValueError, match="shadowing_db"):
        sc.generate_network(0, shadowing_db=-1.0)


def test_uncertainty_rules(net):
    u = sc.with_uncertainty(net, 0.1, 0.2, 0.3)
    gd = np.einsum("jjk->jk", net.g)
    others = np.sqrt((net.g**2).sum(axis=0) - gd**2 + net.g0**2)
    np.testing.assert_allclose(np.sqrt(u.eps_d), 0.1 * gd, rtol=1e-12)
    np.testing.assert_allclose(np.sqrt(u.eps_c), 0.2 * others, rtol=1e-12)
    np.testing.assert_allclose(np.sqrt(u.e_mue), 0.3 * np.linalg.norm(net.hm[0]), rtol=1e-12)
    pr = sc.with_uncertainty(net, 0.1, 0.2, 0.3, rule="printed")
    np.testing.assert_allclose(pr.eps_d, 0.1 * gd, rtol=1e-12)
    with pytest.raises(ValueError, match="rule"):
        sc.with_uncertainty(net, 0.1, 0.1, 0.1, rule="other")
    with pytest.raises(ValueError, match="chi_e"):
        sc.with_uncertainty(net, 0.1, 0.1, -0.1)
    nom = u.nominal()
    assert np.all(nom.eps_d == 0) and np.all(nom.e_mue == 0)
    assert np.all(u.nominal(protection=False).e_mue == u.e_mue)


# ------------------------------------------------------------------ coefficients
def _loop_sinrs(net, p):
    """SINRs of eqs. (2)-(3) by explicit loops (independent of the vectorized code)."""
    J, K = net.shape
    leg = np.zeros((J, K))
    eve = np.zeros((J, K))
    for j in range(J):
        for k in range(K):
            il = sum(p[i, k] * net.h[i, j, k] for i in range(J) if i != j)
            ie = sum(p[i, k] * net.g[i, j, k] for i in range(J) if i != j)
            leg[j, k] = p[j, k] * net.h[j, j, k] / (il + net.p0[k] * net.h0[j, k] + net.noise)
            eve[j, k] = p[j, k] * net.g[j, j, k] / (ie + net.p0[k] * net.g0[j, k] + net.noise)
    return leg, eve


def test_nominal_sinrs_match_loops(net, rng):
    p = rng.uniform(0, 0.25, net.shape)
    leg, eve = _loop_sinrs(net, p)
    np.testing.assert_allclose(sc.legit_sinr(net, p), leg, rtol=1e-12)
    np.testing.assert_allclose(sc.eve_sinr(net, p, robust=False), eve, rtol=1e-12)
    np.testing.assert_allclose(p * sc.legit_coefficient(net, p), leg, rtol=1e-12)


def test_printed_22_differs(net, rng):
    p = rng.uniform(0, 0.5, net.shape)
    a = sc.legit_coefficient(net, p)
    ap = sc.legit_coefficient_printed(net, p)
    assert np.max(np.abs(ap / a - 1)) > 1e-3
    # they agree only when every SBS uses the same power on a channel
    q = np.tile(rng.uniform(0, 0.5, (1, 4)), (4, 1))
    np.testing.assert_allclose(
        sc.legit_coefficient_printed(net, q), sc.legit_coefficient(net, q), rtol=1e-12
    )


def _brute_eve_sinr(net, p, j, k, rng):
    """max over the balls of (7) of the eavesdropper SINR, by search (independent of the
    closed form): the numerator's ball is an interval (checked on a grid); the
    denominator's minimum over the other ball is searched by dense sphere sampling polished
    with SLSQP, keeping only feasible points. Returns inf if a feasible point makes the
    denominator non-positive."""
    J = net.n_sbs
    others = [i for i in range(J) if i != j]
    pw = np.array([p[i, k] for i in others] + [net.p0[k]])
    gh = np.array([net.g[i, j, k] for i in others] + [net.g0[j, k]])
    rd, rc = np.sqrt(net.eps_d[j, k]), np.sqrt(net.eps_c[j, k])
    num = max(p[j, k] * (net.g[j, j, k] + t) for t in np.linspace(-rd, rd, 201))

    def den(x):
        return pw @ (gh + x) + net.noise

    u = rng.normal(size=(20000, len(pw)))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    w = pw / np.linalg.norm(pw)  # search in scaled units: x = rc * y, ||y|| <= 1
    y0 = u[np.argmin(u @ w)]
    r = minimize(
        lambda y: w @ y,
        y0,
        jac=lambda y: w,
        constraints=[{"type": "ineq", "fun": lambda y: 1 - y @ y, "jac": lambda y: -2 * y}],
        method="SLSQP",
        options={"ftol": 1e-15, "maxiter": 500},
    )
    y1 = r.x / max(1.0, np.linalg.norm(r.x))  # pull back onto the ball: feasible
    cands = [rc * y0, rc * y1]
    d = min(den(x) for x in cands)
    return np.inf if d <= 0 else num / d


def test_corrected_23_is_the_worst_case(rng):
    checked = 0
    for _ in range(5):
        net = sc.generate_network(rng, n_sbs=3, chi_eps=0.1, chi_vareps=0.05)
        p = rng.uniform(0, 0.5, net.shape)
        b = sc.eve_coefficient(net, p)
        for j in range(3):
            for k in range(4):
                brute = _brute_eve_sinr(net, p, j, k, rng)
                if not np.isfinite(b[j, k]):
                    assert (
                        not np.isfinite(brute)
                        or brute > 1e6 * p[j, k] * sc.eve_coefficient(net, p, robust=False)[j, k]
                    )
                    continue
                assert p[j, k] * b[j, k] == pytest.approx(brute, rel=1e-7)
                checked += 1
    assert checked >= 30


def test_worst_case_gains_attain_and_lie_in_ball(net, rng):
    net = sc.with_uncertainty(net, 0.1, 0.05, 0.1)
    p = rng.uniform(0, 0.5, net.shape)
    g, g0 = sc.worst_case_eve_gains(net, p)
    J = net.n_sbs
    for j in range(J):
        dd = g[j, j] - net.g[j, j]
        assert np.all(dd**2 <= net.eps_d[j] * (1 + 1e-12))
        err = np.concatenate(
            [np.delete(g[:, j] - net.g[:, j], j, axis=0), (g0[j] - net.g0[j])[None]]
        )
        assert np.all((err**2).sum(axis=0) <= net.eps_c[j] * (1 + 1e-9))
    # plugging them into eq. (3) gives the worst-case SINR (gains may be negative here,
    # so evaluate eq. (3) by hand rather than through a Network)
    b = sc.eve_coefficient(net, p)
    for j in range(J):
        for k in range(4):
            den = sum(p[i, k] * g[i, j, k] for i in range(J) if i != j)
            den += net.p0[k] * g0[j, k] + net.noise
            if np.isfinite(b[j, k]):
                assert p[j, k] * g[j, j, k] / den == pytest.approx(p[j, k] * b[j, k], rel=1e-10)
            else:
                assert den <= 0
    # the robust SINR is never below the nominal one
    assert np.all(sc.eve_sinr(net, p) >= sc.eve_sinr(net, p, robust=False))


def test_printed_23_is_not_the_worst_case(rng):
    """With small powers the printed form under-states the worst case (points of the ball
    give a larger SINR); it also depends on the unit of power, the corrected form does not."""
    net = replace(sc.generate_network(rng, n_sbs=3, chi_vareps=0.1), p0=np.full(4, 0.2))
    p = rng.uniform(0.01, 0.2, net.shape)
    b = sc.eve_coefficient(net, p)
    bp = sc.eve_coefficient_printed(net, p)
    assert np.all(np.isfinite(b)) and np.all(np.isfinite(bp))
    assert np.all(bp < b * (1 - 1e-6))  # the printed value is exceeded inside the ball
    g, g0 = sc.worst_case_eve_gains(net, p)  # ... by the corrected worst-case point
    for j in range(3):
        for k in range(4):
            den = sum(p[i, k] * g[i, j, k] for i in range(3) if i != j)
            den += net.p0[k] * g0[j, k] + net.noise
            assert p[j, k] * g[j, j, k] / den == pytest.approx(p[j, k] * b[j, k], rel=1e-10)
    mw = replace(
        net,
        p0=net.p0 * 1e3,
        noise=net.noise * 1e3,
        p_mask=net.p_mask * 1e3,
        p_max=net.p_max * 1e3,
        i_th=net.i_th * 1e3,
    )
    np.testing.assert_allclose(sc.eve_coefficient(mw, p * 1e3) * 1e3, b, rtol=1e-10)
    bpm = sc.eve_coefficient_printed(mw, p * 1e3) * 1e3
    assert not np.allclose(bpm, bp, rtol=1e-2)


def test_unbounded_worst_case_gives_inf(net):
    big = replace(net, eps_c=net.eps_c * 0 + 1e6 * net.eps_c.max() + 1.0)
    p = np.full(net.shape, 0.25)
    b = sc.eve_coefficient(big, p)
    assert np.all(np.isinf(b))
    assert np.all(sc.secrecy_rates(big, p) == 0)


def test_interference_worst_case(net, rng):
    net = sc.with_uncertainty(net, 0.1, 0.1, 0.2)
    p = rng.uniform(0, 0.5, net.shape)
    wc = sc.interference(net, p)[0]
    hw = sc.worst_case_mue_gains(net, p)
    assert np.sum((hw - net.hm) ** 2) <= net.e_mue[0] * (1 + 1e-12)
    assert np.sum(hw * p) == pytest.approx(wc, rel=1e-12)
    # random points of the ball never exceed the closed form
    r = np.sqrt(net.e_mue[0])
    for _ in range(200):
        x = rng.normal(size=p.shape)
        x *= r * rng.uniform() ** (1 / x.size) / np.linalg.norm(x)
        assert np.sum((net.hm[0] + x) * p) <= wc * (1 + 1e-12)
    assert sc.zeta(net, p)[0] == pytest.approx(wc - net.i_th[0])
    assert sc.interference(net, p, robust=False)[0] == pytest.approx(np.sum(net.hm[0] * p))


def test_secrecy_rates_and_evaluation(net, rng):
    net = sc.with_uncertainty(net, 0.1, 0.1, 0.1)
    p = rng.uniform(0, 0.25, net.shape)
    r = sc.secrecy_rates(net, p)
    rn = sc.secrecy_rates(net, p, robust=False)
    assert np.all(r >= 0) and np.all(r <= rn + 1e-12)
    leg, eve = _loop_sinrs(net, p)
    np.testing.assert_allclose(
        rn, np.maximum(np.log2((1 + leg) / (1 + eve)), 0), rtol=1e-10, atol=1e-14
    )
    np.testing.assert_allclose(sc.secrecy_rates(net, p, base=np.e), r * np.log(2), rtol=1e-12)
    ev = sc.evaluate(net, p)
    np.testing.assert_allclose(ev.secrecy, r.sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(ev.power, p.sum(axis=1))
    assert ev.interference[0] >= ev.interference_nominal[0]
    assert ev.violation.shape == (1,)
    with pytest.raises(ValueError, match="net must"):
        sc.evaluate("net", p)
    with pytest.raises(ValueError, match="base"):
        sc.secrecy_rates(net, p, base=1.0)
