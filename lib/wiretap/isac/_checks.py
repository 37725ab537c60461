"""Input checks shared by the ISAC modules (internal).

* :func:`real_scalar`, :func:`check_scenario`, :func:`check_design` validate user input;
* :func:`check_psd` tests stacks of covariances for positive semidefiniteness, except inside
  a design algorithm marked with :func:`solver_entry` (its own iterates carry solver
  round-off and are re-checked by the public functions a user calls on the result).
"""

from __future__ import annotations

import functools
from contextvars import ContextVar

import numpy as np

from .._validation import as_array

__all__ = [
    "PSD_RTOL",
    "check_covariances",
    "check_psd",
    "check_scenario",
    "real_scalar",
    "solver_entry",
]

PSD_RTOL = 1e-6
"""Relative tolerance of the PSD checks of user covariances: a matrix ``M`` passes when
``lambda_min(M) >= -PSD_RTOL * max(1, ||A||_2)``, with ``A`` the largest matrix of the
stack (SDP solvers return tiny negative eigenvalues, on the scale of the whole design)."""

INSIDE_SOLVER: ContextVar[bool] = ContextVar("_INSIDE_SOLVER", default=False)


def real_scalar(x, name: str) -> float:
    """A finite real number (not a bool); anything else raises naming ``name``."""
    if isinstance(x, bool | np.bool_):
        raise TypeError(f"{name} must be a real number, got a bool")
    return float(as_array(x, name, ndim=0))


def check_psd(A: np.ndarray, name: str) -> None:
    """Raise naming ``name`` unless every matrix of the stack ``A`` is PSD up to round-off.

    Only the Hermitian part is tested (it is all the quadratic forms of the model use).
    """
    if A.size == 0 or INSIDE_SOLVER.get():
        return
    ev = np.linalg.eigvalsh((A + np.conj(np.swapaxes(A, -1, -2))) / 2)
    scale = max(1.0, float(np.abs(ev).max()))
    worst = float(ev[..., 0].min())
    if worst < -PSD_RTOL * scale:
        raise ValueError(
            f"{name} must hold positive semidefinite matrices, got an eigenvalue {worst:.3g} "
            f"(tolerance {PSD_RTOL:g} x max(1, largest |eigenvalue| {scale:.3g}))"
        )


def solver_entry(fn):
    """Mark a design algorithm: inside it, its own iterates skip the PSD checks.

    SDP iterates carry round-off far larger than a final design's (they are re-checked
    by the public functions a user calls on the result); the checks guard user input.
    """

    @functools.wraps(fn)
    def run(*args, **kwargs):
        token = INSIDE_SOLVER.set(True)
        try:
            return fn(*args, **kwargs)
        finally:
            INSIDE_SOLVER.reset(token)

    return run


def check_scenario(scn, name: str = "scn"):
    """``scn`` itself if it is a :class:`~wiretap.isac.Scenario`; a TypeError otherwise."""
    from .geometry import Scenario  # geometry imports this module

    if not isinstance(scn, Scenario):
        raise TypeError(f"{name} must be a wiretap.isac.Scenario, got {type(scn).__name__}")
    return scn


def check_covariances(scn, W, R):
    """``W, R`` as arrays of the design shapes of ``scn``, PSD up to round-off."""
    W = as_array(W, "W", shape=(2, scn.M, scn.K, scn.N, scn.N), kind="complex")
    R = as_array(R, "R", shape=(2, scn.M, scn.N, scn.N), kind="complex")
    check_psd(W, "W")
    check_psd(R, "R")
    return W, R
