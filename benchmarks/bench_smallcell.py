"""Small cells: exact best response vs cvxpy + Clarabel, and one full Fig. 6 point.

Every ratio is measured in one run against two cvxpy baselines that solve the same
problem (33) with Clarabel:

* **compiled**: :class:`wiretap.smallcell.CvxpyBestResponse`, written once with Parameters
  (DPP), compiled on its first solve and re-solved with new data (the fair way to use cvxpy
  in a loop);
* **generic**: the problem built from scratch with the data as constants and solved (what
  a one-off call of a generic solver costs, compilation included).

The problems are the ones Algorithm 1 actually solves: every best response of every sweep
of Algorithm 2 (with Algorithm 1 inside) on Table I networks with 8 SBSs. Many of them are
"priced out" (``p = 0`` is optimal, recognized in closed form); the single-problem ratio is
reported for the realistic mix and for the non-trivial problems alone.

* one problem: one call per problem;
* one Jacobi sweep: the 8 best responses of one network in one call;
* many networks: 8 SBSs x 32 networks in one call;
* one Fig. 6 point: Algorithm 2 around Algorithm 1 on one 8-SBS network, timed; the cvxpy
  cost of the same run is estimated from its number of best responses times the per-solve
  time of each baseline;
* equilibria on every network: the Newton method on the KKT system of the VI
  (:func:`wiretap.smallcell.vi_many`, one start) against Algorithm 2 on the non-robust
  design of 8-SBS networks, with how many networks each solves, and the Newton method
  batched against one call per network.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from harness import compare, timed
from wiretap import convex, smallcell
from wiretap.smallcell.core import stack

K = 4
ACCEPT = ("optimal", "optimal_inaccurate")


def _problems_at(S, P, kappa):
    """Best-response problems (33) of every SBS at profile ``P`` (J, K), prices ``kappa``."""
    Pt = P[None]
    a, b = S.a(Pt)[0], S.b(Pt, True)[0]
    c = np.einsum("n,njk->jk", kappa, S.hm[0])
    beta = np.full(len(a), float(kappa @ S.rm[0]))
    s = np.maximum((P**2).sum() - (P**2).sum(axis=1), 0.0)
    return a, b, c, beta, s, S.p_mask[0], S.p_max[0]


def _alg1_problems(n_nets: int, seed: int = 0):
    """All best-response problems met by Algorithm 2 (+ Algorithm 1) on ``n_nets`` networks.

    Returns the stacked problems, and the same problems grouped per sweep (8 rows each).
    """
    rng = np.random.default_rng(seed)
    rows, sweeps = [], []
    for _ in range(n_nets):
        net = smallcell.generate_network(rng, n_sbs=8)
        S = stack(net)
        res = smallcell.price_iteration(net, max_iter=50, inner_max_iter=200)
        p = np.zeros(net.shape)
        for kappa in res.history["kappa"]:
            run = smallcell.priced_equilibrium(net, kappa, p_init=p, max_iter=200, tol=1e-10)
            for P in run.history["power"][:-1]:
                prob = _problems_at(S, P, kappa)
                sweeps.append(prob)
                rows.extend(zip(*prob, strict=True))
            p = run.p
    cols = [np.array(x) for x in zip(*rows, strict=True)]
    return cols, sweeps


def _generic(a, b, c, beta, s, m, P):
    """Problem (33) built from scratch with constant data and solved (same scaling as
    :class:`~wiretap.smallcell.CvxpyBestResponse`)."""
    finite = np.isfinite(b)
    useful = finite & (a > np.where(finite, b, 0.0))
    bb = np.where(useful, np.maximum(np.where(finite, b, 1.0), 1e-12 * a), 1.0)
    r = np.where(useful, (a - bb) / bb, 0.0)
    x = cp.Variable(len(a), nonneg=True)
    rate = cp.sum(cp.log(1 + cp.multiply(r, 1 - cp.inv_pos(1 + x))))
    norm = cp.norm(cp.hstack([cp.multiply(beta / bb, x), np.array([beta * np.sqrt(s)])]))
    prob = cp.Problem(
        cp.Maximize(rate - (c / bb) @ x - norm),
        [x <= np.where(useful, bb * m, 0.0), (1.0 / bb) @ x <= P],
    )
    info = convex.solve(prob, accept=ACCEPT)
    return np.clip(x.value / bb, 0.0, None) if info.ok else None


def _per_call(fn, probs, idx, repeat):
    def run():
        for i in idx:
            fn(*(x[i] for x in probs))

    return timed(run, repeat=repeat) / len(idx)


def main(quick: bool) -> list[dict]:
    n_nets = 2 if quick else 6
    probs, sweeps = _alg1_problems(n_nets)
    n_all = len(probs[0])
    trivial = smallcell.solve_best_response(*probs).p.sum(axis=1) == 0
    rng = np.random.default_rng(1)
    n_one = 16 if quick else 48
    mix = rng.choice(n_all, size=n_one, replace=False)
    hard = rng.choice(np.flatnonzero(~trivial), size=n_one, replace=False)
    rep = 1 if quick else 3

    # baselines, per problem (on the realistic mix)
    ref = smallcell.CvxpyBestResponse(K)
    ref.solve(*(x[0] for x in probs))  # compile once

    def compiled(*args):
        ref.solve(*args, accept=ACCEPT)

    t_comp = _per_call(compiled, probs, mix, rep)
    t_gen = _per_call(_generic, probs, mix[: max(4, n_one // 4)], rep)

    # exact, one problem per call (B = 1)
    rows1 = [tuple(x[i : i + 1] for x in probs) for i in range(n_all)]

    def exact_one(idx):
        def run():
            for i in idx:
                smallcell.solve_best_response(*rows1[i])

        return timed(run, repeat=3) / len(idx)

    t_mix = exact_one(mix)
    t_hard = exact_one(hard)
    t_comp_hard = _per_call(compiled, probs, hard, rep)

    # one sweep: 8 best responses in one call
    n_sw = min(len(sweeps), 8 if quick else 32)
    pick = rng.choice(len(sweeps), size=n_sw, replace=False)

    def exact_sweeps():
        for i in pick:
            smallcell.solve_best_response(*sweeps[i])

    t_sweep = timed(exact_sweeps, repeat=3) / n_sw

    # many networks: 8 SBSs x 32 sweeps in one call
    n_batch = min(len(sweeps), 32)
    batch = [np.concatenate([sweeps[i][k] for i in range(n_batch)]) for k in range(7)]
    t_batch = timed(lambda: smallcell.solve_best_response(*batch), repeat=5)
    n_b = len(batch[0])

    # one Fig. 6 point: 8 SBSs, all uncertainties 0.1, I_th = 10 pW
    net = smallcell.generate_network(np.random.default_rng(3), n_sbs=8)
    res = smallcell.price_iteration(net)
    t_point = timed(lambda: smallcell.price_iteration(net), repeat=1 if quick else 3)
    n_br = 8 * res.inner_iterations
    ratio_triv = float(np.mean(trivial))

    # equilibria on every network (Figs. 6-7 investigation): Newton on the KKT system of the VI
    # against Algorithm 2, both batched over the networks, on the non-robust design
    n_vi = 8 if quick else 30
    nets = [smallcell.generate_network(100 + i, n_sbs=8) for i in range(n_vi)]
    designs = [n.nominal(secrecy=True, protection=True) for n in nets]

    def alg2_all():
        return smallcell.solve_many(nets, "NS-NP", max_iter=100, inner_max_iter=100)

    def newton_all():
        return smallcell.vi_many(nets, "NS-NP", starts=1)

    t_alg2_all = timed(alg2_all, repeat=1)
    t_newton_all = timed(newton_all, repeat=1)
    n_alg2 = sum(r.status == "converged" for r in alg2_all())
    n_newton = sum(es.found for es in newton_all())
    t_newton_loop = timed(lambda: [smallcell.vi_equilibrium(d) for d in designs], repeat=1)
    return [
        compare(
            f"NS-NP equilibria of {n_vi} networks (8 SBSs): Newton (VI KKT) vs Algorithm 2",
            ("Algorithm 2 + 1, one batch", t_alg2_all),
            ("Newton, zero start, one batch", t_newton_all),
            alg2_converged=n_alg2,
            newton_certified=int(n_newton),
            networks=n_vi,
        ),
        compare(
            f"Newton (VI KKT) on {n_vi} networks: one call per network vs one batch",
            ("one call per network", t_newton_loop),
            ("one batch", t_newton_all),
        ),
        compare(
            "best response (33), one problem (Alg. 1 mix), vs compiled cvxpy",
            ("cvxpy compiled re-solve", t_comp),
            ("exact, one call", t_mix),
            problems=n_one,
            priced_out_share=ratio_triv,
        ),
        compare(
            "best response (33), one problem (Alg. 1 mix), vs generic cvxpy",
            ("cvxpy build + solve", t_gen),
            ("exact, one call", t_mix),
        ),
        compare(
            "best response (33), one non-trivial problem, vs compiled cvxpy",
            ("cvxpy compiled re-solve", t_comp_hard),
            ("exact, one call", t_hard),
            problems=n_one,
        ),
        compare(
            "best response (33), one non-trivial problem, vs generic cvxpy",
            ("cvxpy build + solve", t_gen),
            ("exact, one call", t_hard),
        ),
        compare(
            "8 best responses (one Jacobi sweep), vs compiled cvxpy",
            ("cvxpy compiled x8", 8 * t_comp),
            ("exact, one call", t_sweep),
            sweeps=n_sw,
        ),
        compare(
            "8 best responses (one Jacobi sweep), vs generic cvxpy",
            ("cvxpy build + solve x8", 8 * t_gen),
            ("exact, one call", t_sweep),
        ),
        compare(
            f"{n_b} best responses (8 SBSs x {n_batch} sweeps), vs compiled cvxpy",
            (f"cvxpy compiled x{n_b}", n_b * t_comp),
            ("exact, one call", t_batch),
            per_problem_exact_us=1e6 * t_batch / n_b,
        ),
        compare(
            f"{n_b} best responses (8 SBSs x {n_batch} sweeps), vs generic cvxpy",
            (f"cvxpy build + solve x{n_b}", n_b * t_gen),
            ("exact, one call", t_batch),
        ),
        compare(
            "Fig. 6 point (8 SBSs, Algorithm 2 + 1), vs compiled cvxpy (estimated)",
            ("cvxpy compiled BR x sweeps, estimated", n_br * t_comp),
            ("exact BR, measured", t_point),
            status=res.status,
            price_updates=res.iterations,
            sweeps=res.inner_iterations,
        ),
        compare(
            "Fig. 6 point (8 SBSs, Algorithm 2 + 1), vs generic cvxpy (estimated)",
            ("cvxpy build + solve BR x sweeps, estimated", n_br * t_gen),
            ("exact BR, measured", t_point),
        ),
    ]
