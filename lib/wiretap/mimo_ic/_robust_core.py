"""Kernels shared by the robust MIMO-IC modules (internal).

* :func:`worst_case`: the exact trust-region worst case of ``||B (H + Delta) X - C||_F^2``
  over ``||Delta||_F <= r`` (unchecked; :func:`wiretap.mimo_ic.worst_case_residual` checks
  and calls it). It is a specialised trust-region solver for this Kronecker structure; it is
  kept beside :func:`wiretap.lemmas.min_quadratic_on_ball` because switching would change
  the floating-point arithmetic. ``tests/test_mimo_ic_robust.py`` checks it against
  ``lemmas.min_quadratic_on_ball`` on 150 random instances (error at most 1e-9 relative to
  ``max(1, value)``).
* :func:`row_data`: the SVD rotation of a robust term into independent rows.
* :func:`solve_robust`: the Clarabel retry ladder of the robust SDPs.
* :func:`ascend` and its helpers: the projected-gradient error searches of
  :func:`wiretap.mimo_ic.worst_case_secrecy`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize as sopt

from .. import convex
from .._linalg import herm, logdet
from .._validation import as_array
from ._checks import matrix

__all__ = [
    "ACCEPT",
    "PRECODER_GAP_TOL",
    "RETRY",
    "RowData",
    "ascend",
    "check_bhxc",
    "rate_grad",
    "row_data",
    "solve_robust",
    "vec",
    "worst_case",
]

ACCEPT = ("optimal", "optimal_inaccurate")
"""Statuses whose point is read back from the solver; it is then checked independently (the
precoder step against the exact worst cases, the receiver and Eve steps by the exact-utility
safeguard of :func:`~wiretap.mimo_ic.run_adp`)."""

PRECODER_GAP_TOL = 1e-6
"""Tolerance of the precoder step's certificate (documented as
:data:`wiretap.mimo_ic.robust.PRECODER_GAP_TOL`)."""

RETRY = (
    {},
    {"static_regularization_constant": 1e-7},
    {
        "static_regularization_constant": 1e-6,
        "tol_gap_abs": 1e-6,
        "tol_gap_rel": 1e-6,
        "tol_feas": 1e-7,
    },
)
"""Clarabel settings tried in turn when a solve ends without a usable point."""


def solve_robust(problem, solver_options):
    """Solve with Clarabel; on a numerical failure retry with more regularization.

    A point is returned for ``optimal`` and ``optimal_inaccurate`` (``accept_unknown`` maps
    Clarabel's "insufficient progress" with a point to the latter); the caller checks every
    returned point with the exact worst case, so an inaccurate point can never be accepted
    as an improvement it is not. Each rung is ``{"accept_unknown": True, **rung,
    **solver_options}`` (the caller's options override the rung); an infeasible outcome is
    retried too, and the last attempt is returned when every rung fails.
    """
    user = dict(solver_options or {})
    ladder = tuple({"accept_unknown": True, **extra, **user} for extra in RETRY)
    info, _ = convex.solve_with_retries(
        problem, ladder, accept=ACCEPT, stop_on_infeasible=False, report="last"
    )
    return info


def vec(M: np.ndarray) -> np.ndarray:
    return M.reshape(-1, order="F")


def check_bhxc(B, H, X, C):
    """Checked ``B (d, n)``, ``H (n, m)``, ``X (m, k)`` and ``C (d, k)`` or None."""
    Bm = matrix(B, "B")
    Hm = matrix(H, "H", shape=(Bm.shape[1], None), match="the columns of B")
    Xm = matrix(X, "X", shape=(Hm.shape[1], None), match="the columns of H")
    Cm = None
    if C is not None:
        Cm = as_array(
            C,
            "C",
            shape=(Bm.shape[0], Xm.shape[1]),
            kind="complex",
            match="the rows of B and the columns of X",
        )
    return Bm, Hm, Xm, Cm


def worst_case(Bm, Hm, Xm, Cm, r) -> tuple[float, np.ndarray]:
    """:func:`worst_case_residual` without argument checks (complex arrays, r >= 0)."""
    R0 = Bm @ Hm @ Xm
    if Cm is not None:
        R0 = R0 - Cm
    base = float(np.real(np.vdot(R0, R0)))
    n, m = Hm.shape
    if r == 0.0:
        return base, np.zeros((n, m), complex)
    # J^H a = vec(B^H R0 X^H) ; eigenvectors of J^H J from conj(X X^H) and B^H B
    g = Bm.conj().T @ R0 @ Xm.conj().T  # (n, m): J^H a as a matrix (vec order F)
    a1, V1 = np.linalg.eigh(herm(np.conj(Xm @ Xm.conj().T)))  # (m, m)
    b2, V2 = np.linalg.eigh(herm(Bm.conj().T @ Bm))  # (n, n)
    d = np.maximum(np.outer(b2, a1), 0.0)  # d[p, q] eigenvalue of V2[:, p] (x) V1[:, q]
    c = V2.conj().T @ g @ np.conj(V1)  # coordinates of J^H a: vec(V2^H g conj(V1))
    dmax = float(d.max())
    c2 = np.abs(c) ** 2
    scale = max(dmax, 1e-300)
    top = d >= dmax - 1e-12 * scale

    def norm2(mu):
        return float(np.sum(c2[~top] / (mu - d[~top]) ** 2))

    ctop = float(np.sqrt(c2[top].sum()))
    cnorm = float(np.sqrt(c2.sum()))
    if dmax <= 0.0 and cnorm == 0.0:
        return base, np.zeros((n, m), complex)
    if ctop <= 1e-12 * max(cnorm, 1e-300) and (dmax > 0) and norm2(dmax) <= r**2:
        # hard case: mu = dmax, fill the rest of the ball along the top eigenspace
        y = np.zeros_like(c)
        y[~top] = c[~top] / (dmax - d[~top])
        p, q = np.argwhere(top)[0]
        y[p, q] = np.sqrt(max(r**2 - norm2(dmax), 0.0))
    else:
        gap = dmax - d  # >= 0, zero on the top eigenspace; mu = dmax + t with t > 0

        def phi(t):
            with np.errstate(divide="ignore"):
                return float(np.sum(c2 / (t + gap) ** 2)) - r**2

        hi = cnorm / r  # phi(hi) <= 0 since every t + gap >= t (up to rounding)
        while phi(hi) > 0:
            hi *= 1 + 1e-9
        lo = hi
        for _ in range(2000):
            lo /= 2
            if phi(lo) > 0:
                break
        t = sopt.brentq(phi, lo, hi, rtol=4 * np.finfo(float).eps, xtol=1e-300, maxiter=500)
        y = c / (t + gap)
        y *= r / np.linalg.norm(y)
    Delta = V2 @ y @ V1.T  # back to Delta (vec order F): Delta = V2 Y V1^T
    val = float(np.real(np.vdot(R0 + Bm @ Delta @ Xm, R0 + Bm @ Delta @ Xm)))
    return val, Delta


@dataclass(frozen=True)
class RowData:
    P: np.ndarray  # (r, m) rows s_l v_l^H H
    C: np.ndarray  # (r, k) rotated target rows
    s: np.ndarray  # (r,) singular values of B
    sigma: np.ndarray  # (r,) radius * s
    const: float  # ||C||^2 of rows outside the range of B (0 when d <= n)


def row_data(B, H, C, radius) -> RowData:
    """Rotate ``B (H + Delta) X - C`` by the SVD of ``B`` into independent rows."""
    U, s, Vh = np.linalg.svd(B, full_matrices=True)
    r = min(B.shape)
    Crot = U.conj().T @ C
    P = (s[:r, None] * Vh[:r]) @ H
    const = float(np.linalg.norm(Crot[r:]) ** 2)
    return RowData(P=P, C=Crot[:r], s=s[:r], sigma=radius * s[:r], const=const)


def rate_grad(B, S1, S2, C):
    """``f = log det(B S1 B^H + C) - log det(B S2 B^H + C)`` and ``df / d conj(B)``."""
    M1 = herm(B @ S1 @ B.conj().T + C)
    M2 = herm(B @ S2 @ B.conj().T + C)
    f = logdet(M1, strict=False) - logdet(M2, strict=False)
    g = np.linalg.solve(M1, B @ S1) - np.linalg.solve(M2, B @ S2)
    return f, g


def ball(D, r):
    n = float(np.linalg.norm(D))
    return D if n <= r else D * (r / n)


def tangent(D, g, r):
    """Part of the ascent direction ``g`` that stays feasible at ``D`` in the ball."""
    n2 = float(np.linalg.norm(D) ** 2)
    if n2 >= r**2 * (1 - 1e-9):
        mu = max(0.0, float(np.real(np.vdot(D, g))) / n2)
        return g - mu * D
    return g


def ascend(base, S1, S2, C, r, sign, max_iter, tol):
    """Maximize ``sign * f(base + D)`` over ``||D||_F <= r`` by projected ascent.

    Two starts: zero and the first-order worst case ``r g / ||g||``; the better end point is
    kept. Returns the value of ``f``, the error, the residual, whether the rule was met and
    the number of steps taken.
    """
    f0, g0 = rate_grad(base, S1, S2, C)
    if r == 0.0:
        return f0, np.zeros_like(base), 0.0, True, 0
    best = None
    ng = float(np.linalg.norm(g0))
    starts = [np.zeros_like(base)] + ([sign * r * g0 / ng] if ng > 0 else [])
    steps = 0
    for D in starts:
        f, g = rate_grad(base + D, S1, S2, C)
        step = r / max(float(np.linalg.norm(g)), 1e-300)
        rule = False
        for _ in range(max_iter):
            steps += 1
            trial = ball(D + sign * step * g, r)
            ft, gt = rate_grad(base + trial, S1, S2, C)
            if sign * (ft - f) > 0:
                change = abs(ft - f)
                D, f, g, step = trial, ft, gt, 2.0 * step
                if change <= tol * (1.0 + abs(f)):
                    rule = True
                    break
            else:
                step *= 0.5
                if step * float(np.linalg.norm(g)) <= 1e-15 * r:
                    rule = True  # no feasible improving step at machine precision
                    break
        res = float(np.linalg.norm(tangent(D, sign * g, r)) * r / (1.0 + abs(f)))
        if best is None or sign * (f - best[0]) > 0:
            best = (f, D, res, rule)
    return (*best, steps)
