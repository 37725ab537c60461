"""SCA surrogates and the numerical check of the surrogate properties (internal).

The public home of these names is :mod:`wiretap.sca`, which re-exports them (their
``__module__`` says so, for the documentation and the bad-input registry); see that module
for the three properties a surrogate must have and the gradient convention.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._matrices import hermitian_pd
from ._validation import as_array, check_choice, check_positive

# ---------------------------------------------------------------------------------------
# surrogate checks


@dataclass(frozen=True)
class SurrogateCheck:
    """Numerical check of the three surrogate properties at one expansion point.

    Attributes
    ----------
    bound_violation : float
        ``max(0, max_p s(p) - f(p))`` for a minorant (``max(0, max_p f(p) - s(p))`` for a
        majorant) over the test points; 0 when the bound holds everywhere tested.
    tightness : float
        ``|s(x0) - f(x0)|``.
    gradient_mismatch : float
        Largest ``|D_d s(x0) - D_d f(x0)| / ||d||`` over the test directions ``d``
        (directional derivatives).
    n_points : int
        Number of test points.
    """

    bound_violation: float
    tightness: float
    gradient_mismatch: float
    n_points: int

    def holds(self, tol: float = 1e-6) -> bool:
        """True when all three errors are at most ``tol``."""
        return max(self.bound_violation, self.tightness, self.gradient_mismatch) <= tol


def _directional(fn, grad, x0, d, h):
    if grad is not None:
        g = np.asarray(grad(x0) if callable(grad) else grad)
        if g.shape != x0.shape:
            raise ValueError(f"gradient has shape {g.shape}, expected {x0.shape}")
        return float(np.real(np.vdot(g, d)))
    return float((fn(x0 + h * d) - fn(x0 - h * d)) / (2 * h))


def check_surrogate(
    f: Callable,
    s: Callable,
    x0,
    points,
    *,
    kind: str = "minorant",
    f_grad=None,
    s_grad=None,
    directions=None,
    fd_step: float | None = None,
) -> SurrogateCheck:
    """Check that ``s`` is a valid SCA surrogate of ``f`` built at ``x0``.

    Parameters
    ----------
    f, s : callable
        ``f(x) -> float`` and the surrogate ``s(x) -> float`` (built at ``x0``).
    x0 : array_like, real or complex
        Expansion point (any shape, e.g. a vector or a Hermitian matrix).
    points : array_like, shape (m, *x0.shape)
        Test points for the bound (property 1).
    kind : {"minorant", "majorant"}
        ``"minorant"`` checks ``s <= f`` (maximization); ``"majorant"`` checks ``s >= f``.
    f_grad, s_grad : array_like or callable, optional
        Gradients at ``x0`` in the library's convention (``df/dRe + 1j df/dIm``); central
        finite differences are used when omitted.
    directions : array_like, shape (q, *x0.shape), optional
        Directions for property 3. Default: every coordinate direction (and ``1j`` times
        it for complex ``x0``). Pass Hermitian directions for a function of a Hermitian
        matrix.
    fd_step : float, optional
        Finite-difference step; default ``1e-6 * max(1, ||x0||_max)``.

    Returns
    -------
    SurrogateCheck

    Raises
    ------
    ValueError
        For a bad ``kind``, points or directions of the wrong shape, no test point at all
        (``m = 0``: the bound would hold vacuously), or non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: np.log(x[0])                     # concave: the tangent majorizes it
    >>> s = lambda x: np.log(2.0) + (x[0] - 2.0) / 2.0
    >>> chk = check_surrogate(f, s, [2.0], [[0.5], [1.0], [4.0]], kind="majorant")
    >>> chk.holds(1e-6)
    True
    """
    check_choice(kind, "kind", ("minorant", "majorant"))
    if not callable(f) or not callable(s):
        raise ValueError("f and s must be callable")
    cplx = np.iscomplexobj(np.asarray(x0)) or np.iscomplexobj(np.asarray(points))
    kind_x = "complex" if cplx else "real"
    x0 = as_array(x0, "x0", kind=kind_x)
    pts = as_array(points, "points", kind=kind_x)
    if pts.ndim != x0.ndim + 1 or pts.shape[1:] != x0.shape:
        raise ValueError(f"points must have shape (m, *{x0.shape}) to match x0, got {pts.shape}")
    if len(pts) == 0:
        raise ValueError(
            "points must hold at least one test point (m >= 1): "
            "with none the bound check would pass vacuously"
        )
    sign = 1.0 if kind == "minorant" else -1.0
    gaps = np.array([sign * (float(s(p)) - float(f(p))) for p in pts])
    if not np.all(np.isfinite(gaps)):
        raise ValueError("f or s returned a non-finite value at some point")
    f0, s0 = float(f(x0)), float(s(x0))
    if directions is None:
        eye = np.eye(x0.size).reshape((x0.size, *x0.shape))
        dirs = np.concatenate([eye, 1j * eye]) if np.iscomplexobj(x0) else eye
    else:
        dirs = as_array(directions, "directions", kind=kind_x)
        if dirs.ndim != x0.ndim + 1 or dirs.shape[1:] != x0.shape:
            raise ValueError(f"directions must have shape (q, *{x0.shape}), got {dirs.shape}")
    h = fd_step if fd_step is not None else 1e-6 * max(1.0, float(np.max(np.abs(x0))))
    h = float(check_positive(h, "fd_step"))
    mismatch = 0.0
    for d in dirs:
        nd = float(np.linalg.norm(d))
        if nd == 0:
            raise ValueError("directions must be nonzero")
        df = _directional(f, f_grad, x0, d, h)
        ds = _directional(s, s_grad, x0, d, h)
        mismatch = max(mismatch, abs(df - ds) / nd)
    return SurrogateCheck(
        bound_violation=float(max(0.0, gaps.max(initial=-np.inf))),
        tightness=abs(s0 - f0),
        gradient_mismatch=float(mismatch),
        n_points=len(pts),
    )


# ---------------------------------------------------------------------------------------
# surrogates


def _hermitian_pd(X, name: str) -> np.ndarray:
    X = as_array(X, name, ndim=2, kind="complex" if np.iscomplexobj(np.asarray(X)) else "real")
    if X.shape[0] != X.shape[1] or X.size == 0:
        raise ValueError(f"{name} must be square and non-empty, got shape {X.shape}")
    return hermitian_pd(X, name)


def logdet_tangent(X0) -> tuple[float, np.ndarray]:
    """Value and gradient of ``log det`` at ``X0``: the tangent plane that majorizes it.

    ``log det`` is concave on positive definite matrices, so for every ``X > 0``

    ``log det X <= log det X0 + Re tr(X0^{-1} (X - X0))``.

    Used to linearize a concave ``log det`` term that is subtracted (difference-of-concave
    rates such as the eavesdropper's rate in a secrecy rate).

    Parameters
    ----------
    X0 : array_like, shape (n, n)
        Hermitian (or real symmetric) positive definite expansion point.

    Returns
    -------
    value : float
        ``log det X0`` (natural logarithm, nats).
    gradient : ndarray, shape (n, n)
        ``X0^{-1}`` (Hermitian), the gradient in the sense ``Re tr(G^H D)``.

    Raises
    ------
    ValueError
        If ``X0`` is not square, Hermitian and positive definite.

    References
    ----------
    S. Boyd and L. Vandenberghe, *Convex Optimization*, Sec. 3.1.5 and A.4.1.

    Examples
    --------
    >>> import numpy as np
    >>> v, G = logdet_tangent(np.diag([1.0, 2.0]))
    >>> round(v, 6), np.allclose(G, np.diag([1.0, 0.5]))
    (0.693147, True)
    """
    X0 = _hermitian_pd(X0, "X0")
    L = np.linalg.cholesky(X0)
    value = 2.0 * float(np.sum(np.log(np.real(np.diag(L)))))
    Linv = np.linalg.inv(L)
    grad = Linv.conj().T @ Linv
    return value, (grad + grad.conj().T) / 2


class AffineMinorant(NamedTuple):
    """Affine function ``x -> 2 Re(linear^H x) + constant`` (a tangent of a convex term).

    Unpacks as ``linear, constant = quadratic_minorant(a, x0)``.
    """

    linear: np.ndarray
    constant: float

    def __call__(self, x) -> float:
        """Evaluate at ``x`` (shape of ``linear``)."""
        return float(2.0 * np.real(np.vdot(self.linear, np.asarray(x))) + self.constant)


def quadratic_minorant(a, x0) -> AffineMinorant:
    """Tangent minorant of the convex quadratic ``||A^H x||^2`` at ``x0``.

    For a vector ``a`` (``A = a``):

    ``|a^H x|^2 >= 2 Re((a^H x0)^* a^H x) - |a^H x0|^2``,

    and for a matrix ``A``: ``||A^H x||^2 >= 2 Re(x0^H A A^H x) - ||A^H x0||^2``; equality and
    equal gradients at ``x = x0``. This is the minorant used in SCA for a received signal
    power in a numerator (AAUC paper eq. (30)).

    Parameters
    ----------
    a : array_like, shape (n,) or (n, k)
        Channel vector(s), real or complex.
    x0 : array_like, shape (n,)
        Expansion point.

    Returns
    -------
    AffineMinorant
        ``linear = A A^H x0`` (shape (n,)), ``constant = -||A^H x0||^2``.

    Raises
    ------
    ValueError
        If shapes do not match.

    Examples
    --------
    >>> import numpy as np
    >>> a, x0 = np.array([1.0, 1j]), np.array([1.0, 0.0])
    >>> m = quadratic_minorant(a, x0)
    >>> round(m(x0), 12), round(float(abs(np.vdot(a, x0)) ** 2), 12)
    (1.0, 1.0)
    """
    a = as_array(a, "a", ndim=(1, 2), kind="complex")
    n = a.shape[0]
    x0 = as_array(x0, "x0", shape=(n,), kind="complex", match="the rows of a")
    A = a.reshape(n, -1)
    y0 = A.conj().T @ x0
    return AffineMinorant(linear=A @ y0, constant=-float(np.sum(np.abs(y0) ** 2)))


def quad_over_lin_minorant(a, x0, t0) -> tuple[np.ndarray, float]:
    """Tangent minorant of the jointly convex ``|a^H x|^2 / t`` at ``(x0, t0)``, ``t0 > 0``.

    ``|a^H x|^2 / t >= 2 Re(c^H x) - |a^H x0|^2 t / t0^2`` with ``c = a (a^H x0) / t0``:
    the right side is linear in ``(x, t)``, tight at ``(x0, t0)`` with the same gradient.
    Used to convexify an SINR constraint ``|h^H w|^2 / t >= ...``.

    Parameters
    ----------
    a : array_like, shape (n,)
    x0 : array_like, shape (n,)
    t0 : float
        Positive expansion value of the denominator.

    Returns
    -------
    linear : ndarray, shape (n,)
        ``c = a (a^H x0) / t0``.
    t_coefficient : float
        ``-|a^H x0|^2 / t0^2`` (the bound is ``2 Re(c^H x) + t_coefficient * t``).

    Examples
    --------
    >>> import numpy as np
    >>> c, ct = quad_over_lin_minorant(np.array([1.0, 0.0]), np.array([2.0, 0.0]), 2.0)
    >>> float(2 * np.real(np.vdot(c, [2.0, 0.0])) + ct * 2.0)   # equals 4 / 2 at the point
    2.0
    """
    a = as_array(a, "a", ndim=1, kind="complex")
    x0 = as_array(x0, "x0", shape=a.shape, kind="complex", match="a")
    t0 = float(check_positive(t0, "t0"))
    y0 = np.vdot(a, x0)
    return a * y0 / t0, -float(abs(y0) ** 2) / t0**2
