"""A centralized reference: projected gradient ascent on the sum secrecy rate.

Not the paper's algorithm. It maximizes ``sum_i C_S,i`` (paper eqs. (5)-(12), unclipped,
on the estimated channels) over all designs at once, by steepest ascent along the exact
gradient (:func:`~wiretap.mimo_ic.sum_rate_gradient`), projection onto the per-transmitter
power balls and a step that grows after every success and halves after every failure, so the
objective never decreases. It needs every channel at one place, which is what the
distributed pricing avoids; the book uses it to judge how far the distributed algorithm is
from what a simple local method reaches on the same instance.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._validation import as_array, check_range
from ..results import Certificate, IterativeResult, as_history, settle
from ._checks import check_instance, loop_settings, nonempty
from .model import Network, backoff_start, rates, secrecy_rates, sum_rate_gradient

__all__ = ["GradientResult", "gradient_ascent", "stationarity_residual"]


@dataclass(frozen=True, kw_only=True)
class GradientResult(IterativeResult):
    """Outcome of :func:`gradient_ascent`.

    Attributes
    ----------
    X : ndarray, complex, shape (K, n_t, d_s + d_a)
        Final designs (each within the power budget).
    secrecy : ndarray, shape (K,)
        Secrecy rates on the true channels, bits/s/Hz, ``[.]^+``.
    secrecy_estimate : ndarray, shape (K,)
        The same on the estimates.
    objective : float
        Final unclipped sum secrecy rate on the estimates, nats.

    ``history["objective"]`` (iterations + 1,) is non-decreasing.
    """

    X: np.ndarray
    secrecy: np.ndarray
    secrecy_estimate: np.ndarray
    objective: float


def _project(X: np.ndarray, power: float) -> np.ndarray:
    n2 = np.linalg.norm(X, axis=(1, 2)) ** 2
    f = np.minimum(1.0, np.sqrt(power / np.maximum(n2, 1e-300)))
    return X * f[:, None, None]


def stationarity_residual(grad, X, power, objective) -> float:
    """Relative projected-gradient norm of ``max f(X)`` s.t. ``||X_i||_F^2 <= P`` for all ``i``.

    The gradient ``D_i = df/d conj(X_i)`` is projected onto the tangent cone of pair ``i``'s
    power ball: on the sphere (``||X_i||^2 >= P (1 - 1e-9)``) with ``Re <X_i, D_i> > 0`` the
    outward radial part is removed, ``D_i - mu_i X_i`` with ``mu_i = Re <X_i, D_i> /
    ||X_i||^2``; inside the ball ``D_i`` is kept. The residual is
    ``||proj D||_F ||X||_F / (1 + |f|)``: the first-order gain of ``f`` (relative to
    ``1 + |f|``) for a feasible move of relative size one. It is 0 exactly at a KKT point and
    does not depend on the units of ``X`` (the designs use a tiny fraction of the budget at
    high SNR, where ``||D||`` alone would be huge).

    Parameters
    ----------
    grad, X : array_like, complex, shape (K, n_t, k)
    power : float
    objective : float
        ``f(X)`` (nats).

    Returns
    -------
    float

    Examples
    --------
    >>> X = np.ones((1, 2, 1), complex)
    >>> round(stationarity_residual(3 * X, X, 2.0, 0.0), 12)  # on the sphere, along X: KKT
    0.0
    >>> stationarity_residual(3 * X, X, 4.0, 0.0)  # inside the ball: not stationary
    6.0
    """
    D = nonempty(as_array(grad, "grad", ndim=3, kind="complex"), "grad")
    Xm = as_array(X, "X", shape=D.shape, kind="complex", match="grad")
    P = float(check_range(power, "power", 0.0, np.inf, low_open=True))
    f = float(as_array(objective, "objective", ndim=0))
    PG = D.copy()
    for i in range(D.shape[0]):
        nx2 = float(np.linalg.norm(Xm[i]) ** 2)
        if nx2 >= P * (1 - 1e-9):
            mu = max(0.0, float(np.real(np.vdot(Xm[i], D[i]))) / nx2)
            PG[i] = D[i] - mu * Xm[i]
    return float(np.linalg.norm(PG) * np.linalg.norm(Xm) / (1.0 + abs(f)))


def _objective(H, G, X, d) -> float:
    try:
        cr, ce = rates(H, G, X, d)
    except ValueError:  # a covariance lost definiteness in floating point
        return -np.inf
    return float(np.sum(cr - ce))


def gradient_ascent(
    network: Network,
    *,
    X0=None,
    max_iter: int = 500,
    tol: float = 1e-9,
    cert_tol: float = 1e-3,
) -> GradientResult:
    """Projected gradient ascent on the sum secrecy rate of the estimated channels.

    Parameters
    ----------
    network : Network
        The design uses the estimates; the secrecy rates are reported on the true channels.
    X0 : array_like, shape (K, n_t, d_s + d_a), optional
        Start (projected onto the power balls); default
        :func:`~wiretap.mimo_ic.backoff_start`.
    max_iter : int
        Maximum number of accepted steps.
    tol : float
        Stopping rule: an accepted step raises the objective by less than ``tol`` (relative
        to ``1 + |objective|``), or the gradient is zero.
    cert_tol : float
        Tolerance of the certificate, :func:`stationarity_residual` of the sum secrecy rate
        at the returned design (``kind="stationarity"``), computed after the loop.

    Returns
    -------
    GradientResult
        ``"converged"``: the rule was met and the certificate holds. ``"stalled"``: the
        step length collapsed (below ``tol`` times ``||X||`` with no ascent) or the rule was
        met while the certificate fails; the last iterate is returned, *not* claimed
        stationary. ``"max_iter"``: ``max_iter`` steps were taken. At the paper's SNR this
        ascent is slow (the problem is badly conditioned): 500 steps leave a residual of about
        1e-2, so the result is ``"max_iter"`` and serves as a yardstick, not an optimum.

    Examples
    --------
    >>> from wiretap.mimo_ic import Scenario, draw_network
    >>> res = gradient_ascent(draw_network(Scenario(n_pairs=2, zeta=0.0), 0), max_iter=50)
    >>> bool(np.all(np.diff(res.history["objective"]) >= 0))
    True
    """
    check_instance(network, "network", Network)
    max_iter, tol, cert_tol = loop_settings(max_iter, tol, cert_tol)
    sc = network.scenario
    H, G, P, d = network.H_hat, network.G_hat, sc.power, sc.d_s
    if X0 is None:
        X, _ = backoff_start(H, G, P, d, sc.d_a)
    else:
        X = as_array(X0, "X0", shape=(sc.n_pairs, sc.n_t, sc.k), kind="complex").copy()
    t0 = time.perf_counter()
    X = _project(X, P)
    f = _objective(H, G, X, d)
    hist = [f]
    step = 0.1
    rule, collapsed = False, False
    for _ in range(max_iter):
        D = sum_rate_gradient(H, G, X, d)
        nd, nx = float(np.linalg.norm(D)), float(np.linalg.norm(X))
        if nd == 0.0:
            rule = True
            break
        scale = max(nx, 1e-12 * np.sqrt(P)) / nd
        while step > tol:
            Xn = _project(X + step * scale * D, P)
            fn = _objective(H, G, Xn, d)
            if fn > f:
                break
            step /= 2.0
        if step <= tol:
            collapsed = True
            break
        gain = fn - f
        X, f = Xn, fn
        hist.append(f)
        step = min(1.5 * step, 1.0)
        if gain < tol * (1.0 + abs(f)):
            rule = True
            break
    cert = Certificate(
        kind="stationarity",
        value=stationarity_residual(sum_rate_gradient(H, G, X, d), X, P, f),
        tolerance=cert_tol,
        detail="relative projected-gradient norm of the sum secrecy rate (estimates)",
    )
    if collapsed:
        status = settle(cert.holds, cert, otherwise="stalled")
    else:
        status = settle(rule, cert, otherwise="max_iter")
    message = ""
    if status == "stalled":
        why = "the step length collapsed" if collapsed else "the gain fell below tol"
        message = (
            f"{why} at a point that is not stationary: residual {cert.value:.2e} > {cert_tol:.0e}"
        )
    elif status == "max_iter":
        message = (
            f"{max_iter} steps; stationarity residual {cert.value:.2e} (tolerance {cert_tol:.0e})"
        )
    return GradientResult(
        status=status,
        iterations=len(hist) - 1,
        history=as_history({"objective": hist}),
        elapsed=time.perf_counter() - t0,
        message=message,
        certificate=cert,
        X=X,
        secrecy=secrecy_rates(network, X),
        secrecy_estimate=secrecy_rates(network, X, channel="estimate"),
        objective=f,
    )
