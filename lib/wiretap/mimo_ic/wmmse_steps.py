"""Closed-form WMMSE blocks of the per-pair problem (the non-robust case, radius 0).

For pair ``i`` the secrecy rate splits into three log-det terms (paper eq. (12)):

``C_S = C_R - log det(N_E + Z_E) + log det(N_E)``,

and each has a variational form that is concave in the precoder once the auxiliary
variables are fixed (paper eqs. (27)-(36), corrected; see the WMMSE chapter):

* ``C_R = max_{U_R, S_R} log det S_R - tr(S_R M_R(U_R)) + d_s`` (data MSE at the receiver);
* ``-log det(N_E + Z_E) = -log det(I_k + X^H G^H G X)
  = max_{S_m} log det S_m - tr(S_m (I_k + X^H G^H G X)) + k`` with a ``k x k`` weight
  (Sylvester's identity moves the print's ``n_e x n_e`` weight of eq. (27) to the stream
  space; the value is the same, the robust counterpart is tighter and smaller);
* ``log det N_E = max_{U_E, S_p} log det S_p - tr(S_p M_E(U_E)) + d_a`` (AN "rate" at Eve;
  unit noise after normalization).

We keep the weights as square roots, ``F = S^{1/2}``, and the receivers as
``W = F U^H``: then ``tr(S M) = ||W (channel) X - [F, 0]||_F^2 + ...`` is jointly convex
in ``(F, W)`` and in ``X``, which is what the robust subproblems exploit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize as sopt

from .. import wmmse
from .._linalg import herm, hsqrt
from .._validation import as_array, check_int, check_range
from ._checks import check_instance, hermitian_psd, matrix

__all__ = [
    "Aux",
    "aux_closed_form",
    "eve_closed_form",
    "hermitian_sqrt",
    "nominal_precoder",
    "receiver_closed_form",
]


def hermitian_sqrt(S) -> np.ndarray:
    """Hermitian square root of a Hermitian positive semidefinite matrix (eigenvalues >= 0).

    Round-off is tolerated: ``S`` may differ from ``S^H`` by ``1e-5`` of its norm (a computed
    inverse of an ill-conditioned covariance, whose Hermitian part is used) and its smallest
    eigenvalue may be ``-1e-9`` times ``max(1, largest magnitude)``.

    Parameters
    ----------
    S : array_like, complex, shape (n, n)

    Returns
    -------
    ndarray, complex, shape (n, n)

    Raises
    ------
    ValueError
        If ``S`` is empty, not square, not finite, not Hermitian or not positive semidefinite.

    Examples
    --------
    >>> F = hermitian_sqrt(np.diag([4.0, 9.0]))
    >>> np.real(np.diag(F)).tolist()
    [2.0, 3.0]
    """
    Sm = matrix(S, "S")
    if Sm.shape[0] != Sm.shape[1]:
        raise ValueError(f"S must be square, got shape {Sm.shape}")
    scale = float(np.linalg.norm(Sm))
    if float(np.linalg.norm(Sm - Sm.conj().T)) > 1e-5 * scale:
        raise ValueError("S must be Hermitian")
    w = np.linalg.eigh(herm(Sm))[0]
    if w.min() < -1e-9 * max(1.0, abs(w).max()):
        raise ValueError("S must be positive semidefinite")
    return hsqrt(Sm)


@dataclass(frozen=True)
class Aux:
    """Auxiliary (WMMSE) variables of one pair.

    Attributes
    ----------
    F_r : ndarray, shape (d_s, d_s)
        ``S_R^{1/2}``, square root of the receiver's MSE weight.
    W_r : ndarray, shape (d_s, n_r)
        ``F_r U_R^H`` with ``U_R`` the receive filter.
    F_e : ndarray, shape (d_a, d_a)
        ``S_p^{1/2}``, weight of the AN-MSE at Eve.
    W_e : ndarray, shape (d_a, n_e)
        ``F_e U_E^H`` with ``U_E`` Eve's (virtual) AN filter.
    S_m : ndarray, shape (k, k)
        Weight of Eve's stream-space Gram matrix, ``S_m = (I_k + X^H G^H G X)^{-1}`` at the
        closed form (``k = d_s + d_a``).
    """

    F_r: np.ndarray
    W_r: np.ndarray
    F_e: np.ndarray
    W_e: np.ndarray
    S_m: np.ndarray

    @property
    def S_r(self) -> np.ndarray:
        """``S_R = F_r^2``."""
        return self.F_r @ self.F_r

    @property
    def S_p(self) -> np.ndarray:
        """``S_p = F_e^2``."""
        return self.F_e @ self.F_e

    @property
    def U_r(self) -> np.ndarray:
        """The receive filter ``U_R = W_r^H F_r^{-1}``, shape (n_r, d_s)."""
        return np.linalg.solve(self.F_r, self.W_r).conj().T

    def replace(self, **kw) -> Aux:
        """A copy with some fields replaced."""
        from dataclasses import replace

        return replace(self, **kw)


def _split(X, d_s, n_t: int, other: str):
    Xm = matrix(X, "X", shape=(n_t, None), match=f"the columns of {other}")
    d = check_int(d_s, "d_s", minimum=1, maximum=Xm.shape[1] - 1)
    return Xm, Xm[:, :d], Xm[:, d:]


def receiver_closed_form(A, X, Ups, d_s: int) -> tuple[np.ndarray, np.ndarray]:
    """MMSE receiver and weight of pair ``i``: ``(F_r, W_r)`` maximizing the ``C_R`` bound.

    ``U_R = (N_R + Z_R)^{-1} A Q`` (the MMSE receiver; the print's (33) omits ``Z_R``),
    ``S_R = E^{-1}`` with ``E = (I + Q^H A^H N_R^{-1} A Q)^{-1}`` (paper eq. (35)).

    Parameters
    ----------
    A : array_like, complex, shape (n_r, n_t)
        Main channel (normalized).
    X : array_like, complex, shape (n_t, d_s + d_a)
        ``[Q, Lambda]``.
    Ups : array_like, complex, shape (n_r, n_r)
        Interference covariance from the other pairs.
    d_s : int

    Returns
    -------
    F_r : ndarray, shape (d_s, d_s)
    W_r : ndarray, shape (d_s, n_r)
    """
    Am = matrix(A, "A")
    _Xm, Q, L = _split(X, d_s, Am.shape[1], "A")
    U_ = hermitian_psd(Ups, "Ups", Am.shape[0], match="the rows of A")
    AL = Am @ L
    N = herm(AL @ AL.conj().T + U_ + np.eye(Am.shape[0]))
    U = wmmse.mmse_receiver(Am, Q, N)
    E = wmmse.mmse_matrix(Am, Q, N)
    F = hermitian_sqrt(herm(np.linalg.inv(herm(E))))
    return F, F @ U.conj().T


def eve_closed_form(G, X, d_s: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eve-side auxiliaries: ``(F_e, W_e, S_m)`` maximizing the two Eve bounds.

    ``U_E`` is the MMSE filter of the AN streams at Eve, ``S_p = E_AN^{-1}`` and
    ``S_m = (I_k + X^H G^H G X)^{-1}`` (paper eqs. (28), (34), (36), corrected; stream-space
    form of (28)).

    Parameters
    ----------
    G : array_like, complex, shape (n_e, n_t)
    X : array_like, complex, shape (n_t, d_s + d_a)
    d_s : int

    Returns
    -------
    F_e : ndarray, shape (d_a, d_a)
    W_e : ndarray, shape (d_a, n_e)
    S_m : ndarray, shape (d_s + d_a, d_s + d_a)
    """
    Gm = matrix(G, "G")
    Xm, _, L = _split(X, d_s, Gm.shape[1], "G")
    U = wmmse.mmse_receiver(Gm, L, 1.0)
    E = wmmse.mmse_matrix(Gm, L, 1.0)
    F = hermitian_sqrt(herm(np.linalg.inv(herm(E))))
    GX = Gm @ Xm
    S_m = herm(np.linalg.inv(herm(GX.conj().T @ GX + np.eye(Xm.shape[1]))))
    return F, F @ U.conj().T, S_m


def aux_closed_form(A, G, X, Ups, d_s: int) -> Aux:
    """All auxiliary variables of a pair in closed form (the non-robust block maximizers).

    Parameters
    ----------
    A : array_like, complex, shape (n_r, n_t)
        Main channel.
    G : array_like, complex, shape (n_e, n_t)
        Eve channel.
    X : array_like, complex, shape (n_t, d_s + d_a)
    Ups : array_like, complex, shape (n_r, n_r)
        Interference covariance from the other pairs (Hermitian positive semidefinite).
    d_s : int

    Returns
    -------
    Aux
        :func:`receiver_closed_form` and :func:`eve_closed_form` together.
    """
    Am = matrix(A, "A")
    matrix(G, "G", shape=(None, Am.shape[1]), match="the columns of A")
    F_r, W_r = receiver_closed_form(A, X, Ups, d_s)
    F_e, W_e, S_m = eve_closed_form(G, X, d_s)
    return Aux(F_r=F_r, W_r=W_r, F_e=F_e, W_e=W_e, S_m=S_m)


def _solve_power(Hess, b, power):
    """Minimize ``x^H Hess x - 2 Re(b^H x)`` subject to ``||x||^2 <= power`` (Hess PSD)."""
    w, V = np.linalg.eigh(herm(Hess))
    w = np.maximum(w, 0.0)
    c = V.conj().T @ b
    g = np.abs(c) ** 2

    def excess(mu):
        return float(np.sum(g / (w + mu) ** 2)) - power

    if w.min() > 1e-12 * max(1.0, w.max()) and excess(0.0) <= 0:
        return V @ (c / w), 0.0
    hi = 2.0 * np.sqrt(g.sum() / power) + 1e-300
    lo = hi
    for _ in range(2000):
        lo /= 2
        if excess(lo) > 0:
            break
    mu = sopt.brentq(excess, lo, hi, rtol=1e-14, xtol=1e-300)
    return V @ (c / (w + mu)), mu


def nominal_precoder(A, G, X_shape, aux: Aux, cross, cross_prices, power, d_s: int):
    """Closed-form precoder step of the non-robust problem (radius 0).

    Minimizes ``||W_r A X - [F_r, 0]||^2 + ||W_e G Lambda - F_e||^2 + tr(S_m X^H G^H G X)
    + sum_j tr(Pi_j C_j X X^H C_j^H)`` over ``||X||_F^2 <= P``. In ``x = vec(X)`` this is
    ``x^H Hess x - 2 Re(b^H x)`` with ``Hess = blkdiag(I kron K_Q, I kron K_L) + S_m^T kron
    G^H G``; the solution is ``(Hess + mu I)^{-1} b`` with the power multiplier ``mu >= 0``
    found by bisection.

    Parameters
    ----------
    A : array_like, shape (n_r, n_t)
        Main channel.
    G : array_like, shape (n_e, n_t)
        Eve channel.
    X_shape : tuple
        ``(n_t, d_s + d_a)``.
    aux : Aux
    cross : array_like, shape (m, n_r, n_t)
        Outgoing cross channels ``H_ji`` (TX ``i`` to RX ``j``), one per priced receiver.
    cross_prices : array_like, shape (m, n_r, n_r)
        The prices ``Pi_j`` of those receivers.
    power : float
    d_s : int

    Returns
    -------
    X : ndarray, shape (n_t, d_s + d_a)
    mu : float
        The power multiplier.
    """
    Am = matrix(A, "A")
    n_r, n_t = Am.shape
    Gm = matrix(G, "G", shape=(None, n_t), match="the columns of A")
    check_instance(aux, "aux", Aux)
    shp = as_array(X_shape, "X_shape", shape=(2,), kind="int")
    if int(shp[0]) != n_t or int(shp[1]) != aux.S_m.shape[0]:
        raise ValueError(
            f"X_shape must be ({n_t}, {aux.S_m.shape[0]}) to match the columns of A and aux, "
            f"got {tuple(shp.tolist())}"
        )
    k = int(shp[1])
    d = check_int(d_s, "d_s", minimum=1, maximum=k - 1)
    if aux.W_r.shape != (d, n_r) or aux.W_e.shape != (k - d, Gm.shape[0]):
        raise ValueError("aux does not match the sizes of A, G, X_shape and d_s")
    C = as_array(cross, "cross", shape=(None, n_r, n_t), kind="complex", match="A")
    Pi = as_array(
        cross_prices,
        "cross_prices",
        shape=(C.shape[0], n_r, n_r),
        kind="complex",
        match="cross and the rows of A",
    )
    P = float(check_range(power, "power", 0.0, np.inf, low_open=True))
    WA = aux.W_r @ Am
    K_q = WA.conj().T @ WA
    for Cj, Pj in zip(C, Pi, strict=True):
        K_q = K_q + Cj.conj().T @ Pj @ Cj
    WG = aux.W_e @ Gm
    K_l = K_q + WG.conj().T @ WG
    Hess = np.kron(aux.S_m.T, Gm.conj().T @ Gm)
    for col in range(k):
        blk = slice(col * n_t, (col + 1) * n_t)
        Hess[blk, blk] += K_q if col < d else K_l
    B = np.zeros((n_t, k), complex)
    B[:, :d] = WA.conj().T @ aux.F_r
    B[:, d:] = WG.conj().T @ aux.F_e
    x, mu = _solve_power(Hess, B.reshape(-1, order="F"), P)
    return x.reshape((n_t, k), order="F"), mu
