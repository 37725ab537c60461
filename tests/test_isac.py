"""Tests of wiretap.isac: geometry, sensing (FIM/CRB/fusion), robust pieces, designs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from wiretap import convex, isac
from wiretap.isac import _bcd as BCD
from wiretap.isac import _problems as PB
from wiretap.isac import design as D


@pytest.fixture(scope="module")
def scn():
    return isac.paper_scenario(0, q1_std=0.5)


@pytest.fixture(scope="module")
def init(scn):
    status, msg, st = isac.initial_state(scn)
    assert status == "converged", msg
    return st


@pytest.fixture(scope="module")
def central(scn, init):
    return isac.centralized_design(scn, init=init)


@pytest.fixture(scope="module")
def decentral(scn, init):
    return isac.decentralized_design(scn, init=init)


# ------------------------------------------------------------------ geometry
def test_steering_derivative_matches_finite_difference():
    th, h = 0.7, 1e-6
    fd = (isac.steering(5, th + h) - isac.steering(5, th - h)) / (2 * h)
    assert np.allclose(isac.steering_derivative(5, th), fd, atol=1e-7)


def test_position_jacobian_matches_finite_difference(scn):
    p = np.array([0.3, -0.2])
    J = isac.steering_position_jacobian(scn.N, scn.bs, p)
    for i in range(2):
        e = np.zeros(2)
        e[i] = 1e-6
        fd = (
            isac.steering(scn.N, isac.aod(scn.bs, p + e))
            - isac.steering(scn.N, isac.aod(scn.bs, p - e))
        ) / 2e-6
        assert np.allclose(J[..., i], fd, atol=1e-7)


def test_scenario_validation(scn):
    with pytest.raises(ValueError, match="tau"):
        scn.with_(tau=np.array([0.5, 0.6]))
    with pytest.raises(ValueError, match="r_info"):
        scn.with_(r_info=-1.0)
    with pytest.raises(ValueError, match="q1"):
        scn.with_(q1=np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match="user_radius"):
        isac.paper_scenario(0, user_radius=(5.0, 2.0))
    with pytest.raises(ValueError, match="rng"):
        isac.paper_scenario(None)
    with pytest.raises(ValueError, match="n_samples"):
        isac.paper_scenario(0, n_samples=2.5)  # was truncated to 2
    with pytest.raises(ValueError, match="kappa"):
        isac.paper_scenario(0, kappa=-1.0)


@pytest.mark.parametrize("bad", [None, {"M": 3}, "scn"])
def test_scenario_argument_is_type_checked(bad):
    # used to raise AttributeError deep inside (issue 14)
    W = np.zeros((2, 3, 2, 4, 4))
    R = np.zeros((2, 3, 4, 4))
    calls = [
        lambda: isac.user_rates(bad, W, R),
        lambda: isac.fim_transmit_blocks(bad),
        lambda: isac.csi_radius(bad, 1.0),
        lambda: isac.sensing_mse(bad, W, R),
        lambda: isac.decentralized_design(bad, max_iter=1),
        lambda: isac.run_schemes(bad),
    ]
    for f in calls:
        with pytest.raises(TypeError, match=r"\bscn\b"):
            f()


def test_covariances_must_be_psd_up_to_round_off(scn, central):
    W, R = central.design.W, central.design.R
    # -W used to give *higher* rates than W (issue 14)
    with pytest.raises(ValueError, match=r"\bW\b.*positive semidefinite"):
        isac.user_rates(scn, -W, R)
    with pytest.raises(ValueError, match=r"\bR\b.*positive semidefinite"):
        isac.worst_case_leakage(scn, W, -R - np.eye(scn.N), np.full((2, scn.M), 0.1))
    with pytest.raises(ValueError, match=r"\bW\b"):
        isac.rank_one_shift(scn, -W, R)
    with pytest.raises(ValueError, match=r"\bS\b"):
        isac.fim_transmit(scn, -np.broadcast_to(np.eye(scn.N), (scn.M, scn.N, scn.N)))
    # solver round-off (tiny negative eigenvalues, relative to the matrix norm) is accepted
    scale = max(1.0, float(np.abs(W).max()))
    eps = 1e-9 * scale * np.eye(scn.N)
    near = isac.user_rates(scn, W - eps, R - eps)
    assert np.allclose(near, isac.user_rates(scn, W, R), rtol=1e-6)
    # the algorithms skip the check on their own iterates only while they run
    with pytest.raises(ValueError, match="max_iter"):
        isac.centralized_design(scn, max_iter=0)
    with pytest.raises(ValueError, match=r"\bW\b"):
        isac.sensing_mse(scn, -W, R)


def test_integer_arguments_are_checked(scn):
    with pytest.raises(ValueError, match="max_iter"):
        isac.fixed_sensing_design(scn, 1.0, max_iter=0)
    with pytest.raises(ValueError, match="max_iter"):
        isac.initial_state(scn, 1.0, max_iter=0)  # was an IndexError
    for arg in ("M", "N", "K", "L", "iterations"):
        kw = dict(M=3, N=4, K=2, L=16, iterations=5) | {arg: -1}
        with pytest.raises(ValueError, match=rf"\b{arg}\b"):
            isac.overhead(**kw)  # used to return negative counts
    with pytest.raises(ValueError, match="n_budgets"):
        isac.summarize_continuation({}, names=("Proposed 1",), n_budgets=2.5)


# ------------------------------------------------------------------ sensing
def test_fim_forms_agree(scn, rng):
    A = rng.standard_normal((scn.M, scn.N, scn.N)) + 1j * rng.standard_normal((scn.M, scn.N, scn.N))
    S = A @ np.conj(np.swapaxes(A, -1, -2))
    Ft = isac.fim_transmit(scn, S).sum(0)
    Fr = isac.fim_receive(scn, S).sum(0)
    Fk = isac.fim_central_kron(scn, S)
    assert np.allclose(Ft, Fr, rtol=1e-10) and np.allclose(Ft, Fk, rtol=1e-10)
    assert np.allclose(Ft, Ft.T) and np.linalg.eigvalsh(Ft)[0] > 0


def test_response_derivative_finite_difference(scn):
    p, h = np.array([0.1, 0.2]), 1e-6
    dG = isac.response_derivatives(scn, p)
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        fd = (isac.response_matrices(scn, p + e) - isac.response_matrices(scn, p - e)) / (2 * h)
        assert np.allclose(dG[:, :, i], fd, rtol=1e-5, atol=1e-9)


def test_sample_fim_equals_closed_form_with_sample_covariance(scn, rng):
    X = rng.standard_normal((scn.M, scn.N, 50)) + 1j * rng.standard_normal((scn.M, scn.N, 50))
    s1 = scn.with_(n_samples=50)
    # only one transmitter active: no cross-covariances between BSs, (67) is exact
    X[1:] = 0
    Shat = np.einsum("mal,mbl->mab", X, X.conj()) / 50
    assert np.allclose(isac.fim_from_samples(s1, X), isac.fim_receive(s1, Shat).sum(0), rtol=1e-9)


def test_monostatic_single_bs_fim_is_rank_one(scn, rng):
    X = np.zeros((scn.M, scn.N, 20), complex)
    X[0] = rng.standard_normal((scn.N, 20))
    F = isac.fim_from_samples(scn, X, receivers=[0])
    ev = np.linalg.eigvalsh(F)
    assert ev[0] < 1e-9 * ev[1]
    with pytest.raises(ValueError, match="singular"):
        isac.crb(F)


def test_unknown_gains_reduce_information(scn, rng):
    X = rng.standard_normal((scn.M, scn.N, 30)) + 0j
    Fk = isac.fim_from_samples(scn, X)
    Fu = isac.fim_from_samples(scn, X, gains="unknown")
    assert np.linalg.eigvalsh(Fk - Fu)[0] > -1e-8 * np.abs(Fk).max()


def test_fusion_blue(rng):
    Q = np.stack([np.diag([1.0, 4.0]), np.diag([4.0, 1.0]), np.eye(2) * 2])
    est = rng.standard_normal((3, 2))
    _, C, Wt = isac.fuse_estimates(est, Q)
    assert np.allclose(C, np.linalg.inv(sum(np.linalg.inv(q) for q in Q)))
    assert np.allclose(Wt.sum(0), np.eye(2))
    with pytest.raises(ValueError, match="positive definite"):
        isac.fuse_estimates(est, np.stack([np.zeros((2, 2))] * 3))


# ------------------------------------------------------------------ robust
def test_trs_matches_brute_force(rng):
    for _ in range(20):
        n = 3
        A = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
        A = A + A.conj().T
        b = rng.standard_normal(n) + 1j * rng.standard_normal(n)
        val, x, mu = isac.trs_min(A, b, 0.3, 1.5)
        assert np.linalg.norm(x) <= 1.5 + 1e-9
        z = rng.standard_normal((20000, n)) + 1j * rng.standard_normal((20000, n))
        z *= (
            1.5
            * rng.uniform(size=(20000, 1)) ** (1 / (2 * n))
            / np.linalg.norm(z, axis=1, keepdims=True)
        )
        f = np.einsum("si,ij,sj->s", z.conj(), A, z).real + 2 * (z @ b.conj()).real + 0.3
        assert val <= f.min() + 1e-9
        # certificate: [[A + mu I, b], [b^H, c - val - mu r^2]] >= 0
        L = np.block(
            [
                [A + mu * np.eye(n), b[:, None]],
                [b.conj()[None], np.array([[0.3 - val - mu * 1.5**2]])],
            ]
        )
        assert np.linalg.eigvalsh(L)[0] > -1e-7 * np.abs(L).max()


def test_trs_hard_case():
    A = np.diag([-1.0, 2.0])
    val, x, mu = isac.trs_min(A, np.array([0.0, 1.0]), 0.0, 2.0)
    assert np.isclose(mu, 1.0) and np.isclose(np.linalg.norm(x), 2.0)
    # x = (x1, -1/3) with x1^2 = 4 - 1/9: f = -x1^2 + 2 x2^2 + 2 x2 = -13/3
    assert np.isclose(val, -(4.0 - 1 / 9) + 2.0 * (1 / 9) + 2 * (-1 / 3), rtol=0, atol=1e-9)
    assert np.isclose(val, -13 / 3, rtol=0, atol=1e-9)


def test_steering_bounds(scn):
    th = scn.theta_est
    for beta in (0.01, 0.1, 0.4):
        exact = isac.steering_error_exact(scn.N, th, beta)
        assert np.all(isac.steering_error_rigorous(scn.N, th, beta) >= exact - 1e-12)
    # the printed first-order bound (15) can fail near endfire
    assert isac.steering_error_exact(4, 0.05, 0.3) > isac.steering_error_bound(4, 0.05, 0.3)


def test_printed_a_differs_from_corrected(scn):
    a, _ = isac.bound_coefficients(scn)
    assert not np.allclose(a, isac.bound_coefficients_printed(scn), rtol=1e-3)
    tq = 0.3
    assert np.allclose(isac.csi_radius(scn, tq), isac.bound_coefficients(scn)[1] + np.sqrt(tq) / a)


def test_s_procedure_lmi_matches_worst_case(rng):
    n = 4
    for _ in range(10):
        P = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
        P = P @ P.conj().T
        Q = np.eye(n) * rng.uniform(0.5, 2)
        g = rng.standard_normal(n) + 1j * rng.standard_normal(n)
        xi_star, _, eta = isac.max_ratio_on_ball(P, Q, g, 0.5, 1.0)
        L = isac.s_procedure_matrix(P, Q, g, xi_star * (1 + 1e-6), eta, 0.25)
        assert np.linalg.eigvalsh(L)[0] > -1e-6 * np.abs(L).max()
        # below the worst case no multiplier works: check a grid of eta
        bad = [
            np.linalg.eigvalsh(isac.s_procedure_matrix(P, Q, g, 0.99 * xi_star, e, 0.25))[0]
            for e in np.linspace(0, 5 * eta + 1, 200)
        ]
        assert max(bad) < 0


def test_block2_exact_equals_sdp(scn, init):
    r1 = np.sum(isac.csi_radius(scn, np.trace(scn.q1)) ** 2)
    xe, _, _ = BCD.solve_block2(scn, init.W, init.R, [r1, init.delta0], init.xi)
    xs, _, info = BCD.solve_block2(scn, init.W, init.R, [r1, init.delta0], init.xi, method="sdp")
    assert info.ok
    assert np.allclose(xe, xs, rtol=1e-4, atol=1e-7)


# ------------------------------------------------------------------ designs
def _recheck(scn, res, rng):
    assert res.design is not None
    chk = res.check
    assert chk.rate_margin >= -1e-4, chk.rates
    assert chk.power_margin >= -1e-6
    # worst-case leakage by brute force over the CSI balls (can only under-estimate)
    radii = np.stack([isac.csi_radius(scn, np.trace(scn.q1)), isac.csi_radius(scn, chk.mse)])
    sampled = isac.worst_case_leakage_sampled(
        scn, res.design.W, res.design.R, radii, rng, n_samples=500, n_ascent=100
    )
    exact = isac.worst_case_leakage(scn, res.design.W, res.design.R, radii)
    assert np.all(sampled <= exact * (1 + 1e-6) + 1e-9)
    assert np.all(isac.total_leakage(scn, sampled) <= scn.r_leak + 1e-4)
    assert np.all(isac.total_leakage(scn, exact) <= scn.r_leak + 1e-4)


def test_centralized_design_feasible_and_monotone(scn, central, rng):
    assert central.status == "converged", central.message
    _recheck(scn, central, rng)
    obj = central.history["objective"]
    assert np.all(np.diff(obj) <= 1e-4 * obj[:-1])
    assert central.design.rank_one


def test_decentralized_design_feasible(scn, decentral, central, rng):
    assert decentral.status == "converged", decentral.message
    _recheck(scn, decentral, rng)
    # converged means the local copies agree with the global variables (consensus)
    assert decentral.history["primal_residual"][-1] <= 1e-4
    assert len(decentral.history["objective"]) == decentral.iterations + 1
    per = isac.overhead(scn.M, scn.N, scn.K, scn.n_samples, 1)["per_iteration"]
    assert decentral.messages_per_iteration == per
    assert decentral.messages == per * decentral.iterations


def test_baseline_separate(scn, rng):
    res = isac.baseline_separate(scn)
    assert res.status == "converged", res.message
    _recheck(scn, res, rng)
    assert res.design.W[0].max() == 0  # stage 1 senses only


def test_infeasible_instance_is_reported(scn):
    # a sensing requirement that P_max cannot reach: the CRB constraint is infeasible
    S = np.stack([np.eye(scn.N) * scn.p_max / scn.N] * scn.M).astype(complex)
    best = np.trace(isac.crb(isac.fim_transmit(scn, S).sum(0)))
    res = isac.fixed_sensing_design(scn, best * 1e-3, max_iter=5)
    assert res.status == "infeasible" and res.design is None and res.message
    assert not res.success


def test_rank_one_shift_preserves_rates_and_covariance(scn, central, rng):
    W = central.design.W.copy()
    R = central.design.R.copy()
    # make W full rank by moving noise into it, then recover
    X = rng.standard_normal((2, scn.M, scn.K, scn.N, 2)) * 0.01
    Wf = W + np.einsum("imkna,imkla->imknl", X, X)
    des = isac.rank_one_shift(scn, Wf, R)
    assert np.allclose(isac.user_rates(scn, Wf, R), isac.user_rates(scn, des.W, des.R), atol=1e-9)
    assert np.allclose(Wf.sum(2) + R, des.W.sum(2) + des.R, atol=1e-12)
    assert np.all(isac.rank_ratio(des.W) > 1 - 1e-9)


def test_consensus_maps_sum_correctly():
    maps = isac.consensus_maps(3, 2)
    z = np.arange(12.0)
    x0 = maps["e"][0] @ z
    # e_bar of BS 0, user 0: from BS 1 (pair (1,0,0)) and BS 2 (pair (2,0,0))
    pairs = [(mt, m, k) for mt in range(3) for m in range(3) if mt != m for k in range(2)]
    assert x0[0] == z[pairs.index((1, 0, 0))] + z[pairs.index((2, 0, 0))]
    assert maps["u"][1].tolist() == [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]


def test_design_argument_errors(scn):
    with pytest.raises(ValueError, match="mse"):
        isac.decentralized_design(scn, mode="fixed", mse=-1.0)
    with pytest.raises(ValueError, match="mode"):
        isac.decentralized_design(scn, mode="bogus")
    with pytest.raises(ValueError, match="max_iter"):
        isac.centralized_design(scn, max_iter=0)
    with pytest.raises(ValueError, match="W"):
        isac.user_rates(scn, np.zeros((2, 1)), np.zeros((2, 3, 4, 4)))
    with pytest.raises(ValueError, match="rho_max"):
        isac.decentralized_design(scn, rho_max=0.0)
    with pytest.raises(ValueError, match="rho_max"):
        isac.decentralized_design(scn, rho0=10.0, rho_max=1.0)


def test_penalty_is_capped(scn, decentral):
    rho = decentral.history["rho"]
    assert rho[0] == 1.0 and np.all(np.diff(rho) >= 0) and rho.max() <= 1e3
    # growth by varsigma = 1.5 until the cap
    below = rho[1:] < 1e3
    assert np.allclose(rho[1:][below], 1.5 ** np.arange(1, rho.size)[below])


def test_interference_has_no_cancellation(scn, rng):
    # one very strong own beam: Z (interference + noise) must not lose the weak terms
    M, K, N = scn.M, scn.K, scn.N
    W = np.zeros((2, M, K, N, N), complex)
    R = np.zeros((2, M, N, N), complex)
    h = scn.h[0, 0, 0]
    W[:, 0, 0] = 1e12 * np.outer(h, h.conj()) / np.vdot(h, h).real ** 2
    Z = PB.interference(scn, W, R)
    # user (0, 0) sees only noise; the others see the strong beam's leakage plus noise
    assert np.allclose(Z[:, 0, 0], 1.0, rtol=0, atol=1e-12)
    leak = np.abs(scn.h[0, 1, 0].conj() @ h) ** 2 * 1e12 / np.vdot(h, h).real ** 2
    assert np.allclose(Z[:, 1, 0], leak + 1.0)
    assert np.all(Z >= 1.0)


# ------------------------------------------------------------------ infeasibility, retries
def test_best_sensing_is_a_lower_bound(scn, rng):
    best, S, info = isac.best_sensing(scn)
    assert info.ok and S.shape == (scn.M, scn.N, scn.N)
    assert np.all(np.trace(S, axis1=-2, axis2=-1).real <= scn.p_max / scn.tau[0] * (1 + 1e-6))
    # no random stage-1 design with the same per-BS power does better
    for _ in range(20):
        A = rng.standard_normal((scn.M, scn.N, scn.N)) + 1j * rng.standard_normal(
            (scn.M, scn.N, scn.N)
        )
        X = A @ np.conj(np.swapaxes(A, -1, -2))
        X *= (scn.p_max / scn.tau[0]) / np.trace(X, axis1=-2, axis2=-1).real[:, None, None]
        assert np.trace(isac.crb(isac.fim_transmit(scn, X).sum(0))) >= best * (1 - 1e-6)
    with pytest.raises(ValueError, match="power"):
        isac.best_sensing(scn, -1.0)


def test_certified_infeasible_instance_every_scheme():
    # r_info = 12 bits/s/Hz at P_max = 0 dBm: beyond any user's interference-free capacity
    s = isac.paper_scenario(0, q1_std=0.5, r_info=12.0, p_max_dbm=0.0)
    out = isac.run_schemes(s)
    for name, res in out.items():
        assert res.status == "infeasible", (name, res.message)
        assert "certificate" in res.message and res.design is None
    summ = isac.summarize(out)
    assert all(summ[n + " infeasible"] == 1.0 and np.isnan(summ[n]) for n in isac.SCHEMES)


def test_sensing_requirement_below_best_is_certified(scn):
    best = isac.best_sensing(scn)[0]
    res = isac.fixed_sensing_design(scn, 0.5 * best)
    assert res.status == "infeasible" and "best-sensing SDP" in res.message


def test_solver_failure_is_retried_then_reported(monkeypatch):
    import cvxpy as cp

    from wiretap.convex import SolveInfo

    x = cp.Variable()
    prob = cp.Problem(cp.Minimize(x), [x >= 1])
    calls = []

    def flaky(problem, accept, **opts):
        calls.append(opts)
        ok = len(calls) > 1
        return SolveInfo("optimal" if ok else "solver_error", 1.0, ok, 0.0, 0.0, 1)

    monkeypatch.setattr(convex, "solve", flaky)
    info, retries = PB.solve_problem(prob)
    assert info.ok and retries == 1 and calls[1] == PB.RETRY[0]

    def broken(problem, accept, **opts):
        return SolveInfo("solver_error", float("nan"), False, 0.0, 0.0, -1)

    monkeypatch.setattr(convex, "solve", broken)
    info, retries = PB.solve_problem(prob)
    assert not info.ok and retries == len(PB.RETRY)


def test_run_schemes_validation(scn):
    with pytest.raises(ValueError, match="schemes"):
        isac.run_schemes(scn, schemes=("Proposed 3",))
    with pytest.raises(ValueError, match="baseline2_mse"):
        isac.run_schemes(scn, baseline2_mse=0.0)
    s = isac.summarize({}, names=("Proposed 1",))
    assert np.isnan(s["Proposed 1"]) and np.isnan(s["Proposed 1 ok"])
    assert np.allclose(isac.feasible_mean([[1.0, np.nan]]), [1.0])


def test_fixed_designs_meet_the_imposed_sensing_requirement(scn):
    # the compiled CRB constraints must model the same FIM as fim_transmit (eq. (92)):
    # the exact tr(CRB) of the returned design is within the requirement
    T = 4.0 * isac.best_sensing(scn)[0]
    res = isac.fixed_sensing_design(scn, T)
    assert res.design is not None and res.check.feasible
    assert res.mse <= T * (1 + 1e-5)
    adm = isac.decentralized_design(scn, mode="fixed", mse=T, max_iter=10)
    assert adm.design is not None
    assert adm.mse <= T * (1 + 1e-3)


# ------------------------------------------------------------------ certificates (issue 11)
def _ball_problem(rng, n=4):
    P = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    P = P @ P.conj().T
    Q = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    Q = Q @ Q.conj().T / n
    g = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    return P, Q, g


def test_dinkelbach_converged_is_certified_and_brackets_the_worst_case(rng):
    for _ in range(10):
        P, Q, g = _ball_problem(rng)
        res = isac.worst_ratio_on_ball(P, Q, g, 0.7, 1.0)
        assert res.status == "converged", res.message
        cert = res.certificate
        assert cert.kind == "worst_case_gap" and cert.holds
        assert 0 <= res.upper - res.ratio <= 1e-10 * max(1.0, res.ratio)
        # the attained value is attained at g, inside the ball
        assert np.linalg.norm(res.g - g) <= 0.7 * (1 + 1e-9)
        num = np.vdot(res.g, P @ res.g).real
        assert np.isclose(num / (np.vdot(res.g, Q @ res.g).real + 1.0), res.ratio, rtol=1e-12)
        # no sampled point of the ball exceeds the certified upper bound
        z = rng.standard_normal((4000, 4)) + 1j * rng.standard_normal((4000, 4))
        z = g + 0.7 * z / np.linalg.norm(z, axis=1, keepdims=True)
        vals = np.einsum("si,ij,sj->s", z.conj(), P, z).real / (
            np.einsum("si,ij,sj->s", z.conj(), Q, z).real + 1.0
        )
        assert vals.max() <= res.upper * (1 + 1e-12)
        # the wrapper returns the certified upper bound, never less
        assert isac.max_ratio_on_ball(P, Q, g, 0.7, 1.0)[0] == res.upper


def test_dinkelbach_cap_is_reported_and_never_optimistic(rng):
    P, Q, g = _ball_problem(rng)
    exact = isac.worst_ratio_on_ball(P, Q, g, 2.0, 1.0)
    capped = isac.worst_ratio_on_ball(P, Q, g, 2.0, 1.0, max_iter=1)
    assert exact.status == "converged" and exact.iterations > 1
    assert capped.status == "max_iter" and not capped.success and capped.message
    assert not capped.certificate.holds
    # bracket: attained <= exact worst case <= certified upper bound
    assert capped.ratio <= exact.ratio * (1 + 1e-12)
    assert capped.upper >= exact.ratio * (1 - 1e-12)
    # the S-lemma multiplier certifies the returned upper bound (LMI of eq. (51))
    L = isac.s_procedure_matrix(P, Q, g, capped.upper, capped.eta, 4.0)
    assert np.linalg.eigvalsh(L)[0] >= -1e-9 * np.abs(L).max()
    with pytest.raises(ValueError, match="c0"):
        isac.worst_ratio_on_ball(P, Q, g, 1.0, 0.0)
    with pytest.raises(ValueError, match="radius"):
        isac.worst_ratio_on_ball(P, Q, g, -1.0, 1.0)
    with pytest.raises(ValueError, match="P and Q"):
        isac.worst_ratio_on_ball(P[:2, :2], Q, g, 1.0, 1.0)


def test_dinkelbach_stall_has_its_own_status(rng, monkeypatch):
    from wiretap.isac import robust

    P, Q, g = _ball_problem(rng)
    # an inner step that reports a gap but returns no better point: no progress
    monkeypatch.setattr(robust, "trs_min", lambda A, b, c, r: (-1.0, np.zeros(b.size), 0.0))
    res = isac.worst_ratio_on_ball(P, Q, g, 1.0, 1.0)
    assert res.status == "stalled" and "stalled" in res.message
    assert res.upper >= res.ratio + 1.0 - 1e-12  # the gap of the last step is kept


def test_centralized_converged_implies_feasibility_certificate(central):
    cert = central.certificate
    assert central.status == "converged"
    assert cert is not None and cert.kind == "feasibility" and cert.holds
    assert cert.value == central.check.violation <= cert.tolerance == central.check.tol
    assert central.init_iterations == 0  # a start was passed in


def test_centralized_cap_has_its_own_status(scn, init, central):
    assert central.iterations > 1
    res = isac.centralized_design(scn, init=init, max_iter=1)
    assert res.status == "max_iter" and res.iterations == 1 and res.message
    assert res.certificate is not None and res.design is not None


def test_centralized_rule_met_but_recheck_fails_is_stalled(scn, init, monkeypatch):
    real = D.check_design

    def short(scn_, design, **kw):
        chk = real(scn_, design, **kw)
        return isac.DesignCheck(**{**chk.__dict__, "rate_margin": -1e-2})

    monkeypatch.setattr(D, "check_design", short)
    res = isac.centralized_design(scn, init=init)
    assert res.status == "stalled" and "re-check" in res.message
    assert not res.certificate.holds and res.certificate.value == pytest.approx(1e-2)


def test_decentralized_converged_implies_feasibility_certificate(decentral):
    assert decentral.status == "converged"
    assert decentral.certificate.holds and decentral.check.feasible
    assert decentral.certificate.value == decentral.check.violation


def test_decentralized_consensus_design_passes_its_own_check():
    # issue 11: the consensus rule (residual <= 1e-4) fired with a rate margin of -1.35e-4
    s = isac.paper_scenario(0, n_users=1, r_info=3.0, r_leak=0.2)
    res = isac.decentralized_design(s)
    # the first firing of the rule was rejected by the re-check and consensus tightened
    assert res.status == "converged", res.message
    assert res.check.feasible and res.check.rate_margin >= -res.check.tol
    assert res.tol_residual < 1e-4
    assert res.history["primal_residual"][-1] <= res.tol_residual


def test_decentralized_cap_has_its_own_status(scn, init):
    res = isac.decentralized_design(scn, init=init, max_iter=2)
    assert res.status == "max_iter" and res.iterations == 2 and res.message
    assert res.certificate is not None and res.certificate.kind == "feasibility"


def test_fixed_sensing_and_baseline_certificates(scn):
    T = 4.0 * isac.best_sensing(scn)[0]
    res = isac.fixed_sensing_design(scn, T)
    assert res.status == "converged" and res.certificate.holds
    assert res.mse <= T * (1 + res.certificate.tolerance)
    capped = isac.fixed_sensing_design(scn, T, max_iter=1)
    assert capped.status in ("max_iter", "no_feasible_point") and capped.message
    b1 = isac.baseline_separate(scn)
    assert b1.status == "converged" and b1.certificate.holds


def test_summed_rate_relaxation_certifies_infeasibility():
    # every user alone fits the budget, the two users of a BS together do not
    s = isac.paper_scenario(0, q1_std=0.5, r_info=14.0)
    gain = np.sum(np.abs(s.h[np.arange(s.M), np.arange(s.M)]) ** 2, axis=-1)
    need = (2.0**14.0 - 1.0) / gain  # both stages, equal per-stage powers (share 1)
    assert need.max() < s.p_max < need.sum(axis=1).max()
    res = isac.fixed_sensing_design(s, 1.0)
    assert res.status == "infeasible" and "certificate" in res.message
    assert res.iterations == 0 and res.design is None


def test_no_feasible_point_is_not_called_infeasible():
    # a hard instance whose feasibility phase needs more than 3 SCA steps
    s = isac.paper_scenario(0, q1_std=5.0, r_leak=1e-3)
    res = isac.centralized_design(s, init_iter=3)
    assert res.status == "no_feasible_point" and "not a certificate" in res.message
    assert res.init_iterations == 3 and res.iterations == 0 and res.design is None
    summ = isac.summarize({"Proposed 1": res})
    assert summ["Proposed 1 no point"] == 1.0 and summ["Proposed 1 infeasible"] == 0.0
    assert isac.outcome(res) == "no feasible point"


def test_initialisation_honours_its_own_cap(scn):
    # issue 11: the initialisation ignored the caller's caps; now init_iter caps it
    st = isac.initial_state(scn, max_iter=2).state
    assert st.iterations <= 2
    res = isac.centralized_design(scn, max_iter=1, init_iter=2)
    assert 1 <= res.init_iterations <= 2 and res.iterations == 1
    assert res.init_iterations == st.iterations
    with pytest.raises(ValueError, match="init_iter"):
        isac.centralized_design(scn, init_iter=0)


def test_tight_leakage_failure_explains_itself():
    # r_leak = 1e-3 with q1_std = 5 m: the stage-1 ball contains g = 0 and xi ~ 7e-4
    s = isac.paper_scenario(0, q1_std=5.0, r_leak=1e-3)
    assert np.all(isac.csi_radius(s, np.trace(s.q1)) > np.linalg.norm(s.g_est, axis=1))
    res = isac.centralized_design(s)
    assert res.status in ("solver_error", "no_feasible_point") and res.design is None
    if res.status == "solver_error":
        assert "contains g = 0" in res.message and "r^2 / xi" in res.message
    else:
        assert "not a certificate" in res.message


def test_run_schemes_progress_bar_wraps_the_scheme_loop(capsys):
    s = isac.paper_scenario(0, n_antennas=2, n_users=1, n_bs=2, p_max_dbm=30.0)
    kw = dict(schemes=("Baseline 2", "Baseline 1"), admm_iter=1)
    quiet = isac.run_schemes(s, progress=False, **kw)
    assert capsys.readouterr().err == ""
    shown = isac.run_schemes(s, progress=True, **kw)
    err = capsys.readouterr().err
    assert "schemes" in err and "2/2" in err  # one bar over the two schemes
    assert list(shown) == ["Baseline 2", "Baseline 1"]  # the caller's order
    for name in shown:  # the bar changes nothing in the results
        assert shown[name].status == quiet[name].status
        np.testing.assert_array_equal(shown[name].total_power, quiet[name].total_power)
    with pytest.raises(TypeError, match="progress"):
        isac.run_schemes(s, progress="yes", **kw)


def _relaxation_margins(s, W, R, share, budget):
    """Largest violation of each constraint group of the stage relaxation at (W, R)."""
    relax = PB.stage_relaxation(s)
    relax.set(s, share, budget)
    for m in range(s.M):
        relax.R[m].value = R[m]
        for k in range(s.K):
            relax.W[m][k].value = W[m, k]
    return max(float(np.max(c.violation())) for c in relax.problem.constraints)


def test_stage_relaxation_contains_every_feasible_baseline1_design(scn):
    # the relaxation is only a certificate if every design of problem (18) satisfies it
    res = isac.baseline_separate(scn)
    assert res.status == "converged" and res.check.feasible
    p1 = scn.tau[0] * np.trace(res.design.R[0], axis1=-2, axis2=-1).real
    budget = (scn.p_max - p1) / scn.tau[1]
    W, R = res.design.W[1], res.design.R[1]
    # the re-check's tolerance (1e-4 bits/s/Hz, 1e-4 relative power) bounds the violation
    assert _relaxation_margins(scn, W, R, scn.tau[1], budget) <= 1e-3
    # and a design that misses a rate violates it: halve one user's beam
    W_bad = W.copy()
    W_bad[0, 0] = W_bad[0, 0] / 8.0
    assert _relaxation_margins(scn, W_bad, R, scn.tau[1], budget) > 1e-2


def test_stage_relaxation_certifies_baseline1_infeasible_at_any_budget():
    # seed 4: users nearly aligned with the eavesdropper's estimated channels
    s = isac.paper_scenario(4, q1_std=0.5)
    res = isac.baseline_separate(s)
    assert res.status == "infeasible" and isac.outcome(res) == "certified infeasible"
    assert "semidefinite relaxation of stage 2" in res.message and "certificate" in res.message
    assert res.design is None and res.iterations == 0
    rich = isac.baseline_separate(dataclasses.replace(s, p_max=1e3 * s.p_max))  # +30 dB
    assert rich.status == "infeasible"
    # without the leakage constraint the same relaxation is feasible: the rates alone fit
    loose = dataclasses.replace(s, r_leak=np.full((s.M, s.K), 50.0))
    assert isac.baseline_separate(loose).status != "infeasible"
