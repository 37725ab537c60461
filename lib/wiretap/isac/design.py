"""Centralized design (Algorithm 1), the baselines, rank-one recovery and design re-checks.

All convex subproblems are written once with cvxpy Parameters (DPP), cached per problem
size, and solved by Clarabel through :func:`wiretap.convex.solve`. Two forms of the
"block 1" problem of paper eq. (60) exist:

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

import time
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np
from scipy.linalg import block_diag

from .._validation import as_array, check_int, check_positive
from ..convex import SolveInfo, require_dpp, solve
from ..results import Certificate, IterativeResult, as_history, settle
from .geometry import Scenario, _check_scenario, _solver_entry
from .robust import (
    _check_design,
    _real_scalar,
    bound_coefficients,
    csi_radius,
    max_ratio_on_ball,
    total_leakage,
    trs_min,
    user_rates,
    worst_case_leakage,
)
from .sensing import crb, fim_transmit, fim_transmit_blocks, sensing_covariance

__all__ = [
    "CentralizedResult",
    "Design",
    "DesignCheck",
    "baseline_separate",
    "best_sensing",
    "centralized_design",
    "check_design",
    "fixed_sensing_design",
    "initial_state",
    "rank_one_shift",
    "rank_ratio",
    "sensing_mse",
]

LN2 = np.log(2.0)
_CACHE: dict = {}
_ACCEPT = ("optimal", "optimal_inaccurate")
# Clarabel occasionally stops with InsufficientProgress (cvxpy: solver_error) on these
# problems: the interior-point steps shrink to zero near the optimum. A larger static
# regularisation of the KKT system, shorter steps, or no equilibration let every such
# solve we recorded finish; they are tried in turn before a failure is reported.
_RETRY = (
    {"static_regularization_constant": 1e-7},
    {"static_regularization_constant": 1e-7, "max_step_fraction": 0.9},
    {"equilibrate_enable": False},
)


def _solve(problem: cp.Problem) -> tuple[SolveInfo, int]:
    """Solve with Clarabel, retrying with other solver settings after a failure.

    Returns the final :class:`~wiretap.convex.SolveInfo` and the number of retries.
    A status of ``infeasible`` is never retried: it is reported as it is.
    """
    info = solve(problem, accept=_ACCEPT)
    if info.ok or info.infeasible:
        return info, 0
    for j, opts in enumerate(_RETRY, start=1):
        again = solve(problem, accept=_ACCEPT, **opts)
        if again.ok or again.infeasible:
            return again, j
    return info, len(_RETRY)


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class DesignCheck:
    """Re-check of a design against the *original* constraints of problem (18).

    Attributes
    ----------
    rates : ndarray, shape (M, K)
        Achieved ``sum_i tau_i R_{m,k}^(i)`` (bits/s/Hz), exact SINRs (eq. (5)).
    leakage : ndarray, shape (M, K)
        Worst-case ``sum_i tau_i log2(1 + xi)`` over the per-BS CSI balls (eq. (16)) whose
        stage-2 radii follow from the design's own CRB (eq. (17)), computed exactly.
    power : ndarray, shape (M,)
        ``P_m`` of eq. (19) (mW).
    mse : float
        ``tr(CRB)`` of the stage-1 sensing (m^2).
    rate_margin, leakage_margin, power_margin : float
        Smallest slack of C2, C3, C1 (negative = violated).
    tol : float
        Tolerance used for :attr:`feasible`.
    """

    rates: np.ndarray
    leakage: np.ndarray
    power: np.ndarray
    mse: float
    rate_margin: float
    leakage_margin: float
    power_margin: float
    tol: float

    @property
    def violation(self) -> float:
        """Largest violation of C1-C3 (>= 0; ``inf`` when the CRB is singular).

        ``max(0, -rate_margin, -leakage_margin, -power_margin / max(1, max P_m))``: bits/s/Hz
        for C2 and C3, relative for C1; NaN margins count as ``inf``.
        """
        v = [
            -self.rate_margin,
            -self.leakage_margin,
            -self.power_margin / max(1.0, float(self.power.max())),
        ]
        if not np.all(np.isfinite(v)):
            return float("inf")
        return float(max(0.0, *v))

    @property
    def feasible(self) -> bool:
        """All of C1-C3 hold up to ``tol`` (bits/s/Hz for rates, relative for power)."""
        return self.violation <= self.tol

    def certificate(self, extra: float = 0.0, detail: str = "") -> Certificate:
        """The re-check as a :class:`~wiretap.results.Certificate` of kind ``"feasibility"``.

        Parameters
        ----------
        extra : float
            Another violation to include (e.g. of an imposed sensing requirement).
        detail : str
            Appended to the description.
        """
        v = max(self.violation, float(extra)) if np.isfinite(extra) else float("inf")
        words = "largest violation of C1-C3 of problem (18), exact worst-case leakage"
        return Certificate(
            kind="feasibility",
            value=v,
            tolerance=self.tol,
            detail=words + (f"; {detail}" if detail else ""),
        )

    def describe(self) -> str:
        """The three margins in words (for messages)."""
        return (
            f"rate margin {self.rate_margin:.3g} bits/s/Hz, leakage margin "
            f"{self.leakage_margin:.3g} bits/s/Hz, power margin {self.power_margin:.3g} mW "
            f"(tolerance {self.tol:g})"
        )


@dataclass(frozen=True)
class Design:
    """A transmit design for both stages.

    Attributes
    ----------
    W : ndarray, complex, shape (2, M, K, N, N)
        Information covariances (rank one after :func:`rank_one_shift`).
    R : ndarray, complex, shape (2, M, N, N)
        Sensing / artificial-noise covariances.
    beams : ndarray, complex, shape (2, M, K, N)
        Beamformers ``w`` with ``W = w w^H`` (valid when :attr:`rank_one`).
    rank_one : bool
        Whether every ``W`` is rank one.
    """

    W: np.ndarray
    R: np.ndarray
    beams: np.ndarray
    rank_one: bool

    def power(self, scn: Scenario) -> np.ndarray:
        """Per-BS power ``P_m`` of paper eq. (19) (mW)."""
        per = (
            np.trace(self.W, axis1=-2, axis2=-1).real.sum(axis=2)
            + np.trace(self.R, axis1=-2, axis2=-1).real
        )
        return scn.tau @ per


@dataclass(frozen=True, kw_only=True)
class CentralizedResult(IterativeResult):
    """Outcome of :func:`centralized_design` and the baselines.

    The certificate (kind ``"feasibility"``) is the largest violation of C1-C3 of problem
    (18) found by :func:`check_design` (exact worst-case leakage), against
    ``DesignCheck.tol`` (1e-4): a ``"converged"`` design is feasible. SCA/BCD only reach
    stationary points, so no optimality is certified.

    Attributes
    ----------
    design : Design or None
        ``None`` unless the run produced a design.
    check : DesignCheck or None
        Re-check of :attr:`design` against problem (18).
    total_power : float
        ``sum_m P_m`` (mW), ``nan`` without a design.
    mse : float
        ``tr(CRB)`` of the design (m^2).
    rank_one_before : float
        Smallest ``lambda_1 / tr`` over all ``W`` returned by the SDR (1 = tight).
    xi : ndarray, shape (2, M, K)
        Final leakage ratios of the BCD.
    init_iterations : int
        SCA steps spent by the initialisation (:func:`initial_state`) inside this call
        (0 when a starting point was passed in); not counted in ``iterations``.
    """

    design: Design | None = None
    check: DesignCheck | None = None
    total_power: float = float("nan")
    mse: float = float("nan")
    rank_one_before: float = float("nan")
    xi: np.ndarray = field(default_factory=lambda: np.zeros(0))
    init_iterations: int = 0


# --------------------------------------------------------------------------- helpers
def sensing_mse(scn: Scenario, W, R) -> float:
    """``tr(F_central^{-1})`` for the stage-1 part of a design (m^2), paper eq. (29)."""
    _check_scenario(scn)
    W, R = _check_design(scn, W, R)
    S = sensing_covariance(W[0], R[0])
    try:
        return float(np.trace(crb(fim_transmit(scn, S).sum(0))))
    except ValueError:
        return float("inf")


def rank_ratio(W) -> np.ndarray:
    """``lambda_max / tr`` of each matrix in ``W`` (1 for rank one; 1 for the zero matrix)."""
    W = as_array(W, "W", kind="complex")
    if W.ndim < 2 or W.shape[-1] != W.shape[-2]:
        raise ValueError(f"W must be a stack of square matrices (..., n, n), got {W.shape}")
    ev = np.linalg.eigvalsh((W + np.conj(np.swapaxes(W, -1, -2))) / 2)
    tr = ev.sum(-1)
    return np.where(tr > 1e-12, ev[..., -1] / np.where(tr > 1e-12, tr, 1.0), 1.0)


def rank_one_shift(scn: Scenario, W, R) -> Design:
    """Exact rank-one recovery: ``w = W h / sqrt(h^H W h)``, ``R <- R + (W - w w^H)``.

    ``W - w w^H`` is PSD and ``h^H (W - w w^H) h = 0`` for the served user's channel
    ``h = h_{m,m,k}``, so every user's SINR and every transmit covariance (hence the CRB
    and the power) are unchanged, while the eavesdropper's signal can only drop and its
    interference only grow. The relaxation of C4 is therefore never lossy here.

    Parameters
    ----------
    W : array_like, complex, shape (2, M, K, N, N)
    R : array_like, complex, shape (2, M, N, N)

    Returns
    -------
    Design
    """
    _check_scenario(scn)
    W, R = (x.copy() for x in _check_design(scn, W, R))
    beams = np.zeros((2, scn.M, scn.K, scn.N), complex)
    for i, m, k in np.ndindex(2, scn.M, scn.K):
        Wk = (W[i, m, k] + W[i, m, k].conj().T) / 2
        h = scn.h[m, m, k]
        s = np.vdot(h, Wk @ h).real
        if s <= 1e-14 * max(1.0, np.trace(Wk).real):
            R[i, m] += Wk
            W[i, m, k] = 0
            continue
        w = Wk @ h / np.sqrt(s)
        rest = Wk - np.outer(w, w.conj())
        R[i, m] += (rest + rest.conj().T) / 2
        W[i, m, k] = np.outer(w, w.conj())
        beams[i, m, k] = w
    return Design(W=W, R=R, beams=beams, rank_one=True)


def check_design(scn: Scenario, design: Design, *, tol: float = 1e-4) -> DesignCheck:
    """Re-check a design against C1-C3 of paper eq. (18), with exact worst cases.

    The stage-1 CSI radii come from ``Q^(1)`` and the stage-2 radii from the design's own
    CRB through eq. (17); the worst case over each per-BS ball is exact (trust-region
    subproblems and Dinkelbach's method, :func:`wiretap.isac.worst_case_leakage`).
    """
    _check_scenario(scn)
    if not isinstance(design, Design):
        raise TypeError(f"design must be a wiretap.isac.Design, got {type(design).__name__}")
    tol = float(check_positive(_real_scalar(tol, "tol"), "tol"))
    rates = np.tensordot(scn.tau, user_rates(scn, design.W, design.R), axes=1)
    mse = sensing_mse(scn, design.W, design.R)
    if np.isfinite(mse):
        radii = np.stack([csi_radius(scn, np.trace(scn.q1)), csi_radius(scn, mse)])
        leak = total_leakage(scn, worst_case_leakage(scn, design.W, design.R, radii))
    else:
        leak = np.full((scn.M, scn.K), np.inf)
    power = design.power(scn)
    return DesignCheck(
        rates=rates,
        leakage=leak,
        power=power,
        mse=mse,
        rate_margin=float(np.min(rates - scn.r_info)),
        leakage_margin=float(np.min(scn.r_leak - leak)),
        power_margin=float(np.min(scn.p_max - power)),
        tol=tol,
    )


def _fim_scale(scn: Scenario) -> float:
    """A scale for the FIM so that the CRB LMI is well conditioned."""
    S = np.stack([np.eye(scn.N) * scn.p_max / scn.N] * scn.M).astype(complex)
    return float(np.trace(fim_transmit(scn, S).sum(0))) / 2.0


def _interference(scn: Scenario, W, R) -> np.ndarray:
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


def _user_scale(scn: Scenario) -> np.ndarray:
    return np.stack(
        [[np.linalg.norm(scn.h[m, m, k]) ** 2 for k in range(scn.K)] for m in range(scn.M)]
    )


_START_POWER = 1.0  # mW per user beam of the first expansion point


def _heuristic_point(scn: Scenario):
    """Expansion point for the first SCA step: matched-filter beams, weak isotropic noise.

    The powers do not depend on ``P_max`` (the point need not be feasible), so that runs
    that differ only in the budget start from the same point.
    """
    W = np.zeros((2, scn.M, scn.K, scn.N, scn.N), complex)
    for m, k in np.ndindex(scn.M, scn.K):
        h = scn.h[m, m, k]
        u = h / np.linalg.norm(h)
        W[:, m, k] = np.outer(u, u.conj()) * _START_POWER
    R = np.stack([np.eye(scn.N)] * scn.M)[None].repeat(2, 0).astype(complex) * 1e-3
    return W, R


# --------------------------------------------------------------------------- block 1
class _Block1:
    """The convex block-1 problem (paper eq. (60)), compiled once per size and form."""

    def __init__(
        self,
        M: int,
        N: int,
        K: int,
        mode: str,
        stages: tuple[int, ...],
        crb_on: bool,
        slack: bool,
    ):
        self.M, self.N, self.K, self.mode, self.stages, self.crb_on = M, N, K, mode, stages, crb_on
        self.slack = slack
        P = self.par = {}
        V = self.var = {}
        S_all = range(2)
        P["H"] = [
            [[cp.Parameter((N, N), hermitian=True) for _ in range(K)] for _ in range(M)]
            for _ in range(M)
        ]
        P["G"] = [cp.Parameter((N, N), hermitian=True) for _ in range(M)]
        P["g"] = [cp.Parameter(N, complex=True) for _ in range(M)]
        P["tau"] = cp.Parameter(2, nonneg=True)
        P["p_max"] = cp.Parameter(nonneg=True)
        P["p_fixed"] = cp.Parameter(M, nonneg=True)  # power of stages not optimised here
        P["r_info"] = cp.Parameter((M, K))
        P["xi"] = {
            (i, m, k): cp.Parameter(nonneg=True) for i in S_all for m in range(M) for k in range(K)
        }
        P["tc"] = {key: cp.Parameter(nonneg=True) for key in P["xi"]}
        P["y0"] = cp.Parameter((M, K))
        P["nz"] = cp.Parameter((M, K), nonneg=True)  # noise / c_mk (user scaling)
        P["slack_w"] = cp.Parameter(nonneg=True)
        W = V["W"] = {
            (i, m, k): cp.Variable((N, N), hermitian=True)
            for i in stages
            for m in range(M)
            for k in range(K)
        }
        R = V["R"] = {(i, m): cp.Variable((N, N), hermitian=True) for i in stages for m in range(M)}
        z = V["z"] = {key: cp.Variable() for key in W}
        # the slack (feasibility phase only) lives in its own compiled problem: an upper
        # bound s <= 0 would leave the strict problem without an interior point
        s = V["s"] = cp.Variable((M, K), nonneg=True) if slack else np.zeros((M, K))
        cons = [X >> 0 for X in W.values()] + [X >> 0 for X in R.values()]
        # interference + noise aux (eq. (33)); rates, DC + SCA (eqs. (30)-(38))
        H = P["H"]
        rate = {}
        for i in stages:
            for m in range(M):
                for k in range(K):
                    terms = [
                        cp.real(cp.trace(H[mt][m][k] @ W[i, mt, kt]))
                        for mt in range(M)
                        for kt in range(K)
                        if (mt, kt) != (m, k)
                    ]
                    terms += [cp.real(cp.trace(H[mt][m][k] @ R[i, mt])) for mt in range(M)]
                    cons.append(z[i, m, k] == cp.sum(cp.hstack(terms)) + P["nz"][m, k])
                    sig = cp.real(cp.trace(H[m][m][k] @ W[i, m, k]))
                    ell = cp.Variable()
                    cons.append(ell <= cp.log(sig + z[i, m, k]) / LN2)
                    xterm = P["tau"][i] * ell
                    rate.setdefault((m, k), []).append(xterm - P["tc"][i, m, k] * z[i, m, k])
        for (m, k), parts in rate.items():
            cons.append(cp.sum(cp.hstack(parts)) - P["y0"][m, k] + s[m, k] >= P["r_info"][m, k])
        # power C1
        Pm = []
        for m in range(M):
            e = P["p_fixed"][m]
            for i in stages:
                e = e + P["tau"][i] * (
                    cp.sum(cp.hstack([cp.real(cp.trace(W[i, m, k])) for k in range(K)]))
                    + cp.real(cp.trace(R[i, m]))
                )
            Pm.append(e)
        V["P"] = Pm
        cons += [e <= P["p_max"] for e in Pm]
        # robust leakage LMIs (eqs. (51), (53))
        # the LMIs below are scaled by the congruence diag(I, 1/s), s = ||g_bar||; the
        # parameters g, G hold g_bar / s and its outer product, xs2 holds xi / s^2
        P["xs2"] = {key: cp.Parameter(nonneg=True) for key in P["xi"]}
        if mode == "adaptive":
            P["eta"] = {key: cp.Parameter(nonneg=True) for key in P["xi"]}
            P["eta_r1"] = {key: cp.Parameter(nonneg=True) for key in P["xi"]}
            P["eta_s2"] = {key: cp.Parameter(nonneg=True) for key in P["xi"]}
            P["r1s2"] = cp.Parameter(nonneg=True)
            V["eta1"] = {key: cp.Variable(nonneg=True) for key in P["xi"] if key[0] == 0}
            V["delta"] = cp.Variable(M)
            V["delta0"] = cp.Variable(nonneg=True)
        else:
            V["eta"] = {key: cp.Variable(nonneg=True) for key in P["xi"] if key[0] in stages}
            P["r2"] = cp.Parameter(2, nonneg=True)
        for i in stages:
            v = [cp.Variable(N, complex=True) for _ in range(M)]
            q = cp.Variable()
            for m in range(M):
                cons.append(v[m] == R[i, m] @ P["g"][m])
            cons.append(
                q == cp.sum(cp.hstack([cp.real(cp.trace(R[i, m] @ P["G"][m])) for m in range(M)]))
            )
            for m in range(M):
                for k in range(K):
                    xi = P["xi"][i, m, k]
                    if mode == "adaptive" and i == 0:
                        # stage 1 has a constant radius: its multiplier stays a variable
                        eta = V["eta1"][i, m, k]
                        er2 = eta * P["r1s2"]
                    elif mode == "adaptive":
                        eta = P["eta"][i, m, k]
                        er2 = P["eta_s2"][i, m, k] * V["delta0"]
                    else:
                        eta = V["eta"][i, m, k]
                        er2 = eta * P["r2"][i]
                    rows = []
                    for a in range(M):
                        row = []
                        for b in range(M):
                            if a != b:
                                row.append(np.zeros((N, N)))
                                continue
                            blk = eta * np.eye(N) + xi * R[i, a]
                            if a == m:
                                blk = blk - W[i, m, k]
                            row.append(blk)
                        col = xi * v[a]
                        if a == m:
                            col = col - W[i, m, k] @ P["g"][m]
                        row.append(cp.reshape(col, (N, 1), order="F"))
                        rows.append(row)
                    corner = (
                        -cp.real(cp.trace(W[i, m, k] @ P["G"][m]))
                        + xi * q
                        + P["xs2"][i, m, k]
                        - er2
                    )
                    last = [
                        cp.reshape(
                            cp.conj(xi * v[a] - (W[i, m, k] @ P["g"][m] if a == m else 0)),
                            (1, N),
                            order="F",
                        )
                        for a in range(M)
                    ]
                    last.append(cp.reshape(corner, (1, 1), order="F"))
                    rows.append(last)
                    cons.append(cp.bmat(rows) >> 0)
        # sensing: CRB epigraph and C6/C7 (eqs. (52), (58))
        if crb_on:
            P["K"] = [
                [[cp.Parameter((N, N), complex=True) for _ in range(2)] for _ in range(2)]
                for _ in range(M)
            ]
            Smat = [sum(W[0, m, k] for k in range(K)) + R[0, m] for m in range(M)]
            f = {}
            for a, b in ((0, 0), (0, 1), (1, 1)):
                f[a, b] = cp.sum(
                    cp.hstack([cp.real(cp.trace(Smat[m] @ P["K"][m][a][b])) for m in range(M)])
                )
            F = cp.bmat([[f[0, 0], f[0, 1]], [f[0, 1], f[1, 1]]])
            U = V["U"] = cp.Variable((2, 2), symmetric=True)
            cons.append(cp.bmat([[U, np.eye(2)], [np.eye(2), F]]) >> 0)
            if mode == "adaptive":
                P["cA"] = cp.Parameter(M)
                P["cB"] = cp.Parameter(M, nonneg=True)
                P["b"] = cp.Parameter(M, nonneg=True)
                d = V["delta"]
                cons += [
                    cp.trace(U) <= P["cA"] + cp.multiply(P["cB"], d),
                    d >= P["b"],
                    V["delta0"] >= cp.sum_squares(d),
                ]
            else:
                P["T"] = cp.Parameter(nonneg=True)
                cons.append(cp.trace(U) <= P["T"])
        obj = cp.sum(cp.hstack(Pm))
        if slack:
            obj = obj + P["slack_w"] * cp.sum(s)
        self.problem = require_dpp(cp.Problem(cp.Minimize(obj), cons))

    # -- data
    def set_instance(self, scn: Scenario, fim_scale: float, p_fixed=None):
        P = self.par
        # every user's rate is invariant to scaling its channels and noise together: scale
        # by c_mk = ||h_{m,m,k}||^2 so that all interference terms are O(power)
        c = _user_scale(scn)
        for mt, m, k in np.ndindex(self.M, self.M, self.K):
            h = scn.h[mt, m, k]
            P["H"][mt][m][k].value = np.outer(h, h.conj()) / c[m, k]
        P["nz"].value = 1.0 / c
        g = scn.g_est / np.linalg.norm(scn.g_est)
        for m in range(self.M):
            P["G"][m].value = np.outer(g[m], g[m].conj())
            P["g"][m].value = g[m]
        P["tau"].value = scn.tau
        P["p_max"].value = scn.p_max
        P["p_fixed"].value = np.zeros(self.M) if p_fixed is None else p_fixed
        P["r_info"].value = scn.r_info
        if self.crb_on:
            kb = fim_transmit_blocks(scn) / fim_scale
            for m in range(self.M):
                for a in range(2):
                    for b in range(2):
                        # [F_bar_m]_ab = Re tr(S_m K_ab) (fim_transmit), written tr(S @ K)
                        P["K"][m][a][b].value = kb[m, a, b]
        if "b" in P:
            P["b"].value = bound_coefficients(scn)[1]

    def set_sca(self, scn: Scenario, W, R):
        Z = _interference(scn, W, R) / _user_scale(scn)[None]
        y0 = np.zeros((self.M, self.K))
        for i in self.stages:
            for m in range(self.M):
                for k in range(self.K):
                    t = scn.tau[i]
                    self.par["tc"][i, m, k].value = t / (Z[i, m, k] * LN2)
                    y0[m, k] += t * (np.log2(Z[i, m, k]) - 1.0 / LN2)
        for i in set(range(2)) - set(self.stages):
            for m in range(self.M):
                for k in range(self.K):
                    self.par["tc"][i, m, k].value = 0.0
        self.par["y0"].value = y0

    def values(self):
        M, K, N = self.M, self.K, self.N
        W = np.zeros((2, M, K, N, N), complex)
        R = np.zeros((2, M, N, N), complex)
        for (i, m, k), X in self.var["W"].items():
            W[i, m, k] = X.value
        for (i, m), X in self.var["R"].items():
            R[i, m] = X.value
        return W, R


def _block1(
    scn: Scenario, mode: str, stages=(0, 1), crb_on=True, slack=False, *, rebuild=False
) -> _Block1:
    key = (scn.M, scn.N, scn.K, mode, tuple(stages), crb_on, slack)
    if rebuild or key not in _CACHE:
        blk = _Block1(scn.M, scn.N, scn.K, mode, tuple(stages), crb_on, slack)
        if rebuild:
            return blk
        _CACHE[key] = blk
    return _CACHE[key]


# --------------------------------------------------------------------------- block 2
class _Block2:
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
        g = scn.g_est.ravel()
        n = g.size
        B = np.hstack([np.eye(n), g[:, None]])
        for i in range(2):
            Rb = block_diag(*R[i])
            self.AR[i].value = _herm(B.conj().T @ Rb @ B)
            for m in range(self.M):
                for k in range(self.K):
                    Wb = np.zeros((n, n), complex)
                    sl = slice(m * self.N, (m + 1) * self.N)
                    Wb[sl, sl] = W[i, m, k]
                    self.AW[i, m, k].value = _herm(B.conj().T @ Wb @ B)
                    self.wgt[i, m, k].value = scn.tau[i] / (LN2 * (1.0 + xi_prev[i, m, k]))
        self.r2.value = np.asarray(r2, float)


def _herm(A):
    return (A + A.conj().T) / 2


def _block2(scn: Scenario, *, rebuild=False) -> _Block2:
    key = ("b2", scn.M, scn.N, scn.K)
    if rebuild or key not in _CACHE:
        blk = _Block2(scn.M, scn.N, scn.K)
        if rebuild:
            return blk
        _CACHE[key] = blk
    return _CACHE[key]


def _solve_block2(scn, W, R, r2, xi_prev, rebuild=False, method="exact", margin=0.0):
    """Problem (62). Its objective is increasing in every ``xi`` and its constraints are
    separable, so it is solved by the smallest feasible ``xi`` of every LMI: the exact
    worst-case ratio over the joint ball (lossless S-lemma), with ``eta`` the multiplier of
    that trust-region problem. ``method="sdp"`` solves the SDP (62) itself instead."""
    if method == "exact":
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
    b2 = _block2(scn, rebuild=rebuild)
    b2.set(scn, W, R, r2, xi_prev)
    info, _ = _solve(b2.problem)
    if not info.ok:
        return None, None, info
    xi = np.zeros((2, scn.M, scn.K))
    eta = np.zeros((2, scn.M, scn.K))
    for key in b2.xi:
        xi[key] = max(float(b2.xi[key].value), 0.0)
        eta[key] = max(float(b2.eta[key].value), 0.0)
    return xi, eta, info


# --------------------------------------------------------------------------- drivers
def _budget_xi(scn: Scenario, stages) -> np.ndarray:
    """Equal per-stage leakage split meeting C3 with equality (our initial xi)."""
    xi = np.zeros((2, scn.M, scn.K))
    t = sum(scn.tau[i] for i in stages)
    for i in stages:
        xi[i] = 2.0 ** (scn.r_leak / t) - 1.0
    return xi


@dataclass
class _State:
    W: np.ndarray
    R: np.ndarray
    xi: np.ndarray
    eta: np.ndarray
    delta: np.ndarray
    delta0: float
    iterations: int = 0


def _fixed_loop(
    scn,
    T,
    *,
    stages=(0, 1),
    crb_on=True,
    p_fixed=None,
    R_fixed=None,
    tol=1e-4,
    max_iter=40,
    rebuild=False,
    point=None,
):
    """SCA on C2 for a fixed CSI radius (eta free, xi fixed at the budget split).

    Phase 1 minimises power plus a penalty on rate slacks until they vanish; phase 2 runs
    the strict problem (no slack) from that point until the relative power change is
    below ``tol``. ``max_iter`` caps the SCA steps of both phases together.

    Status: ``"converged"`` means only that the stopping rule fired (the caller certifies
    the design); ``"max_iter"`` a strictly feasible SCA point was found but the rule did
    not fire; ``"no_feasible_point"`` the slacks did not vanish; ``"infeasible"`` certified
    (:func:`_precheck`, or an infeasible feasibility phase); ``"solver_error"``.
    """
    a, b = bound_coefficients(scn)
    hist = {"objective": [], "slack": [], "solve_time": [], "retries": [], "inaccurate": []}
    why = _precheck(scn, T if crb_on else None, stages, p_fixed)
    if why:
        W, R = _heuristic_point(scn) if point is None else point
        delta = b + np.sqrt(T) / a
        xi0 = _budget_xi(scn, stages)
        st = _State(W, R, xi0, np.zeros_like(xi0), delta, float(np.sum(delta**2)))
        return "infeasible", why, 0, st, hist
    phase = [
        _block1(scn, "fixed", stages, crb_on, slack, rebuild=rebuild) for slack in (True, False)
    ]
    fs = _fim_scale(scn)
    r1 = csi_radius(scn, np.trace(scn.q1))
    r2 = csi_radius(scn, T)
    s2 = float(np.sum(np.abs(scn.g_est) ** 2))
    xi = _budget_xi(scn, stages)
    for blk in phase:
        blk.set_instance(scn, fs, p_fixed)
        blk.par["r2"].value = np.array([np.sum(r1**2), np.sum(r2**2)]) / s2
        if crb_on:
            blk.par["T"].value = T * fs
        for key, p in blk.par["xi"].items():
            p.value = xi[key]
            blk.par["xs2"][key].value = xi[key] / s2
        blk.par["slack_w"].value = 10.0 * scn.p_max
    W, R = _heuristic_point(scn) if point is None else point
    if R_fixed is not None:
        R = R.copy()
        R[0] = R_fixed
    status, msg, it = "max_iter", "", 0
    prev = np.inf
    strict = False
    blk = phase[0]
    for it in range(1, max_iter + 1):
        blk = phase[1] if strict else phase[0]
        blk.set_sca(scn, W, R)
        info, retries = _solve(blk.problem)
        hist["solve_time"].append(info.wall_time)
        hist["retries"].append(retries)
        hist["inaccurate"].append(int(info.status == "optimal_inaccurate"))
        if not info.ok:
            if info.infeasible and not strict:
                # phase 1 keeps the rates feasible through the slack, and W = 0 (its power
                # moved into R) with zero multipliers meets every leakage LMI: only the
                # exact power and CRB constraints of problem (18) can be infeasible
                status = "infeasible"
                msg = (
                    f"the feasibility phase (problem (60) with rate slacks, tr(CRB) <= {T:.3g}) "
                    f"is infeasible ({info.status}); its only constraints that can fail are the "
                    "exact power and CRB constraints of problem (18) (certificate: Clarabel's "
                    "infeasibility status of that relaxation)"
                )
            else:
                status = "solver_error"
                msg = (
                    f"block-1 (fixed radius) problem at iteration {it} "
                    f"({'strict phase' if strict else 'feasibility phase'}): {info.status}"
                    + (
                        "; the previous iterate is feasible for this SCA restriction, so the "
                        "report is numerical, not a certificate"
                        if info.infeasible
                        else ""
                    )
                    + _conditioning(scn, T, stages, hist)
                )
            break
        Wn, Rn = blk.values()
        if R_fixed is not None:
            Rn[0] = R_fixed
        for i in set(range(2)) - set(stages):
            Wn[i] = 0.0
        W, R = Wn, Rn
        slack = float(np.max(blk.var["s"].value)) if not strict else 0.0
        obj = float(sum(e.value for e in blk.var["P"]))
        hist["objective"].append(obj)
        hist["slack"].append(slack)
        if not strict:
            if slack <= 1e-7:
                strict = True
                prev = np.inf
            continue
        if abs(prev - obj) <= tol * max(abs(prev), 1e-9):
            status = "converged"
            break
        prev = obj
    if status == "max_iter" and not strict:
        status, msg = (
            "no_feasible_point",
            (
                f"the rate constraints could not be met: slack {hist['slack'][-1]:.3g} "
                f"bits/s/Hz after {it} SCA steps of the feasibility phase (not a certificate: "
                "problem (18) may be infeasible at this sensing requirement, or the SCA, a "
                "restriction, found no feasible point from its start)"
            ),
        )
    eta = np.zeros((2, scn.M, scn.K))
    if status in ("converged", "max_iter"):
        for key, v in blk.var["eta"].items():
            eta[key] = max(float(v.value), 0.0)
    delta = b + np.sqrt(T) / a
    return status, msg, it, _State(W, R, xi, eta, delta, float(np.sum(delta**2)), it), hist


def _conditioning(scn: Scenario, T: float, stages, hist) -> str:
    """Words on the scaling of a failed block-1 problem (for solver-error messages)."""
    st = list(stages)
    r = np.stack([csi_radius(scn, np.trace(scn.q1)), csi_radius(scn, T)])[st]  # (S, M)
    rel = float(np.max(r / np.linalg.norm(scn.g_est, axis=1)))
    xi = float(_budget_xi(scn, stages)[st].min())
    out = (
        f". Scaling: CSI radius up to {rel:.3g} x ||g_bar_m||, leakage-ratio budget "
        f"xi = {xi:.2g}; the corner of each leakage LMI (eq. (51)) holds xi next to "
        f"eta r^2, a spread of r^2 / xi up to {float(np.max(r)) ** 2 / xi:.1e}"
    )
    if rel >= 1.0:
        out += (
            " (a CSI ball contains g = 0: no artificial noise helps there, the information "
            "beams must all but vanish)"
        )
    if hist.get("slack"):
        out += f"; last rate slack {hist['slack'][-1]:.3g} bits/s/Hz"
    return out


@_solver_entry
def initial_state(scn: Scenario, mse0: float | None = None, **kw):
    """Feasible starting point for Algorithms 1 and 2 (the paper does not give one).

    Solves the fixed-requirement problem ``tr(CRB) <= mse0`` (SCA on C2 with a slack that
    is driven to zero, multipliers free, the leakage budget split equally between the
    stages), then computes the leakage ratios and multipliers of block 2 (eq. (62)).

    Parameters
    ----------
    mse0 : float, optional
        Sensing requirement of the starting point (m^2). Default: ``tr(Q^(1)) / 100``,
        unless that is less than twice the best CRB the power budget allows
        (:func:`best_sensing`); then four times that best value, so that the start never
        asks for more than about a quarter of the stage-1 budget for sensing.

    **kw
        Passed to the SCA loop: ``max_iter`` (default 40) caps its steps (feasibility
        phase and strict phase together), ``tol``, ``rebuild``.

    Returns
    -------
    status : str
        ``"converged"`` or ``"max_iter"``: a point that is strictly feasible for the SCA
        restriction was found (a valid start); ``"infeasible"`` with a certificate in the
        message (:func:`best_sensing`, the rate-only relaxation, or an infeasible
        feasibility phase); ``"no_feasible_point"`` when the rate slacks did not vanish
        (no proof); ``"solver_error"``.
    message : str
    state : _State
    """
    _check_scenario(scn)
    unknown = set(kw) - {"max_iter", "tol", "rebuild"}
    if unknown:
        raise TypeError(f"initial_state got unexpected keyword arguments {sorted(unknown)}")
    if "max_iter" in kw:
        kw["max_iter"] = check_int(kw["max_iter"], "max_iter", minimum=1)
    if "tol" in kw:
        kw["tol"] = float(check_positive(_real_scalar(kw["tol"], "tol"), "tol"))
    if mse0 is None:
        best, _, info = best_sensing(scn, rebuild=kw.get("rebuild", False))
        T = float(np.trace(scn.q1)) / 100.0
        if info.ok and T < 2.0 * best:
            T = 4.0 * best
    else:
        T = float(check_positive(mse0, "mse0"))
    status, msg, _, st, _ = _fixed_loop(scn, T, **kw)
    return status, msg, st


def _check_init(init) -> _State:
    """``init`` itself if it is a starting point from :func:`initial_state`."""
    if not isinstance(init, _State):
        raise TypeError(
            f"init must be the state returned by initial_state (or None), got {type(init).__name__}"
        )
    return init


def _design_state(scn: Scenario, design: Design, T: float | None = None) -> _State:
    """Starting point of Algorithms 1 and 2 at a given design (budget continuation).

    The stage-2 radius is the one of ``tr(CRB) <= T`` (default: the design's own CRB), as
    :func:`initial_state` sets it for its requirement; the leakage ratios start at the budget
    split and the multipliers at zero (both algorithms recompute them before their first
    step). The point is feasible for the first SCA restriction whenever ``design`` is
    feasible for problem (18) of ``scn``.
    """
    a, b = bound_coefficients(scn)
    T = sensing_mse(scn, design.W, design.R) if T is None else float(T)
    delta = b + np.sqrt(T) / a
    xi = _budget_xi(scn, (0, 1))
    return _State(design.W, design.R, xi, np.zeros_like(xi), delta, float(np.sum(delta**2)))


def _finish(scn, W, R, xi, hist, rule_met, it, t0, rank_min, *, T=None, init_it=0):
    """Result with a design: re-check it and settle the status from the certificate."""
    design = rank_one_shift(scn, W, R)
    chk = check_design(scn, design)
    extra, detail = 0.0, ""
    if T is not None:
        extra = max(0.0, chk.mse / T - 1.0) if np.isfinite(chk.mse) else float("inf")
        detail = f"and tr(CRB) <= {T:.3g} m^2 (relative)"
    cert = chk.certificate(extra, detail)
    status = settle(rule_met, cert, otherwise="max_iter")
    msg = ""
    if status == "stalled":
        msg = "stopping rule met but the design fails its exact re-check: " + chk.describe()
    elif status == "max_iter":
        msg = f"iteration cap reached after {it} iterations; " + chk.describe()
    return CentralizedResult(
        status=status,
        iterations=it,
        history=as_history(hist),
        elapsed=time.perf_counter() - t0,
        message=msg,
        certificate=cert,
        design=design,
        check=chk,
        total_power=float(design.power(scn).sum()),
        mse=chk.mse,
        rank_one_before=rank_min,
        xi=xi,
        init_iterations=init_it,
    )


def _fail(status, msg, it, hist, t0, init_it=0):
    return CentralizedResult(
        status=status,
        iterations=it,
        history=as_history(hist),
        elapsed=time.perf_counter() - t0,
        message=msg,
        init_iterations=init_it,
    )


@_solver_entry
def centralized_design(
    scn: Scenario,
    *,
    tol: float = 1e-3,
    max_iter: int = 30,
    init_iter: int = 40,
    mse0: float | None = None,
    init: _State | None = None,
    rebuild: bool = False,
) -> CentralizedResult:
    """Algorithm 1: BCD between problem (60) and problem (62) (proposed scheme 1).

    Block 1 (eq. (60)) minimises the total power over ``W, R, delta_0, delta_m`` with the
    SCA forms of C2 (eq. (38)) and C7 (eq. (58)), the S-procedure LMIs C5a, C5b (eqs. (51),
    (53)) and C6; block 2 (eq. (62)) updates ``xi, eta``. The SCA expansion points are the
    previous iterate. Stops when ``|f_n - f_{n-1}| <= tol f_{n-1}`` (Algorithm 1, line 6).

    Parameters
    ----------
    scn : Scenario
    tol : float
        Relative tolerance ``epsilon_1``.
    max_iter : int
        Cap on the BCD iterations (``result.iterations``).
    init_iter : int
        Cap on the SCA steps of the initialisation (:func:`initial_state`), counted
        separately in ``result.init_iterations``; unused when ``init`` is given.
    mse0 : float, optional
        Sensing requirement of the initial point (see :func:`initial_state`).
    init : optional
        A state from :func:`initial_state` (skips the initialisation).
    rebuild : bool
        Rebuild the cvxpy problems instead of reusing the compiled ones (benchmarks).

    Returns
    -------
    CentralizedResult
        ``history["objective"]`` holds the total power after every iteration (index 0: the
        initial point); it is non-increasing up to solver accuracy. ``"converged"``: the
        rule fired and the design passes :func:`check_design` (the certificate);
        ``"stalled"``: the rule fired but the re-check fails; ``"max_iter"``; the
        initialisation's own status (``"infeasible"`` certified, ``"no_feasible_point"``,
        ``"solver_error"``) when no start was found.

    References
    ----------
    Xu et al., Section III-B, Algorithm 1.
    """
    _check_scenario(scn)
    t0 = time.perf_counter()
    check_positive(tol, "tol")
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    init_iter = check_int(init_iter, "init_iter", minimum=1)
    init_it = 0
    if init is None:
        status, msg, st = initial_state(scn, mse0, rebuild=rebuild, max_iter=init_iter)
        init_it = st.iterations
        if status not in ("converged", "max_iter"):
            return _fail(status, "initialisation: " + msg, 0, {"objective": []}, t0, init_it)
    else:
        st = _check_init(init)
    a, b = bound_coefficients(scn)
    r1 = csi_radius(scn, np.trace(scn.q1))
    r1sq = float(np.sum(r1**2))
    xi, eta, info = _solve_block2(scn, st.W, st.R, [r1sq, st.delta0], st.xi, rebuild=rebuild)
    if xi is None:
        return _fail(
            "solver_error",
            f"block 2 at the initial point: {info.status}",
            0,
            {"objective": []},
            t0,
            init_it,
        )
    blk = _block1(scn, "adaptive", rebuild=rebuild)
    s2 = float(np.sum(np.abs(scn.g_est) ** 2))
    fs = _fim_scale(scn)
    blk.set_instance(scn, fs)
    W, R, delta = st.W, st.R, st.delta.copy()
    p0 = float(
        (
            scn.tau
            @ (np.trace(W, axis1=-2, axis2=-1).real.sum(2) + np.trace(R, axis1=-2, axis2=-1).real)
        ).sum()
    )
    hist = {
        "objective": [p0],
        "mse": [sensing_mse(scn, W, R)],
        "delta0": [st.delta0],
        "solve_time": [0.0],
        "rank_one": [float(rank_ratio(W).min())],
        "retries": [0],
        "inaccurate": [0],
    }
    status, msg, it = "max_iter", "", 0
    for it in range(1, max_iter + 1):
        for key in blk.par["xi"]:
            blk.par["xi"][key].value = xi[key]
            blk.par["xs2"][key].value = xi[key] / s2
            blk.par["eta"][key].value = eta[key]
            blk.par["eta_r1"][key].value = eta[key] * r1sq / s2
            blk.par["eta_s2"][key].value = eta[key] / s2
        blk.par["r1s2"].value = r1sq / s2
        blk.set_sca(scn, W, R)
        dl = np.maximum(delta, b + 1e-9)
        blk.par["cA"].value = fs * (a**2 * (dl - b) ** 2 - 2 * a**2 * (dl - b) * dl)
        blk.par["cB"].value = fs * 2 * a**2 * (dl - b)
        info, retries = _solve(blk.problem)
        hist["retries"].append(retries)
        hist["inaccurate"].append(int(info.status == "optimal_inaccurate"))
        if not info.ok:
            # the previous iterate is feasible for this SCA restriction: an infeasibility
            # report is numerical, never a certificate for problem (18)
            status = "solver_error"
            msg = f"block 1 (eq. (60)) at iteration {it}: {info.status} (not a certificate)"
            break
        W, R = blk.values()
        delta = np.asarray(blk.var["delta"].value, float)
        delta0 = float(blk.var["delta0"].value)
        xi_n, eta_n, info2 = _solve_block2(scn, W, R, [r1sq, delta0], xi, rebuild=rebuild)
        if xi_n is None:
            status, msg = "solver_error", f"block 2 (eq. (62)) at iteration {it}: {info2.status}"
            break
        xi, eta = xi_n, eta_n
        obj = float(sum(e.value for e in blk.var["P"]))
        hist["objective"].append(obj)
        hist["mse"].append(sensing_mse(scn, W, R))
        hist["delta0"].append(delta0)
        hist["solve_time"].append(info.wall_time + info2.wall_time)
        hist["rank_one"].append(float(rank_ratio(W).min()))
        prev = hist["objective"][-2]
        if abs(prev - obj) <= tol * abs(prev):
            status = "converged"
            break
    if status == "solver_error":
        return _fail(status, msg, it, hist, t0, init_it)
    return _finish(
        scn,
        W,
        R,
        xi,
        hist,
        status == "converged",
        it,
        t0,
        float(rank_ratio(W).min()),
        init_it=init_it,
    )


@_solver_entry
def fixed_sensing_design(
    scn: Scenario, mse: float, *, tol: float = 1e-4, max_iter: int = 40, rebuild: bool = False
) -> CentralizedResult:
    """Centralized design under an explicit sensing requirement ``tr(CRB) <= mse``.

    The radius of the stage-2 CSI ball is fixed by eq. (17) at ``tr(Q) = mse``; the rate
    constraints are handled by SCA, the S-procedure multipliers are optimised jointly.

    Parameters
    ----------
    mse : float
        Required ``tr(Q^(2))`` (m^2).
    tol : float
        Stop when the relative power change is below ``tol`` (strict phase).
    max_iter : int
        Cap on the SCA steps (feasibility phase and strict phase together).

    Returns
    -------
    CentralizedResult
        Certificate: the largest violation of C1-C3 (exact re-check) and of
        ``tr(CRB) <= mse`` (relative), against 1e-4. ``"infeasible"`` only with a
        certificate (:func:`best_sensing`, the rate-only relaxation, or an infeasible
        feasibility phase); ``"no_feasible_point"`` when the SCA feasibility phase ends with
        positive rate slacks.
    """
    _check_scenario(scn)
    t0 = time.perf_counter()
    T = float(check_positive(mse, "mse"))
    check_positive(tol, "tol")
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    status, msg, it, st, hist = _fixed_loop(scn, T, tol=tol, max_iter=max_iter, rebuild=rebuild)
    if status not in ("converged", "max_iter"):
        return _fail(status, msg, it, hist, t0)
    return _finish(
        scn,
        st.W,
        st.R,
        st.xi,
        hist,
        status == "converged",
        it,
        t0,
        float(rank_ratio(st.W).min()),
        T=T,
    )


class _Sensing:
    """``min tr(CRB)`` over stage-1 covariances with ``tr(S_m) <= budget`` (DPP, cached)."""

    def __init__(self, M: int, N: int):
        self.K = [
            [[cp.Parameter((N, N), complex=True) for _ in range(2)] for _ in range(2)]
            for _ in range(M)
        ]
        self.budget = cp.Parameter(nonneg=True)
        self.S = [cp.Variable((N, N), hermitian=True) for _ in range(M)]
        f = {
            ab: cp.sum(
                cp.hstack(
                    [cp.real(cp.trace(self.S[m] @ self.K[m][ab[0]][ab[1]])) for m in range(M)]
                )
            )
            for ab in ((0, 0), (0, 1), (1, 1))
        }
        F = cp.bmat([[f[0, 0], f[0, 1]], [f[0, 1], f[1, 1]]])
        U = cp.Variable((2, 2), symmetric=True)
        cons = [x >> 0 for x in self.S] + [cp.real(cp.trace(x)) <= self.budget for x in self.S]
        cons.append(cp.bmat([[U, np.eye(2)], [np.eye(2), F]]) >> 0)
        self.problem = require_dpp(cp.Problem(cp.Minimize(cp.trace(U)), cons))


@_solver_entry
def best_sensing(scn: Scenario, power: float | None = None, *, rebuild: bool = False):
    """The most accurate stage-1 sensing a power budget allows (an SDP, solved exactly).

    Minimises ``tr(F_central^{-1})`` (paper eqs. (27), (29)) over stage-1 transmit
    covariances ``S_m >= 0`` with ``tr(S_m) <= power`` for every BS.

    Parameters
    ----------
    power : float, optional
        Per-BS stage-1 transmit power (mW). Default ``P_max / tau_1``: the whole frame
        budget of C1 spent in stage 1, the largest stage-1 power any design can use.
    rebuild : bool
        Rebuild the cvxpy problem instead of reusing the compiled one.

    Returns
    -------
    mse : float
        ``tr(CRB)`` of the optimal covariances (m^2), ``nan`` if the solve failed.
    S : ndarray, complex, shape (M, N, N) or None
    info : wiretap.convex.SolveInfo

    Notes
    -----
    Any sensing requirement ``tr(CRB) <= T`` with ``T`` below this value is infeasible:
    it is the certificate :func:`fixed_sensing_design` and :func:`initial_state` use.

    Examples
    --------
    >>> from wiretap.isac import paper_scenario
    >>> scn = paper_scenario(0)
    >>> full, _, _ = best_sensing(scn)
    >>> half, _, _ = best_sensing(scn, scn.p_max / scn.tau[0] / 2)
    >>> bool(abs(half / full - 2.0) < 1e-3)   # the CRB scales as 1 / power
    True
    """
    _check_scenario(scn)
    budget = scn.p_max / scn.tau[0] if power is None else float(check_positive(power, "power"))
    key = ("sensing", scn.M, scn.N)
    if rebuild or key not in _CACHE:
        prob = _Sensing(scn.M, scn.N)
        if not rebuild:
            _CACHE[key] = prob
    else:
        prob = _CACHE[key]
    # the power is normalised to 1 and the FIM to O(1): the CRB scales as 1 / power
    fs = _fim_scale(scn) * budget / scn.p_max
    kb = fim_transmit_blocks(scn) * budget / fs
    for m in range(scn.M):
        for a in range(2):
            for b in range(2):
                prob.K[m][a][b].value = kb[m, a, b]
    prob.budget.value = 1.0
    info, _ = _solve(prob.problem)
    if not info.ok:
        return float("nan"), None, info
    S = np.stack([_herm(x.value) * budget for x in prob.S])
    W0 = np.zeros((2, scn.M, scn.K, scn.N, scn.N), complex)
    R0 = np.zeros((2, scn.M, scn.N, scn.N), complex)
    R0[0] = S
    return sensing_mse(scn, W0, R0), S, info


def _precheck(scn: Scenario, T: float | None, stages=(0, 1), p_fixed=None) -> str:
    """Certified infeasibility of problem (18) (with ``tr(CRB) <= T``): message or ``""``.

    Two exact certificates, each the infeasibility of a relaxation of problem (18):
    (i) the rates alone. Drop every interference term and the leakage and sensing
    constraints: a user with frame power ``p_{m,k} = sum_i tau_i tr W^(i)_{m,k}`` gets at
    most ``sum_i tau_i log2(1 + tr(W^(i)) ||h_{m,m,k}||^2)``, and concavity of the log makes
    equal per-stage powers ``p / sum tau_i`` the best split, so its rate needs
    ``p_{m,k} >= s (2^{r/s} - 1) / ||h_{m,m,k}||^2`` (``s = sum tau_i`` over the active
    stages); the users of BS ``m`` share ``B_m = P_max - p_fixed_m``, so
    ``sum_k p_{m,k} > B_m`` certifies infeasibility. (ii) ``T`` below the best CRB any design
    can reach (:func:`best_sensing`).
    """
    share = float(sum(scn.tau[i] for i in stages))
    budget = scn.p_max - (np.zeros(scn.M) if p_fixed is None else np.asarray(p_fixed))
    gain = np.sum(np.abs(scn.h[np.arange(scn.M), np.arange(scn.M)]) ** 2, axis=-1)  # (M, K)
    need = share * np.expm1(np.log(2.0) * scn.r_info / share) / gain  # (M, K) mW
    over = need.sum(axis=1) - budget
    if np.any(over > 1e-9 * scn.p_max):
        m = int(np.argmax(over))
        return (
            f"the users of BS {m} need at least {need[m].sum():.4g} mW of frame power for "
            f"their rates alone (interference-free relaxation of problem (18)) but BS {m} has "
            f"{budget[m]:.4g} mW (certificate)"
        )
    if T is not None:
        best, _, info = best_sensing(scn)
        if info.ok and T < best * (1.0 - 1e-3):
            return (
                f"the sensing requirement tr(CRB) <= {T:.3g} m^2 is below the best "
                f"{best:.3g} m^2 the power budget allows (certificate: the best-sensing SDP)"
            )
    return ""


@_solver_entry
def baseline_separate(
    scn: Scenario, *, tol: float = 1e-4, max_iter: int = 40, rebuild: bool = False
) -> CentralizedResult:
    """Baseline scheme 1: separate two-stage design (centralized).

    Stage 1 transmits only sensing signals at full power and minimises the CRB; stage 2
    then minimises its power for secure communication given the resulting CSI error
    (all rate and leakage requirements are met in stage 2).
    """
    _check_scenario(scn)
    tol = float(check_positive(_real_scalar(tol, "tol"), "tol"))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    t0 = time.perf_counter()
    T, R1, info = best_sensing(scn, scn.p_max, rebuild=rebuild)
    if R1 is None:
        # the best-sensing SDP (power caps, PSD) is always feasible: any failure is numerical
        return _fail("solver_error", f"best-sensing SDP: {info.status}", 0, {"objective": []}, t0)
    p_fixed = scn.tau[0] * np.trace(R1, axis1=-2, axis2=-1).real
    Wh, Rh = _heuristic_point(scn)
    Wh[0] = 0
    Rh[0] = R1
    status, msg, it, st, hist = _fixed_loop(
        scn,
        T,
        stages=(1,),
        crb_on=False,
        p_fixed=p_fixed,
        R_fixed=R1,
        tol=tol,
        max_iter=max_iter,
        rebuild=rebuild,
        point=(Wh, Rh),
    )
    if status not in ("converged", "max_iter"):
        return _fail(status, "stage 2 of baseline 1: " + msg, it, hist, t0)
    return _finish(
        scn,
        st.W,
        st.R,
        st.xi,
        hist,
        status == "converged",
        it,
        t0,
        float(rank_ratio(st.W[1]).min()),
    )
