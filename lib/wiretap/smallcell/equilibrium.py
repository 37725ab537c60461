"""Variational equilibria of the GRNEP on every network: a semismooth Newton method on the
KKT system of the VI, with multistarts.

Algorithm 1 (best responses at a fixed price) can cycle on Table I networks, and Algorithm 2
then never returns. This module solves the same game without following the best responses.
It writes the KKT conditions of the VI (19)-(20) (each SBS's problem (15), with one multiplier
``κ_n`` per MUE shared by all SBSs: the priced game (27) together with the NCP (26)) as one
complementarity problem, and solves it by a semismooth Newton method on the
Fischer-Burmeister reformulation, globalized by a projected Armijo line search with
Levenberg-Marquardt and scaled-gradient fallbacks. Its solutions are the *variational*
equilibria of the GRNEP (Theorem 3). Every answer is certified at the returned point by the
NCP (29) residuals and the Nikaido-Isoda gap of the priced game, computed with the exact best
responses (33).

The complementarity system, per SBS ``j``, channel ``k`` and MUE ``n``::

    0 <= p_j(k)    ⊥  -∂C̄_j/∂p_j(k) + Σ_n κ_n ∂ζ_n/∂p_j(k) + μ_j + ν_j(k) >= 0
    0 <= ν_j(k)    ⊥  p_j^msk - p_j(k) >= 0
    0 <= μ_j       ⊥  p_j^max - Σ_k p_j(k) >= 0
    0 <= κ_n       ⊥  -ζ_n(p) >= 0

Each power row is multiplied by a positive weight, ``(1/a + p)(1/b + p) b`` on a channel with
secrecy, which turns ``-∂C̄_j/∂p_j(k)`` into ``b/a - 1`` (a row nearly linear in the powers,
as in the best-response solver). On a channel without secrecy (``a_j(k) <= b_j(k)``) the
robust rate is zero whatever the power, and the exact best response puts no power there. The
first phase uses the surrogate ``1 - a/b >= 0`` (weighted) there, which forces ``p_j(k) = 0``
and joins the other side with a continuous derivative; a run that fails continues on the VI
itself (gradient zero there), whose solutions include equilibria in which an SBS keeps power
on such a channel, indifferent between all powers there.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._validation import as_generator, check_choice, check_int, check_positive
from ..results import Certificate, IterativeResult, settle
from .algorithms import (
    SCHEMES,
    _best_responses,
    _check_kappa,
    _design,
    _eq_residual,
    initial_power,
)
from .core import Stack, network_list, stack
from .network import Network

__all__ = [
    "EquilibriumSet",
    "VIResult",
    "distinct_equilibria",
    "vi_equilibria",
    "vi_equilibrium",
    "vi_many",
]

_FTOL = 1e-11  # stopping rule on the Fischer-Burmeister residual (scaled units)
_SIGMA = 1e-4  # Armijo constant
_NONMONO = 8  # Newton steps may raise ψ above the largest of its last _NONMONO values
_LOOSE = 1e-6  # a run that stalls below this residual is handed to the certificate
_STALL = 20  # iterations over which the residual must at least halve
_REGULAR = 1e-5  # br_distance at or below which a certified equilibrium is "regular"
_SNAP = 1e-8  # entries below this on the zero side of their pair are set to 0 at the end
_GAP_TOL = 1e-9  # Nikaido-Isoda gap (nats per SBS) below which a profile is an equilibrium
_DELTA = 1e-9  # smoothing of ||p|| in the price term, relative to ||p_max||


@dataclass(frozen=True, kw_only=True)
class VIResult(IterativeResult):
    """Outcome of :func:`vi_equilibrium`: a variational equilibrium of the GRNEP and its
    price.

    Attributes
    ----------
    p : ndarray, shape (J, K)
        Powers (W).
    kappa : ndarray, shape (N,)
        Prices, the multipliers of the worst-case interference constraints (nats/W).
    mu : ndarray, shape (J,)
        Multipliers of the power budgets (nats/W).
    zeta : ndarray, shape (N,)
        ``ζ_n(p)`` on the design network (W).
    start : str
        Which starting point this run used (``"given"`` for a pair ``(p, κ)``).
    formulation : str
        ``"tie-break"``: solved on the system that pushes power off channels without
        secrecy; ``"exact"``: that run failed and its continuation on the VI itself
        succeeded (see :func:`vi_equilibrium`).
    br_distance : float
        ``||BR(p) - p|| / max(||p||, 1e-9 ||p_max||)`` with the exact best responses (33)
        and their rule "no power on a channel without secrecy" (NaN unless the stopping
        rule was met). Small at a fixed point of Algorithm 1; large at an equilibrium
        where an SBS is indifferent: it puts power on a channel with ``a_j(k) = b_j(k)``,
        where any power is a best response.

    Notes
    -----
    History: ``"merit"``, the Fischer-Burmeister residual ``max_i |φ(z_i, H_i(z))|`` (scaled
    units) at every iterate, of both phases when the run continued on the VI itself;
    ``"step"``, the step taken at each iteration: 2 Newton, 1 Levenberg-Marquardt, 0 scaled
    projected gradient.

    Stopping rule: the residual is at most 1e-11, or the iteration stops making progress
    (the residual does not halve in 20 iterations) at a residual of at most 1e-6.
    Certificate: ``"grnep_gap"``, tolerance 1, computed at the returned ``(p, κ)``: the
    largest of the NCP (29) residuals ``[ζ_n]^+ / I_n`` and ``|ζ_n| / I_n`` (where
    ``κ_n > 0``) over ``tol``, and of the Nikaido-Isoda gap of the priced game (the most an
    SBS gains by deviating to its exact best response (33), nats) over 1e-9. It holds at an
    equilibrium of the GRNEP (Theorem 3), regular or not. ``"stalled"``: no progress far from
    a solution (a stationary point of the merit function; try another start), or the rule was
    met while the certificate fails.
    """

    p: np.ndarray
    kappa: np.ndarray
    mu: np.ndarray
    zeta: np.ndarray
    start: str
    formulation: str = "tie-break"
    br_distance: float = float("nan")

    @property
    def regular(self) -> bool:
        """True for a certified equilibrium that is also a fixed point of the exact best
        responses with their tie-break (``br_distance <= 1e-5``): one Algorithm 1 could
        stop at. False for an equilibrium where an SBS is indifferent on a channel."""
        return self.success and bool(self.br_distance <= _REGULAR)


# ----------------------------------------------------------------------------- the MCP
class _MCP:
    """The scaled complementarity system of ``T`` networks (same J, K, N).

    Variables ``z = (p̃, ν̃, μ̃, κ̃) >= 0`` with ``p = m p̃`` (``m`` the mask of the SBS),
    ``ν̃ = m ν``, ``μ̃ = m μ`` (nats) and ``κ = κ̄ κ̃`` with ``κ̄_n = 1 / (m̄ ||ĥ_n||)``, so
    that every entry of ``H`` is of order one.
    """

    def __init__(self, S: Stack, exact: bool = False):
        self.S = S
        self.exact = exact  # True: the VI itself (no push to zero on a channel without secrecy)
        T, J, K, N = S.T, S.J, S.K, S.N
        self.T, self.J, self.K, self.N = T, J, K, N
        self.JK = J * K
        self.n = 2 * self.JK + J + N
        self.m = S.p_mask  # (T, J)
        self.nb = S.gd + S.rd  # (T, J, K)
        hm_norm = np.linalg.norm(S.hm.reshape(T, N, -1), axis=2)
        self.kbar = 1.0 / (S.p_mask.mean(axis=1)[:, None] * np.maximum(hm_norm, 1e-300))
        self.delta = _DELTA * np.linalg.norm(S.p_max, axis=1)  # (T,)
        self.h_T = np.transpose(S.h_off, (0, 2, 1, 3))  # [t, j, i, k] = h_ij(k)
        self.g_T = np.transpose(S.g_off, (0, 2, 1, 3))
        self.eyeK = np.eye(K)
        self.eyeJK = np.eye(self.JK)

    def split(self, z):
        T, J, K, JK = z.shape[0], self.J, self.K, self.JK
        return (
            z[:, :JK].reshape(T, J, K),
            z[:, JK : 2 * JK].reshape(T, J, K),
            z[:, 2 * JK : 2 * JK + J],
            z[:, 2 * JK + J :],
        )

    def powers(self, z, rows=None):
        m = self.m if rows is None else self.m[rows]
        return m[:, :, None] * self.split(z)[0]

    def prices(self, z, rows=None):
        kb = self.kbar if rows is None else self.kbar[rows]
        return kb * self.split(z)[3]

    def weights(self, z, rows):
        """The positive row weights ``w`` (R, J, K) of the power rows at ``z``."""
        S = self.S
        p = self.powers(z, rows)
        p0 = S.p0[rows][:, None, :]
        noise = S.noise[rows][:, None, None]
        x = (np.einsum("tjik,tik->tjk", self.h_T[rows], p) + p0 * S.h0[rows] + noise) / S.hd[rows]
        sq = (p**2).sum(axis=1, keepdims=True)
        on = np.sqrt(np.maximum(sq - p**2 + p0**2, 1e-300))
        y = (
            np.einsum("tjik,tik->tjk", self.g_T[rows], p)
            + p0 * S.g0[rows]
            + noise
            - S.rc[rows] * on
        ) / self.nb[rows]
        yh = np.where(x < y, y, x)
        return (x + p) * (yh + p) / yh

    def fill_multipliers(self, z, rows):
        """Set ``μ̃, ν̃`` in ``z`` (in place) to the multipliers that make the power rows
        vanish where that is possible: exact at a KKT point given its powers and prices."""
        T, J, K, JK = z.shape[0], self.J, self.K, self.JK
        z[:, JK : 2 * JK + J] = 0.0
        H, _ = self.evaluate(z, rows, jac=False)
        m = self.m[rows]
        need = np.maximum(-H[:, :JK].reshape(T, J, K) * m[:, :, None] / self.weights(z, rows), 0)
        pt = self.split(z)[0]
        on = pt > 1e-12
        tight = pt.sum(axis=2) >= (self.S.p_max[rows] / m) * (1 - 1e-9)
        mu = np.where(tight, np.where(on, need, np.inf).min(axis=2), 0.0)
        mu = np.where(np.isfinite(mu), mu, 0.0)
        nu = np.where(pt >= 1 - 1e-12, np.maximum(need - mu[:, :, None], 0.0), 0.0)
        z[:, JK : 2 * JK] = nu.reshape(T, JK)
        z[:, 2 * JK : 2 * JK + J] = mu

    def evaluate(self, z, rows, jac: bool):
        """``H(z)`` (R, n) and, if ``jac``, its Jacobian (R, n, n), for the trials ``rows``."""
        S = self.S
        R, J, K, N, JK = z.shape[0], self.J, self.K, self.N, self.JK
        pt, nu, mu, kt = self.split(z)
        m = self.m[rows]
        p = m[:, :, None] * pt
        p0 = S.p0[rows][:, None, :]
        hd, nb, rc = S.hd[rows], self.nb[rows], S.rc[rows]
        noise = S.noise[rows][:, None, None]
        h_T, g_T = self.h_T[rows], self.g_T[rows]
        x = (np.einsum("tjik,tik->tjk", h_T, p) + p0 * S.h0[rows] + noise) / hd
        sq = (p**2).sum(axis=1, keepdims=True)
        on = np.sqrt(np.maximum(sq - p**2 + p0**2, 1e-300))
        y = (np.einsum("tjik,tik->tjk", g_T, p) + p0 * S.g0[rows] + noise - rc * on) / nb
        useful = x < y
        xp = x + p
        yh = np.where(useful, y, x)  # ŷ = max(x, y)
        w = xp * (yh + p) / yh  # positive weight of the row: (x - y) / ŷ = w G
        kap = self.kbar[rows] * kt  # (R, N)
        rm = S.rm[rows]  # (R, N)
        hm = S.hm[rows]  # (R, N, J, K)
        rho = np.sqrt((p**2).sum(axis=(1, 2)) + self.delta[rows] ** 2)  # (R,)
        gradz = hm + (rm / rho[:, None])[:, :, None, None] * p[:, None]  # (R, N, J, K)
        mj = m[:, :, None]
        Sg = np.einsum("tn,tnjk->tjk", kap, gradz) + (mu[:, :, None] + nu) / mj
        gap = np.minimum(x - y, 0.0) if self.exact else x - y
        Hp = gap / yh + w * Sg
        Hn = 1.0 - pt
        Hm = S.p_max[rows] / m - pt.sum(axis=2)
        ith = S.i_th[rows]
        zeta = np.einsum("tnjk,tjk->tn", hm, p) + rm * rho[:, None] - ith
        Hk = -zeta / ith
        H = np.concatenate([Hp.reshape(R, JK), Hn.reshape(R, JK), Hm, Hk], axis=1)
        if not jac:
            return H, None
        # per channel: D[t, j, i, k] = ∂Hp_j(k)/∂p_i(k) without the price curvature
        dx = h_T / hd[:, :, None, :]  # ∂x_j/∂p_i (zero for i = j)
        dy = (g_T - (rc / on)[:, :, None, :] * p[:, None, :, :]) / nb[:, :, None, :]
        idx = np.arange(J)
        dy[:, idx, idx, :] = 0.0
        dyh = np.where(useful[:, :, None, :], dy, dx)
        yh4, xp4, p4 = yh[:, :, None, :], xp[:, :, None, :], p[:, :, None, :]
        dw = dx * (yh4 + p4) / yh4 - xp4 * p4 * dyh / yh4**2
        dw[:, idx, idx, :] = (xp + yh + p) / yh
        dr = (dx - dy) / yh4 - (x - y)[:, :, None, :] * dyh / yh4**2
        if self.exact:
            dr = np.where(useful[:, :, None, :], dr, 0.0)
        D = (dr + dw * Sg[:, :, None, :]) * m[:, None, :, None]
        A5 = np.zeros((R, J, K, J, K))
        for k in range(K):
            A5[:, :, k, :, k] = D[..., k]
        A = A5.reshape(R, JK, JK)
        # price curvature Σ_n κ_n r_n ∇²||p||, times w / m_j, in scaled variables
        s = (kap * rm).sum(axis=1)  # (R,)
        wr = w.reshape(R, JK)
        pf = p.reshape(R, JK)
        mm = np.repeat(m, K, axis=1)  # (R, JK)
        A += (
            (s / rho)[:, None, None]
            * wr[:, :, None]
            * (
                self.eyeJK[None] * mm[:, None, :]
                - pf[:, :, None] * (pf * mm)[:, None, :] / rho[:, None, None] ** 2
            )
        )
        Jac = np.zeros((R, self.n, self.n))
        a0, a1, a2 = JK, 2 * JK, 2 * JK + J
        Jac[:, :a0, :a0] = A
        wm = wr / mm
        Jac[:, :a0, a0:a1] = self.eyeJK[None] * wm[:, :, None]
        rowj = np.repeat(np.arange(J), K)
        Jac[:, np.arange(JK), a1 + rowj] = wm
        mg = (m[:, None, :, None] * gradz).reshape(R, N, JK)  # m_j ∂ζ_n/∂p_j(k)
        gz = gradz.reshape(R, N, JK) * wr[:, None, :] * self.kbar[rows][:, :, None]
        Jac[:, :a0, a2:] = np.transpose(gz, (0, 2, 1))
        Jac[:, a0:a1, :a0] = -self.eyeJK
        Jac[:, a1 + rowj, np.arange(JK)] = -1.0
        Jac[:, a2:, :a0] = -mg / ith[:, :, None]
        return H, Jac


def _fb(z, H):
    """Fischer-Burmeister residual ``φ(a, b) = sqrt(a² + b²) - a - b`` and the diagonal
    factors of an element of its generalized Jacobian (at ``(0, 0)`` the direction
    ``(1, 1)/√2``)."""
    r = np.sqrt(z * z + H * H)
    phi = r - z - H
    zero = r == 0
    rs = np.where(zero, 1.0, r)
    da = np.where(zero, 1.0 / np.sqrt(2.0), z / rs) - 1.0
    db = np.where(zero, 1.0 / np.sqrt(2.0), H / rs) - 1.0
    return phi, da, db


def _merit(mcp: _MCP, z, rows):
    H, _ = mcp.evaluate(z, rows, jac=False)
    phi = _fb(z, H)[0]
    return 0.5 * (phi**2).sum(axis=1)


def _arc_search(mcp: _MCP, z, d, rows, psi, grad, halvings: int, ref=None):
    """Armijo search along the projected arc ``P(z + t d)`` (``P``: onto ``z >= 0``).

    Accepts ``t`` when ``ψ(z(t)) <= ψ(z) + σ ∇ψ·(z(t) - z)`` and ``ψ`` decreases; with
    ``ref`` (non-monotone search), when ``ψ(z(t)) <= ref + σ ∇ψ·(z(t) - z)``. Returns the
    new points and a mask of the rows that found one.
    """
    R = z.shape[0]
    t_ = np.ones(R)
    todo = np.ones(R, dtype=bool)
    z_new = z.copy()
    for _ in range(halvings):
        w = np.flatnonzero(todo)
        if w.size == 0:
            break
        cand = np.maximum(z[w] + t_[w, None] * d[w], 0.0)
        psic = _merit(mcp, cand, rows[w])
        slope = np.einsum("ti,ti->t", grad[w], cand - z[w])
        if ref is None:
            acc = np.isfinite(psic) & (psic <= psi[w] + _SIGMA * slope) & (psic < psi[w])
        else:
            acc = np.isfinite(psic) & (psic <= ref[w] + _SIGMA * np.minimum(slope, 0.0))
        z_new[w[acc]] = cand[acc]
        todo[w[acc]] = False
        t_[w[~acc]] *= 0.5
    return z_new, ~todo


def _newton(mcp: _MCP, Z0: np.ndarray, max_iter: int, nonmonotone: bool = False):
    """Projected semismooth Newton method on ``Φ(z) = 0``, ``z >= 0``, for all trials.

    Each iteration tries, in turn, along the projected arc ``P(z + t d)``: the Newton
    direction ``M d = -Φ`` (``M`` an element of the generalized Jacobian), the
    Levenberg-Marquardt direction ``(MᵀM + λI) d = -∇ψ`` (``λ = min(||Φ||, 1)``), and the
    diagonally scaled gradient ``d = -∇ψ / (diag(MᵀM) + λ)``; the first that passes the
    Armijo test is taken. The last always does unless ``z`` is a stationary point of
    ``ψ = ||Φ||²/2`` on ``z >= 0``; the row is then ``stalled``.

    Returns ``(Z, iterations, rule_met, stalled, merit history, step-kind history)``; the
    step kind is 2 (Newton), 1 (Levenberg-Marquardt) or 0 (gradient).
    """
    T = Z0.shape[0]
    Z = np.maximum(Z0, 0.0)
    iters = np.zeros(T, dtype=int)
    met = np.zeros(T, dtype=bool)
    stalled = np.zeros(T, dtype=bool)
    active = np.ones(T, dtype=bool)
    hist_m: list[list[float]] = [[] for _ in range(T)]
    hist_n: list[list[int]] = [[] for _ in range(T)]
    hist_p: list[list[float]] = [[] for _ in range(T)]  # merit ψ, for the non-monotone test
    for it in range(max_iter + 1):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        z = Z[rows]
        H, Jh = mcp.evaluate(z, rows, jac=True)
        phi, da, db = _fb(z, H)
        res = np.abs(phi).max(axis=1)
        for r, t in enumerate(rows):
            hist_m[t].append(float(res[r]))
        done = res <= _FTOL
        met[rows[done]] = True
        active[rows[done]] = False
        if it >= _STALL:  # no progress: the residual has not halved in _STALL iterations
            slow = np.array([hist_m[t][-1] > 0.5 * hist_m[t][-1 - _STALL] for t in rows])
            slow &= ~done
            stalled[rows[slow]] = True
            active[rows[slow]] = False
            done |= slow
        if it == max_iter:
            break
        keep = ~done
        if not keep.any():
            continue
        rows, z, Jh, phi, da, db = (v[keep] for v in (rows, z, Jh, phi, da, db))
        R, n = z.shape
        eye = np.eye(n)[None]
        M = da[:, :, None] * eye + db[:, :, None] * Jh
        psi = 0.5 * (phi**2).sum(axis=1)
        for r, t in enumerate(rows):
            hist_p[t].append(float(psi[r]))
        grad = np.matmul(phi[:, None, :], M)[:, 0, :]
        lam = np.minimum(np.sqrt(2.0 * psi), 1.0)
        z_new = z.copy()
        kind = np.full(R, -1)
        # 1. Newton
        # a tiny diagonal shift keeps an exactly singular M solvable; the step is then
        # huge, fails the line search, and the Levenberg-Marquardt step takes over
        shift = 1e-13 * np.abs(M).max(axis=(1, 2))[:, None, None] * eye
        with np.errstate(all="ignore"):
            dn = np.linalg.solve(M + shift, -phi[:, :, None])[:, :, 0]
        ok = np.all(np.isfinite(dn), axis=1)
        w = np.flatnonzero(ok)
        if w.size:
            ref = np.array([max(hist_p[t][-_NONMONO:]) for t in rows[w]]) if nonmonotone else None
            zn, acc = _arc_search(mcp, z[w], dn[w], rows[w], psi[w], grad[w], 8, ref)
            z_new[w[acc]] = zn[acc]
            kind[w[acc]] = 2
        # 2. Levenberg-Marquardt
        w = np.flatnonzero(kind < 0)
        if w.size:
            MtM = np.matmul(np.transpose(M[w], (0, 2, 1)), M[w])
            dl = -np.linalg.solve(MtM + lam[w, None, None] * eye, grad[w][:, :, None])[:, :, 0]
            zn, acc = _arc_search(mcp, z[w], dl, rows[w], psi[w], grad[w], 10)
            z_new[w[acc]] = zn[acc]
            kind[w[acc]] = 1
            # 3. scaled projected gradient
            w2 = np.flatnonzero(kind < 0)
            if w2.size:
                sel = np.searchsorted(w, w2)
                dg = -grad[w2] / (np.einsum("tii->ti", MtM[sel]) + lam[w2, None])
                zn, acc = _arc_search(mcp, z[w2], dg, rows[w2], psi[w2], grad[w2], 20)
                z_new[w2[acc]] = zn[acc]
                kind[w2[acc]] = 0
        fail = kind < 0
        for r, t in enumerate(rows):
            if kind[r] >= 0:
                hist_n[t].append(int(kind[r]))
        Z[rows[~fail]] = z_new[~fail]
        iters[rows[~fail]] = it + 1
        stalled[rows[fail]] = True
        active[rows[fail]] = False
    return Z, iters, met, stalled, hist_m, hist_n


# ----------------------------------------------------------------------------- certificate
def _priced_utility(S: Stack, P: np.ndarray, Q: np.ndarray, kappa: np.ndarray) -> np.ndarray:
    """Priced utility (27a) of every SBS ``j`` playing ``Q[:, j]`` against ``P[:, -j]``:
    robust secrecy (21) in nats minus ``Σ_n κ_n ζ_n`` (up to terms free of ``Q_j``).
    Shape (T, J)."""
    a, b = S.a(P), S.b(P, True)
    fin = np.isfinite(b)
    rate = np.log1p(Q * a) - np.log1p(Q * np.where(fin, b, 0.0))
    rate = np.where(fin | (Q == 0), np.maximum(rate, 0.0), 0.0).sum(axis=2)
    lin = np.einsum("tn,tnjk,tjk->tj", kappa, S.hm, Q)
    s = np.maximum((P**2).sum(axis=(1, 2))[:, None] - (P**2).sum(axis=2), 0.0)
    norm = np.sqrt(s + (Q**2).sum(axis=2))
    return rate - lin - (kappa * S.rm).sum(axis=1)[:, None] * norm


def _utility_gap(S: Stack, P: np.ndarray, kappa: np.ndarray):
    """Nikaido-Isoda gap ``max_j [U_j(BR_j(p_{-j})) - U_j(p_j)]`` (nats, >= 0 up to
    rounding) with the exact best responses (33); NaN where a best response failed. Zero
    exactly at an equilibrium of the priced game, also where a best response is not unique
    (an SBS indifferent on a channel without secrecy)."""
    J = S.J
    br, ok, _ = _best_responses(S, P, kappa, np.arange(J))
    gap = _priced_utility(S, P, br, kappa) - _priced_utility(S, P, P, kappa)
    return np.where(ok, np.maximum(gap.max(axis=1), 0.0), np.nan)


def _vi_certificates(S: Stack, kappa, P, status, msgs, tol: float):
    """GRNEP certificates of the rows whose stopping rule was met: NCP (29) residuals over
    ``tol`` and the Nikaido-Isoda gap over ``_GAP_TOL``; status becomes "stalled" where the
    certificate fails. Returns the certificates (None elsewhere) and the distances to the
    tie-broken best responses (NaN elsewhere)."""
    T = S.T
    certs: list[Certificate | None] = [None] * T
    dists = np.full(T, np.nan)
    met = np.flatnonzero(status == "converged")
    if not met.size:
        return certs, dists
    sub = S if met.size == T else S.take(met)
    z = sub.zeta(P[met], True) / sub.i_th
    feas = np.max(np.maximum(z, 0.0), axis=1)
    comp = np.max(np.where(kappa[met] > 0, np.abs(z), 0.0), axis=1)
    gap = _utility_gap(sub, P[met], kappa[met])
    dist = _eq_residual(sub, P[met], kappa[met])
    dists[met] = dist
    val = np.maximum(np.maximum(feas, comp) / tol, gap / _GAP_TOL)
    val = np.where(np.isnan(gap), np.nan, val)
    for r, t in enumerate(met):
        certs[t] = Certificate(
            kind="grnep_gap",
            value=val[r],
            tolerance=1.0,
            detail=(
                f"max of the NCP (29) residuals [ζ_n]^+/I_n = {feas[r]:.2e} and (κ_n > 0) "
                f"|ζ_n|/I_n = {comp[r]:.2e} over tol = {tol:.1e}, and the Nikaido-Isoda gap "
                f"max_j U_j(BR_j) - U_j(p) = {gap[r]:.2e} nats over {_GAP_TOL:.0e} (Theorem "
                f"3); distance to the tie-broken best responses ||BR(p) - p||/||p|| = "
                f"{dist[r]:.2e}"
            ),
        )
        status[t] = settle(True, certs[t])
        if status[t] != "converged":
            msgs[t] = f"KKT system solved, but the GRNEP certificate fails: {certs[t].detail}"
    return certs, dists


# ----------------------------------------------------------------------------- starts
def _start_vectors(mcp: _MCP, kinds: Sequence, gen) -> np.ndarray:
    """Starting points ``z`` (T, n): ``kinds[t]`` is ``"zero"``, ``"full"``, ``"random"``
    or a pair ``(p, κ)`` of powers (J, K) and prices (N,) (``κ`` may be None: zero)."""
    T, J, K, JK = mcp.T, mcp.J, mcp.K, mcp.JK
    Z = np.zeros((T, mcp.n))
    for t, kind in enumerate(kinds):
        m = mcp.m[t]
        pmax = mcp.S.p_max[t]
        if isinstance(kind, str):
            if kind == "zero":
                pt = np.zeros((J, K))
            elif kind == "full":
                pt = np.minimum(pmax / K, m)[:, None] / m[:, None] * np.ones((J, K))
            else:  # "random": a random feasible point and a random price
                x = gen.uniform(0, 1, (J, K))
                scale = np.minimum(1.0, (pmax / m) / np.maximum(x.sum(axis=1), 1e-300))
                pt = x * scale[:, None]
                Z[t, 2 * JK + J :] = gen.exponential(1.0, mcp.N)
        else:
            p, k = kind
            pt = np.asarray(p, dtype=float) / m[:, None]
            if k is not None:
                Z[t, 2 * JK + J :] = np.asarray(k, dtype=float) / mcp.kbar[t]
        Z[t, :JK] = np.clip(pt, 0.0, 1.0).ravel()
    given = np.array([not isinstance(k, str) for k in kinds])
    if given.any():
        rows = np.flatnonzero(given)
        sub = Z[rows]
        mcp.fill_multipliers(sub, rows)
        Z[rows] = sub
    return Z


def _phase(
    S: Stack, Z0: np.ndarray, *, exact: bool, tol: float, max_iter: int, nonmonotone: bool
) -> dict:
    """One run of the Newton method from ``Z0`` on the trials of ``S``, with statuses and
    certificates: a dict of per-trial arrays and lists."""
    mcp = _MCP(S, exact=exact)
    Z, iters, met, stalled, hm_, hn_ = _newton(mcp, Z0, max_iter, nonmonotone)
    T = S.T
    # entries on the zero side of their complementarity pair are zero, not 1e-13
    H, _ = mcp.evaluate(Z, np.arange(T), jac=False)
    Zs = np.maximum(np.where((Z < H) & (Z <= _SNAP), 0.0, Z), 0.0)
    P = np.minimum(mcp.powers(Zs), S.p_mask[:, :, None])
    kappa = mcp.prices(Zs)
    status = np.array(["max_iter"] * T, dtype=object)
    msgs = [f"Fischer-Burmeister residual above {_FTOL:g} after max_iter={max_iter}"] * T
    # a run that stops making progress close to a solution (residual <= _LOOSE) meets the
    # rule too: the certificate decides whether it is one
    close = stalled & np.array([h[-1] <= _LOOSE for h in hm_])
    met = met | close
    stalled = stalled & ~close
    status[met] = "converged"
    for t in np.flatnonzero(met):
        msgs[t] = ""
    for t in np.flatnonzero(stalled):
        status[t] = "stalled"
        msgs[t] = (
            f"no progress of the merit function after {iters[t]} iterations (residual "
            f"{hm_[t][-1]:.3g}): near a stationary point of ||Φ||² that is not a solution"
        )
    certs, dists = _vi_certificates(S, kappa, P, status, msgs, tol)
    return {
        "Z": Z,
        "P": P,
        "kappa": kappa,
        "mu": mcp.split(Zs)[2] / mcp.m,
        "iters": iters,
        "status": status,
        "msgs": msgs,
        "certs": certs,
        "dists": dists,
        "merit": hm_,
        "step": hn_,
        "formulation": np.array(["exact" if exact else "tie-break"] * T, dtype=object),
    }


def _solve(S: Stack, kinds, gen, *, tol, inner_tol, max_iter):
    """Run the Newton method from ``kinds`` on the trials of ``S``; returns VIResults.

    First on the system that pushes power off channels without secrecy (the equilibria
    Algorithm 1 would return); rows that end without a certified answer continue from their
    last point on the VI itself (phase 2), whose solutions also include equilibria where an
    SBS keeps power on a channel without secrecy."""
    t0 = time.perf_counter()
    Z0 = _start_vectors(_MCP(S), kinds, gen)
    out1 = _phase(S, Z0, exact=False, tol=tol, max_iter=max_iter, nonmonotone=False)
    redo = np.flatnonzero(out1["status"] != "converged")
    if redo.size:
        out2 = _phase(
            S.take(redo),
            out1["Z"][redo],
            exact=True,
            tol=tol,
            max_iter=max_iter,
            nonmonotone=True,
        )
        for r, t in enumerate(redo):
            out1["iters"][t] += out2["iters"][r]
            out1["merit"][t] = out1["merit"][t] + out2["merit"][r]
            out1["step"][t] = out1["step"][t] + out2["step"][r]
            if out2["status"][r] == "converged":
                for k in ("P", "kappa", "mu", "status", "dists", "formulation"):
                    out1[k][t] = out2[k][r]
                for k in ("msgs", "certs"):
                    out1[k][t] = out2[k][r]
    T = S.T
    zeta = S.zeta(out1["P"], True)
    el = (time.perf_counter() - t0) / T
    out = []
    for t in range(T):
        kind = kinds[t]
        out.append(
            VIResult(
                p=out1["P"][t],
                kappa=out1["kappa"][t],
                mu=out1["mu"][t],
                zeta=zeta[t],
                start=kind if isinstance(kind, str) else "given",
                formulation=str(out1["formulation"][t]),
                br_distance=float(out1["dists"][t]),
                status=str(out1["status"][t]),
                iterations=int(out1["iters"][t]),
                certificate=out1["certs"][t],
                history={
                    "merit": np.asarray(out1["merit"][t], dtype=float),
                    "step": np.asarray(out1["step"][t], dtype=int),
                },
                elapsed=el,
                message=out1["msgs"][t],
            )
        )
    return out


def _args(tol, inner_tol, max_iter):
    return (
        float(check_positive(tol, "tol")),
        float(check_positive(inner_tol, "inner_tol")),
        check_int(max_iter, "max_iter", minimum=1),
    )


def vi_equilibrium(
    net: Network,
    *,
    p_init="zero",
    kappa0=None,
    rng=None,
    tol: float = 1e-6,
    inner_tol: float = 1e-10,
    max_iter: int = 60,
) -> VIResult:
    """A variational equilibrium of the GRNEP (16) by a semismooth Newton method.

    Solves the KKT system of the VI (19)-(20) (see the module docstring): the priced game
    (27) and the NCP (26) at once, by Newton steps on its Fischer-Burmeister
    reformulation, with a projected Armijo line search on ``||Φ||²`` and a
    Levenberg-Marquardt step where the Newton step is not a descent direction. No best
    response is iterated, so it does not cycle where Algorithm 1 does; like any local
    method it can stop at a stationary point of the merit function (``"stalled"``), and
    :func:`vi_equilibria` restarts it from several points.

    Parameters
    ----------
    net : Network
        Design network (the uncertainty sizes the SBSs protect against).
    p_init : {"zero", "full", "random"} or array_like, shape (J, K)
        Starting powers (``"random"`` also draws a random price and needs ``rng``).
    kappa0 : float or array_like, shape (N,), optional
        Starting price (nats/W); default zero (random for ``p_init="random"``).
    rng : numpy.random.Generator or int, optional
        For ``p_init="random"``.
    tol : float
        NCP tolerance of the certificate, relative to ``I_n^th`` (as in
        :func:`~wiretap.smallcell.price_iteration`).
    inner_tol : float
        Sets the tolerance ``max(100 inner_tol, 1e-6)`` of the equilibrium residual in the
        certificate (as in :func:`~wiretap.smallcell.price_iteration`).
    max_iter : int
        Cap on Newton iterations.

    Returns
    -------
    VIResult

    Raises
    ------
    ValueError
        For bad input, naming the argument.

    References
    ----------
    Tang et al. (2021), eqs. (15)-(20), (25)-(29), Theorem 3; Facchinei and Pang (2003),
    Sec. 9.1 (the Fischer-Burmeister function and its semismooth Newton method).

    Examples
    --------
    >>> import numpy as np
    >>> from wiretap.smallcell import generate_network
    >>> net = generate_network(np.random.default_rng(5), n_sbs=4)
    >>> res = vi_equilibrium(net)
    >>> res.status, bool(res.zeta[0] <= 1e-6 * net.i_th[0])
    ('converged', True)
    """
    if not isinstance(net, Network):
        raise ValueError(f"net must be a Network, got {type(net).__name__}")
    tol, inner_tol, max_iter = _args(tol, inner_tol, max_iter)
    if isinstance(p_init, str):
        check_choice(p_init, "p_init", ("zero", "full", "random"))
        kind = p_init
    else:
        P = net.check_power(p_init, "p_init")
        if not net.is_feasible(P):
            raise ValueError("p_init must satisfy the mask and budget (1)")
        kind = P
    gen = as_generator(rng) if isinstance(kind, str) and kind == "random" else None
    if kappa0 is not None:
        k0 = _check_kappa(net, kappa0)
        kind = (initial_power(net, kind) if isinstance(kind, str) else kind, k0)
    return _solve(stack(net), [kind], gen, tol=tol, inner_tol=inner_tol, max_iter=max_iter)[0]


@dataclass(frozen=True)
class EquilibriumSet:
    """Distinct certified equilibria found by :func:`vi_equilibria` from several starts.

    Attributes
    ----------
    equilibria : tuple of VIResult
        One certified result per distinct equilibrium (the first start that found it),
        in the order found.
    hits : tuple of int
        How many starts reached each equilibrium.
    runs : tuple of VIResult
        Every run, in the order of the starts.
    """

    equilibria: tuple[VIResult, ...]
    hits: tuple[int, ...]
    runs: tuple[VIResult, ...]

    @property
    def count(self) -> int:
        """Number of distinct certified equilibria found."""
        return len(self.equilibria)

    @property
    def regular_count(self) -> int:
        """Number of distinct certified equilibria that are fixed points of the exact best
        responses (see ``regular`` of :class:`VIResult`)."""
        return sum(e.regular for e in self.equilibria)

    @property
    def found(self) -> bool:
        """True when at least one start ended with a certified equilibrium."""
        return bool(self.equilibria)


def distinct_equilibria(results: Sequence[VIResult], *, rtol: float = 1e-4) -> list[list[int]]:
    """Group the converged results that are the same equilibrium.

    Two results are the same equilibrium when the norm of the difference of their powers is
    at most ``rtol`` times the larger of their two norms and 1e-6 W.

    Parameters
    ----------
    results : sequence of VIResult
    rtol : float
        Relative distance below which two power profiles are one equilibrium (> 0).

    Returns
    -------
    list of list of int
        Indices into ``results`` of the converged runs, one list per distinct equilibrium,
        in the order first found.
    """
    rt = float(check_positive(rtol, "rtol"))
    groups: list[list[int]] = []
    if isinstance(results, str) or not isinstance(results, Sequence):
        raise TypeError(f"results must be a sequence of VIResult, got {type(results).__name__}")
    reps: list[np.ndarray] = []
    for i, r in enumerate(results):
        if not isinstance(r, VIResult):
            raise ValueError(f"results[{i}] must be a VIResult, got {type(r).__name__}")
        if r.status != "converged":
            continue
        for g, q in zip(groups, reps, strict=True):
            scale = max(np.linalg.norm(q), np.linalg.norm(r.p), 1e-6)
            if np.linalg.norm(r.p - q) <= rt * scale:
                g.append(i)
                break
        else:
            groups.append([i])
            reps.append(r.p)
    return groups


def _starts(n_starts: int) -> list[str]:
    base = ["zero", "full"]
    return (base + ["random"] * max(n_starts - 2, 0))[:n_starts]


def vi_equilibria(
    net: Network,
    *,
    starts: int = 6,
    rng=None,
    tol: float = 1e-6,
    inner_tol: float = 1e-10,
    max_iter: int = 60,
    rtol: float = 1e-4,
) -> EquilibriumSet:
    """Run :func:`vi_equilibrium` from several starts and collect the distinct equilibria.

    The starts are all-zero powers, the budget split equally (the two starts of Fig. 2),
    then random feasible powers with random prices. All runs share NumPy calls.

    Parameters
    ----------
    net : Network
        Design network.
    starts : int
        Number of starting points (>= 1).
    rng : numpy.random.Generator or int, optional
        Draws the random starts (needed when ``starts > 2``).
    tol, inner_tol, max_iter
        As in :func:`vi_equilibrium`.
    rtol : float
        Distance below which two answers are one equilibrium, see
        :func:`distinct_equilibria`.

    Returns
    -------
    EquilibriumSet

    Examples
    --------
    >>> import numpy as np
    >>> from wiretap.smallcell import generate_network
    >>> net = generate_network(np.random.default_rng(5), n_sbs=4)
    >>> found = vi_equilibria(net, starts=4, rng=1)
    >>> found.count >= 1, sum(found.hits) <= 4
    (True, True)
    """
    if not isinstance(net, Network):
        raise ValueError(f"net must be a Network, got {type(net).__name__}")
    n = check_int(starts, "starts", minimum=1)
    tol, inner_tol, max_iter = _args(tol, inner_tol, max_iter)
    kinds = _starts(n)
    gen = as_generator(rng) if n > 2 or rng is not None else None
    runs = _solve(stack([net] * n), kinds, gen, tol=tol, inner_tol=inner_tol, max_iter=max_iter)
    return _sets(runs, n, rtol)[0]


def _sets(runs: list[VIResult], n: int, rtol: float) -> list[EquilibriumSet]:
    out = []
    for i in range(0, len(runs), n):
        rr = runs[i : i + n]
        groups = distinct_equilibria(rr, rtol=rtol)
        out.append(
            EquilibriumSet(
                equilibria=tuple(rr[g[0]] for g in groups),
                hits=tuple(len(g) for g in groups),
                runs=tuple(rr),
            )
        )
    return out


def vi_many(
    nets: Sequence[Network],
    scheme: str = "RS-RP",
    *,
    starts: int = 1,
    rng=None,
    warm: Sequence | None = None,
    restarts: int = 0,
    tol: float = 1e-6,
    inner_tol: float = 1e-10,
    max_iter: int = 60,
    rtol: float = 1e-4,
) -> list[EquilibriumSet]:
    """:func:`vi_equilibria` for a design on many networks of equal size, in one batch.

    Parameters
    ----------
    nets : sequence of Network
        True networks, same ``(J, K, N)``; each is turned into the design network of
        ``scheme`` first (see ``wiretap.smallcell.SCHEMES``).
    scheme : {"RS-RP", "RS-NP", "NS-NP"}
    starts, rng, tol, inner_tol, max_iter, rtol
        As in :func:`vi_equilibria` (``rng`` also draws the restarts).
    warm : sequence of (p, kappa), optional
        One more start per network, e.g. the last iterate of Algorithm 2 (converged or
        not): powers ``(J, K)`` and prices ``(N,)``. It is the last of the first runs.
    restarts : int
        Random starts added, after the first round, on the networks where no start ended
        with a certified equilibrium (their runs are appended to the set's ``runs``).

    Returns
    -------
    list of EquilibriumSet
        One per network.
    """
    check_choice(scheme, "scheme", tuple(SCHEMES))
    nets = network_list(nets)
    n = check_int(starts, "starts", minimum=1)
    n_re = check_int(restarts, "restarts", minimum=0)
    tol, inner_tol, max_iter = _args(tol, inner_tol, max_iter)
    designs = [_design(x, scheme) for x in nets]
    kinds = _starts(n)
    gen = as_generator(rng) if n > 2 or n_re > 0 or rng is not None else None
    if warm is not None:
        warm = list(warm)
        if len(warm) != len(designs):
            raise ValueError(f"warm must have one (p, kappa) per network, got {len(warm)}")
        for i, (d, w) in enumerate(zip(designs, warm, strict=True)):
            if not isinstance(w, (tuple, list)) or len(w) != 2:
                raise ValueError(f"warm[{i}] must be a pair (p, kappa)")
            d.check_power(w[0], f"warm[{i}][0]")
            _check_kappa(d, w[1])
    per = n + (warm is not None)
    all_kinds, rows = [], []
    for i, d in enumerate(designs):
        extra = [] if warm is None else [(warm[i][0], _check_kappa(d, warm[i][1]))]
        all_kinds += kinds + extra
        rows += [d] * per
    runs = _solve(stack(rows), all_kinds, gen, tol=tol, inner_tol=inner_tol, max_iter=max_iter)
    groups = [runs[i * per : (i + 1) * per] for i in range(len(designs))]
    todo = [i for i, g in enumerate(groups) if not any(r.status == "converged" for r in g)]
    if n_re and todo:
        more = _solve(
            stack([designs[i] for i in todo for _ in range(n_re)]),
            ["random"] * (n_re * len(todo)),
            gen,
            tol=tol,
            inner_tol=inner_tol,
            max_iter=max_iter,
        )
        for r, i in enumerate(todo):
            groups[i] = groups[i] + more[r * n_re : (r + 1) * n_re]
    return [_sets(g, len(g), rtol)[0] for g in groups]
