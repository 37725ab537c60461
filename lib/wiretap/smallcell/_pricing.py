"""Algorithm 2 batched over trials (internal): the price updates (projection with a fixed,
Theorem 6 or adaptive step; a semismooth Newton method on the NCP (29) for several MUEs),
Algorithm 1 inside, and the GRNEP certificate of Theorem 3. The public drivers are in
:mod:`.algorithms`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._nash import (
    Alg1Settings,
    alg1,
    cert_tol,
    certify_met,
    eq_residual,
    grnep_value,
    ncp_detail,
    ncp_residuals,
)
from .core import Stack

__all__ = ["Alg2Run", "alg2"]

TR = 8.0  # largest factor by which one Newton step may change a price
LS_MAX = 6  # halvings of the Newton step on the prices before a per-price step
LS_FAILS = 5  # failed line searches before "stalled"


class Alg2Run(NamedTuple):
    """Per-trial outcome of the batched :func:`alg2`."""

    kappa: np.ndarray  # (T, N) last prices
    p: np.ndarray  # (T, J, K) equilibrium powers at those prices
    iterations: np.ndarray  # (T,) int
    status: np.ndarray  # (T,) object
    messages: list  # (T,) str
    histories: list  # (T,) dict
    certificates: list  # (T,) Certificate or None


class _PriceRun:
    """State of the batched Algorithm 2 for ``T`` trials: prices, powers, statuses,
    histories, and the states of the two adaptive rules (a bracket per MUE for one MUE, the
    Newton method on the prices for several)."""

    def __init__(self, S: Stack, kappa0: np.ndarray, P0: np.ndarray, max_iter: int):
        T, N = kappa0.shape
        self.S, self.T, self.N = S, T, N
        self.kappa = kappa0.copy()
        self.P = P0.copy()
        self.active = np.ones(T, dtype=bool)
        self.status = np.array(["max_iter"] * T, dtype=object)
        self.msgs = [f"NCP residual above tol after max_iter={max_iter} price updates"] * T
        self.iters = np.zeros(T, dtype=int)
        self.hk = [[self.kappa[t].copy()] for t in range(T)]
        self.hz: list[list] = [[] for _ in range(T)]
        self.hin: list[list] = [[] for _ in range(T)]
        self.hstep: list[list] = [[] for _ in range(T)]
        self.hrel: list[list] = [[] for _ in range(T)]
        # adaptive-step state per trial and MUE: a bracket [lo, hi] with ζ(lo) > 0 >= ζ(hi)
        self.brk = {
            "lo": np.zeros((T, N)),
            "zlo": np.full((T, N), np.nan),
            "hi": np.full((T, N), np.inf),
            "zhi": np.full((T, N), np.nan),
            "side": np.zeros((T, N), dtype=int),
        }
        hm_norm = np.linalg.norm(S.hm.reshape(T, N, -1), axis=2)
        self.rho0 = 1.0 / (hm_norm**2 * ((S.p_max**2).sum(axis=1) / S.K)[:, None])
        self.kbar = self.rho0 * S.i_th  # natural price scale per MUE (nats/W)
        # state of the Newton method on the prices (several MUEs): the accepted point, its
        # residual, the direction and the step length being tried
        self.nst = {
            "base": np.full((T, N), np.nan),
            "merit": np.full(T, np.inf),
            "dir": np.zeros((T, N)),
            "t": np.ones(T),
            "fails": np.zeros(T, dtype=int),
            "kmax": np.zeros(T),
            "fac": np.full((T, N), 4.0),
            "fsgn": np.zeros((T, N)),
            "zbase": np.zeros((T, N)),
        }

    def equilibria(self, it: int, idx, sub: Stack, tol: float, inner: Alg1Settings):
        """Algorithm 1 at the current prices of the trials ``idx``; records them, closes the
        trials that failed or meet the NCP test. Returns the mask of the rows (of ``idx``)
        whose price moves on, and ``ζ`` (rows, N)."""
        Pi, its, st, ms, _, _ = alg1(
            sub, self.kappa[idx], self.P[idx], inner, record=False, certify=False
        )
        self.P[idx] = Pi
        z = sub.zeta(Pi, True)
        ith = sub.i_th
        for r, t in enumerate(idx):
            self.hz[t].append(z[r].copy())
            self.hin[t].append(int(its[r]))
            self.iters[t] = it
        failed = st != "converged"
        for r in np.flatnonzero(failed):
            t = idx[r]
            self.status[t] = "max_iter" if st[r] == "max_iter" else "solver_error"
            self.msgs[t] = f"price iteration {it}: Algorithm 1 stopped ({st[r]}: {ms[r]})"
            self.active[t] = False
        ok = ~failed
        feas = np.all(z <= tol * ith, axis=1)
        comp = np.all((self.kappa[idx] == 0) | (z >= -tol * ith), axis=1)
        done = ok & feas & comp
        for r in np.flatnonzero(done):
            self.status[idx[r]], self.msgs[idx[r]] = "converged", ""
            self.active[idx[r]] = False
        return ok & ~done, z

    def next_prices(self, it, idx, sub: Stack, rows, z, step, rho, inner: Alg1Settings):
        """Move the prices of the rows ``rows`` (of ``idx``) by the step rule."""
        t_ = idx[rows]
        k_now, z_now = self.kappa[t_], z[rows]
        if step == "adaptive" and self.N >= 2:
            sub_u = sub.take(rows)
            k_next, stuck = newton_price(
                t_, k_now, z_now, sub_u, self.P[t_], self.nst, self.kbar, inner
            )
            ith = sub.i_th
            for r in np.flatnonzero(stuck):
                t = t_[r]
                self.status[t], self.active[t] = "stalled", False
                self.msgs[t] = (
                    f"price iteration {it}: no price along the Newton direction of the NCP "
                    f"(29) lowers its residual (ζ/I_th = {np.round(z_now[r] / ith[rows[r]], 4)})"
                )
            with np.errstate(divide="ignore", invalid="ignore"):
                rho_t = np.where(z_now != 0, (k_next - k_now) / z_now, 0.0)
        elif step == "adaptive":
            k_new = adaptive_price(t_, k_now, z_now, self.brk, self.rho0)
            with np.errstate(divide="ignore", invalid="ignore"):
                rho_t = np.where(z_now != 0, (k_new - k_now) / z_now, 0.0)
            k_next = np.maximum(k_now + rho_t * z_now, 0.0)
        else:
            rho_t = np.broadcast_to(rho[t_][:, None], k_now.shape)
            k_next = np.maximum(k_now + rho_t * z_now, 0.0)
        nk = np.linalg.norm(k_now, axis=1)
        rel = np.divide(
            np.linalg.norm(k_next - k_now, axis=1), nk, out=np.full(len(rows), np.inf), where=nk > 0
        )
        self.kappa[t_] = k_next
        for r, t in enumerate(t_):
            self.hk[t].append(k_next[r].copy())
            self.hstep[t].append(np.asarray(rho_t[r], dtype=float).copy())
            self.hrel[t].append(float(rel[r]))

    def histories(self) -> list[dict]:
        out = []
        for t in range(self.T):
            n_it = len(self.hz[t]) - 1
            out.append(
                {
                    "kappa": np.asarray(self.hk[t][: n_it + 1]),
                    "zeta": np.asarray(self.hz[t]),
                    "inner_iterations": np.asarray(self.hin[t], dtype=int),
                    "step": np.asarray(self.hstep[t][:n_it], dtype=float).reshape(n_it, self.N),
                    "rel_change": np.asarray(self.hrel[t][:n_it], dtype=float),
                }
            )
        return out


def alg2(S: Stack, kappa0, P0, *, step, rho, tol, max_iter, inner: Alg1Settings) -> Alg2Run:
    """Batched Algorithm 2. ``rho`` (T,) is the constant step for ``step == "fixed"``;
    ``inner``: the settings of Algorithm 1 (:func:`._nash.alg1`)."""
    run = _PriceRun(S, kappa0, P0, max_iter)
    T = run.T
    for it in range(max_iter + 1):
        idx = np.flatnonzero(run.active)
        if idx.size == 0:
            break
        sub = S if idx.size == T else S.take(idx)
        upd, z = run.equilibria(it, idx, sub, tol, inner)
        if it == max_iter:
            break
        if not upd.any():
            continue
        run.next_prices(it, idx, sub, np.flatnonzero(upd), z, step, rho, inner)
    hist = run.histories()
    certs = alg2_certificates(S, run.kappa, run.P, run.status, run.msgs, tol, inner.tol)
    return Alg2Run(run.kappa, run.P, run.iters, run.status, run.msgs, hist, certs)


def alg2_certificates(S, kappa, P, status, msgs, tol, inner_tol):
    """GRNEP certificates (Theorem 3) of the trials whose stopping rule was met; their status
    becomes "stalled" where the certificate fails. Returns a list (None elsewhere)."""

    def measure(sub: Stack, met):
        feas, comp = ncp_residuals(sub, P[met], kappa[met])  # at the returned powers
        eq = eq_residual(sub, P[met], kappa[met])
        eq_tol = cert_tol(inner_tol)
        details = [
            f"{ncp_detail(feas[r], comp[r], tol)}, and the equilibrium residual "
            f"||BR(p) - p||/||p|| = {eq[r]:.2e} over {eq_tol:.1e} (Theorem 3)"
            for r in range(len(met))
        ]
        return grnep_value(feas, comp, tol, eq, eq_tol), details

    failed = "NCP (29) met, but the GRNEP certificate fails"
    return certify_met(S, status, msgs, measure, "grnep_residual", failed)


def price_fallback(k, z, kb, fac, sgn):
    """Each price alone (no Jacobian): up by the factor ``fac`` where ``ζ > 0`` (from 0: to
    ``κ̄``), down by it where ``ζ < 0``. ``fac`` (N,) starts at 4 and is square-rooted each time
    the sign of ``ζ_n`` differs from the last fallback's (``sgn``): a bisection in ``log κ``
    that cannot cycle between two prices. ``fac`` and ``sgn`` are updated in place.
    Returns the change of ``k``."""
    now = np.sign(z)
    flip = (sgn != 0) & (now != 0) & (now != sgn)
    fac[flip] = np.sqrt(fac[flip])
    sgn[now != 0] = now[now != 0]
    up = np.where(k > 0, fac * k, kb)
    return np.where(z > 0, up - k, np.where(k > 0, k / fac - k, 0.0))


def ncp_residual(k, z, kbar, ith):
    """Min-map of the NCP (29), ``min(κ_n / κ̄_n, -ζ_n / I_n)``: zero exactly at a solution."""
    return np.minimum(k / kbar, -z / ith)


def newton_price(t_, k, z, S, P, nst, kbar, inner):
    """Next prices of the semismooth Newton method on the NCP (29), several MUEs.

    The residual ``Φ(κ) = min(κ/κ̄, -ζ(p*(κ))/I)`` (per MUE, κ̄ the natural price scale) is
    zero exactly at a solution. At an accepted point, ``J = ∂ζ/∂κ`` is estimated by forward
    differences (one Algorithm 1 run per MUE, warm-started at ``P``); MUEs whose price term
    is the smaller one get ``Δκ_n = -κ_n``, the others the Newton equation
    ``ζ + J Δκ = 0``. A trial point ``[κ + tΔκ]^+`` is accepted when ``||Φ||`` falls by the
    factor ``1 - 1e-4 t``, else ``t`` is halved (at most ``LS_MAX`` times: then the row is
    reported stuck). Where ``J`` is singular or gives no descent direction (the price has no
    effect, e.g. every SBS silent), each price moves alone: up by 4 where ``ζ > 0``, down by
    4 where ``ζ < 0``.

    Returns ``(k_next, stuck)`` for the rows ``t_`` (trial indices into ``nst``).
    """
    R, N = k.shape
    # price scale: the natural one, or the largest price met so far when that is larger
    nst["kmax"][t_] = np.maximum(nst["kmax"][t_], k.max(axis=1))
    kb, ith = np.maximum(kbar[t_], nst["kmax"][t_][:, None]), S.i_th
    phi = ncp_residual(k, z, kb, ith)
    merit = np.linalg.norm(phi, axis=1)
    base, bm, d, tt = nst["base"][t_], nst["merit"][t_], nst["dir"][t_], nst["t"][t_]
    has = np.all(np.isfinite(base), axis=1)
    accept = ~has | (merit <= (1.0 - 1e-4 * tt) * bm)
    k_next = np.empty_like(k)
    stuck = np.zeros(R, dtype=bool)
    rej = np.flatnonzero(~accept)
    if rej.size:
        tt[rej] *= 0.5
        k_next[rej] = np.maximum(base[rej] + tt[rej, None] * d[rej], 0.0)
        # the line search failed: take the per-price step from the base point instead
        lsf = rej[tt[rej] < 0.5**LS_MAX]
        fails = nst["fails"][t_]
        fails[lsf] += 1
        stuck[lsf] = fails[lsf] > LS_FAILS
        for r in lsf:
            t = t_[r]
            dk = price_fallback(base[r], nst["zbase"][t], kb[r], nst["fac"][t], nst["fsgn"][t])
            k_next[r] = np.maximum(base[r] + dk, 0.0)
        base[lsf], bm[lsf] = np.nan, np.inf
        nst["fails"][t_] = fails
    acc = np.flatnonzero(accept)
    if acc.size:
        nst["zbase"][t_[acc]] = z[acc]
        base[acc], bm[acc], tt[acc] = k[acc], merit[acc], 1.0
        # forward differences: R_a * N runs of Algorithm 1 in one batch
        ka, za = k[acc], z[acc]
        h = 1e-3 * np.maximum(ka, 1e-3 * kb[acc])  # (A, N)
        rep = np.repeat(acc, N)
        kp = np.repeat(ka, N, axis=0)
        kp[np.arange(acc.size * N), np.tile(np.arange(N), acc.size)] += h.ravel()
        sub = S.take(rep)
        Pp, _, st, _, _, _ = alg1(sub, kp, P[rep], inner, record=False, certify=False)
        zp = sub.zeta(Pp, True).reshape(acc.size, N, N)  # [row, perturbed n, MUE m]
        Jac = np.transpose((zp - za[:, None, :]) / h[:, :, None], (0, 2, 1))  # ∂ζ_m/∂κ_n
        fd_ok = np.all((st == "converged").reshape(acc.size, N), axis=1)
        dirs = np.zeros((acc.size, N))
        good = np.zeros(acc.size, dtype=bool)
        for r in range(acc.size):
            pa = ka[r] / kb[acc[r]] <= -za[r] / ith[acc[r]]  # price branch of the min
            dr = np.where(pa, -ka[r], 0.0)
            fr = ~pa
            if fd_ok[r] and fr.any():
                Jff = Jac[r][np.ix_(fr, fr)]
                rhs = -za[r][fr] - Jac[r][np.ix_(fr, pa)] @ dr[pa]
                try:
                    dr[fr] = np.linalg.solve(Jff, rhs)
                    good[r] = np.all(np.isfinite(dr)) and np.all(np.diag(Jff) < 0)
                except np.linalg.LinAlgError:
                    good[r] = False
                # trust region: a free price moves by at most a factor TR (p*(κ) has kinks,
                # where a difference quotient can point far away)
                cap = np.where(ka[r] > 0, ka[r], np.maximum(kb[acc[r]], ka[r].max()))
                lo_ = np.where(ka[r] > 0, ka[r] / TR - ka[r], 0.0)
                dr = np.where(fr, np.clip(dr, lo_, TR * cap - ka[r]), dr)
                # a violated constraint must not see its price fall, nor a step be empty
                good[r] &= bool(np.all(dr[fr & (za[r] > 0)] >= 0) and np.any(dr != 0))
            elif not fr.any():
                good[r] = True
            if not good[r]:
                t = t_[acc[r]]
                dr = price_fallback(ka[r], za[r], kb[acc[r]], nst["fac"][t], nst["fsgn"][t])
            dirs[r] = dr
        d[acc] = dirs
        k_next[acc] = np.maximum(ka + dirs, 0.0)
        # a fallback step is taken whatever the residual does: restart the line search
        bm[acc[~good]] = np.inf
        base[acc[~good]] = np.nan
    nst["base"][t_], nst["merit"][t_], nst["dir"][t_], nst["t"][t_] = base, bm, d, tt
    return k_next, stuck


def adaptive_price(t_, k, z, brk, rho0):
    """Next price of the variable-step rule for trials ``t_`` (rows), per MUE.

    Keeps a bracket ``lo < κ* <= hi`` from the signs of ``ζ``; expands by a factor 4 until
    an upper end is found, then takes the regula-falsi point of the bracket (Illinois
    variant) when the bracket spans less than a decade, and its geometric midpoint
    otherwise.
    """
    lo, zlo, hi, zhi, side = (brk[k_][t_] for k_ in ("lo", "zlo", "hi", "zhi", "side"))
    pos = z > 0
    # update the bracket with the new point; Illinois: halve the stale end's value
    new_side = np.where(pos, -1, 1)
    zhi = np.where(pos & (side == -1), 0.5 * zhi, zhi)
    zlo = np.where(~pos & (side == 1), 0.5 * zlo, zlo)
    lo = np.where(pos, np.maximum(lo, k), lo)
    zlo = np.where(pos, z, zlo)
    hi = np.where(~pos, np.minimum(hi, k), hi)
    zhi = np.where(~pos, z, zhi)
    side = new_side
    no_hi = ~np.isfinite(hi)
    expand = np.where(k > 0, 4.0 * k, rho0[t_] * z)
    with np.errstate(divide="ignore", invalid="ignore"):
        rf = lo - zlo * (hi - lo) / (zhi - zlo)
        geo = np.where(lo > 0, np.sqrt(lo * hi), hi / 8.0)
    narrow = (lo > 0) & (hi <= 10.0 * lo)
    inside = np.isfinite(rf) & (rf > lo) & (rf < hi)
    k_new = np.where(no_hi, expand, np.where(narrow & inside, rf, geo))
    # ζ <= 0 and no price with ζ > 0 seen yet: try the zero price (the constraint may be
    # inactive), i.e. the projection [κ + ϱζ]^+ with a long step
    k_new = np.where(~pos & np.isnan(zlo), 0.0, k_new)
    for k_, v in (("lo", lo), ("zlo", zlo), ("hi", hi), ("zhi", zhi), ("side", side)):
        brk[k_][t_] = v
    return k_new
