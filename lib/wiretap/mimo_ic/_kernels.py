"""Arithmetic kernels of the MIMO-IC model (internal, unchecked).

The public functions of :mod:`wiretap.mimo_ic.model` check their arguments and call these;
the arguments here are already checked complex arrays.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from .._linalg import herm, logdet

__all__ = [
    "best_fraction",
    "cn",
    "covariances",
    "in_ball",
    "interference",
    "minus_payments",
    "pair_rates",
    "rate_gradients",
    "start_directions",
]


def interference(Hm: np.ndarray, Xm: np.ndarray, i: int) -> np.ndarray:
    """``Upsilon_i = sum_{j != i} H_ij X_j X_j^H H_ij^H`` (eq. (21))."""
    K = Hm.shape[0]
    n_r = Hm.shape[2]
    U = np.zeros((n_r, n_r), dtype=complex)
    for j in range(K):
        if j != i:
            HX = Hm[i, j] @ Xm[j]
            U += HX @ HX.conj().T
    return herm(U)


def cn(rng: np.random.Generator, shape, var: float) -> np.ndarray:
    return np.sqrt(var / 2.0) * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape))


def in_ball(rng: np.random.Generator, shape, radius: float) -> np.ndarray:
    """Uniform draws in the complex Frobenius ball of ``radius``, one per leading index."""
    lead, mat = shape[:-2], shape[-2:]
    n = 2 * int(np.prod(mat))
    D = cn(rng, shape, 1.0)
    nrm = np.linalg.norm(D.reshape(*lead, -1), axis=-1)[..., None, None]
    u = rng.random(lead)[..., None, None] ** (1.0 / n)
    return radius * u * D / nrm


def covariances(Hm, Gm, Xm, d, i):
    A, Q, L = Hm[i, i], Xm[i][:, :d], Xm[i][:, d:]
    Ups = interference(Hm, Xm, i)
    AL = A @ L
    N = AL @ AL.conj().T + Ups + np.eye(A.shape[0])
    AQ = A @ Q
    Z = AQ @ AQ.conj().T
    GL = Gm[i] @ L
    NE = GL @ GL.conj().T + np.eye(Gm.shape[1])
    GQ = Gm[i] @ Q
    ZE = GQ @ GQ.conj().T
    return N, Z, NE, ZE


def rate_gradients(Hm, Gm, Xm, d):
    """Per pair: gradient of C_S,i w.r.t. conj(X_i), and the prices."""
    K = Hm.shape[0]
    grads = np.zeros_like(Xm)
    pr = np.empty((K, Hm.shape[2], Hm.shape[2]), dtype=complex)
    for i in range(K):
        A, G = Hm[i, i], Gm[i]
        Q, L = Xm[i][:, :d], Xm[i][:, d:]
        N, Z, NE, ZE = covariances(Hm, Gm, Xm, d, i)
        Nz_inv = np.linalg.inv(herm(N + Z))
        N_inv = np.linalg.inv(herm(N))
        NEZ_inv = np.linalg.inv(herm(NE + ZE))
        NE_inv = np.linalg.inv(herm(NE))
        pr[i] = herm(N_inv - Nz_inv)
        gQ = A.conj().T @ Nz_inv @ A @ Q - G.conj().T @ NEZ_inv @ G @ Q
        gL = -A.conj().T @ pr[i] @ A @ L - G.conj().T @ (NEZ_inv - NE_inv) @ G @ L
        grads[i] = np.concatenate([gQ, gL], axis=1)
    return grads, pr


def minus_payments(grads, Hm, Xm, price):
    """``grads`` minus each pair's payment gradient ``H_ji^H Pi_j H_ji X_i`` (a copy)."""
    K = Hm.shape[0]
    out = grads.copy()
    for i in range(K):
        for j in range(K):
            if j != i:
                C = Hm[j, i]
                out[i] -= C.conj().T @ price[j] @ C @ Xm[i]
    return out


def start_directions(A, G, P: float, d: int, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Directions of :func:`wiretap.mimo_ic.initial_precoders` for one pair.

    Returns the unit-norm columns ``V`` (data first, AN last) and the mask ``on`` of the
    powered data streams.
    """
    n_t = A.shape[1]
    if method == "svd":
        _, _, Vh = np.linalg.svd(A)
        V = Vh.conj().T
        on = np.ones(d, bool)
    else:
        w, V = sla.eigh(herm(A.conj().T @ A), herm(G.conj().T @ G) + np.eye(n_t) / P)
        w, V = w[::-1], V[:, ::-1]
        V = V / np.linalg.norm(V, axis=0)
        on = w[:d] > 1.0
        if not on.any():
            on[0] = True
    return V, on


def pair_rates(Hm, Gm, Xm, d: int) -> tuple[np.ndarray, np.ndarray]:
    """``C_R`` and ``C_E`` of every pair (:func:`wiretap.mimo_ic.rates`), nats."""
    K = Hm.shape[0]
    cr, ce = np.empty(K), np.empty(K)
    for i in range(K):
        N, Z, NE, ZE = covariances(Hm, Gm, Xm, d, i)
        cr[i] = logdet(N + Z) - logdet(N)
        ce[i] = logdet(NE + ZE) - logdet(NE)
    return cr, ce


def best_fraction(Hm, Gm, X1, fractions, d: int) -> float:
    """The power fraction ``t`` (of ``fractions``, in order) that maximizes the unclipped sum
    secrecy rate of ``sqrt(t) X1`` (ties within 1e-12 relative keep the earlier one)."""
    best_t, best_v = 1.0, -np.inf
    for t in fractions:
        cr, ce = pair_rates(Hm, Gm, np.sqrt(t) * X1, d)
        v = float(np.sum(cr - ce))
        if v > best_v + 1e-12 * abs(best_v if np.isfinite(best_v) else 0.0):
            best_t, best_v = float(t), v
    return best_t
