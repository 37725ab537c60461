"""Large-scale AAUC: closed form for many antennas, BFOM for many users, P6 for both.

* Many antennas (paper Sec. V-A): the users' channels become orthogonal, the BS splits its
  power so that every helper gets the same SNR (Proposition 2), and the helpers' beamformer
  is a generalized eigenvector (Proposition 3).
* Many users (Sec. V-B): ``w`` is matched to ``h_K`` and only its power ``p`` is free
  (problem P4, eq. (29)); each SCO step (30) is a bilinear saddle problem P5 (eqs.
  (31)-(33)) solved by mirror prox (eq. (34)) with a Euclidean step for ``x`` and a
  Kullback-Leibler (exponentiated-gradient) step for the weights ``gamma``.
* Both large (Sec. V-C): problem P6 and its closed-form power split (eq. (43)).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize

from .. import mirror
from .._validation import as_array, check_int, check_nonnegative, check_positive
from ..results import Certificate, IterativeResult, as_history, settle
from .problem import AAUCProblem, _check_problem, _check_zw

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
    _check_problem(problem)
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
    cert = _closed_form_certificate(problem, z, w, eig_res, "eigenpair residual of eq. (61)")
    return ClosedFormResult(
        z=z,
        v=problem.beamformer(z),
        w=w,
        objective=problem.objective(z, w),
        asymptotic_value=0.5 * np.log2(max(mu_max, 1.0)),
        eigenvalue=mu_max,
        status=settle(True, cert, otherwise="stalled"),
        iterations=1,
        elapsed=time.perf_counter() - t0,
        certificate=cert,
        message="" if cert.holds else f"closed form not certified: {cert}",
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
    cert = _closed_form_certificate(problem, z, w, balance, "relative SNR imbalance of eq. (42)")
    return ClosedFormResult(
        z=z,
        v=problem.beamformer(z),
        w=w,
        objective=problem.objective(z, w),
        asymptotic_value=0.5 * np.log2(1.0 + p * hn2),
        status=settle(True, cert, otherwise="stalled"),
        iterations=1,
        elapsed=time.perf_counter() - t0,
        certificate=cert,
        message="" if cert.holds else f"P6 closed form not certified: {cert}",
    )


CLOSED_FORM_TOL = 1e-8
"""Tolerance of the closed-form certificates (relative residual and power violation)."""


def _closed_form_certificate(problem: AAUCProblem, z, w, residual: float, what: str) -> Certificate:
    """``max(residual, power violation / (2 P_max))`` against :data:`CLOSED_FORM_TOL`."""
    viol = max(-problem.power_slack(z, w), 0.0) / (2 * problem.p_max)
    return Certificate(
        kind="closed_form_residual",
        value=max(float(residual), viol),
        tolerance=CLOSED_FORM_TOL,
        detail=f"max of the {what} ({residual:.2e}) and the relative power violation "
        f"({viol:.2e}); certifies the closed form of the large-N/K problem, not "
        "stationarity for P2 at finite N",
    )


def _p5_args(R, t, c, two_p) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Check the data ``(R, t, c, 2P)`` of P5: shapes ``(m, 2n)``, ``(m,)``; ``c >= 0``."""
    Rm = as_array(R, "R", ndim=2)
    tv = as_array(t, "t", shape=(Rm.shape[0],), match="the rows of R")
    return Rm, tv, float(check_nonnegative(c, "c")), float(check_positive(two_p, "two_p"))


def _p5_point(Rm: np.ndarray, x, gamma, gamma_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Check a point ``(x, gamma)`` of P5: ``x`` of length ``2n``, ``gamma`` on the simplex."""
    m, n2 = Rm.shape
    xv = as_array(x, "x", shape=(n2,))
    gv = check_nonnegative(as_array(gamma, gamma_name, shape=(m + 1,)), gamma_name)
    return xv, gv


# ---------------------------------------------------------------------- P4 / P5 pieces
def p4_objective(problem: AAUCProblem, z, p: float) -> float:
    """Objective of P4 (eq. (29)): ``min(min_k |a_k^H z|^2, p ||h||^2)`` (an SNR)."""
    (z,) = _check_zw(problem, z=z)
    p = float(check_nonnegative(p, "p"))
    return float(min(problem.snr_helpers(z).min(), p * np.sum(np.abs(problem.h) ** 2)))


def p5_data(problem: AAUCProblem, z) -> tuple[np.ndarray, np.ndarray, float]:
    """Data ``(R, t, c)`` of P5 (paper eq. (33)) built at ``z = z^[n]``.

    Row ``k`` of ``R`` is ``r_k^T = 2 [Re(a_k a_k^H z); Im(a_k a_k^H z)]^T``,
    ``t_k = -|a_k^H z|^2`` and ``c = ||h||^2``; then ``r_k^T x + t_k`` is the linearized SNR
    of helper ``k`` at ``x = [Re z'; Im z']``.

    Returns
    -------
    R : ndarray, shape (K-1, 2n)
    t : ndarray, shape (K-1,)
    c : float

    Examples
    --------
    >>> pb = AAUCProblem(A=np.eye(3, 2) + 0j, h=np.ones(2) + 0j, j=np.ones(2), p_max=1.0,
    ...                  basis=np.eye(3))
    >>> R, t, c = p5_data(pb, np.array([1.0, 0.0, 0.0]) + 0j)
    >>> R.shape, t.tolist(), c
    ((2, 6), [-1.0, -0.0], 2.0)
    """
    (z,) = _check_zw(problem, z=z)
    u = problem.A.conj().T @ z
    cols = problem.A * u  # columns a_k a_k^H z
    R = 2.0 * np.concatenate([cols.real, cols.imag], axis=0).T  # (m, 2n)
    t = -(np.abs(u) ** 2)
    return R, t, float(np.sum(np.abs(problem.h) ** 2))


def lipschitz_bound(R, c: float, two_p: float) -> float:
    """``L_hat`` of Proposition 4 (eq. (39)): ``max(||r_k||, 2 c max(sqrt(2P), 1))``."""
    Rm = as_array(R, "R", ndim=2)
    if Rm.size == 0:
        raise ValueError(f"R must have at least one row and column, got shape {Rm.shape}")
    cc = float(check_nonnegative(c, "c"))
    tp = float(check_positive(two_p, "two_p"))
    return float(max(np.linalg.norm(Rm, axis=1).max(), 2 * cc * max(np.sqrt(tp), 1.0)))


def euclidean_step(y, g, step: float, radius: float) -> np.ndarray:
    """Closed form of the ``x`` updates (34a)/(34c): ``Proj_ball(y + step g)``.

    ``argmin_x ||x - y||^2 / 2 - step g^T x`` over ``||x|| <= radius`` (paper's first
    closed form after eq. (39), with ``step = 1 / (2L)``); the projection is
    :func:`wiretap.mirror.ball_projection`.

    Examples
    --------
    >>> euclidean_step(np.zeros(2), np.array([3.0, 4.0]), 1.0, 1.0).round(6).tolist()
    [0.6, 0.8]
    """
    step = float(check_nonnegative(step, "step"))
    return mirror.ball_projection(
        as_array(y, "y", ndim=1) + step * as_array(g, "g", ndim=1), radius
    )


def kl_step(log_eta, g, step: float) -> np.ndarray:
    """Closed form of the ``gamma`` updates (34b)/(34d) on log-weights.

    ``argmin_gamma KL(gamma || eta) + step g^T gamma`` over the simplex is
    ``eta_k exp(-step g_k) / sum_i eta_i exp(-step g_i)`` (the paper's second closed form
    after eq. (39)); on log-weights it is ``log_eta - step g - logsumexp(log_eta - step g)``
    (:func:`wiretap.mirror.kl_prox_log`), which never under- or overflows.

    Returns
    -------
    ndarray
        The new log-weights.

    Examples
    --------
    >>> np.exp(kl_step(np.log([0.5, 0.5]), np.array([0.0, np.log(3.0)]), 1.0)).round(6)
    array([0.75, 0.25])
    """
    return mirror._kl_prox_log(log_eta, g, step, "log_eta")


def p5_gradients(R, t, c: float, two_p: float, x, gamma) -> tuple[np.ndarray, np.ndarray]:
    """Gradients (37a)-(37b) of ``Theta`` at ``(x, gamma)``.

    ``grad_x = sum_k gamma_k r_k - 2 gamma_K c x`` and
    ``grad_gamma = [r_1^T x + t_1, ..., r_{K-1}^T x + t_{K-1}, c (2P - ||x||^2)]``.

    Examples
    --------
    >>> gx, gg = p5_gradients(np.eye(2), np.zeros(2), 1.0, 2.0, np.ones(2), np.ones(3) / 3)
    >>> gx.round(6).tolist(), gg.round(6).tolist()
    ([-0.333333, -0.333333], [1.0, 1.0, 0.0])
    """
    R, t, c, two_p = _p5_args(R, t, c, two_p)
    x, gam = _p5_point(R, x, gamma, "gamma")
    gx = R.T @ gam[:-1] - 2.0 * gam[-1] * c * x
    gg = np.append(R @ x + t, c * (two_p - x @ x))
    return gx, gg


def p5_gap(R, t, c: float, two_p: float, x, gam) -> float:
    """Duality gap of P5 at ``(x, gamma)``: ``max_x' Theta(x', gamma) - min_g Theta(x, g)``.

    Both inner problems have closed forms: ``Theta(., gamma)`` is a concave isotropic
    quadratic (its maximizer over the ball is the projection of the unconstrained one) and
    ``Theta(x, .)`` is linear on the simplex (its minimum is the smallest gradient entry).
    The gap is >= 0 and 0 exactly at a saddle point.
    """
    R, t, c, two_p = _p5_args(R, t, c, two_p)
    x, gam = _p5_point(R, x, gam, "gam")
    b = R.T @ gam[:-1]
    a = gam[-1] * c
    rad = np.sqrt(two_p)
    if a > 0:
        xs = euclidean_step(np.zeros_like(b), b, 1.0 / (2 * a), rad)
    else:
        nb = np.linalg.norm(b)
        xs = b * (rad / nb) if nb > 0 else np.zeros_like(b)
    upper = gam[:-1] @ (R @ xs + t) + gam[-1] * c * (two_p - xs @ xs)
    lower = float(np.min(np.append(R @ x + t, c * (two_p - x @ x))))
    return float(upper - lower)


@dataclass(frozen=True, kw_only=True)
class P5Result(IterativeResult):
    """Outcome of :func:`p5_mirror_prox` (one inner solve of BFOM).

    Attributes
    ----------
    x : ndarray, shape (2n,)
        Last iterate ``y^[m]``.
    gamma : ndarray, shape (K,)
        Last ``eta^[m]``.
    x_avg, gamma_avg : ndarray
        Ergodic averages of the look-ahead points ``(y^<>, eta^<>)`` (the averages the
        ``O(1/m)`` guarantee is about).
    history : dict
        ``"step"`` (``||y^[m+1] - y^[m]||``) and, when requested, ``"gap"`` (duality gap of
        the ergodic average).
    """

    x: np.ndarray
    gamma: np.ndarray
    x_avg: np.ndarray
    gamma_avg: np.ndarray


def p5_mirror_prox(
    R,
    t,
    c: float,
    two_p: float,
    L: float,
    *,
    x0=None,
    gamma0=None,
    max_iter: int = 3000,
    tol: float = 1e-4,
    track_gap: bool = False,
    gap_tol: float = 1e-3,
) -> P5Result:
    """Mirror prox (paper eq. (34)) for P5: ``max_{||x||^2 <= 2P} min_{gamma in simplex}
    Theta(x, gamma)``.

    ``Theta(x, gamma) = sum_k gamma_k (r_k^T x + t_k) + gamma_K c (2P - ||x||^2)``
    (eq. (33)). Each iteration takes a look-ahead step (34a)-(34b) and the real step
    (34c)-(34d) with step size ``1 / (2L)``, in closed form (:func:`euclidean_step`,
    :func:`kl_step`). Stops when ``||y^[m+1] - y^[m]|| < tol`` (Remark 2) or after
    ``max_iter`` iterations.

    Parameters
    ----------
    R : array_like, shape (K-1, 2n)
        Rows ``r_k^T``.
    t : array_like, shape (K-1,)
    c : float
        ``||h_K||^2 / sigma_K^2`` (>= 0).
    two_p : float
        ``2 P_max`` (> 0).
    L : float
        Bregman-Lipschitz constant (> 0); the paper uses ``L_hat / K``.
    x0 : array_like, optional
        Starting ``y^[0]`` (default 0, the paper's example).
    gamma0 : array_like, optional
        Starting ``eta^[0]``, strictly positive on the simplex (default uniform, the paper's
        example).
    max_iter : int
    tol : float
    track_gap : bool
        Record the duality gap of the ergodic average at every iteration (costs one extra
        gradient evaluation per iteration).
    gap_tol : float
        Tolerance of the certificate: the duality gap (:func:`p5_gap`) of the better of
        the last iterate and the ergodic average, divided by ``max(1, |Theta|)`` at that
        point.

    Returns
    -------
    P5Result
        Status ``"converged"`` when the step rule fired and the relative duality gap is at
        most ``gap_tol``; ``"stalled"`` when the rule fired but the gap is larger;
        ``"max_iter"`` at the cap.
    """
    Rm, tv, c, two_p = _p5_args(R, t, c, two_p)
    m, n2 = Rm.shape
    step = 1.0 / (2.0 * float(check_positive(L, "L")))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = float(check_positive(tol, "tol"))
    gap_tol = float(check_positive(gap_tol, "gap_tol"))
    rad = np.sqrt(two_p)
    t0 = time.perf_counter()
    y = np.zeros(n2) if x0 is None else as_array(x0, "x0", shape=(n2,)).copy()
    y = mirror.ball_projection(y, rad)
    if gamma0 is None:
        log_eta = np.full(m + 1, -np.log(m + 1.0))
    else:
        g0 = as_array(gamma0, "gamma0", shape=(m + 1,))
        if np.any(g0 <= 0) or abs(g0.sum() - 1) > 1e-9:
            raise ValueError("gamma0 must be strictly positive and sum to 1")
        log_eta = np.log(g0)
    sx, sg = np.zeros(n2), np.zeros(m + 1)
    steps, gaps = [], []
    rule_met = False
    # Everything the loop multiplies by the step is scaled once here, and the weights are
    # carried both as logarithms and as values, so one iteration is a few fused numpy
    # calls: with gamma = (g, g_K),
    #   step * grad_x     = step R^T g - (2 step c g_K) x                          (37a)
    #   step * grad_gamma = [step (R x + t), step c (2P - ||x||^2)]                  (37b)
    Rs = step * np.vstack([Rm, np.zeros((1, n2))])  # (m+1, 2n): last row zero
    Rts = np.ascontiguousarray(Rs.T)
    ts = step * np.append(tv, c * two_p)
    cs = step * c
    rad2 = two_p

    def ascend(x, xg, gam):
        # (34a)/(34c): x + step grad_x(xg, gam), projected on the ball
        v = x + Rts @ gam
        v -= (2.0 * cs * float(gam[m])) * xg
        nv2 = float(v @ v)
        if nv2 > rad2:
            v *= rad / math.sqrt(nv2)
        return v

    def descend(le, x):
        # (34b)/(34d): log softmax(le - step grad_gamma(x, .)); also returns the weights
        sv = le - (Rs @ x + ts)
        sv[m] += cs * float(x @ x)
        mx = float(sv.max())
        e = np.exp(sv - mx)
        tot = float(e.sum())
        return sv - (mx + math.log(tot)), e * (1.0 / tot)

    eta = np.exp(log_eta)
    it = 0
    for it in range(1, max_iter + 1):
        y_la = ascend(y, y, eta)  # (34a): ascent step in x
        _, eta_la = descend(log_eta, y)  # (34b): KL step in gamma (weights only)
        y_new = ascend(y, y_la, eta_la)  # (34c)
        log_eta, eta = descend(log_eta, y_la)  # (34d)
        sx += y_la
        sg += eta_la
        diff = y_new - y
        d = math.sqrt(float(diff @ diff))
        y = y_new
        steps.append(d)
        if track_gap:
            gaps.append(p5_gap(Rm, tv, c, two_p, sx / it, sg / it))
        if d < tol:
            rule_met = True
            break
    hist = {"step": steps}
    if track_gap:
        hist["gap"] = gaps
    gamma = np.exp(log_eta)
    x_avg, g_avg = sx / it, sg / it
    best = None
    for name, xx, gm in (("last iterate", y, gamma), ("ergodic average", x_avg, g_avg)):
        val = float(np.min(np.append(Rm @ xx + tv, c * (two_p - xx @ xx))))
        rel = max(p5_gap(Rm, tv, c, two_p, xx, gm), 0.0) / max(1.0, abs(val))
        if best is None or rel < best[0]:
            best = (rel, name)
    cert = Certificate(
        kind="duality_gap",
        value=best[0],
        tolerance=gap_tol,
        detail=f"duality gap of P5 at the {best[1]}, relative to max(1, |Theta|)",
    )
    status = settle(rule_met, cert, otherwise="max_iter")
    message = {
        "converged": "",
        "stalled": f"step below {tol:g} but the relative duality gap {best[0]:.2e} exceeds "
        f"{gap_tol:g}",
        "max_iter": f"{max_iter} iterations; relative duality gap {best[0]:.2e}",
    }[status]
    return P5Result(
        x=y,
        gamma=gamma,
        x_avg=x_avg,
        gamma_avg=g_avg,
        status=status,
        iterations=it,
        history=as_history(hist),
        elapsed=time.perf_counter() - t0,
        certificate=cert,
        message=message,
    )


def p5_recover(R, t, c: float, two_p: float, direction) -> np.ndarray:
    """Best point of P5's outer problem along a direction (paper eq. (41), made robust).

    Paper eq. (41) rescales ``y^[m]`` so that the smallest helper term equals user ``K``'s
    term. Writing ``x = s y / ||y||``, the objective
    ``min(min_k (s r_k^T y/||y|| + t_k), c (2P - s^2))`` is concave in ``s`` (a minimum of
    affine and concave functions), so we maximize it over ``s in [0, sqrt(2P)]``; when the
    helper terms increase with ``s`` the maximizer is exactly the root of eq. (41).

    Returns
    -------
    ndarray, shape (2n,)
    """
    R, t, c, two_p = _p5_args(R, t, c, two_p)
    y = as_array(direction, "direction", shape=(R.shape[1],))
    ny = np.linalg.norm(y)
    if ny == 0:
        return y
    u = y / ny
    slope = R @ u

    def neg(s):
        return -min(float(np.min(s * slope + t)), c * (two_p - s * s))

    smax = np.sqrt(two_p)
    res = optimize.minimize_scalar(
        neg, bounds=(0.0, smax), method="bounded", options={"xatol": 1e-12 * max(smax, 1.0)}
    )
    s = min(res.x, smax) if -res.fun >= -neg(smax) else smax
    return s * u


def p4_stationarity_gap(problem: AAUCProblem, z, *, gamma0=None) -> tuple[float, np.ndarray]:
    """Stationarity gap of P4 (eq. (29)) at ``z`` with the rest of the power in ``w``.

    With ``x = [Re z; Im z]`` and ``p = 2 P_max - ||x||^2``, the gap is
    ``val(P5 built at x) - f(x)``: how much the first-order model of P4 at ``x`` (the
    helpers' SNRs linearized, eq. (30), user ``K``'s term exact) can still gain. It is
    ``>= 0`` (the model is tight at ``x``) and ``0`` exactly at a KKT point of P4, like a
    Frank-Wolfe gap. We bound ``val(P5)`` from above by weak duality,
    ``val(P5) <= d(gamma) = max_x' Theta(x', gamma)`` for every ``gamma`` in the simplex
    (closed form, as in :func:`p5_gap`), and minimize ``d`` over the simplex with SLSQP.
    Any ``gamma`` gives a valid bound, so the returned value over-estimates the gap and a
    small value certifies stationarity whatever the accuracy of that minimization.

    Parameters
    ----------
    problem : AAUCProblem
    z : array_like, complex, shape (n,)
        ``||z||^2 <= 2 P_max``.
    gamma0 : array_like, shape (K,), optional
        Starting weights (default uniform).

    Returns
    -------
    gap : float
        Upper bound on the stationarity gap, in SNR units (>= 0).
    gamma : ndarray, shape (K,)
        The weights that give it.

    Examples
    --------
    >>> from wiretap.aauc import SystemParams, draw_scenario
    >>> pb = AAUCProblem.from_scenario(draw_scenario(SystemParams(n_antennas=16, n_users=4),
    ...                                              rng=1))
    >>> gap, _ = p4_stationarity_gap(pb, p6(pb).z)
    >>> bool(gap > 1e-3 * p4_objective(pb, p6(pb).z, 2 * pb.p_max - np.sum(np.abs(p6(pb).z)**2)))
    True
    """
    (z,) = _check_zw(problem, z=z)
    two_p = 2.0 * problem.p_max
    R, t, c = p5_data(problem, z)
    x = np.concatenate([z.real, z.imag])
    if x @ x > two_p * (1 + 1e-9):
        raise ValueError("z must satisfy ||z||^2 <= 2 p_max")
    m = t.size
    f = float(np.min(np.append(R @ x + t, c * (two_p - x @ x))))
    rad = np.sqrt(two_p)

    def dual(g):
        g = np.maximum(g, 0.0)
        b = R.T @ g[:m]
        a = g[m] * c
        beta = float(np.sqrt(b @ b))
        s = rad if a <= 0 else min(beta / (2 * a), rad)
        xs = b * (s / beta) if beta > 0 else np.zeros_like(b)
        val = g[:m] @ t + a * two_p + beta * s - a * s * s
        grad = np.append(R @ xs + t, c * (two_p - xs @ xs))
        return float(val), grad

    if gamma0 is None:
        g0 = np.full(m + 1, 1.0 / (m + 1))
    else:
        g0 = as_array(gamma0, "gamma0", shape=(m + 1,))
        if np.any(g0 < 0) or not np.isclose(g0.sum(), 1.0):
            raise ValueError("gamma0 must be nonnegative and sum to 1")
    # the start is a valid candidate too (any gamma gives an upper bound)
    cands = [g0]
    res = optimize.minimize(
        dual,
        g0,
        jac=True,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * (m + 1),
        constraints=[
            {"type": "eq", "fun": lambda g: g.sum() - 1.0, "jac": lambda g: np.ones(g.size)}
        ],
        options={"maxiter": 200, "ftol": 1e-12},
    )
    g1 = np.maximum(res.x, 0.0)
    if g1.sum() > 0:
        cands.append(g1 / g1.sum())
    vals = [dual(g)[0] for g in cands]
    i = int(np.argmin(vals))
    return max(vals[i] - f, 0.0), cands[i]


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
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = float(check_positive(tol, "tol"))
    max_inner = check_int(max_inner, "max_inner", minimum=1)
    inner_tol = float(check_positive(inner_tol, "inner_tol"))
    max_refine = check_int(max_refine, "max_refine", minimum=0)
    gap_tol = float(check_positive(gap_tol, "gap_tol"))
    total_inner = (
        2 * max_iter * max_inner
        if max_total_inner is None
        else check_int(max_total_inner, "max_total_inner", minimum=1)
    )
    scale = (
        1.0 / (problem.m + 1)
        if lipschitz_scale is None
        else float(check_positive(lipschitz_scale, "lipschitz_scale"))
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
    rule_met, stalled, message = False, False, ""
    it = 0
    budget = total_inner  # mirror-prox iterations left for this run
    out_of_budget = False
    gam_prev = None
    for it in range(1, max_iter + 1):
        if budget <= 0:
            out_of_budget = True
            it -= 1
            break
        t_it = time.perf_counter()
        R, t, c = p5_data(pb, z)
        L_hat = lipschitz_bound(R, c, P2)
        x_cur = np.concatenate([z.real, z.imag])
        f_old = hist["snr"][-1]
        n_inner, n_ref = 0, 0
        i_tol, i_max, i_scale = inner_tol, max_inner, scale
        while True:
            warm = warm_start or n_ref > 0
            inner = p5_mirror_prox(
                R,
                t,
                c,
                P2,
                L_hat * i_scale,
                x0=x_cur if warm else None,
                gamma0=gam_prev if warm else None,
                max_iter=min(i_max, budget),
                tol=i_tol,
            )
            n_inner += inner.iterations
            budget -= inner.iterations
            # keep the weights strictly positive for a warm start
            gam_prev = (inner.gamma + 1e-12) / (1 + 1e-12 * inner.gamma.size)
            # recover from the last iterate (the paper's y^[m]) and from the ergodic
            # average (the point the O(1/m) guarantee is about); keep the better one
            surrogate_new, x = -np.inf, x_cur
            for y in (inner.x, inner.x_avg):
                xr = p5_recover(R, t, c, P2, y)
                val = min(float(np.min(R @ xr + t)), c * (P2 - xr @ xr))
                if val > surrogate_new:
                    surrogate_new, x = val, xr
            if surrogate_new >= f_old or n_ref >= max_refine or budget <= 0:
                # keep tightened settings: the later steps need the same accuracy
                inner_tol, max_inner, scale = i_tol, i_max, i_scale
                break
            # rejected: tighten the inner solve and try again
            n_ref += 1
            i_tol /= 10.0
            i_max *= 2
            i_scale = min(2.0 * i_scale, 1.0)
        hist["inner_iterations"].append(n_inner)
        hist["lipschitz"].append(L_hat * i_scale)
        hist["refinements"].append(n_ref)
        hist["wall_time"].append(time.perf_counter() - t_it)
        if surrogate_new < f_old:
            hist["snr"].append(f_old)
            if n_ref < max_refine:  # the budget ran out before the step could be re-solved
                hist["rejected"].append(0)
                out_of_budget = True
                break
            hist["rejected"].append(1)
            stalled = True
            message = (
                f"SCO step {it}: the mirror-prox solution did not improve the surrogate "
                f"({surrogate_new:.6g} < {f_old:.6g}) after {n_ref} tightened re-solves; "
                "stopped at the current point"
            )
            break
        hist["rejected"].append(0)
        n = pb.n
        z = x[:n] + 1j * x[n:]
        p = max(P2 - float(x @ x), 0.0)
        f_new = p4_objective(pb, z, p)
        hist["snr"].append(f_new)
        hist["v"].append(pb.beamformer(z))
        hist["p"].append(p)
        if abs(f_new - f_old) <= tol * max(1.0, abs(f_old)):
            rule_met = True
            break
    snr = p4_objective(pb, z, p)
    gap, _ = p4_stationarity_gap(pb, z, gamma0=None)
    cert = Certificate(
        kind="stationarity",
        value=gap / max(abs(snr), 1e-300),
        tolerance=gap_tol,
        detail="stationarity gap of P4 at the returned point (first-order model value "
        "minus the objective, bounded by duality), relative to the P4 objective",
    )
    if stalled:
        status = "stalled"
        message += f"; relative stationarity gap {cert.value:.2e}"
    else:
        status = settle(rule_met, cert, otherwise="max_iter")
        if status == "stalled":
            message = (
                f"stopping rule met but the relative stationarity gap {cert.value:.2e} "
                f"exceeds {gap_tol:g}"
            )
        elif status == "max_iter" and out_of_budget:
            message = (
                f"budget of {total_inner} mirror-prox iterations used up after {it} SCO "
                f"steps; relative stationarity gap {cert.value:.2e}"
            )
        elif status == "max_iter":
            message = f"{max_iter} SCO steps; relative stationarity gap {cert.value:.2e}"
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
        iterations=it,
        history=as_history(hist),
        elapsed=time.perf_counter() - t0,
        message=message,
        certificate=cert,
    )
