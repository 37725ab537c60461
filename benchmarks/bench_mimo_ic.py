"""MIMO-IC robust AN precoding: a full ADP run, DPP reuse, per-round scaling with K.

* One full run of the distributed algorithm at the paper's defaults (K = 3, N_T = N_R = 4,
  d_s = 2, d_a = 1, N_E = 8, zeta = 0.1), compiled subproblems, against the same run with
  every cvxpy problem rebuilt at every solve (the price of not using Parameters/DPP).
* The robust precoder subproblem alone: compiled-once re-solve vs build-and-solve.
* One round (every pair takes one turn) for K in {2, 3, 4, 6}: time per round relative to
  K = 2 (the work grows like K (K - 1) price terms plus K turns).
* The print's monolithic LMI (58) for the eavesdropper term vs the exact split/lifted form
  of the precoder step, solved for a fixed design (quick: smaller N_E, the monolithic form
  takes tens of seconds at N_E = 8).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: one BLAS thread

import numpy as np

from harness import compare, timed
from wiretap import mimo_ic as mic


def _pair_data(sc, seed):
    net = mic.draw_network(sc, seed)
    X = mic.initial_precoders(net.H_hat, net.G_hat, sc.power, sc.d_s, sc.d_a)
    view = mic.PairView.from_network(net, 0)
    Ups = mic.interference_covariance(net.H_hat, X, 0)
    aux = mic.aux_closed_form(view.A, view.G, X[0], Ups, sc.d_s)
    Pi = mic.prices(net.H_hat, X, sc.d_s)[1:]
    return net, view, X, aux, Pi


def main(quick: bool) -> list[dict]:
    out = []
    rounds = 2 if quick else 10
    sc = mic.Scenario(zeta=0.1)
    net = mic.draw_network(sc, 11)
    mic.clear_problem_cache()
    full = mic.run_adp(net, max_iter=rounds, tol=1e-12)  # includes the one-off compilation
    t_compiled = full.elapsed
    t_rebuilt = mic.run_adp(net, max_iter=rounds, tol=1e-12, rebuild=True).elapsed
    out.append(
        compare(
            f"full ADP run, paper defaults, {rounds} rounds",
            ("rebuilt problems", t_rebuilt),
            ("compiled once (DPP)", t_compiled),
            solves=full.solves,
            clarabel_s=round(full.solve_time, 3),
            messages=full.messages,
            status=full.status,
        )
    )

    _, view, _, aux, Pi = _pair_data(sc, 12)
    prob = mic.PrecoderProblem(sc.n_t, sc.n_r, sc.n_e, sc.d_s, sc.d_a, sc.n_pairs - 1)
    reps = 2 if quick else 5
    t_reuse = timed(lambda: prob.solve(view, aux, Pi), repeat=reps)
    t_build = timed(
        lambda: mic.PrecoderProblem(sc.n_t, sc.n_r, sc.n_e, sc.d_s, sc.d_a, 2).solve(view, aux, Pi),
        repeat=reps,
    )
    out.append(
        compare("robust precoder subproblem", ("build + solve", t_build), ("re-solve", t_reuse))
    )

    ks = (2, 3) if quick else (2, 3, 4, 6)
    base = None
    for K in ks:
        netk = mic.draw_network(sc.replace(n_pairs=K), 20 + K)
        mic.run_adp(netk, max_iter=1, tol=1e-12)  # compile for this size
        t = timed(
            lambda netk=netk: mic.run_adp(netk, max_iter=1, tol=1e-12),
            repeat=1 if quick else 2,
            warmup=0,
        )
        base = base or t
        out.append(compare(f"one round, K = {K} (vs K = 2)", ("K = 2", base), (f"K = {K}", t)))

    n_e = 4 if quick else 8
    scm = sc.replace(n_e=n_e)
    _, view, X, aux, _ = _pair_data(scm, 13)
    F = mic.hermitian_sqrt(aux.S_m)
    B, H, Xf = np.eye(n_e), view.G, X[0] @ F
    t_mono = timed(
        lambda: mic.min_robust_bound(B, H, Xf, None, view.radius_eve, form="monolithic"),
        repeat=1,
        warmup=0,
    )
    t_lift = timed(
        lambda: mic.min_robust_bound(B, H, Xf, None, view.radius_eve, form="lifted"),
        repeat=1,
        warmup=0,
    )
    out.append(
        compare(
            f"Eve term LMI, N_E = {n_e}",
            ("print's (58), one block", t_mono),
            ("row split + lifted S-lemma", t_lift),
        )
    )
    return out


if __name__ == "__main__":
    for row in main(quick=True):
        print(row)
