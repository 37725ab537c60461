"""Numerical kernels of the exact best response (33) (internal; see :mod:`.response`).

``newton``: the primal-dual active-set Newton method on the KKT system, vectorized over a
batch of problems; ``bracket``: the nested bracketed searches (fallback and independent
reference); ``solve``: the unvalidated entry point (closed-form zero rows, warm starts,
proximal terms, the fallback). :func:`kkt_residual` is their common certificate. The
derivation is in the docstring of :mod:`wiretap.smallcell.response`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = [
    "BestResponseSolution",
    "NewtonSolve",
    "bracket",
    "channel_power",
    "fprime",
    "fsecond",
    "kkt_residual",
    "newton",
    "solve",
    "with_budget",
]

RTOL = 1e-12
MAX_NEWTON = 100
NEWTON_MAX = 16  # iterations of the active-set Newton method before the fallback
R2_MIN = 1e-300  # floor of ||p||² + s in the Newton method (only where both are 0)
_add = np.add.reduce
_amax = np.maximum.reduce


def fprime(a, b, p):
    """f'(p) for f(p) = log(1 + pa) - log(1 + pb) (b finite)."""
    return a / (1 + p * a) - b / (1 + p * b)


def fsecond(a, b, p):
    return -((a / (1 + p * a)) ** 2) + (b / (1 + p * b)) ** 2


def channel_power(a, b, lam, tau, m, x0=None):
    """Per-channel solution of ``f'(p) - τ p = λ`` clipped to ``[0, m]``.

    ``a, b, lam`` have shape (B, K) (``b`` finite; unusable channels have ``a = b = 0``);
    ``tau, m`` have shape (B, 1). Channels with ``a - b <= λ`` get 0. For ``τ > 0`` the
    equation is the cubic ``Q(p) = (τp + λ)(1 + ap)(1 + bp) - (a - b) = 0``; ``Q`` is
    convex and increasing on ``p >= 0``, so Newton's method started to the right of the
    root decreases monotonically to it: it starts at the ``τ = 0`` root (a closed form)
    capped at ``m``, or at a warm start ``x0`` when that is closer and still to the right.
    """
    d = a - b
    useful = d > lam
    lam_p = np.maximum(lam, 0.0)
    disc = np.sqrt(lam_p * lam_p * d * d + 4 * lam_p * a * b * np.maximum(d, 0))
    den = lam_p * (a + b) + disc
    pq = np.divide(2 * (d - lam), den, out=np.full(d.shape, np.inf), where=den > 0)
    tau_b = np.broadcast_to(tau, d.shape)
    mm = np.broadcast_to(m, d.shape)
    work = useful & (tau_b > 0)
    if not work.any():
        return np.where(useful, np.minimum(pq, mm), 0.0)
    ab, apb = a * b, a + b
    # the root exceeds m exactly when Q(m) <= 0: then the answer is m
    qm = (tau_b * mm + lam) * (1 + apb * mm + ab * mm * mm) - d
    capped = work & (qm <= 0)
    work = work & ~capped
    # start to the right of the root: at min(τ=0 root, m), or at a warm start x0 there
    x = np.where(useful, np.minimum(pq, mm), 0.0)
    if x0 is not None:
        q0 = (tau_b * x0 + lam) * (1 + apb * x0 + ab * x0 * x0) - d
        x = np.where(work & (x0 > 0) & (q0 >= 0) & (x0 < x), x0, x)
    x = np.where(capped, mm, x)
    # Newton on the entries that need it only (compacted, shrinking as they converge)
    sel = np.flatnonzero(work)
    xs = x.ravel()[sel]
    ts, ls, ds = tau_b.ravel()[sel], lam.ravel()[sel], d.ravel()[sel]
    ps, qs = apb.ravel()[sel], ab.ravel()[sel]
    pos = np.arange(sel.size)
    out = xs.copy()
    for _ in range(MAX_NEWTON):
        if xs.size == 0:
            break
        u = 1 + ps * xs + qs * xs * xs
        lin = ts * xs + ls
        step = (lin * u - ds) / (ts * u + lin * (ps + 2 * qs * xs))
        xs = np.maximum(xs - step, 0.0)
        keep = np.abs(step) > RTOL * np.maximum(xs, 1e-300)
        out[pos[~keep]] = xs[~keep]
        xs, ts, ls, ds, ps, qs, pos = (v[keep] for v in (xs, ts, ls, ds, ps, qs, pos))
    out[pos] = xs
    x = x.copy()
    x.ravel()[sel] = out
    return np.where(useful, np.minimum(x, mm), 0.0)


def interior_weights(a, b, p, tau, m):
    """``w_k = -dp_k/dλ = 1/(τ - f''(p_k))`` for interior channels, 0 otherwise."""
    interior = (p > 0) & (p < m * (1 - 1e-14))
    den = tau - fsecond(a, b, p)
    return np.divide(1.0, den, out=np.zeros_like(p), where=interior & (den > 0))


def with_budget(a, b, c, tau, m, P, mu0=None, x0=None):
    """Solve the separable problem for fixed ``τ`` (B, 1): returns ``p`` and ``μ`` (B,).

    ``S(μ) = Σ_k p_k(μ)`` decreases in ``μ`` and is smooth between the breakpoints where a
    channel leaves its mask (``μ = f_k'(m) - τm - c_k``) or reaches zero
    (``μ = a_k - b_k - c_k``). ``S`` is evaluated at all breakpoints at once, which brackets
    the root inside one smooth piece; Newton steps follow, with the bracket halved when a
    step would leave it. ``mu0``/``x0`` warm-start.
    """
    B = a.shape[0]
    tau = np.broadcast_to(tau, (B, 1))
    m = np.broadcast_to(m, (B, 1))
    p = channel_power(a, b, c, tau, m, x0)
    S = p.sum(axis=1)
    mu = np.zeros(B)
    work = S > P * (1 + RTOL)
    if not work.any():
        return p, mu
    idx = np.flatnonzero(work)
    a_, b_, c_, t_, m_, P_ = a[idx], b[idx], c[idx], tau[idx], m[idx], P[idx]
    n = idx.size
    # breakpoints (useful channels only; clipped to >= 0); mu = 0 is one of them
    d = a_ - b_
    cap = fprime(a_, b_, m_) - t_ * m_ - c_  # (a = b = 0 gives -t m - c: proximal rows)
    brk = np.maximum(np.concatenate([np.zeros((n, 1)), d - c_, cap], axis=1), 0.0)
    nb = brk.shape[1]
    rep = lambda x: np.repeat(x, nb, axis=0)  # noqa: E731
    pb = channel_power(rep(a_), rep(b_), rep(c_) + brk.reshape(-1, 1), rep(t_), rep(m_))
    Sb = pb.sum(axis=1).reshape(n, nb)
    above = Sb > P_[:, None]
    lo = np.where(above, brk, -np.inf).max(axis=1)  # S(lo) > P (mu = 0 qualifies)
    hi = np.where(above, np.inf, brk).min(axis=1)  # S(hi) <= P (max(d - c) qualifies)
    m0 = lo if mu0 is None else np.where((mu0[idx] > lo) & (mu0[idx] < hi), mu0[idx], lo)
    mu_ = m0
    q = channel_power(a_, b_, c_ + mu_[:, None], t_, m_, p[idx])
    Sq = q.sum(axis=1)
    act = np.ones(n, dtype=bool)
    for _ in range(MAX_NEWTON):
        w = interior_weights(a_, b_, q, t_, m_).sum(axis=1)
        mn = mu_ + np.divide(Sq - P_, w, out=np.full(n, np.inf), where=w > 0)
        bad = ~np.isfinite(mn) | (mn < lo) | (mn > hi)
        mn = np.where(bad, 0.5 * (lo + hi), mn)
        small = np.abs(mn - mu_) <= RTOL * np.maximum(mu_, 1e-300)
        mu_ = np.where(act, mn, mu_)
        q = np.where(act[:, None], channel_power(a_, b_, c_ + mu_[:, None], t_, m_, q), q)
        Sq = q.sum(axis=1)
        lo = np.where(act & (Sq > P_), mu_, lo)
        hi = np.where(act & (Sq <= P_), mu_, hi)
        done = (
            (np.abs(Sq - P_) <= RTOL * P_)
            | (hi - lo <= RTOL * np.maximum(hi, 1e-300))
            | (small & ~bad)
        )
        act = act & ~done
        if not act.any():
            break
    p = p.copy()
    p[idx] = q
    mu[idx] = mu_
    return p, mu


@dataclass(frozen=True)
class BestResponseSolution:
    """Solutions of a batch of best-response problems (33).

    Attributes
    ----------
    p : ndarray, shape (B, K)
        Optimal powers (W).
    tau : ndarray, shape (B,)
        ``β / sqrt(||p||^2 + s)``, the multiplier of the worst-case interference norm
        (``0`` when ``β = 0``; ``nan`` when ``p = 0`` and ``s = 0``).
    mu : ndarray, shape (B,)
        Multiplier of the budget ``Σ p_k <= P`` (nats/W).
    kkt : ndarray, shape (B,)
        KKT residual, relative to the largest marginal utility ``max_k (a_k - b_k)``.
    iterations : int
        Largest number of iterations over the rows: Newton iterations for
        ``method="newton"``, iterations of the outer search on ``q = ||p||^2`` for
        ``method="bracket"`` (0 when every row was solved in closed form).
    fallback : int
        Rows that the Newton method handed to the bracketing solver.
    """

    p: np.ndarray
    tau: np.ndarray
    mu: np.ndarray
    kkt: np.ndarray
    iterations: int
    fallback: int = 0

    @property
    def q(self) -> np.ndarray:
        return (self.p**2).sum(axis=1)


def kkt_residual(a, b, c, beta, s, m, P, p, mu, rho=None) -> np.ndarray:
    """Relative KKT residual of problem (33) at ``p`` with budget multiplier ``mu``.

    Stationarity of the Lagrangian per channel (sign conditions at the bounds),
    complementarity of the budget and feasibility, divided by ``max_k [a_k - b_k]^+``.
    Written independently of both solvers (it is their certificate in the tests). With
    ``rho`` (B,), the problem carries the proximal term ``-(ρ/2)||p - p̄||²`` and ``c``
    holds ``c - ρ p̄``.
    """
    a, b, c, beta, s, m, P, p, mu = (
        np.asarray(x, dtype=float) for x in (a, b, c, beta, s, m, P, p, mu)
    )
    rho = np.zeros(len(p)) if rho is None else np.asarray(rho, dtype=float)
    finite = np.isfinite(b)
    bb = np.where(finite, b, 0.0)
    r = np.sqrt((p**2).sum(axis=1) + s)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.where(r > 0, beta / r, 0.0)
    grad = np.where(finite, fprime(a, bb, p), 0.0)
    grad = np.where(finite & (a > bb), grad, np.minimum(grad, 0.0) - 0.0)
    G = grad - c - (tau + rho)[:, None] * p - mu[:, None]
    mcol = m[:, None]
    tol_b = 1e-12 * mcol
    at0 = p <= tol_b
    atm = p >= mcol - tol_b
    viol = np.where(at0, np.maximum(G, 0.0), np.where(atm, np.maximum(-G, 0.0), np.abs(G)))
    # p = 0 with s = 0 and beta > 0: the norm is not differentiable; use its subgradient
    zero = (r == 0) & (beta > 0)
    if zero.any():
        Gz = np.maximum(np.where(finite & (a > bb), a - bb, 0.0) - c, 0.0)
        viol = np.where(zero[:, None], 0.0, viol)
        sub = np.where(zero, np.maximum(np.linalg.norm(Gz, axis=1) - beta, 0.0), 0.0)
    else:
        sub = np.zeros(len(p))
    S = p.sum(axis=1)
    comp = np.abs(mu * (P - S))
    feas = (
        np.maximum(S - P, 0.0) * 1.0
        + np.maximum(p - mcol, 0.0).max(axis=1)
        + np.maximum(-p, 0.0).max(axis=1)
    )
    scale = np.max(np.where(finite, np.maximum(a - bb, 0.0), 0.0), axis=1) + rho * m
    scale = np.maximum(scale, 1e-300)
    return np.maximum.reduce([viol.max(axis=1) / scale, sub / scale, comp / (scale * P), feas / P])


def solve(
    a, b, c, beta, s, m, P, warm=None, method="newton", rho=None, center=None
) -> BestResponseSolution:
    """Core solver (no validation).

    ``warm = (p0, mu0)``, shapes (B, K) and (B,): the solution of a nearby problem (the same
    player one sweep earlier) to start the Newton method from. ``rho`` (B,) and ``center``
    (B, K): add the proximal term ``-(ρ/2)||p - center||²`` to the objective (the Newton
    method then starts at ``center`` unless ``warm`` is given).
    """
    if rho is not None:
        c = c - rho[:, None] * center
    finite = np.isfinite(b)
    useful = finite & (a > np.where(finite, b, 0.0))
    # unusable channels: a = b = 0 makes d = 0 <= λ, so they get no power
    a_ = np.where(useful, a, 0.0)
    b_ = np.where(useful, b, 0.0)
    if method == "bracket":
        return bracket(a_, b_, c, beta, s, m, P, rho)
    B, K = a.shape
    d = a_ - b_
    # p = 0 is optimal iff no channel's marginal utility at 0 exceeds its price (s > 0), or
    # the positive parts have norm <= beta (s = 0, where the norm term has a kink at 0)
    g0 = d - c
    zero = _amax(g0, 1) <= 0
    tight = s <= 0
    if tight.any():
        g0p = np.maximum(g0, 0.0)
        zero = zero | (tight & (_add(g0p * g0p, 1) <= beta * beta))
    p = np.zeros((B, K))
    mu = np.zeros(B)
    kkt = np.zeros(B)
    its = 0
    n_fb = 0
    if not zero.all():
        rows = None if not zero.any() else np.flatnonzero(~zero)

        def sub(x):
            return x if rows is None else x[rows]

        d_, c_, beta_, s_, m_, P_ = sub(d), sub(c), sub(beta), sub(s), sub(m), sub(P)
        apb, ab = sub(a_) + sub(b_), sub(a_) * sub(b_)
        rho_ = None if rho is None else sub(rho)
        if warm is not None:
            x0, mu0 = sub(warm[0]), sub(warm[1])
        elif rho is not None:
            x0, mu0 = sub(center), np.zeros(len(P_))
        else:
            x0, mu0 = start(d_, apb, ab, c_, m_, P_)
        if rho_ is None:
            x0, mu0 = smallstart(d_, c_, beta_, s_, sub(a_), m_, P_, x0, mu0)
        x, mu_, ok, its_, res = newton(d_, apb, ab, c_, beta_, s_, m_, P_, x0, mu0, rho_)
        its = int(its_.max())
        if not ok.all():  # the fallback: nested bracketed searches
            bad = np.flatnonzero(~ok)
            n_fb = bad.size
            fb = bracket(
                sub(a_)[bad],
                sub(b_)[bad],
                c_[bad],
                beta_[bad],
                s_[bad],
                m_[bad],
                P_[bad],
                None if rho_ is None else rho_[bad],
            )
            x[bad], mu_[bad], res[bad] = fb.p, fb.mu, fb.kkt
        if rows is None:
            p, mu, kkt = x, mu_, res
        else:
            p[rows], mu[rows], kkt[rows] = x, mu_, res
    r = np.sqrt(_add(p * p, 1) + s)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.where(beta > 0, beta / r, 0.0)
    return BestResponseSolution(p=p, tau=tau, mu=mu, kkt=kkt, iterations=its, fallback=n_fb)


def smallstart(d, c, beta, s, a, m, P, x0, mu0):
    """Start of the Newton method where the others are nearly silent (``s`` tiny).

    With ``s = 0`` and ``||[d - c]^+|| = ρ β``, ``ρ < 1``, the best response is 0 (the kink
    of the norm). For ``s > 0`` it is of order ``sqrt(s)``: where ``a_k p_k`` is negligible
    the marginal utilities are the constants ``g = [d - c]^+``, and the stationarity
    ``g = β p / sqrt(||p||² + s)`` gives ``p = (g / β) sqrt(s / (1 - ρ²))``. That point is
    within a relative ``O(max_k a_k p_k)`` of the solution; rows where it is below 1e-2
    start there (instead of the ``τ = 0`` solution, of order one, from which the Newton
    method would need many steps to come down to ``sqrt(s)`` ~ 1e-100)."""
    g = np.maximum(d - c, 0.0)
    gn = np.sqrt(_add(g * g, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(beta > 0, gn / beta, np.inf)
        xs = (g / beta[:, None]) * np.sqrt(s / (1.0 - rho * rho))[:, None]
    use = (s > 0) & (rho < 1.0) & np.all(np.isfinite(xs), axis=1)
    use &= (_amax(a * xs, 1) < 1e-2) & np.all(xs <= m[:, None], axis=1) & (_add(xs, 1) <= P)
    if not use.any():
        return x0, mu0
    return np.where(use[:, None], xs, x0), np.where(use, 0.0, mu0)


def tau0_power(d, apb, ab, lam, mc):
    """Per-channel solution of ``f'(p) = λ`` (``τ = 0``) in closed form, clipped to ``[0, m]``."""
    disc = np.sqrt(lam * lam * d * d + 4.0 * lam * ab * d)
    den = lam * apb + disc
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.minimum(2.0 * (d - lam) / den, mc)
    return np.where(d > lam, np.where(den > 0, x, mc), 0.0)


def start(d, apb, ab, c, m, P):
    """Starting point of the Newton method: the solution for ``τ = 0``, its budget multiplier
    from the breakpoints of ``S(μ) = Σ_k p_k(μ)`` and one chord step inside the bracket."""
    mc = m[:, None]
    x = tau0_power(d, apb, ab, c, mc)
    S = _add(x, 1)
    over = S > P
    mu = np.zeros(len(P))
    if not over.any():
        return x, mu
    Em = 1.0 + mc * (apb + ab * mc)
    pos = (d > c) * 1.0
    # μ where a channel switches off (d - c) and where it leaves its mask (f'(m) - c)
    brk = np.maximum(np.concatenate([(d - c) * pos, (d / Em - c) * pos], axis=1), 0.0)
    xb = tau0_power(
        d[:, None], apb[:, None], ab[:, None], c[:, None] + brk[:, :, None], mc[:, None]
    )
    Sb = _add(xb, 2)
    above = Sb > P[:, None]
    lo = _amax(np.where(above, brk, 0.0), 1)
    hi = np.min(np.where(above, np.inf, brk), axis=1)
    S_lo = np.minimum(np.min(np.where(above, Sb, np.inf), axis=1), S)
    S_hi = _amax(np.where(above, -np.inf, Sb), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        # chord in 1/μ (exact for water-filling, where S is affine in 1/μ), in μ if lo = 0
        t = (S_lo - P) / (S_lo - S_hi)
        chord = np.where(lo > 0, 1.0 / (1.0 / lo + t * (1.0 / hi - 1.0 / lo)), t * hi)
    mu = np.where(over & np.isfinite(chord), chord, 0.0)
    return tau0_power(d, apb, ab, c + mu[:, None], mc), mu


class NewtonSolve(NamedTuple):
    """Outcome of :func:`newton` for a batch of rows."""

    x: np.ndarray  # (B, K) powers
    mu: np.ndarray  # (B,) budget multipliers
    converged: np.ndarray  # (B,) bool
    iterations: np.ndarray  # (B,) int
    residual: np.ndarray  # (B,) relative KKT residual (inf where not converged)


def newton(d, apb, ab, c, beta, s, m, P, x, mu, rho=None, max_iter=NEWTON_MAX):
    """Primal-dual active-set Newton method on the KKT system of (33), rows in a batch.

    Per iteration, with ``τ = β / sqrt(||x||^2 + s)`` and ``λ_k = c_k + μ``: channel ``k``
    is at 0 if ``λ_k >= d_k``, at the mask if ``R_k(m) <= 0``, free otherwise (free channels
    outside ``(0, m)`` restart at ``m``, to the right of their root). Then one Newton step on
    ``R_k = (τ x_k + λ_k) E_k - d_k = 0`` (free ``k``, ``E_k = (1 + a x_k)(1 + b x_k)``),
    the coupling through ``τ`` and, if the linearized budget would be exceeded, the budget
    equation: a diagonal-plus-rank-one system bordered by one row, solved in closed form.

    Returns a :class:`NewtonSolve` ``(x, mu, converged, iterations, residual)``, where
    ``residual`` is the relative KKT residual (as in :func:`kkt_residual`) of the converged
    rows and ``inf`` elsewhere.
    Converged means: the stationarity residual of the free channels is at most
    ``RTOL`` relative to ``max_k d_k``, the budget holds and binds where ``μ > 0`` (relative
    ``RTOL``), and the active set did not move ``x`` (the sign conditions at the bounds
    then hold by construction). With ``rho`` (B,) the proximal term ``-(ρ/2)||x - x̄||²``
    adds ``ρ`` to the coefficient of ``x_k`` in ``R_k`` (``c`` then holds ``c - ρ x̄``).
    """
    B = d.shape[0]
    mc = m[:, None]
    Em = 1.0 + mc * (apb + ab * mc)
    ab2 = ab + ab
    # gradient scale: the largest marginal utility at 0 (plus ρ m for the proximal term)
    dmax = _amax(d, 1) if rho is None else _amax(d, 1) + rho * m
    tolR = RTOL * dmax
    tolP = RTOL * P
    conv = np.zeros(B, dtype=bool)
    its = np.full(B, max_iter)
    res = np.full(B, np.inf)
    rc = 0.0 if rho is None else rho[:, None]
    for it in range(max_iter):
        r2 = np.maximum(_add(x * x, 1) + s, R2_MIN)
        tc = (beta / np.sqrt(r2))[:, None] + rc
        lam = c + mu[:, None]
        pos = lam < d
        capped = pos & ((tc * mc + lam) * Em <= d)
        free = pos & ~capped
        xn = np.where(pos, np.where(capped | (x <= 0) | (x >= mc), mc, x), 0.0)
        moved = _amax(np.abs(xn - x), 1) > 0
        r = np.sqrt(np.maximum(_add(xn * xn, 1) + s, R2_MIN))
        tau = beta / r
        tc = tau[:, None] + rc
        E = 1.0 + xn * (apb + ab * xn)
        lin = tc * xn + lam
        R = (lin * E - d) * free
        S = _add(xn, 1)
        stat = _amax(np.abs(R) / E, 1)
        ok = (stat <= tolR) & (S - P <= tolP) & ((mu == 0) | (P - S <= tolP)) & ~moved
        new = ok & ~conv
        if new.any():
            its = np.where(new, it, its)
            res = np.where(new, stat / dmax, res)
            conv = conv | ok
            if conv.all():
                return NewtonSolve(xn, mu, conv, its, res)
        # Newton step: D_k dx_k - τ x̂_k E_k z + E_k dμ = -R_k (free k), with the unit
        # vector part x̂ = x / r and z = Σ x̂_l dx_l (the derivative of τ is -τ x̂ / r). Written
        # in x̂, no factor τ / r² appears: it overflows when the others' powers are tiny
        # (s ~ 1e-200), where the solution itself is of order sqrt(s).
        D = tc * E + lin * (apb + ab2 * xn)
        iD = free / np.where(free, D, 1.0)
        xh = xn / r[:, None]
        w = -R * iD
        e = E * iD
        v = xh * e
        A0 = _add(xh * w, 1)
        A1 = _add(v, 1)
        G = np.maximum(1.0 - tau * _add(xh * v, 1), 1e-12)
        B0 = _add(w, 1)
        B1 = _add(e, 1)
        kk = tau
        cg = kk * A1 / G
        # budget: binding if the step with μ = 0 would exceed it
        S_free = S + B0 + mu * B1 + cg * (A0 + A1 * mu)
        den = B1 + cg * A1
        has = den > 0
        dmu = (B0 + cg * A0 + S - P) / np.where(has, den, 1.0)
        if not has.all():
            # no free channel: move μ to the first point where a capped channel leaves m
            brk = np.min(np.where(capped, d / Em - tc * mc - c, np.inf), axis=1)
            dmu = np.where(has, dmu, np.maximum(brk * (1 + 1e-9) - mu, 0.0))
        binding = S_free > P
        dmu = np.where(binding, dmu, -mu)
        z = (A0 - A1 * dmu) / G
        step = w - e * dmu[:, None] + (kk * z)[:, None] * v
        xs = np.minimum(np.maximum(xn + step, 0.0), mc)
        # a binding budget lowers μ along 1/μ (μ² / (μ - dμ) < μ, never 0): S behaves like
        # 1/μ, and a step in μ itself would overshoot below 0
        down = binding & (dmu < 0)
        mus = np.where(down, mu * mu / np.where(down, mu - dmu, 1.0), np.maximum(mu + dmu, 0.0))
        x = np.where(conv[:, None], xn, xs)
        mu = np.where(conv, mu, mus)
    return NewtonSolve(x, mu, conv, its, res)


def bracket(a, b, c, beta, s, m, P, rho=None) -> BestResponseSolution:
    """Nested bracketed searches (the fallback and reference). ``a, b``: unusable channels
    already zeroed (``a = b = 0``); ``rho`` (B,): proximal weights (``c`` then already holds
    ``c - ρ p̄``)."""
    mcol = m[:, None]
    B, K = a.shape
    rc = np.zeros((B, 1)) if rho is None else rho[:, None]
    tau = np.zeros(B)
    p = np.zeros((B, K))
    mu = np.zeros(B)
    priced = beta > 0
    free = ~priced
    if free.any():
        i = np.flatnonzero(free)
        p[i], mu[i] = with_budget(a[i], b[i], c[i], rc[i], mcol[i], P[i])
    outer = 0
    if priced.any():
        i = np.flatnonzero(priced)
        pf, _ = with_budget(a[i], b[i], c[i], rc[i], mcol[i], P[i])
        p[i], mu[i], tau[i], outer = outer_search(
            a[i], b[i], c[i], beta[i], s[i], mcol[i], P[i], (pf**2).sum(axis=1), rho=rc[i]
        )
    kkt = kkt_residual(a, b, c, beta, s, m, P, p, mu, rho=rho)
    return BestResponseSolution(p=p, tau=tau, mu=mu, kkt=kkt, iterations=outer)


def outer_search(a, b, c, beta, s, m, P, q_start, q_hi=None, mu0=None, p0=None, rho=0.0):
    """Search ``q = ||p||^2`` with ``τ = β / sqrt(q + s)`` (rows with β > 0).

    ``φ(q) = q - ||p(τ(q))||^2`` changes sign once (from - to +) on ``[0, q_hi]``, where
    ``q_hi`` is any upper bound of ``||p||^2`` (default ``min(K m^2, m P)``); the root gives
    the KKT point. Safeguarded Newton from ``q_start``, with the bracket halved when a
    Newton step leaves it. ``rho`` (B, 1) adds the proximal curvature to ``τ`` per channel.
    """
    B, K = a.shape
    mv = m[:, 0]
    if q_hi is None:
        q_hi = np.minimum(K * mv**2, mv * P) * (1 + 1e-12)
    p = np.zeros_like(a) if p0 is None else p0.copy()
    mu = np.zeros(B) if mu0 is None else mu0.copy()
    tau = np.full(B, np.nan)
    # s = 0: p = 0 is optimal iff the positive marginal utilities have norm <= β
    g0 = np.maximum(a - b - c, 0.0)
    zero = (s <= 0) & (np.linalg.norm(g0, axis=1) <= beta)
    p[zero] = 0.0
    mu[zero] = 0.0
    work = ~zero
    lo = np.zeros(B)
    hi = np.maximum(q_hi, q_start)
    q = np.clip(q_start, 1e-300, hi)
    its = 0
    first = p0 is None
    rho_ = np.broadcast_to(np.asarray(rho, dtype=float).reshape(-1, 1), (B, 1))
    while its < MAX_NEWTON and work.any():
        its += 1
        t = np.where(work, beta / np.sqrt(np.maximum(q + s, 1e-300)), 0.0)
        wi = np.flatnonzero(work)
        pt, mt = p.copy(), mu.copy()
        pt[wi], mt[wi] = with_budget(
            a[wi],
            b[wi],
            c[wi],
            t[wi, None] + rho_[wi],
            m[wi],
            P[wi],
            mu[wi],
            None if first else p[wi],
        )
        first = False
        nq = (pt**2).sum(axis=1)
        phi = q - nq
        p = np.where(work[:, None], pt, p)
        mu = np.where(work, mt, mu)
        tau = np.where(work, t, tau)
        lo = np.where(work & (phi < 0), q, lo)
        hi = np.where(work & (phi >= 0), q, hi)
        w = interior_weights(a, b, pt, t[:, None] + rho_, m)
        sw = w.sum(axis=1)
        pbar = np.divide((w * pt).sum(axis=1), sw, out=np.zeros(B), where=(mt > 0) & (sw > 0))
        qs = q + s
        curv = (w * pt * (pt - pbar[:, None])).sum(axis=1)
        with np.errstate(over="ignore", invalid="ignore"):
            dphi = np.where(
                qs > 1e-200,
                1.0 - np.divide(t, qs, out=np.zeros(B), where=qs > 1e-200) * curv,
                np.nan,
            )
        qn = q - np.divide(phi, dphi, out=np.full(B, np.inf), where=dphi > 0)
        bad = ~np.isfinite(qn) | (qn < lo) | (qn > hi)
        qn = np.where(bad, 0.5 * (lo + hi), qn)
        done = (np.abs(phi) <= RTOL * np.maximum(q + s, 1e-300)) | (
            hi - lo <= RTOL * np.maximum(hi + s, 1e-300)
        )
        q = np.where(work & ~done, qn, q)
        work = work & ~done
    return p, mu, tau, its
