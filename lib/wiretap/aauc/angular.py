"""The angular matrix ``J`` and the angular secrecy model (paper Sec. IV-A).

The eavesdropper sits somewhere on the segment from the BS to user ``K``; its distance
``rho`` is unknown and modelled as uniform on ``[0, D_K]``. Averaging the path gain from
helper ``k`` to the eavesdropper over ``rho`` gives the diagonal *angular matrix*

.. math:: J_k = \\frac{\\varrho_0}{D_K}\\int_0^{D_K} d_{E,k}(\\rho)^{-\\alpha}\\,d\\rho,

with ``d_{E,k}(rho)`` the helper-eavesdropper distance (paper eqs. (8), (12), (16)). The
exact average secrecy rate (paper eq. (10)) needs a double average (over ``rho`` and over
the fading); the angular model replaces it by ``[R - 1/2 log2(1 + lam w^H J w / s2)]^+``
(eq. (13)) with one fitted parameter ``lam`` (eq. (14)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from .. import channels as _ch
from .._validation import as_array, as_generator, check_int, check_nonnegative, check_positive
from .model import Geometry

__all__ = [
    "LambdaFit",
    "angular_matrix",
    "average_secrecy_rate",
    "eve_distance_profile",
    "fit_lambda",
    "model_secrecy_rate",
]

_GL_NODES = 24


def check_geometry(geometry) -> Geometry:
    """Return ``geometry`` after checking that it is a :class:`Geometry` (internal helper
    shared with :mod:`~wiretap.aauc.experiments`; not in ``__all__``)."""
    if not isinstance(geometry, Geometry):
        raise ValueError(f"geometry must be a Geometry, got {type(geometry).__name__}")
    return geometry


def _quadratic_coeffs(geometry: Geometry, elevation: float):
    """``d_{E,k}(rho)^2 = a rho^2 - 2 b_k rho + c_k`` for every helper (paper eq. (15))."""
    th_k = geometry.angles[-1]
    dk, thk = geometry.distances[:-1], geometry.angles[:-1]
    a = 1.0 + np.tan(elevation) ** 2
    b = dk * np.cos(th_k - thk)
    c = dk**2
    return a, b, c


def eve_distance_profile(geometry: Geometry, rho, *, elevation: float = 0.0) -> np.ndarray:
    """Distances from every helper to a candidate eavesdropper at ``rho`` on the segment.

    Paper eq. (8) (printed with exponent ``-1/2``; the distance has exponent ``+1/2``, see
    the Errata) and its 3-D version eq. (15) with elevation angle ``beta``.

    Parameters
    ----------
    geometry : Geometry
    rho : array_like, shape (M,)
        Distances along the BS-user-``K`` direction, in metres (>= 0).
    elevation : float
        Elevation ``beta`` of the eavesdropper in radians, in ``[0, pi/2)``.

    Returns
    -------
    ndarray, shape (M, K-1)
        ``d_{E,k}(rho_m)`` in metres.
    """
    check_geometry(geometry)
    r = check_nonnegative(np.atleast_1d(rho), "rho")
    beta = _elevation(elevation)
    a, b, c = _quadratic_coeffs(geometry, beta)
    d2 = a * r[:, None] ** 2 - 2.0 * r[:, None] * b + c
    return np.sqrt(np.maximum(d2, 0.0))


def _elevation(elevation) -> float:
    beta = float(as_array(elevation, "elevation", ndim=0))
    if not 0.0 <= beta < np.pi / 2:
        raise ValueError(f"elevation must lie in [0, pi/2), got {beta}")
    return beta


def _panels(lo: float, hi: float, peak: float, width: float) -> np.ndarray:
    """Breakpoints that grade geometrically towards ``peak`` (a near-singular point)."""
    pts = [lo, hi]
    if width > 0:
        step = width
        while step < hi - lo:
            pts += [peak - step, peak + step]
            step *= 4.0
    pts.append(peak)
    pts = np.unique(np.clip(pts, lo, hi))
    return pts


def _gl_rule(breaks: np.ndarray, n: int = _GL_NODES) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(n)
    a, b = breaks[:-1, None], breaks[1:, None]
    nodes = 0.5 * (b - a) * x + 0.5 * (b + a)
    weights = 0.5 * (b - a) * w
    return nodes.ravel(), weights.ravel()


def _rho_rule(geometry: Geometry, elevation: float, n: int = _GL_NODES):
    """Composite Gauss-Legendre rule on [0, D_K], graded towards every helper's peak."""
    dK = geometry.distances[-1]
    a, b, c = _quadratic_coeffs(geometry, elevation)
    peaks = np.clip(b / a, 0.0, dK)
    widths = np.sqrt(np.maximum(a * c - b**2, 0.0)) / a
    breaks = [_panels(0.0, dK, p, w) for p, w in zip(peaks, widths, strict=True)]
    return _gl_rule(np.unique(np.concatenate(breaks)), n)


def angular_matrix(
    geometry: Geometry,
    *,
    alpha: float = 2.5,
    ref_gain: float = 1e-4,
    elevation: float = 0.0,
    n_nodes: int = _GL_NODES,
) -> np.ndarray:
    """Diagonal of the angular matrix ``J`` by composite Gauss-Legendre quadrature.

    .. math:: J_k = \\frac{\\varrho_0}{D_K}\\int_0^{D_K}\\big[(\\rho\\cos\\theta_K -
              D_k\\cos\\theta_k)^2 + (\\rho\\sin\\theta_K - D_k\\sin\\theta_k)^2
              + \\rho^2\\tan^2\\beta\\big]^{-\\alpha/2} d\\rho

    The prefactor is ``1/D_K`` (the average over the eavesdropper's position), as in paper
    eq. (16); eq. (12) prints ``1/D_k`` (see the Errata). Each helper's integrand peaks
    where the segment passes closest to it; the panels are graded geometrically towards
    that point, so the rule stays accurate for helpers close to the segment.

    Parameters
    ----------
    geometry : Geometry
        Users (the last one is user ``K``); the eavesdropper's actual position is not used.
    alpha : float
        Path-loss exponent (> 0).
    ref_gain : float
        ``rho0``, the power gain at 1 m (> 0).
    elevation : float
        Elevation angle ``beta`` (rad) of the eavesdropper, ``0`` for the 2-D model.
    n_nodes : int
        Gauss-Legendre nodes per panel (>= 2).

    Returns
    -------
    ndarray, shape (K-1,)
        ``J_1, ..., J_{K-1}`` (dimensionless power gains).

    References
    ----------
    Paper eqs. (12) and (16), Appendix A eq. (47).

    Examples
    --------
    >>> from wiretap.aauc import fig2a_geometry
    >>> J = angular_matrix(fig2a_geometry(), ref_gain=1.0)
    >>> bool(J[0] > 3 * J[1])   # user 1 is closer to the attacked segment
    True
    """
    check_geometry(geometry)
    al = float(check_positive(alpha, "alpha"))
    rho0 = float(check_positive(ref_gain, "ref_gain"))
    beta = _elevation(elevation)
    n = check_int(n_nodes, "n_nodes", minimum=2)
    dK = geometry.distances[-1]
    a, b, c = _quadratic_coeffs(geometry, beta)
    peak = np.clip(b / a, 0.0, dK)
    width = np.maximum(np.sqrt(np.maximum(a * c - b**2, 0.0)) / a, 1e-12 * dK)
    # graded breakpoints peak +- width * 4^i for every helper at once; panels that the
    # clipping collapses to zero width get zero weight
    levels = int(np.ceil(np.log(dK / width.min()) / np.log(4.0))) + 1
    offsets = width[:, None] * 4.0 ** np.arange(levels)
    pts = np.concatenate(
        [
            np.zeros((b.size, 1)),
            np.full((b.size, 1), dK),
            peak[:, None],
            peak[:, None] - offsets,
            peak[:, None] + offsets,
        ],
        axis=1,
    )
    pts = np.sort(np.clip(pts, 0.0, dK), axis=1)
    x, wts = np.polynomial.legendre.leggauss(n)
    lo, hi = pts[:, :-1, None], pts[:, 1:, None]
    nodes = 0.5 * (hi - lo) * x + 0.5 * (hi + lo)  # (K-1, panels, n)
    weights = 0.5 * (hi - lo) * wts
    d2 = a * nodes**2 - 2.0 * b[:, None, None] * nodes + c[:, None, None]
    return rho0 / dK * np.sum(weights * d2 ** (-al / 2), axis=(1, 2))


def model_secrecy_rate(rate, wJw, noise_power, lam) -> np.ndarray:
    """Angular secrecy model ``[R - 1/2 log2(1 + lam w^H J w / s2)]^+`` (paper eq. (13)).

    Parameters
    ----------
    rate : array_like
        ``R`` in bits/s/Hz (>= 0).
    wJw : array_like
        ``w^H J w`` in W (>= 0).
    noise_power : array_like
        ``sigma_E^2`` in W (> 0).
    lam : float or array_like
        Model parameter in [0, 1].

    Returns
    -------
    ndarray
        Broadcast shape of the inputs, bits/s/Hz.

    Examples
    --------
    >>> float(model_secrecy_rate(2.0, 3e-12, 1e-12, 1.0))
    1.0
    """
    r = check_nonnegative(rate, "rate")
    q = check_nonnegative(wJw, "wJw")
    s2 = check_positive(noise_power, "noise_power")
    lm = check_nonnegative(lam, "lam")
    if np.any(lm > 1):
        raise ValueError("lam must lie in [0, 1]")
    return np.maximum(r - 0.5 * np.log2(1.0 + lm * q / s2), 0.0)


def average_secrecy_rate(
    rate,
    w,
    noise_power,
    geometry: Geometry,
    rng,
    *,
    k_factor: float,
    alpha: float = 2.5,
    ref_gain: float = 1e-4,
    n_samples: int = 2000,
    n_nodes: int = 12,
    elevation: float = 0.0,
) -> np.ndarray:
    """Exact average secrecy rate ``S(R, w | sigma_E)`` of paper eq. (10), numerically.

    The average over the eavesdropper's distance ``rho ~ U(0, D_K)`` uses composite
    Gauss-Legendre quadrature (graded towards the helpers, as in :func:`angular_matrix`);
    the expectation over the line-of-sight phases ``phi_k ~ U(-pi, pi)`` and the
    non-line-of-sight terms ``delta_k ~ CN(0, 1)`` of eq. (9) uses ``n_samples`` Monte Carlo
    draws, shared by all inputs (common random numbers).

    Parameters
    ----------
    rate : array_like, shape (T,)
        ``R`` in bits/s/Hz (>= 0).
    w : array_like, complex, shape (T, K-1)
        Helpers' beamformers (amplitudes in sqrt(W)).
    noise_power : array_like, shape (T,)
        ``sigma_E^2`` in W (> 0).
    geometry : Geometry
    rng : numpy.random.Generator or int
    k_factor : float
        Rician factor of the helper-eavesdropper links (linear, >= 0).
    alpha, ref_gain : float
        Path-loss exponent and gain at 1 m.
    n_samples : int
        Fading draws per quadrature node.
    n_nodes : int
        Gauss-Legendre nodes per panel.
    elevation : float
        Elevation of the eavesdropper (3-D model), radians.

    Returns
    -------
    ndarray, shape (T,)
        Average secrecy rate in bits/s/Hz.

    References
    ----------
    Paper eqs. (8)-(10).
    """
    check_geometry(geometry)
    m = geometry.n_users - 1
    R = check_nonnegative(np.atleast_1d(rate), "rate")
    W = as_array(w, "w", kind="complex")
    if W.ndim == 1:
        W = W[None, :]
    if W.ndim != 2 or W.shape[1] != m or W.shape[0] != R.shape[0]:
        raise ValueError(
            f"w must have shape ({R.shape[0]}, {m}) to match rate and geometry, got {np.shape(w)}"
        )
    s2 = check_positive(noise_power, "noise_power")
    if s2.shape not in ((), (1,), R.shape):
        raise ValueError(f"noise_power must be a scalar or match rate {R.shape}, got {s2.shape}")
    s2 = np.broadcast_to(s2, R.shape)
    kr = float(check_nonnegative(k_factor, "k_factor"))
    al = float(check_positive(alpha, "alpha"))
    rho0 = float(check_positive(ref_gain, "ref_gain"))
    ns = check_int(n_samples, "n_samples", minimum=1)
    nn = check_int(n_nodes, "n_nodes", minimum=2)
    beta = _elevation(elevation)
    gen = as_generator(rng)
    nodes, weights = _rho_rule(geometry, beta, nn)
    weights = weights / geometry.distances[-1]
    dist = eve_distance_profile(geometry, nodes, elevation=beta)  # (Q, m)
    amp = np.sqrt(rho0 * dist ** (-al))  # (Q, m)
    phase = np.exp(1j * gen.uniform(-np.pi, np.pi, size=(ns, m)))
    fading = np.sqrt(kr / (1 + kr)) * phase + np.sqrt(1 / (1 + kr)) * _ch.complex_gaussian(
        (ns, m), gen
    )
    out = np.empty(R.shape[0])
    for t in range(R.shape[0]):
        # h_E^H w = sum_k conj(h_k) w_k, h_k = amp_k(rho) * fading_k
        y = (np.conj(fading) * W[t]) @ amp.T  # (ns, Q)
        leak = 0.5 * np.log2(1.0 + np.abs(y) ** 2 / s2[t])
        out[t] = np.mean(np.maximum(R[t] - leak, 0.0), axis=0) @ weights
    return out


@dataclass(frozen=True)
class LambdaFit:
    """Result of the least-squares fit of ``lam`` (paper eq. (14)).

    Attributes
    ----------
    lam : float
        Fitted parameter in [0, 1].
    mse : float
        Mean squared error of the model at ``lam`` ((bits/s/Hz)^2).
    lam_grid, mse_grid : ndarray
        The grid search that brackets the optimum (for plots).
    """

    lam: float
    mse: float
    lam_grid: np.ndarray
    mse_grid: np.ndarray


def fit_lambda(exact, rate, wJw, noise_power, *, grid_size: int = 201) -> LambdaFit:
    """Fit ``lam`` in [0, 1] by nonlinear least squares (paper eq. (14)).

    A grid search over ``[0, 1]`` brackets the minimizer, then a bounded scalar
    minimization (Brent) refines it inside the bracketing cell.

    Parameters
    ----------
    exact : array_like, shape (T,)
        ``S(R_i, w_i | sigma_i)`` from :func:`~wiretap.aauc.angular.average_secrecy_rate`.
    rate, wJw, noise_power : array_like, shape (T,)
        The training inputs, as for :func:`model_secrecy_rate`.
    grid_size : int
        Points of the bracketing grid (>= 3).

    Returns
    -------
    LambdaFit

    Examples
    --------
    >>> R = np.array([1.0, 2.0, 0.5]); q = np.array([1.0, 4.0, 0.2]); s2 = np.ones(3)
    >>> S = model_secrecy_rate(R, q, s2, 0.3)
    >>> round(fit_lambda(S, R, q, s2).lam, 6)
    0.3
    """
    S = as_array(exact, "exact", ndim=1)
    t = S.shape[0]
    R = as_array(rate, "rate", shape=(t,), match="exact")
    q = as_array(wJw, "wJw", shape=(t,), match="exact")
    s2 = as_array(noise_power, "noise_power", shape=(t,), match="exact")
    n = check_int(grid_size, "grid_size", minimum=3)

    def mse(lam: float) -> float:
        return float(np.mean((S - model_secrecy_rate(R, q, s2, lam)) ** 2))

    grid = np.linspace(0.0, 1.0, n)
    vals = np.array([mse(x) for x in grid])
    i = int(np.argmin(vals))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, n - 1)]
    res = optimize.minimize_scalar(mse, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
    lam = float(res.x) if res.fun <= vals[i] else float(grid[i])
    return LambdaFit(lam=lam, mse=mse(lam), lam_grid=grid, mse_grid=vals)
