"""Vectorized arrays behind the public small-cell functions (internal).

A ``Stack`` holds ``T`` networks of the same size with a leading axis, so that the
coefficients, best responses and iterations of many Monte Carlo trials (and all players of
one trial) are computed in one NumPy call. The public functions wrap it with ``T = 1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._validation import as_array, check_nonnegative
from .network import Network

__all__ = ["Stack", "stack"]  # check_kappa, network_list, secrecy_nats: internal helpers


@dataclass(frozen=True)
class Stack:
    """``T`` networks of equal ``(J, K, N)``; every array has a leading axis of length ``T``."""

    hd: np.ndarray  # (T, J, K) direct gains h_jj(k)
    h_off: np.ndarray  # (T, J, J, K) h_ij(k) with the diagonal zeroed
    h0: np.ndarray  # (T, J, K)
    gd: np.ndarray  # (T, J, K) ĝ_jj(k)
    g_off: np.ndarray  # (T, J, J, K)
    g0: np.ndarray  # (T, J, K)
    hm: np.ndarray  # (T, N, J, K)
    p0: np.ndarray  # (T, K)
    noise: np.ndarray  # (T,)
    p_mask: np.ndarray  # (T, J)
    p_max: np.ndarray  # (T, J)
    i_th: np.ndarray  # (T, N)
    rd: np.ndarray  # (T, J, K)  sqrt(ϵ_j(k))
    rc: np.ndarray  # (T, J, K)  sqrt(ε_j(k))
    rm: np.ndarray  # (T, N)     sqrt(e_n)

    def take(self, idx) -> Stack:
        """The sub-stack of trials ``idx`` (1-D integer array)."""
        return Stack(**{k: getattr(self, k)[idx] for k in self.__dataclass_fields__})

    @property
    def T(self) -> int:
        return self.hd.shape[0]

    @property
    def J(self) -> int:
        return self.hd.shape[1]

    @property
    def K(self) -> int:
        return self.hd.shape[2]

    @property
    def N(self) -> int:
        return self.hm.shape[1]

    # ----------------------------------------------------------- coefficients
    def legit_den(self, p: np.ndarray) -> np.ndarray:
        """Interference plus noise at each SUE, corrected eq. (22): shape (T, J, K)."""
        return (
            np.einsum("tik,tijk->tjk", p, self.h_off)
            + self.p0[:, None, :] * self.h0
            + self.noise[:, None, None]
        )

    def a(self, p: np.ndarray) -> np.ndarray:
        """``a_j(k)`` of the corrected eq. (22)."""
        return self.hd / self.legit_den(p)

    def other_norm(self, p: np.ndarray) -> np.ndarray:
        """``||[p_i(k)]_{i≠j, i=0}||`` (MBS included): shape (T, J, K)."""
        sq = (p**2).sum(axis=1, keepdims=True) - p**2 + self.p0[:, None, :] ** 2
        return np.sqrt(np.maximum(sq, 0.0))

    def eve_den(self, p: np.ndarray, robust: bool = True) -> np.ndarray:
        """Eavesdropper denominator of eq. (23), worst case if ``robust`` (may be <= 0)."""
        d = (
            np.einsum("tik,tijk->tjk", p, self.g_off)
            + self.p0[:, None, :] * self.g0
            + self.noise[:, None, None]
        )
        if robust:
            d = d - self.rc * self.other_norm(p)
        return d

    def b(self, p: np.ndarray, robust: bool = True) -> np.ndarray:
        """``b_j(k)`` of the corrected eq. (23); ``inf`` where the worst-case denominator is
        not positive (the eavesdropper's SINR is then unbounded over the ball)."""
        num = self.gd + (self.rd if robust else 0.0)
        den = self.eve_den(p, robust)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)

    def interference(self, p: np.ndarray, robust: bool = True) -> np.ndarray:
        """Aggregate interference at each MUE, worst case over eq. (9) if ``robust``: (T, N)."""
        lin = np.einsum("tnjk,tjk->tn", self.hm, p)
        if not robust:
            return lin
        return lin + self.rm * np.sqrt((p**2).sum(axis=(1, 2)))[:, None]

    def zeta(self, p: np.ndarray, robust: bool = True) -> np.ndarray:
        """``ζ_n(p)`` of eq. (11) in closed form: worst-case interference minus threshold."""
        return self.interference(p, robust) - self.i_th


def secrecy_nats(S: Stack, P: np.ndarray, robust: bool) -> np.ndarray:
    """Per-channel secrecy in nats for stacked powers ``P`` (T, J, K)."""
    a, b = S.a(P), S.b(P, robust)
    fin = np.isfinite(b)
    val = np.log1p(P * a) - np.log1p(P * np.where(fin, b, 0.0))
    val = np.where(fin | (P == 0), val, 0.0)
    return np.maximum(val, 0.0)


def network_list(nets, name: str = "nets") -> list[Network]:
    """``nets`` as a list after checking that it is a non-empty sequence of Networks."""
    if isinstance(nets, Network):
        return [nets]
    if not isinstance(nets, Sequence) or isinstance(nets, str):
        raise TypeError(f"{name} must be a sequence of Networks, got {type(nets).__name__}")
    if not nets:
        raise ValueError(f"{name} must not be empty")
    for i, n in enumerate(nets):
        if not isinstance(n, Network):
            raise TypeError(f"{name}[{i}] must be a Network, got {type(n).__name__}")
    return list(nets)


def stack(nets: Sequence[Network] | Network) -> Stack:
    """Stack networks of equal size along a new leading axis."""
    nets = network_list(nets)
    sizes = {(n.n_sbs, n.n_channels, n.n_mue) for n in nets}
    if len(sizes) != 1:
        raise ValueError(f"nets must all have the same (J, K, N), got {sorted(sizes)}")

    def st(name):
        return np.stack([np.asarray(getattr(n, name), dtype=float) for n in nets])

    h, g = st("h"), st("g")
    J = h.shape[1]
    eye = np.eye(J, dtype=bool)[None, :, :, None]
    return Stack(
        hd=np.einsum("tjjk->tjk", h),
        h_off=np.where(eye, 0.0, h),
        h0=st("h0"),
        gd=np.einsum("tjjk->tjk", g),
        g_off=np.where(eye, 0.0, g),
        g0=st("g0"),
        hm=st("hm"),
        p0=st("p0"),
        noise=st("noise"),
        p_mask=st("p_mask"),
        p_max=st("p_max"),
        i_th=st("i_th"),
        rd=np.sqrt(st("eps_d")),
        rc=np.sqrt(st("eps_c")),
        rm=np.sqrt(st("e_mue")),
    )


def check_kappa(net: Network, kappa, name: str = "kappa") -> np.ndarray:
    """Prices ``κ`` (a scalar or shape (N,)) as a non-negative array of shape (N,)."""
    k = as_array(kappa, name, ndim=(0, 1))
    if k.ndim == 1 and k.shape != (net.n_mue,):
        raise ValueError(f"{name} must be a scalar or have shape ({net.n_mue},), got {k.shape}")
    k = np.broadcast_to(k, (net.n_mue,)).astype(float)
    return check_nonnegative(k, name)
