"""Sensing in stage 1: echoes, Fisher information, CRB and fusion (Xu et al., III-A, IV-A).

The echo received by BS ``mr`` in slot ``l`` is (paper eq. (20))

    y_mr[l] = sum_mt alpha_{mt,mr} a(theta_mr) a(theta_mt)^H x_mt[l] + n_mr[l],

with independent ``CN(0, I)`` noise at each receiver (noise normalised to 1). Only the
eavesdropper position ``p`` is unknown in the paper's FIM (eqs. (27), (67)); the gains are
known. :func:`fim_from_samples` also treats them as unknown nuisance parameters.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import least_squares

from .._validation import as_array, as_generator, check_choice
from ._checks import check_psd, check_scenario
from .geometry import (
    Scenario,
    aod,
    steering,
    steering_position_jacobian,
)

__all__ = [
    "crb",
    "echo_samples",
    "fim_central_kron",
    "fim_from_samples",
    "fim_receive",
    "fim_transmit",
    "fim_transmit_blocks",
    "fuse_estimates",
    "ml_location",
    "response_derivatives",
    "response_matrices",
    "sensing_covariance",
]


def _pos(scn: Scenario, p) -> np.ndarray:
    return scn.eve_est if p is None else as_array(p, "p", shape=(2,))


def response_matrices(scn: Scenario, p=None) -> np.ndarray:
    """Target response matrices ``G_{mt,mr} = alpha_{mt,mr} a(theta_mr) a(theta_mt)^H``.

    Parameters
    ----------
    scn : Scenario
    p : array_like, shape (2,), optional
        Target position (default: the estimate ``scn.eve_est``).

    Returns
    -------
    ndarray, complex, shape (M, M, N, N)
        Indexed ``[mt, mr]`` (transmitting BS, receiving BS), paper eq. (20).
    """
    check_scenario(scn)
    a = steering(scn.N, aod(scn.bs, _pos(scn, p)))  # (M, N)
    return scn.sensing_gain[:, :, None, None] * np.einsum("ri,tj->trij", a, a.conj())


def response_derivatives(scn: Scenario, p=None) -> np.ndarray:
    """Derivatives ``dG_{mt,mr} / dp_i`` by the chain rule through the angles.

    Returns
    -------
    ndarray, complex, shape (M, M, 2, N, N)
        Indexed ``[mt, mr, i]``.
    """
    check_scenario(scn)
    pp = _pos(scn, p)
    a = steering(scn.N, aod(scn.bs, pp))  # (M, N)
    da = steering_position_jacobian(scn.N, scn.bs, pp)  # (M, N, 2)
    term_rx = np.einsum("rai,tb->triab", da, a.conj())
    term_tx = np.einsum("ra,tbi->triab", a, da.conj())
    return scn.sensing_gain[:, :, None, None, None] * (term_rx + term_tx)


def fim_transmit_blocks(scn: Scenario, p=None) -> np.ndarray:
    """Matrices ``K^(mt)_{ij} = 2L sum_mr dG_{mt,mr}^(i)H dG_{mt,mr}^(j)``.

    With them the FIM contribution of BS ``mt``'s transmit covariance ``S_mt`` (paper
    eq. (92)) is ``[F_bar_mt]_{ij} = Re tr(S_mt K^(mt)_{ij})``, linear in ``S_mt``.

    Returns
    -------
    ndarray, complex, shape (M, 2, 2, N, N)
    """
    check_scenario(scn)
    dg = response_derivatives(scn, p)
    return 2.0 * scn.n_samples * np.einsum("trian,trjam->tijnm", dg.conj(), dg)


def _receivers(receivers, scn: Scenario) -> list[int]:
    """Indices of the receiving BSs (default: all), checked against ``scn.M``."""
    if receivers is None:
        return list(range(scn.M))
    rx = as_array(receivers, "receivers", ndim=1, kind="int")
    if rx.size == 0 or np.any(rx < 0) or np.any(rx >= scn.M) or len(set(rx.tolist())) < rx.size:
        raise ValueError(
            f"receivers must be distinct BS indices in [0, {scn.M - 1}], got {rx.tolist()}"
        )
    return rx.tolist()


def _check_cov(S, scn: Scenario) -> np.ndarray:
    S = as_array(S, "S", shape=(scn.M, scn.N, scn.N), kind="complex")
    if np.max(np.abs(S - np.conj(np.swapaxes(S, -1, -2)))) > 1e-8 * (1 + np.abs(S).max()):
        raise ValueError("S must hold Hermitian matrices")
    check_psd(S, "S")
    return S


def fim_transmit(scn: Scenario, S, p=None) -> np.ndarray:
    """Per-transmitter FIM contributions ``F_bar_m`` of paper eq. (92).

    Parameters
    ----------
    S : array_like, complex, shape (M, N, N)
        Stage-1 transmit covariances ``S_m^(1)`` (mW).

    Returns
    -------
    ndarray, shape (M, 2, 2)
        ``sum`` over ``m`` equals the centralized FIM (paper eq. (93)).
    """
    check_scenario(scn)
    S = _check_cov(S, scn)
    kb = fim_transmit_blocks(scn, p)
    return np.einsum("tab,tijba->tij", S, kb).real


def fim_receive(scn: Scenario, S, p=None) -> np.ndarray:
    """Per-receiver FIMs ``F_m`` of paper eq. (67) (BS ``m`` uses only its own echoes).

    Returns
    -------
    ndarray, shape (M, 2, 2)
    """
    check_scenario(scn)
    S = _check_cov(S, scn)
    dg = response_derivatives(scn, p)
    val = np.einsum("trjab,tbc,triac->rij", dg, S, dg.conj())
    return 2.0 * scn.n_samples * val.real


def fim_central_kron(scn: Scenario, S, p=None) -> np.ndarray:
    """Centralized FIM written literally as paper eqs. (24), (27), (28).

    ``G_m = blkdiag(G_{m,1}, ..., G_{m,M})`` and ``S_tilde_m = (1 1^T) kron S_m``; an
    independent implementation used to check :func:`fim_transmit` and :func:`fim_receive`.

    Returns
    -------
    ndarray, shape (2, 2)
    """
    check_scenario(scn)
    S = _check_cov(S, scn)
    dg = response_derivatives(scn, p)
    m, n = scn.M, scn.N
    F = np.zeros((2, 2))
    ones = np.ones((m, m))
    for mt in range(m):
        st = np.kron(ones, S[mt])
        blk = []
        for i in range(2):
            Gi = np.zeros((m * n, m * n), complex)
            for mr in range(m):
                Gi[mr * n : (mr + 1) * n, mr * n : (mr + 1) * n] = dg[mt, mr, i]
            blk.append(Gi)
        for i in range(2):
            for j in range(2):
                F[i, j] += np.trace(blk[j] @ st @ blk[i].conj().T).real
    return 2.0 * scn.n_samples * F


def crb(F) -> np.ndarray:
    """CRB ``F^{-1}`` of a real symmetric FIM; ``ValueError`` if it is singular.

    Kept apart from :func:`wiretap.fisher.crb` (which inverts through an eigendecomposition,
    a different rounding); ``tests/test_isac_foundations.py`` checks the two agree to a
    relative 1e-9 on random FIMs.

    Examples
    --------
    >>> crb(np.diag([4.0, 2.0])).diagonal().tolist()
    [0.25, 0.5]
    """
    F = as_array(F, "F", ndim=2)
    if F.shape[0] != F.shape[1] or F.shape[0] == 0:
        raise ValueError(f"F must be a non-empty square matrix, got {F.shape}")
    if not np.all(np.abs(F - F.T) <= 1e-8 * np.abs(F).max()):
        raise ValueError("F must be symmetric (a Fisher information matrix)")
    ev = np.linalg.eigvalsh((F + F.T) / 2)
    if ev[0] <= 1e-12 * max(ev[-1], 1e-300):
        raise ValueError("F is singular: the location is not identifiable from these data")
    return np.linalg.inv(F)


def fuse_estimates(estimates, covariances):
    """BLUE fusion of per-BS estimates, paper eqs. (69)-(75).

    ``A_m = (sum_j Q_j^{-1})^{-1} Q_m^{-1}``; the fused covariance is ``(sum_m Q_m^{-1})^{-1}``.
    Kept apart from :func:`wiretap.fisher.fuse` (other rounding, and Monte Carlo stacks);
    ``tests/test_isac_foundations.py`` checks the two agree to a relative 1e-9.

    Parameters
    ----------
    estimates : array_like, shape (M, 2) or (M, T, 2)
        Per-BS estimates (optionally ``T`` Monte Carlo draws each).
    covariances : array_like, shape (M, 2, 2)
        Their covariances ``Q_m`` (positive definite).

    Returns
    -------
    fused : ndarray, shape (2,) or (T, 2)
    cov : ndarray, shape (2, 2)
    weights : ndarray, shape (M, 2, 2)

    Examples
    --------
    >>> est = np.array([[0.0, 0.0], [2.0, 2.0]])
    >>> f, c, w = fuse_estimates(est, np.stack([np.eye(2), np.eye(2)]))
    >>> f.tolist(), c.tolist()
    ([1.0, 1.0], [[0.5, 0.0], [0.0, 0.5]])
    """
    est = as_array(estimates, "estimates", ndim=(2, 3))
    Q = as_array(covariances, "covariances", ndim=3)
    if Q.shape[1:] != (2, 2) or Q.shape[0] != est.shape[0] or est.shape[-1] != 2:
        raise ValueError("estimates (M, [T,] 2) and covariances (M, 2, 2) must agree")
    infos = np.stack([_inv_pd(q) for q in Q])
    cov = np.linalg.inv(infos.sum(0))
    weights = np.einsum("ij,mjk->mik", cov, infos)
    fused = np.einsum("mij,m...j->...i", weights, est)
    return fused, cov, weights


def _inv_pd(q: np.ndarray) -> np.ndarray:
    ev = np.linalg.eigvalsh((q + q.T) / 2)
    if ev[0] <= 0:
        raise ValueError("covariances must be positive definite")
    return np.linalg.inv(q)


def sensing_covariance(W1, R1) -> np.ndarray:
    """Stage-1 transmit covariances ``S_m = sum_k W_{m,k} + R_m`` (paper eq. (2)).

    Parameters
    ----------
    W1 : array_like, complex, shape (M, K, N, N)
    R1 : array_like, complex, shape (M, N, N)

    Returns
    -------
    ndarray, complex, shape (M, N, N)
    """
    W1 = as_array(W1, "W1", ndim=4, kind="complex")
    R1 = as_array(R1, "R1", ndim=3, kind="complex")
    if R1.shape != (W1.shape[0], W1.shape[2], W1.shape[3]):
        raise ValueError(f"R1 must have shape (M, N, N) matching W1, got {R1.shape}")
    return W1.sum(axis=1) + R1


def echo_samples(scn: Scenario, X, rng, *, p=None, noise: str = "independent") -> np.ndarray:
    """Draw the stage-1 echoes of paper eq. (63) at every BS.

    Parameters
    ----------
    X : array_like, complex, shape (M, N, L)
        Transmitted samples ``x_m[l]`` (sqrt(mW)).
    rng : numpy.random.Generator or int
    p : array_like, shape (2,), optional
        True target position (default ``scn.eve``).
    noise : {"independent", "common"}
        ``"independent"``: ``CN(0, I)`` noise at every receiver (the physical model);
        ``"common"``: the *same* noise vector at every BS, as printed in paper eq. (22)
        (``1_M kron n_s``), kept to show what that model would imply.

    Returns
    -------
    ndarray, complex, shape (M, N, L)
    """
    check_scenario(scn)
    check_choice(noise, "noise", ("independent", "common"))
    X = as_array(X, "X", ndim=3, kind="complex")
    if X.shape[:2] != (scn.M, scn.N):
        raise ValueError(f"X must have shape (M, N, L) = ({scn.M}, {scn.N}, L), got {X.shape}")
    gen = as_generator(rng)
    G = response_matrices(scn, scn.eve if p is None else p)
    mean = np.einsum("trij,tjl->ril", G, X)
    shape = mean.shape if noise == "independent" else mean.shape[1:]
    z = (gen.standard_normal(shape) + 1j * gen.standard_normal(shape)) / np.sqrt(2)
    return mean + (z if noise == "independent" else z[None])


def fim_from_samples(
    scn: Scenario,
    X,
    *,
    p=None,
    receivers=None,
    gains: str = "known",
) -> np.ndarray:
    """Exact FIM of ``p`` for the given transmitted samples (no ``L -> infinity`` step).

    Builds the Jacobian of the stacked echo mean and applies the Gaussian-mean formula
    ``2 Re(J^H J)`` (unit noise). With ``gains="unknown"`` the complex gains of the used
    paths are nuisance parameters and the result is the Schur complement (effective FIM).

    Parameters
    ----------
    X : array_like, complex, shape (M, N, L)
    p : array_like, shape (2,), optional
        Evaluation point (default ``scn.eve_est``).
    receivers : sequence of int, optional
        BSs whose echoes are used (default: all).
    gains : {"known", "unknown"}

    Returns
    -------
    ndarray, shape (2, 2)
    """
    check_scenario(scn)
    check_choice(gains, "gains", ("known", "unknown"))
    X = as_array(X, "X", shape=(scn.M, scn.N, None), kind="complex", match="scn (M, N, L)")
    rx = _receivers(receivers, scn)
    dg = response_derivatives(scn, p)
    pp = _pos(scn, p)
    a = steering(scn.N, aod(scn.bs, pp))
    cols_p, cols_g = [], []
    for r in rx:
        dp = [np.einsum("tij,tjl->il", dg[:, r, i], X).ravel() for i in range(2)]
        cols_p.append(np.stack(dp, -1))
        if gains == "unknown":
            g = [np.outer(a[r], a[t].conj()) @ X[t] for t in range(scn.M)]
            cols_g.append([v.ravel() for v in g])
    n_obs = [c.shape[0] for c in cols_p]
    Jp = np.concatenate(cols_p, axis=0)
    if gains == "known":
        return 2.0 * (Jp.conj().T @ Jp).real
    # nuisance: real and imaginary part of every used path gain (block structure per rx)
    n_par = 2 * len(rx) * scn.M
    Jg = np.zeros((sum(n_obs), n_par), complex)
    row = 0
    for ri in range(len(rx)):
        for t in range(scn.M):
            v = cols_g[ri][t]
            c = 2 * (ri * scn.M + t)
            Jg[row : row + n_obs[ri], c] = v
            Jg[row : row + n_obs[ri], c + 1] = 1j * v
        row += n_obs[ri]
    J = np.concatenate([Jp, Jg], axis=1)
    full = 2.0 * (J.conj().T @ J).real
    A, B, C = full[:2, :2], full[:2, 2:], full[2:, 2:]
    return A - B @ np.linalg.solve(C, B.T)


def ml_location(scn: Scenario, Y, X, *, p0=None, receivers=None) -> np.ndarray:
    """Maximum-likelihood location from echoes with known gains (nonlinear least squares).

    Parameters
    ----------
    Y : array_like, complex, shape (M, N, L)
        Echoes from :func:`echo_samples`.
    X : array_like, complex, shape (M, N, L)
        Transmitted samples.
    p0 : array_like, shape (2,), optional
        Starting point (default ``scn.eve_est``); at high SNR the local optimum near the
        truth is the ML estimate.
    receivers : sequence of int, optional
        Echoes used (default: all BSs; one index gives the local estimate of that BS).

    Returns
    -------
    ndarray, shape (2,)
    """
    check_scenario(scn)
    Y = as_array(Y, "Y", shape=(scn.M, scn.N, None), kind="complex", match="scn (M, N, L)")
    X = as_array(X, "X", shape=Y.shape, kind="complex", match="Y")
    rx = _receivers(receivers, scn)
    start = scn.eve_est if p0 is None else as_array(p0, "p0", shape=(2,))

    def resid(pp):
        G = response_matrices(scn, pp)[:, rx]
        r = (Y[rx] - np.einsum("trij,tjl->ril", G, X)).ravel()
        return np.concatenate([r.real, r.imag])

    def jac(pp):
        dg = response_derivatives(scn, pp)[:, rx]
        cols = [-np.einsum("trij,tjl->ril", dg[:, :, i], X).ravel() for i in range(2)]
        Jc = np.stack(cols, -1)
        return np.concatenate([Jc.real, Jc.imag])

    sol = least_squares(resid, start, jac=jac, method="lm", xtol=1e-12, ftol=1e-12)
    return sol.x
