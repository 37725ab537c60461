"""The trust-region subproblem on a ball, by eigendecomposition (internal).

Used by :func:`wiretap.lemmas.min_quadratic_on_ball`.

References
----------
J. J. Moré and D. C. Sorensen, "Computing a trust region step," SIAM J. Sci. Stat. Comput.,
4(3), 1983.
"""

from __future__ import annotations

import numpy as np
import scipy.optimize as sopt


def trust_region_point(Am: np.ndarray, bv: np.ndarray, r: float) -> np.ndarray:
    """A global minimizer of ``x^H A x + 2 Re(b^H x)`` over ``||x|| <= r`` for ``r > 0``.

    ``Am`` is Hermitian ``(n, n)`` and ``bv`` has shape ``(n,)`` (both checked by the caller).
    The interior Newton point when it is inside the ball, else ``x = -(A + mu I)^{-1} b``
    with ``mu`` the root of the secular equation (Brent's method on a certified bracket),
    or the hard case completed along the bottom eigenspace. The result may be complex with
    zero imaginary part for real data; the caller converts it.
    """
    n = Am.shape[0]
    d, V = np.linalg.eigh(Am)  # ascending
    beta = V.conj().T @ bv
    scale = max(1.0, float(np.abs(d).max()), float(np.linalg.norm(bv)) / r)
    d_min = float(d[0])
    bottom = d <= d_min + 1e-12 * scale
    # Interior solution: A positive definite and the Newton point inside the ball.
    if d_min > 1e-12 * scale:
        x = -V @ (beta / d)
        if np.linalg.norm(x) <= r:
            return x

    def norm2(t):  # ||x||^2 as a function of t = mu + d_min >= 0, bottom space excluded
        return float(np.sum(np.abs(beta[~bottom]) ** 2 / (d[~bottom] - d_min + t) ** 2))

    beta_bottom = float(np.linalg.norm(beta[bottom]))
    hard_tol = 1e-10 * max(1.0, float(np.linalg.norm(bv)))
    mu_floor = max(0.0, -d_min)
    if beta_bottom <= hard_tol and d_min <= 1e-12 * scale and norm2(mu_floor + d_min) <= r**2:
        # Hard case: mu = -d_min, x = x_p + tau z with z in the bottom eigenspace.
        t = mu_floor + d_min
        coef = np.zeros(n, dtype=complex)
        coef[~bottom] = -beta[~bottom] / (d[~bottom] - d_min + t)
        tau = np.sqrt(max(r**2 - norm2(t), 0.0))
        j = int(np.flatnonzero(bottom)[0])
        # phase of the step: do not increase the (tiny) linear term
        phase = -beta[j] / abs(beta[j]) if abs(beta[j]) > 0 else 1.0
        coef[j] = tau * phase
        x = V @ coef
        return x

    # Boundary solution: root of phi(t) = ||x(t)||^2 - r^2 with t = mu + d_min > 0.
    def phi(t):
        return float(np.sum(np.abs(beta) ** 2 / (d - d_min + t) ** 2)) - r**2

    t_lo_min = mu_floor + d_min  # mu >= 0 and mu >= -d_min
    t_hi = t_lo_min + 2 * np.linalg.norm(bv) / r + 1e-300  # phi(t_hi) < 0
    t_lo = max(t_lo_min, 0.0)
    if t_lo == 0.0 or phi(t_lo) <= 0.0:
        t_lo = t_hi
        for _ in range(2000):
            t_lo = t_lo / 2
            if phi(t_lo) > 0.0:
                break
        else:  # pragma: no cover - excluded by the hard-case branch
            raise RuntimeError("trust-region bracket not found")
    if phi(t_hi) > 0.0:  # pragma: no cover - excluded by construction of t_hi
        raise RuntimeError("trust-region bracket not found")
    t = sopt.brentq(phi, t_lo, t_hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)
    coef = -beta / (d - d_min + t)
    x = V @ coef
    nx = np.linalg.norm(x)
    if nx > 0:
        x = x * (r / nx)  # remove the last ulp of radial error
    return x
