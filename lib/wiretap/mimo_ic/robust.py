"""Robust per-pair subproblems under norm-bounded CSI errors.

Uncertainty model (the one this module solves)
----------------------------------------------
Every estimated channel ``H_hat`` a pair uses is off by an unknown error ``Delta`` with
``||Delta||_F <= radius`` (one ball per channel matrix, radii in normalized units). Pair
``i`` protects itself against errors on its main channel ``H_ii``, its eavesdropper channel
``G_i`` and the cross channels ``H_ji`` over which it interferes with the other pairs. Its
received interference covariance ``Upsilon_i`` is a local measurement and is taken as known
(the print's eq. (47) also carries no error for it).

Every robust term has the form ``max_{||Delta||_F <= r} ||B (H + Delta) X - C||_F^2``:

* :func:`worst_case_residual` computes it exactly (trust-region subproblem, the reference);
* :func:`robust_norm_lmi` is the print's LMI (55), dimensions corrected (Schur complement
  plus the sign-definiteness lemma, lossless);
* :class:`PrecoderProblem`, :class:`ReceiverProblem` and :class:`EveProblem` are the three
  compiled (DPP) block subproblems of the alternating convex search
  (defined in the internal ``_subproblems`` module, re-exported here).

References
----------
Kong et al. (``kong2024mimoic``), eqs. (37)-(65); Gharavol and Larsson (2013), Lemma 1.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from .. import lemmas
from .._exports import adopt
from .._linalg import herm, hsqrt, logdet
from .._validation import as_array, check_choice, check_int, check_nonnegative
from ..results import Certificate, IterativeResult, settle
from ._checks import check_instance, hermitian_psd, loop_settings, matrix
from ._robust_core import PRECODER_GAP_TOL as GAP_TOL
from ._robust_core import ascend, check_bhxc, rate_grad, row_data, solve_robust, vec, worst_case
from ._subproblems import (
    EveProblem,
    PrecoderProblem,
    ReceiverProblem,
    SubproblemOutcome,
)
from .model import Network, interference_covariance
from .wmmse_steps import Aux

__all__ = [
    "PRECODER_GAP_TOL",
    "EveProblem",
    "PairView",
    "PrecoderProblem",
    "ReceiverProblem",
    "RobustTerms",
    "SubproblemOutcome",
    "WorstCaseResult",
    "gamma_bound",
    "min_robust_bound",
    "robust_norm_lmi",
    "robust_terms",
    "worst_case_residual",
    "worst_case_secrecy",
]

PRECODER_GAP_TOL = GAP_TOL
"""Tolerance of the precoder step's certificate. The exact worst case of every robust term at
the returned precoder may exceed the SDP's epigraph value by at most this, relative to
``1 + |epigraph value|``."""


# ----------------------------------------------------------------------------- references
def worst_case_residual(B, H, X, C, radius) -> tuple[float, np.ndarray]:
    """Exact ``max ||B (H + Delta) X - C||_F^2`` over ``||Delta||_F <= radius``.

    With ``a = vec(B H X - C)`` and ``J = X^T kron B`` the residual is ``a + J vec(Delta)``;
    the maximum of this convex quadratic over the ball is a trust-region problem. The
    eigenvectors of ``J^H J = conj(X) X^T kron B^H B`` come from the two small factors, and
    the multiplier ``mu > lambda_max`` solves the secular equation ``||(mu I - J^H J)^{-1}
    J^H a|| = radius`` (Brent's method); the hard case (``J^H a`` orthogonal to the top
    eigenspace) is completed along that eigenspace. The tests check it against
    :func:`wiretap.lemmas.min_quadratic_on_ball`.

    Parameters
    ----------
    B : array_like, complex, shape (d, n)
    H : array_like, complex, shape (n, m)
    X : array_like, complex, shape (m, k)
    C : array_like, complex, shape (d, k), or None (zero)
    radius : float
        ``>= 0``.

    Returns
    -------
    value : float
    Delta : ndarray, complex, shape (n, m)
        A maximizer, ``||Delta||_F = radius``.

    Examples
    --------
    >>> val, D = worst_case_residual(np.eye(1), np.ones((1, 1)), np.eye(1), None, 0.5)
    >>> round(val, 12), round(float(abs(D[0, 0])), 12)
    (2.25, 0.5)
    """
    Bm, Hm, Xm, Cm = check_bhxc(B, H, X, C)
    r = float(check_nonnegative(radius, "radius"))
    return worst_case(Bm, Hm, Xm, Cm, r)


def robust_norm_lmi(a, J, radius, t, lam):
    """The print's LMI (55), corrected: ``||a + J delta||^2 <= t`` for all ``||delta|| <= r``.

    By the Schur complement (``t - ||y||^2 >= 0`` iff ``[[t, y^H], [y, I]] >= 0``) and the
    sign-definiteness lemma with ``P = [0, J^H]``, ``Q = [1, 0]`` and ``X = delta``, the
    robust constraint holds iff there is ``lam >= 0`` with

    ``[[t - lam, a^H, 0], [a, I, -r J], [0, -r J^H, lam I]] >= 0``.

    Parameters
    ----------
    a : array_like or cvxpy.Expression, shape (m,)
        Nominal residual ``vec(B H X - C)``.
    J : array_like or cvxpy.Expression, shape (m, n)
        ``X^T kron B``; ``n`` is the number of uncertain entries.
    radius : float
    t, lam : float or scalar cvxpy.Expression

    Returns
    -------
    ndarray or cvxpy.Expression, shape (1 + m + n, 1 + m + n)

    Examples
    --------
    >>> M = robust_norm_lmi(np.ones(1), np.ones((1, 1)), 0.5, 2.25 + 1.5, 1.5)
    >>> bool(np.linalg.eigvalsh(M).min() > -1e-12)
    True
    """
    if not isinstance(a, cp.Expression):
        if np.ndim(a) != 1:
            raise ValueError(f"a must be a vector, got shape {np.shape(a)}")
        a = as_array(a, "a", ndim=1, kind="complex" if np.iscomplexobj(a) else "real")
    ashape = tuple(a.shape)
    if len(ashape) != 1:
        raise ValueError(f"a must be a vector, got shape {ashape}")
    m = ashape[0]
    if m == 0:
        raise ValueError("a must not be empty")
    if not isinstance(J, cp.Expression):
        J = as_array(J, "J", ndim=(0, 1, 2), kind="complex" if np.iscomplexobj(J) else "real")
    Jshape = tuple(J.shape)
    if len(Jshape) != 2 or Jshape[0] != m or Jshape[1] == 0:
        raise ValueError(f"J must have shape ({m}, n) to match the length of a, got {Jshape}")
    r = float(check_nonnegative(radius, "radius"))
    for name, v in (("t", t), ("lam", lam)):
        if not isinstance(v, cp.Expression):
            as_array(v, name, ndim=0)
        elif v.size != 1:
            raise ValueError(f"{name} must be a scalar, got shape {v.shape}")
    A = lemmas.hermitian_block(t, _conj_row(a), np.eye(m))
    P = _hstack_zero_col(_ctrans(J))
    Qm = np.zeros((1, 1 + m))
    Qm[0, 0] = 1.0
    return lemmas.sign_definiteness_lmi(A, P, Qm, r, lam)


def _conj_row(a):
    if isinstance(a, cp.Expression):
        return cp.reshape(cp.conj(a), (1, a.shape[0]), order="F")
    return np.conj(np.asarray(a))[None, :]


def _ctrans(J):
    return J.H if isinstance(J, cp.Expression) else np.asarray(J).conj().T


def _hstack_zero_col(M):
    if isinstance(M, cp.Expression):
        return cp.hstack([np.zeros((M.shape[0], 1)), M])
    return np.hstack([np.zeros((M.shape[0], 1)), M])


def min_robust_bound(B, H, X, C, radius, *, form: str = "monolithic") -> float:
    """Smallest ``t`` certified by an LMI for fixed numeric ``B, H, X, C`` (a reference).

    Parameters
    ----------
    B, H, X, C, radius
        As in :func:`worst_case_residual`.
    form : {"monolithic", "rows", "lifted"}
        ``"monolithic"``: the print's LMI (55) (:func:`robust_norm_lmi`), one block of size
        ``1 + d k + n m``. ``"rows"``: the same LMI split into one block per row of ``B``
        (size ``1 + k + m``), coupled by a shared multiplier. ``"lifted"``: the S-lemma form
        used by :class:`PrecoderProblem`, one block of size ``m + 1`` per row. All three are
        exact, so the returned value equals :func:`worst_case_residual` up to solver accuracy.

    Returns
    -------
    float
    """
    check_choice(form, "form", ("monolithic", "rows", "lifted"))
    Bm, Hm, Xm, Cm = check_bhxc(B, H, X, C)
    if Cm is None:
        Cm = np.zeros((Bm.shape[0], Xm.shape[1]), complex)
    r = float(check_nonnegative(radius, "radius"))
    t, lam = cp.Variable(), cp.Variable(nonneg=True)
    cons = []
    if form == "monolithic":
        a = vec(Bm @ Hm @ Xm - Cm)
        J = np.kron(Xm.T, Bm)
        cons.append(robust_norm_lmi(a, J, r, t, lam) >> 0)
        obj = t
    else:
        rows = row_data(Bm, Hm, Cm, r)
        m, k = Xm.shape
        taus = cp.Variable(len(rows.s))
        for ell in range(len(rows.s)):
            if form == "rows":
                a_l = rows.P[ell] @ Xm - rows.C[ell]
                # row residual r = a_l + g (sigma_l X), g a row in the unit ball; the block
                # is the Schur/sign-definiteness LMI for the column r^H = a_l^H + sigma X^H g^H
                top = lemmas.hermitian_block(taus[ell], a_l[None, :], np.eye(k))
                Bblk = np.vstack([np.zeros((1, m)), -rows.sigma[ell] * Xm.conj().T])
                cons.append(lemmas.hermitian_block(top, Bblk, lam * np.eye(m)) >> 0)
            else:
                Y = Xm @ Xm.conj().T
                b = rows.sigma[ell] * (Y @ rows.P[ell].conj() - Xm @ rows.C[ell].conj())
                D = lam * np.eye(m) - rows.sigma[ell] ** 2 * Y
                cons.append(lemmas.hermitian_block(D, -b, taus[ell]) >> 0)
        if form == "rows":
            obj = cp.sum(taus) + lam + rows.const
        else:
            nominal = float(np.linalg.norm(rows.P @ Xm - rows.C) ** 2) + rows.const
            obj = cp.sum(taus) + lam + nominal
        cons.append(t >= obj)
    prob = cp.Problem(cp.Minimize(t), cons)
    info = solve_robust(prob, {})
    if not info.ok:
        raise RuntimeError(f"min_robust_bound: solver status {info.status}")
    return float(t.value)


def gamma_bound(G, X, radius, *, space: str = "stream") -> float:
    """Best robust lower bound on ``-log det(I + G X X^H G^H)`` over the error ball.

    ``max_S log det S - max_{||Delta||_F <= r} tr(S K(Delta)) + n`` where ``K`` is Eve's
    covariance in the chosen space: ``"receive"`` (``n = n_e``,
    ``K = (G + Delta) X X^H (G + Delta)^H + I``, the print's eq. (27)) or ``"stream"``
    (``n = k``, ``K = I + X^H (G + Delta)^H (G + Delta) X``, Sylvester's form). Without errors
    both equal ``-log det(I + G X X^H G^H)``; with errors the stream form is never looser in
    our experiments and usually much tighter. Solved with a fresh cvxpy problem (a teaching
    reference, not used by the algorithm).

    Parameters
    ----------
    G : array_like, complex, shape (n_e, n_t)
    X : array_like, complex, shape (n_t, k)
    radius : float
    space : {"stream", "receive"}

    Returns
    -------
    float
        The bound in nats.
    """
    check_choice(space, "space", ("stream", "receive"))
    Gm = matrix(G, "G")
    Xm = matrix(X, "X", shape=(Gm.shape[1], None), match="the columns of G")
    r = float(check_nonnegative(radius, "radius"))
    n_e, k = Gm.shape[0], Xm.shape[1]
    U, s, _ = np.linalg.svd(Xm, full_matrices=False)
    lam = cp.Variable(nonneg=True)
    cons = []
    if space == "receive":
        S = cp.Variable((n_e, n_e), hermitian=True)
        x = Gm @ (U * s)  # columns s_l G u_l; the error adds r s_l times a unit-ball column
        tau = cp.Variable(k)
        for ell in range(k):
            D = lam * np.eye(n_e) - (r * s[ell]) ** 2 * S
            cons.append(lemmas.hermitian_block(D, -(S @ (r * s[ell] * x[:, ell])), tau[ell]) >> 0)
        worst = cp.sum(tau) + lam + cp.real(cp.trace(S @ (x @ x.conj().T))) + cp.real(cp.trace(S))
        n = n_e
    else:
        S = cp.Variable((k, k), hermitian=True)
        T = cp.Variable((k, k), hermitian=True)
        cons.append(T == cp.multiply(np.outer(s, s), S))
        v = U.conj().T @ Gm.conj().T  # (k, n_e): one column per Eve antenna
        tau = cp.Variable(n_e)
        for row in range(n_e):
            D = lam * np.eye(k) - r**2 * T
            cons.append(lemmas.hermitian_block(D, -(T @ (r * v[:, row])), tau[row]) >> 0)
        worst = cp.sum(tau) + lam + cp.real(cp.trace(T @ (v @ v.conj().T))) + cp.real(cp.trace(S))
        n = k
    prob = cp.Problem(cp.Maximize(cp.log_det(S) - worst + n), cons)
    info = solve_robust(prob, {})
    if not info.ok:
        raise RuntimeError(f"gamma_bound: solver status {info.status}")
    return float(prob.value)


# ----------------------------------------------------------------------------- pair view
@dataclass(frozen=True)
class PairView:
    """What pair ``i`` knows: its estimated channels, error radii and power.

    Attributes
    ----------
    index : int
    A : ndarray, shape (n_r, n_t)
        Estimated main channel ``H_ii``.
    G : ndarray, shape (n_e, n_t)
        Estimated eavesdropper channel ``G_i``.
    cross : ndarray, shape (K - 1, n_r, n_t)
        Estimated outgoing cross channels ``H_ji``, ``j`` in ``others``.
    others : tuple of int
    radius_main, radius_cross, radius_eve : float
    d_s : int
    power : float
    """

    index: int
    A: np.ndarray
    G: np.ndarray
    cross: np.ndarray
    others: tuple
    radius_main: float
    radius_cross: float
    radius_eve: float
    d_s: int
    power: float

    @classmethod
    def from_network(cls, network, i: int) -> PairView:
        """The view of pair ``i`` of a :class:`~wiretap.mimo_ic.Network`."""
        K = network.scenario.n_pairs
        i = check_int(i, "i", minimum=0, maximum=K - 1)
        others = tuple(j for j in range(K) if j != i)
        n_r, n_t = network.H_hat.shape[2:]
        cross = (
            np.stack([network.H_hat[j, i] for j in others])
            if others
            else np.zeros((0, n_r, n_t), complex)
        )
        return cls(
            index=i,
            A=network.H_hat[i, i],
            G=network.G_hat[i],
            cross=cross,
            others=others,
            radius_main=network.radius_main,
            radius_cross=network.radius_cross,
            radius_eve=network.radius_eve,
            d_s=network.scenario.d_s,
            power=network.power,
        )

    @property
    def robust(self) -> bool:
        """True if any radius is positive."""
        return max(self.radius_main, self.radius_cross, self.radius_eve) > 0


@dataclass(frozen=True)
class RobustTerms:
    """Exact worst-case terms of a pair's robust utility (paper eq. (38), corrected).

    Attributes
    ----------
    alpha, beta, gamma : float
        Worst-case weighted MSEs: data at the receiver, AN at Eve, and Eve's weighted
        stream-space Gram matrix ``tr(S_m (I + X^H G^H G X))``.
    theta : ndarray, shape (K - 1,)
        Worst-case interference payments to the other pairs.
    utility : float
        ``g_i = log det S_R - alpha + d_s + log det S_m - gamma + k + log det S_p - beta
        + d_a - sum(theta)`` (nats), ``k = d_s + d_a``.
    secrecy_bound : float
        ``utility + sum(theta)``: a lower bound on pair ``i``'s secrecy rate (nats) for every
        error in the balls (received interference as measured).
    """

    alpha: float
    beta: float
    gamma: float
    theta: np.ndarray
    utility: float
    secrecy_bound: float


def robust_terms(view: PairView, X, aux: Aux, Ups, cross_prices) -> RobustTerms:
    """Evaluate a pair's robust utility exactly (trust-region worst cases).

    Parameters
    ----------
    view : PairView
    X : array_like, complex, shape (n_t, d_s + d_a)
    aux : Aux
    Ups : array_like, shape (n_r, n_r)
        Received interference covariance (measured).
    cross_prices : array_like, shape (K - 1, n_r, n_r)
        Prices of the other pairs (zeros for a selfish pair).

    Returns
    -------
    RobustTerms
    """
    check_instance(view, "view", PairView)
    check_instance(aux, "aux", Aux)
    d = view.d_s
    n_r, n_t = view.A.shape
    Xm = matrix(X, "X", shape=(n_t, aux.S_m.shape[0]), match="view.A and aux.S_m")
    k = Xm.shape[1]
    if k <= d or aux.W_r.shape[0] != d:
        raise ValueError(f"aux must match view (d_s = {d}) and X ({k} columns)")
    Um = hermitian_psd(Ups, "Ups", n_r, match="the rows of view.A")
    Pi = as_array(
        cross_prices,
        "cross_prices",
        shape=(len(view.others), n_r, n_r),
        kind="complex",
        match="view.others and the rows of view.A",
    )
    L = Xm[:, d:]
    target = np.hstack([aux.F_r, np.zeros((d, k - d))])
    a_wc, _ = worst_case(aux.W_r, view.A, Xm, target, view.radius_main)
    Yh = hsqrt(Um + np.eye(n_r))
    alpha = a_wc + float(np.linalg.norm(aux.W_r @ Yh) ** 2)
    b_wc, _ = worst_case(aux.W_e, view.G, L, aux.F_e, view.radius_eve)
    beta = b_wc + float(np.linalg.norm(aux.W_e) ** 2)
    g_wc, _ = worst_case(
        np.eye(view.G.shape[0]), view.G, Xm @ hsqrt(aux.S_m), None, view.radius_eve
    )
    gamma = g_wc + float(np.real(np.trace(aux.S_m)))
    theta = np.array(
        [
            worst_case(hsqrt(P), C, Xm, None, view.radius_cross)[0]
            for P, C in zip(Pi, view.cross, strict=True)
        ]
    )
    d_a = k - d
    base = (
        logdet(aux.S_r, strict=False)
        - alpha
        + d
        + logdet(aux.S_m, strict=False)
        - gamma
        + k
        + logdet(aux.S_p, strict=False)
        - beta
        + d_a
    )
    return RobustTerms(
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        theta=theta,
        utility=base - float(theta.sum()),
        secrecy_bound=base,
    )


# ----------------------------------------------------------------------------- evaluation
@dataclass(frozen=True, kw_only=True)
class WorstCaseResult(IterativeResult):
    """Outcome of :func:`worst_case_secrecy`: the errors in the balls that hurt each pair most.

    The certificate (``kind="stationarity"``) is the largest relative projected-gradient
    residual over the ``2 K`` error searches (main-link rate down, Eve's rate up), each
    ``||proj grad||_F r / (1 + |rate|)`` for a move of size ``r`` (the radius) inside the
    ball. It certifies a stationary worst case, not the global one: the searches are
    nonconvex, so ``secrecy`` is an *upper* bound on the exact worst-case secrecy rate (the
    errors found are feasible), while :func:`robust_terms` gives a *lower* bound (the
    certified surrogate the robust design maximizes). Together they bracket it.

    Attributes
    ----------
    secrecy : ndarray, shape (K,)
        Worst-case secrecy rates found, ``C_R - C_E`` in bits/s/Hz, unclipped.
    rate_main, rate_eve : ndarray, shape (K,)
        The smallest main-link rate and the largest eavesdropper rate found (bits/s/Hz).
    delta_main : ndarray, complex, shape (K, n_r, n_t)
        The errors on the main channels ``H_ii`` that attain ``rate_main``.
    delta_eve : ndarray, complex, shape (K, n_e, n_t)
        The errors on ``G_i`` that attain ``rate_eve``.
    nominal : ndarray, shape (K,)
        The same secrecy rates at the estimates (zero error), bits/s/Hz, unclipped.
    """

    secrecy: np.ndarray
    rate_main: np.ndarray
    rate_eve: np.ndarray
    delta_main: np.ndarray
    delta_eve: np.ndarray
    nominal: np.ndarray


def worst_case_secrecy(
    network, X, *, max_iter: int = 300, tol: float = 1e-12, cert_tol: float = 1e-6
) -> WorstCaseResult:
    """Worst-case secrecy rate of every pair over the error balls of the robust design.

    For pair ``i`` the robust model of this module lets the main channel ``H_ii`` and Eve's
    channel ``G_i`` be anywhere in their balls (radii ``network.radius_main`` and
    ``network.radius_eve`` around the estimates), with the received interference as measured
    (here: computed from the estimates). The two errors act on different terms, so the worst
    secrecy rate is the smallest ``C_R`` (eq. (10)) minus the largest ``C_E`` (eq. (11)).
    Each is found by projected gradient steps on the error (exact gradients of the log-det
    rates, a step that doubles after a success and halves after a failure, so every search
    is monotone), from two starts: zero and the first-order worst direction.

    Parameters
    ----------
    network : Network
    X : array_like, complex, shape (K, n_t, d_s + d_a)
        Designs to evaluate.
    max_iter : int
        Steps per search and start (``iterations`` counts them all).
    tol : float
        Stopping rule of a search: an accepted step changed the rate by at most
        ``tol (1 + |rate|)`` (or no step is feasible and improving at machine precision).
    cert_tol : float
        Tolerance of the stationarity certificate (see :class:`WorstCaseResult`).

    Returns
    -------
    WorstCaseResult
        ``"converged"`` when every search met its rule and the certificate holds,
        ``"stalled"`` when the rules were met but it fails, else ``"max_iter"``.

    Raises
    ------
    ValueError
        If ``network`` is not a :class:`~wiretap.mimo_ic.Network` or ``X`` has the wrong shape.

    References
    ----------
    Kong et al. (``kong2024mimoic``), eqs. (10)-(13) (rates and error model) and (37)-(38)
    (the robust utility this bounds).

    Examples
    --------
    >>> from wiretap.mimo_ic import Scenario, draw_network, initial_precoders
    >>> net = draw_network(Scenario(n_pairs=2, zeta=0.1), 0)
    >>> X = initial_precoders(net.H_hat, net.G_hat, 1e-6 * net.power, 2, 1)
    >>> wc = worst_case_secrecy(net, X)
    >>> wc.status, bool(np.all(wc.secrecy <= wc.nominal))
    ('converged', True)
    """
    check_instance(network, "network", Network)
    sc = network.scenario
    K = sc.n_pairs
    Xm = as_array(X, "X", shape=(K, sc.n_t, sc.k), kind="complex")
    max_iter, tol, cert_tol = loop_settings(max_iter, tol, cert_tol)
    t0 = time.perf_counter()
    d = sc.d_s
    ln2 = np.log(2.0)
    cr, ce, nom = np.empty(K), np.empty(K), np.empty(K)
    DM = np.zeros((K, sc.n_r, sc.n_t), complex)
    DE = np.zeros((K, sc.n_e, sc.n_t), complex)
    worst_res, all_rules, steps = 0.0, True, 0
    for i in range(K):
        S1 = Xm[i] @ Xm[i].conj().T
        L = Xm[i][:, d:]
        S2 = L @ L.conj().T
        C_r = herm(interference_covariance(network.H_hat, Xm, i) + np.eye(sc.n_r))
        A, G = network.H_hat[i, i], network.G_hat[i]
        fm, DM[i], rm, okm, nm = ascend(A, S1, S2, C_r, network.radius_main, -1, max_iter, tol)
        fe, DE[i], re_, oke, ne = ascend(
            G, S1, S2, np.eye(sc.n_e), network.radius_eve, 1, max_iter, tol
        )
        steps += nm + ne
        nom[i] = (rate_grad(A, S1, S2, C_r)[0] - rate_grad(G, S1, S2, np.eye(sc.n_e))[0]) / ln2
        cr[i], ce[i] = fm / ln2, fe / ln2
        worst_res = max(worst_res, rm, re_)
        all_rules = all_rules and okm and oke
    cert = Certificate(
        kind="stationarity",
        value=worst_res,
        tolerance=cert_tol,
        detail="largest relative projected-gradient residual of the 2K error searches",
    )
    status = settle(all_rules, cert, otherwise="max_iter")
    message = "" if status == "converged" else f"stationarity residual {worst_res:.2e}"
    return WorstCaseResult(
        status=status,
        iterations=steps,
        elapsed=time.perf_counter() - t0,
        message=message,
        certificate=cert,
        secrecy=cr - ce,
        rate_main=cr,
        rate_eve=ce,
        delta_main=DM,
        delta_eve=DE,
        nominal=nom,
    )


adopt(globals())  # the names of __all__ defined in internal modules live here
