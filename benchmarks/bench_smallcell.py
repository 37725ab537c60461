"""Small cells: exact best response vs cvxpy + Clarabel, and one full Fig. 6 point.

Ratios are measured in one run. The cvxpy baseline is compiled once (DPP, Parameters) and
re-solved, which is the fair way to use it in a loop.

* single best response: one problem (33) per call;
* one Jacobi sweep: the best responses of all 8 SBSs of a network (one vectorized call vs
  8 cvxpy solves), what Algorithm 1 does each iteration;
* many networks: 8 SBSs x 32 networks in one call vs the same number of cvxpy solves
  (extrapolated from the per-solve time), what the Monte Carlo drivers do;
* one Fig. 6 point: Algorithm 2 around Algorithm 1 on one 8-SBS network, exact best
  responses, timed (no baseline: a cvxpy-based run of the same point is estimated from the
  number of best responses it needs times the per-solve time).
"""

from __future__ import annotations

import numpy as np

from harness import compare, timed
from wiretap import smallcell
from wiretap.smallcell.algorithms import _best_responses
from wiretap.smallcell.core import stack


def _problems(n_nets: int, seed: int = 0):
    """Best-response problems of every SBS of ``n_nets`` Table I networks at a random profile
    and a typical price."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n_nets):
        net = smallcell.generate_network(rng, n_sbs=8)
        p = smallcell.initial_power(net, "random", rng)
        kappa = 10 ** rng.uniform(10.5, 11.5)
        a, b = smallcell.legit_coefficient(net, p), smallcell.eve_coefficient(net, p)
        for j in range(8):
            rest = p.copy()
            rest[j] = 0
            rows.append(
                (a[j], b[j], kappa * net.hm[0, j], kappa * np.sqrt(net.e_mue[0]), np.sum(rest**2))
            )
    A, B, C, Be, S = (np.array(x) for x in zip(*rows, strict=True))
    n = len(A)
    return A, B, C, Be, S, np.full(n, 0.5), np.ones(n)


def main(quick: bool) -> list[dict]:
    n_nets = 4 if quick else 32
    A, B, C, Be, S, M, P = _problems(n_nets)
    ref = smallcell.CvxpyBestResponse(4)
    n_cvx = 16 if quick else 64
    accept = ("optimal", "optimal_inaccurate")

    def cvx_some():
        for i in range(n_cvx):
            ref.solve(A[i], B[i], C[i], Be[i], S[i], M[i], P[i], accept=accept)

    ref.solve(A[0], B[0], C[0], Be[0], S[0], M[0], P[0])  # compile once
    t_cvx = timed(cvx_some, repeat=3) / n_cvx

    def exact_one():
        for i in range(n_cvx):
            smallcell.solve_best_response(*(x[i : i + 1] for x in (A, B, C, Be, S, M, P)))

    t_one = timed(exact_one, repeat=3) / n_cvx

    def exact_sweep():
        for t in range(n_nets):
            sl = slice(8 * t, 8 * t + 8)
            smallcell.solve_best_response(A[sl], B[sl], C[sl], Be[sl], S[sl], M[sl], P[sl])

    t_sweep = timed(exact_sweep, repeat=3) / n_nets

    def exact_all():
        smallcell.solve_best_response(A, B, C, Be, S, M, P)

    t_all = timed(exact_all, repeat=3)
    n_all = len(A)

    # one Fig. 6 point: 8 SBSs, all uncertainties 0.1, I_th = 10 pW
    net = smallcell.generate_network(np.random.default_rng(3), n_sbs=8)
    res = smallcell.price_iteration(net)
    t_point = timed(lambda: smallcell.price_iteration(net), repeat=1 if quick else 3)
    n_br = 8 * res.inner_iterations
    S_ = stack(net)
    t_sweep_net = timed(
        lambda: _best_responses(S_, res.p[None], res.kappa[None], np.arange(8)), repeat=5
    )
    return [
        compare(
            "best response (33), one problem",
            ("cvxpy+Clarabel", t_cvx),
            ("exact", t_one),
            problems=n_cvx,
        ),
        compare(
            "best responses of 8 SBSs (one Jacobi sweep)",
            ("cvxpy+Clarabel x8", 8 * t_cvx),
            ("exact, one call", t_sweep),
            networks=n_nets,
        ),
        compare(
            f"best responses of 8 SBSs x {n_nets} networks",
            (f"cvxpy+Clarabel x{n_all}", n_all * t_cvx),
            ("exact, one call", t_all),
            per_problem_exact_us=1e6 * t_all / n_all,
        ),
        compare(
            "Fig. 6 point (8 SBSs, Algorithm 2 + 1)",
            ("cvxpy BR, estimated", n_br * t_cvx),
            ("exact BR, measured", t_point),
            status=res.status,
            price_updates=res.iterations,
            sweeps=res.inner_iterations,
            sweep_exact_ms=1e3 * t_sweep_net,
        ),
    ]
