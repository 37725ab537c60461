"""The BCD iteration of Algorithm 1 (block 1: problem (60), block 2: problem (62)).

Block 2 is solved exactly by default (:func:`solve_block2`): its SDP (62), compiled once
per size (:class:`Block2`), is the reference it is tested against.
"""

from __future__ import annotations

import time

import cvxpy as cp
import numpy as np
from scipy.linalg import block_diag

from .._linalg import herm
from ..convex import SolveInfo, require_dpp
from ._problems import (
    CACHE,
    LN2,
    block1,
    fim_scale,
    rank_ratios,
    solve_problem,
    stage1_mse,
)
from .certify import DesignState
from .geometry import Scenario
from .robust import bound_coefficients, csi_radius, max_ratio_on_ball, trs_min

__all__ = ["BCD", "Block2", "block2", "solve_block2"]


# --------------------------------------------------------------------------- block 2
class Block2:
    """Leakage-minimisation block (paper eq. (62)) over the stacked (joint) CSI ball."""

    def __init__(self, M: int, N: int, K: int):
        n = M * N + 1
        self.M, self.N, self.K = M, N, K
        keys = [(i, m, k) for i in range(2) for m in range(M) for k in range(K)]
        self.AW = {key: cp.Parameter((n, n), hermitian=True) for key in keys}
        self.AR = [cp.Parameter((n, n), hermitian=True) for _ in range(2)]
        self.r2 = cp.Parameter(2, nonneg=True)
        self.wgt = {key: cp.Parameter(nonneg=True) for key in keys}
        self.xi = {key: cp.Variable(nonneg=True) for key in keys}
        self.eta = {key: cp.Variable(nonneg=True) for key in keys}
        top = np.diag(np.r_[np.ones(n - 1), 0.0])
        corner = np.zeros((n, n))
        corner[-1, -1] = 1.0
        cons = []
        for key in keys:
            i = key[0]
            L = (
                self.eta[key] * top
                + (self.xi[key] - self.eta[key] * self.r2[i]) * corner
                - self.AW[key]
                + self.xi[key] * self.AR[i]
            )
            cons.append(L >> 0)
        obj = cp.sum(cp.hstack([self.wgt[key] * self.xi[key] for key in keys]))
        self.problem = require_dpp(cp.Problem(cp.Minimize(obj), cons))

    def set(self, scn: Scenario, W, R, r2, xi_prev):
        """Data of eq. (62) at ``W, R`` with squared joint radii ``r2`` (per stage)."""
        g = scn.g_est.ravel()
        n = g.size
        B = np.hstack([np.eye(n), g[:, None]])
        for i in range(2):
            Rb = block_diag(*R[i])
            self.AR[i].value = herm(B.conj().T @ Rb @ B)
            for m in range(self.M):
                for k in range(self.K):
                    Wb = np.zeros((n, n), complex)
                    sl = slice(m * self.N, (m + 1) * self.N)
                    Wb[sl, sl] = W[i, m, k]
                    self.AW[i, m, k].value = herm(B.conj().T @ Wb @ B)
                    self.wgt[i, m, k].value = scn.tau[i] / (LN2 * (1.0 + xi_prev[i, m, k]))
        self.r2.value = np.asarray(r2, float)

    def solve(self) -> tuple[SolveInfo, int]:
        return solve_problem(self.problem)

    def values(self):
        """``xi, eta`` of the last solve (clipped at 0), shape (2, M, K) each."""
        xi = np.zeros((2, self.M, self.K))
        eta = np.zeros((2, self.M, self.K))
        for key in self.xi:
            xi[key] = max(float(self.xi[key].value), 0.0)
            eta[key] = max(float(self.eta[key].value), 0.0)
        return xi, eta


def block2(scn: Scenario, *, rebuild=False) -> Block2:
    """The compiled :class:`Block2` of this size (a fresh one if ``rebuild``)."""
    return CACHE.get(
        ("b2", scn.M, scn.N, scn.K), lambda: Block2(scn.M, scn.N, scn.K), rebuild=rebuild
    )


def _block2_exact(scn, W, R, r2, xi_prev, margin):
    """Problem (62) by the exact worst cases (see :func:`solve_block2`)."""
    t0 = time.perf_counter()
    g = scn.g_est.ravel()
    n = g.size
    xi = np.zeros((2, scn.M, scn.K))
    eta = np.zeros((2, scn.M, scn.K))
    for i in range(2):
        Rb = block_diag(*R[i])
        for m in range(scn.M):
            for k in range(scn.K):
                Wb = np.zeros((n, n), complex)
                sl = slice(m * scn.N, (m + 1) * scn.N)
                Wb[sl, sl] = W[i, m, k]
                rad = float(np.sqrt(max(r2[i], 0.0)))
                x0, _, eta[i, m, k] = max_ratio_on_ball(Wb, Rb, g, rad, 1.0)
                # optional interior margin, never above the previous (C3-feasible) value
                x1 = min(x0 * (1.0 + margin), max(xi_prev[i, m, k], x0))
                if x1 > x0:
                    A = x1 * Rb - Wb
                    eta[i, m, k] = trs_min(A, A @ g, np.vdot(g, A @ g).real + x1, rad)[2]
                xi[i, m, k] = x1
    info = SolveInfo("optimal", float("nan"), True, float("nan"), time.perf_counter() - t0, -1)
    return xi, eta, info


def solve_block2(scn, W, R, r2, xi_prev, rebuild=False, method="exact", margin=0.0):
    """Problem (62): ``(xi, eta, info)``, ``xi = eta = None`` when the SDP failed.

    Its objective is increasing in every ``xi`` and its constraints are separable, so it is
    solved by the smallest feasible ``xi`` of every LMI: the exact worst-case ratio over the
    joint ball (lossless S-lemma), with ``eta`` the multiplier of that trust-region problem.
    ``method="sdp"`` solves the SDP (62) itself instead.
    """
    if method == "exact":
        return _block2_exact(scn, W, R, r2, xi_prev, margin)
    b2 = block2(scn, rebuild=rebuild)
    b2.set(scn, W, R, r2, xi_prev)
    info, _ = b2.solve()
    if not info.ok:
        return None, None, info
    xi, eta = b2.values()
    return xi, eta, info


# --------------------------------------------------------------------------- BCD
class BCD:
    """Algorithm 1 from a starting point: block 1 (eq. (60)) then block 2 (eq. (62))."""

    def __init__(self, scn: Scenario, st: DesignState, rebuild: bool):
        self.scn, self.rebuild = scn, rebuild
        self.a, self.b = bound_coefficients(scn)
        r1 = csi_radius(scn, np.trace(scn.q1))
        self.r1sq = float(np.sum(r1**2))
        self.W, self.R, self.delta = st.W, st.R, st.delta.copy()
        self.xi, self.eta, self.info = solve_block2(
            scn, st.W, st.R, [self.r1sq, st.delta0], st.xi, rebuild=rebuild
        )
        self.hist = self._first_history(st)

    def _first_history(self, st: DesignState) -> dict:
        W, R, tau = self.W, self.R, self.scn.tau
        p0 = float(
            (
                tau
                @ (
                    np.trace(W, axis1=-2, axis2=-1).real.sum(2)
                    + np.trace(R, axis1=-2, axis2=-1).real
                )
            ).sum()
        )
        return {
            "objective": [p0],
            "mse": [stage1_mse(self.scn, W, R)],
            "delta0": [st.delta0],
            "solve_time": [0.0],
            "rank_one": [float(rank_ratios(W).min())],
            "retries": [0],
            "inaccurate": [0],
        }

    def prepare(self):
        """The compiled block-1 problem with this instance's data."""
        self.blk = block1(self.scn, "adaptive", rebuild=self.rebuild)
        self.s2 = float(np.sum(np.abs(self.scn.g_est) ** 2))
        self.fs = fim_scale(self.scn)
        self.blk.set_instance(self.scn, self.fs)

    def step(self, it: int) -> str:
        """One BCD iteration: ``""`` on success, else the message of a solver error."""
        scn, blk, hist = self.scn, self.blk, self.hist
        blk.set_leakage(self.xi, self.s2)
        blk.set_multipliers(self.eta, self.r1sq, self.s2)
        blk.set_sca(scn, self.W, self.R)
        blk.set_crb_sca(self.a, self.b, self.delta, self.fs)
        info, retries = blk.solve()
        hist["retries"].append(retries)
        hist["inaccurate"].append(int(info.status == "optimal_inaccurate"))
        if not info.ok:
            # the previous iterate is feasible for this SCA restriction: an infeasibility
            # report is numerical, never a certificate for problem (18)
            return f"block 1 (eq. (60)) at iteration {it}: {info.status} (not a certificate)"
        self.W, self.R = W, R = blk.values()
        self.delta = np.asarray(blk.delta.value, float)
        delta0 = float(blk.delta0.value)
        xi_n, eta_n, info2 = solve_block2(
            scn, W, R, [self.r1sq, delta0], self.xi, rebuild=self.rebuild
        )
        if xi_n is None:
            return f"block 2 (eq. (62)) at iteration {it}: {info2.status}"
        self.xi, self.eta = xi_n, eta_n
        hist["objective"].append(blk.total_power())
        hist["mse"].append(stage1_mse(scn, W, R))
        hist["delta0"].append(delta0)
        hist["solve_time"].append(info.wall_time + info2.wall_time)
        hist["rank_one"].append(float(rank_ratios(W).min()))
        return ""

    def converged(self, tol: float) -> bool:
        prev, obj = self.hist["objective"][-2:]
        return abs(prev - obj) <= tol * abs(prev)
