"""Noncooperative games and variational inequalities (VIs).

A Nash equilibrium of a game whose players maximize concave, differentiable utilities
``u_i(x_i, x_{-i})`` over closed convex sets ``K_i`` is exactly a solution of the VI

``find x* in K = K_1 x ... x K_N  with  <F(x*), y - x*> >= 0  for all y in K``,

where ``F(x) = (-grad_{x_1} u_1(x), ..., -grad_{x_N} u_N(x))`` is the game's *pseudo-
gradient*. If ``F`` is strongly monotone (``<F(x) - F(y), x - y> >= c ||x - y||^2``, ``c > 0``)
the solution exists and is unique. This module measures these objects numerically and runs
the best-response and extragradient iterations that compute equilibria.

References
----------
F. Facchinei and J.-S. Pang, *Finite-Dimensional Variational Inequalities and
Complementarity Problems*, Springer, 2003, Sec. 1.4 and 2.3.
G. Scutari, D. P. Palomar, F. Facchinei and J.-S. Pang, "Convex optimization, game theory,
and variational inequality theory," IEEE Signal Process. Mag., 27(3), 2010.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import (
    as_array,
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
    check_range,
)
from .results import Certificate, IterativeResult, as_history, settle
from .sca import StepFailure

__all__ = [
    "BestResponseResult",
    "ExtragradientResult",
    "StepFailure",
    "best_response_iteration",
    "extragradient",
    "is_p_matrix",
    "is_positive_definite",
    "monotonicity_modulus",
    "natural_residual",
    "vi_violation",
]


def _vec(x, name: str) -> np.ndarray:
    arr = np.asarray(x)
    return as_array(x, name, kind="complex" if np.iscomplexobj(arr) else "real")


def natural_residual(F: Callable, x, project: Callable) -> float:
    """Natural-map residual ``||x - project(x - F(x))||`` of the VI ``(K, F)``.

    Zero exactly when ``x`` solves the VI (``project`` is the Euclidean projection onto
    ``K``); a standard stopping measure for VI and game solvers.

    Parameters
    ----------
    F : callable
        ``F(x) -> array`` of the shape of ``x``.
    x : array_like
        Point (real or complex).
    project : callable
        Euclidean projection onto ``K``.

    Returns
    -------
    float

    References
    ----------
    Facchinei and Pang (2003), Prop. 1.5.8.

    Examples
    --------
    >>> import numpy as np
    >>> box = lambda v: np.clip(v, 0.0, 1.0)
    >>> natural_residual(lambda x: x - 2.0, np.array([1.0]), box)   # x = 1 solves it
    0.0
    """
    if not callable(F) or not callable(project):
        raise ValueError("F and project must be callable")
    x = _vec(x, "x")
    Fx = np.asarray(F(x))
    if Fx.shape != x.shape:
        raise ValueError(f"F(x) must have the shape of x {x.shape}, got {Fx.shape}")
    return float(np.linalg.norm(x - np.asarray(project(x - Fx))))


def vi_violation(F: Callable, x, points) -> float:
    """Largest violation of the VI inequality at ``x`` over test points of ``K``.

    Returns ``max(0, -min_y Re<F(x), y - x>)`` over the rows ``y`` of ``points``: zero when
    ``<F(x), y - x> >= 0`` at every test point (as it must be at a VI solution).

    Parameters
    ----------
    F : callable
    x : array_like, shape (n,)
    points : array_like, shape (m, n)
        Points of the feasible set ``K`` (m >= 1).

    Raises
    ------
    ValueError
        For a non-finite ``x``, ``points`` or ``F(x)`` (a NaN would otherwise read as "no
        violation"), shapes that do not match, or no test point.

    Examples
    --------
    >>> import numpy as np
    >>> vi_violation(lambda x: x - 2.0, np.array([1.0]), np.linspace(0, 1, 5)[:, None])
    0.0
    """
    if not callable(F):
        raise ValueError("F must be callable")
    x = _vec(x, "x")
    pts = _vec(points, "points")
    if pts.ndim != x.ndim + 1 or pts.shape[1:] != x.shape:
        raise ValueError(f"points must have shape (m, *{x.shape}) to match x, got {pts.shape}")
    Fx = np.asarray(F(x))
    if Fx.shape != x.shape:
        raise ValueError(f"F(x) must have the shape of x {x.shape}, got {Fx.shape}")
    if not np.all(np.isfinite(Fx)):
        raise ValueError("F(x) must be finite (got NaN or inf)")
    if len(pts) == 0:
        raise ValueError("points must hold at least one test point (m >= 1)")
    vals = np.real(np.tensordot(pts - x, Fx.conj(), axes=x.ndim))
    return float(max(0.0, -vals.min()))


def monotonicity_modulus(F: Callable, xs, ys) -> float:
    """Smallest ratio ``Re<F(x) - F(y), x - y> / ||x - y||^2`` over the pairs ``(xs[k], ys[k])``.

    An *upper* estimate of the strong monotonicity constant of ``F`` on the sampled region
    (the true constant is the infimum over all pairs); a negative value proves ``F`` is not
    monotone there.

    Parameters
    ----------
    F : callable
    xs, ys : array_like, shape (m, n)
        Paired sample points with ``xs[k] != ys[k]``.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For mismatched shapes or a pair of equal points.

    Examples
    --------
    >>> import numpy as np
    >>> M = np.array([[2.0, 1.0], [-1.0, 3.0]])   # symmetric part diag(2, 3)
    >>> rng = np.random.default_rng(0)
    >>> c = monotonicity_modulus(lambda x: M @ x, rng.normal(size=(500, 2)),
    ...                          rng.normal(size=(500, 2)))
    >>> 2.0 <= c < 2.1
    True
    """
    if not callable(F):
        raise ValueError("F must be callable")
    xs = _vec(xs, "xs")
    ys = _vec(ys, "ys")
    if xs.shape != ys.shape or xs.ndim < 2:
        raise ValueError(f"xs and ys must have the same shape (m, n), got {xs.shape}, {ys.shape}")
    best = np.inf
    for x, y in zip(xs, ys, strict=True):
        d = x - y
        nd = float(np.real(np.vdot(d, d)))
        if nd == 0:
            raise ValueError("xs and ys must differ pairwise")
        val = float(np.real(np.vdot(d, np.asarray(F(x)) - np.asarray(F(y))))) / nd
        best = min(best, val)
    return float(best)


def is_positive_definite(M, tol: float = 0.0) -> bool:
    """True when ``Re(x^H M x) > tol ||x||^2`` for all ``x != 0``.

    Checks the smallest eigenvalue of the Hermitian part ``(M + M^H) / 2``; ``M`` need not
    be symmetric (the condition for a linear map ``F(x) = M x + q`` to be strongly
    monotone).

    Examples
    --------
    >>> is_positive_definite([[1.0, 5.0], [-5.0, 1.0]])
    True
    >>> is_positive_definite([[1.0, 3.0], [0.0, 1.0]])
    False
    """
    M = _vec(M, "M")
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.size == 0:
        raise ValueError(f"M must be a non-empty square matrix, got shape {M.shape}")
    tol = float(check_nonnegative(tol, "tol"))
    H = (M + M.conj().T) / 2
    return bool(np.linalg.eigvalsh(H)[0] > tol)


def is_p_matrix(M, tol: float = 0.0) -> bool:
    """True when every principal minor of the real square matrix ``M`` exceeds ``tol``.

    A P-matrix gives uniqueness of the solution of the linear complementarity problem
    ``LCP(q, M)`` for every ``q``, and a P-matrix of interference coefficients gives
    uniqueness of the Nash equilibrium of many power-control games. Enumerates all
    ``2^n - 1`` principal minors, so ``n`` is limited to 20.

    References
    ----------
    Facchinei and Pang (2003), Sec. 3.3; R. W. Cottle, J.-S. Pang and R. E. Stone,
    *The Linear Complementarity Problem*, Thm. 3.3.7.

    Examples
    --------
    >>> is_p_matrix([[1.0, -3.0], [0.0, 1.0]]), is_p_matrix([[1.0, 2.0], [2.0, 1.0]])
    (True, False)
    """
    M = as_array(M, "M", ndim=2)
    n = M.shape[0]
    if M.shape[1] != n or n == 0:
        raise ValueError(f"M must be a non-empty square matrix, got shape {M.shape}")
    if n > 20:
        raise ValueError(f"M is too large for exhaustive minors (n={n} > 20)")
    tol = float(check_nonnegative(tol, "tol"))
    for k in range(1, n + 1):
        for idx in itertools.combinations(range(n), k):
            if np.linalg.det(M[np.ix_(idx, idx)]) <= tol:
                return False
    return True


# ---------------------------------------------------------------------------------------
# best response


@dataclass(frozen=True, kw_only=True)
class BestResponseResult(IterativeResult):
    """Outcome of :func:`best_response_iteration`.

    Attributes
    ----------
    x : tuple of ndarray
        Strategy profile (one block per player) at the last iteration.
    certificate : Certificate or None
        Kind ``"equilibrium_residual"``: the relative best-response residual
        ``max_i ||br_i(x) - x_i|| / max(1, max_i ||x_i||)`` at ``x`` against ``cert_tol``
        (see :func:`best_response_iteration`).

    Notes
    -----
    History: ``"change"``: ``max_i ||x_i^{(t+1)} - x_i^{(t)}||`` per iteration;
    ``"residual"`` when a residual function is given (starting point included).
    """

    x: tuple


def best_response_iteration(
    best_responses: Sequence[Callable],
    x0: Sequence,
    *,
    mode: str = "jacobi",
    tol: float = 1e-8,
    max_iter: int = 500,
    damping: float = 1.0,
    residual: Callable | None = None,
    cert_tol: float | None = None,
) -> BestResponseResult:
    """Iterate the players' best responses until the profile stops moving.

    Each ``best_responses[i](x)`` returns player ``i``'s best reply to the profile ``x`` (a
    tuple of blocks; the function reads only the other players' blocks).

    * ``"jacobi"`` (simultaneous): every player answers the previous profile.
    * ``"gauss-seidel"`` (sequential): player ``i`` already sees the new blocks of players
      ``0..i-1``.

    Stopping rule: ``max_i ||x_i^{(t+1)} - x_i^{(t)}|| <= tol * max(1, max_i ||x_i^{(t)}||)``.
    Convergence is guaranteed when the best-response map is a contraction (e.g. the
    game's pseudo-gradient is strongly monotone with small enough coupling), see
    Scutari et al. (2010).

    Parameters
    ----------
    best_responses : sequence of callable
        One per player: ``br_i(x: tuple) -> ndarray`` with the shape of ``x0[i]``. Raise
        :class:`StepFailure` to report an infeasible or failed best-response problem.
    x0 : sequence of array_like
        Starting profile.
    mode : {"jacobi", "gauss-seidel"}
    tol : float
        Relative tolerance (> 0).
    max_iter : int
        Iteration cap (>= 1).
    damping : float
        In ``(0, 1]``: ``x_i <- (1 - damping) x_i + damping br_i`` (1 = plain best response).
    residual : callable, optional
        ``residual(x) -> float`` recorded in the history (e.g. the VI natural residual).
    cert_tol : float, optional
        Tolerance of the equilibrium certificate (> 0; default ``10 * tol / damping``).

    Returns
    -------
    BestResponseResult
        ``"converged"`` (rule met and certificate holds), ``"stalled"`` (rule met, certificate
        fails), ``"max_iter"``, or the status of a :class:`StepFailure`.

    Notes
    -----
    Certificate. A profile is a Nash equilibrium exactly when every block is a best reply
    to the others, ``x_i = br_i(x)``. After the loop every player answers the *returned*
    profile once more, simultaneously and undamped, and the result carries
    ``max_i ||br_i(x) - x_i|| / max(1, max_i ||x_i||)`` (kind ``"equilibrium_residual"``).
    This differs from the stopping rule, which measures the damped (and, for
    Gauss-Seidel, sequential) move of the last iteration: a damped step is ``damping``
    times the residual, hence the default tolerance ``10 * tol / damping``. It costs one
    extra round of best responses, and is computed for every status but a failure.

    References
    ----------
    Small-cell paper Algorithm 1; Scutari et al. (2010), Sec. IV.

    Examples
    --------
    Two players with ``br_1 = x_2 / 2 + 1``, ``br_2 = x_1 / 2 + 1`` (contraction, fixed point
    (2, 2)):

    >>> import numpy as np
    >>> brs = [lambda x: x[1] / 2 + 1, lambda x: x[0] / 2 + 1]
    >>> res = best_response_iteration(brs, [np.zeros(1), np.zeros(1)], mode="gauss-seidel")
    >>> res.success, np.round(np.concatenate(res.x), 6).tolist(), res.certificate.holds
    (True, [2.0, 2.0], True)
    """
    if (
        not isinstance(best_responses, Sequence)
        or not best_responses
        or not all(callable(b) for b in best_responses)
    ):
        raise ValueError("best_responses must be a non-empty sequence of callables")
    if not isinstance(x0, Sequence | np.ndarray):
        raise TypeError(f"x0 must be a sequence of arrays, got {type(x0).__name__}")
    if len(x0) != len(best_responses):
        raise ValueError(f"x0 must have {len(best_responses)} blocks, got {len(x0)}")
    check_choice(mode, "mode", ("jacobi", "gauss-seidel"))
    tol = float(check_positive(tol, "tol"))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    damping = float(check_range(damping, "damping", 0.0, 1.0, low_open=True))
    if residual is not None and not callable(residual):
        raise ValueError("residual must be callable")
    cert_tol = (
        10 * tol / damping if cert_tol is None else float(check_positive(cert_tol, "cert_tol"))
    )
    t0 = time.perf_counter()
    x = [_vec(b, f"x0[{i}]").copy() for i, b in enumerate(x0)]
    hist: dict[str, list] = {"change": []}
    if residual is not None:
        hist["residual"] = [float(residual(tuple(x)))]
    status, message = "max_iter", f"no convergence within max_iter={max_iter} iterations"
    t = 0
    for t in range(1, max_iter + 1):
        old = [b.copy() for b in x]
        base = tuple(old)
        try:
            for i, br in enumerate(best_responses):
                view = tuple(x) if mode == "gauss-seidel" else base
                new = np.asarray(br(view))
                if new.shape != old[i].shape:
                    raise ValueError(
                        f"best_responses[{i}] returned shape {new.shape}, expected {old[i].shape}"
                    )
                if not np.all(np.isfinite(new)):
                    raise StepFailure("solver_error", f"best_responses[{i}] returned non-finite")
                x[i] = (1 - damping) * old[i] + damping * new
        except StepFailure as exc:
            x = old
            status, message = exc.status, f"iteration {t}: {exc.message}"
            t -= 1
            break
        change = max(float(np.linalg.norm(a - b)) for a, b in zip(x, old, strict=True))
        scale = max(1.0, max(float(np.linalg.norm(b)) for b in old))
        hist["change"].append(change)
        if residual is not None:
            hist["residual"].append(float(residual(tuple(x))))
        if change <= tol * scale:
            status, message = "converged", ""
            break
    cert, note = None, ""
    if status in ("converged", "max_iter"):
        cert, note = _best_response_certificate(best_responses, tuple(x), cert_tol)
    if status == "converged":
        status = settle(True, cert)
        if status != "converged":
            message = f"stopping rule met at iteration {t} but {note}"
    return BestResponseResult(
        x=tuple(x),
        status=status,
        iterations=t,
        history=as_history(hist),
        elapsed=time.perf_counter() - t0,
        message=message,
        certificate=cert,
    )


def _best_response_certificate(best_responses, x: tuple, cert_tol: float):
    """Relative residual ``max_i ||br_i(x) - x_i||`` of one simultaneous round at ``x``."""
    try:
        gaps = []
        for br, xi in zip(best_responses, x, strict=True):
            new = np.asarray(br(x))
            gaps.append(float(np.linalg.norm(new - xi)) if new.shape == xi.shape else np.nan)
    except StepFailure as exc:
        return None, f"the certifying best-response round failed ({exc.status}: {exc.message})"
    scale = max(1.0, max(float(np.linalg.norm(b)) for b in x))
    value = max(gaps) / scale if np.all(np.isfinite(gaps)) else np.nan
    cert = Certificate(
        kind="equilibrium_residual",
        value=value,
        tolerance=cert_tol,
        detail="max_i ||br_i(x) - x_i|| / max(1, max_i ||x_i||) at the returned profile",
    )
    return cert, f"the best-response residual is {value:.3e} > {cert_tol:.3e}"


# ---------------------------------------------------------------------------------------
# extragradient (projection) method for monotone VIs


@dataclass(frozen=True, kw_only=True)
class ExtragradientResult(IterativeResult):
    """Outcome of :func:`extragradient`.

    Attributes
    ----------
    x : ndarray
        Last iterate.
    residual : float
        Natural residual ``||x - P(x - F(x))||`` at ``x``.
    certificate : Certificate
        Kind ``"natural_residual"``: ``residual`` against ``tol`` (zero exactly at a solution
        of the VI, Facchinei and Pang 2003, Prop. 1.5.8).

    Notes
    -----
    History: ``"residual"`` (natural residual, starting point included).
    """

    x: Any
    residual: float


def extragradient(
    F: Callable,
    project: Callable,
    x0,
    step: float,
    *,
    tol: float = 1e-8,
    max_iter: int = 10_000,
) -> ExtragradientResult:
    """Korpelevich's extragradient method for the VI ``(K, F)`` with monotone, Lipschitz ``F``.

    ``y = P(x - step F(x))``, ``x <- P(x - step F(y))``. Converges to a solution for every
    ``step < 1/L`` (``L`` the Lipschitz constant of ``F``); stops when the natural residual
    is at most ``tol``.

    Parameters
    ----------
    F : callable
    project : callable
        Euclidean projection onto ``K``.
    x0 : array_like
    step : float
        Step size (> 0).
    tol : float
    max_iter : int

    Returns
    -------
    ExtragradientResult
        ``"converged"`` when the natural residual at ``x`` is at most ``tol`` (the rule and
        the certificate coincide here: the natural residual is zero exactly at a VI
        solution), ``"max_iter"``, or ``"solver_error"`` when ``F`` or ``project`` returns a
        non-finite value.

    References
    ----------
    Facchinei and Pang (2003), Sec. 12.1.2.

    Examples
    --------
    >>> import numpy as np
    >>> M = np.array([[1.0, 2.0], [-2.0, 1.0]])
    >>> res = extragradient(lambda x: M @ x - 1.0, lambda v: np.maximum(v, 0), np.zeros(2), 0.2)
    >>> res.success, res.residual < 1e-8, res.certificate.kind
    (True, True, 'natural_residual')
    """
    if not callable(F) or not callable(project):
        raise ValueError("F and project must be callable")
    step = float(check_positive(step, "step"))
    tol = float(check_positive(tol, "tol"))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    t0 = time.perf_counter()
    x = _vec(x0, "x0").copy()
    Fx = np.asarray(F(x))
    res = _natural(x, Fx, project)
    hist = {"residual": [res]}
    status, message = "max_iter", f"natural residual above tol after max_iter={max_iter}"
    t = 0
    if not np.isfinite(res):
        status, message = "solver_error", "F or project returned non-finite at x0"
    elif res <= tol:
        status, message = "converged", ""
    else:
        for t in range(1, max_iter + 1):
            y = np.asarray(project(x - step * Fx))
            Fy = np.asarray(F(y))
            if not (np.all(np.isfinite(Fy)) and np.all(np.isfinite(y))):
                status, message = "solver_error", f"iteration {t}: F returned non-finite"
                t -= 1
                break
            x_new = np.asarray(project(x - step * Fy))
            Fx_new = np.asarray(F(x_new))
            res_new = _natural(x_new, Fx_new, project)
            if not np.isfinite(res_new):
                status, message = "solver_error", f"iteration {t}: F returned non-finite"
                t -= 1
                break
            x, Fx, res = x_new, Fx_new, res_new
            hist["residual"].append(res)
            if res <= tol:
                status, message = "converged", ""
                break
    cert = Certificate(
        kind="natural_residual",
        value=res if np.isfinite(res) else np.nan,
        tolerance=tol,
        detail="||x - P(x - F(x))|| at the returned x",
    )
    return ExtragradientResult(
        x=x,
        residual=res,
        status=settle(True, cert) if status == "converged" else status,
        iterations=t,
        history=as_history(hist),
        elapsed=time.perf_counter() - t0,
        message=message,
        certificate=cert,
    )


def _natural(x: np.ndarray, Fx: np.ndarray, project: Callable) -> float:
    """Natural residual, NaN when ``F(x)`` or the projection is not finite."""
    if not np.all(np.isfinite(Fx)):
        return float("nan")
    val = float(np.linalg.norm(x - np.asarray(project(x - Fx))))
    return val if np.isfinite(val) else float("nan")
