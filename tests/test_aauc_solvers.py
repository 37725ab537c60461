"""Tests of the AAUC solvers: SCO, closed form, P6, BFOM, IRS, direct transmission."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest

from wiretap import aauc, convex, mirror


def _scenario(seed=0, N=16, K=5, kr_db=30.0, **kw):
    p = aauc.SystemParams.from_db(n_antennas=N, n_users=K, k_factor_db=kr_db)
    return aauc.draw_scenario(p, rng=seed, **kw)


def _problem(seed=0, N=16, K=5, kr_db=30.0):
    return aauc.AAUCProblem.from_scenario(_scenario(seed, N, K, kr_db))


def _assert_design(pb, v, w, p_max):
    """Power budget (11a) and zero forcing (11b) of an AAUC design."""
    assert (np.sum(np.abs(v) ** 2) + np.sum(np.abs(w) ** 2)) / 2 <= p_max * (1 + 1e-9)
    gK = pb.basis  # columns span the null space of g_K
    # v must lie in range(U): its component outside is zero
    assert np.linalg.norm(v - gK @ (gK.conj().T @ v)) <= 1e-10 * max(np.linalg.norm(v), 1e-30)


# --------------------------------------------------------------------------- SCO
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sco_monotone_and_kkt(seed):
    pb = _problem(seed)
    res = aauc.sco(pb, max_iter=300, tol=1e-9)
    obj = res.history["objective"]
    assert res.status == "converged"
    assert np.all(np.diff(obj) >= 0), "SCO objective must not decrease"
    assert np.isclose(res.objective, obj[-1])
    assert aauc.kkt_residual(pb, res.z, res.w) < 1e-4
    # the residual is not trivially small: the closed-form start is far from KKT
    cf = aauc.closed_form(pb)
    assert aauc.kkt_residual(pb, cf.z, cf.w) > 1e-3


def test_sco_surrogate_values_below_objective():
    """Each P2[n+1] optimum is a lower bound on P2 at the new point (Prop. 1 (i))."""
    pb = _problem(5)
    res = aauc.sco(pb, max_iter=10, tol=1e-12)
    assert np.all(res.history["surrogate"] <= res.history["objective"][1:] + 1e-7)


def test_sco_matches_multistart_local_search():
    for seed in (0, 3):
        pb = _problem(seed, N=8, K=4)
        res = aauc.sco(pb, max_iter=300, tol=1e-10)
        ref = aauc.local_search(pb, rng=seed, n_starts=8)
        assert res.objective >= ref.objective - 1e-5


def test_sco_variants_agree():
    """Reduced vs full coordinates, one log vs K logs, compiled vs rebuilt: same iterates."""
    pb = _problem(2, N=24, K=4)
    base = aauc.sco(pb, max_iter=6, tol=1e-12)
    for kw in ({"reduce": False}, {"shared_log": False}, {"reuse": False}):
        other = aauc.sco(pb, max_iter=6, tol=1e-12, **kw)
        assert np.allclose(other.history["objective"], base.history["objective"], atol=1e-6)
    rebuilt = aauc.sco(pb, max_iter=3, tol=1e-12, reuse=False)
    assert rebuilt.compile_time > 0


def test_sco_design_constraints_and_start():
    pb = _problem(3, N=20, K=6)
    res = aauc.sco(pb, max_iter=20)
    _assert_design(pb, res.v, res.w, pb.p_max)
    assert np.isclose(res.power, (np.sum(np.abs(res.v) ** 2) + np.sum(np.abs(res.w) ** 2)) / 2)
    rng = np.random.default_rng(0)
    z0 = rng.standard_normal(pb.n) + 1j * rng.standard_normal(pb.n)
    w0 = rng.standard_normal(pb.m) + 1j * rng.standard_normal(pb.m)
    s = np.sqrt(2 * pb.p_max / (np.sum(np.abs(z0) ** 2) + np.sum(np.abs(w0) ** 2)))
    res2 = aauc.sco(pb, z0=z0 * s, w0=w0 * s, max_iter=50, reduce=False)
    assert np.all(np.diff(res2.history["objective"]) >= -1e-9)
    _assert_design(pb, res2.v, res2.w, pb.p_max)


def test_sco_validation():
    pb = _problem()
    with pytest.raises(ValueError, match="problem"):
        aauc.sco("x")
    with pytest.raises(ValueError, match="max_iter"):
        aauc.sco(pb, max_iter=0)
    with pytest.raises(ValueError, match="z0"):
        aauc.sco(pb, z0=np.ones(pb.n) * 10, w0=np.ones(pb.m))
    with pytest.raises(ValueError, match="both"):
        aauc.sco(pb, z0=np.zeros(pb.n))


# --------------------------------------------------------------------------- closed form
def test_closed_form_vs_sco_large_N():
    """Closed form >= 0.9 x SCO objective at N = 500, K = 20 (paper Fig. 3b), for the median
    instance: the orthogonality behind Propositions 2-3 fails on the occasional layout with
    two users at nearly the same angle, where the closed form falls well short."""
    ratios = []
    for seed in range(9):
        pb = _problem(seed, N=500, K=20)
        cf = aauc.closed_form(pb)
        res = aauc.sco(pb, max_iter=20, tol=1e-5)
        _assert_design(pb, cf.v, cf.w, pb.p_max)
        ratios.append(cf.objective / res.objective)
        assert cf.objective <= res.objective + 1e-9  # SCO starts there and never decreases
    assert np.median(ratios) >= 0.9


def test_closed_form_is_optimal_for_P3():
    """Prop. 3: w maximizes the P3 objective; its value is log2(mu_max)/2 (Appendix D)."""
    pb = _problem(1, N=40, K=6)
    cf = aauc.closed_form(pb)
    S = np.sum(1 / np.sum(np.abs(pb.A) ** 2, axis=0))

    def p3(w):  # min(Psi, Upsilon), eqs. (25)-(26)
        psi = 0.5 * np.log2(1 + (2 * pb.p_max - np.sum(np.abs(w) ** 2)) / S)
        psi -= 0.5 * np.log2(1 + pb.leakage(w))
        return min(psi, pb.upsilon(w))

    best = p3(cf.w)
    assert np.isclose(best, cf.asymptotic_value, rtol=1e-9)
    rng = np.random.default_rng(0)
    for _ in range(2000):
        w = rng.standard_normal(pb.m) + 1j * rng.standard_normal(pb.m)
        w *= np.sqrt(2 * pb.p_max) * rng.uniform() / np.linalg.norm(w)
        assert p3(w) <= best + 1e-12
    # (27) literally: B^{-1/2} q / sqrt(q^H B^{-1/2} Xi B^{-1/2} q) gives the same w
    hh = np.outer(pb.h, pb.h.conj())
    Xi = (S * hh + np.eye(pb.m)) / (2 * pb.p_max)
    lam, V = np.linalg.eigh(Xi + np.diag(pb.j))
    Bmh = V @ np.diag(lam**-0.5) @ V.conj().T
    q = np.linalg.eigh(Bmh @ (Xi + hh) @ Bmh)[1][:, -1]
    w27 = Bmh @ q / np.sqrt(np.real(q.conj() @ Bmh @ Xi @ Bmh @ q))
    assert np.isclose(abs(np.vdot(w27, cf.w)), np.linalg.norm(w27) * np.linalg.norm(cf.w))
    assert np.isclose(np.linalg.norm(w27), np.linalg.norm(cf.w))


def test_equal_snr_beamformer_orthogonal():
    """Prop. 2 with exactly orthogonal a_k: equal SNRs and ||z||^2 = budget, no rescale."""
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((10, 4)) + 1j * rng.standard_normal((10, 4)))
    A = Q * np.array([1.0, 2.0, 5.0, 0.3])
    pb = aauc.AAUCProblem(A=A, h=np.ones(4) + 0j, j=np.ones(4), p_max=1.0, basis=np.eye(10))
    z = aauc.equal_snr_beamformer(pb, 1.5, rescale=False)
    snr = pb.snr_helpers(z)
    assert np.allclose(snr, snr[0]) and np.isclose(np.sum(np.abs(z) ** 2), 1.5)
    assert np.isclose(snr[0], 1.5 / np.sum(1 / np.array([1.0, 4.0, 25.0, 0.09])))


def test_p6_balances_rates():
    pb = _problem(2, N=64, K=12)
    res = aauc.p6(pb)
    _assert_design(pb, res.v, res.w, pb.p_max)
    S = np.sum(1 / np.sum(np.abs(pb.A) ** 2, axis=0))
    p = np.sum(np.abs(res.w) ** 2)
    left = 0.5 * np.log2(1 + (2 * pb.p_max - p) / S)
    right = 0.5 * np.log2(1 + p * np.sum(np.abs(pb.h) ** 2))
    assert np.isclose(left, right) and np.isclose(right, res.asymptotic_value)


# --------------------------------------------------------------------------- BFOM pieces
def test_euclidean_step_vs_generic_solve():
    rng = np.random.default_rng(0)
    for _ in range(5):
        y, g = rng.standard_normal(6), 3 * rng.standard_normal(6)
        step, rad = 0.7, 1.2
        x = cp.Variable(6)
        cp.Problem(
            cp.Minimize(0.5 * cp.sum_squares(x - y) - step * g @ x), [cp.norm(x) <= rad]
        ).solve(solver=cp.CLARABEL)
        assert np.allclose(aauc.euclidean_step(y, g, step, rad), x.value, atol=1e-6)


def test_kl_step_vs_generic_solve():
    """(34b) in closed form vs Clarabel on the KL-regularized linear problem.

    The closed form must be at least as good as the generic solution (objective), and the
    two points agree to the accuracy an exponential-cone solve reaches (~1e-6).
    """
    rng = np.random.default_rng(1)
    for _ in range(5):
        eta = rng.dirichlet(np.ones(5))
        g, step = 5 * rng.standard_normal(5), 0.3
        gam = cp.Variable(5)
        obj = cp.sum(cp.kl_div(gam, eta)) + step * g @ gam
        info = convex.solve(
            cp.Problem(cp.Minimize(obj), [cp.sum(gam) == 1]),
            tol_gap_abs=1e-10,
            tol_gap_rel=1e-10,
            tol_feas=1e-10,
        )
        assert info.ok
        ours = np.exp(aauc.kl_step(np.log(eta), g, step))
        kl = np.sum(ours * np.log(ours / eta)) + step * g @ ours
        assert kl <= info.value + 1e-9
        assert np.allclose(ours, gam.value, atol=1e-5)
        assert np.allclose(ours, mirror.kl_prox(eta, g, step), atol=1e-14)
    # no overflow with huge gradients (log domain)
    out = np.exp(aauc.kl_step(np.log([0.5, 0.5]), np.array([1e6, 0.0]), 1.0))
    assert np.allclose(out, [0.0, 1.0])


def _p5(seed=0, N=20, K=8):
    pb = _problem(seed, N, K)
    start = aauc.p6(pb)
    R, t, c = aauc.p5_data(pb, start.z)
    return pb, R, t, c, 2 * pb.p_max


def test_lipschitz_bound_conditions():
    """Prop. 4: L_hat satisfies (38a)-(38d) on random pairs of feasible points."""
    _, R, t, c, tp = _p5(1)
    L = aauc.lipschitz_bound(R, c, tp)
    rng = np.random.default_rng(2)
    m, n2 = R.shape

    def grads(x, g):
        return aauc.p5_gradients(R, t, c, tp, x, g)

    for _ in range(200):
        x1, x2 = (
            aauc.euclidean_step(rng.standard_normal(n2), 0 * R[0], 0, np.sqrt(tp)) for _ in range(2)
        )
        g1, g2 = rng.dirichlet(np.ones(m + 1)), rng.dirichlet(np.ones(m + 1))
        a1, b1 = grads(x1, g1)
        a2, b2 = grads(x2, g1)
        a3, b3 = grads(x1, g2)
        assert np.linalg.norm(a1 - a2) <= L * np.linalg.norm(x1 - x2) + 1e-9  # (38a)
        assert np.linalg.norm(a1 - a3) <= L * np.abs(g1 - g2).sum() + 1e-9  # (38b)
        assert np.abs(b1 - b3).max() <= 1e-9  # (38c)
        assert np.abs(b1 - b2).max() <= L * np.linalg.norm(x1 - x2) + 1e-9  # (38d)


def test_p5_mirror_prox_matches_generic_mirror_prox():
    """Our inlined (34a)-(34d) equals wiretap.mirror.mirror_prox on the same operator."""
    pb, R, t, c, tp = _p5(2)
    L = aauc.lipschitz_bound(R, c, tp) / (pb.m + 1)
    ours = aauc.p5_mirror_prox(R, t, c, tp, L, max_iter=150, tol=1e-300)

    def operator(zz):  # min over gamma, max over x: F = (grad_gamma, -grad_x)
        gam, x = zz
        gx, gg = aauc.p5_gradients(R, t, c, tp, x, gam)
        return (gg, -gx)

    prox = mirror.block_prox(
        mirror.kl_prox, mirror.euclidean_prox(lambda v: mirror.ball_projection(v, np.sqrt(tp)))
    )
    z0 = (np.full(pb.m + 1, 1 / (pb.m + 1)), np.zeros(R.shape[1]))
    ref = mirror.mirror_prox(
        operator, prox, z0, 1 / (2 * L), max_iter=150, tol=1e-300, criterion="step"
    )
    assert np.allclose(ours.x, ref.last[1], atol=1e-9)
    assert np.allclose(ours.gamma, ref.last[0], atol=1e-9)
    assert np.allclose(ours.x_avg, ref.average[1], atol=1e-9)


def test_p5_solution_vs_generic_solve_and_gap():
    """Mirror prox reaches the optimum of (30) computed by Clarabel; the gap shrinks."""
    pb, R, t, c, tp = _p5(3)
    L = aauc.lipschitz_bound(R, c, tp) / (pb.m + 1)
    res = aauc.p5_mirror_prox(R, t, c, tp, L, max_iter=3000, tol=1e-9, track_gap=True)
    x = cp.Variable(R.shape[1])
    prob = cp.Problem(
        cp.Maximize(cp.minimum(cp.min(R @ x + t), c * (tp - cp.sum_squares(x)))),
        [cp.sum_squares(x) <= tp],
    )
    prob.solve(solver=cp.CLARABEL)
    xr = aauc.p5_recover(R, t, c, tp, res.x)
    val = min(np.min(R @ xr + t), c * (tp - xr @ xr))
    assert val >= prob.value * (1 - 1e-4)
    gap = res.history["gap"]
    assert np.all(gap >= -1e-9)
    # O(1/m) for the ergodic average: m * gap_m stays bounded (it does not grow)
    m = np.arange(1, gap.size + 1)
    assert gap.size > 100
    assert np.max((m * gap)[10:]) <= 1.5 * (m * gap)[9]
    assert gap[-1] < 0.05 * gap[9]


def test_p5_recover_solves_eq41():
    _, R, t, c, tp = _p5(4)
    rng = np.random.default_rng(0)
    direction = np.abs(rng.standard_normal(R.shape[1])) * np.sign(R.sum(0))
    x = aauc.p5_recover(R, t, c, tp, direction)
    s = np.linalg.norm(x)
    u = direction / np.linalg.norm(direction)
    grid = np.linspace(0, np.sqrt(tp), 20001)
    vals = [min(np.min(r * (R @ u) + t), c * (tp - r * r)) for r in grid]
    best = min(np.min(s * (R @ u) + t), c * (tp - s * s))
    assert best >= max(vals) - 1e-6 * abs(max(vals))


def test_bfom_monotone_and_design():
    pb = _problem(5, N=30, K=12)
    res = aauc.bfom(pb, max_iter=10)
    assert np.all(np.diff(res.history["snr"]) >= -1e-9)
    assert res.history["snr"][-1] >= res.history["snr"][0]
    _assert_design(pb, res.v, res.w, pb.p_max)
    # w matched to h_K
    assert np.isclose(abs(np.vdot(res.w, pb.h)), np.linalg.norm(res.w) * np.linalg.norm(pb.h))
    assert np.isclose(aauc.p4_objective(pb, res.z, res.p), res.snr)


def test_bfom_validation():
    pb = _problem()
    with pytest.raises(ValueError, match="lipschitz_scale"):
        aauc.bfom(pb, lipschitz_scale=0.0)
    with pytest.raises(ValueError, match="L"):
        aauc.p5_mirror_prox(np.ones((2, 4)), np.zeros(2), 1.0, 2.0, -1.0)
    with pytest.raises(ValueError, match="t"):
        aauc.p5_mirror_prox(np.ones((2, 4)), np.zeros(3), 1.0, 2.0, 1.0)


# --------------------------------------------------------------------------- IRS, direct
def test_irs_sco():
    sc = _scenario(1, N=24, K=5, kr_db=70.0, layout="ring", distance=30.0)
    ip = aauc.IRSProblem.from_scenario(sc)
    res = aauc.irs_sco(ip, max_iter=20, tol=1e-6)
    assert res.status in ("converged", "max_iter")
    assert np.all(np.diff(res.history["objective"]) >= -1e-9)
    assert np.all(np.abs(res.u) <= 1 + 1e-9)
    assert np.sum(np.abs(res.v) ** 2) <= sc.params.p_max * (1 + 1e-9)
    gK = sc.g_attacked
    assert abs(np.vdot(gK, res.v)) <= 1e-10 * np.linalg.norm(gK) * np.linalg.norm(res.v)
    assert aauc.irs_secrecy_rate(sc, res.v, res.u) >= 0
    with pytest.raises(ValueError, match="u"):
        aauc.irs_secrecy_rate(sc, res.v, 2 * np.ones(4))


def test_direct_multicast_bound():
    """SCA value <= SDR upper bound of the max-min multicast problem, and close to it."""
    sc = _scenario(2, N=6, K=4, kr_db=10.0)
    res = aauc.direct_multicast(sc)
    assert np.all(np.diff(res.history["snr"]) >= -1e-9)
    assert res.power <= sc.params.p_max * (1 + 1e-9)
    G = sc.G / np.sqrt(sc.params.noise_power)
    scale = np.linalg.norm(G, axis=0).max()  # keep the SDP's data O(1)
    Gs = G / scale
    X = cp.Variable((6, 6), hermitian=True)
    t = cp.Variable()
    cons = [X >> 0, cp.real(cp.trace(X)) <= sc.params.p_max]
    cons += [cp.real(Gs[:, k].conj() @ X @ Gs[:, k]) >= t for k in range(4)]
    info = convex.solve(cp.Problem(cp.Maximize(t), cons))
    assert info.ok
    bound = t.value * scale**2
    assert res.snr <= bound * (1 + 1e-6)
    assert res.snr >= 0.5 * bound
    assert aauc.direct_secrecy_rate(sc, res.v) >= 0


def test_evaluation_rates():
    sc = _scenario(3, N=16, K=5)
    pb = aauc.AAUCProblem.from_scenario(sc)
    res = aauc.sco(pb, max_iter=10)
    rates = aauc.aauc_rates(sc, res.v, res.w)
    s2 = sc.params.noise_power
    assert np.isclose(rates["leak_bs"], abs(np.vdot(sc.g_eve, res.v)) ** 2 / s2)
    assert np.isclose(rates["secrecy"], max(rates["legit"] - rates["eve"], 0))
    # R of eq. (7) in physical units equals the model's rate part
    assert np.isclose(
        rates["legit"], 0.5 * np.log2(1 + min(pb.snr_helpers(res.z).min(), pb.snr_attacked(res.w)))
    )
    with pytest.raises(ValueError, match="v"):
        aauc.aauc_rates(sc, np.ones(3), res.w)
    with pytest.raises(ValueError, match="scenario"):
        aauc.direct_secrecy_rate(None, res.v)


def test_power_budget_every_design():
    """Every returned design meets (11a) and, for AAUC, (11b)."""
    for seed, (N, K) in enumerate([(8, 8), (20, 5), (60, 10)]):
        sc = _scenario(seed, N=N, K=K)
        pb = aauc.AAUCProblem.from_scenario(sc)
        for res in (
            aauc.sco(pb, max_iter=5),
            aauc.closed_form(pb),
            aauc.p6(pb),
            aauc.bfom(pb, max_iter=3),
        ):
            _assert_design(pb, res.v, res.w, pb.p_max)
            assert res.power <= pb.p_max * (1 + 1e-9)
            gK = sc.g_attacked
            assert abs(np.vdot(gK, res.v)) <= 1e-10 * np.linalg.norm(gK) * max(
                np.linalg.norm(res.v), 1e-30
            )


# --------------------------------------------------------------------------- failures, trials
def test_sco_reports_solver_failure(monkeypatch):
    """A failing subproblem yields status "solver_error", a message and the last iterate."""
    import importlib

    pb = _problem(1)

    def failing(problem, accept):
        return convex.SolveInfo(
            "solver_error", float("nan"), False, float("nan"), 0.0, -1, "forced"
        ), 2

    for user in ("successive", "irs", "baselines"):  # every module that solves a conic problem
        module = importlib.import_module(f"wiretap.aauc.{user}")
        monkeypatch.setattr(module, "solve_with_retry", failing)
    res = aauc.sco(pb, max_iter=5)
    assert res.status == "solver_error" and "P2[1]" in res.message
    assert res.iterations == 0 and not res.success
    cf = aauc.closed_form(pb)
    assert np.isclose(res.objective, cf.objective)  # the starting point, not a fake answer
    irs = aauc.irs_sco(aauc.IRSProblem.from_scenario(_scenario(1)), max_iter=3)
    assert irs.status == "solver_error" and irs.iterations == 0
    direct = aauc.direct_multicast(_scenario(1))
    assert direct.status == "solver_error"


def test_solve_retry_recovers():
    """The retry settings are used only after a solver error and are counted."""
    import importlib

    solve_mod = importlib.import_module("wiretap.aauc._solve")
    x = cp.Variable(2)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(x - 1)), [cp.sum(x) <= 1])
    info, retries = solve_mod.solve_with_retry(prob, ("optimal",))
    assert info.ok and retries == 0


def test_compare_schemes_and_fit_experiment():
    out = aauc.compare_schemes(
        0,
        n_antennas=16,
        n_users=4,
        k_factor_db=30.0,
        schemes=("sco", "closed_form", "p6", "direct"),
    )
    for s in ("sco", "closed_form", "p6", "direct"):
        assert out[s] >= 0 and out[s + "_time"] >= 0 and out[s + "_failed"] in (0.0, 1.0)
    assert out["sco_model"] >= out["closed_form_model"] - 1e-9
    with pytest.raises(ValueError, match="schemes"):
        aauc.compare_schemes(0, n_antennas=16, n_users=4, k_factor_db=30.0, schemes=("magic",))
    exp = aauc.fit_experiment(
        aauc.fig2a_geometry(), 0, noise_dbm=[-90.0, -70.0], samples_per_level=5, n_samples=200
    )
    assert exp["exact"].shape == (10,) and 0 <= exp["fit"].lam <= 1
    assert np.allclose(
        exp["model"],
        aauc.model_secrecy_rate(
            exp["rate"], exp["wJw"], 10 ** (exp["noise_dbm"] / 10 - 3), exp["fit"].lam
        ),
    )
    with pytest.raises(ValueError, match="samples_per_level"):
        aauc.fit_experiment(aauc.fig2a_geometry(), 0, samples_per_level=0)


def test_bfom_warm_start_and_gamma0_validation():
    pb = _problem(6, N=30, K=8)
    cold = aauc.bfom(pb, max_iter=5)
    warm = aauc.bfom(pb, max_iter=5, warm_start=True)
    assert warm.snr >= cold.history["snr"][0] and np.all(np.diff(warm.history["snr"]) >= 0)
    with pytest.raises(ValueError, match="gamma0"):
        aauc.p5_mirror_prox(np.ones((2, 4)), np.zeros(2), 1.0, 2.0, 1.0, gamma0=[1.0, 0.0, 0.0])


def test_result_histories_hold_iterates():
    pb = _problem(7)
    res = aauc.sco(pb, max_iter=4, tol=1e-12)
    assert res.history["v"].shape == (res.iterations + 1, pb.basis.shape[0])
    assert np.allclose(res.history["v"][-1], res.v)
    # objective history recomputed from the stored iterates
    U = pb.basis
    again = [
        pb.objective(U.conj().T @ v, w)
        for v, w in zip(res.history["v"], res.history["w"], strict=True)
    ]
    assert np.allclose(again, res.history["objective"], atol=1e-12)


# --------------------------------------------------------------------------- certificates
# Issue 11: every solver attaches a Certificate; "converged" means the stopping rule fired
# AND the certificate holds; stalls, rejections and caps get their own statuses.
def _check_converged_certificate(res, kind):
    assert res.certificate is not None and res.certificate.kind == kind
    if res.status == "converged":
        assert res.certificate.value <= res.certificate.tolerance
    else:
        assert res.message


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sco_certificate_is_the_kkt_residual(seed):
    pb = _problem(seed)
    res = aauc.sco(pb, max_iter=300, tol=1e-9)
    assert res.status == "converged"
    _check_converged_certificate(res, "kkt_residual")
    # the certificate is the independent KKT residual at the returned point
    kkt = aauc.kkt_residual(pb, res.z, res.w, active_tol=3e-3)
    assert abs(res.certificate.value - kkt) <= 1e-9 + 1e-6 * kkt


def test_sco_cap_and_stall_statuses():
    pb = _problem(1)
    capped = aauc.sco(pb, max_iter=1, tol=1e-12)
    assert capped.status == "max_iter" and "KKT residual" in capped.message
    # stopping rule met at once (huge tol) but the KKT residual cannot reach 1e-12
    stalled = aauc.sco(pb, max_iter=50, tol=1.0, kkt_tol=1e-12)
    assert stalled.status == "stalled" and "KKT residual" in stalled.message
    assert not stalled.certificate.holds
    with pytest.raises(ValueError, match="kkt_tol"):
        aauc.sco(pb, kkt_tol=0.0)


def test_closed_form_certificates_hold_and_can_fail(monkeypatch):
    pb = _problem(4, N=64, K=6)
    for res in (aauc.closed_form(pb), aauc.p6(pb)):
        assert res.status == "converged"
        _check_converged_certificate(res, "closed_form_residual")
    # a design over the power budget is caught by the certificate (status stalled)
    from wiretap.aauc import large

    orig = large.equal_snr_beamformer
    monkeypatch.setattr(large, "equal_snr_beamformer", lambda pb, b: 1.01 * orig(pb, b))
    for res in (large.closed_form(pb), large.p6(pb)):
        assert res.status == "stalled" and not res.certificate.holds and res.message


def test_p5_mirror_prox_certificate_and_statuses():
    pb = _problem(3, N=20, K=8)
    z = aauc.p6(pb).z
    R, t, c = aauc.p5_data(pb, z)
    tp = 2 * pb.p_max
    L = aauc.lipschitz_bound(R, c, tp)
    res = aauc.p5_mirror_prox(R, t, c, tp, L / pb.m, max_iter=20000, tol=1e-8)
    _check_converged_certificate(res, "duality_gap")
    gap = aauc.p5_gap(R, t, c, tp, res.x_avg, res.gamma_avg)
    assert res.status == "converged"
    assert res.certificate.value <= gap + 1e-12  # at most the average's (relative <= absolute)
    capped = aauc.p5_mirror_prox(R, t, c, tp, L, max_iter=1)
    assert capped.status == "max_iter" and capped.message
    # the step rule fires at once (tol huge) but the duality gap is not small
    stalled = aauc.p5_mirror_prox(R, t, c, tp, L, max_iter=100, tol=1e6, gap_tol=1e-9)
    assert stalled.iterations == 1 and stalled.status == "stalled" and stalled.message


def test_p4_stationarity_gap_bounds_the_exact_model_gap():
    """Upper bound of the gap (weak duality) vs the exact P5 value from Clarabel."""
    pb = _problem(2, N=12, K=5)
    for z in (aauc.p6(pb).z, aauc.bfom(pb, max_iter=40, max_inner=20000, inner_tol=1e-7).z):
        gap, gam = aauc.p4_stationarity_gap(pb, z)
        R, t, c = aauc.p5_data(pb, z)
        tp = 2 * pb.p_max
        x = cp.Variable(R.shape[1])
        s = cp.Variable()
        prob = cp.Problem(cp.Maximize(s), [s <= R @ x + t, s <= c * (tp - cp.sum_squares(x))])
        prob.solve(solver=cp.CLARABEL)
        xz = np.concatenate([z.real, z.imag])
        f = aauc.p4_objective(pb, z, tp - xz @ xz)
        exact = prob.value - f
        assert exact >= -1e-6 * f  # the model is tight at z
        assert gap >= exact - 1e-6 * f  # a valid upper bound
        assert gap <= exact + 1e-4 * f  # and a tight one
        assert np.all(gam >= 0) and np.isclose(gam.sum(), 1.0)
    with pytest.raises(ValueError, match="z"):
        aauc.p4_stationarity_gap(pb, 10 * z)


def test_bfom_certificate_and_forced_statuses():
    pb = _problem(3, N=16, K=5)
    res = aauc.bfom(pb, max_iter=100)
    assert res.status == "converged"
    _check_converged_certificate(res, "stationarity")
    # an instance where the step stays rejected after the re-solves: stalled, not converged
    hard = aauc.bfom(_problem(5, N=30, K=12), max_iter=60)
    assert hard.status == "stalled" and "did not improve" in hard.message
    assert hard.history["refinements"][-1] == 2 and not hard.certificate.holds
    gap, _ = aauc.p4_stationarity_gap(pb, res.z)
    assert res.certificate.value == pytest.approx(gap / res.snr, rel=1e-6, abs=1e-12)
    pb = _problem(5, N=30, K=12)
    capped = aauc.bfom(pb, max_iter=1)
    assert capped.status == "max_iter" and "stationarity gap" in capped.message
    # stopping rule fires at once (tol huge), certificate cannot hold
    stalled = aauc.bfom(pb, max_iter=5, tol=1e3, gap_tol=1e-12)
    assert stalled.status == "stalled" and stalled.message
    with pytest.raises(ValueError, match="max_refine"):
        aauc.bfom(pb, max_refine=-1)


def _bench_problem(n, k, seed=1):
    p = aauc.SystemParams.from_db(n_antennas=n, n_users=k, k_factor_db=30.0)
    return aauc.AAUCProblem.from_scenario(aauc.draw_scenario(p, rng=seed))


def test_bfom_rejection_is_stalled_not_converged():
    """Audit item: with L = L_hat and no refinement the first step is rejected."""
    pb = _bench_problem(100, 50)
    res = aauc.bfom(pb, lipschitz_scale=1.0, max_refine=0)
    assert res.status == "stalled" and res.iterations == 1
    assert "did not improve" in res.message and res.history["rejected"][-1] == 1
    assert not res.certificate.holds  # the P6 start is far from stationary for P4


@pytest.mark.slow
def test_bfom_regression_n100_k50_seed1():
    """Audit item: the paper's settings stopped after 3 steps at SNR 25.6 ("converged");
    the tightened re-solves reach 28.5 (a tight inner solve reaches 28.6)."""
    pb = _bench_problem(100, 50)
    old = aauc.bfom(pb, max_refine=0)
    assert old.status == "stalled" and old.snr < 26.0
    res = aauc.bfom(pb)
    assert res.status != "stalled" and res.history["rejected"].sum() == 0
    assert res.history["refinements"].sum() >= 1
    assert res.snr >= 28.4
    assert res.certificate.value < 0.1 * old.certificate.value


def test_direct_multicast_certificate_and_statuses():
    sc = _scenario(2, N=12, K=6, kr_db=10.0)
    res = aauc.direct_multicast(sc, max_iter=300, tol=1e-8)
    assert res.status == "converged"
    _check_converged_certificate(res, "stationarity")
    capped = aauc.direct_multicast(sc, max_iter=1, tol=1e-12)
    assert capped.status == "max_iter" and capped.message
    stalled = aauc.direct_multicast(sc, max_iter=50, tol=1.0, gap_tol=1e-12)
    assert stalled.status == "stalled" and "model gap" in stalled.message


def test_irs_certificate_and_statuses():
    sc = _scenario(1, N=24, K=5, kr_db=70.0, layout="ring", distance=30.0)
    ip = aauc.IRSProblem.from_scenario(sc)
    res = aauc.irs_sco(ip, max_iter=100, tol=1e-6)
    assert res.status == "converged"
    _check_converged_certificate(res, "stationarity")
    capped = aauc.irs_sco(ip, max_iter=1, tol=1e-12)
    assert capped.status == "max_iter" and capped.message
    stalled = aauc.irs_sco(ip, max_iter=50, tol=1.0, gap_tol=1e-12)
    assert stalled.status == "stalled" and "surrogate gap" in stalled.message


def test_compare_schemes_reports_certificates():
    out = aauc.compare_schemes(
        3, n_antennas=16, n_users=5, k_factor_db=30.0, schemes=("sco", "bfom", "direct")
    )
    for s in ("sco", "bfom", "direct"):
        assert out[s + "_certified"] in (0.0, 1.0) and out[s + "_stalled"] in (0.0, 1.0)
        assert out[s + "_cert"] >= 0


# --------------------------------------------------------------------------- issue 12
def test_secrecy_coop_is_paper_eq6():
    """Eq. (6): the eavesdropper hears the cooperation phase only; never below the rate
    against an eavesdropper that combines both phases, equal when g_E^H v = 0."""
    sc = _scenario(3, N=16, K=5)
    res = aauc.sco(aauc.AAUCProblem.from_scenario(sc), max_iter=10)
    r = aauc.aauc_rates(sc, res.v, res.w)
    assert np.isclose(r["secrecy_coop"], max(r["legit"] - 0.5 * np.log2(1 + r["leak_helpers"]), 0))
    assert r["secrecy_coop"] >= r["secrecy"] and r["leak_bs"] > 0
    # an eavesdropper exactly on g_K's direction: v is zero-forced there, the two agree
    par = aauc.Scenario(sc.geometry, sc.params, sc.G, 0.3 * sc.g_attacked, sc.h_user, sc.h_eve)
    r2 = aauc.aauc_rates(par, res.v, res.w)
    assert r2["leak_bs"] < 1e-12 * r["leak_bs"]
    assert np.isclose(r2["secrecy_coop"], r2["secrecy"], atol=1e-12)


def test_compare_schemes_averages_over_eavesdroppers():
    """n_eve > 1: every rate is the mean over the trial's eavesdropper and n_eve - 1 redrawn
    ones, drawn right after the scenario (recomputed here independently)."""
    kw = dict(n_antennas=16, n_users=5, k_factor_db=10.0, layout="rayleigh")
    schemes = ("sco", "direct", "irs")
    one = aauc.compare_schemes(11, schemes=schemes, **kw)
    out = aauc.compare_schemes(11, schemes=schemes, n_eve=4, **kw)
    gen = np.random.default_rng(11)
    p = aauc.SystemParams.from_db(n_antennas=16, n_users=5, k_factor_db=10.0)
    sc = aauc.draw_scenario(p, gen, layout="rayleigh")
    eves = [sc] + [aauc.redraw_eavesdropper(sc, gen, layout="rayleigh") for _ in range(3)]
    r = aauc.sco(aauc.AAUCProblem.from_scenario(sc), max_iter=20, tol=1e-4)
    d = aauc.direct_multicast(sc, tol=1e-3)
    assert np.isclose(one["sco"], aauc.aauc_secrecy_rate(sc, r.v, r.w))
    assert np.isclose(out["sco"], np.mean([aauc.aauc_secrecy_rate(e, r.v, r.w) for e in eves]))
    coop = np.mean([aauc.aauc_rates(e, r.v, r.w)["secrecy_coop"] for e in eves])
    assert np.isclose(out["sco_coop"], coop)
    assert np.isclose(out["direct"], np.mean([aauc.direct_secrecy_rate(e, d.v) for e in eves]))
    assert out["sco_model"] == one["sco_model"]  # the designs do not change
    # the averages differ from the single-eavesdropper rates (not all of them are zero here)
    assert any(abs(out[k] - one[k]) > 1e-6 for k in ("sco_coop", "direct", "irs"))
    with pytest.raises(ValueError, match="n_eve"):
        aauc.compare_schemes(0, schemes=("sco",), n_eve=0, **kw)


def test_sco_multistart_keeps_the_best_start():
    pb = _problem(4, N=12, K=5)
    plain = aauc.sco(pb, max_iter=20, tol=1e-4)  # starts at the closed form
    bf = aauc.bfom(pb, max_iter=3)
    ms = aauc.sco_multistart(
        pb, 0, n_random=3, extra_starts={"bfom": (bf.z, bf.w)}, max_iter=20, tol=1e-4
    )
    assert ms.starts == ("closed_form", "p6", "bfom", "random 0", "random 1", "random 2")
    assert ms.objective == ms.objectives.max() and ms.best_start in ms.starts
    # the closed-form start is SCO's default: that run is the plain one
    assert np.isclose(ms.objectives[0], plain.objective, rtol=1e-9, atol=1e-12)
    assert ms.objective >= plain.objective - 1e-12
    assert np.allclose(ms.start_objectives[0], aauc.closed_form(pb).objective)
    # each run improves on its start (SCO is monotone)
    assert np.all(ms.objectives >= ms.start_objectives - 1e-9)
    _assert_design(pb, ms.v, ms.w, pb.p_max)
    assert np.allclose(ms.v, pb.basis @ ms.z) and np.isclose(ms.objective, pb.objective(ms.z, ms.w))
    # the random starts are different points (seeded by rng)
    again = aauc.sco_multistart(pb, 0, n_random=3, max_iter=20, tol=1e-4)
    other = aauc.sco_multistart(pb, 1, n_random=3, max_iter=20, tol=1e-4)
    assert np.array_equal(again.start_objectives[2:], ms.start_objectives[3:])
    assert not np.allclose(other.start_objectives[2:], again.start_objectives[2:])
    with pytest.raises(ValueError, match="n_random"):
        aauc.sco_multistart(pb, 0, n_random=-1)
    with pytest.raises(ValueError, match="extra_starts"):
        aauc.sco_multistart(pb, 0, extra_starts={"bad": (np.ones(3), bf.w)})
    with pytest.raises(ValueError, match="problem"):
        aauc.sco_multistart(None, 0)


def test_irs_start_and_multistart():
    sc = _scenario(1, N=24, K=5, kr_db=70.0, layout="ring", distance=20.0)
    ip = aauc.IRSProblem.from_scenario(sc)
    default = aauc.irs_sco(ip, max_iter=20, tol=1e-4)
    # the default start passed explicitly gives the same run
    pb = ip.reduced()
    helper = aauc.AAUCProblem(A=pb.A, h=pb.h, j=pb.j, p_max=pb.p_max, basis=pb.basis)
    y = aauc.equal_snr_beamformer(helper, pb.p_max)
    u = np.exp(1j * (np.angle(pb.h) - np.angle(pb.A.conj().T @ y)))
    same = aauc.irs_sco(ip, max_iter=20, tol=1e-4, v0=pb.basis @ y, u0=u)
    assert np.isclose(same.objective, default.objective, rtol=1e-7)
    assert np.isclose(same.history["objective"][0], default.history["objective"][0])
    ms = aauc.irs_multistart(ip, max_iter=20, tol=1e-4)
    assert ms.starts == ("equal_snr", "helper 0", "helper 1", "helper 2", "helper 3")
    assert np.isclose(ms.objectives[0], default.objective) and ms.objective == ms.objectives.max()
    assert np.all(np.abs(ms.u) <= 1 + 1e-9) and np.sum(np.abs(ms.v) ** 2) <= pb.p_max * (1 + 1e-9)
    assert np.isclose(ms.objective, aauc.IRSProblem.objective(pb, pb.basis.conj().T @ ms.v, ms.c))
    with pytest.raises(ValueError, match="u0"):
        aauc.irs_sco(ip, v0=pb.basis @ y, u0=2 * u)
    with pytest.raises(ValueError, match="v0"):
        aauc.irs_sco(ip, v0=pb.basis @ y)
    with pytest.raises(ValueError, match="spread"):
        aauc.irs_multistart(ip, spread=1.0)


def test_bfom_budget_of_inner_iterations():
    pb = _bench_problem(100, 50)
    budget = 2000
    res = aauc.bfom(pb, max_total_inner=budget)
    assert res.history["inner_iterations"].sum() <= budget
    assert res.status == "max_iter" and "budget" in res.message
    assert np.all(np.diff(res.history["snr"]) >= 0) and res.history["rejected"].sum() == 0
    # the default budget is twice the paper's worst case 20 x 3000
    full = aauc.bfom(pb)
    assert full.history["inner_iterations"].sum() <= 2 * 20 * 3000
    assert full.snr >= res.snr
    with pytest.raises(ValueError, match="max_total_inner"):
        aauc.bfom(pb, max_total_inner=0)


def test_aauc_solves_use_qdldl(monkeypatch):
    """Every AAUC conic solve asks Clarabel for the QDLDL factorization, retries included."""
    import importlib

    solve_mod = importlib.import_module("wiretap.aauc._solve")
    seen = []
    real = convex.solve

    def spy(problem, **kw):
        seen.append(kw)
        if len(seen) == 1:  # force one retry
            return convex.SolveInfo("solver_error", float("nan"), False, 0.0, 0.0, -1, "x")
        return real(problem, **kw)

    monkeypatch.setattr(solve_mod.convex, "solve", spy)
    x = cp.Variable(2)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(x - 1)), [cp.sum(x) <= 1])
    info, retries = solve_mod.solve_with_retry(prob, ("optimal",))
    assert info.ok and retries == 1
    assert all(kw.get("direct_solve_method") == "qdldl" for kw in seen)
    assert seen[1].get("max_step_fraction") == 0.9


def test_large_is_the_public_home_of_its_names():
    """The P4/P5 pieces live in internal modules but are documented and registered as names
    of ``wiretap.aauc.large`` (Sphinx's automodule and the bad-input registry go by
    ``__module__``)."""
    from wiretap.aauc import large

    for name in large.__all__:
        assert getattr(large, name).__module__ == "wiretap.aauc.large", name
        assert getattr(aauc, name) is getattr(large, name)
