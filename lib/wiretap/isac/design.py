"""Centralized design (Algorithm 1), the baselines, rank-one recovery and design re-checks.

* :func:`check_design` re-checks a design against C1-C3 of problem (18) with exact worst
  cases; :func:`rank_one_shift` recovers rank-one beams from the SDR without loss;
* :func:`best_sensing`, :func:`fixed_sensing_design` (a fixed sensing requirement) and
  :func:`baseline_separate` (baseline 1);
* :func:`initial_state` computes a feasible starting point for Algorithms 1 and 2 (the paper
  gives none); :func:`centralized_design` runs Algorithm 1 (BCD) from it.

The public functions here validate their input and report; the compiled convex subproblems
(cvxpy Parameters, DPP, cached per size) and the iterations live in the internal modules
``_problems`` (problem (60) and the best-sensing SDP), ``_fixed`` (SCA at a fixed sensing
requirement) and ``_bcd`` (Algorithm 1's iteration, problem (62)); the result types in
:mod:`wiretap.isac.certify`, re-exported here.

Units: powers in mW, every noise power 1 (see :mod:`wiretap.isac.geometry`).
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from .._linalg import herm
from .._validation import as_array, check_int, check_positive
from ..results import as_history, settle
from ._bcd import BCD
from ._checks import check_covariances, check_scenario, real_scalar, solver_entry
from ._fixed import FixedSettings, best_crb, budget_xi, fixed_loop, heuristic_point
from ._problems import rank_ratios, stage1_mse
from .certify import CentralizedResult, Design, DesignCheck, DesignState
from .geometry import Scenario
from .robust import bound_coefficients, csi_radius, total_leakage, user_rates, worst_case_leakage

__all__ = [
    "CentralizedResult",
    "Design",
    "DesignCheck",
    "DesignState",
    "InitialState",
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


# --------------------------------------------------------------------------- designs
def sensing_mse(scn: Scenario, W, R) -> float:
    """``tr(F_central^{-1})`` for the stage-1 part of a design (m^2), paper eq. (29)."""
    check_scenario(scn)
    W, R = check_covariances(scn, W, R)
    return stage1_mse(scn, W, R)


def rank_ratio(W) -> np.ndarray:
    """``lambda_max / tr`` of each matrix in ``W`` (1 for rank one; 1 for the zero matrix)."""
    W = as_array(W, "W", kind="complex")
    if W.ndim < 2 or W.shape[-1] != W.shape[-2]:
        raise ValueError(f"W must be a stack of square matrices (..., n, n), got {W.shape}")
    return rank_ratios(W)


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
    check_scenario(scn)
    W, R = (x.copy() for x in check_covariances(scn, W, R))
    beams = np.zeros((2, scn.M, scn.K, scn.N), complex)
    for i, m, k in np.ndindex(2, scn.M, scn.K):
        Wk = herm(W[i, m, k])
        h = scn.h[m, m, k]
        s = np.vdot(h, Wk @ h).real
        if s <= 1e-14 * max(1.0, np.trace(Wk).real):
            R[i, m] += Wk
            W[i, m, k] = 0
            continue
        w = Wk @ h / np.sqrt(s)
        rest = Wk - np.outer(w, w.conj())
        R[i, m] += herm(rest)
        W[i, m, k] = np.outer(w, w.conj())
        beams[i, m, k] = w
    return Design(W=W, R=R, beams=beams, rank_one=True)


def check_design(scn: Scenario, design: Design, *, tol: float = 1e-4) -> DesignCheck:
    """Re-check a design against C1-C3 of paper eq. (18), with exact worst cases.

    The stage-1 CSI radii come from ``Q^(1)`` and the stage-2 radii from the design's own
    CRB through eq. (17); the worst case over each per-BS ball is exact (trust-region
    subproblems and Dinkelbach's method, :func:`wiretap.isac.worst_case_leakage`).
    """
    check_scenario(scn)
    if not isinstance(design, Design):
        raise TypeError(f"design must be a wiretap.isac.Design, got {type(design).__name__}")
    tol = float(check_positive(real_scalar(tol, "tol"), "tol"))
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


# --------------------------------------------------------------------------- baselines
@solver_entry
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
    check_scenario(scn)
    budget = scn.p_max / scn.tau[0] if power is None else float(check_positive(power, "power"))
    return best_crb(scn, budget, rebuild)


@solver_entry
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
    check_scenario(scn)
    t0 = time.perf_counter()
    T = float(check_positive(mse, "mse"))
    check_positive(tol, "tol")
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    cfg = FixedSettings(tol=tol, max_iter=max_iter, rebuild=rebuild)
    status, msg, it, st, hist = fixed_loop(scn, T, cfg)
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


@solver_entry
def baseline_separate(
    scn: Scenario, *, tol: float = 1e-4, max_iter: int = 40, rebuild: bool = False
) -> CentralizedResult:
    """Baseline scheme 1: separate two-stage design (centralized).

    Stage 1 transmits only sensing signals at full power and minimises the CRB; stage 2
    then minimises its power for secure communication given the resulting CSI error
    (all rate and leakage requirements are met in stage 2).

    Returns
    -------
    CentralizedResult
        ``"infeasible"`` only with a certificate, checked before the SCA runs: the rate-only
        relaxation, or the semidefinite relaxation of stage 2 that keeps the leakage
        constraint at the estimated eavesdropper channels only (the centres of the CSI
        balls); ``"no_feasible_point"`` when the SCA feasibility phase ends with positive
        rate slacks (not a proof).
    """
    check_scenario(scn)
    tol = float(check_positive(real_scalar(tol, "tol"), "tol"))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    t0 = time.perf_counter()
    T, R1, info = best_sensing(scn, scn.p_max, rebuild=rebuild)
    if R1 is None:
        # the best-sensing SDP (power caps, PSD) is always feasible: any failure is numerical
        return _fail("solver_error", f"best-sensing SDP: {info.status}", 0, {"objective": []}, t0)
    p_fixed = scn.tau[0] * np.trace(R1, axis1=-2, axis2=-1).real
    Wh, Rh = heuristic_point(scn)
    Wh[0] = 0
    Rh[0] = R1
    cfg = FixedSettings(
        stages=(1,),
        crb_on=False,
        p_fixed=p_fixed,
        R_fixed=R1,
        tol=tol,
        max_iter=max_iter,
        rebuild=rebuild,
        point=(Wh, Rh),
    )
    status, msg, it, st, hist = fixed_loop(scn, T, cfg)
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


# --------------------------------------------------------------------------- Algorithm 1
class InitialState(NamedTuple):
    """Outcome of :func:`initial_state` (unpacks as ``status, message, state``).

    Attributes
    ----------
    status : str
        ``"converged"`` or ``"max_iter"``: a valid start; otherwise why there is none.
    message : str
    state : DesignState
        The starting point (pass it as ``init`` to :func:`centralized_design` or
        :func:`~wiretap.isac.decentralized_design`).
    """

    status: str
    message: str
    state: DesignState


@solver_entry
def initial_state(scn: Scenario, mse0: float | None = None, **kw) -> InitialState:
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
    InitialState
        ``(status, message, state)``. ``status``: ``"converged"`` or ``"max_iter"``: a
        point that is strictly feasible for the SCA restriction was found (a valid start);
        ``"infeasible"`` with a certificate in the message (:func:`best_sensing`, the
        rate-only relaxation, or an infeasible feasibility phase); ``"no_feasible_point"``
        when the rate slacks did not vanish (no proof); ``"solver_error"``.
    """
    check_scenario(scn)
    unknown = set(kw) - {"max_iter", "tol", "rebuild"}
    if unknown:
        raise TypeError(f"initial_state got unexpected keyword arguments {sorted(unknown)}")
    if "max_iter" in kw:
        kw["max_iter"] = check_int(kw["max_iter"], "max_iter", minimum=1)
    if "tol" in kw:
        kw["tol"] = float(check_positive(real_scalar(kw["tol"], "tol"), "tol"))
    if mse0 is None:
        best, _, info = best_sensing(scn, rebuild=kw.get("rebuild", False))
        T = float(np.trace(scn.q1)) / 100.0
        if info.ok and T < 2.0 * best:
            T = 4.0 * best
    else:
        T = float(check_positive(mse0, "mse0"))
    out = fixed_loop(scn, T, FixedSettings(**kw))
    return InitialState(out.status, out.message, out.state)


def check_init(init) -> DesignState:
    """``init`` itself if it is a starting point from :func:`initial_state`."""
    if not isinstance(init, DesignState):
        raise TypeError(
            f"init must be the state returned by initial_state (or None), got {type(init).__name__}"
        )
    return init


def design_state(scn: Scenario, design: Design, T: float | None = None) -> DesignState:
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
    xi = budget_xi(scn, (0, 1))
    return DesignState(design.W, design.R, xi, np.zeros_like(xi), delta, float(np.sum(delta**2)))


@solver_entry
def centralized_design(
    scn: Scenario,
    *,
    tol: float = 1e-3,
    max_iter: int = 30,
    init_iter: int = 40,
    mse0: float | None = None,
    init: DesignState | None = None,
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
    init : DesignState, optional
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
    check_scenario(scn)
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
        st = check_init(init)
    bcd = BCD(scn, st, rebuild)
    if bcd.xi is None:
        msg = f"block 2 at the initial point: {bcd.info.status}"
        return _fail("solver_error", msg, 0, {"objective": []}, t0, init_it)
    bcd.prepare()
    status, msg, it = "max_iter", "", 0
    for it in range(1, max_iter + 1):
        msg = bcd.step(it)
        if msg:
            status = "solver_error"
            break
        if bcd.converged(tol):
            status = "converged"
            break
    if status == "solver_error":
        return _fail(status, msg, it, bcd.hist, t0, init_it)
    rank_min = float(rank_ratio(bcd.W).min())
    return _finish(
        scn,
        bcd.W,
        bcd.R,
        bcd.xi,
        bcd.hist,
        status == "converged",
        it,
        t0,
        rank_min,
        init_it=init_it,
    )
