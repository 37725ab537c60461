"""IRS variant of AAUC (paper Sec. VI, problems Q1-Q2, eqs. (44)-(45)).

Instead of re-transmitting, each helper carries a one-element intelligent reflecting
surface that scatters what it receives, ``c_k = (g_k^H v) u_k`` with ``|u_k| <= 1``, to user
``K``. There is one phase (no factor 1/2) and no extra transmit power, but the reflected
power can never exceed the received one (``|c_k|^2 <= |g_k^H v|^2``, eq. (45d)).

In noise-normalized units (``y`` the null-space coordinates of ``v``, ``a_k`` as in P2,
``c~_k = c_k / sigma_k``) problem Q2 reads

.. math:: \\max_{\\mathbf y, \\tilde{\\mathbf c}}\\ \\log_2\\big(1 + \\min[\\min_k
          |\\mathbf a_k^H \\mathbf y|^2, |\\mathbf h_r^H \\tilde{\\mathbf c}|^2]\\big)
          - \\log_2\\big(1 + \\tilde{\\mathbf c}^H \\mathrm{diag}(\\mathbf j_r)
          \\tilde{\\mathbf c}\\big)

subject to ``||y||^2 <= P_max`` and ``|c~_k|^2 <= |a_k^H y|^2``, with
``h_r = h_K sigma_k / sigma_K`` and ``j_r = lam J sigma_k^2 / sigma_E^2``. SCO linearizes
``|a_k^H y|^2`` (in the rates *and* in the reflection constraints, an inner approximation)
and ``|h_r^H c~|^2`` from below, and the leakage logarithm from above.
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
from ..results import IterativeResult, as_history
from ._solve import sca_verdict, solve_with_retry
from .angular import angular_matrix
from .large import equal_snr_beamformer
from .model import Scenario, null_space
from .problem import AAUCProblem

__all__ = ["IRSProblem", "IRSResult", "irs_sco"]

_LN2 = np.log(2.0)
_CACHE = CompiledCache(maxsize=16)
"""Compiled Q2 subproblems, keyed by ``(n, K - 1)``."""


@dataclass(frozen=True)
class IRSProblem:
    """Normalized data of Q2.

    Attributes
    ----------
    A : ndarray, complex, shape (n, K-1)
        ``a_k = U^H g_k / sigma_k`` (as in :class:`~wiretap.aauc.problem.AAUCProblem`).
    h : ndarray, complex, shape (K-1,)
        ``h_r``: reflection-to-user-``K`` coefficients for normalized ``c~``.
    j : ndarray, shape (K-1,)
        ``j_r`` (modelled eavesdropper gain per normalized reflection).
    p_max : float
        BS power budget ``||v||^2 <= P_max`` (W; one phase).
    basis : ndarray, complex, shape (N, n)
    """

    A: np.ndarray
    h: np.ndarray
    j: np.ndarray
    p_max: float
    basis: np.ndarray

    @classmethod
    def from_scenario(cls, scenario: Scenario, *, lam: float | None = None) -> IRSProblem:
        """Data of Q2 for one realization."""
        if not isinstance(scenario, Scenario):
            raise ValueError(f"scenario must be a Scenario, got {type(scenario).__name__}")
        p = scenario.params
        lam = p.lam if lam is None else float(lam)
        s2 = p.noise_power
        U = null_space(scenario.g_attacked)
        A = U.conj().T @ scenario.G[:, :-1] / np.sqrt(s2)
        J = angular_matrix(scenario.geometry, alpha=p.alpha, ref_gain=p.ref_gain)
        return cls(A=A, h=scenario.h_user.copy(), j=lam * J, p_max=p.p_max, basis=U)

    def reduced(self) -> IRSProblem:
        """Restrict ``y`` to ``span{a_k}``.

        Exact, as :meth:`~wiretap.aauc.problem.AAUCProblem.reduced`.
        """
        pb = AAUCProblem(A=self.A, h=self.h, j=self.j, p_max=self.p_max, basis=self.basis)
        r = pb.reduced()
        return IRSProblem(A=r.A, h=self.h, j=self.j, p_max=self.p_max, basis=r.basis)

    @property
    def m(self) -> int:
        """Number of helpers ``K - 1``."""
        return int(self.A.shape[1])

    def objective(self, y, c) -> float:
        """Q2 objective (before ``[.]^+``), bits/s/Hz, with exact SNRs."""
        snr = min(
            float(np.min(np.abs(self.A.conj().T @ y) ** 2)), float(abs(np.vdot(self.h, c)) ** 2)
        )
        leak = float(np.sum(self.j * np.abs(c) ** 2))
        return float(np.log2(1 + snr) - np.log2(1 + leak))


@dataclass(frozen=True, kw_only=True)
class IRSResult(IterativeResult):
    """Outcome of :func:`irs_sco`.

    Attributes
    ----------
    v : ndarray, complex, shape (N,)
        BS beamformer (``g_K^H v = 0``, ``||v||^2 <= P_max``).
    u : ndarray, complex, shape (K-1,)
        Reflection coefficients, ``|u_k| <= 1``.
    c : ndarray, complex, shape (K-1,)
        Normalized reflected amplitudes ``c~``.
    objective : float
        Q2 objective at the design (bits/s/Hz, before ``[.]^+``).
    history : dict
        ``"objective"`` per iteration (start included, non-decreasing); ``"v"`` and ``"c"``
        (iterates).
    """

    v: np.ndarray
    u: np.ndarray
    c: np.ndarray
    objective: float


class _IRSSubproblem:
    """One SCO step of Q2 as a compiled DPP problem (one per size).

    The reflections enter as ``c~ = s c_hat`` with a scale ``s`` of the order of
    ``|a_k^H y|`` (a Parameter), so that the variables and the reflection constraints are
    O(1): the reflected SNR is typically many orders of magnitude below the direct ones,
    which otherwise leaves Clarabel badly scaled.
    """

    def __init__(self, n: int, m: int):
        self.y = cp.Variable(n, complex=True)
        self.c = cp.Variable(m, complex=True)
        tau = cp.Variable()
        C = cp.Parameter((m, n), complex=True)
        b = cp.Parameter(m)
        Cs = cp.Parameter((m, n), complex=True)  # C / s^2
        bs = cp.Parameter(m)  # (b - 1) / s^2
        d = cp.Parameter(m, complex=True)
        bK = cp.Parameter()
        q = cp.Parameter(m, nonneg=True)
        e0 = cp.Parameter()
        p = cp.Parameter(nonneg=True)
        y, c = self.y, self.c
        cons = [
            tau <= b + 2 * cp.real(C @ y),  # 1 + |a_k^H y|^2 linearized from below
            tau <= bK + 2 * cp.real(d @ c),
            cp.square(cp.abs(c)) <= bs + 2 * cp.real(Cs @ y),  # (45d), inner approximation
            cp.sum_squares(y) <= p,
        ]
        obj = cp.log(tau) / _LN2 - cp.sum_squares(cp.multiply(q, c)) + e0
        self.problem = cp.Problem(cp.Maximize(obj), cons)
        convex.require_dpp(self.problem)
        self.params = {
            "C": C,
            "b": b,
            "Cs": Cs,
            "bs": bs,
            "d": d,
            "bK": bK,
            "q": q,
            "e0": e0,
            "p": p,
        }

    def set(self, pb: IRSProblem, y, c) -> float:
        """Set the parameters at ``(y, c)``; return the scale ``s``."""
        par = self.params
        a0 = pb.A.conj().T @ y
        s0 = np.vdot(pb.h, c)
        l0 = float(np.sum(pb.j * np.abs(c) ** 2))
        sc2 = max(float(np.max(np.abs(a0) ** 2)), 1e-300)  # s^2
        sc = np.sqrt(sc2)
        C = np.conj(a0)[:, None] * pb.A.conj().T
        par["C"].value = C
        par["b"].value = 1.0 - np.abs(a0) ** 2
        par["Cs"].value = C / sc2
        par["bs"].value = -(np.abs(a0) ** 2) / sc2
        par["d"].value = np.conj(s0) * np.conj(pb.h) * sc
        par["bK"].value = float(1.0 - abs(s0) ** 2)
        par["q"].value = np.sqrt(pb.j / (_LN2 * (1.0 + l0))) * sc
        par["e0"].value = float(l0 / (_LN2 * (1.0 + l0)) - np.log2(1.0 + l0))
        par["p"].value = pb.p_max
        return sc

    def solve(self) -> tuple[convex.SolveInfo, int]:
        return solve_with_retry(self.problem, ("optimal", "optimal_inaccurate"))


def irs_sco(
    problem: IRSProblem,
    *,
    max_iter: int = 50,
    tol: float = 1e-5,
    reduce: bool = True,
    gap_tol: float = 1e-3,
    v0=None,
    u0=None,
) -> IRSResult:
    """Solve Q2 (paper eq. (45)) by successive convex optimization.

    Default start: the equal-SNR beamformer of Proposition 2 at full power and full
    reflection ``|u_k| = 1`` with phases aligned to ``h_r``. Every step solves one compiled
    DPP problem; the objective never decreases.

    Parameters
    ----------
    problem : IRSProblem
    max_iter : int
    tol : float
        Relative improvement below which the iterations stop.
    reduce : bool
        Work in the reduced coordinates (exact).
    gap_tol : float
        Tolerance of the certificate: the surrogate gap at the returned point, i.e. the
        optimal value of the convex subproblem built there minus the Q2 objective there
        (bits/s/Hz, divided by ``max(1, |objective|)``; one extra conic solve). The
        subproblem is tight at its linearization point, so the gap is >= 0 (up to solver
        accuracy) and 0 at a KKT point of Q2.

    Returns
    -------
    IRSResult
        Status ``"converged"`` when the stopping rule fired (or a step made no progress)
        and the gap is at most ``gap_tol``; ``"stalled"`` when it fired but the gap is
        larger; ``"max_iter"``; ``"solver_error"``.

    Other Parameters
    ----------------
    v0 : array_like, complex, shape (N,), optional
        Starting BS beamformer (give ``u0`` too). It is projected onto the null space of
        ``g_K`` (the span of ``problem.basis``) and scaled down to ``||v||^2 <= P_max`` if
        needed.
    u0 : array_like, complex, shape (K-1,), optional
        Starting reflection coefficients, ``|u_k| <= 1``.

    Raises
    ------
    ValueError
        For a problem that is not an :class:`IRSProblem`, a bad setting, or a start of the
        wrong shape, with ``|u0_k| > 1``, or with only one of ``v0``, ``u0``.
    """
    if not isinstance(problem, IRSProblem):
        raise ValueError(f"problem must be an IRSProblem, got {type(problem).__name__}")
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = float(check_positive(tol, "tol"))
    gap_tol = float(check_positive(gap_tol, "gap_tol"))
    t0 = time.perf_counter()
    pb = problem.reduced() if reduce else problem
    y, c = _irs_start(problem, pb, v0, u0)
    sub = _CACHE.get((pb.A.shape[0], pb.m), lambda: _IRSSubproblem(pb.A.shape[0], pb.m))
    run = _irs_iterate(sub, pb, y, c, max_iter, tol)
    y, c, message, retries = run.y, run.c, run.message, run.retries
    status, cert = run.status, None
    if status != "solver_error":
        gap, n_retry = _irs_gap(sub, pb, y, c)
        retries += n_retry
        cert, status, message = sca_verdict(
            gap,
            gap_tol,
            "surrogate gap of Q2 at the returned point (subproblem value minus "
            "objective), relative to max(1, |objective|)",
            rule_met=run.rule_met,
            message=message,
            label="surrogate",
        )
    gv = pb.A.conj().T @ y
    u = np.divide(c, gv, out=np.zeros_like(c), where=np.abs(gv) > 0)
    u = u / np.maximum(np.abs(u), 1.0)
    return IRSResult(
        v=pb.basis @ y,
        u=u,
        c=c,
        objective=pb.objective(y, c),
        status=status,
        iterations=run.iterations,
        history=as_history({"objective": run.objective, "v": run.v, "c": run.c_history}),
        elapsed=time.perf_counter() - t0,
        message=message + (f" ({retries} solver retries)" if retries else ""),
        certificate=cert,
    )


def _irs_start(problem: IRSProblem, pb: IRSProblem, v0, u0) -> tuple[np.ndarray, np.ndarray]:
    """Starting ``(y, c~)`` of :func:`irs_sco` in the coordinates of ``pb``."""
    if v0 is None and u0 is None:
        helper = AAUCProblem(A=pb.A, h=pb.h, j=pb.j, p_max=pb.p_max, basis=pb.basis)
        y = equal_snr_beamformer(helper, pb.p_max)
        return y, np.abs(pb.A.conj().T @ y) * np.exp(1j * np.angle(pb.h))
    if v0 is None or u0 is None:
        raise ValueError("give both v0 and u0, or neither")
    v_start = as_array(v0, "v0", shape=(problem.basis.shape[0],), kind="complex")
    u_start = as_array(u0, "u0", shape=(pb.m,), kind="complex")
    if np.any(np.abs(u_start) > 1 + 1e-12):
        raise ValueError("u0 must satisfy |u0_k| <= 1")
    y = pb.basis.conj().T @ v_start
    ny = np.linalg.norm(y)
    if ny**2 > pb.p_max:
        y = y * np.sqrt(pb.p_max) / ny
    return y, (pb.A.conj().T @ y) * u_start


class _IRSRun(NamedTuple):
    """Where the SCO iterations of :func:`irs_sco` stopped, and their history."""

    y: np.ndarray
    c: np.ndarray
    status: str
    message: str
    iterations: int
    rule_met: bool
    retries: int
    objective: list
    v: list
    c_history: list


def _irs_iterate(sub: _IRSSubproblem, pb: IRSProblem, y, c, max_iter: int, tol: float) -> _IRSRun:
    """SCO iterations of Q2 from ``(y, c)``; the objective never decreases."""
    hist = [pb.objective(y, c)]
    vs, cs = [pb.basis @ y], [c]
    retries = 0
    status, message, it, rule_met = "max_iter", "", 0, False
    for it in range(1, max_iter + 1):
        sc = sub.set(pb, y, c)
        info, n_retry = sub.solve()
        retries += n_retry
        if not info.ok or sub.y.value is None:
            status, message = "solver_error", f"Q2 step {it}: status {info.status}"
            it -= 1
            break
        y_new, c_new = _irs_feasible(pb, sub.y.value, sub.c.value * sc)
        f_new = pb.objective(y_new, c_new)
        if f_new < hist[-1] - 1e-7 * max(1.0, abs(hist[-1])):
            status = "solver_error"
            message = f"Q2 step {it}: objective decreased ({hist[-1]:.9g} -> {f_new:.9g})"
            it -= 1
            break
        if f_new < hist[-1]:
            rule_met = True
            message = f"Q2 step {it}: no improvement within solver accuracy; kept the last point"
            it -= 1
            break
        y, c = y_new, c_new
        hist.append(f_new)
        vs.append(pb.basis @ y)
        cs.append(c)
        if abs(hist[-1] - hist[-2]) <= tol * max(1.0, abs(hist[-2])):
            rule_met = True
            break
    return _IRSRun(y, c, status, message, it, rule_met, retries, hist, vs, cs)


def _irs_feasible(pb: IRSProblem, y_new, c_new) -> tuple[np.ndarray, np.ndarray]:
    """Scale ``y`` into the power budget and enforce ``|c_k| <= |a_k^H y|`` exactly (the
    solver meets both only to its tolerance)."""
    ny = np.linalg.norm(y_new)
    if ny**2 > pb.p_max:
        y_new = y_new * np.sqrt(pb.p_max) / ny
    amp = np.abs(pb.A.conj().T @ y_new)
    c_new = np.where(np.abs(c_new) > amp, c_new * amp / np.maximum(np.abs(c_new), 1e-300), c_new)
    return y_new, c_new


def _irs_gap(sub: _IRSSubproblem, pb: IRSProblem, y, c) -> tuple[float, int]:
    """Relative surrogate gap of Q2 at ``(y, c)`` (one more conic solve) and its retries."""
    sub.set(pb, y, c)
    info, n_retry = sub.solve()
    f = pb.objective(y, c)
    return (info.value - f) / max(1.0, abs(f)) if info.ok else float("nan"), n_retry
