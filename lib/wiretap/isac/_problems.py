"""The compiled convex subproblems of the centralized design, and their shared helpers.

All convex subproblems are written once with cvxpy Parameters (DPP), kept per problem size
in a :class:`~wiretap._cache.CompiledCache`, and solved by Clarabel through
:func:`solve_problem` (the retry ladder of :func:`wiretap.convex.solve_with_retries`). Two
forms of the "block 1" problem of paper eq. (60) exist:

``mode="adaptive"``
    the paper's Algorithm 1 block: the radius of the stage-2 CSI ball is the variable
    ``delta_0 >= sum_m delta_m^2`` tied to the CRB by the SCA form of C7 (eq. (58)); the
    S-procedure multipliers ``eta`` are fixed (they are the other BCD block, eq. (62)).
``mode="fixed"``
    a fixed sensing requirement ``tr(CRB) <= T`` (baseline 2, the Fig. 7 sweep and our
    initialisation): the radius is a constant and the multipliers are variables.

Units: powers in mW, every noise power 1 (see :mod:`wiretap.isac.geometry`).
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from .._cache import CompiledCache
from .._linalg import herm
from ..convex import SolveInfo, require_dpp, solve_with_retries
from .geometry import Scenario
from .robust import bound_coefficients
from .sensing import crb, fim_transmit, fim_transmit_blocks, sensing_covariance

__all__ = [
    "ACCEPT",
    "CACHE",
    "LN2",
    "RETRY",
    "Block1",
    "SensingProblem",
    "StageRelaxation",
    "block1",
    "fim_scale",
    "interference",
    "rank_ratios",
    "sensing_problem",
    "solve_problem",
    "stage1_mse",
    "stage_relaxation",
    "user_scale",
]

LN2 = np.log(2.0)
CACHE = CompiledCache(maxsize=256)
ACCEPT = ("optimal", "optimal_inaccurate")
# Clarabel occasionally stops with InsufficientProgress (cvxpy: solver_error) on these
# problems: the interior-point steps shrink to zero near the optimum. A larger static
# regularisation of the KKT system, shorter steps, or no equilibration let every such
# solve we recorded finish; they are tried in turn before a failure is reported.
RETRY = (
    {"static_regularization_constant": 1e-7},
    {"static_regularization_constant": 1e-7, "max_step_fraction": 0.9},
    {"equilibrate_enable": False},
)


def solve_problem(problem: cp.Problem) -> tuple[SolveInfo, int]:
    """Solve with Clarabel, retrying with the :data:`RETRY` settings after a failure.

    Returns the final :class:`~wiretap.convex.SolveInfo` and the number of retries.
    A status of ``infeasible`` is never retried: it is reported as it is. When every
    attempt fails, the first attempt's outcome is returned with ``len(RETRY)`` retries.
    """
    return solve_with_retries(problem, ({}, *RETRY), accept=ACCEPT, report="first")


# --------------------------------------------------------------------------- scalings
def fim_scale(scn: Scenario) -> float:
    """A scale for the FIM so that the CRB LMI is well conditioned."""
    S = np.stack([np.eye(scn.N) * scn.p_max / scn.N] * scn.M).astype(complex)
    return float(np.trace(fim_transmit(scn, S).sum(0))) / 2.0


def interference(scn: Scenario, W, R) -> np.ndarray:
    """``Z_{m,k}^(i)`` of paper eq. (33) (interference + noise), shape (2, M, K).

    The own signal is masked out of the sum rather than subtracted from the total: with a
    strong own beam the subtraction cancels catastrophically (and could return ``Z <= 0``).
    Small negative terms from solver round-off (``W`` PSD only to the solver's tolerance)
    are clipped, so that ``Z`` is never below the noise (1).
    """
    h = scn.h
    M, K = scn.M, scn.K
    pw = np.einsum("tmka,itjab,tmkb->itjmk", h.conj(), W, h).real
    pr = np.einsum("tmka,itab,tmkb->itmk", h.conj(), R, h).real
    own = np.eye(M * K, dtype=bool).reshape(M, K, M, K)  # beam (t, j) at user (m, k): own
    pw = np.where(own[None], 0.0, np.maximum(pw, 0.0))
    return pw.sum(axis=(1, 2)) + np.maximum(pr, 0.0).sum(axis=1) + 1.0


def stage1_mse(scn: Scenario, W, R) -> float:
    """``tr(CRB)`` of the stage-1 part of ``W, R`` (design shapes, unchecked; ``inf`` if
    the FIM is singular). :func:`wiretap.isac.sensing_mse` is the checked form."""
    S = sensing_covariance(W[0], R[0])
    try:
        return float(np.trace(crb(fim_transmit(scn, S).sum(0))))
    except ValueError:
        return float("inf")


def rank_ratios(W: np.ndarray) -> np.ndarray:
    """``lambda_max / tr`` of each matrix of the stack ``W`` (unchecked; 1 for zero)."""
    ev = np.linalg.eigvalsh(herm(W))
    tr = ev.sum(-1)
    return np.where(tr > 1e-12, ev[..., -1] / np.where(tr > 1e-12, tr, 1.0), 1.0)


def user_scale(scn: Scenario) -> np.ndarray:
    """``c_mk = ||h_{m,m,k}||^2``, shape (M, K): every user's rate is invariant to scaling its
    channels and noise together, so the problems divide user ``(m, k)``'s terms by it."""
    return np.stack(
        [[np.linalg.norm(scn.h[m, m, k]) ** 2 for k in range(scn.K)] for m in range(scn.M)]
    )


def _fim_blocks(M: int, N: int):
    """Parameters ``K[m][a][b]`` with ``[F_bar_m]_ab = Re tr(S_m K_ab)``."""
    return [
        [[cp.Parameter((N, N), complex=True) for _ in range(2)] for _ in range(2)] for _ in range(M)
    ]


def _crb_epigraph(S, kfim, M: int):
    """``U`` with ``[[U, I], [I, F]] >= 0`` (so ``tr U >= tr F^{-1}``), ``F`` from ``S_m``."""
    f = {}
    for a, b in ((0, 0), (0, 1), (1, 1)):
        f[a, b] = cp.sum(cp.hstack([cp.real(cp.trace(S[m] @ kfim[m][a][b])) for m in range(M)]))
    F = cp.bmat([[f[0, 0], f[0, 1]], [f[0, 1], f[1, 1]]])
    U = cp.Variable((2, 2), symmetric=True)
    return U, cp.bmat([[U, np.eye(2)], [np.eye(2), F]]) >> 0


# --------------------------------------------------------------------------- block 1
class Block1:
    """The convex block-1 problem (paper eq. (60)), compiled once per size and form.

    Parameters are named attributes (``H[mt][m][k]``, ``G[m]``, ``g[m]``, ``tau``,
    ``p_max``, ``p_fixed``, ``r_info``, ``xi``/``tc``/``xs2`` keyed by ``(i, m, k)``,
    ``y0``, ``nz``, ``slack_w``; adaptive form: ``eta``, ``eta_s2``, ``r1s2``, ``cA``,
    ``cB``, ``b``; fixed form: ``r2``, ``T``), and so are the variables (``W``, ``R``,
    ``z``, ``s``, ``power``; ``delta``, ``delta0``, ``eta1`` or ``eta_var``; ``U``).
    """

    def __init__(self, M, N, K, mode: str, stages: tuple[int, ...], crb_on: bool, slack: bool):
        self.M, self.N, self.K, self.mode, self.stages, self.crb_on = M, N, K, mode, stages, crb_on
        self.slack = slack
        self._parameters()
        self._variables()
        cons = [X >> 0 for X in self.W.values()] + [X >> 0 for X in self.R.values()]
        cons += self._rate_constraints()
        self.power = self._powers()
        cons += [e <= self.p_max for e in self.power]
        self._multipliers()
        for i in stages:
            cons += self._leakage_lmis(i)
        if crb_on:
            cons += self._crb_constraints()
        obj = cp.sum(cp.hstack(self.power))
        if slack:
            obj = obj + self.slack_w * cp.sum(self.s)
        self.problem = require_dpp(cp.Problem(cp.Minimize(obj), cons))

    # -- construction
    def _parameters(self):
        M, N, K = self.M, self.N, self.K
        self.H = [
            [[cp.Parameter((N, N), hermitian=True) for _ in range(K)] for _ in range(M)]
            for _ in range(M)
        ]
        self.G = [cp.Parameter((N, N), hermitian=True) for _ in range(M)]
        self.g = [cp.Parameter(N, complex=True) for _ in range(M)]
        self.tau = cp.Parameter(2, nonneg=True)
        self.p_max = cp.Parameter(nonneg=True)
        self.p_fixed = cp.Parameter(M, nonneg=True)  # power of stages not optimised here
        self.r_info = cp.Parameter((M, K))
        self.keys = [(i, m, k) for i in range(2) for m in range(M) for k in range(K)]
        self.xi = {key: cp.Parameter(nonneg=True) for key in self.keys}
        self.tc = {key: cp.Parameter(nonneg=True) for key in self.keys}
        self.y0 = cp.Parameter((M, K))
        self.nz = cp.Parameter((M, K), nonneg=True)  # noise / c_mk (user scaling)
        self.slack_w = cp.Parameter(nonneg=True)

    def _variables(self):
        M, N, K, stages = self.M, self.N, self.K, self.stages
        self.W = {
            (i, m, k): cp.Variable((N, N), hermitian=True)
            for i in stages
            for m in range(M)
            for k in range(K)
        }
        self.R = {(i, m): cp.Variable((N, N), hermitian=True) for i in stages for m in range(M)}
        self.z = {key: cp.Variable() for key in self.W}
        # the slack (feasibility phase only) lives in its own compiled problem: an upper
        # bound s <= 0 would leave the strict problem without an interior point
        self.s = cp.Variable((M, K), nonneg=True) if self.slack else np.zeros((M, K))

    def _rate_constraints(self) -> list:
        """Interference + noise aux (eq. (33)); rates, DC + SCA (eqs. (30)-(38))."""
        M, K, H, W, R, z = self.M, self.K, self.H, self.W, self.R, self.z
        cons, rate = [], {}
        for i in self.stages:
            for m in range(M):
                for k in range(K):
                    terms = [
                        cp.real(cp.trace(H[mt][m][k] @ W[i, mt, kt]))
                        for mt in range(M)
                        for kt in range(K)
                        if (mt, kt) != (m, k)
                    ]
                    terms += [cp.real(cp.trace(H[mt][m][k] @ R[i, mt])) for mt in range(M)]
                    cons.append(z[i, m, k] == cp.sum(cp.hstack(terms)) + self.nz[m, k])
                    sig = cp.real(cp.trace(H[m][m][k] @ W[i, m, k]))
                    ell = cp.Variable()
                    cons.append(ell <= cp.log(sig + z[i, m, k]) / LN2)
                    xterm = self.tau[i] * ell
                    rate.setdefault((m, k), []).append(xterm - self.tc[i, m, k] * z[i, m, k])
        for (m, k), parts in rate.items():
            cons.append(
                cp.sum(cp.hstack(parts)) - self.y0[m, k] + self.s[m, k] >= self.r_info[m, k]
            )
        return cons

    def _powers(self) -> list:
        """``P_m`` of C1 (eq. (19)), one expression per BS."""
        Pm = []
        for m in range(self.M):
            e = self.p_fixed[m]
            for i in self.stages:
                e = e + self.tau[i] * (
                    cp.sum(cp.hstack([cp.real(cp.trace(self.W[i, m, k])) for k in range(self.K)]))
                    + cp.real(cp.trace(self.R[i, m]))
                )
            Pm.append(e)
        return Pm

    def _multipliers(self):
        """Parameters and variables of the S-procedure multipliers and the radii.

        The LMIs are scaled by the congruence diag(I, 1/s), s = ||g_bar||; the parameters
        g, G hold g_bar / s and its outer product, xs2 holds xi / s^2.
        """
        self.xs2 = {key: cp.Parameter(nonneg=True) for key in self.keys}
        if self.mode == "adaptive":
            self.eta = {key: cp.Parameter(nonneg=True) for key in self.keys}
            self.eta_s2 = {key: cp.Parameter(nonneg=True) for key in self.keys}
            self.r1s2 = cp.Parameter(nonneg=True)
            self.eta1 = {key: cp.Variable(nonneg=True) for key in self.keys if key[0] == 0}
            self.delta = cp.Variable(self.M)
            self.delta0 = cp.Variable(nonneg=True)
        else:
            self.eta_var = {
                key: cp.Variable(nonneg=True) for key in self.keys if key[0] in self.stages
            }
            self.r2 = cp.Parameter(2, nonneg=True)

    def _eta_terms(self, i, m, k):
        """The multiplier of LMI ``(i, m, k)`` and its ``eta r^2`` term (scaled)."""
        if self.mode == "adaptive" and i == 0:
            # stage 1 has a constant radius: its multiplier stays a variable
            eta = self.eta1[i, m, k]
            return eta, eta * self.r1s2
        if self.mode == "adaptive":
            return self.eta[i, m, k], self.eta_s2[i, m, k] * self.delta0
        eta = self.eta_var[i, m, k]
        return eta, eta * self.r2[i]

    def _leakage_lmis(self, i: int) -> list:
        """Robust leakage LMIs of stage ``i`` (eqs. (51), (53))."""
        M, N, R, g, G = self.M, self.N, self.R, self.g, self.G
        v = [cp.Variable(N, complex=True) for _ in range(M)]
        q = cp.Variable()
        cons = [v[m] == R[i, m] @ g[m] for m in range(M)]
        cons.append(q == cp.sum(cp.hstack([cp.real(cp.trace(R[i, m] @ G[m])) for m in range(M)])))
        for m in range(M):
            for k in range(self.K):
                cons.append(self._leakage_lmi(i, m, k, v, q) >> 0)
        return cons

    def _leakage_lmi(self, i, m, k, v, q):
        M, N, Wk, g = self.M, self.N, self.W[i, m, k], self.g
        xi = self.xi[i, m, k]
        eta, er2 = self._eta_terms(i, m, k)
        rows = []
        for a in range(M):
            row = []
            for b in range(M):
                if a != b:
                    row.append(np.zeros((N, N)))
                    continue
                blk = eta * np.eye(N) + xi * self.R[i, a]
                if a == m:
                    blk = blk - Wk
                row.append(blk)
            col = xi * v[a]
            if a == m:
                col = col - Wk @ g[m]
            row.append(cp.reshape(col, (N, 1), order="F"))
            rows.append(row)
        corner = -cp.real(cp.trace(Wk @ self.G[m])) + xi * q + self.xs2[i, m, k] - er2
        last = [
            cp.reshape(cp.conj(xi * v[a] - (Wk @ g[m] if a == m else 0)), (1, N), order="F")
            for a in range(M)
        ]
        last.append(cp.reshape(corner, (1, 1), order="F"))
        rows.append(last)
        return cp.bmat(rows)

    def _crb_constraints(self) -> list:
        """Sensing: CRB epigraph and C6/C7 (eqs. (52), (58))."""
        M, K, W, R = self.M, self.K, self.W, self.R
        self.kfim = _fim_blocks(M, self.N)
        Smat = [sum(W[0, m, k] for k in range(K)) + R[0, m] for m in range(M)]
        self.U, lmi = _crb_epigraph(Smat, self.kfim, M)
        cons = [lmi]
        if self.mode == "adaptive":
            self.cA = cp.Parameter(M)
            self.cB = cp.Parameter(M, nonneg=True)
            self.b = cp.Parameter(M, nonneg=True)
            d = self.delta
            cons += [
                cp.trace(self.U) <= self.cA + cp.multiply(self.cB, d),
                d >= self.b,
                self.delta0 >= cp.sum_squares(d),
            ]
        else:
            self.T = cp.Parameter(nonneg=True)
            cons.append(cp.trace(self.U) <= self.T)
        return cons

    # -- data
    def set_instance(self, scn: Scenario, fim_scale: float, p_fixed=None):
        """Channels, requirements and FIM blocks of ``scn``."""
        # every user's rate is invariant to scaling its channels and noise together: scale
        # by c_mk = ||h_{m,m,k}||^2 so that all interference terms are O(power)
        c = user_scale(scn)
        for mt, m, k in np.ndindex(self.M, self.M, self.K):
            h = scn.h[mt, m, k]
            self.H[mt][m][k].value = np.outer(h, h.conj()) / c[m, k]
        self.nz.value = 1.0 / c
        g = scn.g_est / np.linalg.norm(scn.g_est)
        for m in range(self.M):
            self.G[m].value = np.outer(g[m], g[m].conj())
            self.g[m].value = g[m]
        self.tau.value = scn.tau
        self.p_max.value = scn.p_max
        self.p_fixed.value = np.zeros(self.M) if p_fixed is None else p_fixed
        self.r_info.value = scn.r_info
        if self.crb_on:
            kb = fim_transmit_blocks(scn) / fim_scale
            for m in range(self.M):
                for a in range(2):
                    for b in range(2):
                        # [F_bar_m]_ab = Re tr(S_m K_ab) (fim_transmit), written tr(S @ K)
                        self.kfim[m][a][b].value = kb[m, a, b]
            if self.mode == "adaptive":
                self.b.value = bound_coefficients(scn)[1]

    def set_sca(self, scn: Scenario, W, R):
        """Expansion point of the SCA form of C2 (eq. (38)) at ``W, R``."""
        Z = interference(scn, W, R) / user_scale(scn)[None]
        y0 = np.zeros((self.M, self.K))
        for i in self.stages:
            for m in range(self.M):
                for k in range(self.K):
                    t = scn.tau[i]
                    self.tc[i, m, k].value = t / (Z[i, m, k] * LN2)
                    y0[m, k] += t * (np.log2(Z[i, m, k]) - 1.0 / LN2)
        for i in set(range(2)) - set(self.stages):
            for m in range(self.M):
                for k in range(self.K):
                    self.tc[i, m, k].value = 0.0
        self.y0.value = y0

    def set_leakage(self, xi, s2: float):
        """Leakage ratios ``xi`` (shape (2, M, K)); ``s2 = ||g_bar||^2``."""
        for key in self.keys:
            self.xi[key].value = xi[key]
            self.xs2[key].value = xi[key] / s2

    def set_multipliers(self, eta, r1sq: float, s2: float):
        """Adaptive form: fixed stage-2 multipliers and the stage-1 radius^2 (scaled)."""
        for key in self.keys:
            self.eta[key].value = eta[key]
            self.eta_s2[key].value = eta[key] / s2
        self.r1s2.value = r1sq / s2

    def set_crb_sca(self, a, b, delta, fs: float):
        """Adaptive form: SCA of C7 (eq. (58)) at ``delta`` (kept above ``b``)."""
        dl = np.maximum(delta, b + 1e-9)
        self.cA.value = fs * (a**2 * (dl - b) ** 2 - 2 * a**2 * (dl - b) * dl)
        self.cB.value = fs * 2 * a**2 * (dl - b)

    def solve(self) -> tuple[SolveInfo, int]:
        """Solve (with the retry ladder); the solution is read by :meth:`values`."""
        return solve_problem(self.problem)

    # -- solution
    def values(self):
        """``W, R`` of the last solve, shapes (2, M, K, N, N) and (2, M, N, N)."""
        M, K, N = self.M, self.K, self.N
        W = np.zeros((2, M, K, N, N), complex)
        R = np.zeros((2, M, N, N), complex)
        for (i, m, k), X in self.W.items():
            W[i, m, k] = X.value
        for (i, m), X in self.R.items():
            R[i, m] = X.value
        return W, R

    def total_power(self) -> float:
        """``sum_m P_m`` at the last solve (mW)."""
        return float(sum(e.value for e in self.power))


def block1(
    scn: Scenario, mode: str, stages=(0, 1), crb_on=True, slack=False, *, rebuild=False
) -> Block1:
    """The compiled :class:`Block1` of this size and form (a fresh one if ``rebuild``)."""
    key = ("b1", scn.M, scn.N, scn.K, mode, tuple(stages), crb_on, slack)
    return CACHE.get(
        key,
        lambda: Block1(scn.M, scn.N, scn.K, mode, tuple(stages), crb_on, slack),
        rebuild=rebuild,
    )


# --------------------------------------------------------------------------- sensing
class SensingProblem:
    """``min tr(CRB)`` over stage-1 covariances with ``tr(S_m) <= budget`` (DPP, cached)."""

    def __init__(self, M: int, N: int):
        self.M = M
        self.K = _fim_blocks(M, N)
        self.budget = cp.Parameter(nonneg=True)
        self.S = [cp.Variable((N, N), hermitian=True) for _ in range(M)]
        U, lmi = _crb_epigraph(self.S, self.K, M)
        cons = [x >> 0 for x in self.S] + [cp.real(cp.trace(x)) <= self.budget for x in self.S]
        cons.append(lmi)
        self.problem = require_dpp(cp.Problem(cp.Minimize(cp.trace(U)), cons))

    def set(self, kb, budget: float):
        """FIM blocks ``kb`` (shape (M, 2, 2, N, N)) and the per-BS power ``budget``."""
        for m in range(self.M):
            for a in range(2):
                for b in range(2):
                    self.K[m][a][b].value = kb[m, a, b]
        self.budget.value = budget

    def solve(self) -> tuple[SolveInfo, int]:
        return solve_problem(self.problem)


def sensing_problem(scn: Scenario, *, rebuild=False) -> SensingProblem:
    """The compiled :class:`SensingProblem` of this size (a fresh one if ``rebuild``)."""
    return CACHE.get(
        ("sensing", scn.M, scn.N), lambda: SensingProblem(scn.M, scn.N), rebuild=rebuild
    )


# --------------------------------------------------------------------------- relaxation
def _hermitian(N: int) -> cp.Parameter:
    return cp.Parameter((N, N), hermitian=True)


def _seen(A, X):
    """``Re tr(A X)``: the power of covariance ``X`` seen through ``A = v v^H``."""
    return cp.real(cp.trace(A @ X))


class StageRelaxation:
    """One stage carrying all data, relaxed: its feasibility proves nothing, its
    infeasibility proves problem (18) infeasible for that design structure (DPP, cached).

    Variables: the stage's ``W_{m,k}`` and ``R_m`` (PSD, rank dropped: the SDR). Constraints:

    * rates, exact under the SDR: ``SINR_{m,k} >= gamma_R`` with
      ``gamma_R = 2^(r_info / tau) - 1``, i.e. ``interference + 1 <= h^H W_{m,k} h / gamma_R``
      (own beam masked out of the interference; every term of user ``(m, k)`` divided by
      ``c_mk``, :func:`user_scale`);
    * leakage at the estimated eavesdropper channels only (the centres of the CSI balls, a
      subset of the uncertainty set): ``g_m^H W_{m,k} g_m / gamma_E <= sum_t g_t^H R_t g_t + 1``
      with ``gamma_E = 2^(r_leak / tau) - 1``;
    * power: ``tr(sum_k W_{m,k} + R_m) <= budget_m`` (the stage's share of C1).

    The per-user thresholds divide the signal terms (a Parameter times a Parameter times a
    variable would not be DPP).
    """

    def __init__(self, M: int, K: int, N: int):
        self.M, self.K = M, K
        self.H = [[[_hermitian(N) for _ in range(M)] for _ in range(K)] for _ in range(M)]
        self.S = [[_hermitian(N) for _ in range(K)] for _ in range(M)]
        self.E = [[_hermitian(N) for _ in range(K)] for _ in range(M)]
        self.G = [_hermitian(N) for _ in range(M)]
        self.noise = cp.Parameter((M, K), nonneg=True)
        self.budget = cp.Parameter(M, nonneg=True)
        W = self.W = [[cp.Variable((N, N), hermitian=True) for _ in range(K)] for _ in range(M)]
        R = self.R = [cp.Variable((N, N), hermitian=True) for _ in range(M)]
        cons = [X >> 0 for row in W for X in row] + [X >> 0 for X in R]
        beams = [(t, j) for t in range(M) for j in range(K)]
        eve_noise = cp.sum([_seen(self.G[t], R[t]) for t in range(M)]) + 1.0
        for m in range(M):
            power = cp.sum([cp.real(cp.trace(X)) for X in W[m]]) + cp.real(cp.trace(R[m]))
            cons.append(power <= self.budget[m])
            for k in range(K):
                A = self.H[m][k]  # A[t] = h_{t,m,k} h_{t,m,k}^H / c_mk
                others = [_seen(A[t], W[t][j]) for t, j in beams if (t, j) != (m, k)]
                interference = cp.sum(others + [_seen(A[t], R[t]) for t in range(M)])
                cons.append(interference + self.noise[m, k] <= _seen(self.S[m][k], W[m][k]))
                cons.append(_seen(self.E[m][k], W[m][k]) <= eve_noise)
        self.problem = require_dpp(cp.Problem(cp.Minimize(0), cons))

    def set(self, scn: Scenario, share: float, budget) -> None:
        """Channels and thresholds of ``scn`` for a stage of time share ``share``, and the
        per-BS stage power ``budget`` (mW)."""
        c = user_scale(scn)
        gamma_r, gamma_e = np.expm1(LN2 * scn.r_info / share), np.expm1(LN2 * scn.r_leak / share)
        outer = lambda v: herm(np.outer(v, v.conj()))  # noqa: E731
        for m in range(self.M):
            self.G[m].value = outer(scn.g_est[m])
            for k in range(self.K):
                for t in range(self.M):
                    self.H[m][k][t].value = outer(scn.h[t, m, k]) / c[m, k]
                self.S[m][k].value = self.H[m][k][m].value / gamma_r[m, k]
                self.E[m][k].value = self.G[m].value / gamma_e[m, k]
        self.noise.value = 1.0 / c
        self.budget.value = np.asarray(budget, dtype=float)

    def solve(self) -> tuple[SolveInfo, int]:
        return solve_problem(self.problem)


def stage_relaxation(scn: Scenario, *, rebuild=False) -> StageRelaxation:
    """The compiled :class:`StageRelaxation` of this size (a fresh one if ``rebuild``)."""
    key = ("relaxation", scn.M, scn.K, scn.N)
    return CACHE.get(key, lambda: StageRelaxation(scn.M, scn.K, scn.N), rebuild=rebuild)
