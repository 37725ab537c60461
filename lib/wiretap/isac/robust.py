"""From location error to CSI error, and worst cases over the CSI ball (Xu et al., II-D, III-B).

* :func:`csi_radius` is paper eq. (17); :func:`bound_coefficients` gives ``a_m`` (corrected
  eq. (55)) and ``b_m`` (eq. (56)).
* :func:`trs_min` solves ``min f(x)`` over a ball exactly (trust-region subproblem);
  :func:`worst_ratio_on_ball` maximises a ratio of quadratics over a ball (Dinkelbach with
  exact inner steps) and certifies the result (an attained value and a proven upper bound);
  :func:`max_ratio_on_ball` returns that upper bound, so callers never under-state a worst
  case. They are the exact references behind :func:`worst_case_leakage`.
* :func:`s_procedure_matrix` is the LMI of paper eq. (51).
"""

from __future__ import annotations

import time

import numpy as np
from scipy.linalg import block_diag
from scipy.optimize import brentq

from .._exports import adopt
from .._validation import (
    as_array,
    as_generator,
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
)
from ..results import Certificate, as_history, settle
from ._ball import BallRatio, ascent, kappa_los, sumsq
from ._checks import check_covariances, check_scenario, real_scalar
from .geometry import Scenario, steering

__all__ = [
    "BallRatio",
    "angle_radius",
    "bound_coefficients",
    "bound_coefficients_printed",
    "csi_radius",
    "leakage_ratio",
    "max_ratio_on_ball",
    "s_procedure_matrix",
    "steering_error_bound",
    "steering_error_exact",
    "steering_error_rigorous",
    "total_leakage",
    "trs_min",
    "user_rates",
    "worst_case_leakage",
    "worst_case_leakage_sampled",
    "worst_ratio_on_ball",
]


# --------------------------------------------------------------------------- CSI bound
def angle_radius(scn: Scenario, trace_q, *, exact: bool = False) -> np.ndarray:
    """AoD uncertainty ``beta_theta_m = 3 sqrt(tr Q) / d_bar_m`` (paper eq. (12)).

    Parameters
    ----------
    trace_q : float
        ``tr(Q)`` of the location-error covariance (m^2).
    exact : bool
        Use ``arcsin(3 sqrt(tr Q) / d)``, the largest angle subtended by a disk of radius
        ``3 sqrt(tr Q)`` at distance ``d`` (the paper's value is its first-order version).

    Returns
    -------
    ndarray, shape (M,)
    """
    check_scenario(scn)
    tq = float(check_nonnegative(trace_q, "trace_q"))
    x = 3.0 * np.sqrt(tq) / scn.dist_est
    return np.arcsin(np.minimum(x, 1.0)) if exact else x


def bound_coefficients(scn: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients of ``beta_g_m = b_m + sqrt(tr Q) / a_m`` (paper eqs. (17), (55), (56)).

    Returns
    -------
    a : ndarray, shape (M,)
        ``a_m = d_bar_m / (3 pi alpha_m |sin theta_bar_m| sqrt(kappa/(1+kappa))
        sqrt(N(N-1)(2N-1)/6))`` (the corrected eq. (55)).
    b : ndarray, shape (M,)
        ``b_m = alpha_m beta_NLoS,m sqrt(1/(1+kappa))`` (eq. (56)).
    """
    check_scenario(scn)
    c = (
        3.0
        * np.pi
        * scn.eve_gain
        * np.abs(np.sin(scn.theta_est))
        * kappa_los(scn)
        * sumsq(scn.N)
        / scn.dist_est
    )
    if np.any(c <= 0):
        raise ValueError("an estimated AoD is along the array axis (sin theta = 0): a_m = inf")
    b = scn.eve_gain * scn.beta_nlos * np.sqrt(1.0 / (1.0 + scn.kappa))
    return 1.0 / c, b


def bound_coefficients_printed(scn: Scenario) -> np.ndarray:
    """``a_m`` exactly as printed in paper eq. (55) (kept to document the erratum)."""
    check_scenario(scn)
    inner = sumsq(scn.N) ** 2 * 3.0 * np.pi * np.abs(np.sin(scn.theta_est)) / scn.dist_est
    return scn.dist_est / (scn.eve_gain * kappa_los(scn) * np.sqrt(inner))


def csi_radius(scn: Scenario, trace_q) -> np.ndarray:
    """Per-BS CSI error radius ``beta_g_m`` of paper eq. (17).

    Parameters
    ----------
    trace_q : float
        ``tr(Q)`` of the location-error covariance (m^2).

    Returns
    -------
    ndarray, shape (M,)

    Examples
    --------
    >>> from wiretap.isac import paper_scenario
    >>> scn = paper_scenario(0)
    >>> r0, r1 = csi_radius(scn, 0.0), csi_radius(scn, 1.0)
    >>> bool(np.all(r1 > r0))
    True
    """
    check_scenario(scn)
    tq = float(check_nonnegative(trace_q, "trace_q"))
    a, b = bound_coefficients(scn)
    return b + np.sqrt(tq) / a


def steering_error_bound(n: int, theta_bar, beta) -> np.ndarray:
    """Right-hand side of paper eq. (15): ``sqrt(N(N-1)(2N-1)/6) pi |sin theta_bar| beta``."""
    n = check_int(n, "n", minimum=1)
    b = check_nonnegative(beta, "beta")
    return sumsq(n) * np.pi * np.abs(np.sin(as_array(theta_bar, "theta_bar"))) * b


def steering_error_rigorous(n: int, theta_bar, beta) -> np.ndarray:
    """A valid bound: eq. (15) with ``|sin theta_bar|`` replaced by its max on the interval.

    By the mean value theorem ``|cos(theta+d) - cos(theta)| <= max|sin| |d|`` and
    ``|exp(jx) - 1| <= |x|``.
    """
    n = check_int(n, "n", minimum=1)
    th = as_array(theta_bar, "theta_bar")
    b = check_nonnegative(beta, "beta")
    th, b = np.broadcast_arrays(th, b)
    grid = np.linspace(-1.0, 1.0, 401)
    smax = np.max(np.abs(np.sin(th[..., None] + b[..., None] * grid)), axis=-1)
    # the grid can miss an interior peak of |sin| at +-pi/2: include it exactly
    for peak in (np.pi / 2, -np.pi / 2):
        inside = np.abs(np.angle(np.exp(1j * (th - peak)))) <= b
        smax = np.where(inside, 1.0, smax)
    return sumsq(n) * np.pi * smax * b


def steering_error_exact(n: int, theta_bar, beta, *, n_grid: int = 4001) -> np.ndarray:
    """``max_{|d| <= beta} ||a(theta_bar + d) - a(theta_bar)||`` by a dense grid search."""
    n = check_int(n, "n", minimum=1)
    n_grid = check_int(n_grid, "n_grid", minimum=2)
    th = np.atleast_1d(as_array(theta_bar, "theta_bar"))
    b = np.broadcast_to(np.atleast_1d(check_nonnegative(beta, "beta")), th.shape)
    out = np.empty(th.shape)
    for idx in np.ndindex(th.shape):
        d = np.linspace(-b[idx], b[idx], n_grid)
        diff = steering(n, th[idx] + d) - steering(n, th[idx])
        out[idx] = np.max(np.linalg.norm(diff, axis=-1))
    return out.reshape(np.shape(theta_bar)) if np.ndim(theta_bar) else out[0]


# --------------------------------------------------------------------------- TRS
def trs_min(A, b, c: float, radius: float) -> tuple[float, np.ndarray, float]:
    """Exact ``min x^H A x + 2 Re(b^H x) + c`` over ``||x|| <= radius``.

    Kept apart from :func:`wiretap.lemmas.min_quadratic_on_ball` because it also returns the
    multiplier ``mu`` the S-procedure certificates need (and rounds differently);
    ``tests/test_isac_foundations.py`` checks the minimum values agree to 1e-9 on random
    instances.

    Parameters
    ----------
    A : array_like, complex, shape (n, n)
        Hermitian (any inertia).
    b : array_like, complex, shape (n,)
    c : float
    radius : float
        >= 0.

    Returns
    -------
    value : float
    x : ndarray, shape (n,)
        A minimiser.
    mu : float
        Lagrange multiplier of the ball: ``A + mu I >= 0`` and
        ``[[A + mu I, b], [b^H, c - value - mu radius^2]] >= 0`` (S-lemma certificate).

    Examples
    --------
    >>> v, x, mu = trs_min(-np.eye(2), np.zeros(2), 0.0, 2.0)
    >>> round(v, 12), round(mu, 12)
    (-4.0, 1.0)
    """
    A = as_array(A, "A", ndim=2, kind="complex")
    n = A.shape[0]
    if A.shape != (n, n):
        raise ValueError(f"A must be square, got {A.shape}")
    b = as_array(b, "b", shape=(n,), kind="complex", match="A")
    c = real_scalar(c, "c")
    r = float(check_nonnegative(radius, "radius"))
    A = (A + A.conj().T) / 2
    lam, V = np.linalg.eigh(A)
    beta = V.conj().T @ b
    scale = max(1.0, float(np.abs(lam).max()))

    def fval(x):
        return float(np.real(np.vdot(x, A @ x)) + 2 * np.real(np.vdot(b, x)) + c)

    if r == 0:
        return float(c), np.zeros(n, complex), max(0.0, -float(lam[0]))
    lmin = float(lam[0])
    if lmin > 1e-12 * scale:
        x = -V @ (beta / lam)
        if np.linalg.norm(x) <= r:
            return fval(x), x, 0.0
    mu_lo = max(0.0, -lmin)
    deg = lam - lmin <= 1e-10 * scale
    bnorm = float(np.linalg.norm(b))

    def normx(mu):
        return float(np.linalg.norm(beta / (lam + mu)))

    if np.linalg.norm(beta[deg]) <= 1e-10 * max(1.0, bnorm) and lmin <= 1e-12 * scale:
        rest = ~deg
        xr = -V[:, rest] @ (beta[rest] / (lam[rest] + mu_lo)) if rest.any() else np.zeros(n)
        nd = float(np.linalg.norm(xr))
        if nd <= r:  # hard case
            x = xr + np.sqrt(max(r**2 - nd**2, 0.0)) * V[:, np.flatnonzero(deg)[0]]
            return fval(x), x, mu_lo
    lo = mu_lo
    eps = 1e-15 * scale
    while normx(lo + eps) <= r and eps < scale:  # pragma: no cover - numerical safety
        eps *= 10
    lo = lo + eps
    hi = max(bnorm / r - lmin, lo) * 2 + 1e-12
    while normx(hi) > r:
        hi *= 2
    mu = brentq(lambda t: 1.0 / normx(t) - 1.0 / r, lo, hi, xtol=1e-15, rtol=1e-14, maxiter=500)
    x = -V @ (beta / (lam + mu))
    return fval(x), x, float(mu)


def worst_ratio_on_ball(
    P, Q, center, radius: float, c0: float, *, tol: float = 1e-10, max_iter: int = 100
) -> BallRatio:
    """Certified ``max (g^H P g) / (g^H Q g + c0)`` over ``||g - center|| <= radius``.

    Dinkelbach's method: ``xi <- N(x)/D(x)`` with ``x`` maximising ``N - xi D`` (an exact
    trust-region step, :func:`trs_min`). Stopping rule: ``max (N - xi D) <= tol max(1, xi)``.
    Whatever the exit, the last exact inner step bounds the maximum from above
    (``N - xi D <= -v`` on the ball and ``D >= c0`` give ``max N/D <= xi - v / c0``), so the
    result brackets the exact worst case in ``[ratio, upper]``.

    Parameters
    ----------
    P, Q : array_like, complex, shape (n, n)
        Hermitian positive semidefinite (to solver accuracy).
    center : array_like, complex, shape (n,)
    radius : float
        >= 0.
    c0 : float
        > 0.
    tol : float
        Relative tolerance of the stopping rule and of the certificate.
    max_iter : int
        Cap on the Dinkelbach steps.

    Returns
    -------
    BallRatio
        ``"converged"`` (rule met and ``upper - ratio <= tol max(1, ratio)``), ``"stalled"``
        (the ratio stopped increasing before the rule was met: round-off), or
        ``"max_iter"``.

    Examples
    --------
    >>> r = worst_ratio_on_ball(np.eye(2), np.zeros((2, 2)), np.array([1.0, 0.0]), 1.0, 1.0)
    >>> r.status, round(r.ratio, 9), r.certificate.holds
    ('converged', 4.0, True)
    >>> worst_ratio_on_ball(np.diag([2.0, 1.0]), np.eye(2), np.ones(2), 0.5, 1.0,
    ...                     max_iter=1).status
    'max_iter'
    """
    P = as_array(P, "P", ndim=2, kind="complex")
    Q = as_array(Q, "Q", ndim=2, kind="complex")
    g0 = as_array(center, "center", ndim=1, kind="complex")
    n = g0.size
    _check_pq(P, Q, n)
    r = float(check_nonnegative(radius, "radius"))
    c0 = real_scalar(c0, "c0")
    if not c0 > 0:
        raise ValueError(f"c0 must be > 0, got {c0}")
    tol = float(check_positive(tol, "tol"))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    t0 = time.perf_counter()

    def ratio(g):
        return float(np.real(np.vdot(g, P @ g)) / (np.real(np.vdot(g, Q @ g)) + c0))

    xi = ratio(g0)
    best, g = xi, g0
    eta, upper = 0.0, np.inf
    trace = {"ratio": [xi], "residual": []}
    rule = stuck = False
    for _ in range(max_iter):
        A = xi * Q - P
        val, x, eta = trs_min(A, A @ g0, float(np.real(np.vdot(g0, A @ g0)) + xi * c0), r)
        # val = min (xi D - N) over the ball: max (N / D) <= xi + max(-val, 0) / c0
        upper = xi + max(-val, 0.0) / c0
        trace["residual"].append(max(-val, 0.0))
        cand = g0 + x
        new = ratio(cand)
        if new > best:
            best, g = new, cand
        trace["ratio"].append(best)
        if -val <= tol * max(1.0, xi):
            rule = True
            break
        if new <= xi:
            stuck = True
            break
        xi = new
    it = len(trace["residual"])
    best = max(best, 0.0)
    upper = max(upper, best)
    cert = Certificate(
        kind="worst_case_gap",
        value=upper - best,
        tolerance=tol * max(1.0, best),
        detail="certified upper bound minus attained ratio (exact trust-region step)",
    )
    status = settle(rule, cert, otherwise="stalled" if stuck else "max_iter")
    msg = ""
    if status != "converged":
        msg = (
            f"Dinkelbach {status} after {it} steps: worst case in [{best:.6g}, {upper:.6g}]"
            " (use the upper bound)"
        )
    return BallRatio(
        status=status,
        iterations=it,
        history=as_history(trace),
        elapsed=time.perf_counter() - t0,
        message=msg,
        certificate=cert,
        ratio=best,
        upper=float(upper),
        g=g,
        eta=max(float(eta), 0.0),
    )


def max_ratio_on_ball(
    P, Q, center, radius: float, c0: float, *, tol: float = 1e-10, max_iter: int = 100
) -> tuple[float, np.ndarray, float]:
    """Worst case ``max (g^H P g) / (g^H Q g + c0)`` over ``||g - center|| <= radius``.

    A thin wrapper of :func:`worst_ratio_on_ball` that never under-states the worst case:
    it returns the *certified upper bound*, which equals the exact maximum to ``tol``
    (relative) when Dinkelbach's method converged, and is still a valid (conservative)
    bound when it did not.

    Returns
    -------
    ratio : float
        ``BallRatio.upper`` (>= 0).
    g : ndarray
        The best point found (its ratio is ``BallRatio.ratio``).
    eta : float
        S-lemma multiplier certifying ``N - ratio D <= 0`` on the ball (>= 0).

    Both ``ratio`` and ``eta`` are non-negative: for PSD ``P, Q`` they are in exact
    arithmetic, and matrices from a solver are PSD only to its tolerance, so round-off
    negatives are returned as zero.
    """
    res = worst_ratio_on_ball(P, Q, center, radius, c0, tol=tol, max_iter=max_iter)
    return max(res.upper, 0.0), res.g, res.eta


def s_procedure_matrix(P, Q, center, xi: float, eta: float, radius2: float, sigma2=1.0):
    """LMI of paper eq. (51): ``blkdiag(eta I, -eta r^2 + xi s2) - B^H (P - xi Q) B``.

    ``B = [I, g_bar]``. Positive semidefinite (with ``eta >= 0``) iff
    ``g^H P g <= xi (g^H Q g + s2)`` for every ``||g - g_bar||^2 <= r^2``.

    Returns
    -------
    ndarray, complex, shape (n + 1, n + 1)
    """
    P = as_array(P, "P", ndim=2, kind="complex")
    Q = as_array(Q, "Q", ndim=2, kind="complex")
    g0 = as_array(center, "center", ndim=1, kind="complex")
    n = g0.size
    _check_pq(P, Q, n)
    xi = real_scalar(xi, "xi")
    eta = real_scalar(eta, "eta")
    radius2 = float(check_nonnegative(real_scalar(radius2, "radius2"), "radius2"))
    sigma2 = float(check_nonnegative(real_scalar(sigma2, "sigma2"), "sigma2"))
    B = np.hstack([np.eye(n), g0[:, None]])
    M = P - xi * Q
    D = block_diag(eta * np.eye(n), np.array([[-eta * radius2 + xi * sigma2]]))
    return D - B.conj().T @ M @ B


def _check_pq(P, Q, n: int) -> None:
    if P.shape != (n, n) or Q.shape != (n, n):
        raise ValueError(
            f"P and Q must have shape ({n}, {n}) to match center, got {P.shape} and {Q.shape}"
        )


# --------------------------------------------------------------------------- rates
def user_rates(scn: Scenario, W, R) -> np.ndarray:
    """Per-stage user rates ``R_{m,k}^(i)`` of paper eqs. (5)-(6) (bits/s/Hz).

    Parameters
    ----------
    W : array_like, complex, shape (2, M, K, N, N)
        ``W_{m,k}^(i)`` (mW).
    R : array_like, complex, shape (2, M, N, N)
        ``R_m^(i)`` (mW).

    Returns
    -------
    ndarray, shape (2, M, K)
        Weight with ``scn.tau`` and sum over the stage axis for constraint C2.
    """
    check_scenario(scn)
    W, R = check_covariances(scn, W, R)
    h = scn.h  # (mt, m, k, n)
    # received power at user (m,k) from each (mt, kt) beam and from each R_mt
    pw = np.einsum("tmka,itjab,tmkb->itjmk", h.conj(), W, h).real  # (i, mt, kt, m, k)
    pr = np.einsum("tmka,itab,tmkb->itmk", h.conj(), R, h).real  # (i, mt, m, k)
    total = pw.sum(axis=(1, 2)) + pr.sum(axis=1) + 1.0  # (i, m, k)
    sig = np.stack([pw[:, m, k, m, k] for m in range(scn.M) for k in range(scn.K)], -1)
    sig = sig.reshape(2, scn.M, scn.K)
    return np.log2(total / (total - sig))


def leakage_ratio(scn: Scenario, W, R, g) -> np.ndarray:
    """Eavesdropper SINR ratios ``|g_m^H w_{m,k}|^2 / (sum_m' g_m'^H R_m' g_m' + 1)``.

    This is the argument of paper eq. (11) with the interference written as in eq. (7)
    (each ``R_m'`` seen through its own channel ``g_m'``).

    Parameters
    ----------
    g : array_like, complex, shape (M, N)
        Eavesdropper channels.

    Returns
    -------
    ndarray, shape (2, M, K)
    """
    check_scenario(scn)
    W, R = check_covariances(scn, W, R)
    g = as_array(g, "g", shape=(scn.M, scn.N), kind="complex")
    num = np.einsum("ma,imkab,mb->imk", g.conj(), W, g).real
    den = np.einsum("ma,imab,mb->i", g.conj(), R, g).real + 1.0
    return num / den[:, None, None]


def total_leakage(scn: Scenario, xi) -> np.ndarray:
    """``sum_i tau_i log2(1 + xi^(i))`` for ratios of shape (2, M, K) (constraint C3)."""
    check_scenario(scn)
    xi = as_array(xi, "xi", shape=(2, scn.M, scn.K))
    check_nonnegative(xi, "xi")
    return np.tensordot(scn.tau, np.log2(1.0 + xi), axes=1)


def worst_case_leakage(scn: Scenario, W, R, radii, *, ball: str = "per_bs") -> np.ndarray:
    """Exact worst-case eavesdropper ratios over the CSI uncertainty set.

    Parameters
    ----------
    W, R : array_like
        Design, shapes (2, M, K, N, N) and (2, M, N, N).
    radii : array_like
        ``ball="per_bs"``: shape (2, M), radii ``beta_g_m^(i)`` of the per-BS balls of
        paper eq. (16) (the physical model). ``ball="joint"``: shape (2,), radius
        ``beta_g^(i)`` of the stacked ball of eq. (47) (the centralized design's model).

    Returns
    -------
    ndarray, shape (2, M, K)
        Worst-case ratios ``xi``; :func:`total_leakage` turns them into bits/s/Hz.

    Notes
    -----
    Per-BS balls: the interference terms of the other BSs are minimised independently
    (trust-region subproblems), then the ratio over ``g_m`` is maximised by Dinkelbach's
    method. Joint ball: Dinkelbach over the stacked ``MN``-vector.
    """
    check_scenario(scn)
    W, R = check_covariances(scn, W, R)
    check_choice(ball, "ball", ("per_bs", "joint"))
    gbar = scn.g_est
    M, K, N = scn.M, scn.K, scn.N
    out = np.zeros((2, M, K))
    if ball == "per_bs":
        rad = check_nonnegative(radii, "radii")
        if rad.shape != (2, M):
            raise ValueError(f"radii must have shape (2, M) = (2, {M}), got {rad.shape}")
        for i in range(2):
            mins = np.array(
                [
                    trs_min(
                        R[i, m],
                        R[i, m] @ gbar[m],
                        np.vdot(gbar[m], R[i, m] @ gbar[m]).real,
                        rad[i, m],
                    )[0]
                    for m in range(M)
                ]
            )
            for m in range(M):
                c0 = 1.0 + mins.sum() - mins[m]
                for k in range(K):
                    out[i, m, k] = max_ratio_on_ball(W[i, m, k], R[i, m], gbar[m], rad[i, m], c0)[0]
        return out
    rad = check_nonnegative(radii, "radii")
    if rad.shape != (2,):
        raise ValueError(f"radii must have shape (2,) for ball='joint', got {rad.shape}")
    g0 = gbar.ravel()
    for i in range(2):
        Rb = block_diag(*R[i])
        for m in range(M):
            for k in range(K):
                Wb = np.zeros((M * N, M * N), complex)
                Wb[m * N : (m + 1) * N, m * N : (m + 1) * N] = W[i, m, k]
                out[i, m, k] = max_ratio_on_ball(Wb, Rb, g0, rad[i], 1.0)[0]
    return out


def worst_case_leakage_sampled(
    scn: Scenario, W, R, radii, rng, *, n_samples: int = 2000, n_ascent: int = 200
) -> np.ndarray:
    """Brute-force lower estimate of :func:`worst_case_leakage` over the per-BS balls.

    Draws ``n_samples`` joint perturbations on the boundary spheres, keeps the best one
    per ratio, and improves it by projected gradient ascent. An independent reference: it
    can only *under*-estimate the true worst case.

    Returns
    -------
    ndarray, shape (2, M, K)
    """
    check_scenario(scn)
    W, R = check_covariances(scn, W, R)
    gen = as_generator(rng)
    rad = check_nonnegative(radii, "radii")
    if rad.shape != (2, scn.M):
        raise ValueError(f"radii must have shape (2, M), got {rad.shape}")
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    n_ascent = check_int(n_ascent, "n_ascent", minimum=0)
    gbar = scn.g_est
    M, K, N = scn.M, scn.K, scn.N
    out = np.zeros((2, M, K))
    for i in range(2):
        z = gen.standard_normal((n_samples, M, N)) + 1j * gen.standard_normal((n_samples, M, N))
        z /= np.linalg.norm(z, axis=-1, keepdims=True)
        G = gbar[None] + rad[i][None, :, None] * z  # (S, M, N)
        num = np.einsum("sma,mkab,smb->smk", G.conj(), W[i], G).real
        den = np.einsum("sma,mab,smb->s", G.conj(), R[i], G).real + 1.0
        ratio = num / den[:, None, None]
        for m in range(M):
            for k in range(K):
                g = G[int(np.argmax(ratio[:, m, k]))].copy()
                out[i, m, k] = ascent(g, W[i, m, k], R[i], gbar, rad[i], m, n_ascent)
    return out


adopt(globals())  # the names of __all__ defined in internal modules live here
