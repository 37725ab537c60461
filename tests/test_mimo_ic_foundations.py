"""MIMO-IC kernels against the Foundations kernels they specialise, and the shared machinery.

* ``mic.rates`` recomputes the log-det rates of :func:`wiretap.rates.log_det_rate` pair by
  pair (it works on the interference-plus-noise covariances directly): checked here on random
  networks, relative tolerance 1e-9.
* The trust-region worst case is checked against ``lemmas.min_quadratic_on_ball`` in
  ``tests/test_mimo_ic_robust.py``; the closed-form WMMSE blocks against ``wiretap.wmmse`` in
  ``tests/test_mimo_ic.py``.
* The retry ladder of the robust SDPs and the bounded cache of compiled subproblems.
"""

import numpy as np
import pytest

from wiretap import convex, rates
from wiretap import mimo_ic as mic

SMALL = dict(n_pairs=3, n_t=3, n_r=3, n_e=4, d_s=2, d_a=1)


def test_rates_match_the_foundations_log_det_rate(rng):
    worst = 0.0
    for seed in range(5):
        net = mic.draw_network(mic.Scenario(**SMALL, zeta=0.0), seed)
        X = mic.initial_precoders(net.H_hat, net.G_hat, net.power, 2, 1)
        X = X * np.sqrt(10.0 ** rng.uniform(-6, 0))
        cr, ce = mic.rates(net.H_hat, net.G_hat, X, 2)
        for i in range(SMALL["n_pairs"]):
            A, G, Q, L = net.H_hat[i, i], net.G_hat[i], X[i][:, :2], X[i][:, 2:]
            N = A @ L @ L.conj().T @ A.conj().T
            N = N + mic.interference_covariance(net.H_hat, X, i) + np.eye(3)
            NE = G @ L @ L.conj().T @ G.conj().T + np.eye(4)
            ref_r = rates.log_det_rate(A, Q @ Q.conj().T, noise=N, base=np.e)
            ref_e = rates.log_det_rate(G, Q @ Q.conj().T, noise=NE, base=np.e)
            worst = max(worst, abs(cr[i] - ref_r) / max(1.0, abs(ref_r)))
            worst = max(worst, abs(ce[i] - ref_e) / max(1.0, abs(ref_e)))
    assert worst < 1e-9


def _fake_solve(calls, statuses):
    def solve(problem, *, accept, **options):
        calls.append(options)
        status = statuses[len(calls) - 1]
        ok = status in accept
        return convex.SolveInfo(status, 1.0 if ok else float("nan"), ok, 0.0, 0.0, -1)

    return solve


def test_robust_ladder_lets_user_options_override_every_rung(monkeypatch):
    calls = []
    monkeypatch.setattr(convex, "solve", _fake_solve(calls, ["solver_error"] * 3))
    info = mic.robust.solve_robust(object(), {"static_regularization_constant": 5e-5})
    assert info.status == "solver_error" and len(calls) == 3
    assert all(c["accept_unknown"] is True for c in calls)
    assert all(c["static_regularization_constant"] == 5e-5 for c in calls)
    assert "tol_gap_abs" not in calls[1] and calls[2]["tol_feas"] == 1e-7


def test_robust_ladder_retries_infeasible_and_stops_at_success(monkeypatch):
    calls = []
    monkeypatch.setattr(convex, "solve", _fake_solve(calls, ["infeasible", "optimal_inaccurate"]))
    info = mic.robust.solve_robust(object(), None)
    assert info.status == "optimal_inaccurate" and info.ok and len(calls) == 2
    assert calls[1] == {"accept_unknown": True, "static_regularization_constant": 1e-7}


def test_compiled_problems_are_cached_bounded_and_cleared():
    cache = mic.adp.PROBLEM_CACHE
    mic.clear_problem_cache()
    net = mic.draw_network(mic.Scenario(**SMALL, zeta=0.05), 0)
    mic.run_adp(net, max_iter=1, aux="closed_form")  # robust precoder steps only
    assert len(cache) == 1 and cache.maxsize >= 128
    mic.clear_problem_cache()
    assert len(cache) == 0


@pytest.mark.parametrize("schedule", ["sequential", "jacobi"])
def test_adp_counts_one_message_per_price_and_receiver(schedule):
    net = mic.draw_network(mic.Scenario(**SMALL, zeta=0.0), 4)
    res = mic.run_adp(net, max_iter=3, schedule=schedule, tol=1e-12)
    K = SMALL["n_pairs"]
    assert res.messages == K * (K - 1) * (res.iterations + 1)
    assert res.numbers_exchanged == res.messages * SMALL["n_r"] ** 2
    assert res.history["messages"].tolist() == [K * (K - 1) * (r + 1) for r in range(4)]
