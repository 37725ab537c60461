"""Helpers of :mod:`wiretap.isac.robust` (internal): the ball-ratio result type, the
sampled ascent behind :func:`~wiretap.isac.worst_case_leakage_sampled`, and two constants of
the CSI error bound."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..results import IterativeResult

__all__ = ["BallRatio", "ascent", "kappa_los", "sumsq"]


def kappa_los(scn) -> float:
    """``sqrt(kappa / (1 + kappa))``, the LoS share of the eavesdropper channel (eq. (8))."""
    return float(np.sqrt(scn.kappa / (1.0 + scn.kappa)))


def sumsq(n: int) -> float:
    """``sqrt(sum_{k<n} k^2)``, the norm of the antenna-index vector of the steering vector."""
    return float(np.sqrt(n * (n - 1) * (2 * n - 1) / 6.0))


@dataclass(frozen=True, kw_only=True)
class BallRatio(IterativeResult):
    """Outcome of :func:`worst_ratio_on_ball` (Dinkelbach's method).

    The certificate (kind ``"worst_case_gap"``) is ``upper - ratio`` against
    ``tol * max(1, ratio)``: when it holds, ``ratio`` is the exact worst case to that
    accuracy.

    Attributes
    ----------
    ratio : float
        ``N(g) / D(g)`` at the returned point: an *attained* value, a lower bound on the
        maximum.
    upper : float
        A certified upper bound on the maximum: ``xi + max(-v, 0) / c0`` where ``v`` is the
        exact minimum of ``xi D - N`` over the ball at the last Dinkelbach value ``xi``
        (``D >= c0`` on the ball). ``eta`` is an S-lemma multiplier for ``upper``.
    g : ndarray, complex, shape (n,)
        The best point found.
    eta : float
        Multiplier with which the LMI of paper eq. (51) at ``xi = upper`` holds.
    """

    ratio: float = float("nan")
    upper: float = float("nan")
    g: np.ndarray = field(default_factory=lambda: np.zeros(0, complex))
    eta: float = 0.0


def ascent(g, Wmk, Ri, gbar, rad, m, n_steps):
    """Projected gradient ascent of ``N(g) / D(g)`` over the per-BS balls from ``g``: the
    sampled (lower) estimate of :func:`~wiretap.isac.worst_case_leakage_sampled`."""
    M = gbar.shape[0]

    def val(g):
        num = np.vdot(g[m], Wmk @ g[m]).real
        den = sum(np.vdot(g[j], Ri[j] @ g[j]).real for j in range(M)) + 1.0
        return num / den, num, den

    best, num, den = val(g)
    step = 0.05 * max(rad.max(), 1e-12)
    for _ in range(n_steps):
        grad = np.zeros_like(g)
        grad[m] += Wmk @ g[m] / den
        for j in range(M):
            grad[j] -= num / den**2 * (Ri[j] @ g[j])
        nrm = np.linalg.norm(grad)
        if nrm == 0:
            break
        cand = g + step * grad / nrm
        d = cand - gbar
        scale = np.maximum(np.linalg.norm(d, axis=1) / np.maximum(rad, 1e-300), 1.0)
        cand = gbar + d / scale[:, None]
        v, n2, d2 = val(cand)
        if v > best:
            g, best, num, den = cand, v, n2, d2
        else:
            step *= 0.5
            if step < 1e-9 * max(rad.max(), 1e-12):
                break
    return best
