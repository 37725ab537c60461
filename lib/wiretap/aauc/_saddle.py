"""P4 and its SCO step P5 for many users (paper Sec. V-B): data, closed-form steps, mirror prox.

Internal module: every public name here is documented, tested and imported as a name of
:mod:`wiretap.aauc.large` (their ``__module__`` says so), which re-exports them. BFOM
(:func:`wiretap.aauc.large.bfom`) drives these pieces.

``w`` is matched to ``h_K`` and only its power ``p`` is free (problem P4, eq. (29)); each
SCO step (30) is a bilinear saddle problem P5 (eqs. (31)-(33)) solved by mirror prox
(eq. (34)) with a Euclidean step for ``x`` and a Kullback-Leibler (exponentiated-gradient)
step for the weights ``gamma``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import optimize

from .. import mirror
from .._bregman import kl_prox_log_checked
from .._validation import as_array, check_int, check_nonnegative, check_positive
from ..results import Certificate, IterativeResult, as_history, settle
from .problem import AAUCProblem, check_zw

__all__ = [
    "P5Result",
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
]


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
    (z,) = check_zw(problem, z=z)
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
    (z,) = check_zw(problem, z=z)
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
    return kl_prox_log_checked(log_eta, g, step, "log_eta")


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
    t0 = time.perf_counter()
    y = np.zeros(n2) if x0 is None else as_array(x0, "x0", shape=(n2,)).copy()
    y = mirror.ball_projection(y, np.sqrt(two_p))
    if gamma0 is None:
        log_eta = np.full(m + 1, -np.log(m + 1.0))
    else:
        g0 = as_array(gamma0, "gamma0", shape=(m + 1,))
        if np.any(g0 <= 0) or abs(g0.sum() - 1) > 1e-9:
            raise ValueError("gamma0 must be strictly positive and sum to 1")
        log_eta = np.log(g0)
    gap = (lambda xa, ga: p5_gap(Rm, tv, c, two_p, xa, ga)) if track_gap else None
    run = _P5Steps(Rm, tv, c, two_p, step).run(y, log_eta, max_iter, tol, gap)
    hist = {"step": run.steps}
    if track_gap:
        hist["gap"] = run.gaps
    gamma = np.exp(run.log_eta)
    it = run.iterations
    x_avg, g_avg = run.sx / it, run.sg / it
    cert = _p5_certificate(Rm, tv, c, two_p, (run.y, gamma), (x_avg, g_avg), gap_tol)
    status = settle(run.rule_met, cert, otherwise="max_iter")
    message = {
        "converged": "",
        "stalled": f"step below {tol:g} but the relative duality gap {cert.value:.2e} exceeds "
        f"{gap_tol:g}",
        "max_iter": f"{max_iter} iterations; relative duality gap {cert.value:.2e}",
    }[status]
    return P5Result(
        x=run.y,
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


class _P5Run(NamedTuple):
    """Last iterate, sums of the look-ahead points, and history of a mirror-prox run."""

    y: np.ndarray
    log_eta: np.ndarray
    sx: np.ndarray
    sg: np.ndarray
    iterations: int
    rule_met: bool
    steps: list
    gaps: list


class _P5Steps:
    """The closed-form steps (34a)-(34d) of mirror prox on P5.

    Everything the loop multiplies by the step is scaled once here, and the weights are
    carried both as logarithms and as values, so one iteration is a few fused numpy calls:
    with gamma = (g, g_K),

    * ``step * grad_x     = step R^T g - (2 step c g_K) x``                    (37a)
    * ``step * grad_gamma = [step (R x + t), step c (2P - ||x||^2)]``            (37b)
    """

    def __init__(self, Rm: np.ndarray, tv: np.ndarray, c: float, two_p: float, step: float):
        m, n2 = Rm.shape
        self.m = m
        self.rad = np.sqrt(two_p)
        self.Rs = step * np.vstack([Rm, np.zeros((1, n2))])  # (m+1, 2n): last row zero
        self.Rts = np.ascontiguousarray(self.Rs.T)
        self.ts = step * np.append(tv, c * two_p)
        self.cs = step * c
        self.rad2 = two_p

    def ascend(self, x, xg, gam):
        """(34a)/(34c): ``x + step grad_x(xg, gam)``, projected on the ball."""
        v = x + self.Rts @ gam
        v -= (2.0 * self.cs * float(gam[self.m])) * xg
        nv2 = float(v @ v)
        if nv2 > self.rad2:
            v *= self.rad / math.sqrt(nv2)
        return v

    def descend(self, le, x):
        """(34b)/(34d): ``log softmax(le - step grad_gamma(x, .))``; also the weights."""
        sv = le - (self.Rs @ x + self.ts)
        sv[self.m] += self.cs * float(x @ x)
        mx = float(sv.max())
        e = np.exp(sv - mx)
        tot = float(e.sum())
        return sv - (mx + math.log(tot)), e * (1.0 / tot)

    def run(self, y, log_eta, max_iter: int, tol: float, gap) -> _P5Run:
        """Iterate from ``(y, log_eta)`` until ``||y^[m+1] - y^[m]|| < tol`` or the cap;
        ``gap(x_avg, gamma_avg)``, when given, is recorded at every iteration."""
        m, n2 = self.m, self.Rs.shape[1]
        sx, sg = np.zeros(n2), np.zeros(m + 1)
        steps, gaps = [], []
        eta = np.exp(log_eta)
        it = 0
        for it in range(1, max_iter + 1):
            y_la = self.ascend(y, y, eta)  # (34a): ascent step in x
            _, eta_la = self.descend(log_eta, y)  # (34b): KL step in gamma (weights only)
            y_new = self.ascend(y, y_la, eta_la)  # (34c)
            log_eta, eta = self.descend(log_eta, y_la)  # (34d)
            sx += y_la
            sg += eta_la
            diff = y_new - y
            d = math.sqrt(float(diff @ diff))
            y = y_new
            steps.append(d)
            if gap is not None:
                gaps.append(gap(sx / it, sg / it))
            if d < tol:
                return _P5Run(y, log_eta, sx, sg, it, True, steps, gaps)
        return _P5Run(y, log_eta, sx, sg, it, False, steps, gaps)


def _p5_certificate(Rm, tv, c: float, two_p: float, last, average, gap_tol: float) -> Certificate:
    """Relative duality gap of the better of the last iterate and the ergodic average."""
    best = None
    for name, (xx, gm) in (("last iterate", last), ("ergodic average", average)):
        val = float(np.min(np.append(Rm @ xx + tv, c * (two_p - xx @ xx))))
        rel = max(p5_gap(Rm, tv, c, two_p, xx, gm), 0.0) / max(1.0, abs(val))
        if best is None or rel < best[0]:
            best = (rel, name)
    return Certificate(
        kind="duality_gap",
        value=best[0],
        tolerance=gap_tol,
        detail=f"duality gap of P5 at the {best[1]}, relative to max(1, |Theta|)",
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
    >>> from wiretap.aauc import SystemParams, draw_scenario, p6
    >>> pb = AAUCProblem.from_scenario(draw_scenario(SystemParams(n_antennas=16, n_users=4),
    ...                                              rng=1))
    >>> gap, _ = p4_stationarity_gap(pb, p6(pb).z)
    >>> bool(gap > 1e-3 * p4_objective(pb, p6(pb).z, 2 * pb.p_max - np.sum(np.abs(p6(pb).z)**2)))
    True
    """
    (z,) = check_zw(problem, z=z)
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
