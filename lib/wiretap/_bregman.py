"""Bregman proximal kernels shared by :mod:`wiretap.mirror` and the AAUC solvers (internal)."""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from ._validation import as_array, check_positive


def kl_prox_log_checked(logx, g, step, name: str) -> np.ndarray:
    """:func:`wiretap.mirror.kl_prox_log` with ``name`` for ``logx`` in error messages."""
    lx = as_array(logx, name, ndim=1, finite=False)
    if np.any(np.isnan(lx)) or np.any(lx == np.inf):
        raise ValueError(f"{name} must not contain NaN or +inf")
    if np.all(lx == -np.inf):
        raise ValueError(f"{name} must have at least one finite entry")
    g = as_array(g, "g", shape=lx.shape, match=name)
    step = float(check_positive(step, "step"))
    a = lx - step * g
    return a - logsumexp(a)


def kl_step(x: np.ndarray, g: np.ndarray, step: float) -> np.ndarray:
    """:func:`wiretap.mirror.kl_prox` without argument checks, for inner loops (same
    log-sum-exp shift)."""
    with np.errstate(divide="ignore"):
        a = np.log(x) - step * g
    a -= a.max()
    e = np.exp(a)
    return e / e.sum()
