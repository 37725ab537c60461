"""Matrix helpers shared by the Foundations modules (internal).

The block helpers accept numpy arrays (real or complex) and cvxpy expressions alike, so that
the LMI builders of :mod:`wiretap.lemmas` return a numpy array for numeric input and a cvxpy
expression as soon as one argument is one. :func:`hermitian_pd` checks a numeric matrix for
:mod:`wiretap.sca` and :mod:`wiretap.fisher`.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from ._validation import as_array

HERM_RTOL = 1e-9  # relative tolerance of the Hermitian check of numeric blocks


# ----------------------------------------------------------------------------- helpers
def is_cvx(x) -> bool:
    """Whether ``x`` is a cvxpy expression."""
    return isinstance(x, cp.Expression)


def numeric(x, name: str, *, ndim=None) -> np.ndarray:
    """A numeric array, complex only if the input is complex."""
    arr = np.asarray(x)
    kind = "complex" if np.iscomplexobj(arr) else "real"
    return as_array(x, name, ndim=ndim, kind=kind)


def shape_of(x) -> tuple[int, ...]:
    """Shape of a numpy value or cvxpy expression."""
    return tuple(x.shape) if is_cvx(x) else np.shape(x)


def as_2d(x, name: str, *, vector_as_column: bool = True):
    """Numpy or cvxpy value as a 2-D block: scalars to (1, 1), vectors to columns."""
    if is_cvx(x):
        if x.ndim == 0:
            return cp.reshape(x, (1, 1), order="F")
        if x.ndim == 1:
            n = x.shape[0]
            shape = (n, 1) if vector_as_column else (1, n)
            return cp.reshape(x, shape, order="F")
        if x.ndim != 2:
            raise ValueError(f"{name} must have at most 2 dimensions, got shape {x.shape}")
        return x
    arr = numeric(x, name, ndim=(0, 1, 2))
    if arr.ndim == 0:
        return arr.reshape(1, 1)
    if arr.ndim == 1:
        return arr.reshape(-1, 1) if vector_as_column else arr.reshape(1, -1)
    return arr


def ctrans(x):
    """Conjugate transpose of a 2-D numpy array or cvxpy expression."""
    return x.H if is_cvx(x) else x.conj().T


def herm_block(x, name: str):
    """A diagonal block, checked (numpy) or made (cvxpy) Hermitian."""
    if x.shape[0] != x.shape[1]:
        raise ValueError(f"{name} must be square, got shape {x.shape}")
    if is_cvx(x):
        if x.is_hermitian():
            return x
        return (x + x.H) / 2
    scale = max(1.0, float(np.abs(x).max(initial=0.0)))
    if np.abs(x - x.conj().T).max(initial=0.0) > HERM_RTOL * scale:
        raise ValueError(f"{name} must be Hermitian (||{name} - {name}^H||_max too large)")
    return (x + x.conj().T) / 2


def real_scalar(x, name: str, *, nonneg: bool = False):
    """A real scalar: a float (checked) or a scalar cvxpy expression (returned as is)."""
    if is_cvx(x):
        if x.size != 1:
            raise ValueError(f"{name} must be a scalar, got shape {x.shape}")
        if not x.is_real():
            raise ValueError(f"{name} must be real-valued")
        return x if x.ndim == 0 else cp.reshape(x, (), order="F")
    if isinstance(x, (bool, np.bool_)):
        raise ValueError(f"{name} must be a real number, got {x!r}")
    arr = as_array(x, name)
    if arr.size != 1:
        raise ValueError(f"{name} must be a scalar, got shape {arr.shape}")
    val = float(arr.reshape(()))
    if nonneg and val < 0:
        raise ValueError(f"{name} must be >= 0, got {val!r}")
    return val


def bmat(blocks):
    """Block matrix: ``cvxpy.bmat`` if any block is a cvxpy expression, else ``numpy.block``."""
    if any(is_cvx(b) for row in blocks for b in row):
        return cp.bmat([list(row) for row in blocks])
    return np.block([list(row) for row in blocks])


def same_square(F0, F1, names=("F0", "F1")) -> None:
    """Check that ``F0`` is square and ``F1`` has its shape."""
    s0, s1 = tuple(shape_of(F0)), tuple(shape_of(F1))
    if len(s0) != 2 or s0[0] != s0[1]:
        raise ValueError(f"{names[0]} must be a square matrix, got shape {s0}")
    if s1 != s0:
        raise ValueError(f"{names[1]} must have the shape of {names[0]} {s0}, got {s1}")


def hermitian_matrix(F, name: str):
    """A square matrix, checked (numpy) or made (cvxpy) Hermitian."""
    if is_cvx(F):
        if F.ndim != 2:
            raise ValueError(f"{name} must be a square matrix, got shape {F.shape}")
        return herm_block(F, name)
    return herm_block(numeric(F, name, ndim=2), name)


def hermitian_pd(X: np.ndarray, name: str) -> np.ndarray:
    """The Hermitian part of the square numeric ``X``, checked Hermitian and positive definite.

    ``ValueError`` (naming ``name``) when ``||X - X^H||_F > 1e-10 max(1, ||X||_F)`` or the
    smallest eigenvalue of the Hermitian part is not positive.
    """
    scale = max(1.0, float(np.linalg.norm(X)))
    if np.linalg.norm(X - X.conj().T) > 1e-10 * scale:
        raise ValueError(f"{name} must be Hermitian (symmetric)")
    X = (X + X.conj().T) / 2
    if np.linalg.eigvalsh(X)[0] <= 0:
        raise ValueError(f"{name} must be positive definite")
    return X
