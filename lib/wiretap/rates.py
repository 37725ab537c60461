"""Achievable rates and secrecy rates.

All rates are in bits/s/Hz by default (``base=2``); pass ``base=np.e`` for nats/s/Hz.
Noise is described by its power (a scalar, white noise) or its covariance matrix.

Functions
---------
* :func:`sinr_rate` - ``log(1 + SINR)``.
* :func:`beamforming_sinr` - SINR of each stream of a linear precoder at one receiver.
* :func:`log_det_rate` - ``log det(I + H Q H^H R^{-1})`` for a MIMO link.
* :func:`secrecy_rate` - ``[R_B - R_E]^+``.
* :func:`mimo_secrecy_rate` - Gaussian MIMO wiretap rate of a given input covariance.
* :func:`miso_secrecy_capacity` - closed-form MISO wiretap secrecy capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla

from ._validation import as_array, check_nonnegative, check_positive

__all__ = [
    "MisoSecrecyCapacity",
    "beamforming_sinr",
    "log_det_rate",
    "mimo_secrecy_rate",
    "miso_secrecy_capacity",
    "secrecy_rate",
    "sinr_rate",
]


def _log(x, base: float) -> np.ndarray:
    b = float(check_positive(base, "base"))
    if b == 1.0:
        raise ValueError("base must not be 1")
    return np.log(x) / np.log(b)


def sinr_rate(sinr, base: float = 2.0) -> np.ndarray:
    """Shannon rate ``log_base(1 + sinr)`` of a Gaussian link.

    Parameters
    ----------
    sinr : array_like
        Signal-to-interference-plus-noise ratio(s), linear, >= 0.
    base : float
        Logarithm base: 2 for bits/s/Hz (default), ``numpy.e`` for nats/s/Hz.

    Returns
    -------
    ndarray
        Rate(s), same shape as ``sinr``.

    Examples
    --------
    >>> float(sinr_rate(3.0))
    2.0
    """
    return _log(1.0 + check_nonnegative(sinr, "sinr"), base)


def secrecy_rate(rate_legitimate, rate_eavesdropper) -> np.ndarray:
    """Secrecy rate ``[R_B - R_E]^+ = max(R_B - R_E, 0)`` (entrywise, broadcasting).

    Parameters
    ----------
    rate_legitimate : array_like
        Rate(s) of the legitimate link, >= 0.
    rate_eavesdropper : array_like
        Rate(s) of the eavesdropper's link in the same unit, >= 0.

    Returns
    -------
    ndarray
        Secrecy rate(s), >= 0.
    """
    rb = check_nonnegative(rate_legitimate, "rate_legitimate")
    re = check_nonnegative(rate_eavesdropper, "rate_eavesdropper")
    return np.maximum(rb - re, 0.0)


def beamforming_sinr(h, W, noise_power) -> np.ndarray:
    """SINR of every stream of a linear precoder at one single-antenna receiver.

    Stream ``k`` is sent with beamformer ``W[:, k]``; the received signal is
    ``h^H W s + n``. Its SINR is

    .. math:: \\gamma_k = \\frac{|\\mathbf h^H \\mathbf w_k|^2}
              {\\sum_{j\\ne k} |\\mathbf h^H \\mathbf w_j|^2 + \\sigma^2}.

    Parameters
    ----------
    h : array_like, complex, shape (n,)
        Channel of the receiver.
    W : array_like, complex, shape (n, K)
        Beamformers (one column per stream), power included.
    noise_power : float
        Noise power ``sigma^2`` > 0, in the same unit as ``|h^H w|^2``.

    Returns
    -------
    ndarray, shape (K,)
    """
    hv = as_array(h, "h", ndim=1, kind="complex")
    Wm = as_array(W, "W", ndim=2, kind="complex")
    if Wm.shape[0] != hv.shape[0]:
        raise ValueError(f"W must have {hv.shape[0]} rows to match h, got shape {Wm.shape}")
    s2 = float(check_positive(noise_power, "noise_power"))
    p = np.abs(hv.conj() @ Wm) ** 2
    return p / (p.sum() - p + s2)


def _noise_cov(noise, m: int, name: str) -> np.ndarray:
    r = as_array(noise, name, ndim=(0, 2), kind="complex")
    if r.ndim == 0:
        if r.real <= 0 or abs(r.imag) > 0:
            raise ValueError(f"{name} must be a positive noise power, got {noise!r}")
        return float(r.real) * np.eye(m)
    if r.shape != (m, m):
        raise ValueError(f"{name} must be a scalar or have shape ({m}, {m}), got {r.shape}")
    if not np.allclose(r, r.conj().T, atol=1e-10 * max(1.0, np.abs(r).max())):
        raise ValueError(f"{name} must be Hermitian")
    if np.linalg.eigvalsh(r).min() <= 0:
        raise ValueError(f"{name} must be positive definite")
    return r


def log_det_rate(H, Q, noise=1.0, base: float = 2.0) -> float:
    """Rate ``log det(I + H Q H^H R^{-1})`` of a Gaussian MIMO link.

    Parameters
    ----------
    H : array_like, complex, shape (m, n)
        Channel from ``n`` transmit to ``m`` receive antennas.
    Q : array_like, complex, shape (n, n)
        Transmit covariance, Hermitian positive semidefinite.
    noise : float or array_like, shape (m, m)
        Noise-plus-interference power (white) or covariance ``R`` (positive definite).
    base : float
        Logarithm base (2: bits/s/Hz).

    Returns
    -------
    float

    Examples
    --------
    >>> round(log_det_rate(np.eye(2), np.eye(2)), 6)
    2.0
    """
    return _log_det_rate(H, Q, noise, base, "H", "noise")


def _log_det_rate(H, Q, noise, base, h_name: str, noise_name: str) -> float:
    """:func:`log_det_rate` with the names of ``H`` and ``noise`` used in error messages."""
    Hm = as_array(H, h_name, ndim=2, kind="complex")
    if Hm.size == 0:
        raise ValueError(f"{h_name} must not be empty, got shape {Hm.shape}")
    m, n = Hm.shape
    Qm = as_array(Q, "Q", ndim=2, kind="complex")
    if Qm.shape != (n, n):
        raise ValueError(
            f"Q must have shape ({n}, {n}) to match the {n} columns of {h_name}, got {Qm.shape}"
        )
    _check_psd(Qm, "Q")
    R = _noise_cov(noise, m, noise_name)
    L = np.linalg.cholesky(R)
    A = sla.solve_triangular(L, Hm, lower=True)  # L^{-1} H
    M = np.eye(m) + A @ Qm @ A.conj().T
    sign, logdet = np.linalg.slogdet(0.5 * (M + M.conj().T))
    if sign.real <= 0:  # pragma: no cover - guarded by the PSD checks
        raise ValueError("I + H Q H^H R^-1 is not positive definite")
    return float(logdet / np.log(float(check_positive(base, "base"))))


def mimo_secrecy_rate(H, G, Q, noise_b=1.0, noise_e=1.0, base: float = 2.0) -> float:
    """Secrecy rate of a Gaussian MIMO wiretap channel for a given input covariance.

    ``[log det(I + H Q H^H / R_B) - log det(I + G Q G^H / R_E)]^+``.

    Parameters
    ----------
    H : array_like, shape (m_b, n)
        Legitimate channel.
    G : array_like, shape (m_e, n)
        Eavesdropper channel.
    Q : array_like, shape (n, n)
        Input covariance (PSD).
    noise_b, noise_e : float or array_like
        Noise power or covariance at the legitimate receiver and the eavesdropper.
    base : float
        Logarithm base.
    """
    rb = _log_det_rate(H, Q, noise_b, base, "H", "noise_b")
    re = _log_det_rate(G, Q, noise_e, base, "G", "noise_e")
    return max(rb - re, 0.0)


@dataclass(frozen=True)
class MisoSecrecyCapacity:
    """Secrecy capacity of a Gaussian MISO wiretap channel and its optimal beamformer.

    Attributes
    ----------
    capacity : float
        Secrecy capacity in the unit set by ``base`` (bits/s/Hz by default).
    beamformer : ndarray, complex, shape (n,)
        Optimal transmit vector ``w`` with ``||w||^2 = power`` (a zero vector when the
        capacity is zero).
    eigenvalue : float
        Largest generalized eigenvalue ``lambda_max`` (capacity = ``log(lambda_max)``).
    """

    capacity: float
    beamformer: np.ndarray
    eigenvalue: float


def miso_secrecy_capacity(
    h, g, power: float, noise_b: float = 1.0, noise_e: float = 1.0, base: float = 2.0
) -> MisoSecrecyCapacity:
    """Secrecy capacity of the Gaussian MISO wiretap channel.

    With one receive antenna at Bob and Eve, beamforming is optimal and

    .. math:: C_s = \\Big[\\log \\lambda_{\\max}\\big(\\mathbf I + \\tfrac{P}{\\sigma_B^2}
              \\mathbf h\\mathbf h^H,\\; \\mathbf I + \\tfrac{P}{\\sigma_E^2}
              \\mathbf g\\mathbf g^H\\big)\\Big]^+

    where ``lambda_max(A, B)`` is the largest generalized eigenvalue of the pencil.

    Parameters
    ----------
    h, g : array_like, complex, shape (n,)
        Channels to the legitimate receiver and to the eavesdropper.
    power : float
        Transmit power budget ``P`` > 0.
    noise_b, noise_e : float
        Noise powers at Bob and Eve, > 0.
    base : float
        Logarithm base.

    Returns
    -------
    MisoSecrecyCapacity
    """
    hv = as_array(h, "h", ndim=1, kind="complex")
    if hv.size == 0:
        raise ValueError("h must not be empty")
    gv = as_array(g, "g", shape=hv.shape, kind="complex", match="h")
    P = float(check_positive(power, "power"))
    sb = float(check_positive(noise_b, "noise_b"))
    se = float(check_positive(noise_e, "noise_e"))
    n = hv.shape[0]
    A = np.eye(n) + (P / sb) * np.outer(hv, hv.conj())
    B = np.eye(n) + (P / se) * np.outer(gv, gv.conj())
    vals, vecs = sla.eigh(A, B)
    lam = float(vals[-1])
    if lam <= 1.0:
        return MisoSecrecyCapacity(0.0, np.zeros(n, dtype=complex), lam)
    v = vecs[:, -1]
    w = np.sqrt(P) * v / np.linalg.norm(v)
    return MisoSecrecyCapacity(float(_log(lam, base)), w, lam)


def _check_psd(Q: np.ndarray, name: str) -> None:
    scale = max(1.0, float(np.abs(Q).max()))
    if not np.allclose(Q, Q.conj().T, atol=1e-10 * scale):
        raise ValueError(f"{name} must be Hermitian")
    if np.linalg.eigvalsh(0.5 * (Q + Q.conj().T)).min() < -1e-10 * scale:
        raise ValueError(f"{name} must be positive semidefinite")
