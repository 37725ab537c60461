"""Exact best response of one SBS (paper problem (33)) and its cvxpy reference.

Given the other SBSs' powers and the prices ``κ``, SBS-j solves

.. math::

    \\max_{\\mathbf p_j}\\ \\sum_k \\log\\frac{1 + p_k a_k}{1 + p_k b_k}
    - \\mathbf c^T \\mathbf p_j - \\beta \\sqrt{\\lVert \\mathbf p_j \\rVert^2 + s}
    \\quad\\text{s.t.}\\quad 0 \\le p_k \\le m,\\ \\sum_k p_k \\le P,

with ``c_k = Σ_n κ_n ĥ_jn(k)``, ``β = Σ_n κ_n sqrt(e_n)`` and ``s`` the squared norm of the
other SBSs' powers (the worst-case interference (11) in closed form). Channels with
``a_k <= b_k`` carry no secrecy and get no power (paper footnote 2).

The KKT conditions give, with ``τ = β / sqrt(||p||^2 + s)`` and the budget multiplier ``μ``,
one equation per channel, ``f_k'(p_k) - τ p_k = c_k + μ`` clipped to ``[0, m]``. Written as
``R_k = (τ p_k + c_k + μ)(1 + a_k p_k)(1 + b_k p_k) - (a_k - b_k) = 0`` (a cubic in ``p_k``,
convex and increasing on ``p_k >= 0``) it is nearly linear where ``f_k'`` behaves like
``1/p``, which is what makes Newton's method fast here.

Two solvers share the KKT conditions:

* ``newton`` (the default): a primal-dual active-set Newton method on the whole KKT
  system, vectorized over a batch of problems. The active set (channels at 0, at the mask,
  free) is read off the current multipliers in closed form; the Newton step solves the
  linearized system, a diagonal plus a rank-one term (the norm) bordered by the budget, in
  ``O(K)`` by the Sherman-Morrison formula. It starts from the exact ``τ = 0`` solution
  (breakpoints of the budget, one chord step) or from a warm start, and stops on the KKT
  conditions themselves (relative residual ``1e-12``).
* ``bracket`` (the fallback and the independent reference): nested one-dimensional
  searches, safeguarded Newton/bisection on ``μ`` inside a safeguarded search on
  ``q = ||p||^2`` (a scalar equation with one sign change), each with a bracket and hence a
  guarantee.

Problems where ``p = 0`` is optimal (every channel priced out) are recognized in closed
form; rows where the Newton method has not met the KKT test after ``NEWTON_MAX`` iterations
are re-solved by ``bracket``. No generic solver runs in this path; :class:`CvxpyBestResponse`
solves the same problem with cvxpy and Clarabel for checks and benchmarks.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from .. import convex
from .._exports import adopt
from .._validation import as_array, check_choice, check_int, check_nonnegative
from ._brsolve import BestResponseSolution, solve, with_budget
from ._brsolve import kkt_residual as kkt_residual  # re-exported: its documented home

__all__ = [
    "BestResponseSolution",
    "CvxpyBestResponse",
    "fixed_tau_response",
    "solve_best_response",
]


def fixed_tau_response(a, b, c, tau, m, P) -> tuple[np.ndarray, np.ndarray]:
    """Best response (33) with the norm term replaced by ``(τ/2)||p||²`` for a fixed ``τ``.

    The separable problem ``max Σ_k [f_k(p_k) - c_k p_k - (τ/2) p_k²]`` subject to
    ``0 <= p_k <= m`` and ``Σ_k p_k <= P``, with ``f_k(p) = log((1 + a_k p)/(1 + b_k p))``;
    its solution ``p(τ)`` is the inner step of the exact best response: the KKT point of (33)
    is ``p(τ)`` at ``τ = β / sqrt(||p(τ)||² + s)``, the root of ``φ`` in the book's
    Algorithms chapter.

    Parameters
    ----------
    a, b : array_like, shape (B, K)
        Coefficients of eqs. (22)-(23) in 1/W (``b`` may be ``inf``: channel unusable).
    c : array_like, shape (B, K)
        Linear prices (nats/W, >= 0).
    tau : array_like, shape (B,)
        Quadratic weight ``τ >= 0`` (nats/W²).
    m, P : array_like, shape (B,)
        Spectral mask and budget (W, > 0).

    Returns
    -------
    p : ndarray, shape (B, K)
        Optimal powers (W).
    mu : ndarray, shape (B,)
        Budget multiplier (nats/W).

    Raises
    ------
    ValueError
        For a wrong shape, NaN, a negative ``a, b, c, tau`` or a non-positive ``m, P``.

    Examples
    --------
    >>> import numpy as np
    >>> p, mu = fixed_tau_response([[10.0, 1.0]], [[1.0, 2.0]], [[0.0, 0.0]], [0.0], [0.5], [1.0])
    >>> p.tolist(), mu.tolist()
    ([[0.5, 0.0]], [0.0])
    """
    a = _coefficients(a)
    B, K = a.shape
    b = _checked(b, "b", (B, K), finite=False)
    c = _checked(c, "c", (B, K))
    tau, m, P = (_checked(x, n, (B,)) for x, n in ((tau, "tau"), (m, "m"), (P, "P")))
    for x, name in ((a, "a"), (c, "c"), (tau, "tau")):
        check_nonnegative(x, name)
    if np.any(np.isnan(b)) or np.any(b < 0):
        raise ValueError("b must be >= 0 (inf allowed), without NaN")
    for x, name in ((m, "m"), (P, "P")):
        if not np.all((x > 0) & np.isfinite(x)):
            raise ValueError(f"{name} must be finite and > 0")
    finite = np.isfinite(b)
    useful = finite & (a > np.where(finite, b, 0.0))
    return with_budget(
        np.where(useful, a, 0.0), np.where(useful, b, 0.0), c, tau[:, None], m[:, None], P
    )


def _coefficients(a) -> np.ndarray:
    """The ``(B, K)`` coefficients ``a``, which fix the batch shape: non-empty."""
    a = as_array(a, "a", ndim=2)
    if a.size == 0:
        raise ValueError(f"a must not be empty, got shape {a.shape}")
    return a


def _checked(x, name, shape, *, finite=True):
    """``x`` as a float array of ``shape``; free for float64 arrays already of that shape."""
    if type(x) is np.ndarray and x.dtype == np.float64 and x.shape == shape:
        return x
    return as_array(x, name, shape=shape, finite=finite)


def solve_best_response(
    a, b, c, beta, s, m, P, *, method: str = "newton", rho=None, center=None
) -> BestResponseSolution:
    """Solve a batch of best-response problems (33) exactly.

    Parameters
    ----------
    a, b : array_like, shape (B, K)
        Legitimate and (worst-case) eavesdropper coefficients of eqs. (22)-(23) in 1/W;
        ``b`` may be ``inf`` (channel unusable).
    c : array_like, shape (B, K)
        Linear price per channel ``Σ_n κ_n ĥ_jn(k)`` (nats/W, >= 0).
    beta : array_like, shape (B,)
        Norm price ``Σ_n κ_n sqrt(e_n)`` (nats/W, >= 0).
    s : array_like, shape (B,)
        Squared norm of the other SBSs' powers (W², >= 0).
    m, P : array_like, shape (B,)
        Spectral mask and budget (W, > 0).
    method : {"newton", "bracket"}
        ``"newton"`` (default): active-set Newton method on the KKT system, with the
        bracketing solver as fallback for rows it does not finish. ``"bracket"``: the nested
        bracketed searches only (slower; the independent reference).
    rho : array_like, shape (B,), optional
        Proximal weights ``ρ >= 0`` (nats/W²): maximize the objective minus
        ``(ρ/2) ||p - center||²`` (the regularized best response of the proximal
        Algorithm 1).
    center : array_like, shape (B, K), optional
        Proximal centres (W, >= 0); required with ``rho``.

    Returns
    -------
    BestResponseSolution

    Raises
    ------
    ValueError
        For a wrong shape, NaN, a negative ``a, b, c, beta, s`` or a non-positive ``m, P``.

    References
    ----------
    Tang et al. (2021), problem (33) and the Lagrange-multiplier method sketched below it.

    Examples
    --------
    One channel, no price: the budget binds at the mask.

    >>> import numpy as np
    >>> sol = solve_best_response([[10.0]], [[1.0]], [[0.0]], [0.0], [0.0], [0.5], [1.0])
    >>> float(sol.p[0, 0])
    0.5
    """
    if not (type(a) is np.ndarray and a.dtype == np.float64 and a.ndim == 2 and a.size):
        a = _coefficients(a)
    B, K = a.shape
    b = _checked(b, "b", (B, K), finite=False)
    c = _checked(c, "c", (B, K))
    beta, s, m, P = (
        _checked(x, n, (B,)) for x, n in ((beta, "beta"), (s, "s"), (m, "m"), (P, "P"))
    )
    check_choice(method, "method", ("newton", "bracket"))
    # one reduction per argument: min() is NaN when any entry is, so NaN fails every test
    if not (
        a.min() >= 0
        and b.min() >= 0
        and c.min() >= 0
        and beta.min() >= 0
        and s.min() >= 0
        and m.min() > 0
        and P.min() > 0
        and max(a.max(), c.max(), beta.max(), s.max(), m.max(), P.max()) < np.inf
    ):
        _explain(a, b, c, beta, s, m, P)
    if rho is not None or center is not None:
        if rho is None or center is None:
            raise ValueError("rho and center must be given together")
        rho = check_nonnegative(_checked(rho, "rho", (B,)), "rho")
        center = check_nonnegative(_checked(center, "center", (B, K)), "center")
    return solve(a, b, c, beta, s, m, P, method=method, rho=rho, center=center)


def _explain(a, b, c, beta, s, m, P):
    """Raise the ``ValueError`` that names the first bad argument."""
    if np.any(np.isnan(b)) or np.any(b < 0):
        raise ValueError("b must be >= 0 (inf allowed), without NaN")
    for x, name in ((a, "a"), (c, "c"), (beta, "beta"), (s, "s")):
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{name} must be finite")
        if np.any(x < 0):
            raise ValueError(f"{name} must be >= 0")
    for x, name in ((m, "m"), (P, "P")):
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{name} must be finite")
        if not np.all((x > 0) & np.isfinite(x)):
            raise ValueError(f"{name} must be finite and > 0")
    raise AssertionError("unreachable: no bad argument found")  # pragma: no cover


class CvxpyBestResponse:
    """Problem (33) written once in cvxpy (DPP) and re-solved with Clarabel.

    The reference for the exact solver: same data, a generic conic solver. In the scaled
    variable ``x_k = b_k p_k`` the log ratio is ``log(1 + r_k (1 - 1/(1 + x_k)))`` with
    ``r_k = (a_k - b_k)/b_k``: concave, DCP, and DPP with the data in Parameters. Channels
    with ``a_k <= b_k`` get a zero cap. (A channel with ``b_k = 0`` uses ``b_k = 1e-12 a_k``.)

    Parameters
    ----------
    n_channels : int
        ``K`` (>= 1).

    Examples
    --------
    >>> import numpy as np
    >>> ref = CvxpyBestResponse(2)
    >>> p, info = ref.solve([20.0, 5.0], [2.0, 1.0], [0.5, 0.5], 0.0, 0.0, 0.5, 1.0)
    >>> info.status, bool(np.allclose(p.sum(), 1.0, atol=1e-6))
    ('optimal', True)
    """

    def __init__(self, n_channels: int):
        K = check_int(n_channels, "n_channels", minimum=1)
        self.K = K
        self.x = cp.Variable(K, nonneg=True)
        self.r = cp.Parameter(K, nonneg=True)
        self.cap = cp.Parameter(K, nonneg=True)
        self.inv_b = cp.Parameter(K, nonneg=True)
        self.lin = cp.Parameter(K, nonneg=True)
        self.beta_inv_b = cp.Parameter(K, nonneg=True)
        self.beta_sqrt_s = cp.Parameter(1, nonneg=True)
        self.budget = cp.Parameter(nonneg=True)
        x = self.x
        rate = cp.sum(cp.log(1 + cp.multiply(self.r, 1 - cp.inv_pos(1 + x))))
        norm = cp.norm(cp.hstack([cp.multiply(self.beta_inv_b, x), self.beta_sqrt_s]))
        self.problem = convex.require_dpp(
            cp.Problem(
                cp.Maximize(rate - self.lin @ x - norm),
                [x <= self.cap, self.inv_b @ x <= self.budget],
            )
        )

    def solve(self, a, b, c, beta, s, m, P, *, accept=("optimal",), **solver_options):
        """Solve one instance; returns ``(p, SolveInfo)``.

        Parameters are those of :func:`solve_best_response` for one row (``a, b, c`` of
        shape (K,), the rest scalars). ``accept`` lists the statuses whose solution is
        returned (``p`` is NaN otherwise); ``solver_options`` go to Clarabel.
        """
        K = self.K
        a = as_array(a, "a", shape=(K,))
        b = as_array(b, "b", shape=(K,), finite=False)
        c = as_array(c, "c", shape=(K,))
        finite = np.isfinite(b)
        useful = finite & (a > np.where(finite, b, 0.0))
        bb = np.where(useful, np.maximum(np.where(finite, b, 1.0), 1e-12 * a), 1.0)
        self.r.value = np.where(useful, (a - bb) / bb, 0.0)
        self.cap.value = np.where(useful, bb * float(m), 0.0)
        self.inv_b.value = 1.0 / bb
        self.lin.value = np.asarray(c, dtype=float) / bb
        self.beta_inv_b.value = float(beta) / bb
        self.beta_sqrt_s.value = np.array([float(beta) * np.sqrt(float(s))])
        self.budget.value = float(P)
        info = convex.solve(self.problem, accept=tuple(accept), **solver_options)
        if not info.ok:
            return np.full(K, np.nan), info
        return np.clip(np.asarray(self.x.value, dtype=float) / bb, 0.0, None), info


adopt(globals())  # the names of __all__ defined in internal modules live here
