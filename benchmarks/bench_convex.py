"""DPP: a problem compiled once with Parameters and re-solved, versus rebuilt every time.

Backs the claim of the convex-modelling chapter (book/foundations/02-convex.md). Two problems:

* the leakage-constrained beamforming SOCP of that chapter (complex data);
* the S-lemma "value" SDP of the S-lemma chapter, max t s.t. ball_lmi(A, b, c - t, r) >= 0.

Each timed call solves the problem for ``n_solves`` different random data sets, either by
assigning Parameter values of one compiled problem (candidate) or by building and compiling a
new problem per data set (baseline). Both give the same optimal values (asserted).
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from harness import compare, timed
from wiretap import channels, convex, lemmas

SDP_OK = ("optimal", "optimal_inaccurate")


def _socp_data(rng, n, count):
    return [
        (channels.complex_gaussian(n, rng), channels.complex_gaussian(n, rng), 0.1)
        for _ in range(count)
    ]


def _socp_rebuilt(h, g, eta):
    w = cp.Variable(h.size, complex=True)
    cons = [cp.real(h.conj() @ w) >= 1, cp.abs(g.conj() @ w) <= eta]
    return convex.solve(cp.Problem(cp.Minimize(cp.sum_squares(w)), cons)).value


def _socp_compiled(n):
    h, g = cp.Parameter(n, complex=True), cp.Parameter(n, complex=True)
    eta = cp.Parameter(nonneg=True)
    w = cp.Variable(n, complex=True)
    cons = [cp.real(cp.conj(h) @ w) >= 1, cp.abs(cp.conj(g) @ w) <= eta]
    prob = convex.require_dpp(cp.Problem(cp.Minimize(cp.sum_squares(w)), cons))

    def solve(h0, g0, eta0):
        h.value, g.value, eta.value = h0, g0, eta0
        return convex.solve(prob).value

    return solve


def _sdp_data(rng, n, count):
    out = []
    for _ in range(count):
        G = channels.complex_gaussian((n, n), rng)
        out.append(((G + G.conj().T) / 2, channels.complex_gaussian(n, rng), rng.uniform(0.3, 2)))
    return out


def _sdp_rebuilt(A, b, r):
    t, lam = cp.Variable(), cp.Variable(nonneg=True)
    M = lemmas.ball_lmi(A, b, -t, r, lam)
    return convex.solve(cp.Problem(cp.Maximize(t), [M >> 0]), accept=SDP_OK).value


def _sdp_compiled(n):
    A = cp.Parameter((n, n), hermitian=True)
    b = cp.Parameter(n, complex=True)
    r2 = cp.Parameter(nonneg=True)
    t, lam = cp.Variable(), cp.Variable(nonneg=True)
    M = lemmas.ball_lmi(A, b, -t, r2, lam, squared=True)
    prob = convex.require_dpp(cp.Problem(cp.Maximize(t), [M >> 0]))

    def solve(A0, b0, r0):
        A.value, b.value, r2.value = A0, b0, r0**2
        return convex.solve(prob, accept=SDP_OK).value

    return solve


def _one(name, data, rebuilt, compiled, **extra):
    ref = [rebuilt(*d) for d in data]
    got = [compiled(*d) for d in data]
    if not np.allclose(got, ref, rtol=1e-5, atol=1e-7):  # same answers, or the ratio is moot
        raise AssertionError(f"{name}: compiled and rebuilt problems disagree")
    base = timed(lambda: [rebuilt(*d) for d in data], repeat=3)
    cand = timed(lambda: [compiled(*d) for d in data], repeat=3)
    return compare(
        name,
        ("rebuilt each solve", base),
        ("compiled once (DPP)", cand),
        solves=len(data),
        **extra,
    )


def main(quick: bool) -> list[dict]:
    rng = np.random.default_rng(2024)
    n_socp, n_sdp, count = (8, 3, 10) if quick else (16, 6, 40)
    return [
        _one(
            "leakage SOCP (complex)",
            _socp_data(rng, n_socp, count),
            _socp_rebuilt,
            _socp_compiled(n_socp),
            n=n_socp,
        ),
        _one(
            "S-lemma ball SDP (complex)",
            _sdp_data(rng, n_sdp, count),
            _sdp_rebuilt,
            _sdp_compiled(n_sdp),
            n=n_sdp,
        ),
    ]
