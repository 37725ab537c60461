"""The complementarity system of the GRNEP's VI and its semismooth Newton method
(internal; see :mod:`.equilibrium` for the system and the public solvers).

:class:`MCP` evaluates the scaled system ``H(z)`` and its Jacobian for ``T`` networks;
:func:`newton` runs the projected semismooth Newton method on its Fischer-Burmeister
reformulation; :func:`start_vectors` builds the starting points.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .core import Stack

__all__ = ["FTOL", "MCP", "NewtonRun", "arc_search", "fb", "merit", "newton", "start_vectors"]

FTOL = 1e-11  # stopping rule on the Fischer-Burmeister residual (scaled units)
SIGMA = 1e-4  # Armijo constant
NONMONO = 8  # Newton steps may raise ψ above the largest of its last NONMONO values
STALL = 20  # iterations over which the residual must at least halve
DELTA = 1e-9  # smoothing of ||p|| in the price term, relative to ||p_max||


class NewtonRun(NamedTuple):
    """Per-trial outcome of :func:`newton`."""

    z: np.ndarray  # (T, n) last iterates
    iterations: np.ndarray  # (T,) int
    met: np.ndarray  # (T,) bool: the residual reached FTOL
    stalled: np.ndarray  # (T,) bool: no progress, or no step passed the line search
    merit: list  # (T,) lists of residuals max_i |φ_i|
    steps: list  # (T,) lists of step kinds: 2 Newton, 1 Levenberg-Marquardt, 0 gradient


class MCP:
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
        self.delta = DELTA * np.linalg.norm(S.p_max, axis=1)  # (T,)
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


def fb(z, H):
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


def merit(mcp: MCP, z, rows):
    H, _ = mcp.evaluate(z, rows, jac=False)
    phi = fb(z, H)[0]
    return 0.5 * (phi**2).sum(axis=1)


def arc_search(mcp: MCP, z, d, rows, psi, grad, halvings: int, ref=None):
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
        psic = merit(mcp, cand, rows[w])
        slope = np.einsum("ti,ti->t", grad[w], cand - z[w])
        if ref is None:
            acc = np.isfinite(psic) & (psic <= psi[w] + SIGMA * slope) & (psic < psi[w])
        else:
            acc = np.isfinite(psic) & (psic <= ref[w] + SIGMA * np.minimum(slope, 0.0))
        z_new[w[acc]] = cand[acc]
        todo[w[acc]] = False
        t_[w[~acc]] *= 0.5
    return z_new, ~todo


def newton(mcp: MCP, Z0: np.ndarray, max_iter: int, nonmonotone: bool = False):
    """Projected semismooth Newton method on ``Φ(z) = 0``, ``z >= 0``, for all trials.

    Each iteration tries, in turn, along the projected arc ``P(z + t d)``: the Newton
    direction ``M d = -Φ`` (``M`` an element of the generalized Jacobian), the
    Levenberg-Marquardt direction ``(MᵀM + λI) d = -∇ψ`` (``λ = min(||Φ||, 1)``), and the
    diagonally scaled gradient ``d = -∇ψ / (diag(MᵀM) + λ)``; the first that passes the
    Armijo test is taken. The last always does unless ``z`` is a stationary point of
    ``ψ = ||Φ||²/2`` on ``z >= 0``; the row is then ``stalled``.

    Returns a :class:`NewtonRun`; the step kind is 2 (Newton), 1 (Levenberg-Marquardt) or 0
    (gradient).
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
        phi, da, db = fb(z, H)
        res = np.abs(phi).max(axis=1)
        for r, t in enumerate(rows):
            hist_m[t].append(float(res[r]))
        done = res <= FTOL
        met[rows[done]] = True
        active[rows[done]] = False
        if it >= STALL:  # no progress: the residual has not halved in STALL iterations
            slow = np.array([hist_m[t][-1] > 0.5 * hist_m[t][-1 - STALL] for t in rows])
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
            ref = np.array([max(hist_p[t][-NONMONO:]) for t in rows[w]]) if nonmonotone else None
            zn, acc = arc_search(mcp, z[w], dn[w], rows[w], psi[w], grad[w], 8, ref)
            z_new[w[acc]] = zn[acc]
            kind[w[acc]] = 2
        # 2. Levenberg-Marquardt
        w = np.flatnonzero(kind < 0)
        if w.size:
            MtM = np.matmul(np.transpose(M[w], (0, 2, 1)), M[w])
            dl = -np.linalg.solve(MtM + lam[w, None, None] * eye, grad[w][:, :, None])[:, :, 0]
            zn, acc = arc_search(mcp, z[w], dl, rows[w], psi[w], grad[w], 10)
            z_new[w[acc]] = zn[acc]
            kind[w[acc]] = 1
            # 3. scaled projected gradient
            w2 = np.flatnonzero(kind < 0)
            if w2.size:
                sel = np.searchsorted(w, w2)
                dg = -grad[w2] / (np.einsum("tii->ti", MtM[sel]) + lam[w2, None])
                zn, acc = arc_search(mcp, z[w2], dg, rows[w2], psi[w2], grad[w2], 20)
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
    return NewtonRun(Z, iters, met, stalled, hist_m, hist_n)


def start_vectors(mcp: MCP, kinds: Sequence, gen) -> np.ndarray:
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
