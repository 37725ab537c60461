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

from .._validation import as_array, check_int, check_range
from ..results import IterativeResult, as_history
from .model import Network, backoff_start, rates, secrecy_rates, sum_rate_gradient

__all__ = ["GradientResult", "gradient_ascent"]


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
        Stop when an accepted step raises the objective by less than ``tol`` (relative to
        ``1 + |objective|``), or the step length falls below ``tol`` times ``||X||``.

    Returns
    -------
    GradientResult
        ``status`` is ``"converged"`` or ``"max_iter"``.

    Examples
    --------
    >>> from wiretap.mimo_ic import Scenario, draw_network
    >>> res = gradient_ascent(draw_network(Scenario(n_pairs=2, zeta=0.0), 0), max_iter=50)
    >>> bool(np.all(np.diff(res.history["objective"]) >= 0))
    True
    """
    if not isinstance(network, Network):
        raise ValueError(f"network must be a Network, got {type(network).__name__}")
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = float(check_range(tol, "tol", 0.0, np.inf, low_open=True))
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
    status = "max_iter"
    for _ in range(max_iter):
        D = sum_rate_gradient(H, G, X, d)
        nd, nx = float(np.linalg.norm(D)), float(np.linalg.norm(X))
        if nd == 0.0:
            status = "converged"
            break
        scale = max(nx, 1e-12 * np.sqrt(P)) / nd
        while step > tol:
            Xn = _project(X + step * scale * D, P)
            fn = _objective(H, G, Xn, d)
            if fn > f:
                break
            step /= 2.0
        if step <= tol:
            status = "converged"
            break
        gain = fn - f
        X, f = Xn, fn
        hist.append(f)
        step = min(1.5 * step, 1.0)
        if gain < tol * (1.0 + abs(f)):
            status = "converged"
            break
    return GradientResult(
        status=status,
        iterations=len(hist) - 1,
        history=as_history({"objective": hist}),
        elapsed=time.perf_counter() - t0,
        message="",
        X=X,
        secrecy=secrecy_rates(network, X),
        secrecy_estimate=secrecy_rates(network, X, channel="estimate"),
        objective=f,
    )
