"""Decentralized design: Algorithm 2 of Xu et al. (consensus ADMM with per-BS agents).

Every BS is a :class:`BSAgent` built from *its own* data only: its channels to all users,
its estimate of its eavesdropper channel and CSI ball, and its own FIM contribution
(paper eq. (92)). Agents exchange only the coupling quantities of problem (97):

* ``e, t`` (C8, C9): interference a BS causes at other cells' users (information, sensing);
* ``u`` (C10): a lower bound on the interference a BS causes at the eavesdropper;
* ``V`` (C12): a lower bound on a BS's FIM contribution.

Each agent keeps local copies (eqs. (103)-(106)): the totals it *receives* (``e_bar``,
``t_bar``, ``u_bar``, ``V_bar``) and the values it *produces*. The central controller
averages (eqs. (140)-(143)); agents update their duals (eqs. (115)-(118)); penalties grow
by ``varsigma`` (Algorithm 2, line 7). Messages are counted explicitly.

The loop is not :func:`wiretap.admm.consensus_admm`: its local steps are SCA/BCD steps with
fallbacks, its copies are four blocks with their own penalties and its stopping rule ends in
an exact re-check. With a constant penalty its bookkeeping (:mod:`wiretap.isac.consensus`)
takes the same iterates as that kernel's general form, which ``tests/test_isac_foundations.py``
checks to 1e-10.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .._exports import adopt
from .._validation import check_choice, check_int, check_positive
from ..results import IterativeResult, as_history, settle
from ._agent import BSAgent, initial_local
from ._checks import check_scenario, real_scalar, solver_entry
from ._consensus import RHO, apply, centers, global_update
from .certify import Design, DesignCheck, DesignState
from .design import check_design, check_init, initial_state, rank_one_shift, rank_ratio, sensing_mse
from .geometry import Scenario

__all__ = ["ADMMResult", "BSAgent", "consensus_maps", "decentralized_design", "overhead"]


# --------------------------------------------------------------------------- maps
def consensus_maps(M: int, K: int) -> dict[str, list[np.ndarray]]:
    """Selection/summation matrices ``E_m, T_m, U_m, V_m`` of eqs. (107)-(110).

    Global vectors (one per stage for e, t, u): ``e[(mt, m, k)]`` for ``mt != m`` in
    lexicographic order (paper eq. (98)), ``u[m]``, and ``V`` stacked as 3 numbers per BS
    (the entries 00, 01, 11 of a symmetric 2x2 matrix).

    Local copies of BS ``m``: ``[e_bar_{m,1..K}, e_{m,m',k} for m' != m]`` (size MK),
    ``[u_bar_m, u_m]`` and ``[V_bar_m, V_m]`` (size 6).

    Returns
    -------
    dict with keys ``"e"`` (also used for ``t``), ``"u"``, ``"V"``: lists of M matrices.
    """
    M = check_int(M, "M", minimum=1)
    K = check_int(K, "K", minimum=1)
    pairs = [(mt, m, k) for mt in range(M) for m in range(M) if mt != m for k in range(K)]
    idx = {p: j for j, p in enumerate(pairs)}
    E = []
    for m in range(M):
        A = np.zeros((M * K, len(pairs)))
        for k in range(K):
            for mt in range(M):
                if mt != m:
                    A[k, idx[mt, m, k]] = 1.0
        row = K
        for mo in range(M):
            if mo == m:
                continue
            for k in range(K):
                A[row, idx[m, mo, k]] = 1.0
                row += 1
        E.append(A)
    U = []
    for m in range(M):
        A = np.zeros((2, M))
        A[0] = 1.0
        A[0, m] = 0.0
        A[1, m] = 1.0
        U.append(A)
    V = [np.kron(A, np.eye(3)) for A in U]
    return {"e": E, "u": U, "V": V}


def overhead(M: int, N: int, K: int, L: int, iterations: int) -> dict[str, int]:
    """Numbers exchanged (real scalars) per Remark 6, for comparison with our counts.

    Returns
    -------
    dict
        ``"centralized"``: echoes ``M N L`` and CSI ``M^2 K N`` complex numbers (x2 reals)
        plus the eavesdropper CSI ``M N``; ``"decentralized"``: per iteration, every agent
        sends and receives its local copies (``2 M (4 M K + 10)`` reals) plus the fused
        sensing results ``M (2 + 3)`` once.
    """
    M = check_int(M, "M", minimum=1)
    N = check_int(N, "N", minimum=1)
    K = check_int(K, "K", minimum=1)
    L = check_int(L, "L", minimum=1)
    iterations = check_int(iterations, "iterations", minimum=0)
    central = 2 * (M * N * L + M * M * K * N + M * N)
    per_iter = 2 * M * (4 * M * K + 10)
    return {
        "centralized": central,
        "decentralized": per_iter * iterations + 5 * M,
        "per_iteration": per_iter,
    }


# --------------------------------------------------------------------------- driver
@dataclass(frozen=True, kw_only=True)
class ADMMResult(IterativeResult):
    """Outcome of :func:`decentralized_design`.

    The certificate (kind ``"feasibility"``) is the largest violation of C1-C3 of problem
    (18) in :func:`~wiretap.isac.check_design` (exact worst-case leakage over the per-BS
    balls), against ``DesignCheck.tol`` (1e-4): a ``"converged"`` consensus design is
    feasible for the *centralized* problem, whatever its copies said.

    Attributes
    ----------
    design, check, total_power, mse : as in :class:`~wiretap.isac.CentralizedResult`
    messages : int
        Real numbers exchanged between agents and the controller over all iterations.
    messages_per_iteration : int
    tol_residual : float
        Consensus tolerance in force at the end (tightened when a design that met the
        stopping rule failed its re-check, see :func:`decentralized_design`).
    init_iterations : int
        SCA steps of the initialisation run inside this call (0 when ``init`` was given).
    """

    design: Design | None = None
    check: DesignCheck | None = None
    total_power: float = float("nan")
    mse: float = float("nan")
    rank_one_before: float = float("nan")
    messages: int = 0
    messages_per_iteration: int = 0
    xi: np.ndarray = field(default_factory=lambda: np.zeros(0))
    tol_residual: float = float("nan")
    init_iterations: int = 0


@dataclass(frozen=True)
class ADMMSettings:
    """Validated settings of :func:`decentralized_design` (see its parameters)."""

    mode: str
    mse: float | None
    rho0: float
    varsigma: float
    rho_max: float
    tol: float
    tol_residual: float
    max_iter: int
    init_iter: int
    mse0: float | None
    rebuild: bool


def _settings(
    mode, mse, rho0, varsigma, rho_max, tol, tol_residual, max_iter, init_iter, mse0, rebuild
):
    """Check the arguments of :func:`decentralized_design` (in the order of its signature)."""
    check_choice(mode, "mode", ("adaptive", "fixed"))
    rho0 = float(check_positive(real_scalar(rho0, "rho0"), "rho0"))
    varsigma = real_scalar(varsigma, "varsigma")
    if varsigma < 1:
        raise ValueError(f"varsigma must be >= 1, got {varsigma}")
    rho_max = float(check_positive(rho_max, "rho_max"))
    if rho_max < rho0:
        raise ValueError(f"rho_max must be >= rho0, got {rho_max} < {rho0}")
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    init_iter = check_int(init_iter, "init_iter", minimum=1)
    tol = float(check_positive(tol, "tol"))
    tol_res = float(check_positive(tol_residual, "tol_residual"))
    if mode == "fixed" or mse is not None:
        mse = float(check_positive(real_scalar(mse, "mse"), "mse"))
    if mse0 is not None:
        mse0 = float(check_positive(real_scalar(mse0, "mse0"), "mse0"))
    return ADMMSettings(
        mode, mse, rho0, varsigma, rho_max, tol, tol_res, max_iter, init_iter, mse0, rebuild
    )


class _Consensus:
    """Algorithm 2 from a shared starting point: agents, duals, penalties, messages, history.

    One ADMM iteration is :meth:`local_steps` (local problems (136) and multipliers (138) at
    every agent), :meth:`consensus_step` (the controller's averaging, dual and penalty
    updates) and :meth:`record`; :meth:`converged` re-checks the design when the stopping
    rule fires and tightens the consensus tolerance when the check fails.
    """

    def __init__(self, scn: Scenario, agents: list[BSAgent], init: DesignState, cfg):
        self.scn, self.agents, self.cfg = scn, agents, cfg
        self.tol_res = cfg.tol_residual
        self.sts = initial_local(scn, agents, init.W, init.R, init.delta**2)
        self.maps = consensus_maps(scn.M, scn.K)
        self.lam = [
            {
                "e": np.zeros((2, scn.M * scn.K)),
                "t": np.zeros((2, scn.M * scn.K)),
                "u": np.zeros((2, 2)),
                "V": np.zeros(6),
            }
            for _ in range(scn.M)
        ]
        self.rho = np.full(4, float(cfg.rho0))
        x = self.local_vectors()
        self.z = global_update(self.maps, x, self.lam, self.rho)
        self.per_msg = 2 * sum(sum(np.size(v) for v in xm.values()) for xm in x)
        W, R = self.stacked()
        self.hist = {
            "objective": [sum(s["P"] for s in self.sts)],
            "primal_residual": [0.0],
            "rho": [self.rho[0]],
            "messages": [0],
            "mse": [sensing_mse(scn, W, R)],
            "fallbacks": [0],
            "retries": [0],
            "inaccurate": [0],
        }
        self.tightened: list[int] = []
        self.design = self.check = None

    def local_vectors(self) -> list[dict]:
        return [ag.local_vector(s) for ag, s in zip(self.agents, self.sts, strict=True)]

    def stacked(self):
        """``W, R`` of all agents, shapes (2, M, K, N, N) and (2, M, N, N)."""
        return np.stack([s["W"] for s in self.sts], 1), np.stack([s["R"] for s in self.sts], 1)

    def local_steps(self, it: int) -> str:
        """Problems (136) and (138) at every agent; the message of a failure, or ``""``."""
        new = []
        for m, ag in enumerate(self.agents):
            c = centers(self.maps, m, self.z, self.lam[m], self.rho)
            ok, info, st = ag.solve_local(self.sts[m], c, self.rho)
            if not ok:
                # the local problem is an SCA restriction with consensus copies fixed: its
                # infeasibility is no certificate for problem (18)
                return (
                    f"local problem (136) of BS {m} at iteration {it}: {info.status} "
                    "(not a certificate)"
                )
            new.append(ag.update_multipliers(st))
        self.sts = new
        return ""

    def consensus_step(self) -> float:
        """Averaging, dual update and penalty growth; the largest consensus residual.

        Residuals of ``e, t, u`` are in noise units (absolute), of ``V`` relative to its size.
        """
        x = self.local_vectors()
        self.z = global_update(self.maps, x, self.lam, self.rho)
        resid = 0.0
        for m in range(self.scn.M):
            Ez = apply(self.maps, m, self.z)
            for key in ("e", "t", "u", "V"):
                d = np.asarray(x[m][key]) - Ez[key]
                self.lam[m][key] = self.lam[m][key] + self.rho[RHO[key]] * d
                scale = max(1.0, float(np.abs(x[m][key]).max())) if key == "V" else 1.0
                resid = max(resid, float(np.abs(d).max()) / scale)
        self.rho = np.minimum(self.rho * self.cfg.varsigma, self.cfg.rho_max)
        return resid

    def record(self, resid: float):
        hist, agents = self.hist, self.agents
        W, R = self.stacked()
        hist["objective"].append(sum(s["P"] for s in self.sts))
        hist["primal_residual"].append(resid)
        hist["rho"].append(self.rho[0])
        hist["messages"].append(self.per_msg)
        hist["mse"].append(sensing_mse(self.scn, W, R))
        hist["fallbacks"].append(sum(ag.fallbacks for ag in agents))
        hist["retries"].append(sum(ag.retries for ag in agents))
        hist["inaccurate"].append(sum(ag.inaccurate for ag in agents))

    def converged(self, it: int) -> bool:
        """The stopping rule, confirmed by the exact re-check (else: tighten, go on)."""
        prev, obj = self.hist["objective"][-2:]
        rule = (
            abs(obj - prev) <= self.cfg.tol * abs(prev)
            and self.hist["primal_residual"][-1] <= self.tol_res
        )
        if not rule:
            return False
        W, R = self.stacked()
        self.design = rank_one_shift(self.scn, W, R)
        self.check = check_design(self.scn, self.design)
        if self.check.feasible:
            return True
        self.tightened.append(it)
        self.tol_res /= 10.0
        return False

    def result(self, status: str, it: int, t0: float, init_it: int) -> ADMMResult:
        """The result after the loop: the last design, re-checked (the certificate)."""
        scn = self.scn
        W, R = self.stacked()
        xi = np.stack([s["xi"] for s in self.sts], 1)
        rank_min = float(rank_ratio(W).min())
        if status != "converged":  # a converged design was re-checked in the loop
            self.design = rank_one_shift(scn, W, R)
            self.check = check_design(scn, self.design)
        design, chk = self.design, self.check
        cert = chk.certificate()
        status = settle(status == "converged", cert, otherwise="max_iter")
        msg = ""
        if status == "max_iter":
            msg = f"iteration cap reached after {it} iterations; " + chk.describe()
            if self.tightened:
                msg += (
                    f"; the stopping rule fired at iteration(s) {self.tightened} with a design "
                    f"that failed the re-check, consensus tolerance tightened to "
                    f"{self.tol_res:.1e}"
                )
        return ADMMResult(
            status=status,
            iterations=it,
            history=as_history(self.hist),
            elapsed=time.perf_counter() - t0,
            message=msg,
            certificate=cert,
            tol_residual=self.tol_res,
            init_iterations=init_it,
            design=design,
            check=chk,
            total_power=float(design.power(scn).sum()),
            mse=chk.mse,
            rank_one_before=rank_min,
            messages=int(self.per_msg * it),
            messages_per_iteration=int(self.per_msg),
            xi=xi,
        )


@solver_entry
def decentralized_design(
    scn: Scenario,
    *,
    mode: str = "adaptive",
    mse: float | None = None,
    rho0: float = 1.0,
    varsigma: float = 1.5,
    rho_max: float = 1e3,
    tol: float = 1e-3,
    tol_residual: float = 1e-4,
    max_iter: int = 40,
    init_iter: int = 40,
    mse0: float | None = None,
    init: DesignState | None = None,
    rebuild: bool = False,
) -> ADMMResult:
    """Algorithm 2: consensus ADMM over per-BS agents (proposed scheme 2, baseline 2).

    Parameters
    ----------
    mode : {"adaptive", "fixed"}
        ``"adaptive"``: the sensing accuracy is optimised through ``delta_m`` (C11);
        ``"fixed"``: baseline 2 / Fig. 7, ``tr(Q_fused) <= mse``.
    mse : float
        Sensing requirement for ``mode="fixed"`` (m^2).
    rho0, varsigma : float
        Initial penalty (all four blocks; the FIM block is in FIM-scaled units) and its
        growth factor per iteration (paper: ``varsigma = 1.5``).
    rho_max : float
        Cap on the penalties (ours; the paper lets them grow without bound). With
        ``varsigma = 1.5`` an unbounded penalty passes ``1e4`` after about 23 iterations;
        from there the local problems are so ill-conditioned that Clarabel fails on some of
        them. A bounded penalty keeps the convergence behaviour of ADMM with a fixed
        penalty once the cap is reached.
    tol, tol_residual : float
        Stopping rule: the relative change of the total power is below ``tol`` *and* the
        largest consensus residual ``|x - E z|`` is below ``tol_residual`` (interference
        copies in noise units, FIM copies relative to their size). When the rule fires, the
        design is re-checked against problem (18) (:func:`~wiretap.isac.check_design`,
        exact worst cases): if it passes, the status is ``"converged"``; if not (the copies
        agree only to ``tol_residual``, which can leave a rate short by about as much),
        ``tol_residual`` is divided by 10 and the iterations go on.
    max_iter : int
        Cap on the ADMM iterations; ``"max_iter"`` when reached (the last design is
        returned with its certificate).
    init_iter : int
        Cap on the SCA steps of the initialisation (unused when ``init`` is given).
    mse0 : float, optional
        Sensing requirement of the shared initial point (:func:`initial_state`).
    init : optional
        A state from :func:`initial_state`.

    Returns
    -------
    ADMMResult
        ``history`` has ``"objective"`` (total power), ``"primal_residual"``, ``"rho"``,
        ``"messages"`` per iteration (index 0: the initial point).

    References
    ----------
    Xu et al., Section IV-B to IV-D, Algorithm 2, Remark 6.
    """
    check_scenario(scn)
    t0 = time.perf_counter()
    cfg = _settings(
        mode, mse, rho0, varsigma, rho_max, tol, tol_residual, max_iter, init_iter, mse0, rebuild
    )
    if init is not None:
        init = check_init(init)
    agents = [BSAgent(scn, m, mode, cfg.mse, rebuild) for m in range(scn.M)]
    init_it = 0
    if init is None:
        status, msg, init = initial_state(
            scn, cfg.mse if mode == "fixed" else cfg.mse0, rebuild=rebuild, max_iter=cfg.init_iter
        )
        init_it = init.iterations
        if status not in ("converged", "max_iter"):
            return ADMMResult(
                status=status,
                iterations=0,
                message="initialisation: " + msg,
                elapsed=time.perf_counter() - t0,
                init_iterations=init_it,
            )
    run = _Consensus(scn, agents, init, cfg)
    status, msg, it = "max_iter", "", 0
    for it in range(1, cfg.max_iter + 1):
        msg = run.local_steps(it)
        if msg:
            status = "solver_error"
            break
        run.record(run.consensus_step())
        if run.converged(it):
            status = "converged"
            break
    if status == "solver_error":
        return ADMMResult(
            status=status,
            iterations=it,
            history=as_history(run.hist),
            message=msg,
            elapsed=time.perf_counter() - t0,
            tol_residual=run.tol_res,
            init_iterations=init_it,
        )
    return run.result(status, it, t0, init_it)


adopt(globals())  # the names of __all__ defined in internal modules live here
