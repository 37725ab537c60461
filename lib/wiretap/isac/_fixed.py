"""The SCA loop at a fixed sensing requirement, and its certificates of infeasibility.

:func:`fixed_loop` runs SCA on C2 at a fixed CSI radius, ``tr(CRB) <= T`` (a feasibility
phase with rate slacks, then the strict problem); it is the centralized form of baseline 2
(:func:`~wiretap.isac.fixed_sensing_design`), stage 2 of baseline 1 and the initialisation of
Algorithms 1 and 2. :func:`precheck` certifies infeasibility through exact relaxations of
problem (18) (three for a single-stage design, two otherwise); :func:`best_crb` is the
best-sensing SDP behind
:func:`~wiretap.isac.best_sensing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .._linalg import herm
from ._problems import block1, fim_scale, sensing_problem, stage1_mse, stage_relaxation
from .certify import DesignState
from .geometry import Scenario
from .robust import bound_coefficients, csi_radius
from .sensing import fim_transmit_blocks

__all__ = [
    "FixedSettings",
    "LoopResult",
    "best_crb",
    "budget_xi",
    "fixed_loop",
    "heuristic_point",
    "precheck",
    "relaxation_infeasible",
]


# --------------------------------------------------------------------------- starting points
_START_POWER = 1.0  # mW per user beam of the first expansion point


def heuristic_point(scn: Scenario):
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


def budget_xi(scn: Scenario, stages) -> np.ndarray:
    """Equal per-stage leakage split meeting C3 with equality (our initial xi)."""
    xi = np.zeros((2, scn.M, scn.K))
    t = sum(scn.tau[i] for i in stages)
    for i in stages:
        xi[i] = 2.0 ** (scn.r_leak / t) - 1.0
    return xi


# --------------------------------------------------------------------------- SCA loop
@dataclass(frozen=True)
class FixedSettings:
    """Settings of :func:`fixed_loop`.

    Attributes
    ----------
    stages : tuple of int
        Stages whose covariances are optimised (the others keep ``W = 0``).
    crb_on : bool
        Impose ``tr(CRB) <= T`` (off for the stage 2 of baseline 1).
    p_fixed : ndarray, shape (M,), optional
        Frame power of the stages not optimised (mW).
    R_fixed : ndarray, complex, shape (M, N, N), optional
        Stage-1 sensing covariances held fixed.
    tol : float
        Relative power change that stops the strict phase.
    max_iter : int
        Cap on the SCA steps of both phases together.
    rebuild : bool
        Rebuild the cvxpy problems instead of reusing the compiled ones.
    point : (W, R), optional
        First expansion point (default :func:`heuristic_point`).
    """

    stages: tuple[int, ...] = (0, 1)
    crb_on: bool = True
    p_fixed: np.ndarray | None = None
    R_fixed: np.ndarray | None = None
    tol: float = 1e-4
    max_iter: int = 40
    rebuild: bool = False
    point: tuple | None = None


class LoopResult(NamedTuple):
    """Outcome of :func:`fixed_loop`."""

    status: str
    message: str
    iterations: int
    state: DesignState
    history: dict


def fixed_loop(scn: Scenario, T: float, cfg: FixedSettings = FixedSettings()) -> LoopResult:
    """SCA on C2 for a fixed CSI radius (eta free, xi fixed at the budget split).

    Phase 1 minimises power plus a penalty on rate slacks until they vanish; phase 2 runs
    the strict problem (no slack) from that point until the relative power change is
    below ``cfg.tol``. ``cfg.max_iter`` caps the SCA steps of both phases together.

    Status: ``"converged"`` means only that the stopping rule fired (the caller certifies
    the design); ``"max_iter"`` a strictly feasible SCA point was found but the rule did
    not fire; ``"no_feasible_point"`` the slacks did not vanish; ``"infeasible"`` certified
    (:func:`precheck`, or an infeasible feasibility phase); ``"solver_error"``.
    """
    return _FixedLoop(scn, T, cfg).run()


class _FixedLoop:
    """The two phases of :func:`fixed_loop` on one instance."""

    def __init__(self, scn: Scenario, T: float, cfg: FixedSettings):
        self.scn, self.T, self.cfg = scn, T, cfg
        self.a, self.b = bound_coefficients(scn)
        self.hist = {
            "objective": [],
            "slack": [],
            "solve_time": [],
            "retries": [],
            "inaccurate": [],
        }
        self.xi = budget_xi(scn, cfg.stages)

    def state(self, W, R, eta, it: int = 0) -> DesignState:
        delta = self.b + np.sqrt(self.T) / self.a
        return DesignState(W, R, self.xi, eta, delta, float(np.sum(delta**2)), it)

    def run(self) -> LoopResult:
        scn, cfg, hist = self.scn, self.cfg, self.hist
        why = precheck(scn, self.T if cfg.crb_on else None, cfg.stages, cfg.p_fixed)
        if why:
            W, R = heuristic_point(scn) if cfg.point is None else cfg.point
            return LoopResult("infeasible", why, 0, self.state(W, R, np.zeros_like(self.xi)), hist)
        phase = self.phases()
        W, R = self.start()
        status, msg, it = "max_iter", "", 0
        prev, strict, blk = np.inf, False, phase[0]
        for it in range(1, cfg.max_iter + 1):
            blk = phase[1] if strict else phase[0]
            blk.set_sca(scn, W, R)
            info, retries = blk.solve()
            hist["solve_time"].append(info.wall_time)
            hist["retries"].append(retries)
            hist["inaccurate"].append(int(info.status == "optimal_inaccurate"))
            if not info.ok:
                status, msg = self.failure(info, strict, it)
                break
            W, R = self.read(blk)
            slack = float(np.max(blk.s.value)) if not strict else 0.0
            obj = blk.total_power()
            hist["objective"].append(obj)
            hist["slack"].append(slack)
            if not strict:
                if slack <= 1e-7:
                    strict = True
                    prev = np.inf
                continue
            if abs(prev - obj) <= cfg.tol * max(abs(prev), 1e-9):
                status = "converged"
                break
            prev = obj
        if status == "max_iter" and not strict:
            status, msg = "no_feasible_point", self.no_point(it)
        eta = np.zeros((2, scn.M, scn.K))
        if status in ("converged", "max_iter"):
            for key, v in blk.eta_var.items():
                eta[key] = max(float(v.value), 0.0)
        return LoopResult(status, msg, it, self.state(W, R, eta, it), hist)

    def phases(self):
        """The feasibility (with rate slacks) and strict problems, with this instance's data."""
        scn, cfg = self.scn, self.cfg
        phase = [
            block1(scn, "fixed", cfg.stages, cfg.crb_on, slack, rebuild=cfg.rebuild)
            for slack in (True, False)
        ]
        fs = fim_scale(scn)
        r1 = csi_radius(scn, np.trace(scn.q1))
        r2 = csi_radius(scn, self.T)
        s2 = float(np.sum(np.abs(scn.g_est) ** 2))
        for blk in phase:
            blk.set_instance(scn, fs, cfg.p_fixed)
            blk.r2.value = np.array([np.sum(r1**2), np.sum(r2**2)]) / s2
            if cfg.crb_on:
                blk.T.value = self.T * fs
            blk.set_leakage(self.xi, s2)
            blk.slack_w.value = 10.0 * scn.p_max
        return phase

    def start(self):
        W, R = heuristic_point(self.scn) if self.cfg.point is None else self.cfg.point
        if self.cfg.R_fixed is not None:
            R = R.copy()
            R[0] = self.cfg.R_fixed
        return W, R

    def read(self, blk):
        """The solution, with the fixed stage-1 sensing and the idle stages restored."""
        Wn, Rn = blk.values()
        if self.cfg.R_fixed is not None:
            Rn[0] = self.cfg.R_fixed
        for i in set(range(2)) - set(self.cfg.stages):
            Wn[i] = 0.0
        return Wn, Rn

    def failure(self, info, strict: bool, it: int) -> tuple[str, str]:
        """Status and message of a failed SCA step."""
        if info.infeasible and not strict:
            # phase 1 keeps the rates feasible through the slack, and W = 0 (its power
            # moved into R) with zero multipliers meets every leakage LMI: only the
            # exact power and CRB constraints of problem (18) can be infeasible
            return "infeasible", (
                f"the feasibility phase (problem (60) with rate slacks, tr(CRB) <= {self.T:.3g}) "
                f"is infeasible ({info.status}); its only constraints that can fail are the "
                "exact power and CRB constraints of problem (18) (certificate: Clarabel's "
                "infeasibility status of that relaxation)"
            )
        return "solver_error", (
            f"block-1 (fixed radius) problem at iteration {it} "
            f"({'strict phase' if strict else 'feasibility phase'}): {info.status}"
            + (
                "; the previous iterate is feasible for this SCA restriction, so the "
                "report is numerical, not a certificate"
                if info.infeasible
                else ""
            )
            + _conditioning(self.scn, self.T, self.cfg.stages, self.hist)
        )

    def no_point(self, it: int) -> str:
        return (
            f"the rate constraints could not be met: slack {self.hist['slack'][-1]:.3g} "
            f"bits/s/Hz after {it} SCA steps of the feasibility phase (not a certificate: "
            "problem (18) may be infeasible at this sensing requirement, or the SCA, a "
            "restriction, found no feasible point from its start)"
        )


def _conditioning(scn: Scenario, T: float, stages, hist) -> str:
    """Words on the scaling of a failed block-1 problem (for solver-error messages)."""
    st = list(stages)
    r = np.stack([csi_radius(scn, np.trace(scn.q1)), csi_radius(scn, T)])[st]  # (S, M)
    rel = float(np.max(r / np.linalg.norm(scn.g_est, axis=1)))
    xi = float(budget_xi(scn, stages)[st].min())
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


def precheck(scn: Scenario, T: float | None, stages=(0, 1), p_fixed=None) -> str:
    """Certified infeasibility of problem (18) (with ``tr(CRB) <= T``): message or ``""``.

    Three exact certificates, each the infeasibility of a relaxation of problem (18):
    (i) the rates alone. Drop every interference term and the leakage and sensing
    constraints: a user with frame power ``p_{m,k} = sum_i tau_i tr W^(i)_{m,k}`` gets at
    most ``sum_i tau_i log2(1 + tr(W^(i)) ||h_{m,m,k}||^2)``, and concavity of the log makes
    equal per-stage powers ``p / sum tau_i`` the best split, so its rate needs
    ``p_{m,k} >= s (2^{r/s} - 1) / ||h_{m,m,k}||^2`` (``s = sum tau_i`` over the active
    stages); the users of BS ``m`` share ``B_m = P_max - p_fixed_m``, so
    ``sum_k p_{m,k} > B_m`` certifies infeasibility. (ii) ``T`` below the best CRB any design
    can reach (:func:`best_crb`). (iii) With a single active stage (stage 2 of baseline 1),
    whose rates are then linear SINR constraints under the SDR: the
    :class:`~wiretap.isac._problems.StageRelaxation`, which keeps the leakage constraint only
    at the estimated eavesdropper channels, is infeasible (Clarabel's certificate).
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
    if len(stages) == 1:
        why = relaxation_infeasible(scn, stages[0], budget)
        if why:
            return why
    if T is not None:
        best, _, info = best_crb(scn, scn.p_max / scn.tau[0])
        if info.ok and T < best * (1.0 - 1e-3):
            return (
                f"the sensing requirement tr(CRB) <= {T:.3g} m^2 is below the best "
                f"{best:.3g} m^2 the power budget allows (certificate: the best-sensing SDP)"
            )
    return ""


def relaxation_infeasible(scn: Scenario, stage: int, budget, rebuild: bool = False) -> str:
    """Certificate (iii) of :func:`precheck`: a message if the one-stage SDR is infeasible.

    ``budget`` is each BS's frame power left for the stage (mW, shape (M,)); the stage's
    share ``tau_i`` turns it into the stage power. A solver failure certifies nothing
    (``""``): the SCA then runs as usual.
    """
    share = float(scn.tau[stage])
    relax = stage_relaxation(scn, rebuild=rebuild)
    relax.set(scn, share, np.maximum(np.asarray(budget, dtype=float), 0.0) / share)
    info, _ = relax.solve()
    if info.status != "infeasible":
        return ""
    return (
        f"the semidefinite relaxation of stage {stage + 1} with the eavesdropper at its estimated "
        f"channels (the centres of the CSI balls) is infeasible: no design meets every rate "
        f"within its leakage limit there (Clarabel's certificate of "
        f"infeasibility; a relaxation of problem (18))"
    )


def best_crb(scn: Scenario, budget: float, rebuild: bool = False):
    """``(mse, S, info)`` of the best-sensing SDP at per-BS power ``budget`` (unchecked)."""
    prob = sensing_problem(scn, rebuild=rebuild)
    # the power is normalised to 1 and the FIM to O(1): the CRB scales as 1 / power
    fs = fim_scale(scn) * budget / scn.p_max
    prob.set(fim_transmit_blocks(scn) * budget / fs, 1.0)
    info, _ = prob.solve()
    if not info.ok:
        return float("nan"), None, info
    S = np.stack([herm(x.value) * budget for x in prob.S])
    W0 = np.zeros((2, scn.M, scn.K, scn.N, scn.N), complex)
    R0 = np.zeros((2, scn.M, scn.N, scn.N), complex)
    R0[0] = S
    return stage1_mse(scn, W0, R0), S, info
