"""Matrix lemmas as code: Schur complements, the S-lemma and the sign-definiteness lemma.

The robust designs of the book turn "a quadratic inequality for every channel error in a
ball" into a linear matrix inequality (LMI). This module builds those LMIs and provides the
brute-force references that the chapters and tests use to check them.

LMI builders (:func:`hermitian_block`, :func:`quadratic_block`, :func:`s_lemma_lmi`,
:func:`s_procedure_lmi`, :func:`ball_lmi`, :func:`norm_bound_lmi`,
:func:`sign_definiteness_lmi`) accept numpy arrays (real or complex) *and* cvxpy expressions.
With numpy input they return a numpy array; as soon as one argument is a cvxpy expression they
return a cvxpy expression (built with ``cvxpy.bmat``), ready for ``M >> 0``. Either way the
result is Hermitian by construction: the lower off-diagonal block is the conjugate transpose
of the upper one, never a separately computed copy. Diagonal blocks given as numpy arrays
must be Hermitian (a ``ValueError`` otherwise); a diagonal block given as a cvxpy expression
that cvxpy cannot prove Hermitian (``H @ X @ H.H`` is one) is replaced by its Hermitian part
``(E + E^H) / 2``, which equals ``E`` whenever ``E`` is Hermitian. Sign constraints on
multipliers (``lam >= 0``) are the caller's to add when ``lam`` is a cvxpy variable.

References (brute force, numpy only): :func:`min_quadratic_on_ball` (exact trust-region
subproblem, hard case included) and :func:`worst_case_sign_definiteness` (search over the
uncertainty ball).

References
----------
S. Boyd and L. Vandenberghe, *Convex Optimization*, 2004, App. A.5.5 (Schur complement)
and App. B (S-procedure). E. A. Gharavol and E. G. Larsson, "The sign-definiteness lemma
and its applications to robust transceiver optimization for multiuser MIMO systems,"
IEEE Trans. Signal Process., 61(2), 2013, Lemma 1. J. J. Moré and D. C. Sorensen,
"Computing a trust region step," SIAM J. Sci. Stat. Comput., 4(3), 1983.
"""

from __future__ import annotations

from collections.abc import Sequence

import cvxpy as cp
import numpy as np

from ._matrices import (
    as_2d,
    bmat,
    ctrans,
    herm_block,
    hermitian_matrix,
    is_cvx,
    numeric,
    real_scalar,
    same_square,
    shape_of,
)
from ._trust_region import trust_region_point
from ._validation import as_generator, check_int, check_nonnegative, check_positive

__all__ = [
    "ball_lmi",
    "hermitian_block",
    "min_quadratic_on_ball",
    "norm_bound_lmi",
    "quadratic_block",
    "s_lemma_lmi",
    "s_procedure_lmi",
    "schur_complement",
    "sign_definiteness_lmi",
    "worst_case_sign_definiteness",
]


# ----------------------------------------------------------------------------- builders
def hermitian_block(A, B, C):
    """The Hermitian block matrix ``[[A, B], [B^H, C]]``.

    Parameters
    ----------
    A : array_like or cvxpy.Expression, shape (n, n)
        Upper-left block, Hermitian (a scalar counts as 1 x 1).
    B : array_like or cvxpy.Expression, shape (n, m)
        Upper-right block (a vector counts as a column when ``m = 1`` and as a row when
        ``n = 1``).
    C : array_like or cvxpy.Expression, shape (m, m)
        Lower-right block, Hermitian (a scalar counts as 1 x 1).

    Returns
    -------
    ndarray or cvxpy.Expression, shape (n + m, n + m)
        A numpy array if all blocks are numeric, else a cvxpy expression; the lower-left
        block is the conjugate transpose of ``B``, so the result is Hermitian.

    Raises
    ------
    ValueError
        If a numeric diagonal block is not Hermitian or the block sizes do not match.

    Examples
    --------
    >>> M = hermitian_block(np.eye(2), np.array([1.0, 1j]), 3.0)
    >>> M.shape, bool(np.allclose(M, M.conj().T))
    ((3, 3), True)
    """
    A2 = herm_block(as_2d(A, "A"), "A")
    C2 = herm_block(as_2d(C, "C"), "C")
    n, m = A2.shape[0], C2.shape[0]
    # a vector B is a column when C is 1 x 1, else a row (when A is 1 x 1)
    B2 = as_2d(B, "B", vector_as_column=not (len(shape_of(B)) == 1 and n == 1 and m > 1))
    if tuple(B2.shape) != (n, m):
        raise ValueError(f"B must have shape ({n}, {m}) to fit A and C, got {tuple(B2.shape)}")
    return bmat([[A2, B2], [ctrans(B2), C2]])


def schur_complement(M, k: int, *, generalized: bool = False) -> np.ndarray:
    """Schur complement ``M22 - M21 M11^{-1} M12`` of the leading ``k x k`` block.

    Parameters
    ----------
    M : array_like, shape (n, n)
        Square matrix (numpy, real or complex), split after its first ``k`` rows and columns.
    k : int
        Size of the block ``M11`` that is eliminated, ``1 <= k < n``.
    generalized : bool
        Use the Moore-Penrose pseudo-inverse of ``M11`` (the generalized Schur complement,
        for a singular ``M11``) instead of the inverse.

    Returns
    -------
    ndarray, shape (n - k, n - k)

    Raises
    ------
    ValueError
        If ``M`` is not square, ``k`` is out of range, or ``M11`` is singular (with
        ``generalized=False``).

    Examples
    --------
    >>> M = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> float(schur_complement(M, 1)[0, 0])
    2.5
    """
    Mm = numeric(M, "M", ndim=2)
    n = Mm.shape[0]
    if n < 2:
        raise ValueError(f"M must be at least 2 x 2 to have a Schur complement, got {Mm.shape}")
    if Mm.shape != (n, n):
        raise ValueError(f"M must be square, got shape {Mm.shape}")
    k = check_int(k, "k", minimum=1, maximum=n - 1)
    M11, M12, M21, M22 = Mm[:k, :k], Mm[:k, k:], Mm[k:, :k], Mm[k:, k:]
    if generalized:
        return M22 - M21 @ np.linalg.pinv(M11, hermitian=False) @ M12
    cond = np.linalg.cond(M11)
    if not np.isfinite(cond) or cond > 1e14:
        raise ValueError(
            "the leading block M11 of M is singular; pass generalized=True for the "
            "pseudo-inverse Schur complement"
        )
    return M22 - M21 @ np.linalg.solve(M11, M12)


def quadratic_block(A, b, c):
    """Coefficient block ``[[A, b], [b^H, c]]`` of ``f(x) = x^H A x + 2 Re(b^H x) + c``.

    ``f(x) = [x; 1]^H F [x; 1]`` for the returned ``F``.

    Parameters
    ----------
    A : array_like or cvxpy.Expression, shape (n, n)
        Hermitian quadratic coefficient.
    b : array_like or cvxpy.Expression, shape (n,) or (n, 1)
        Linear coefficient.
    c : float or scalar cvxpy.Expression
        Constant (real).

    Returns
    -------
    ndarray or cvxpy.Expression, shape (n + 1, n + 1)

    Examples
    --------
    >>> F = quadratic_block(np.eye(2), np.array([1.0, 0.0]), -1.0)
    >>> x = np.array([0.5, 2.0]); z = np.append(x, 1.0)
    >>> bool(np.isclose(z @ F @ z, x @ x + 2 * x[0] - 1))
    True
    """
    bb = as_2d(b, "b")
    if bb.shape[1] != 1:
        raise ValueError(f"b must be a vector, got shape {tuple(shape_of(b))}")
    n = tuple(shape_of(A))[:1]
    if n and bb.shape[0] != n[0]:
        raise ValueError(f"b must have length {n[0]} to match A, got shape {tuple(shape_of(b))}")
    return hermitian_block(A, bb, real_scalar(c, "c"))


def s_lemma_lmi(F0, F1, lam):
    """S-lemma certificate ``F0 - lam F1``.

    With ``lam >= 0`` and ``F0 - lam F1 >= 0`` (PSD), ``f1(x) >= 0`` implies
    ``f0(x) >= 0`` for the quadratic functions ``f_i(x) = [x; 1]^H F_i [x; 1]``. The
    converse holds (the certificate is lossless) when ``f1(x0) > 0`` for some ``x0``.

    Parameters
    ----------
    F0, F1 : array_like or cvxpy.Expression, shape (n + 1, n + 1)
        Coefficient blocks from :func:`quadratic_block` (Hermitian).
    lam : float or scalar cvxpy.Expression
        Multiplier (>= 0; add ``lam >= 0`` yourself when it is a cvxpy variable).

    Returns
    -------
    ndarray or cvxpy.Expression, shape (n + 1, n + 1)

    References
    ----------
    Boyd and Vandenberghe (2004), App. B.2; Xu et al. (ISAC), paper Lemma 1, eqs. (48)-(49),
    written there with ``f1 <= 0 => f2 <= 0`` (negate both functions to get this form).

    Examples
    --------
    >>> F1 = quadratic_block(-np.eye(2), np.zeros(2), 1.0)  # 1 - ||x||^2 >= 0
    >>> F0 = quadratic_block(np.zeros((2, 2)), np.zeros(2), 2.0)  # 2 >= 0
    >>> bool(np.linalg.eigvalsh(s_lemma_lmi(F0, F1, 0.5)).min() >= 0)
    True
    """
    return _s_procedure(F0, [F1], [lam], lemma=True)


def s_procedure_lmi(F0, Fs: Sequence, lams: Sequence):
    """S-procedure certificate ``F0 - sum_i lam_i F_i`` for several constraints.

    With all ``lam_i >= 0`` and the result PSD, ``f_i(x) >= 0`` for every ``i`` implies
    ``f0(x) >= 0``. With one constraint this is :func:`s_lemma_lmi` (lossless); with two or
    more it is only sufficient (conservative) in general.

    Parameters
    ----------
    F0 : array_like or cvxpy.Expression, shape (n + 1, n + 1)
    Fs : sequence of array_like or cvxpy.Expression, each shape (n + 1, n + 1)
    lams : sequence of float or scalar cvxpy.Expression
        One multiplier per constraint.

    Returns
    -------
    ndarray or cvxpy.Expression, shape (n + 1, n + 1)

    Examples
    --------
    >>> F1 = quadratic_block(-np.eye(1), np.zeros(1), 1.0)
    >>> s_procedure_lmi(F1, [F1, F1], [0.25, 0.25]).shape
    (2, 2)
    """
    return _s_procedure(F0, Fs, lams, lemma=False)


def _s_procedure(F0, Fs, lams, *, lemma: bool):
    """:func:`s_procedure_lmi`; ``lemma`` names the arguments as :func:`s_lemma_lmi` does."""
    if isinstance(Fs, (str, np.ndarray, cp.Expression)) or not isinstance(Fs, Sequence):
        raise ValueError("Fs must be a list of coefficient blocks")
    if isinstance(lams, np.ndarray) and lams.ndim == 1:
        lams = list(lams)
    if not isinstance(lams, Sequence) or len(lams) != len(Fs):
        raise ValueError(f"lams must hold one multiplier per constraint ({len(Fs)})")
    if len(Fs) == 0:
        raise ValueError("Fs must hold at least one constraint")
    out = hermitian_matrix(F0, "F0")
    for i, (F, lam) in enumerate(zip(Fs, lams, strict=True)):
        name = "F1" if lemma else f"Fs[{i}]"
        same_square(F0, F, ("F0", name))
        Fi = hermitian_matrix(F, name)
        lam_i = real_scalar(lam, "lam" if lemma else f"lams[{i}]", nonneg=True)
        out = out - lam_i * Fi
    return out


def ball_lmi(A, b, c, radius, lam, *, squared: bool = False):
    """Lossless LMI for ``f(x) = x^H A x + 2 Re(b^H x) + c >= 0`` on the ball ``||x|| <= r``.

    Returns ``[[A + lam I, b], [b^H, c - lam r^2]]``. There is a ``lam >= 0`` making it PSD
    if and only if ``f(x) >= 0`` for every ``x`` with ``||x|| <= r`` (the S-lemma applied to
    ``r^2 - ||x||^2 >= 0``, which is strictly feasible at ``x = 0`` for ``r > 0``).

    Parameters
    ----------
    A : array_like or cvxpy.Expression, shape (n, n)
        Hermitian quadratic coefficient.
    b : array_like or cvxpy.Expression, shape (n,) or (n, 1)
        Linear coefficient.
    c : float or scalar cvxpy.Expression
        Constant.
    radius : float or scalar cvxpy.Expression
        Ball radius ``r >= 0`` (or ``r^2`` with ``squared=True``, which keeps a cvxpy
        Parameter holding ``r^2`` DPP-compliant).
    lam : float or scalar cvxpy.Expression
        S-lemma multiplier (>= 0).
    squared : bool
        ``radius`` is the squared radius.

    Returns
    -------
    ndarray or cvxpy.Expression, shape (n + 1, n + 1)

    References
    ----------
    Xu et al. (ISAC), paper eqs. (50)-(51); Tang et al. (small cells), the worst case over
    the balls of paper eqs. (7) and (9).

    Examples
    --------
    >>> # f(x) = ||x||^2 - 2 x_1 + 1 = |x_1 - 1|^2 + x_2^2 >= 0 everywhere
    >>> M = ball_lmi(np.eye(2), np.array([-1.0, 0.0]), 1.0, radius=1.0, lam=0.0)
    >>> bool(np.linalg.eigvalsh(M).min() >= -1e-12)
    True
    """
    A2 = as_2d(A, "A")
    n = A2.shape[0]
    r = real_scalar(radius, "radius", nonneg=True)
    r2 = r if squared else (r**2 if not is_cvx(r) else cp.square(r))
    lam_s = real_scalar(lam, "lam", nonneg=True)
    return quadratic_block(A2 + lam_s * np.eye(n), b, real_scalar(c, "c") - lam_s * r2)


def norm_bound_lmi(x, t, *, squared: bool = False):
    """LMI form of a norm bound (the Schur-complement trick).

    ``squared=False``: ``[[t I, x], [x^H, t]] >= 0``  iff  ``||x|| <= t``.
    ``squared=True``: ``[[t, x^H], [x, I]] >= 0``  iff  ``||x||^2 <= t``.

    Parameters
    ----------
    x : array_like or cvxpy.Expression, shape (n,) or (n, 1)
    t : float or scalar cvxpy.Expression

    Returns
    -------
    ndarray or cvxpy.Expression, shape (n + 1, n + 1)

    References
    ----------
    Kong et al. (MIMO-IC), paper eq. (48) is the ``squared=True`` form.

    Examples
    --------
    >>> M = norm_bound_lmi(np.array([3.0, 4.0]), 5.0)
    >>> bool(np.linalg.eigvalsh(M).min() >= -1e-12)
    True
    """
    xx = as_2d(x, "x")
    if xx.shape[1] != 1:
        raise ValueError(f"x must be a vector, got shape {tuple(shape_of(x))}")
    n = xx.shape[0]
    ts = real_scalar(t, "t")
    if squared:
        return hermitian_block(ts, ctrans(xx), np.eye(n))
    return hermitian_block(ts * np.eye(n), xx, ts)


def sign_definiteness_lmi(A, P, Q, rho, lam):
    """Sign-definiteness LMI ``[[A - lam Q^H Q, -rho P^H], [-rho P, lam I]]``.

    There is a ``lam >= 0`` making it PSD if and only if
    ``A >= P^H X Q + Q^H X^H P`` (in the PSD order) for every ``X`` with
    ``||X||_2 <= rho``.

    Parameters
    ----------
    A : array_like or cvxpy.Expression, shape (n, n)
        Hermitian.
    P : array_like or cvxpy.Expression, shape (m, n)
    Q : array_like, shape (k, n)
        Numeric (``lam Q^H Q`` must stay affine in the unknowns).
    rho : float or scalar cvxpy.Expression
        Radius of the spectral-norm ball (>= 0).
    lam : float or scalar cvxpy.Expression
        Multiplier (>= 0).

    Returns
    -------
    ndarray or cvxpy.Expression, shape (n + m, n + m)

    References
    ----------
    Gharavol and Larsson (2013), Lemma 1; Kong et al. (MIMO-IC), paper eqs. (50)-(55).

    Examples
    --------
    >>> A, P, Q = 2 * np.eye(2), np.eye(1, 2), np.eye(1, 2)
    >>> M = sign_definiteness_lmi(A, P, Q, rho=1.0, lam=1.0)
    >>> bool(np.linalg.eigvalsh(M).min() >= -1e-12)
    True
    """
    A2 = as_2d(A, "A")
    n = A2.shape[0]
    P2 = as_2d(P, "P", vector_as_column=False)
    if P2.shape[1] != n:
        raise ValueError(f"P must have {n} columns to match A, got shape {tuple(P2.shape)}")
    if is_cvx(Q):
        raise ValueError("Q must be numeric (lam Q^H Q would not be affine)")
    Q2 = as_2d(Q, "Q", vector_as_column=False)
    if Q2.shape[1] != n:
        raise ValueError(f"Q must have {n} columns to match A, got shape {Q2.shape}")
    m = P2.shape[0]
    r = real_scalar(rho, "rho", nonneg=True)
    lam_s = real_scalar(lam, "lam", nonneg=True)
    QhQ = Q2.conj().T @ Q2
    QhQ = (QhQ + QhQ.conj().T) / 2
    return hermitian_block(A2 - lam_s * QhQ, -r * ctrans(P2), lam_s * np.eye(m))


# ----------------------------------------------------------------------------- references
def min_quadratic_on_ball(A, b, c, radius) -> tuple[float, np.ndarray]:
    """Exact global minimum of ``f(x) = x^H A x + 2 Re(b^H x) + c`` over ``||x|| <= r``.

    The trust-region subproblem, solved through an eigendecomposition of ``A`` (Moré and
    Sorensen): the minimizer is ``x = -(A + mu I)^{-1} b`` with ``A + mu I >= 0``,
    ``mu >= 0`` and ``mu (r - ||x||) = 0``. ``mu`` is the root of the secular equation
    ``||x(mu)|| = r`` (Brent's method on a certified bracket) unless the unconstrained
    minimizer is interior. The *hard case* (``b`` orthogonal to the eigenspace of the
    smallest eigenvalue, where the secular equation has no root) is detected and completed
    with a step along that eigenspace. ``f`` need not be convex.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Hermitian (real symmetric or complex Hermitian).
    b : array_like, shape (n,)
    c : float
    radius : float
        ``r >= 0``.

    Returns
    -------
    value : float
        ``min f`` over the ball.
    x_star : ndarray, shape (n,)
        A minimizer (real if ``A`` and ``b`` are real).

    Raises
    ------
    ValueError
        On bad shapes, a non-Hermitian ``A`` or a negative radius.

    Examples
    --------
    >>> val, x = min_quadratic_on_ball(-np.eye(2), np.zeros(2), 0.0, 2.0)  # hard case
    >>> round(val, 12), round(float(np.linalg.norm(x)), 12)
    (-4.0, 2.0)
    """
    Am = herm_block(numeric(A, "A", ndim=2), "A")
    n = Am.shape[0]
    bv = numeric(b, "b", ndim=(1, 2))
    if bv.ndim == 2:
        if bv.shape[1] != 1:
            raise ValueError(f"b must be a vector, got shape {bv.shape}")
        bv = bv[:, 0]
    if bv.shape != (n,):
        raise ValueError(f"b must have length {n} to match A, got shape {bv.shape}")
    cc = real_scalar(c, "c")
    r = float(check_nonnegative(radius, "radius"))
    is_complex = np.iscomplexobj(Am) or np.iscomplexobj(bv)

    def f(x):
        return float(np.real(np.vdot(x, Am @ x)) + 2 * np.real(np.vdot(bv, x)) + cc)

    if r == 0.0:
        x0 = np.zeros(n, dtype=complex if is_complex else float)
        return f(x0), x0
    x = trust_region_point(Am, bv, r)
    return f(x), _real_if(x, is_complex)


def _real_if(x: np.ndarray, is_complex: bool) -> np.ndarray:
    return x if is_complex else np.real(x).astype(float)


def worst_case_sign_definiteness(
    A,
    P,
    Q,
    rho,
    rng,
    *,
    n_starts: int = 20,
    max_iter: int = 500,
    tol: float = 1e-12,
) -> tuple[float, np.ndarray]:
    """Smallest eigenvalue of ``A - P^H X Q - Q^H X^H P`` over ``||X||_2 <= rho``, by search.

    For a unit vector ``v`` the worst ``X`` is the rank-one matrix
    ``rho (P v)(Q v)^H / (||P v|| ||Q v||)``, so the value is
    ``min_{||v|| = 1} v^H A v - 2 rho ||P v|| ||Q v||``. The search alternates between that
    closed-form ``X`` and the eigenvector of the smallest eigenvalue for the current ``X``;
    each step can only lower ``v^H M(X) v``. It starts from ``X = 0`` and from
    ``n_starts - 1`` random points and returns the best result. Every returned value is
    attained by the returned ``X`` (an upper bound on the true minimum); a negative value is
    a certificate that the robust inequality fails.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Hermitian.
    P : array_like, shape (m, n)
    Q : array_like, shape (k, n)
    rho : float
        Radius ``>= 0``.
    rng : numpy.random.Generator or int
        For the random starts.
    n_starts : int
        Number of starting points (>= 1).
    max_iter : int
        Alternating steps per start.
    tol : float
        Stop a start when the value improves by less than ``tol`` (relative).

    Returns
    -------
    min_eig : float
        ``lambda_min(A - P^H X Q - Q^H X^H P)`` at the returned ``X``.
    X_worst : ndarray, complex, shape (m, k)
        The worst ``X`` found, ``||X||_2 = rho`` (or 0 when ``rho = 0``).

    References
    ----------
    Gharavol and Larsson (2013), Lemma 1; Kong et al. (MIMO-IC), paper eq. (50).

    Examples
    --------
    >>> val, X = worst_case_sign_definiteness(2 * np.eye(2), np.eye(1, 2), np.eye(1, 2), 1.0, 0)
    >>> round(val, 9)
    0.0
    """
    Am = herm_block(numeric(A, "A", ndim=2), "A").astype(complex)
    n = Am.shape[0]
    Pm = numeric(P, "P", ndim=2).astype(complex)
    Qm = numeric(Q, "Q", ndim=2).astype(complex)
    if Pm.shape[1] != n:
        raise ValueError(f"P must have {n} columns to match A, got shape {Pm.shape}")
    if Qm.shape[1] != n:
        raise ValueError(f"Q must have {n} columns to match A, got shape {Qm.shape}")
    r = float(check_nonnegative(rho, "rho"))
    gen = as_generator(rng)
    n_starts = check_int(n_starts, "n_starts", minimum=1)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = float(check_positive(tol, "tol"))
    m, k = Pm.shape[0], Qm.shape[0]

    def M_of(X):
        T = Pm.conj().T @ X @ Qm
        return Am - T - T.conj().T

    def X_of(v, X_prev):
        pv, qv = Pm @ v, Qm @ v
        npv, nqv = np.linalg.norm(pv), np.linalg.norm(qv)
        if npv == 0 or nqv == 0:
            return X_prev
        return r * np.outer(pv, qv.conj()) / (npv * nqv)

    best_val, best_X = np.inf, np.zeros((m, k), dtype=complex)
    for s in range(n_starts):
        if s == 0 or r == 0:
            X = np.zeros((m, k), dtype=complex)
        else:
            G = gen.standard_normal((m, k)) + 1j * gen.standard_normal((m, k))
            X = r * G / np.linalg.norm(G, 2)
        w, U = np.linalg.eigh(M_of(X))
        val = float(w[0])
        for _ in range(max_iter):
            if r == 0:
                break
            X_new = X_of(U[:, 0], X)
            w, U = np.linalg.eigh(M_of(X_new))
            new_val = float(w[0])
            if new_val > val:  # numerical noise only: keep the better point
                break
            X, improved = X_new, val - new_val
            val = new_val
            if improved <= tol * max(1.0, abs(val)):
                break
        if val < best_val:
            best_val, best_X = val, X
        if r == 0:
            break
    return best_val, best_X
