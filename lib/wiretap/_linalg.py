"""Small dense linear-algebra helpers shared by the paper packages (internal).

These are the unchecked kernels that the solvers call on their own iterates; the public,
checked versions (e.g. :func:`wiretap.mimo_ic.hermitian_sqrt`) validate their input and then
call these.
"""

from __future__ import annotations

import numpy as np

__all__ = ["herm", "hsqrt", "logdet"]


def herm(M: np.ndarray) -> np.ndarray:
    """Hermitian part ``(M + M^H) / 2`` of a matrix or of a stack of matrices (last two axes)."""
    M = np.asarray(M)
    return 0.5 * (M + np.swapaxes(M.conj(), -1, -2))


def hsqrt(S: np.ndarray) -> np.ndarray:
    """Hermitian square root of the Hermitian part of ``S``; negative eigenvalues clip to 0."""
    w, V = np.linalg.eigh(herm(S))
    return herm((V * np.sqrt(np.maximum(w, 0.0))) @ V.conj().T)


def logdet(M, *, strict: bool = True) -> float:
    """Natural log-determinant of the Hermitian part of ``M`` (nats).

    Parameters
    ----------
    M : array_like, shape (n, n) (a scalar is read as 1 x 1)
    strict : bool
        If True, a matrix that is not positive definite raises ``ValueError``; if False, it
        gives ``-inf``.
    """
    sign, val = np.linalg.slogdet(herm(np.atleast_2d(M)))
    if sign.real <= 0:
        if strict:
            raise ValueError("a matrix that must be positive definite is not")
        return -np.inf
    return float(val)
