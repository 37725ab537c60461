"""Large-scale AAUC: closed form for many antennas, BFOM for many users, P6 for both.

* Many antennas (paper Sec. V-A): the users' channels become orthogonal, the BS splits its
  power so that every helper gets the same SNR (Proposition 2), and the helpers' beamformer
  is a generalized eigenvector (Proposition 3).
* Many users (Sec. V-B): ``w`` is matched to ``h_K`` and only its power ``p`` is free
  (problem P4, eq. (29)); each SCO step (30) is a bilinear saddle problem P5 (eqs.
  (31)-(33)) solved by mirror prox (eq. (34)) with a Euclidean step for ``x`` and a
  Kullback-Leibler (exponentiated-gradient) step for the weights ``gamma``.
* Both large (Sec. V-C): problem P6 and its closed-form power split (eq. (43)).

The P4/P5 pieces (data, closed-form steps, mirror prox, stationarity gap) are implemented
in the internal module ``_saddle`` and the SCO loop of BFOM in ``_bfom``; every public name
is imported from here (or from :mod:`wiretap.aauc`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import linalg

from .._exports import adopt
from .._validation import check_nonnegative
from ..results import Certificate, IterativeResult, as_history, settle
from ._bfom import BFOMRun, BFOMSettings, bfom_verdict
from ._saddle import (
    P5Result,
    euclidean_step,
    kl_step,
    lipschitz_bound,
    p4_objective,
    p4_stationarity_gap,
    p5_data,
    p5_gap,
    p5_gradients,
    p5_mirror_prox,
    p5_recover,
)
from .problem import AAUCProblem, check_problem

__all__ = [
    "BFOMResult",
    "ClosedFormResult",
    "P5Result",
    "bfom",
    "closed_form",
    "equal_snr_beamformer",
    "euclidean_step",
    "kl_step",
    "lipschitz_bound",
    "p4_objective",
    "p4_stationarity_gap",
    "p5_data",
    "p5_gap",
    "p5_gradients",
    "p5_mirror_prox",
    "p5_recover",
    "p6",
]


@dataclass(frozen=True, kw_only=True)
class ClosedFormResult(IterativeResult):
    """Outcome of :func:`closed_form` or :func:`p6` (no iterations: ``iterations = 1``).

    Attributes
    ----------
    z, v, w : ndarray
        Design (``v = U z``), scaled to use the whole budget ``||z||^2 + ||w||^2 = 2 P_max``.
    objective : float
        P2 objective of the design (bits/s/Hz), evaluated exactly (no orthogonality
        assumption).
    asymptotic_value : float
        Value the large-``N`` analysis predicts: ``log2(mu_max) / 2`` for Proposition 3 (the
        optimum of P3), the equal rate of eq. (42) for P6.
    eigenvalue : float
        Largest generalized eigenvalue ``mu_max`` (``nan`` for P6).
    """

    z: np.ndarray
    v: np.ndarray
    w: np.ndarray
    objective: float
    asymptotic_value: float
    eigenvalue: float = float("nan")

    @property
    def power(self) -> float:
        """Average transmit power ``(||v||^2 + ||w||^2) / 2`` in W."""
        return float((np.sum(np.abs(self.v) ** 2) + np.sum(np.abs(self.w) ** 2)) / 2)


def _harmonic(problem: AAUCProblem) -> float:
    """``sum_i sigma_i^2 / ||U^H g_i||^2`` in normalized units: ``sum_i 1 / ||a_i||^2``."""
    return float(np.sum(1.0 / np.sum(np.abs(problem.A) ** 2, axis=0)))


def equal_snr_beamformer(problem: AAUCProblem, budget: float, *, rescale: bool = True):
    """BS beamformer of Proposition 2 (paper eq. (24)) for a given budget ``||z||^2``.

    ``z = sum_k sqrt(budget / S) a_k / ||a_k||^2`` with ``S = sum_i 1 / ||a_i||^2``: with
    orthogonal ``a_k`` every helper then has SNR ``budget / S`` and ``||z||^2 = budget``.

    Parameters
    ----------
    problem : AAUCProblem
    budget : float
        Power ``2 P_max - ||w||^2`` left for ``z`` (>= 0).
    rescale : bool
        Scale the result to ``||z||^2 = budget`` exactly. Eq. (24) as printed meets the
        budget only when the ``a_k`` are orthogonal (``N -> inf``); for finite ``N`` its
        norm differs and it can exceed the power budget (see the Errata).

    Returns
    -------
    ndarray, complex, shape (n,)
    """
    check_problem(problem)
    b = float(check_nonnegative(budget, "budget"))
    norms2 = np.sum(np.abs(problem.A) ** 2, axis=0)
    z = np.sqrt(b / _harmonic(problem)) * (problem.A / norms2).sum(axis=1)
    if rescale:
        nz = np.linalg.norm(z)
        z = z * (np.sqrt(b) / nz) if nz > 0 else z
    return z


def closed_form(problem: AAUCProblem) -> ClosedFormResult:
    """Closed-form AAUC for large ``N`` (Propositions 2 and 3, eqs. (24), (27), (28)).

    ``w`` maximizes the generalized Rayleigh quotient
    ``w^H (Xi + h h^H) w / w^H (Xi + diag(j)) w`` (eq. (61)), scaled so that
    ``w^H Xi w = 1`` (the equal-rate condition ``Psi(w) = Upsilon(w)``), with
    ``Xi = (S h h^H + I) / (2 P_max)`` (eq. (28)). When the largest generalized eigenvalue
    is at most 1 no helper beamformer gives a positive rate and ``w = 0``. Then ``z``
    follows from Proposition 2 with the remaining budget.

    Returns
    -------
    ClosedFormResult

    References
    ----------
    Paper Propositions 2-3, Appendices C-D.

    Examples
    --------
    >>> from wiretap.aauc import SystemParams, draw_scenario, AAUCProblem
    >>> pb = AAUCProblem.from_scenario(draw_scenario(SystemParams(n_antennas=64, n_users=5),
    ...                                              rng=2))
    >>> cf = closed_form(pb)
    >>> bool(abs(pb.power_slack(cf.z, cf.w)) < 1e-9)
    True
    """
    if not isinstance(problem, AAUCProblem):
        raise ValueError(f"problem must be an AAUCProblem, got {type(problem).__name__}")
    t0 = time.perf_counter()
    P, h = problem.p_max, problem.h
    S = _harmonic(problem)
    hh = np.outer(h, h.conj())
    Xi = (S * hh + np.eye(problem.m)) / (2 * P)
    Ma, Mb = Xi + hh, Xi + np.diag(problem.j)
    mu, V = linalg.eigh(Ma, Mb)
    mu_max, w = float(mu[-1]), V[:, -1]
    # certificate: the generalized eigenpair residual (w maximizes the quotient (61))
    eig_res = float(
        np.linalg.norm(Ma @ w - mu_max * (Mb @ w))
        / max(np.linalg.norm(Ma, 2) * np.linalg.norm(w), 1e-300)
    )
    if mu_max <= 1.0:
        w = np.zeros(problem.m, dtype=complex)
    else:
        w = w / np.sqrt(np.real(np.vdot(w, Xi @ w)))
    z = equal_snr_beamformer(problem, max(2 * P - np.sum(np.abs(w) ** 2), 0.0))
    return _closed_form_result(
        problem,
        z,
        w,
        t0,
        (eig_res, "eigenpair residual of eq. (61)", "closed form"),
        asymptotic_value=0.5 * np.log2(max(mu_max, 1.0)),
        eigenvalue=mu_max,
    )


def p6(problem: AAUCProblem) -> ClosedFormResult:
    """Closed form when both ``N`` and ``K`` are large (problem P6, eqs. (42)-(43)).

    ``p* = 2 P_max / (1 + ||h||^2 S)`` balances the helpers' equal SNR
    ``(2 P_max - p) / S`` against user ``K``'s SNR ``p ||h||^2``;
    ``w = sqrt(p*) h / ||h||`` and ``z`` follows from Proposition 2.

    Returns
    -------
    ClosedFormResult
        ``asymptotic_value`` is the common rate of eq. (42) (no eavesdropper term).
    """
    if not isinstance(problem, AAUCProblem):
        raise ValueError(f"problem must be an AAUCProblem, got {type(problem).__name__}")
    t0 = time.perf_counter()
    P, h = problem.p_max, problem.h
    S = _harmonic(problem)
    hn2 = float(np.sum(np.abs(h) ** 2))
    p = 2 * P / (1.0 + hn2 * S)
    w = np.sqrt(p) * h / np.sqrt(hn2)
    z = equal_snr_beamformer(problem, 2 * P - p)
    # certificate: the two SNRs of P6 balance at the returned design (eq. (42)), computed
    # from the design itself (||w||^2, ||z||^2), not from the formula for p*
    helper_snr = float(np.sum(np.abs(z) ** 2)) / S
    user_snr = problem.snr_attacked(w)
    balance = abs(helper_snr - user_snr) / max(helper_snr, user_snr, 1e-300)
    return _closed_form_result(
        problem,
        z,
        w,
        t0,
        (balance, "relative SNR imbalance of eq. (42)", "P6 closed form"),
        asymptotic_value=0.5 * np.log2(1.0 + p * hn2),
    )


CLOSED_FORM_TOL = 1e-8
"""Tolerance of the closed-form certificates (relative residual and power violation)."""


def _closed_form_result(problem: AAUCProblem, z, w, t0: float, check, **values):
    """:class:`ClosedFormResult` of the design ``(z, w)``, certified by
    ``max(residual, power violation / (2 P_max))`` against :data:`CLOSED_FORM_TOL`.

    ``check`` is ``(residual, what it measures, name of the closed form)``; ``values`` are
    the remaining fields (``asymptotic_value``, ``eigenvalue``).
    """
    residual, what, name = check
    viol = max(-problem.power_slack(z, w), 0.0) / (2 * problem.p_max)
    cert = Certificate(
        kind="closed_form_residual",
        value=max(float(residual), viol),
        tolerance=CLOSED_FORM_TOL,
        detail=f"max of the {what} ({residual:.2e}) and the relative power violation "
        f"({viol:.2e}); certifies the closed form of the large-N/K problem, not "
        "stationarity for P2 at finite N",
    )
    return ClosedFormResult(
        z=z,
        v=problem.beamformer(z),
        w=w,
        objective=problem.objective(z, w),
        status=settle(True, cert, otherwise="stalled"),
        iterations=1,
        elapsed=time.perf_counter() - t0,
        certificate=cert,
        message="" if cert.holds else f"{name} not certified: {cert}",
        **values,
    )


@dataclass(frozen=True, kw_only=True)
class BFOMResult(IterativeResult):
    """Outcome of :func:`bfom`.

    Attributes
    ----------
    z, v, w : ndarray
        Design; ``w = sqrt(p) h / ||h||``.
    p : float
        Helpers' total power ``||w||^2`` (W).
    snr : float
        P4 objective (the common SNR) at the design.
    objective : float
        P2 objective of the design (bits/s/Hz), angular model included.
    history : dict
        ``"snr"`` (P4 objective, start included, non-decreasing), ``"inner_iterations"``
        (mirror-prox iterations per SCO step, refinements included), ``"lipschitz"`` (the
        ``L`` used), ``"rejected"`` (1 when the step was rejected after every refinement),
        ``"refinements"`` (tightened re-solves per step; a last step cut short by the
        budget of mirror-prox iterations is kept with the objective unchanged and
        ``"rejected"`` 0), ``"wall_time"`` (seconds per
        step), ``"v"`` and ``"p"`` (iterates; ``"v"`` has one entry per accepted step).
    """

    z: np.ndarray
    v: np.ndarray
    w: np.ndarray
    p: float
    snr: float
    objective: float

    @property
    def power(self) -> float:
        """Average transmit power ``(||v||^2 + ||w||^2) / 2`` in W."""
        return float((np.sum(np.abs(self.v) ** 2) + np.sum(np.abs(self.w) ** 2)) / 2)


def bfom(
    problem: AAUCProblem,
    *,
    max_iter: int = 20,
    tol: float = 1e-5,
    max_inner: int = 3000,
    inner_tol: float = 1e-4,
    lipschitz_scale: float | None = None,
    warm_start: bool = False,
    reduce: bool = False,
    max_refine: int = 2,
    gap_tol: float = 1e-3,
    max_total_inner: int | None = None,
) -> BFOMResult:
    """BFOM-based AAUC for large ``K`` (paper Sec. V-B).

    Outer loop: SCO on P4 (eq. (30)) from the P6 design. Inner loop: mirror prox on P5
    (:func:`p5_mirror_prox`) with ``L = L_hat * lipschitz_scale`` (default ``1 / K``, the
    paper's choice), then the recovery of eq. (41) (:func:`p5_recover`) from the last
    iterate or from the ergodic average, whichever is better. A step whose
    recovered point does not improve the surrogate means the inner solve was not accurate
    enough: it is solved again, warm-started at the current point and weights, with a 10
    times smaller step tolerance, twice the iterations and a doubled ``L`` (at most
    ``max_refine`` times; the later steps keep the tightened settings). If the step is
    still rejected the loop stops with status ``"stalled"``. The whole run spends at most
    ``max_total_inner`` mirror-prox iterations (default twice the paper's worst case
    ``max_iter * max_inner``): tightened settings compound over the steps, and without a
    budget a hard instance can run millions of iterations.

    Parameters
    ----------
    problem : AAUCProblem
    max_iter : int
        SCO iterations ``I`` (paper: 20).
    tol : float
        Stopping rule: the P4 objective improves by less than ``tol`` relatively.
    max_inner : int
        Mirror-prox iterations per SCO step (paper: 3000).
    inner_tol : float
        Mirror-prox stopping tolerance on ``||y^[m+1] - y^[m]||`` (paper: 1e-4).
    lipschitz_scale : float, optional
        ``L / L_hat``; default ``1 / K``.
    warm_start : bool
        Start each mirror-prox run at the current point and at the previous run's weights
        (the paper starts from ``y = 0`` and uniform weights "e.g.", Sec. V-B).
    reduce : bool
        Work in the reduced coordinates of :meth:`~wiretap.aauc.problem.AAUCProblem.reduced`.
    max_refine : int
        Tightened re-solves of a rejected step (0: stop at the first rejection).
    gap_tol : float
        Tolerance of the certificate: the stationarity gap of P4 at the returned point
        (:func:`p4_stationarity_gap`) divided by the P4 objective there.
    max_total_inner : int, optional
        Budget of mirror-prox iterations for the whole run, refinements included (>= 1;
        default ``2 * max_iter * max_inner``). A solve is cut at the budget; when it is
        used up the run stops with status ``"max_iter"``.

    Returns
    -------
    BFOMResult
        ``certificate`` is the relative stationarity gap of P4 (kind ``"stationarity"``).
        Status ``"converged"`` when the stopping rule fired and the gap is at most
        ``gap_tol``; ``"stalled"`` when a step stayed rejected after ``max_refine``
        refinements, or the rule fired but the gap is larger; ``"max_iter"`` at the cap
        or when the budget of mirror-prox iterations is used up.
        BFOM solves P4 (``w`` matched to ``h_K``, no leakage term), a restriction of P2: its
        certificate says nothing about stationarity for P2.

    References
    ----------
    Paper eqs. (29)-(41), Proposition 4, Remark 2.
    """
    if not isinstance(problem, AAUCProblem):
        raise ValueError(f"problem must be an AAUCProblem, got {type(problem).__name__}")
    cfg = BFOMSettings.checked(
        problem,
        max_iter=max_iter,
        tol=tol,
        max_inner=max_inner,
        inner_tol=inner_tol,
        lipschitz_scale=lipschitz_scale,
        warm_start=warm_start,
        max_refine=max_refine,
        gap_tol=gap_tol,
        max_total_inner=max_total_inner,
    )
    t0 = time.perf_counter()
    full = problem
    pb = full.reduced() if reduce else full
    start = p6(full)
    z = pb.basis.conj().T @ start.v
    P2 = 2 * pb.p_max
    p = P2 - float(np.sum(np.abs(z) ** 2))
    hist = {
        "snr": [p4_objective(pb, z, p)],
        "inner_iterations": [],
        "lipschitz": [],
        "rejected": [],
        "refinements": [],
        "wall_time": [],
        "v": [pb.beamformer(z)],
        "p": [p],
    }
    end = BFOMRun(pb, cfg).outer(z, p, hist)
    z, p = end.z, end.p
    snr = p4_objective(pb, z, p)
    gap, _ = p4_stationarity_gap(pb, z, gamma0=None)
    cert = Certificate(
        kind="stationarity",
        value=gap / max(abs(snr), 1e-300),
        tolerance=cfg.gap_tol,
        detail="stationarity gap of P4 at the returned point (first-order model value "
        "minus the objective, bounded by duality), relative to the P4 objective",
    )
    status, message = bfom_verdict(end, cert, cfg)
    hn = np.sqrt(np.sum(np.abs(pb.h) ** 2))
    w = np.sqrt(p) * pb.h / hn
    v = pb.beamformer(z)
    return BFOMResult(
        z=full.basis.conj().T @ v,
        v=v,
        w=w,
        p=p,
        snr=snr,
        objective=pb.objective(z, w),
        status=status,
        iterations=end.iterations,
        history=as_history(hist),
        elapsed=time.perf_counter() - t0,
        message=message,
        certificate=cert,
    )


adopt(globals())  # the names of __all__ defined in internal modules live here
