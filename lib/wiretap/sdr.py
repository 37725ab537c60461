"""Semidefinite relaxation (SDR): rank-one tests, rank reduction and Gaussian randomization.

A quadratically constrained quadratic program in a beamformer ``w`` becomes linear in
``W = w w^H``; dropping ``rank(W) = 1`` leaves a convex SDP, the *relaxation*. If the SDP
returns a rank-one ``W`` the relaxation is *tight* and ``w`` is read off its principal
eigenvector (:func:`principal_component`). A complex SDP with ``m`` linear constraints always
has an optimal solution of rank ``r`` with ``r^2 <= m`` (:func:`rank_reduction` finds one
from any optimal solution), so with at most three constraints SDR is tight. Otherwise a
feasible ``w`` is found by Gaussian randomization (:func:`gaussian_randomization`).

References
----------
Z.-Q. Luo, W.-K. Ma, A. M.-C. So, Y. Ye and S. Zhang, "Semidefinite relaxation of
quadratic optimization problems," IEEE Signal Process. Mag., 27(3), 2010.
Y. Huang and D. P. Palomar, "Rank-constrained separable semidefinite programming with
applications to optimal beamforming," IEEE Trans. Signal Process., 58(2), 2010.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import as_array, as_generator, check_int, check_positive

__all__ = [
    "RandomizationResult",
    "gaussian_randomization",
    "is_rank_one",
    "principal_component",
    "rank_reduction",
]


def _psd(X, name: str = "X", tol: float = 1e-6) -> np.ndarray:
    arr = np.asarray(X)
    X = as_array(X, name, ndim=2, kind="complex" if np.iscomplexobj(arr) else "real")
    if X.shape[0] != X.shape[1] or X.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix, got shape {X.shape}")
    scale = max(1.0, float(np.linalg.norm(X)))
    if np.linalg.norm(X - X.conj().T) > 1e-8 * scale:
        raise ValueError(f"{name} must be Hermitian (symmetric)")
    X = (X + X.conj().T) / 2
    w = np.linalg.eigvalsh(X)
    if w[0] < -tol * max(1.0, abs(w[-1])):
        raise ValueError(f"{name} must be positive semidefinite, smallest eigenvalue {w[0]:.3g}")
    if np.all(np.isclose(X, 0)) and w[-1] <= 0:
        raise ValueError(f"{name} must be nonzero")
    return X


def _fix_phase(v: np.ndarray) -> np.ndarray:
    """Rotate ``v`` so that its largest entry is real positive (a deterministic choice)."""
    k = int(np.argmax(np.abs(v)))
    if v[k] == 0:
        return v
    return v * (np.abs(v[k]) / v[k])


def principal_component(X, *, psd_tol: float = 1e-6) -> tuple[np.ndarray, float]:
    """Best rank-one approximation ``w w^H`` of a PSD matrix, and how rank-one it is.

    ``w = sqrt(lambda_1) u_1`` (largest eigenvalue and its eigenvector) and
    ``ratio = lambda_1 / tr X``; ``ratio = 1`` exactly when ``X`` has rank one, in which case
    ``w w^H = X``. The phase of ``w`` is fixed so that its largest entry is real positive.

    Parameters
    ----------
    X : array_like, shape (n, n)
        Hermitian positive semidefinite (eigenvalues down to ``-psd_tol * lambda_max``
        are accepted as solver round-off and treated as zero).
    psd_tol : float
        Relative tolerance of the PSD check (an SDP solved to accuracy ``1e-7`` returns
        eigenvalues of that relative size on either side of zero).

    Returns
    -------
    w : ndarray, shape (n,)
    ratio : float
        In ``(0, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> w, ratio = principal_component(np.outer([1.0, 2.0], [1.0, 2.0]))
    >>> np.round(w, 12).tolist(), round(ratio, 12)
    ([1.0, 2.0], 1.0)
    """
    X = _psd(X, tol=float(check_positive(psd_tol, "psd_tol")))
    w, V = np.linalg.eigh(X)
    lam = max(float(w[-1]), 0.0)
    tr = float(np.sum(np.clip(w, 0.0, None)))
    vec = _fix_phase(V[:, -1]) * np.sqrt(lam)
    return vec, (lam / tr if tr > 0 else 0.0)


def is_rank_one(X, tol: float = 1e-6, *, psd_tol: float = 1e-6) -> bool:
    """True when ``lambda_1 / tr X >= 1 - tol`` (the SDR tightness test).

    Examples
    --------
    >>> import numpy as np
    >>> is_rank_one(np.diag([1.0, 1e-9])), is_rank_one(np.eye(2))
    (True, False)
    """
    tol = float(check_positive(tol, "tol"))
    return principal_component(X, psd_tol=psd_tol)[1] >= 1.0 - tol


def rank_reduction(
    X, constraints: Sequence, *, tol: float = 1e-9, max_steps: int | None = None
) -> np.ndarray:
    """Reduce the rank of an optimal SDP solution without changing any constraint value.

    For an SDP ``min tr(C X)`` s.t. ``tr(A_i X) {<=,=,>=} b_i`` (``i = 1..m``), ``X >= 0``, let
    ``X = V V^H`` have rank ``r``. If ``r^2 > m`` (complex) or ``r(r+1)/2 > m`` (real) there is
    a nonzero Hermitian ``D`` with ``tr(V^H A_i V D) = 0`` for all ``i``; then
    ``X' = V (I - D / lambda_max(D)) V^H`` is PSD, has rank ``<= r - 1`` and the same
    ``tr(A_i X')``. If ``X`` is optimal, ``X'`` is optimal too (``X +/- eps V D V^H`` is
    feasible, so ``tr(V^H C V D) = 0``). Repeat until the bound holds.

    Parameters
    ----------
    X : array_like, shape (n, n)
        PSD solution.
    constraints : sequence of array_like, each shape (n, n)
        The Hermitian constraint matrices ``A_i`` (the objective need not be passed).
    tol : float
        Relative eigenvalue threshold used to count the rank.
    max_steps : int, optional
        Cap on the number of reduction steps (default ``n``).

    Returns
    -------
    ndarray, shape (n, n)
        PSD matrix with ``tr(A_i X') = tr(A_i X)`` and ``rank(X')^2 <= m`` (complex) or
        ``rank(X')(rank(X')+1)/2 <= m`` (real).

    References
    ----------
    Huang and Palomar (2010), Theorem 2 and Algorithm 1 (rank reduction procedure).

    Examples
    --------
    One constraint ``tr(X) = 2``: any PSD ``X`` reduces to a rank-one matrix with trace 2.

    >>> import numpy as np
    >>> Y = rank_reduction(np.eye(2, dtype=complex), [np.eye(2)])
    >>> int(np.sum(np.linalg.eigvalsh(Y) > 1e-9)), round(float(np.trace(Y).real), 12)
    (1, 2.0)
    """
    Xc = _psd(X)
    n = Xc.shape[0]
    if isinstance(constraints, np.ndarray) and constraints.ndim == 3:
        constraints = list(constraints)
    if isinstance(constraints, str) or not isinstance(constraints, Sequence):
        raise TypeError(
            f"constraints must be a sequence of ({n}, {n}) arrays, got {type(constraints).__name__}"
        )
    cplx = np.iscomplexobj(Xc) or any(np.iscomplexobj(np.asarray(A)) for A in constraints)
    As = []
    for i, A in enumerate(constraints):
        A = as_array(A, f"constraints[{i}]", shape=(n, n), kind="complex" if cplx else "real")
        if np.linalg.norm(A - A.conj().T) > 1e-10 * max(1.0, float(np.linalg.norm(A))):
            raise ValueError(f"constraints[{i}] must be Hermitian")
        As.append(A)
    m = len(As)
    tol = float(check_positive(tol, "tol"))
    max_steps = n if max_steps is None else check_int(max_steps, "max_steps", minimum=0)
    if cplx:
        Xc = Xc.astype(complex)

    def bound_ok(r: int) -> bool:
        return r * r <= m if cplx else r * (r + 1) // 2 <= m

    for _ in range(max_steps):
        w, U = np.linalg.eigh(Xc)
        keep = w > tol * max(w[-1], 0.0)
        r = int(keep.sum())
        if r <= 1 or bound_ok(r):
            break
        V = U[:, keep] * np.sqrt(w[keep])
        basis = _hermitian_basis(r, cplx)
        # rows: constraints, columns: basis elements; tr(V^H A V B) is real for Hermitian B
        M = np.array([[np.real(np.trace(V.conj().T @ A @ V @ B)) for B in basis] for A in As])
        M = M.reshape(m, len(basis))
        coeffs = np.linalg.svd(M)[2][-1] if m else np.eye(len(basis))[0]
        D = sum(c * B for c, B in zip(coeffs, basis, strict=True))
        lam = np.linalg.eigvalsh(D)
        lam_max = lam[-1] if abs(lam[-1]) >= abs(lam[0]) else lam[0]
        Xc = V @ (np.eye(r) - D / lam_max) @ V.conj().T
        Xc = (Xc + Xc.conj().T) / 2
    return Xc


def _hermitian_basis(r: int, cplx: bool) -> list[np.ndarray]:
    basis = []
    for i in range(r):
        E = np.zeros((r, r), dtype=complex if cplx else float)
        E[i, i] = 1.0
        basis.append(E)
    for i in range(r):
        for j in range(i + 1, r):
            E = np.zeros((r, r), dtype=complex if cplx else float)
            E[i, j] = E[j, i] = 1.0
            basis.append(E)
            if cplx:
                F = np.zeros((r, r), dtype=complex)
                F[i, j], F[j, i] = 1j, -1j
                basis.append(F)
    return basis


@dataclass(frozen=True)
class RandomizationResult:
    """Outcome of :func:`gaussian_randomization`.

    Attributes
    ----------
    w : ndarray or None
        Best candidate (after repair), or ``None`` when no candidate was feasible.
    score : float
        Its score (``-inf`` when none was feasible).
    n_feasible : int
        Candidates with a score above ``-inf``.
    n_samples : int
        Candidates drawn (the principal component, when included, comes on top).
    scores : ndarray
        Score of every candidate, in the order drawn (principal component last).
    """

    w: np.ndarray | None
    score: float
    n_feasible: int
    n_samples: int
    scores: np.ndarray

    @property
    def found(self) -> bool:
        """True when at least one candidate was feasible."""
        return self.w is not None


def gaussian_randomization(
    X,
    score: Callable,
    rng,
    *,
    n_samples: int = 100,
    repair: Callable | None = None,
    include_principal: bool = True,
) -> RandomizationResult:
    """Recover a vector from an SDR solution by Gaussian randomization.

    Draw ``w = X^{1/2} xi`` with ``xi ~ CN(0, I)`` (``N(0, I)`` for a real ``X``), so that
    ``E[w w^H] = X``: every constraint ``tr(A X) >= b`` holds *on average* for the random
    ``w``. Each candidate is optionally repaired (e.g. rescaled to satisfy a power
    constraint), scored, and the best is kept.

    Parameters
    ----------
    X : array_like, shape (n, n)
        PSD solution of the relaxation.
    score : callable
        ``score(w) -> float``, higher is better, ``-inf`` for an infeasible candidate.
    rng : numpy.random.Generator or int
        Source of the random draws.
    n_samples : int
        Number of random candidates (>= 1).
    repair : callable, optional
        ``repair(w) -> w`` applied to every candidate before scoring.
    include_principal : bool
        Also try the principal component (:func:`principal_component`).

    Returns
    -------
    RandomizationResult
        ``w is None`` (and ``score = -inf``) when no candidate was feasible: the caller must
        treat this as a failure, not as an answer.

    Raises
    ------
    ValueError
        For a non-PSD ``X``, a non-callable ``score``/``repair``, or a NaN score.

    References
    ----------
    Luo et al. (2010), Sec. IV-B.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.diag([1.0, 0.0])
    >>> res = gaussian_randomization(X, lambda w: -abs(np.linalg.norm(w) - 1.0), rng=0)
    >>> res.found, abs(round(res.score, 12))
    (True, 0.0)
    """
    X = _psd(X)
    if not callable(score):
        raise ValueError("score must be callable")
    if repair is not None and not callable(repair):
        raise ValueError("repair must be callable")
    gen = as_generator(rng)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    n = X.shape[0]
    w, U = np.linalg.eigh(X)
    root = U * np.sqrt(np.clip(w, 0.0, None))
    if np.iscomplexobj(X):
        xi = gen.standard_normal((n, n_samples)) + 1j * gen.standard_normal((n, n_samples))
        xi /= np.sqrt(2.0)
    else:
        xi = gen.standard_normal((n, n_samples))
    cands = list((root @ xi).T)
    if include_principal:
        cands.append(principal_component(X)[0])
    best_w, best_s, scores = None, -np.inf, []
    for c in cands:
        c = np.asarray(repair(c)) if repair is not None else c
        s = float(score(c))
        if np.isnan(s):
            raise ValueError("score returned NaN; return -inf for an infeasible candidate")
        scores.append(s)
        if s > best_s:
            best_w, best_s = c, s
    scores_arr = np.asarray(scores)
    return RandomizationResult(
        w=best_w,
        score=float(best_s),
        n_feasible=int(np.sum(scores_arr > -np.inf)),
        n_samples=n_samples,
        scores=scores_arr,
    )
