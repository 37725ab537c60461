"""Argument checks shared by the MIMO-IC modules (private).

Every helper raises :class:`ValueError` (:class:`TypeError` for a wrong kind of object) with a
message that names the offending argument; when two arguments disagree in size the message
names both (``"X must have shape (2, *) to match the columns of A"``).
"""

from __future__ import annotations

import numpy as np

from .._validation import as_array, check_int, check_range


def check_instance(x, name: str, cls):
    """``x`` itself after checking that it is a ``cls``."""
    if not isinstance(x, cls):
        raise TypeError(f"{name} must be a {cls.__name__}, got {type(x).__name__}")
    return x


def nonempty(arr: np.ndarray, name: str) -> np.ndarray:
    """``arr`` after checking that none of its dimensions is zero."""
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    return arr


def matrix(x, name: str, *, shape=(None, None), match: str | None = None) -> np.ndarray:
    """A non-empty complex matrix of the given ``shape`` (``None`` entries: any length)."""
    arr = as_array(x, name, ndim=2, kind="complex")
    nonempty(arr, name)
    if any(s is not None for s in shape):
        arr = as_array(arr, name, shape=tuple(shape), kind="complex", match=match)
    return arr


_ABSENT = object()


def channels(H, G=_ABSENT):
    """Validated ``H`` of shape ``(K, K, n_r, n_t)`` and, if given, ``G`` ``(K, n_e, n_t)``."""
    Hm = nonempty(as_array(H, "H", ndim=4, kind="complex"), "H")
    if Hm.shape[0] != Hm.shape[1]:
        raise ValueError(f"H must have shape (K, K, n_r, n_t), got {Hm.shape}")
    if G is _ABSENT:
        return Hm
    K, _, _, n_t = Hm.shape
    Gm = as_array(
        G, "G", shape=(K, None, n_t), kind="complex", match="the pairs and the columns of H"
    )
    nonempty(Gm, "G")
    return Hm, Gm


def hermitian_psd(x, name: str, n: int, *, match: str | None = None, rtol: float = 1e-6):
    """An ``n x n`` Hermitian positive semidefinite matrix, within round-off.

    The Hermitian residual may be ``rtol`` times the norm of the matrix; the smallest
    eigenvalue may be ``-rtol`` times its largest magnitude (round-off of a computed
    covariance). Returns the Hermitian part.
    """
    M = as_array(x, name, shape=(n, n), kind="complex", match=match)
    scale = float(np.linalg.norm(M))
    if float(np.linalg.norm(M - M.conj().T)) > rtol * scale:
        raise ValueError(f"{name} must be Hermitian")
    Mh = 0.5 * (M + M.conj().T)
    if n and float(np.linalg.eigvalsh(Mh).min()) < -rtol * max(scale, 1e-300):
        raise ValueError(f"{name} must be positive semidefinite")
    return Mh


def check_hgx(H, G, X, d_s) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Checked channels ``H``, ``G``, designs ``X`` and ``d_s`` (``1 <= d_s < k``)."""
    Hm, Gm = channels(H, G)
    Xm = designs(X, Hm)
    d = check_int(d_s, "d_s", minimum=1, maximum=Xm.shape[2] - 1)
    return Hm, Gm, Xm, d


def designs(X, Hm: np.ndarray) -> np.ndarray:
    """``X`` of shape ``(K, n_t, k)`` for the channels ``Hm``, ``k >= 1``."""
    K, n_t = Hm.shape[0], Hm.shape[3]
    Xm = as_array(X, "X", shape=(K, n_t, None), kind="complex", match="the pairs and columns of H")
    return nonempty(Xm, "X")


def loop_settings(max_iter, tol, cert_tol) -> tuple[int, float, float]:
    """Checked ``max_iter >= 1``, ``tol > 0`` and ``cert_tol > 0`` of an iterative solver."""
    return (
        check_int(max_iter, "max_iter", minimum=1),
        float(check_range(tol, "tol", 0.0, np.inf, low_open=True)),
        float(check_range(cert_tol, "cert_tol", 0.0, np.inf, low_open=True)),
    )
