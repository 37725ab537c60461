"""Direct-transmission baseline and secrecy rates of designs against the actual eavesdropper.

Direct transmission (paper Sec. VII-A) multicasts to all ``K`` users in one phase with the
max-min-SNR beamformer, found by successive convex approximation in conic (second-order
cone) form: each step linearizes ``|g_k^H v|^2`` from below and solves an SOCP. The
eavesdropper is ignored by this design; that is the point of the comparison.

The evaluation functions compute secrecy rates with the eavesdropper's *actual* channels
(which no design knows). Our reading of the paper's evaluation (the text does not spell it
out): in AAUC the eavesdropper combines both phases, so its rate is
``1/2 log2(1 + |g_E^H v|^2/s2 + |h_E^H w|^2/s2)``; the first term vanishes only when
``g_E`` is parallel to ``g_K``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from .. import convex
from .._cache import CompiledCache
from .._validation import as_array, check_int, check_positive
from ..results import IterativeResult, as_history
from ._solve import sca_verdict, solve_with_retry
from .model import Scenario

__all__ = [
    "DirectResult",
    "aauc_rates",
    "aauc_secrecy_rate",
    "direct_multicast",
    "direct_secrecy_rate",
    "irs_secrecy_rate",
]

_CACHE = CompiledCache(maxsize=16)
"""Compiled multicast SOCPs, keyed by ``(N, K)``."""


@dataclass(frozen=True, kw_only=True)
class DirectResult(IterativeResult):
    """Outcome of :func:`direct_multicast`.

    Attributes
    ----------
    v : ndarray, complex, shape (N,)
        Multicast beamformer, ``||v||^2 <= P_max``.
    snr : float
        Smallest user SNR ``min_k |g_k^H v|^2 / sigma_k^2``.
    history : dict
        ``"snr"``: smallest SNR per iteration (start included, non-decreasing); ``"v"``:
        the iterates.
    """

    v: np.ndarray
    snr: float

    @property
    def power(self) -> float:
        """Transmit power ``||v||^2`` in W."""
        return float(np.sum(np.abs(self.v) ** 2))


def _check_scenario(scenario) -> Scenario:
    if not isinstance(scenario, Scenario):
        raise ValueError(f"scenario must be a Scenario, got {type(scenario).__name__}")
    return scenario


class _MulticastSOCP:
    """One step of the multicast SCA as a compiled DPP problem (one per size).

    ``max t`` s.t. ``t <= 2 Re(C v) + b`` and ``||v||^2 <= p``, where ``C`` and ``b`` hold
    the linearization of ``|g_k^H v|^2`` at the current ``v``.
    """

    def __init__(self, n: int, k: int):
        self.v = cp.Variable(n, complex=True)
        t = cp.Variable()
        self.C = cp.Parameter((k, n), complex=True)
        self.b = cp.Parameter(k)
        self.p = cp.Parameter(nonneg=True)
        self.problem = cp.Problem(
            cp.Maximize(t),
            [t <= 2 * cp.real(self.C @ self.v) + self.b, cp.sum_squares(self.v) <= self.p],
        )
        convex.require_dpp(self.problem)

    def set(self, G: np.ndarray, v: np.ndarray) -> None:
        """Linearize ``|g_k^H v|^2`` (the columns of ``G``) at ``v``."""
        u0 = G.conj().T @ v
        self.C.value = np.conj(u0)[:, None] * G.conj().T
        self.b.value = -(np.abs(u0) ** 2)

    def solve(self) -> convex.SolveInfo:
        return solve_with_retry(self.problem, ("optimal", "optimal_inaccurate"))[0]


def direct_multicast(
    scenario: Scenario, *, max_iter: int = 100, tol: float = 1e-5, gap_tol: float = 1e-2
) -> DirectResult:
    """Max-min-SNR multicast beamformer for direct transmission (paper Sec. VII-A, [54]).

    Solves ``max_v min_k |g_k^H v|^2 / sigma_k^2`` s.t. ``||v||^2 <= P_max`` by successive
    convex approximation: ``|g^H v|^2 >= 2 Re((g^H v0)^* g^H v) - |g^H v0|^2`` turns each
    step into a second-order cone program (one compiled DPP problem per size). The start
    is the equal-gain zero-forcing direction ``G (G^H G)^{-1} 1`` when ``K <= N``
    (otherwise the dominant eigenvector of ``sum_k g_k g_k^H / ||g_k||^2``), at full power.

    Parameters
    ----------
    scenario : Scenario
    max_iter : int
    tol : float
        Stop when the smallest SNR improves by less than ``tol`` relatively.
    gap_tol : float
        Tolerance of the certificate: the SCA model gap at the returned ``v``, i.e. the
        optimal value of the SOCP built at ``v`` minus the smallest SNR at ``v``, divided
        by that SNR (one extra SOCP solve). It is >= 0 and 0 exactly at a KKT point of
        the max-min problem (a first-order stationarity measure).

    Returns
    -------
    DirectResult
        Status ``"converged"`` when the stopping rule fired (or a step made no progress)
        and the model gap is at most ``gap_tol``; ``"stalled"`` when it fired but the gap
        is larger; ``"max_iter"``; ``"solver_error"``.
    """
    sc = _check_scenario(scenario)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = float(check_positive(tol, "tol"))
    gap_tol = float(check_positive(gap_tol, "gap_tol"))
    t0 = time.perf_counter()
    p = sc.params
    G = sc.G / np.sqrt(p.noise_power)
    n, k = G.shape
    if k <= n:
        v = G @ np.linalg.solve(G.conj().T @ G, np.ones(k))
    else:
        M = (G / np.linalg.norm(G, axis=0)) @ (G / np.linalg.norm(G, axis=0)).conj().T
        v = np.linalg.eigh(M)[1][:, -1]
    v = v * np.sqrt(p.p_max) / np.linalg.norm(v)
    socp = _CACHE.get((n, k), lambda: _MulticastSOCP(n, k))
    socp.p.value = p.p_max
    snr = [float(np.min(np.abs(G.conj().T @ v) ** 2))]
    vs = [v]
    status, message, it, rule_met = "max_iter", "", 0, False

    def model(v):
        socp.set(G, v)
        return socp.solve()

    for it in range(1, max_iter + 1):
        info = model(v)
        if not info.ok or socp.v.value is None:
            status, message = "solver_error", f"SCA step {it}: status {info.status}"
            it -= 1
            break
        v_new = socp.v.value
        nv = np.linalg.norm(v_new)
        if nv**2 > p.p_max:
            v_new = v_new * np.sqrt(p.p_max) / nv
        s_new = float(np.min(np.abs(G.conj().T @ v_new) ** 2))
        if s_new < snr[-1] * (1 - 1e-9):
            rule_met, message = True, f"SCA step {it} did not improve; stopped"
            it -= 1
            break
        v = v_new
        snr.append(s_new)
        vs.append(v)
        if s_new - snr[-2] <= tol * max(1.0, snr[-2]):
            rule_met = True
            break
    cert = None
    if status != "solver_error":
        info = model(v)
        gap = (info.value - snr[-1]) / max(snr[-1], 1e-300) if info.ok else float("nan")
        cert, status, message = sca_verdict(
            gap,
            gap_tol,
            "SCA model gap at the returned v (SOCP value minus smallest SNR), "
            "relative to the smallest SNR",
            rule_met=rule_met,
            message=message,
            label="model",
        )
    return DirectResult(
        v=v,
        snr=snr[-1],
        status=status,
        iterations=it,
        history=as_history({"snr": snr, "v": vs}),
        elapsed=time.perf_counter() - t0,
        message=message,
        certificate=cert,
    )


def aauc_rates(scenario: Scenario, v, w) -> dict:
    """Rates of an AAUC design against the actual eavesdropper (bits/s/Hz).

    Returns
    -------
    dict
        ``"legit"``: ``R`` of paper eq. (7); ``"eve"``: the eavesdropper's rate combining
        both phases; ``"secrecy"``: ``[R - R_E]^+``; ``"leak_bs"``: ``|g_E^H v|^2/s2``;
        ``"leak_helpers"``: ``|h_E^H w|^2/s2``; ``"secrecy_coop"``: the secrecy rate of
        paper eq. (6), ``[R - 1/2 log2(1 + |h_E^H w|^2/s2)]^+``, where the eavesdropper
        hears the cooperation phase only (exact when ``g_E`` is parallel to ``g_K``, the
        paper's assumption; optimistic otherwise).
    """
    sc = _check_scenario(scenario)
    p = sc.params
    v = as_array(v, "v", shape=(p.n_antennas,), kind="complex")
    w = as_array(w, "w", shape=(p.n_users - 1,), kind="complex")
    s2 = p.noise_power
    snr_k = np.abs(sc.G[:, :-1].conj().T @ v) ** 2 / s2
    snr_K = abs(np.vdot(sc.h_user, w)) ** 2 / s2
    legit = 0.5 * np.log2(1.0 + min(float(snr_k.min()), snr_K))
    e1 = abs(np.vdot(sc.g_eve, v)) ** 2 / s2
    e2 = abs(np.vdot(sc.h_eve, w)) ** 2 / s2
    eve = 0.5 * np.log2(1.0 + e1 + e2)
    return {
        "legit": legit,
        "eve": eve,
        "secrecy": max(legit - eve, 0.0),
        "leak_bs": e1,
        "leak_helpers": e2,
        "secrecy_coop": max(legit - 0.5 * np.log2(1.0 + e2), 0.0),
    }


def aauc_secrecy_rate(scenario: Scenario, v, w) -> float:
    """``[R - R_E]^+`` of an AAUC design (see :func:`aauc_rates`), bits/s/Hz."""
    return float(aauc_rates(scenario, v, w)["secrecy"])


def direct_secrecy_rate(scenario: Scenario, v) -> float:
    """Secrecy rate of direct transmission (one phase, bits/s/Hz).

    ``[min_k log2(1 + |g_k^H v|^2/s2) - log2(1 + |g_E^H v|^2/s2)]^+``.
    """
    sc = _check_scenario(scenario)
    p = sc.params
    v = as_array(v, "v", shape=(p.n_antennas,), kind="complex")
    s2 = p.noise_power
    legit = np.log2(1.0 + float(np.min(np.abs(sc.G.conj().T @ v) ** 2)) / s2)
    eve = np.log2(1.0 + abs(np.vdot(sc.g_eve, v)) ** 2 / s2)
    return float(max(legit - eve, 0.0))


def irs_secrecy_rate(scenario: Scenario, v, u) -> float:
    """Secrecy rate of the IRS scheme (one phase, paper Sec. VI), bits/s/Hz.

    The element at helper ``k`` reflects ``c_k = (g_k^H v) u_k`` (``|u_k| <= 1``); user
    ``K`` receives ``h_K^H c`` (``g_K^H v = 0``), helper ``k`` receives ``g_k^H v``, and the
    eavesdropper ``g_E^H v + h_E^H c``.
    """
    sc = _check_scenario(scenario)
    p = sc.params
    v = as_array(v, "v", shape=(p.n_antennas,), kind="complex")
    u = as_array(u, "u", shape=(p.n_users - 1,), kind="complex")
    if np.any(np.abs(u) > 1 + 1e-9):
        raise ValueError("u must satisfy |u_k| <= 1")
    s2 = p.noise_power
    gv = sc.G[:, :-1].conj().T @ v
    c = gv * u
    snr_k = np.abs(gv) ** 2 / s2
    snr_K = abs(np.vdot(sc.h_user, c) + np.vdot(sc.g_attacked, v)) ** 2 / s2
    legit = np.log2(1.0 + min(float(snr_k.min()), snr_K))
    eve = np.log2(1.0 + abs(np.vdot(sc.g_eve, v) + np.vdot(sc.h_eve, c)) ** 2 / s2)
    return float(max(legit - eve, 0.0))
