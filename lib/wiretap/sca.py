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

from ._exports import adopt
from ._surrogates import (
    AffineMinorant,
    SurrogateCheck,
    check_surrogate,
    logdet_tangent,
    quad_over_lin_minorant,
    quadratic_minorant,
)
from ._tree import is_array_tree, tree_dist
from ._validation import check_choice, check_int, check_nonnegative, check_positive
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
    cfg = _SCASettings.check(
        step,
        objective,
        stationarity,
        tol=tol,
        max_iter=max_iter,
        maximize=maximize,
        x_tol=x_tol,
        monotone_tol=monotone_tol,
        stationarity_tol=stationarity_tol,
        on_nonmonotone=on_nonmonotone,
    )
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
    status, message = "max_iter", f"no convergence within max_iter={cfg.max_iter} iterations"
    rule_met = False
    k = 0
    for k in range(1, cfg.max_iter + 1):
        trial = _try_step(step, objective, x, F, k, arrays, cfg)
        if trial.nonmonotone:
            nonmono.append(k)
        if trial.failure is not None:
            status, message = trial.failure
            k -= 1
            break
        x, F = trial.x, trial.F
        hist["objective"].append(F)
        if arrays:
            hist["step"].append(trial.dx)
        if callback is not None:
            callback(k, x)
        if trial.done:
            rule_met = True
            break
    cert, cert_note = _sca_certificate(
        step, objective, x, F, cfg.tol, stationarity, cfg.stat_tol, rule_met
    )
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


@dataclass(frozen=True)
class _SCASettings:
    """Validated settings of :func:`sca` (``sign`` = +1 to maximize, -1 to minimize)."""

    tol: float
    max_iter: int
    sign: float
    x_tol: float | None
    monotone_tol: float
    stat_tol: float
    on_nonmonotone: str

    @classmethod
    def check(
        cls,
        step,
        objective,
        stationarity,
        *,
        tol,
        max_iter,
        maximize,
        x_tol,
        monotone_tol,
        stationarity_tol,
        on_nonmonotone,
    ) -> _SCASettings:
        """Check the arguments of :func:`sca` in its order; ``ValueError`` names the bad one."""
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
        return cls(tol, max_iter, sign, x_tol, monotone_tol, stat_tol, on_nonmonotone)


class _Trial(NamedTuple):
    """One SCA step: the candidate, its step length, whether the stopping rule holds, whether
    it moved the objective the wrong way, and ``(status, message)`` when it is rejected."""

    x: Any
    F: float
    dx: float
    done: bool
    nonmonotone: bool
    failure: tuple[str, str] | None


def _try_step(step, objective, x, F: float, k: int, arrays: bool, cfg: _SCASettings) -> _Trial:
    """Solve the surrogate problem at ``x`` and judge the step (iteration ``k``)."""
    try:
        x_new = step(x)
    except StepFailure as exc:
        return _Trial(x, F, np.nan, False, False, (exc.status, f"iteration {k}: {exc.message}"))
    F_new = float(objective(x_new))
    if not np.isfinite(F_new):
        failure = ("solver_error", f"iteration {k}: objective is not finite")
        return _Trial(x, F, np.nan, False, False, failure)
    dx = tree_dist(x_new, x) if arrays else np.nan
    worse = cfg.sign * (F - F_new)
    nonmonotone = worse > cfg.monotone_tol * max(1.0, abs(F))
    if nonmonotone and cfg.on_nonmonotone == "stall":
        message = (
            f"iteration {k}: the step moved the objective the wrong way by {worse:.3e} "
            f"(> monotone_tol * max(1, |F|)); the surrogate is not a valid bound or "
            f"the subproblem was solved inaccurately; returning the last monotone iterate"
        )
        return _Trial(x, F, dx, False, True, ("stalled", message))
    done = abs(F_new - F) <= cfg.tol * max(1.0, abs(F))
    if cfg.x_tol is not None and arrays:
        done = done and dx <= cfg.x_tol
    return _Trial(x_new, F_new, dx, done, nonmonotone, None)


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


adopt(globals())  # the names of __all__ defined in internal modules live here
