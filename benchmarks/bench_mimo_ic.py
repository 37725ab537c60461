"""MIMO-IC robust AN precoding: a full ADP run, DPP reuse, per-round scaling with K.

* One full run of the distributed algorithm at the paper's defaults (K = 3, N_T = N_R = 4,
  d_s = 2, d_a = 1, N_E = 8, zeta = 0.1), compiled subproblems, against the same run with
  every cvxpy problem rebuilt at every solve (the price of not using Parameters/DPP).
* The robust precoder subproblem alone: compiled-once re-solve vs build-and-solve.
* One round (every pair takes one turn) for K in {2, 3, 4, 6}: time per round relative to
  K = 2 (the work grows like K (K - 1) price terms plus K turns).
* A precoder step with only Eve's robust term: the print's receive-space LMI (58) (one dense
  block of size 1 + N_E k + N_E N_T with the precoder inside) against the stream-space lifted
  form the library uses (one block of size 2 N_T); quick: N_E = 4.
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


def _eve_only(form, view, X0, aux, reward, sc):
    """max 10 Re<reward, X> - t, t >= worst-case Eve term, ||X||^2 <= P: two formulations.

    ``"print"``: the print's receive-space term ``||S^{1/2} (G + Delta) X||^2`` with the dense
    ``n_e x n_e`` weight ``S = (G X0 X0^H G^H + I)^{-1}`` and its LMI (58) in one block of size
    ``1 + n_e k + n_e n_t``. ``"ours"``: the stream-space term ``||(G + Delta) X F||^2`` with
    ``F = S_m^{1/2}`` (``k x k``) in one lifted block of size ``2 n_t`` (as in
    ``PrecoderProblem``). The two bound different (equally valid) quantities; the benchmark
    compares their solve times.
    """
    import cvxpy as cp

    from wiretap import lemmas

    n_t, k, n_e = sc.n_t, sc.k, sc.n_e
    r = view.radius_eve
    X = cp.Variable((n_t, k), complex=True)
    t, lam = cp.Variable(), cp.Variable(nonneg=True)
    reg = 0.0
    if form == "print":
        GX0 = view.G @ X0
        B = mic.hermitian_sqrt(np.linalg.inv(GX0 @ GX0.conj().T + np.eye(n_e)))
        a = cp.vec(B @ view.G @ X, order="F")
        J = cp.kron(X.T, B)
        cons = [mic.robust_norm_lmi(a, J, r, t, lam) >> 0]
    else:
        F = mic.hermitian_sqrt(aux.S_m)
        XF = X @ F
        Y = cp.Variable((n_t, n_t), hermitian=True)
        w, V = np.linalg.eigh(view.G.conj().T @ view.G)
        L = (V * np.sqrt(np.maximum(w, 0))) @ V.conj().T
        T = cp.Variable((n_t, n_t), hermitian=True)
        D = lam * np.eye(n_t) - r**2 * Y
        cons = [
            lemmas.hermitian_block(D, -(Y @ (r * L)), T) >> 0,
            lemmas.hermitian_block(Y, XF, np.eye(k)) >> 0,
            t >= cp.real(cp.trace(T)) + lam + cp.real(cp.trace(Y @ (L @ L.conj().T))),
        ]
        reg = 1e-9 * cp.real(cp.trace(Y))  # as in PrecoderProblem
    cons.append(cp.sum_squares(X) <= sc.power)
    obj = cp.Maximize(cp.real(cp.sum(cp.multiply(np.conj(reward), X))) * 10 - t - reg)
    return cp.Problem(obj, cons), X


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
            certified=full.certified,
            precoder_gap_max=float(np.max(full.precoder_gaps, initial=0.0)),
            precoder_rejected=full.uncertified_steps,
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
    reward = X[0] / np.linalg.norm(X[0])  # a linear reward so that X = 0 is not optimal
    status = {}

    def eve_step(form):
        prob, _ = _eve_only(form, view, X[0], aux, reward, scm)
        # the library's solve with its retry settings (accept_unknown, more regularization)
        return timed(
            lambda: status.__setitem__(form, mic.robust.solve_robust(prob, {}).status),
            repeat=1,
            warmup=0,
        )

    t_print = eve_step("print")
    t_ours = eve_step("ours")
    out.append(
        compare(
            f"precoder step, Eve term only, N_E = {n_e}",
            ("print's LMI (58), dense weight", t_print),
            ("stream space, lifted block", t_ours),
            status=f"{status['print']} / {status['ours']}",
        )
    )
    return out


if __name__ == "__main__":
    for row in main(quick=True):
        print(row)
