"""Successive convex approximation (SCA) and minorize-maximize (MM).

An SCA method replaces a hard objective ``f`` by a surrogate ``s(. ; x_k)`` built at the
current point ``x_k`` and solves the (convex) surrogate problem to get ``x_{k+1}``. For a
maximization the surrogate must be a *minorant* with three properties:

1. lower bound: ``s(x; x_k) <= f(x)`` for every feasible ``x``;
2. tightness: ``s(x_k; x_k) = f(x_k)``;
3. gradient match: ``grad s(x_k; x_k) = grad f(x_k)``.

Properties 1-2 make the objective sequence monotone; property 3 makes its limit points KKT
points of the original problem. This module checks the three properties numerically
(:func:`check_surrogate`), provides the two surrogates the papers use most
(:func:`logdet_tangent`, :func:`quadratic_minorant`, :func:`quad_over_lin_minorant`), and
runs the outer loop with an honest stopping rule (:func:`sca`).

Gradients of functions of complex variables
-------------------------------------------
For ``f: C^n -> R`` the library's gradient is ``df/dRe(x) + 1j df/dIm(x)`` (twice the
Wirtinger derivative ``df/dx*``), so that the first-order change along a direction ``d`` is
``Re(vdot(grad, d))`` for real and complex variables alike.

References
----------
Y. Sun, P. Babu and D. P. Palomar, "Majorization-minimization algorithms in signal
processing, communications, and machine learning," IEEE Trans. Signal Process., 2017.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ._tree import is_array_tree, tree_dist
from ._validation import as_array, check_choice, check_int, check_nonnegative, check_positive
from .results import Certificate, IterativeResult, as_history, settle

__all__ = [
    "AffineMinorant",
    "SCAResult",
    "StepFailure",
    "SurrogateCheck",
    "check_surrogate",
    "logdet_tangent",
    "quad_over_lin_minorant",
    "quadratic_minorant",
    "sca",
]


class StepFailure(RuntimeError):
    """Raised by a step or local update to report an infeasible or failed subproblem.

    The iterative solvers of :mod:`wiretap.sca`, :mod:`wiretap.admm` and
    :mod:`wiretap.games` catch it and return a result with this status and message (and
    the last good iterate) instead of pretending to have an answer.

    Parameters
    ----------
    status : {"infeasible", "solver_error"}
    message : str
        What failed, e.g. ``"SCA subproblem at iteration 3: infeasible (Clarabel)"``.

    Examples
    --------
    >>> err = StepFailure("infeasible", "power budget too small")
    >>> err.status
    'infeasible'
    """

    def __init__(self, status: str, message: str):
        check_choice(status, "status", ("infeasible", "solver_error"))
        if not isinstance(message, str) or not message:
            raise ValueError("message must be a non-empty string")
        super().__init__(message)
        self.status = status
        self.message = message


# ---------------------------------------------------------------------------------------
# surrogate checks


@dataclass(frozen=True)
class SurrogateCheck:
    """Numerical check of the three surrogate properties at one expansion point.

    Attributes
    ----------
    bound_violation : float
        ``max(0, max_p s(p) - f(p))`` for a minorant (``max(0, max_p f(p) - s(p))`` for a
        majorant) over the test points; 0 when the bound holds everywhere tested.
    tightness : float
        ``|s(x0) - f(x0)|``.
    gradient_mismatch : float
        Largest ``|D_d s(x0) - D_d f(x0)| / ||d||`` over the test directions ``d``
        (directional derivatives).
    n_points : int
        Number of test points.
    """

    bound_violation: float
    tightness: float
    gradient_mismatch: float
    n_points: int

    def holds(self, tol: float = 1e-6) -> bool:
        """True when all three errors are at most ``tol``."""
        return max(self.bound_violation, self.tightness, self.gradient_mismatch) <= tol


def _directional(fn, grad, x0, d, h):
    if grad is not None:
        g = np.asarray(grad(x0) if callable(grad) else grad)
        if g.shape != x0.shape:
            raise ValueError(f"gradient has shape {g.shape}, expected {x0.shape}")
        return float(np.real(np.vdot(g, d)))
    return float((fn(x0 + h * d) - fn(x0 - h * d)) / (2 * h))


def check_surrogate(
    f: Callable,
    s: Callable,
    x0,
    points,
    *,
    kind: str = "minorant",
    f_grad=None,
    s_grad=None,
    directions=None,
    fd_step: float | None = None,
) -> SurrogateCheck:
    """Check that ``s`` is a valid SCA surrogate of ``f`` built at ``x0``.

    Parameters
    ----------
    f, s : callable
        ``f(x) -> float`` and the surrogate ``s(x) -> float`` (built at ``x0``).
    x0 : array_like, real or complex
        Expansion point (any shape, e.g. a vector or a Hermitian matrix).
    points : array_like, shape (m, *x0.shape)
        Test points for the bound (property 1).
    kind : {"minorant", "majorant"}
        ``"minorant"`` checks ``s <= f`` (maximization); ``"majorant"`` checks ``s >= f``.
    f_grad, s_grad : array_like or callable, optional
        Gradients at ``x0`` in the library's convention (``df/dRe + 1j df/dIm``); central
        finite differences are used when omitted.
    directions : array_like, shape (q, *x0.shape), optional
        Directions for property 3. Default: every coordinate direction (and ``1j`` times
        it for complex ``x0``). Pass Hermitian directions for a function of a Hermitian
        matrix.
    fd_step : float, optional
        Finite-difference step; default ``1e-6 * max(1, ||x0||_max)``.

    Returns
    -------
    SurrogateCheck

    Raises
    ------
    ValueError
        For a bad ``kind``, points or directions of the wrong shape, no test point at all
        (``m = 0``: the bound would hold vacuously), or non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: np.log(x[0])                     # concave: the tangent majorizes it
    >>> s = lambda x: np.log(2.0) + (x[0] - 2.0) / 2.0
    >>> chk = check_surrogate(f, s, [2.0], [[0.5], [1.0], [4.0]], kind="majorant")
    >>> chk.holds(1e-6)
    True
    """
    check_choice(kind, "kind", ("minorant", "majorant"))
    if not callable(f) or not callable(s):
        raise ValueError("f and s must be callable")
    cplx = np.iscomplexobj(np.asarray(x0)) or np.iscomplexobj(np.asarray(points))
    kind_x = "complex" if cplx else "real"
    x0 = as_array(x0, "x0", kind=kind_x)
    pts = as_array(points, "points", kind=kind_x)
    if pts.ndim != x0.ndim + 1 or pts.shape[1:] != x0.shape:
        raise ValueError(f"points must have shape (m, *{x0.shape}) to match x0, got {pts.shape}")
    if len(pts) == 0:
        raise ValueError(
            "points must hold at least one test point (m >= 1): "
            "with none the bound check would pass vacuously"
        )
    sign = 1.0 if kind == "minorant" else -1.0
    gaps = np.array([sign * (float(s(p)) - float(f(p))) for p in pts])
    if not np.all(np.isfinite(gaps)):
        raise ValueError("f or s returned a non-finite value at some point")
    f0, s0 = float(f(x0)), float(s(x0))
    if directions is None:
        eye = np.eye(x0.size).reshape((x0.size, *x0.shape))
        dirs = np.concatenate([eye, 1j * eye]) if np.iscomplexobj(x0) else eye
    else:
        dirs = as_array(directions, "directions", kind=kind_x)
        if dirs.ndim != x0.ndim + 1 or dirs.shape[1:] != x0.shape:
            raise ValueError(f"directions must have shape (q, *{x0.shape}), got {dirs.shape}")
    h = fd_step if fd_step is not None else 1e-6 * max(1.0, float(np.max(np.abs(x0))))
    h = float(check_positive(h, "fd_step"))
    mismatch = 0.0
    for d in dirs:
        nd = float(np.linalg.norm(d))
        if nd == 0:
            raise ValueError("directions must be nonzero")
        df = _directional(f, f_grad, x0, d, h)
        ds = _directional(s, s_grad, x0, d, h)
        mismatch = max(mismatch, abs(df - ds) / nd)
    return SurrogateCheck(
        bound_violation=float(max(0.0, gaps.max(initial=-np.inf))),
        tightness=abs(s0 - f0),
        gradient_mismatch=float(mismatch),
        n_points=len(pts),
    )


# ---------------------------------------------------------------------------------------
# surrogates


def _hermitian_pd(X, name: str) -> np.ndarray:
    X = as_array(X, name, ndim=2, kind="complex" if np.iscomplexobj(np.asarray(X)) else "real")
    if X.shape[0] != X.shape[1] or X.size == 0:
        raise ValueError(f"{name} must be square and non-empty, got shape {X.shape}")
    scale = max(1.0, float(np.linalg.norm(X)))
    if np.linalg.norm(X - X.conj().T) > 1e-10 * scale:
        raise ValueError(f"{name} must be Hermitian (symmetric)")
    X = (X + X.conj().T) / 2
    if np.linalg.eigvalsh(X)[0] <= 0:
        raise ValueError(f"{name} must be positive definite")
    return X


def logdet_tangent(X0) -> tuple[float, np.ndarray]:
    """Value and gradient of ``log det`` at ``X0``: the tangent plane that majorizes it.

    ``log det`` is concave on positive definite matrices, so for every ``X > 0``

    ``log det X <= log det X0 + Re tr(X0^{-1} (X - X0))``.

    Used to linearize a concave ``log det`` term that is subtracted (difference-of-concave
    rates such as the eavesdropper's rate in a secrecy rate).

    Parameters
    ----------
    X0 : array_like, shape (n, n)
        Hermitian (or real symmetric) positive definite expansion point.

    Returns
    -------
    value : float
        ``log det X0`` (natural logarithm, nats).
    gradient : ndarray, shape (n, n)
        ``X0^{-1}`` (Hermitian), the gradient in the sense ``Re tr(G^H D)``.

    Raises
    ------
    ValueError
        If ``X0`` is not square, Hermitian and positive definite.

    References
    ----------
    S. Boyd and L. Vandenberghe, *Convex Optimization*, Sec. 3.1.5 and A.4.1.

    Examples
    --------
    >>> import numpy as np
    >>> v, G = logdet_tangent(np.diag([1.0, 2.0]))
    >>> round(v, 6), np.allclose(G, np.diag([1.0, 0.5]))
    (0.693147, True)
    """
    X0 = _hermitian_pd(X0, "X0")
    L = np.linalg.cholesky(X0)
    value = 2.0 * float(np.sum(np.log(np.real(np.diag(L)))))
    Linv = np.linalg.inv(L)
    grad = Linv.conj().T @ Linv
    return value, (grad + grad.conj().T) / 2


class AffineMinorant(NamedTuple):
    """Affine function ``x -> 2 Re(linear^H x) + constant`` (a tangent of a convex term).

    Unpacks as ``linear, constant = quadratic_minorant(a, x0)``.
    """

    linear: np.ndarray
    constant: float

    def __call__(self, x) -> float:
        """Evaluate at ``x`` (shape of ``linear``)."""
        return float(2.0 * np.real(np.vdot(self.linear, np.asarray(x))) + self.constant)


def quadratic_minorant(a, x0) -> AffineMinorant:
    """Tangent minorant of the convex quadratic ``||A^H x||^2`` at ``x0``.

    For a vector ``a`` (``A = a``):

    ``|a^H x|^2 >= 2 Re((a^H x0)^* a^H x) - |a^H x0|^2``,

    and for a matrix ``A``: ``||A^H x||^2 >= 2 Re(x0^H A A^H x) - ||A^H x0||^2``; equality and
    equal gradients at ``x = x0``. This is the minorant used in SCA for a received signal
    power in a numerator (AAUC paper eq. (30)).

    Parameters
    ----------
    a : array_like, shape (n,) or (n, k)
        Channel vector(s), real or complex.
    x0 : array_like, shape (n,)
        Expansion point.

    Returns
    -------
    AffineMinorant
        ``linear = A A^H x0`` (shape (n,)), ``constant = -||A^H x0||^2``.

    Raises
    ------
    ValueError
        If shapes do not match.

    Examples
    --------
    >>> import numpy as np
    >>> a, x0 = np.array([1.0, 1j]), np.array([1.0, 0.0])
    >>> m = quadratic_minorant(a, x0)
    >>> round(m(x0), 12), round(float(abs(np.vdot(a, x0)) ** 2), 12)
    (1.0, 1.0)
    """
    a = as_array(a, "a", ndim=(1, 2), kind="complex")
    n = a.shape[0]
    x0 = as_array(x0, "x0", shape=(n,), kind="complex", match="the rows of a")
    A = a.reshape(n, -1)
    y0 = A.conj().T @ x0
    return AffineMinorant(linear=A @ y0, constant=-float(np.sum(np.abs(y0) ** 2)))


def quad_over_lin_minorant(a, x0, t0) -> tuple[np.ndarray, float]:
    """Tangent minorant of the jointly convex ``|a^H x|^2 / t`` at ``(x0, t0)``, ``t0 > 0``.

    ``|a^H x|^2 / t >= 2 Re(c^H x) - |a^H x0|^2 t / t0^2`` with ``c = a (a^H x0) / t0``:
    the right side is linear in ``(x, t)``, tight at ``(x0, t0)`` with the same gradient.
    Used to convexify an SINR constraint ``|h^H w|^2 / t >= ...``.

    Parameters
    ----------
    a : array_like, shape (n,)
    x0 : array_like, shape (n,)
    t0 : float
        Positive expansion value of the denominator.

    Returns
    -------
    linear : ndarray, shape (n,)
        ``c = a (a^H x0) / t0``.
    t_coefficient : float
        ``-|a^H x0|^2 / t0^2`` (the bound is ``2 Re(c^H x) + t_coefficient * t``).

    Examples
    --------
    >>> import numpy as np
    >>> c, ct = quad_over_lin_minorant(np.array([1.0, 0.0]), np.array([2.0, 0.0]), 2.0)
    >>> float(2 * np.real(np.vdot(c, [2.0, 0.0])) + ct * 2.0)   # equals 4 / 2 at the point
    2.0
    """
    a = as_array(a, "a", ndim=1, kind="complex")
    x0 = as_array(x0, "x0", shape=a.shape, kind="complex", match="a")
    t0 = float(check_positive(t0, "t0"))
    y0 = np.vdot(a, x0)
    return a * y0 / t0, -float(abs(y0) ** 2) / t0**2


# ---------------------------------------------------------------------------------------
# the outer loop


@dataclass(frozen=True, kw_only=True)
class SCAResult(IterativeResult):
    """Outcome of :func:`sca`.

    Attributes
    ----------
    x : object
        Last accepted iterate (same structure as ``x0``).
    objective : float
        Objective at ``x``.
    nonmonotone : tuple of int
        Iterations ``k`` (1-based) where the objective moved the wrong way by more than
        the monotonicity tolerance; empty when theory's monotonicity was observed.
    certificate : Certificate or None
        Stationarity certificate of ``x`` (see :func:`sca`): kind ``"stationarity"`` when
        the caller supplied a stationarity measure, else ``"surrogate_gain"``.

    Notes
    -----
    History: ``"objective"`` (length ``iterations + 1``, starting point included) and ``"step"``
    (``||x_{k+1} - x_k||``, length ``iterations``) when iterates are arrays.
    """

    x: Any
    objective: float
    nonmonotone: tuple[int, ...] = ()

    @property
    def monotone(self) -> bool:
        """True when no non-monotone step was observed."""
        return not self.nonmonotone


def sca(
    step: Callable,
    x0,
    objective: Callable,
    *,
    tol: float = 1e-6,
    max_iter: int = 100,
    maximize: bool = True,
    x_tol: float | None = None,
    monotone_tol: float = 1e-9,
    callback: Callable | None = None,
    stationarity: Callable | None = None,
    stationarity_tol: float | None = None,
    on_nonmonotone: str = "stall",
) -> SCAResult:
    """Run the SCA / MM outer loop ``x_{k+1} = step(x_k)``.

    ``step(x_k)`` solves the convex surrogate problem built at ``x_k`` and returns its
    solution (the next iterate). With a valid surrogate (see :func:`check_surrogate`) the
    objective sequence is monotone; this function records it and, by default, stops with
    ``"stalled"`` at the first step that moves the objective the wrong way.

    Stopping rule: ``|F_{k+1} - F_k| <= tol * max(1, |F_k|)`` for the objective values
    ``F``; with ``x_tol`` also ``||x_{k+1} - x_k|| <= x_tol`` is required.

    Certificate (what ``"converged"`` promises about the returned point ``x``):

    * with ``stationarity``: ``stationarity(x)``, a stationarity measure of the *original*
      problem supplied by the caller (e.g. a Frank-Wolfe gap ``max_{y feasible}
      <grad F(x), y - x>`` or a projected-gradient residual), against
      ``stationarity_tol`` (kind ``"stationarity"``);
    * otherwise, the *surrogate gain* at ``x``: one more surrogate step ``y = step(x)`` is
      solved and ``|F(y) - F(x)| / max(1, |F(x)|)`` is compared with ``tol`` (kind
      ``"surrogate_gain"``). For a valid minorant ``F(y) - F(x)`` bounds the gain of the
      surrogate problem built at ``x`` from above, and with matching gradients a zero gain
      means that ``x`` is a KKT point of the original problem (Sun, Babu and Palomar 2017,
      Thm. 1). This costs one extra ``step`` call, made only when the rule was met.

    ``"converged"`` needs the rule met *and* the certificate within its tolerance; the rule
    met with a failing certificate gives ``"stalled"``.

    Parameters
    ----------
    step : callable
        ``step(x) -> x_next``. To report an infeasible or failed subproblem, raise
        :class:`StepFailure`; the result then carries that status and the last iterate.
    x0 : object
        Feasible starting point (array, or tuple/list of arrays, or any object ``step``
        understands).
    objective : callable
        ``objective(x) -> float``: the original (not the surrogate) objective.
    tol : float
        Relative tolerance on the objective change (> 0); also the tolerance of the
        surrogate-gain certificate.
    max_iter : int
        Iteration cap (>= 1).
    maximize : bool
        Direction of optimization (monotone increase expected when True).
    x_tol : float, optional
        Additional tolerance on the step length (array iterates only).
    monotone_tol : float
        Relative slack before a step counts as non-monotone (round-off of the subproblem
        solver).
    callback : callable, optional
        ``callback(k, x)`` after each accepted iteration.
    stationarity : callable, optional
        ``stationarity(x) -> float >= 0``, zero exactly at KKT points of the original
        problem; used as the certificate (evaluated at the returned point whatever the
        status).
    stationarity_tol : float, optional
        Tolerance of ``stationarity`` (> 0; default ``tol``).
    on_nonmonotone : {"stall", "continue"}
        ``"stall"`` (default): a step that moves the objective the wrong way by more than
        ``monotone_tol`` is rejected and the run stops with ``"stalled"`` at the last
        monotone iterate (such a step means the surrogate is not a valid bound or the
        subproblem was solved inaccurately). ``"continue"``: accept it, record it in
        ``nonmonotone`` and go on.

    Returns
    -------
    SCAResult
        Status ``"converged"``, ``"max_iter"``, ``"stalled"`` (rejected non-monotone step,
        or rule met with a failing certificate), or the status of a :class:`StepFailure`
        (``"infeasible"``/``"solver_error"``); a non-finite objective gives
        ``"solver_error"``.

    Raises
    ------
    ValueError
        For non-callable ``step``/``objective``/``stationarity``, bad tolerances, or a
        non-finite objective at ``x0``.

    References
    ----------
    Sun, Babu and Palomar (2017), Sec. II; AAUC paper Sec. V (SCO, eq. (30)).

    Examples
    --------
    Maximize ``f(x) = -x^4 + 2x^2`` (non-concave) from ``x0 = 0.3`` with the minorant that
    linearizes the convex term ``2x^2`` at ``x_k``; the surrogate maximizer is
    ``x = cbrt(x_k)``:

    >>> import numpy as np
    >>> res = sca(lambda x: np.cbrt(x), np.array(0.3), lambda x: float(-x**4 + 2 * x**2),
    ...           tol=1e-12, max_iter=200)
    >>> res.success, round(float(res.x), 6), res.monotone, res.certificate.kind
    (True, 1.0, True, 'surrogate_gain')

    The same run certified by the derivative ``|f'(x)| = |4x - 4x^3|`` (unconstrained):

    >>> res = sca(lambda x: np.cbrt(x), np.array(0.3), lambda x: float(-x**4 + 2 * x**2),
    ...           tol=1e-12, max_iter=200, stationarity=lambda x: abs(4 * x - 4 * x**3),
    ...           stationarity_tol=1e-5)
    >>> res.success, res.certificate.value <= 1e-5
    (True, True)
    """
    if not callable(step):
        raise ValueError("step must be callable")
    if not callable(objective):
        raise ValueError("objective must be callable")
    if stationarity is not None and not callable(stationarity):
        raise ValueError("stationarity must be callable")
    tol = float(check_positive(tol, "tol"))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    monotone_tol = float(check_nonnegative(monotone_tol, "monotone_tol"))
    if x_tol is not None:
        x_tol = float(check_positive(x_tol, "x_tol"))
    stat_tol = (
        tol
        if stationarity_tol is None
        else float(check_positive(stationarity_tol, "stationarity_tol"))
    )
    check_choice(on_nonmonotone, "on_nonmonotone", ("stall", "continue"))
    sign = 1.0 if maximize else -1.0
    t0 = time.perf_counter()
    x = x0
    F = float(objective(x))
    if not np.isfinite(F):
        raise ValueError("objective(x0) must be finite (start from a feasible point)")
    arrays = is_array_tree(x0)
    hist: dict[str, list] = {"objective": [F]}
    if arrays:
        hist["step"] = []
    nonmono: list[int] = []
    status, message = "max_iter", f"no convergence within max_iter={max_iter} iterations"
    rule_met = False
    k = 0
    for k in range(1, max_iter + 1):
        try:
            x_new = step(x)
        except StepFailure as exc:
            status, message = exc.status, f"iteration {k}: {exc.message}"
            k -= 1
            break
        F_new = float(objective(x_new))
        if not np.isfinite(F_new):
            status, message = "solver_error", f"iteration {k}: objective is not finite"
            k -= 1
            break
        dx = tree_dist(x_new, x) if arrays else np.nan
        worse = sign * (F - F_new)
        if worse > monotone_tol * max(1.0, abs(F)):
            nonmono.append(k)
            if on_nonmonotone == "stall":
                status = "stalled"
                message = (
                    f"iteration {k}: the step moved the objective the wrong way by {worse:.3e} "
                    f"(> monotone_tol * max(1, |F|)); the surrogate is not a valid bound or "
                    f"the subproblem was solved inaccurately; returning the last monotone iterate"
                )
                k -= 1
                break
        done = abs(F_new - F) <= tol * max(1.0, abs(F))
        if x_tol is not None and arrays:
            done = done and dx <= x_tol
        x, F = x_new, F_new
        hist["objective"].append(F)
        if arrays:
            hist["step"].append(dx)
        if callback is not None:
            callback(k, x)
        if done:
            rule_met = True
            break
    cert, cert_note = _sca_certificate(step, objective, x, F, tol, stationarity, stat_tol, rule_met)
    if rule_met:
        status = settle(True, cert)
        if status == "converged":
            message = ""
        else:
            message = f"stopping rule met at iteration {k} but the certificate fails: {cert_note}"
    return SCAResult(
        x=x,
        objective=F,
        nonmonotone=tuple(nonmono),
        status=status,
        iterations=k,
        history=as_history(hist) if arrays else {"objective": np.asarray(hist["objective"])},
        elapsed=time.perf_counter() - t0,
        message=message,
        certificate=cert,
    )


def _sca_certificate(step, objective, x, F, tol, stationarity, stat_tol, rule_met):
    """Certificate of the returned SCA point and a note on why it could fail."""
    if stationarity is not None:
        val = float(stationarity(x))
        if val < 0:
            raise ValueError(f"stationarity(x) must be >= 0, got {val!r}")
        cert = Certificate(
            kind="stationarity",
            value=val,
            tolerance=stat_tol,
            detail="caller-supplied stationarity measure of the original problem at x",
        )
        return cert, f"stationarity {val:.3e} > {stat_tol:.3e}"
    if not rule_met:  # the surrogate gain costs a subproblem solve: only to certify a stop
        return None, ""
    try:
        y = step(x)
        gain = abs(float(objective(y)) - F) / max(1.0, abs(F))
    except StepFailure as exc:
        return None, f"the certifying surrogate step failed ({exc.status}: {exc.message})"
    cert = Certificate(
        kind="surrogate_gain",
        value=gain if np.isfinite(gain) else np.nan,
        tolerance=tol,
        detail="|F(step(x)) - F(x)| / max(1, |F(x)|): objective change of one more surrogate step",
    )
    return (
        cert,
        f"one more surrogate step still changes the objective by {gain:.3e} (> tol={tol:.3e})",
    )
