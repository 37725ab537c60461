"""Bregman proximal steps and the mirror-prox method for convex-concave saddle points.

For ``min_{x in X} max_{y in Y} phi(x, y)`` with ``phi`` convex in ``x`` and concave in ``y``,
stack ``z = (x, y)`` and define the monotone operator ``F(z) = (grad_x phi, -grad_y phi)``.
Mirror-prox (Nemirovski 2004) makes two proximal steps per iteration,

``w_t = P_{z_t}(step F(z_t))``,   ``z_{t+1} = P_{z_t}(step F(w_t))``,

where ``P_z(g) = argmin_u <g, u> + D(u, z)`` for a Bregman divergence ``D``. With
``step <= 1/L`` (``L`` the Lipschitz constant of ``F`` in the matching norms) the ergodic
average of the ``w_t`` has a duality gap at most ``Omega / (step * m)`` after ``m``
iterations, where ``Omega`` bounds ``D(z*, z_0)``: the O(1/m) rate.

On the probability simplex the natural divergence is the Kullback-Leibler divergence and
the proximal step is a multiplicative update; :func:`kl_prox` evaluates it in the log
domain (a softmax), so that large steps or large gradients neither overflow nor underflow
(no clipping).

References
----------
A. Nemirovski, "Prox-method with rate of convergence O(1/t) for variational inequalities
with Lipschitz continuous monotone operators and smooth convex-concave saddle point
problems," SIAM J. Optim., 15(1), 2004. AAUC paper eqs. (34a)-(36) and Prop. 4.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from scipy.special import softmax

from ._bregman import kl_prox_log_checked, kl_step
from ._tree import tree_copy, tree_dist, tree_map
from ._validation import as_array, check_choice, check_int, check_nonnegative, check_positive
from .results import Certificate, IterativeResult, as_history, settle

__all__ = [
    "MirrorProxResult",
    "ball_projection",
    "block_prox",
    "euclidean_prox",
    "kl_divergence",
    "kl_prox",
    "kl_prox_log",
    "matrix_game",
    "matrix_game_gap",
    "mirror_prox",
    "simplex_projection",
]


# ---------------------------------------------------------------------------------------
# Bregman steps


def _check_simplex(x, name: str) -> np.ndarray:
    x = as_array(x, name, ndim=1)
    if x.size == 0:
        raise ValueError(f"{name} must not be empty")
    if np.any(x < 0):
        raise ValueError(f"{name} must be nonnegative (a point of the simplex)")
    if abs(x.sum() - 1.0) > 1e-8:
        raise ValueError(f"{name} must sum to 1 (a point of the simplex), got {x.sum():.6g}")
    return x


def kl_divergence(p, q) -> float:
    """Kullback-Leibler divergence ``sum_i p_i log(p_i / q_i)`` in nats (``0 log 0 = 0``).

    Parameters
    ----------
    p, q : array_like, shape (n,)
        Points of the probability simplex; ``q_i = 0`` where ``p_i > 0`` gives ``inf``.

    Examples
    --------
    >>> round(kl_divergence([0.5, 0.5], [0.25, 0.75]), 6)
    0.143841
    """
    p = _check_simplex(p, "p")
    q = _check_simplex(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}")
    mask = p > 0
    if np.any(q[mask] == 0):
        return float("inf")
    return float(np.sum(p[mask] * (np.log(p[mask]) - np.log(q[mask]))))


def kl_prox_log(logx, g, step) -> np.ndarray:
    """KL proximal step on log-weights: ``log softmax(logx - step g)``.

    Same step as :func:`kl_prox`, but input and output are logarithms of the weights
    (``-inf`` allowed for a zero weight), which lets a long run keep weights far below the
    smallest positive double without losing them.

    Parameters
    ----------
    logx : array_like, shape (n,)
        Log-weights (need not be normalized; ``-inf`` entries stay ``-inf``).
    g : array_like, shape (n,)
        Gradient (real, finite).
    step : float
        Step size (> 0).

    Returns
    -------
    ndarray, shape (n,)
        Normalized log-weights: ``logsumexp(result) == 0``.

    Examples
    --------
    >>> import numpy as np
    >>> out = kl_prox_log(np.log([0.5, 0.5]), np.array([1000.0, 0.0]), 1.0)
    >>> bool(np.isclose(out[1], 0.0)), bool(out[0] < -999)
    (True, True)
    """
    return kl_prox_log_checked(logx, g, step, "logx")


def kl_prox(x, g, step) -> np.ndarray:
    """KL proximal (entropic mirror) step on the probability simplex.

    ``argmin_{y in simplex} step <g, y> + KL(y || x)`` has the closed form
    ``y_i = x_i exp(-step g_i) / sum_j x_j exp(-step g_j)``, computed here as
    ``softmax(log x - step g)`` so that it never overflows or underflows to ``0/0``.

    Parameters
    ----------
    x : array_like, shape (n,)
        Current point of the simplex (zeros allowed; they stay zero).
    g : array_like, shape (n,)
        Gradient (real, finite).
    step : float
        Step size (> 0).

    Returns
    -------
    ndarray, shape (n,)
        The next point, on the simplex.

    Raises
    ------
    ValueError
        If ``x`` is not on the simplex, shapes differ, or ``step <= 0``.

    References
    ----------
    AAUC paper eq. (40) (the closed form of (34b) and (34d)).

    Examples
    --------
    >>> import numpy as np
    >>> y = kl_prox(np.array([0.5, 0.5]), np.array([1e4, 0.0]), 1.0)  # naive exp overflows
    >>> y.tolist()
    [0.0, 1.0]
    """
    x = _check_simplex(x, "x")
    g = as_array(g, "g", shape=x.shape)
    step = float(check_positive(step, "step"))
    with np.errstate(divide="ignore"):
        lx = np.log(x)
    return softmax(lx - step * g)


def simplex_projection(v, total: float = 1.0) -> np.ndarray:
    """Euclidean projection onto ``{x >= 0, sum x = total}`` (sort-based, exact).

    Parameters
    ----------
    v : array_like, shape (n,)
        Real vector.
    total : float
        Sum of the simplex (> 0).

    Returns
    -------
    ndarray, shape (n,)

    References
    ----------
    W. Wang and M. A. Carreira-Perpinan, "Projection onto the probability simplex: an
    efficient algorithm with a simple proof," arXiv:1309.1541, 2013.

    Examples
    --------
    >>> simplex_projection([0.4, 0.8, -1.0]).round(6).tolist()
    [0.3, 0.7, 0.0]
    """
    v = as_array(v, "v", ndim=1)
    if v.size == 0:
        raise ValueError("v must not be empty")
    total = float(check_positive(total, "total"))
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - total
    idx = np.arange(1, v.size + 1)
    r = np.nonzero(u - css / idx > 0)[0][-1]
    theta = css[r] / (r + 1)
    return np.maximum(v - theta, 0.0)


def ball_projection(v, radius: float) -> np.ndarray:
    """Euclidean projection onto the ball ``{x : ||x|| <= radius}`` (real or complex).

    Parameters
    ----------
    v : array_like
        Any shape; the Frobenius norm is used for arrays.
    radius : float
        Radius (>= 0).

    Examples
    --------
    >>> ball_projection([3.0, 4.0], 1.0).round(12).tolist()
    [0.6, 0.8]
    """
    arr = np.asarray(v)
    v = as_array(v, "v", kind="complex" if np.iscomplexobj(arr) else "real")
    radius = float(check_nonnegative(radius, "radius"))
    nrm = float(np.linalg.norm(v))
    if nrm <= radius:
        return v.copy()
    return v * (radius / nrm)


def euclidean_prox(project: Callable) -> Callable:
    """Turn a Euclidean projection into a proximal step ``(z, g, step) -> project(z - step g)``.

    Examples
    --------
    >>> import numpy as np
    >>> P = euclidean_prox(lambda v: ball_projection(v, 1.0))
    >>> P(np.zeros(2), np.array([-3.0, 0.0]), 1.0).tolist()
    [1.0, 0.0]
    """
    if not callable(project):
        raise ValueError("project must be callable")

    def prox(z, g, step):
        return project(np.asarray(z) - step * np.asarray(g))

    return prox


def block_prox(*proxes: Callable) -> Callable:
    """Proximal step on a tuple of blocks, one prox per block.

    ``block_prox(p1, p2)((z1, z2), (g1, g2), step) == (p1(z1, g1, step), p2(z2, g2, step))``.

    Examples
    --------
    >>> import numpy as np
    >>> P = block_prox(euclidean_prox(lambda v: v), kl_prox)
    >>> x, y = P((np.zeros(1), np.array([0.5, 0.5])), (np.ones(1), np.zeros(2)), 0.1)
    >>> x.tolist(), y.tolist()
    ([-0.1], [0.5, 0.5])
    """
    if not proxes or not all(callable(p) for p in proxes):
        raise ValueError("proxes must be one or more callables")

    def prox(z, g, step):
        if not isinstance(z, (tuple, list)) or len(z) != len(proxes):
            raise ValueError(f"z must be a tuple of {len(proxes)} blocks")
        return tuple(p(zi, gi, step) for p, zi, gi in zip(proxes, z, g, strict=True))

    return prox


# ---------------------------------------------------------------------------------------
# mirror-prox


@dataclass(frozen=True, kw_only=True)
class MirrorProxResult(IterativeResult):
    """Outcome of :func:`mirror_prox`.

    Attributes
    ----------
    average : object
        Ergodic (step-weighted) average of the extrapolated points ``w_t``: the point the
        O(1/m) guarantee is about. Same structure as ``z0``.
    last : object
        Last iterate ``z_m``.
    gap : float
        Gap function at ``average`` (``nan`` when no gap function was given).
    certificate : Certificate or None
        With a gap function: kind ``"duality_gap"``, the gap at ``average`` against
        ``cert_tol``. Without one: kind ``"fixed_point_residual"``, the prox residual
        ``||z - P_z(step F(z))||`` at ``last`` (zero exactly at a solution of the VI) against
        ``cert_tol``. See :func:`mirror_prox`.

    Notes
    -----
    History: ``"residual"``: ``||z_t - w_t||`` (zero exactly at a solution); ``"step"``:
    ``||z_{t+1} - z_t||``; ``"gap"`` (with a gap function): gap of the running average,
    recorded every ``gap_every`` iterations (``"gap_iteration"`` holds the iteration
    numbers).
    """

    average: Any
    last: Any
    gap: float = float("nan")


def mirror_prox(
    operator: Callable,
    prox: Callable,
    z0,
    step: float,
    *,
    max_iter: int = 1000,
    tol: float | None = None,
    gap: Callable | None = None,
    criterion: str = "auto",
    gap_every: int = 1,
    cert_tol: float | None = None,
) -> MirrorProxResult:
    """Mirror-prox (extragradient with Bregman steps) for a monotone operator.

    Parameters
    ----------
    operator : callable
        ``operator(z) -> g`` with the structure of ``z``; for ``min_x max_y phi`` it is
        ``(grad_x phi, -grad_y phi)``.
    prox : callable
        ``prox(z, g, step) -> z_next``: the Bregman proximal step, e.g.
        ``block_prox(euclidean_prox(project_x), kl_prox)``.
    z0 : array or tuple of arrays
        Starting point inside the feasible set (strictly positive on a simplex block).
    step : float
        Step size (> 0); the theory asks for ``step <= 1/L``.
    max_iter : int
        Iteration cap (>= 1).
    tol : float, optional
        Tolerance of the stopping rule (default ``1e-6``).
    gap : callable, optional
        ``gap(z) -> float``, a duality-gap (merit) function, >= 0 with equality exactly at
        saddle points; evaluated at the ergodic average.
    criterion : {"auto", "gap", "step", "residual"}
        What ``tol`` applies to. ``"auto"`` uses the gap of the average when ``gap`` is
        given, else ``"step"`` (``||z_{t+1} - z_t|| <= tol``, the rule of AAUC paper
        Remark 2).
    gap_every : int
        Evaluate the gap every this many iterations (>= 1).
    cert_tol : float, optional
        Tolerance of the certificate (> 0). Default: ``tol`` for the duality gap and
        ``10 * tol`` for the fixed-point residual (the step rule bounds
        ``||z_{t+1} - z_t||``, the residual is measured at ``z_{t+1}`` by one more step).

    Returns
    -------
    MirrorProxResult
        ``"converged"`` when the stopping rule was met and the certificate holds;
        ``"stalled"`` when the rule was met but the certificate fails; otherwise
        ``"max_iter"``; ``"solver_error"`` if the operator returned a non-finite value.

    Notes
    -----
    Certificate. With a gap function the certificate is the duality gap of the ergodic
    average, ``max(0, gap(average))`` (kind ``"duality_gap"``): it bounds how far the
    average's objective is from the saddle value, whatever the stopping criterion. Without
    one it is the fixed-point (prox) residual ``||z - P_z(step F(z))||`` of the last
    iterate (kind ``"fixed_point_residual"``), zero exactly at a solution of the VI
    ``<F(z*), z - z*> >= 0``; it costs one more operator evaluation and prox step.

    Raises
    ------
    ValueError
        For non-callables, non-positive step, or ``criterion="gap"`` without ``gap``.

    References
    ----------
    Nemirovski (2004), Algorithm and Theorem 3.2; AAUC paper eqs. (34a)-(34d).

    Examples
    --------
    Matching pennies, value 0, solved by the entropic mirror-prox:

    >>> import numpy as np
    >>> A = np.array([[1.0, -1.0], [-1.0, 1.0]])
    >>> F, P, G, z0 = matrix_game(A)
    >>> res = mirror_prox(F, P, z0, step=0.5, gap=G, tol=1e-6, max_iter=5000)
    >>> res.success, np.round(res.average[0], 4).tolist(), res.certificate.kind
    (True, [0.5, 0.5], 'duality_gap')
    """
    if not callable(operator) or not callable(prox):
        raise ValueError("operator and prox must be callable")
    if gap is not None and not callable(gap):
        raise ValueError("gap must be callable")
    step = float(check_positive(step, "step"))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    gap_every = check_int(gap_every, "gap_every", minimum=1)
    tol = 1e-6 if tol is None else float(check_positive(tol, "tol"))
    if cert_tol is not None:
        cert_tol = float(check_positive(cert_tol, "cert_tol"))
    check_choice(criterion, "criterion", ("auto", "gap", "step", "residual"))
    if criterion == "gap" and gap is None:
        raise ValueError("criterion='gap' needs a gap function")
    if criterion == "auto":
        criterion = "gap" if gap is not None else "step"
    t0 = time.perf_counter()
    cfg = _MirrorSettings(step, max_iter, tol, criterion, gap_every)
    run = _mirror_iterate(operator, prox, z0, gap, cfg)
    z, wsum, t, hist, status, message, gval = run
    avg = tree_map(lambda s: s / t, wsum) if t else tree_copy(z0)
    if gap is not None and t and (not hist["gap_iteration"] or hist["gap_iteration"][-1] != t):
        gval = float(gap(avg))
        hist["gap"].append(gval)
        hist["gap_iteration"].append(t)
    cert = None
    if status != "solver_error":
        cert = _mirror_certificate(operator, prox, z, step, gap, gval, t, tol, cert_tol)
    if status == "converged":
        status = settle(True, cert)
        if status != "converged":
            message = (
                f"stopping rule ({criterion} <= {tol:.3e}) met at iteration {t} but the "
                f"certificate fails: {cert.kind} {cert.value:.3e} > {cert.tolerance:.3e}"
            )
    return MirrorProxResult(
        average=avg,
        last=z,
        gap=gval,
        status=status,
        iterations=t,
        history=as_history(hist),
        elapsed=time.perf_counter() - t0,
        message=message,
        certificate=cert,
    )


class _MirrorRun(NamedTuple):
    """Where the iterations of :func:`mirror_prox` stopped."""

    z: Any
    wsum: Any
    t: int
    hist: dict
    status: str
    message: str
    gval: float


@dataclass(frozen=True)
class _MirrorSettings:
    """Checked settings of :func:`mirror_prox` (``criterion`` resolved from ``"auto"``)."""

    step: float
    max_iter: int
    tol: float
    criterion: str
    gap_every: int


def _mirror_iterate(operator, prox, z0, gap, cfg: _MirrorSettings) -> _MirrorRun:
    """The iterations of :func:`mirror_prox`."""
    step, max_iter, tol, gap_every = cfg.step, cfg.max_iter, cfg.tol, cfg.gap_every
    z = tree_copy(z0)
    wsum = tree_map(lambda a: np.zeros_like(np.asarray(a), dtype=np.result_type(a, float)), z)
    hist: dict[str, list] = {"residual": [], "step": []}
    if gap is not None:
        hist["gap"], hist["gap_iteration"] = [], []
    status, message = "max_iter", f"stopping rule not met within max_iter={max_iter}"
    gval = float("nan")
    t = 0
    for t in range(1, max_iter + 1):
        g = operator(z)
        if not _all_finite(g):
            status, message = "solver_error", f"iteration {t}: operator returned non-finite"
            t -= 1
            break
        w = prox(z, g, step)
        gw = operator(w)
        if not _all_finite(gw):
            status, message = "solver_error", f"iteration {t}: operator returned non-finite"
            t -= 1
            break
        z_new = prox(z, gw, step)
        wsum = tree_map(lambda s, a: s + a, wsum, w)
        res, dz = tree_dist(z, w), tree_dist(z_new, z)
        hist["residual"].append(res)
        hist["step"].append(dz)
        z = z_new
        if gap is not None and t % gap_every == 0:
            gval = float(gap(tree_map(lambda s, tt=t: s / tt, wsum)))
            hist["gap"].append(gval)
            hist["gap_iteration"].append(t)
        done = {
            "gap": gap is not None and t % gap_every == 0 and gval <= tol,
            "step": dz <= tol,
            "residual": res <= tol,
        }[cfg.criterion]
        if done:
            status, message = "converged", ""
            break
    return _MirrorRun(z, wsum, t, hist, status, message, gval)


def _mirror_certificate(operator, prox, z, step, gap, gval, t, tol, cert_tol):
    """Duality gap of the average (with ``gap``) or prox residual of the last iterate."""
    if gap is not None and t:
        return Certificate(
            kind="duality_gap",
            value=max(0.0, gval) if np.isfinite(gval) else np.nan,
            tolerance=tol if cert_tol is None else cert_tol,
            detail="gap(average) of the ergodic average of the extrapolated points",
        )
    g = operator(z)
    value = tree_dist(z, prox(z, g, step)) if _all_finite(g) else np.nan
    return Certificate(
        kind="fixed_point_residual",
        value=value,
        tolerance=10 * tol if cert_tol is None else cert_tol,
        detail="||z - P_z(step F(z))|| at the last iterate (0 exactly at a VI solution)",
    )


def _all_finite(tree) -> bool:
    if isinstance(tree, (tuple, list)):
        return all(_all_finite(part) for part in tree)
    return bool(np.isfinite(tree).all())


# ---------------------------------------------------------------------------------------
# bilinear matrix games


def matrix_game_gap(A, x, y) -> float:
    """Duality gap of mixed strategies in ``min_x max_y x^T A y`` over two simplices.

    ``gap(x, y) = max_j (A^T x)_j - min_i (A y)_i >= 0``, zero exactly at a Nash
    equilibrium; the game value lies in ``[min_i (A y)_i, max_j (A^T x)_j]``.

    Parameters
    ----------
    A : array_like, shape (n, m)
        Payoff matrix (row player pays ``x^T A y``).
    x : array_like, shape (n,)
    y : array_like, shape (m,)

    Examples
    --------
    >>> matrix_game_gap([[1.0, -1.0], [-1.0, 1.0]], [0.5, 0.5], [0.5, 0.5])
    0.0
    """
    A = as_array(A, "A", ndim=2)
    x = _check_simplex(x, "x")
    y = _check_simplex(y, "y")
    if x.size != A.shape[0] or y.size != A.shape[1]:
        raise ValueError(
            f"x and y must have lengths {A.shape} to match the shape of A, "
            f"got {x.size} and {y.size}"
        )
    return float(np.max(A.T @ x) - np.min(A @ y))


def matrix_game(A) -> tuple[Callable, Callable, Callable, tuple[np.ndarray, np.ndarray]]:
    """Operator, KL prox, gap and uniform start of the bilinear game ``min_x max_y x^T A y``.

    With the entropic set-up on both simplices (norm ``l1``), the operator
    ``F(x, y) = (A y, -A^T x)`` is Lipschitz with ``L = max_ij |A_ij|``, and with the uniform
    start ``Omega = log n + log m``: ``step = 1/L`` gives gap ``<= L (log n + log m) / m``.

    Parameters
    ----------
    A : array_like, shape (n, m)

    Returns
    -------
    operator, prox, gap, z0
        Arguments for :func:`mirror_prox`.

    Examples
    --------
    >>> F, P, G, z0 = matrix_game([[0.0, 1.0], [1.0, 0.0]])
    >>> round(G(z0), 6)
    0.0
    """
    A = as_array(A, "A", ndim=2)
    n, m = A.shape
    if n == 0 or m == 0:
        raise ValueError("A must not be empty")

    def operator(z):
        x, y = z
        return (A @ y, -(A.T @ x))

    def gap(z):
        x, y = z
        return float(np.max(A.T @ x) - np.min(A @ y))

    def prox(z, g, step):
        return (kl_step(z[0], g[0], step), kl_step(z[1], g[1], step))

    return operator, prox, gap, (np.full(n, 1.0 / n), np.full(m, 1.0 / m))
