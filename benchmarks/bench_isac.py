"""ISAC part: one BCD and one ADMM iteration vs M; compiled-once vs rebuilt problems; a Fig. 5
budget step from a cold start vs from the previous budget's design (continuation)."""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from harness import compare
from wiretap import isac


def _one(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main(quick: bool) -> list[dict]:
    rows = []
    Ms = [3] if quick else [3, 6, 9]
    for M in Ms:
        scn = isac.paper_scenario(np.random.default_rng(0), n_bs=M, q1_std=0.5)
        st = isac.initial_state(scn).state
        isac.centralized_design(scn, init=st, max_iter=1)  # compile
        isac.decentralized_design(scn, init=st, max_iter=1)
        t_bcd = _one(lambda s=scn, i=st: isac.centralized_design(s, init=i, max_iter=1))
        t_admm = _one(lambda s=scn, i=st: isac.decentralized_design(s, init=i, max_iter=1))
        rows.append(
            compare(
                f"one iteration, M={M}",
                ("BCD (Alg. 1)", t_bcd),
                ("ADMM (Alg. 2, all M agents serially)", t_admm),
                M=M,
            )
        )
    scn = isac.paper_scenario(np.random.default_rng(0), q1_std=0.5)
    st = isac.initial_state(scn).state
    t_re = _one(lambda: isac.centralized_design(scn, init=st, max_iter=1, rebuild=True))
    t_c = _one(lambda: isac.centralized_design(scn, init=st, max_iter=1))
    rows.append(
        compare("BCD iteration, M=3", ("rebuilt cvxpy problem", t_re), ("compiled once (DPP)", t_c))
    )
    low = dataclasses.replace(scn, p_max=10**1.5)  # 15 dBm
    first = isac.run_schemes(low, schemes=("Proposed 1",))["Proposed 1"]
    high = dataclasses.replace(scn, p_max=10**2.0)  # 20 dBm
    t_cold = _one(lambda: isac.run_schemes(high, schemes=("Proposed 1",)))
    t_warm = _one(
        lambda: isac.budget_continuation(
            low, [15.0, 20.0], schemes=("Proposed 1",), start={"Proposed 1": first}
        )
    )
    rows.append(
        compare(
            "Algorithm 1 at 20 dBm, M=3",
            ("cold start (initial_state)", t_cold),
            ("continuation from 15 dBm", t_warm),
        )
    )
    return rows
