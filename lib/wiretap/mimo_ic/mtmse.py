"""Baseline: minimum total MSE (MT-MSE) precoding with an eavesdropper-MSE constraint.

Our reading of the MT-MSE scheme the paper compares against (its ref. [5], Kong et al.,
2016): minimize the total MSE of all legitimate links, subject to each transmitter's power
budget and to the eavesdropper's MSE on that pair's streams staying above a threshold
``eta``. The paper gives only this criterion and the per-iteration costs (MMSE receivers,
Eve's receiver, a precoder update with a Lagrange multiplier); we fill in:

* no artificial noise (``Lambda_i = 0``) and estimated CSI treated as exact;
* legitimate receivers: MMSE filters; the eavesdropper cancels the other pairs (as in the
  paper's eq. (4)) and uses an MMSE filter, so its MSE is ``tr((I + V^H G^H G V)^{-1})``;
* the constraint ``tr((I + V^H G^H G V)^{-1}) >= eta`` is enforced through the sufficient
  convex condition ``||G V||_F^2 <= d_s (d_s / eta - 1)`` (Jensen's inequality on the
  eigenvalues), so every iterate meets it;
* precoders are updated one pair at a time (Gauss-Seidel), each update an exact convex
  minimization (a compiled second-order cone program), so the total MSE never increases.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from .. import convex, wmmse
from .._cache import CompiledCache
from .._linalg import herm
from .._validation import as_array, check_range
from ..results import Certificate, IterativeResult, as_history, settle
from ._checks import channels, check_instance, loop_settings, matrix, nonempty
from .model import Network, initial_precoders, interference_covariance, secrecy_rates

__all__ = ["MTMSEResult", "eve_mse", "run_mt_mse", "total_mse"]


def eve_mse(G, V) -> float:
    """Eavesdropper's MMSE on the streams of precoder ``V``: ``tr((I + V^H G^H G V)^{-1})``.

    Parameters
    ----------
    G : array_like, complex, shape (n_e, n_t)
        Eve's channel.
    V : array_like, complex, shape (n_t, d_s)
        Data precoder.

    Returns
    -------
    float
    """
    Gm = matrix(G, "G")
    Vm = matrix(V, "V", shape=(Gm.shape[1], None), match="the columns of G")
    GV = Gm @ Vm
    return float(np.real(np.trace(np.linalg.inv(herm(np.eye(GV.shape[1]) + GV.conj().T @ GV)))))


def total_mse(H, V) -> float:
    """Sum over pairs of the MMSE of each legitimate link (interference treated as noise).

    Parameters
    ----------
    H : array_like, complex, shape (K, K, n_r, n_t)
    V : array_like, complex, shape (K, n_t, d_s)

    Returns
    -------
    float
    """
    Hm = channels(H)
    K, _, _, n_t = Hm.shape
    Vm = as_array(V, "V", shape=(K, n_t, None), kind="complex", match="the pairs and columns of H")
    nonempty(Vm, "V")
    out = 0.0
    for i in range(K):
        N = interference_covariance(Hm, Vm, i) + np.eye(Hm.shape[2])
        out += float(np.real(np.trace(wmmse.mmse_matrix(Hm[i, i], Vm[i], N))))
    return out


@dataclass(frozen=True, kw_only=True)
class MTMSEResult(IterativeResult):
    """Outcome of :func:`run_mt_mse`.

    Attributes
    ----------
    X : ndarray, complex, shape (K, n_t, d_s + d_a)
        Designs in the common layout (the AN columns are zero).
    secrecy : ndarray, shape (K,)
        Secrecy rates on the true channels, bits/s/Hz.
    secrecy_estimate : ndarray, shape (K,)
        The same on the estimates.
    eve_mse : ndarray, shape (K,)
        Eavesdropper MMSE per pair on the estimates (each >= ``eta``).
    eta : float

    ``history["total_mse"]`` is non-increasing; ``history["secrecy"]`` (iterations + 1, K).
    """

    X: np.ndarray
    secrecy: np.ndarray
    secrecy_estimate: np.ndarray
    eve_mse: np.ndarray
    eta: float


class _PrecoderSOCP:
    """min ||A V - T||^2 s.t. ||G V||^2 <= c, ||V||^2 <= P (compiled once per size)."""

    def __init__(self, rows: int, n_t: int, n_e: int, d_s: int):
        self.V = cp.Variable((n_t, d_s), complex=True)
        self.A = cp.Parameter((rows, n_t), complex=True)
        self.T = cp.Parameter((rows, d_s), complex=True)
        self.G = cp.Parameter((n_e, n_t), complex=True)
        self.c = cp.Parameter(nonneg=True)
        self.P = cp.Parameter(nonneg=True)
        obj = cp.sum_squares(self.A @ self.V - self.T)
        cons = [cp.sum_squares(self.G @ self.V) <= self.c, cp.sum_squares(self.V) <= self.P]
        self.problem = convex.require_dpp(cp.Problem(cp.Minimize(obj), cons))


SOCP_CACHE = CompiledCache(maxsize=64)
"""Compiled precoder SOCPs keyed by size."""


def run_mt_mse(
    network: Network,
    *,
    eta: float | None = None,
    max_iter: int = 50,
    tol: float = 1e-4,
    cert_tol: float = 1e-3,
) -> MTMSEResult:
    """MT-MSE precoding (baseline of the paper's Fig. 4), our reading of its description.

    Parameters
    ----------
    network : Network
        Estimated channels (for the design) and true ones (for the reported secrecy rates).
    eta : float, optional
        Eavesdropper MSE threshold per pair, in ``(0, d_s)``; default ``d_s / 2`` (half of
        the largest possible MSE, i.e. 0.5 per stream).
    max_iter : int
        Maximum number of rounds.
    tol : float
        Stopping rule: the total MSE decreases by less than ``tol`` (relative) over a round.
    cert_tol : float
        Tolerance of the certificate (``kind="kkt_residual"``), computed after the loop: with
        the MMSE receivers of the returned precoders fixed, each pair's precoder subproblem
        (the compiled SOCP) is a convex majorizer of the total MSE in that pair's precoder,
        tight there and with the same gradient (the receivers are optimal). The certificate
        is ``sum_i (m_i(V_i) - min m_i) / total MSE``: the decrease of these majorizers still
        available by one exact block step of every pair from the returned point (a
        Frank-Wolfe-like gap; the first block step of a new round lowers the total MSE by at
        least its own term). It is zero exactly at a KKT point of the problem with the convex
        Eve constraint.

    Returns
    -------
    MTMSEResult
        ``"converged"`` (rule met, certificate holds), ``"stalled"`` (rule met, certificate
        fails), ``"max_iter"`` or ``"solver_error"`` (``message`` names the pair).

    Examples
    --------
    >>> from wiretap.mimo_ic import Scenario, draw_network
    >>> res = run_mt_mse(draw_network(Scenario(n_pairs=2, zeta=0.0), 0), max_iter=5)
    >>> bool(np.all(res.eve_mse >= res.eta - 1e-6))
    True
    """
    check_instance(network, "network", Network)
    sc = network.scenario
    d = sc.d_s
    eta = d / 2.0 if eta is None else eta
    eta = float(check_range(eta, "eta", 0.0, d, low_open=True, high_open=True))
    max_iter, tol, cert_tol = loop_settings(max_iter, tol, cert_tol)
    t0 = time.perf_counter()
    run = _MTMSERun(network, eta)
    hist = {"total_mse": [total_mse(run.H, run.V)], "secrecy": [run.secrecy()]}
    status, message, it, rule = "max_iter", "", 0, False
    for it in range(1, max_iter + 1):
        message = run.sweep(it)
        if message:
            status = "solver_error"
            break
        hist["total_mse"].append(total_mse(run.H, run.V))
        hist["secrecy"].append(run.secrecy())
        prev, cur = hist["total_mse"][-2], hist["total_mse"][-1]
        if prev - cur <= tol * max(prev, 1e-12):
            rule = True
            break
    cert = None
    if status != "solver_error":
        cert = run.certificate(hist["total_mse"][-1], cert_tol)
        status = settle(rule, cert, otherwise="max_iter")
        if status == "stalled":
            message = f"total MSE settled but the block gap is {cert.value:.2e} > {cert_tol:.0e}"
        elif status == "max_iter":
            message = f"{max_iter} rounds; block gap {cert.value:.2e} (tolerance {cert_tol:.0e})"
    X = run.layout()
    return MTMSEResult(
        status=status,
        iterations=len(hist["total_mse"]) - 1,
        history=as_history(hist),
        elapsed=time.perf_counter() - t0,
        message=message,
        certificate=cert,
        X=X,
        secrecy=secrecy_rates(network, X),
        secrecy_estimate=secrecy_rates(network, X, channel="estimate"),
        eve_mse=np.array([eve_mse(run.G[i], run.V[i]) for i in range(run.K)]),
        eta=eta,
    )


class _MTMSERun:
    """The state of one :func:`run_mt_mse` call: data precoders, the compiled SOCP, the cap."""

    def __init__(self, network: Network, eta: float):
        self.network = network
        sc = self.sc = network.scenario
        self.K, self.d = sc.n_pairs, sc.d_s
        self.H, self.G = network.H_hat, network.G_hat
        self.cap = self.d * (self.d / eta - 1.0)
        # start: the GEV data beams scaled down until every pair meets the Eve constraint
        self.V = initial_precoders(self.H, self.G, sc.power, self.d, sc.d_a)[:, :, : self.d].copy()
        for i in range(self.K):
            self.meet_cap(i)
        key = (self.K * self.d, sc.n_t, sc.n_e, self.d)
        self.prob = SOCP_CACHE.get(key, lambda: _PrecoderSOCP(*key))

    def meet_cap(self, i: int) -> None:
        leak = float(np.linalg.norm(self.G[i] @ self.V[i]) ** 2)
        if leak > self.cap:
            self.V[i] *= np.sqrt(self.cap / leak)

    def layout(self) -> np.ndarray:
        """The designs in the common ``(K, n_t, d_s + d_a)`` layout (zero AN columns)."""
        X = np.zeros((self.K, self.sc.n_t, self.sc.k), complex)
        X[:, :, : self.d] = self.V
        return X

    def secrecy(self) -> np.ndarray:
        return secrecy_rates(self.network, self.layout())

    def receivers(self) -> list[np.ndarray]:
        """MMSE receivers of all pairs for the current precoders."""
        H, V, n_r = self.H, self.V, self.sc.n_r
        return [
            wmmse.mmse_receiver(H[j, j], V[j], interference_covariance(H, V, j) + np.eye(n_r))
            for j in range(self.K)
        ]

    def set_block(self, i: int, U) -> tuple[np.ndarray, np.ndarray]:
        """Set the SOCP data of pair ``i``'s precoder for the receivers ``U``."""
        K, d, prob = self.K, self.d, self.prob
        rows = [U[j].conj().T @ self.H[j, i] for j in range(K)]
        targets = [np.eye(d) if j == i else np.zeros((d, d)) for j in range(K)]
        prob.A.value = np.vstack(rows)
        prob.T.value = np.vstack(targets)
        prob.G.value = self.G[i]
        prob.c.value = self.cap
        prob.P.value = self.sc.power
        return prob.A.value, prob.T.value

    def sweep(self, it: int) -> str:
        """One Gauss-Seidel round of exact precoder updates; an error message, or ``""``."""
        power = self.sc.power
        for i in range(self.K):
            self.set_block(i, self.receivers())
            info = convex.solve(self.prob.problem)
            if not info.ok:
                return f"round {it}, pair {i}: {info.status}"
            self.V[i] = np.asarray(self.prob.V.value, complex)
            nrm2 = float(np.linalg.norm(self.V[i]) ** 2)
            if nrm2 > power:
                self.V[i] *= np.sqrt(power / nrm2)
            self.meet_cap(i)
        return ""

    def certificate(self, total: float, cert_tol: float) -> Certificate:
        """The MM surrogate gap of :func:`run_mt_mse` at the current precoders."""
        U = self.receivers()
        gap = 0.0
        for i in range(self.K):
            A, T = self.set_block(i, U)
            info = convex.solve(self.prob.problem)
            if not info.ok:
                gap = float("nan")
                break
            gap += max(0.0, float(np.linalg.norm(A @ self.V[i] - T) ** 2) - info.value)
        return Certificate(
            kind="kkt_residual",
            value=gap / max(total, 1e-300),
            tolerance=cert_tol,
            detail="decrease of the per-pair MSE majorizers available by one exact block "
            "step each, relative to the total MSE (MM surrogate gap)",
        )
