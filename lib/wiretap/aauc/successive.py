"""Successive convex optimization (SCO) for P2 (paper Sec. IV-B, eqs. (21)-(23)).

Each iteration replaces ``Phi_k`` and ``Upsilon`` by the minorants of paper eqs. (21)-(22)
built at the current point and solves the convex problem P2[n+1] (eq. (23)). The convex
problem is written once with cvxpy Parameters (it is DPP), so a problem of a given size is
compiled on its first solve and every later iteration, and every later Monte Carlo trial of
the same size, only updates parameter values and calls Clarabel.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NamedTuple

import cvxpy as cp
import numpy as np

from .. import convex
from .._cache import CompiledCache
from .._validation import as_array, check_int, check_positive
from ..results import Certificate, IterativeResult, as_history, settle
from ._solve import solve_with_retry
from .large import closed_form, p6
from .problem import AAUCProblem, check_zw, kkt_residual

__all__ = ["SCOResult", "sco", "sco_subproblem"]

_LN2 = np.log(2.0)
_CACHE = CompiledCache(maxsize=16)
"""Compiled P2[n+1] problems, keyed by ``(n, m, shared_log)``."""


@dataclass(frozen=True, kw_only=True)
class SCOResult(IterativeResult):
    """Outcome of :func:`sco`.

    Attributes
    ----------
    z : ndarray, complex, shape (n,)
        Null-space coordinates of the BS beamformer.
    v : ndarray, complex, shape (N,)
        BS beamformer ``v = U z`` (satisfies ``g_K^H v = 0``).
    w : ndarray, complex, shape (K-1,)
        Helpers' beamformer.
    objective : float
        P2 objective at ``(z, w)`` in bits/s/Hz.
    compile_time : float
        Seconds spent compiling the cvxpy problem during this call (0 when a compiled
        problem of this size was reused).
    history : dict
        ``"objective"`` (P2 objective, starting point included, non-decreasing),
        ``"surrogate"`` (optimal value of each P2[n+1]), ``"solve_time"`` (Clarabel
        seconds per iteration), ``"wall_time"`` (seconds per iteration, parameter updates
        and cvxpy included), ``"retries"`` (solver retries per iteration), ``"v"`` and
        ``"w"`` (the iterates, shapes ``(iterations + 1, N)`` and ``(iterations + 1, K-1)``).
    """

    z: np.ndarray
    v: np.ndarray
    w: np.ndarray
    objective: float
    compile_time: float = 0.0

    @property
    def power(self) -> float:
        """Average transmit power ``(||v||^2 + ||w||^2) / 2`` in W."""
        return float((np.sum(np.abs(self.v) ** 2) + np.sum(np.abs(self.w) ** 2)) / 2)


class _Subproblem:
    """P2[n+1] (paper eq. (23)) as one DPP problem; data enter through Parameters.

    ``shared_log=True`` uses one logarithm: every surrogate in eq. (23) has the form
    ``log2(affine_i)/2 - ||q o w||^2 + e0`` with the same penalty and constant, so
    ``min_i`` of them equals ``log2(min_i affine_i)/2 - ||q o w||^2 + e0`` and the problem
    is ``max log2(tau)/2 - ||q o w||^2 + e0`` s.t. ``tau <= affine_i``: same optimum, one
    exponential cone instead of ``K``. ``shared_log=False`` is eq. (23) literally.
    """

    def __init__(self, n: int, m: int, values: dict | None = None, shared_log: bool = True):
        self.n, self.m = n, m
        self.z = cp.Variable(n, complex=True)
        self.w = cp.Variable(m, complex=True)

        def par(name, shape, **kw):
            if values is not None:
                return values[name]
            return cp.Parameter(shape, name=name, **kw)

        self.params = {
            "C": par("C", (m, n), complex=True),  # rows c_k^H, c_k = a_k a_k^H z0
            "b": par("b", (m,)),  # 1 - |a_k^H z0|^2
            "d": par("d", (m,), complex=True),  # conj(h^H w0) conj(h)
            "bK": par("bK", ()),  # 1 - |h^H w0|^2
            "q": par("q", (m,), nonneg=True),  # sqrt(j / (2 ln2 (1 + l0)))
            "e0": par("e0", ()),  # l0 / (2 ln2 (1 + l0)) - log2(1 + l0) / 2
            "two_p": par("two_p", (), nonneg=True),
        }
        P = self.params
        pen = cp.sum_squares(cp.multiply(P["q"], self.w))
        lin_k = P["b"] + 2 * cp.real(P["C"] @ self.z)  # linearized 1 + SNR_k, eq. (21)
        lin_K = P["bK"] + 2 * cp.real(P["d"] @ self.w)  # linearized 1 + SNR_K, eq. (22)
        power = cp.sum_squares(self.z) + cp.sum_squares(self.w) <= P["two_p"]
        if shared_log:
            tau = cp.Variable()
            obj = cp.log(tau) / (2 * _LN2) - pen + P["e0"]
            cons = [tau <= lin_k, tau <= lin_K, power]
        else:
            t = cp.Variable()
            obj = t
            cons = [
                t <= cp.log(lin_k) / (2 * _LN2) - pen + P["e0"],
                t <= cp.log(lin_K) / (2 * _LN2) - pen + P["e0"],
                power,
            ]
        self.problem = cp.Problem(cp.Maximize(obj), cons)
        if values is None:
            convex.require_dpp(self.problem)
        self.compiled = False

    def set(self, values: dict) -> None:
        for k, v in values.items():
            self.params[k].value = v

    def solve(self, accept: tuple[str, ...]) -> tuple[convex.SolveInfo, int, float]:
        """Solve (with retries); also the seconds spent compiling (0 after the first solve)."""
        first = not self.compiled
        info, retries = solve_with_retry(self.problem, accept)
        self.compiled = True
        compile_time = 0.0
        if first:
            compile_time += info.wall_time - (0 if np.isnan(info.solve_time) else info.solve_time)
        return info, retries, compile_time


def sco_subproblem(problem: AAUCProblem, z0, w0) -> dict:
    """Parameter values of P2[n+1] built at ``(z0, w0)`` (paper eqs. (21)-(23)).

    Returns
    -------
    dict
        ``C, b, d, bK, q, e0, two_p``: the surrogate of ``Phi_k`` is
        ``log2(b_k + 2 Re(C z)_k) / 2 - ||q o w||^2 + e0`` and that of ``Upsilon`` is
        ``log2(bK + 2 Re(d w)) / 2 - ||q o w||^2 + e0``.
    """
    z0, w0 = check_zw(problem, z0=z0, w0=w0)
    u0 = problem.A.conj().T @ z0
    s0 = np.vdot(problem.h, w0)
    l0 = problem.leakage(w0)
    return {
        "C": np.conj(u0)[:, None] * problem.A.conj().T,
        "b": 1.0 - np.abs(u0) ** 2,
        "d": np.conj(s0) * np.conj(problem.h),
        "bK": float(1.0 - abs(s0) ** 2),
        "q": np.sqrt(problem.j / (2 * _LN2 * (1.0 + l0))),
        "e0": float(l0 / (2 * _LN2 * (1.0 + l0)) - 0.5 * np.log2(1.0 + l0)),
        "two_p": 2.0 * problem.p_max,
    }


def _get(n: int, m: int, reuse: bool, values: dict, shared_log: bool) -> _Subproblem:
    if not reuse:
        return _Subproblem(n, m, values=values, shared_log=shared_log)
    sub = _CACHE.get((n, m, shared_log), lambda: _Subproblem(n, m, shared_log=shared_log))
    sub.set(values)
    return sub


def _fit_power(problem: AAUCProblem, z, w):
    tot = np.sum(np.abs(z) ** 2) + np.sum(np.abs(w) ** 2)
    if tot > 2 * problem.p_max:
        s = np.sqrt(2 * problem.p_max / tot)
        return z * s, w * s
    return z, w


def _default_start(problem: AAUCProblem):
    cf = closed_form(problem)
    if np.abs(np.vdot(problem.h, cf.w)) > 0:
        return cf.z, cf.w
    start = p6(problem)
    return start.z, start.w


def sco(
    problem: AAUCProblem,
    *,
    z0=None,
    w0=None,
    max_iter: int = 50,
    tol: float = 1e-5,
    reduce: bool = True,
    reuse: bool = True,
    shared_log: bool = True,
    accept_inaccurate: bool = True,
    kkt_tol: float = 1e-3,
    kkt_active_tol: float = 3e-3,
) -> SCOResult:
    """Solve P2 by successive convex optimization (paper Sec. IV-B).

    Iteration ``n`` solves P2[n+1] (paper eq. (23)) built at ``(z^[n], w^[n])`` with
    Clarabel and moves there. By Proposition 1 the P2 objective never decreases and limit
    points are KKT points of P2.

    Parameters
    ----------
    problem : AAUCProblem
    z0, w0 : array_like, optional
        Feasible starting point (``||z0||^2 + ||w0||^2 <= 2 P_max``) with ``h^H w0 != 0``
        (at ``h^H w0 = 0`` the linearization of ``|h^H w|^2`` is identically zero and the
        iterates never leave ``w = 0``). Default: the closed form of Propositions 2-3
        (:func:`wiretap.aauc.closed_form`), or :func:`wiretap.aauc.p6` when that gives
        ``w = 0``.
    max_iter : int
        Iteration cap (the paper runs ``I = 20`` iterations).
    tol : float
        Stop when the objective improves by less than ``tol * max(1, |objective|)``.
    reduce : bool
        Solve in the exact reduced coordinates of
        :meth:`~wiretap.aauc.problem.AAUCProblem.reduced` (``K - 1`` instead of ``N - 1``
        complex variables for ``z``; same iterates from a starting point in the span of the
        ``a_k``, which the defaults are). ``False`` solves the paper's ``N + K - 2``-variable
        problem.
    reuse : bool
        Reuse one compiled problem per size (DPP). ``False`` rebuilds and recompiles the
        problem with constant data at every iteration (the baseline of the benchmark).
    shared_log : bool
        Write P2[n+1] with one logarithm (same solution, faster; see the chapter on SCO)
        instead of one per user as printed in eq. (23).
    accept_inaccurate : bool
        Accept Clarabel's ``optimal_inaccurate`` status (the objective history still must
        not decrease, which is checked).
    kkt_tol : float
        Tolerance of the certificate: the relative KKT residual of P2
        (:func:`~wiretap.aauc.problem.kkt_residual`) at the returned point, computed from
        the exact gradients, independently of the stopping rule. SCO approaches a
        kink of the max-min objective slowly, so at the paper's ``I = 20`` the residual is
        typically 1e-4 to 1e-2.
    kkt_active_tol : float
        Functions within this many bits/s/Hz of the minimum count as active in the
        residual (an epsilon-KKT point; passed to ``kkt_residual`` as ``active_tol``).

    Returns
    -------
    SCOResult
        ``certificate`` is the KKT residual (kind ``"kkt_residual"``, tolerance
        ``kkt_tol``). Status ``"converged"`` when the stopping rule fired (or a step made
        no progress within the solver's accuracy) *and* the KKT residual is at most
        ``kkt_tol``; ``"stalled"`` when the iterations stopped there but the residual is
        larger; ``"max_iter"`` at the cap; ``"solver_error"`` (with the last good iterate
        and a message).

    Raises
    ------
    ValueError
        For a start of the wrong shape or outside the power budget.

    References
    ----------
    Paper eqs. (18)-(23), Proposition 1.

    Examples
    --------
    >>> from wiretap.aauc import SystemParams, draw_scenario, AAUCProblem
    >>> sc = draw_scenario(SystemParams(n_antennas=16, n_users=4), rng=1)
    >>> res = sco(AAUCProblem.from_scenario(sc), max_iter=30)
    >>> res.status, bool(np.all(np.diff(res.history["objective"]) > -1e-7))
    ('converged', True)
    """
    if not isinstance(problem, AAUCProblem):
        raise ValueError(f"problem must be an AAUCProblem, got {type(problem).__name__}")
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = float(check_positive(tol, "tol"))
    kkt_tol = float(check_positive(kkt_tol, "kkt_tol"))
    kkt_active_tol = float(check_positive(kkt_active_tol, "kkt_active_tol"))
    t_start = time.perf_counter()
    full = problem
    z, w = _sco_start(full, z0, w0)
    pb = full
    if reduce:
        pb = full.reduced()
        coords = pb.basis.conj().T @ full.basis  # z_reduced = Q^H z
        z = coords @ z
    accepted = ("optimal", "optimal_inaccurate") if accept_inaccurate else ("optimal",)
    run = _sco_iterate(pb, z, w, _SCOSettings(max_iter, tol, reuse, shared_log, accepted))
    z, w, status, message = run.z, run.w, run.status, run.message
    cert = Certificate(
        kind="kkt_residual",
        value=kkt_residual(pb, z, w, active_tol=kkt_active_tol),
        tolerance=kkt_tol,
        detail="relative KKT residual of P2 (epigraph form) at the returned point, "
        f"functions within {kkt_active_tol:g} bits/s/Hz of the minimum active",
    )
    if status != "solver_error":
        status = settle(run.rule_met, cert, otherwise="max_iter")
        if status == "stalled":
            message = (
                message + "; " if message else ""
            ) + f"stopping rule met but the KKT residual {cert.value:.2e} exceeds {kkt_tol:.0e}"
        elif status == "max_iter":
            message = f"{max_iter} iterations; KKT residual {cert.value:.2e}"
    v = pb.beamformer(z)
    z_out = full.basis.conj().T @ v  # coordinates in the caller's basis
    return SCOResult(
        z=z_out,
        v=v,
        w=w,
        objective=pb.objective(z, w),
        compile_time=run.compile_time,
        status=status,
        iterations=run.iterations,
        history=as_history(run.history),
        elapsed=time.perf_counter() - t_start,
        message=message,
        certificate=cert,
    )


def _sco_start(full: AAUCProblem, z0, w0) -> tuple[np.ndarray, np.ndarray]:
    """Checked starting point of :func:`sco` (the default when neither is given)."""
    if z0 is None and w0 is None:
        return _default_start(full)
    if z0 is None or w0 is None:
        raise ValueError("give both z0 and w0, or neither")
    z = as_array(z0, "z0", shape=(full.n,), kind="complex")
    w = as_array(w0, "w0", shape=(full.m,), kind="complex")
    if full.power_slack(z, w) < -1e-9 * 2 * full.p_max:
        raise ValueError("z0, w0 must satisfy ||z0||^2 + ||w0||^2 <= 2 p_max")
    return z, w


class _SCORun(NamedTuple):
    """Where the iterations of :func:`sco` stopped, and their history."""

    z: np.ndarray
    w: np.ndarray
    status: str
    message: str
    iterations: int
    rule_met: bool
    compile_time: float
    history: dict


@dataclass(frozen=True)
class _SCOSettings:
    """Settings of the iterations of :func:`sco` (checked)."""

    max_iter: int
    tol: float
    reuse: bool
    shared_log: bool
    accepted: tuple[str, ...]


def _sco_iterate(pb: AAUCProblem, z, w, cfg: _SCOSettings) -> _SCORun:
    """SCO iterations on P2 from ``(z, w)``: solve P2[n+1], move there, until the rule."""
    hist = {
        "objective": [pb.objective(z, w)],
        "surrogate": [],
        "solve_time": [],
        "wall_time": [],
        "retries": [],
        "v": [pb.beamformer(z)],
        "w": [w],
    }
    status, message, compile_time = "max_iter", "", 0.0
    rule_met = False
    it = 0
    for it in range(1, cfg.max_iter + 1):
        t_it = time.perf_counter()
        values = sco_subproblem(pb, z, w)
        sub = _get(pb.n, pb.m, cfg.reuse, values, cfg.shared_log)
        info, n_retry, compiling = sub.solve(cfg.accepted)
        hist["retries"].append(n_retry)
        compile_time += compiling
        if not info.ok or sub.z.value is None:
            status = "solver_error"
            message = f"P2[{it}] subproblem: Clarabel status {info.status} {info.message}"
            it -= 1
            break
        z_new, w_new = _fit_power(pb, sub.z.value, sub.w.value)
        f_new = pb.objective(z_new, w_new)
        f_old = hist["objective"][-1]
        if f_new < f_old - 1e-7 * max(1.0, abs(f_old)):
            status = "solver_error"
            message = (
                f"P2[{it}]: objective decreased from {f_old:.9g} to {f_new:.9g} "
                f"(inaccurate subproblem solution, status {info.status})"
            )
            it -= 1
            break
        if f_new < f_old:
            # a decrease within the solver's accuracy: no further progress is measurable
            rule_met = True
            message = f"P2[{it}]: no improvement within solver accuracy; kept the last point"
            it -= 1
            break
        z, w = z_new, w_new
        hist["objective"].append(f_new)
        hist["v"].append(pb.beamformer(z))
        hist["w"].append(w)
        hist["surrogate"].append(info.value)
        hist["solve_time"].append(info.solve_time)
        hist["wall_time"].append(time.perf_counter() - t_it)
        if abs(f_new - f_old) <= cfg.tol * max(1.0, abs(f_old)):
            rule_met = True
            break
    return _SCORun(z, w, status, message, it, rule_met, compile_time, hist)
