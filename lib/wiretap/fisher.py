"""Fisher information and Cramér-Rao bounds for complex Gaussian observations.

For an observation ``y ~ CN(mu(theta), C(theta))`` with a real parameter vector ``theta``
(length ``p``), the Fisher information matrix (FIM) is the Slepian-Bangs formula

``J_ij = tr(C^{-1} dC_i C^{-1} dC_j) + 2 Re(dmu_i^H C^{-1} dmu_j)``,

and every unbiased estimator satisfies ``cov(theta_hat) >= J^{-1}`` (the CRB). This module
computes FIMs, changes parameters by the chain rule (:func:`reparametrize`), removes
nuisance parameters by a Schur complement (:func:`effective_fim`), and fuses independent
unbiased estimates with the best linear unbiased estimator (:func:`fuse`).

All FIMs are real symmetric ``(p, p)`` arrays. Derivatives are stacked along the *last*
axis for means (``dmu`` has shape ``(n, p)``) and along the *first* axis for matrices
(``dcov`` has shape ``(p, n, n)``).

References
----------
S. M. Kay, *Fundamentals of Statistical Signal Processing: Estimation Theory*,
Prentice Hall, 1993, Ch. 3 and eq. (15.52) (complex Slepian-Bangs formula).
ISAC paper eqs. (27), (67), (69)-(75).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._matrices import hermitian_pd
from ._validation import as_array, check_choice, check_int, check_positive

__all__ = [
    "FusionResult",
    "bearing_gradient",
    "crb",
    "effective_fim",
    "fim_gaussian_mean",
    "fim_snapshots",
    "fuse",
    "range_gradient",
    "reparametrize",
    "slepian_bangs",
]


def _cov(cov, n: int, name: str = "cov", match: str = "dmu") -> np.ndarray:
    """Hermitian positive definite (n, n) covariance; a positive scalar means cov * I."""
    arr = np.asarray(cov)
    if arr.ndim == 0:
        return float(check_positive(cov, name)) * np.eye(n)
    kind = "complex" if np.iscomplexobj(arr) else "real"
    C = as_array(cov, name, shape=(n, n), kind=kind, match=f"the rows of {match}")
    return hermitian_pd(C, name)


def _sym_real(J: np.ndarray) -> np.ndarray:
    return (J + J.T) / 2


def _check_fim(J, name: str = "J") -> np.ndarray:
    J = as_array(J, name, ndim=2)
    if J.shape[0] != J.shape[1] or J.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix, got shape {J.shape}")
    if np.linalg.norm(J - J.T) > 1e-9 * max(1.0, float(np.linalg.norm(J))):
        raise ValueError(f"{name} must be symmetric")
    return _sym_real(J)


def fim_gaussian_mean(dmu, cov, *, observations: str = "complex") -> np.ndarray:
    """FIM of a Gaussian observation whose covariance does not depend on the parameters.

    ``J = 2 Re(dmu^H C^{-1} dmu)`` for complex circular observations ``y ~ CN(mu, C)``, and
    ``J = dmu^T C^{-1} dmu`` for real observations ``y ~ N(mu, C)``.

    Parameters
    ----------
    dmu : array_like, shape (n, p) or (n,)
        Jacobian of the mean, ``dmu[:, i] = d mu / d theta_i`` (a vector means ``p = 1``).
    cov : array_like, shape (n, n), or float
        Noise covariance (Hermitian positive definite), or a variance ``sigma^2`` for
        ``sigma^2 I``.
    observations : {"complex", "real"}

    Returns
    -------
    ndarray, shape (p, p)
        Real symmetric FIM.

    References
    ----------
    Kay (1993), eq. (3.31) (real) and eq. (15.52) (complex).

    Examples
    --------
    Estimating a real amplitude ``a`` from ``y = a s + n``, ``n ~ CN(0, sigma^2 I)``:
    ``J = 2 ||s||^2 / sigma^2``.

    >>> import numpy as np
    >>> fim_gaussian_mean(np.array([1.0, 1j]), 0.5).round(12).tolist()
    [[8.0]]
    """
    check_choice(observations, "observations", ("complex", "real"))
    arr = np.asarray(dmu)
    if observations == "real" and np.iscomplexobj(arr):
        raise ValueError("dmu must be real for observations='real'")
    D = as_array(dmu, "dmu", ndim=(1, 2), kind="complex" if np.iscomplexobj(arr) else "real")
    if D.ndim == 1:
        D = D[:, None]
    C = _cov(cov, D.shape[0])
    if observations == "real" and np.iscomplexobj(C):
        raise ValueError("cov must be real for observations='real'")
    X = np.linalg.solve(C, D)
    G = D.conj().T @ X
    J = 2.0 * np.real(G) if observations == "complex" else np.real(G)
    return _sym_real(J)


def slepian_bangs(dmu, cov, dcov=None, *, observations: str = "complex") -> np.ndarray:
    """General Gaussian FIM (Slepian-Bangs): mean and covariance may depend on ``theta``.

    Complex: ``J_ij = tr(C^{-1} dC_i C^{-1} dC_j) + 2 Re(dmu_i^H C^{-1} dmu_j)``;
    real: ``J_ij = tr(C^{-1} dC_i C^{-1} dC_j) / 2 + dmu_i^T C^{-1} dmu_j``.

    Parameters
    ----------
    dmu : array_like, shape (n, p), or None
        Jacobian of the mean (``None``: zero-mean, the mean does not depend on ``theta``).
    cov : array_like, shape (n, n), or float
        Covariance at ``theta``.
    dcov : array_like, shape (p, n, n), optional
        ``dcov[i] = d C / d theta_i`` (Hermitian); ``None`` means a parameter-free covariance.
    observations : {"complex", "real"}

    Returns
    -------
    ndarray, shape (p, p)

    References
    ----------
    Kay (1993), eq. (3.32) and eq. (15.52).

    Examples
    --------
    Variance of zero-mean complex Gaussian samples, ``C = s I_n``: ``J = n / s^2``.

    >>> import numpy as np
    >>> float(slepian_bangs(None, 2.0 * np.eye(4), np.eye(4)[None])[0, 0])
    1.0
    """
    check_choice(observations, "observations", ("complex", "real"))
    if dmu is None and dcov is None:
        raise ValueError("give dmu, dcov or both")
    n = None
    D = None
    if dmu is not None:
        arr = np.asarray(dmu)
        D = as_array(dmu, "dmu", ndim=(1, 2), kind="complex" if np.iscomplexobj(arr) else "real")
        D = D[:, None] if D.ndim == 1 else D
        n = D.shape[0]
    dC = None
    if dcov is not None:
        arr = np.asarray(dcov)
        dC = as_array(dcov, "dcov", ndim=3, kind="complex" if np.iscomplexobj(arr) else "real")
        if dC.shape[1] != dC.shape[2]:
            raise ValueError(f"dcov must have shape (p, n, n), got {dC.shape}")
        if n is not None and dC.shape[1] != n:
            raise ValueError(f"dcov must have shape (p, {n}, {n}) to match dmu, got {dC.shape}")
        if D is not None and dC.shape[0] != D.shape[1]:
            raise ValueError(f"dcov has {dC.shape[0]} parameters but dmu has {D.shape[1]}")
        for i, Ci in enumerate(dC):
            if np.linalg.norm(Ci - Ci.conj().T) > 1e-10 * max(1.0, float(np.linalg.norm(Ci))):
                raise ValueError(f"dcov[{i}] must be Hermitian")
        n = dC.shape[1]
    C = _cov(cov, n, match="dmu" if D is not None else "dcov")
    p = D.shape[1] if D is not None else dC.shape[0]
    J = np.zeros((p, p))
    if D is not None:
        J += fim_gaussian_mean(D, C, observations=observations)
    if dC is not None:
        M = np.stack([np.linalg.solve(C, Ci) for Ci in dC])  # C^{-1} dC_i
        T = np.real(np.einsum("iab,jba->ij", M, M))
        J += T if observations == "complex" else T / 2
    return _sym_real(J)


def fim_snapshots(dG, S, noise_var: float, n_snapshots: int) -> np.ndarray:
    """FIM of ``Y = G(theta) X + N`` over ``L`` snapshots with known ``X``, white noise.

    With ``S = X X^H / L`` (sample covariance of the probing signal) and
    ``vec(N) ~ CN(0, sigma^2 I)``:

    ``J_ij = (2 L / sigma^2) Re tr(dG_j S dG_i^H)``.

    This is :func:`fim_gaussian_mean` applied to ``vec(G X)``, written with ``S``.

    Parameters
    ----------
    dG : array_like, shape (p, m, n)
        ``dG[i] = d G / d theta_i`` (complex).
    S : array_like, shape (n, n)
        Hermitian positive semidefinite signal covariance.
    noise_var : float
        ``sigma^2`` (> 0).
    n_snapshots : int
        ``L`` (>= 1).

    Returns
    -------
    ndarray, shape (p, p)

    References
    ----------
    ISAC paper eqs. (27) and (67).

    Examples
    --------
    >>> import numpy as np
    >>> dG = np.array([np.eye(2)])
    >>> fim_snapshots(dG, np.eye(2), 1.0, 10).tolist()
    [[40.0]]
    """
    dG = as_array(dG, "dG", ndim=3, kind="complex")
    n = dG.shape[2]
    S = as_array(S, "S", shape=(n, n), kind="complex", match="the last axis of dG")
    if np.linalg.norm(S - S.conj().T) > 1e-10 * max(1.0, float(np.linalg.norm(S))):
        raise ValueError("S must be Hermitian")
    if np.linalg.eigvalsh((S + S.conj().T) / 2)[0] < -1e-10 * max(1.0, np.linalg.norm(S)):
        raise ValueError("S must be positive semidefinite")
    noise_var = float(check_positive(noise_var, "noise_var"))
    L = check_int(n_snapshots, "n_snapshots", minimum=1)
    T = np.einsum("jab,bc,iac->ij", dG, S, dG.conj())
    return _sym_real(2.0 * L / noise_var * np.real(T))


def reparametrize(J, jac) -> np.ndarray:
    """FIM in new parameters by the chain rule: ``J_new = jac^T J jac``.

    Parameters
    ----------
    J : array_like, shape (p, p)
        FIM of the old parameters ``theta``.
    jac : array_like, shape (p, q)
        ``jac[i, k] = d theta_i / d eta_k`` (real), the Jacobian of the old parameters with
        respect to the new ones ``eta``.

    Returns
    -------
    ndarray, shape (q, q)

    References
    ----------
    Kay (1993), Sec. 3.8 (vector parameter transformation).

    Examples
    --------
    Amplitude ``a`` observed, parameter of interest ``b = 2a`` (``a = b/2``, ``jac = 1/2``):

    >>> reparametrize([[8.0]], [[0.5]]).tolist()
    [[2.0]]
    """
    J = _check_fim(J)
    jac = as_array(jac, "jac", ndim=2)
    if jac.shape[0] != J.shape[0]:
        raise ValueError(
            f"jac must have {J.shape[0]} rows (one per old parameter), got {jac.shape}"
        )
    return _sym_real(jac.T @ J @ jac)


def _index(keep, p: int) -> np.ndarray:
    arr = np.asarray(keep)
    if arr.dtype == bool:
        if arr.shape != (p,):
            raise ValueError(f"keep as a mask must have shape ({p},), got {arr.shape}")
        idx = np.flatnonzero(arr)
    else:
        idx = as_array(keep, "keep", ndim=1, kind="int")
        if np.any(idx < 0) or np.any(idx >= p):
            raise ValueError(f"keep must index 0..{p - 1}")
        if len(np.unique(idx)) != len(idx):
            raise ValueError("keep must not repeat indices")
    if idx.size == 0:
        raise ValueError("keep must select at least one parameter")
    return idx


def effective_fim(J, keep) -> np.ndarray:
    """FIM of the parameters in ``keep`` with the others treated as unknown nuisances.

    ``J_eff = J_kk - J_kn J_nn^{-1} J_nk`` (Schur complement), whose inverse is the ``keep``
    block of ``J^{-1}``: not knowing the nuisance parameters can only lose information.

    Parameters
    ----------
    J : array_like, shape (p, p)
    keep : sequence of int or boolean mask of length p
        Parameters of interest, in the order wanted.

    Returns
    -------
    ndarray, shape (len(keep), len(keep))

    Raises
    ------
    ValueError
        If the nuisance block ``J_nn`` is singular (nuisances not identifiable).

    References
    ----------
    Kay (1993), Sec. 3.7 (the CRB of a subset of the parameters is the corresponding
    block of ``J^{-1}``).

    Examples
    --------
    >>> import numpy as np
    >>> J = np.array([[2.0, 1.0], [1.0, 1.0]])
    >>> effective_fim(J, [0]).tolist()
    [[1.0]]
    """
    J = _check_fim(J)
    p = J.shape[0]
    k = _index(keep, p)
    nmask = np.ones(p, dtype=bool)
    nmask[k] = False
    nuis = np.flatnonzero(nmask)
    Jkk = J[np.ix_(k, k)]
    if nuis.size == 0:
        return Jkk.copy()
    Jnn = J[np.ix_(nuis, nuis)]
    Jkn = J[np.ix_(k, nuis)]
    w = np.linalg.eigvalsh(Jnn)
    if w[0] <= 1e-12 * max(1.0, abs(w[-1])):
        raise ValueError(
            "the nuisance block of J is singular: nuisance parameters not identifiable"
        )
    return _sym_real(Jkk - Jkn @ np.linalg.solve(Jnn, Jkn.T))


def crb(J, *, rtol: float = 1e-12) -> np.ndarray:
    """Cramér-Rao bound ``J^{-1}`` of a nonsingular FIM.

    Parameters
    ----------
    J : array_like, shape (p, p)
        Real symmetric positive semidefinite FIM.
    rtol : float
        ``J`` counts as singular when ``lambda_min <= rtol * lambda_max``.

    Returns
    -------
    ndarray, shape (p, p)

    Raises
    ------
    ValueError
        If ``J`` is singular (the parameters are not locally identifiable: no unbiased
        estimator with finite variance exists) or not positive semidefinite.

    Examples
    --------
    >>> crb([[4.0, 0.0], [0.0, 0.5]]).tolist()
    [[0.25, 0.0], [0.0, 2.0]]
    >>> crb([[1.0, 1.0], [1.0, 1.0]])
    Traceback (most recent call last):
    ...
    ValueError: J is singular (lambda_min/lambda_max = 0): the parameters are not identifiable
    """
    J = _check_fim(J)
    rtol = float(check_positive(rtol, "rtol"))
    w, V = np.linalg.eigh(J)
    if w[0] < -1e-9 * max(1.0, abs(w[-1])):
        raise ValueError(f"J must be positive semidefinite, smallest eigenvalue {w[0]:.3g}")
    if w[-1] <= 0 or w[0] <= rtol * w[-1]:
        ratio = max(w[0], 0.0) / w[-1] if w[-1] > 0 else 0.0
        raise ValueError(
            f"J is singular (lambda_min/lambda_max = {ratio:.3g}): "
            "the parameters are not identifiable"
        )
    return _sym_real((V / w) @ V.T)


@dataclass(frozen=True)
class FusionResult:
    """Best linear unbiased fusion of independent unbiased estimates.

    Attributes
    ----------
    estimate : ndarray, shape (p,)
        ``x_hat = sum_k W_k x_k``.
    covariance : ndarray, shape (p, p)
        ``(sum_k J_k)^{-1}`` with ``J_k = C_k^{-1}``.
    weights : ndarray, shape (K, p, p)
        ``W_k = (sum_j J_j)^{-1} J_k``; they sum to the identity.
    information : ndarray, shape (p, p)
        ``sum_k J_k``.
    """

    estimate: np.ndarray
    covariance: np.ndarray
    weights: np.ndarray
    information: np.ndarray


def fuse(estimates, covariances=None, *, informations=None) -> FusionResult:
    """Fuse independent unbiased estimates of the same vector (BLUE, information form).

    Among all unbiased linear combinations ``sum_k W_k x_k`` (``sum_k W_k = I``) the one with
    the smallest covariance (in the PSD order) is ``W_k = (sum_j J_j)^{-1} J_k``, and its
    covariance is ``(sum_k J_k)^{-1}``. If each ``x_k`` is efficient (covariance = its CRB)
    the fused covariance equals the CRB of all observations together.

    Parameters
    ----------
    estimates : array_like, shape (K, p)
        The local estimates.
    covariances : array_like, shape (K, p, p), optional
        Their covariances (symmetric positive definite).
    informations : array_like, shape (K, p, p), optional
        Their information matrices ``J_k`` instead (may be singular one by one, e.g. an
        angle-only sensor's rank-one location FIM, as long as the sum is nonsingular).
        Give exactly one of ``covariances`` and ``informations``.

    Returns
    -------
    FusionResult

    Raises
    ------
    ValueError
        For shape mismatches, non-PD covariances, or a singular total information.

    References
    ----------
    ISAC paper eqs. (69)-(75); Kay (1993), Sec. 6.6 (BLUE).

    Examples
    --------
    >>> import numpy as np
    >>> r = fuse([[0.0], [3.0]], [[[1.0]], [[2.0]]])
    >>> float(r.estimate[0]), float(r.covariance[0, 0])
    (1.0, 0.6666666666666666)
    """
    x = as_array(estimates, "estimates", ndim=2)
    K, p = x.shape
    if K == 0:
        raise ValueError("estimates must not be empty")
    if (covariances is None) == (informations is None):
        raise ValueError("give exactly one of covariances and informations")
    if covariances is not None:
        C = as_array(covariances, "covariances", shape=(K, p, p), match="estimates")
        Js = []
        for k in range(K):
            Ck = _check_fim(C[k], f"covariances[{k}]")
            if np.linalg.eigvalsh(Ck)[0] <= 0:
                raise ValueError(f"covariances[{k}] must be positive definite")
            Js.append(np.linalg.inv(Ck))
        Js = np.stack([_sym_real(J) for J in Js])
    else:
        Js = as_array(informations, "informations", shape=(K, p, p), match="estimates")
        for k in range(K):
            Jk = _check_fim(Js[k], f"informations[{k}]")
            if np.linalg.eigvalsh(Jk)[0] < -1e-9 * max(1.0, float(np.linalg.norm(Jk))):
                raise ValueError(f"informations[{k}] must be positive semidefinite")
    Jsum = _sym_real(Js.sum(axis=0))
    try:
        cov = crb(Jsum)
    except ValueError as exc:
        raise ValueError(f"the total information is singular: {exc}") from exc
    W = np.einsum("ab,kbc->kac", cov, Js)
    est = cov @ np.einsum("kab,kb->a", Js, x)
    return FusionResult(estimate=est, covariance=cov, weights=W, information=Jsum)


def _points(target, anchor) -> tuple[np.ndarray, np.ndarray]:
    t = as_array(target, "target", shape=(2,))
    a = as_array(anchor, "anchor", shape=(2,))
    d = t - a
    if not np.any(d):
        raise ValueError("target and anchor must differ")
    return d, t


def bearing_gradient(target, anchor) -> np.ndarray:
    """Gradient of the bearing ``theta = atan2(dy, dx)`` of ``target`` seen from ``anchor``.

    ``d theta / d (x, y) = [-dy, dx] / r^2`` with ``(dx, dy) = target - anchor``. The angle is
    measured counter-clockwise from the x axis; for an angle measured from another axis
    (e.g. a ULA's broadside) only the sign or the orientation changes, never the length
    ``1 / r``.

    Parameters
    ----------
    target, anchor : array_like, shape (2,)
        Positions in metres.

    Returns
    -------
    ndarray, shape (2,)
        In rad/m.

    Examples
    --------
    >>> bearing_gradient([0.0, 2.0], [0.0, 0.0]).tolist()
    [-0.5, 0.0]
    """
    d, _ = _points(target, anchor)
    return np.array([-d[1], d[0]]) / float(d @ d)


def range_gradient(target, anchor) -> np.ndarray:
    """Gradient of the distance ``r = ||target - anchor||``: the unit vector ``(dx, dy) / r``.

    Examples
    --------
    >>> range_gradient([3.0, 4.0], [0.0, 0.0]).tolist()
    [0.6, 0.8]
    """
    d, _ = _points(target, anchor)
    return d / float(np.linalg.norm(d))
