"""Channel models and geometry shared by all four paper parts.

Conventions (see the book's notation page):

* Complex baseband; a channel vector ``h`` of shape ``(n,)`` maps a transmit vector ``x``
  to the received scalar ``h.conj() @ x`` (that is, :math:`\\mathbf h^H \\mathbf x`).
* ``CN(0, s)`` draws have independent real and imaginary parts of variance ``s / 2``.
* Angles are in radians. A uniform linear array (ULA) with ``n`` elements spaced ``spacing``
  wavelengths apart has steering vector entries ``exp(1j * 2*pi * spacing * k * f(theta))``,
  ``k = 0..n-1``, with ``f = sin`` when ``theta`` is measured from the array broadside and
  ``f = cos`` when it is measured from the array axis.
* Distances are in metres, path loss in dB (a positive number), path gain linear.

Every random function takes ``rng`` (a :class:`numpy.random.Generator` or an integer seed).
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    as_array,
    as_generator,
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
)

__all__ = [
    "angle_of_arrival",
    "complex_gaussian",
    "distance",
    "path_gain",
    "path_loss_db",
    "polar_to_cartesian",
    "rayleigh_channel",
    "rician_channel",
    "ula_steering",
    "ula_steering_derivative",
    "uniform_in_disk",
]


# --------------------------------------------------------------------------- path loss
def path_loss_db(distance, exponent: float, ref_loss_db: float = 0.0, ref_distance: float = 1.0):
    """Log-distance path loss in dB.

    .. math:: \\mathrm{PL}(d) = \\mathrm{PL}_0 + 10\\,\\alpha \\log_{10}(d / d_0)

    Parameters
    ----------
    distance : array_like
        Link distance(s) ``d`` in metres, > 0.
    exponent : float
        Path-loss exponent ``alpha`` (> 0; 2 in free space, 3-4 in cities).
    ref_loss_db : float
        Loss ``PL_0`` in dB at the reference distance.
    ref_distance : float
        Reference distance ``d_0`` in metres, > 0.

    Returns
    -------
    ndarray
        Path loss in dB, same shape as ``distance``.

    Examples
    --------
    >>> float(path_loss_db(10.0, 3.0))
    30.0
    """
    d = check_positive(distance, "distance")
    alpha = float(check_positive(exponent, "exponent"))
    d0 = float(check_positive(ref_distance, "ref_distance"))
    pl0 = float(as_array(ref_loss_db, "ref_loss_db", ndim=0))
    return pl0 + 10.0 * alpha * np.log10(d / d0)


def path_gain(distance, exponent: float, ref_loss_db: float = 0.0, ref_distance: float = 1.0):
    """Linear power gain ``10**(-PL(d)/10)`` of :func:`path_loss_db` (dimensionless)."""
    return 10.0 ** (-path_loss_db(distance, exponent, ref_loss_db, ref_distance) / 10.0)


# --------------------------------------------------------------------------- arrays
def ula_steering(
    n: int,
    angle,
    *,
    spacing: float = 0.5,
    convention: str = "sin",
    normalize: bool = False,
) -> np.ndarray:
    """Steering vector(s) of a uniform linear array.

    Parameters
    ----------
    n : int
        Number of antennas, >= 1.
    angle : array_like
        Angle(s) in radians; any shape ``S``.
    spacing : float
        Element spacing in wavelengths (> 0); half-wavelength by default.
    convention : {"sin", "cos"}
        ``"sin"``: angle from broadside; ``"cos"``: angle from the array axis.
    normalize : bool
        Divide by ``sqrt(n)`` so that the vector has unit norm.

    Returns
    -------
    ndarray, complex, shape ``S + (n,)``
        Entry ``k`` is ``exp(1j*2*pi*spacing*k*f(angle))``.

    Examples
    --------
    >>> a = ula_steering(4, 0.0)
    >>> a.shape, bool(np.allclose(a, 1))
    ((4,), True)
    """
    n = check_int(n, "n", minimum=1)
    theta = as_array(angle, "angle")
    d = float(check_positive(spacing, "spacing"))
    check_choice(convention, "convention", ("sin", "cos"))
    f = np.sin(theta) if convention == "sin" else np.cos(theta)
    k = np.arange(n)
    a = np.exp(2j * np.pi * d * f[..., None] * k)
    return a / np.sqrt(n) if normalize else a


def ula_steering_derivative(
    n: int,
    angle,
    *,
    spacing: float = 0.5,
    convention: str = "sin",
    normalize: bool = False,
) -> np.ndarray:
    """Derivative of :func:`ula_steering` with respect to the angle.

    Returns
    -------
    ndarray, complex, shape ``S + (n,)``
        ``d a / d theta``; entry ``k`` equals ``1j*2*pi*spacing*k*f'(theta) * a_k``.
    """
    a = ula_steering(n, angle, spacing=spacing, convention=convention, normalize=normalize)
    theta = np.asarray(angle, dtype=float)
    fprime = np.cos(theta) if convention == "sin" else -np.sin(theta)
    return 2j * np.pi * spacing * fprime[..., None] * np.arange(n) * a


# --------------------------------------------------------------------------- fading
def complex_gaussian(shape, rng, variance=1.0) -> np.ndarray:
    """Independent ``CN(0, variance)`` draws.

    Parameters
    ----------
    shape : int or tuple of int
        Output shape.
    rng : numpy.random.Generator or int
        Source of randomness.
    variance : float or array_like
        Total variance per entry (>= 0); broadcast against ``shape``.

    Returns
    -------
    ndarray, complex, shape ``shape``
    """
    gen = as_generator(rng)
    var = check_nonnegative(variance, "variance")
    shape = _shape(shape)
    z = gen.standard_normal(shape) + 1j * gen.standard_normal(shape)
    return np.sqrt(var / 2.0) * z


def rayleigh_channel(shape, rng, variance=1.0) -> np.ndarray:
    """Rayleigh-fading channel coefficients, an alias of :func:`complex_gaussian`.

    ``variance`` is the average power gain (e.g. a path gain from :func:`path_gain`).
    """
    return complex_gaussian(shape, rng, variance)


def rician_channel(los, k_factor, rng, *, size=None, variance=1.0) -> np.ndarray:
    """Rician-fading channel draws around a line-of-sight component.

    .. math:: \\mathbf h = \\sqrt{\\beta}\\Big(\\sqrt{\\tfrac{K}{K+1}}\\,\\bar{\\mathbf h}
              + \\sqrt{\\tfrac{1}{K+1}}\\,\\mathbf h_w\\Big),\\quad
              \\mathbf h_w \\sim \\mathcal{CN}(\\mathbf 0, \\mathbf I)

    Parameters
    ----------
    los : array_like, complex, shape ``S``
        Deterministic line-of-sight component ``h_bar`` (e.g. a steering vector, whose
        entries have unit modulus).
    k_factor : float or array_like
        Rician factor ``K >= 0`` (linear, not dB); ``K = 0`` is Rayleigh fading.
        Broadcast against ``S`` after removing the last axis is not done: pass a scalar or
        an array that broadcasts against ``S``.
    rng : numpy.random.Generator or int
        Source of randomness.
    size : int or tuple of int, optional
        Number of independent draws, prepended to the output shape.
    variance : float or array_like
        Average power gain ``beta`` (>= 0), e.g. a path gain.

    Returns
    -------
    ndarray, complex, shape ``size + S``
    """
    hbar = as_array(los, "los", kind="complex")
    kf = check_nonnegative(k_factor, "k_factor")
    beta = check_nonnegative(variance, "variance")
    lead = () if size is None else _shape(size)
    hw = complex_gaussian(lead + hbar.shape, rng)
    return np.sqrt(beta) * (np.sqrt(kf / (kf + 1.0)) * hbar + np.sqrt(1.0 / (kf + 1.0)) * hw)


# --------------------------------------------------------------------------- geometry
def distance(a, b) -> np.ndarray:
    """Euclidean distance between points along the last axis (broadcasting).

    Parameters
    ----------
    a, b : array_like, shape ``(..., dim)``
        Points in metres.

    Returns
    -------
    ndarray, shape ``(...)``
    """
    pa = as_array(a, "a", ndim=(1, 2, 3))
    pb = as_array(b, "b", ndim=(1, 2, 3))
    if pa.shape[-1] != pb.shape[-1]:
        raise ValueError(
            f"a and b must have the same coordinate dimension, got {pa.shape[-1]} and "
            f"{pb.shape[-1]}"
        )
    return np.linalg.norm(pa - pb, axis=-1)


def angle_of_arrival(src, dst) -> np.ndarray:
    """Angle (radians, in ``(-pi, pi]``) of the direction from ``src`` to ``dst``.

    Measured counter-clockwise from the positive x axis, ``atan2(dy, dx)``, for 2-D points
    of shape ``(..., 2)``. Convert to an array's own convention (broadside or axis) before
    calling :func:`ula_steering`.
    """
    ps = as_array(src, "src", ndim=(1, 2))
    pd = as_array(dst, "dst", ndim=(1, 2))
    if ps.shape[-1] != 2 or pd.shape[-1] != 2:
        raise ValueError("src and dst must be 2-D points with shape (..., 2)")
    diff = pd - ps
    return np.arctan2(diff[..., 1], diff[..., 0])


def polar_to_cartesian(radius, angle, center=(0.0, 0.0)) -> np.ndarray:
    """Points ``center + radius * (cos angle, sin angle)``, shape ``broadcast + (2,)``."""
    r = check_nonnegative(radius, "radius")
    t = as_array(angle, "angle")
    c = as_array(center, "center", shape=(2,))
    r, t = np.broadcast_arrays(r, t)
    return c + np.stack([r * np.cos(t), r * np.sin(t)], axis=-1)


def uniform_in_disk(n: int, radius: float, rng, *, center=(0.0, 0.0), min_radius: float = 0.0):
    """``n`` points drawn uniformly (by area) in an annulus around ``center``.

    Parameters
    ----------
    n : int
        Number of points (>= 0).
    radius : float
        Outer radius in metres (> 0).
    rng : numpy.random.Generator or int
        Source of randomness.
    center : array_like, shape (2,)
        Centre of the disk.
    min_radius : float
        Inner radius in metres, ``0 <= min_radius < radius`` (an exclusion zone, e.g.
        around a base station).

    Returns
    -------
    ndarray, shape (n, 2)
    """
    n = check_int(n, "n", minimum=0)
    r_out = float(check_positive(radius, "radius"))
    r_in = float(check_nonnegative(min_radius, "min_radius"))
    if r_in >= r_out:
        raise ValueError(f"min_radius must be < radius, got {r_in} >= {r_out}")
    gen = as_generator(rng)
    u = gen.uniform(size=n)
    r = np.sqrt(r_in**2 + u * (r_out**2 - r_in**2))
    t = gen.uniform(0.0, 2.0 * np.pi, size=n)
    return polar_to_cartesian(r, t, center)


def _shape(shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (int(shape),)
    if not isinstance(shape, tuple | list):
        raise ValueError(f"shape must be an int or a tuple of ints, got {type(shape).__name__}")
    try:
        out = tuple(check_int(s, "shape", minimum=0) for s in shape)
    except TypeError as exc:
        raise ValueError(f"shape must be an int or a tuple of ints, got {shape!r}") from exc
    return out
