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
  compiled (DPP) block subproblems of the alternating convex search. They split the big LMI
  into small exact pieces (one per row of ``B`` or column of ``X``) and, for the precoder, use
  a lifted S-lemma form with blocks of size ``n_t + 1``.

References
----------
Kong et al. (``kong2024mimoic``), eqs. (37)-(65); Gharavol and Larsson (2013), Lemma 1.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cvxpy as cp
import numpy as np
import scipy.optimize as sopt

from .. import convex, lemmas
from .._validation import as_array, check_choice, check_int, check_nonnegative, check_range
from ..results import Certificate, IterativeResult, settle
from ._checks import check_instance, hermitian_psd, matrix
from .model import Network, interference_covariance
from .wmmse_steps import Aux, hermitian_sqrt

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


def _vec(M: np.ndarray) -> np.ndarray:
    return M.reshape(-1, order="F")


def _herm(M: np.ndarray) -> np.ndarray:
    return 0.5 * (M + M.conj().T)


_ACCEPT = ("optimal", "optimal_inaccurate")
"""Statuses whose point is read back from the solver; it is then checked independently (the
precoder step against the exact worst cases, the receiver and Eve steps by the exact-utility
safeguard of :func:`~wiretap.mimo_ic.run_adp`)."""

PRECODER_GAP_TOL = 1e-6
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
    Bm, Hm, Xm, Cm = _bhxc(B, H, X, C)
    r = float(check_nonnegative(radius, "radius"))
    return _worst_case(Bm, Hm, Xm, Cm, r)


def _bhxc(B, H, X, C):
    """Checked ``B (d, n)``, ``H (n, m)``, ``X (m, k)`` and ``C (d, k)`` or None."""
    Bm = matrix(B, "B")
    Hm = matrix(H, "H", shape=(Bm.shape[1], None), match="the columns of B")
    Xm = matrix(X, "X", shape=(Hm.shape[1], None), match="the columns of H")
    Cm = None
    if C is not None:
        Cm = as_array(
            C,
            "C",
            shape=(Bm.shape[0], Xm.shape[1]),
            kind="complex",
            match="the rows of B and the columns of X",
        )
    return Bm, Hm, Xm, Cm


def _worst_case(Bm, Hm, Xm, Cm, r) -> tuple[float, np.ndarray]:
    """:func:`worst_case_residual` without argument checks (complex arrays, r >= 0)."""
    R0 = Bm @ Hm @ Xm
    if Cm is not None:
        R0 = R0 - Cm
    base = float(np.real(np.vdot(R0, R0)))
    n, m = Hm.shape
    if r == 0.0:
        return base, np.zeros((n, m), complex)
    # J^H a = vec(B^H R0 X^H) ; eigenvectors of J^H J from conj(X X^H) and B^H B
    g = Bm.conj().T @ R0 @ Xm.conj().T  # (n, m): J^H a as a matrix (vec order F)
    a1, V1 = np.linalg.eigh(_herm(np.conj(Xm @ Xm.conj().T)))  # (m, m)
    b2, V2 = np.linalg.eigh(_herm(Bm.conj().T @ Bm))  # (n, n)
    d = np.maximum(np.outer(b2, a1), 0.0)  # d[p, q] eigenvalue of V2[:, p] (x) V1[:, q]
    c = V2.conj().T @ g @ np.conj(V1)  # coordinates of J^H a: vec(V2^H g conj(V1))
    dmax = float(d.max())
    c2 = np.abs(c) ** 2
    scale = max(dmax, 1e-300)
    top = d >= dmax - 1e-12 * scale

    def norm2(mu):
        return float(np.sum(c2[~top] / (mu - d[~top]) ** 2))

    ctop = float(np.sqrt(c2[top].sum()))
    cnorm = float(np.sqrt(c2.sum()))
    if dmax <= 0.0 and cnorm == 0.0:
        return base, np.zeros((n, m), complex)
    if ctop <= 1e-12 * max(cnorm, 1e-300) and (dmax > 0) and norm2(dmax) <= r**2:
        # hard case: mu = dmax, fill the rest of the ball along the top eigenspace
        y = np.zeros_like(c)
        y[~top] = c[~top] / (dmax - d[~top])
        p, q = np.argwhere(top)[0]
        y[p, q] = np.sqrt(max(r**2 - norm2(dmax), 0.0))
    else:
        gap = dmax - d  # >= 0, zero on the top eigenspace; mu = dmax + t with t > 0

        def phi(t):
            with np.errstate(divide="ignore"):
                return float(np.sum(c2 / (t + gap) ** 2)) - r**2

        hi = cnorm / r  # phi(hi) <= 0 since every t + gap >= t (up to rounding)
        while phi(hi) > 0:
            hi *= 1 + 1e-9
        lo = hi
        for _ in range(2000):
            lo /= 2
            if phi(lo) > 0:
                break
        t = sopt.brentq(phi, lo, hi, rtol=4 * np.finfo(float).eps, xtol=1e-300, maxiter=500)
        y = c / (t + gap)
        y *= r / np.linalg.norm(y)
    Delta = V2 @ y @ V1.T  # back to Delta (vec order F): Delta = V2 Y V1^T
    val = float(np.real(np.vdot(R0 + Bm @ Delta @ Xm, R0 + Bm @ Delta @ Xm)))
    return val, Delta


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
    Bm, Hm, Xm, Cm = _bhxc(B, H, X, C)
    if Cm is None:
        Cm = np.zeros((Bm.shape[0], Xm.shape[1]), complex)
    r = float(check_nonnegative(radius, "radius"))
    t, lam = cp.Variable(), cp.Variable(nonneg=True)
    cons = []
    if form == "monolithic":
        a = _vec(Bm @ Hm @ Xm - Cm)
        J = np.kron(Xm.T, Bm)
        cons.append(robust_norm_lmi(a, J, r, t, lam) >> 0)
        obj = t
    else:
        rows = _row_data(Bm, Hm, Cm, r)
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
    info = _solve(prob, {})
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
    info = _solve(prob, {})
    if not info.ok:
        raise RuntimeError(f"gamma_bound: solver status {info.status}")
    return float(prob.value)


@dataclass(frozen=True)
class _Rows:
    P: np.ndarray  # (r, m) rows s_l v_l^H H
    C: np.ndarray  # (r, k) rotated target rows
    s: np.ndarray  # (r,) singular values of B
    sigma: np.ndarray  # (r,) radius * s
    const: float  # ||C||^2 of rows outside the range of B (0 when d <= n)


def _row_data(B, H, C, radius) -> _Rows:
    """Rotate ``B (H + Delta) X - C`` by the SVD of ``B`` into independent rows."""
    U, s, Vh = np.linalg.svd(B, full_matrices=True)
    r = min(B.shape)
    Crot = U.conj().T @ C
    P = (s[:r, None] * Vh[:r]) @ H
    const = float(np.linalg.norm(Crot[r:]) ** 2)
    return _Rows(P=P, C=Crot[:r], s=s[:r], sigma=radius * s[:r], const=const)


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


def _hsqrt(S: np.ndarray) -> np.ndarray:
    w, V = np.linalg.eigh(_herm(S))
    return _herm((V * np.sqrt(np.maximum(w, 0.0))) @ V.conj().T)


def _logdet(M) -> float:
    sign, val = np.linalg.slogdet(_herm(np.atleast_2d(M)))
    if sign.real <= 0:
        return -np.inf
    return float(val)


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
    a_wc, _ = _worst_case(aux.W_r, view.A, Xm, target, view.radius_main)
    Yh = _hsqrt(Um + np.eye(n_r))
    alpha = a_wc + float(np.linalg.norm(aux.W_r @ Yh) ** 2)
    b_wc, _ = _worst_case(aux.W_e, view.G, L, aux.F_e, view.radius_eve)
    beta = b_wc + float(np.linalg.norm(aux.W_e) ** 2)
    g_wc, _ = _worst_case(
        np.eye(view.G.shape[0]), view.G, Xm @ _hsqrt(aux.S_m), None, view.radius_eve
    )
    gamma = g_wc + float(np.real(np.trace(aux.S_m)))
    theta = np.array(
        [
            _worst_case(_hsqrt(P), C, Xm, None, view.radius_cross)[0]
            for P, C in zip(Pi, view.cross, strict=True)
        ]
    )
    d_a = k - d
    base = (
        _logdet(aux.S_r) - alpha + d + _logdet(aux.S_m) - gamma + k + _logdet(aux.S_p) - beta + d_a
    )
    return RobustTerms(
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        theta=theta,
        utility=base - float(theta.sum()),
        secrecy_bound=base,
    )


# ----------------------------------------------------------------------------- compiled
_RETRY = (
    {},
    {"static_regularization_constant": 1e-7},
    {
        "static_regularization_constant": 1e-6,
        "tol_gap_abs": 1e-6,
        "tol_gap_rel": 1e-6,
        "tol_feas": 1e-7,
    },
)
"""Clarabel settings tried in turn when a solve ends without a usable point."""


def _solve(problem, solver_options):
    """Solve with Clarabel; on a numerical failure retry with more regularization.

    A point is returned for ``optimal`` and ``optimal_inaccurate`` (``accept_unknown`` maps
    Clarabel's "insufficient progress" with a point to the latter); the caller checks every
    returned point with the exact worst case, so an inaccurate point can never be accepted
    as an improvement it is not.
    """
    info = None
    for extra in _RETRY:
        opts = {"accept_unknown": True, **extra, **dict(solver_options or {})}
        info = convex.solve(problem, accept=_ACCEPT, **opts)
        if info.ok:
            return info
    return info


@dataclass(frozen=True)
class SubproblemOutcome:
    """Outcome of one solve of a compiled block subproblem.

    Acceptance rule (what ``ok`` means). Clarabel's point is read back when its status is
    ``"optimal"`` or ``"optimal_inaccurate"`` (the latter includes "insufficient progress"
    with a point, through ``accept_unknown``); any other status is a failure.

    * Precoder step (:class:`PrecoderProblem`): the point is accepted only if its
      ``certificate`` holds: the exact worst case of each robust term at the returned
      precoder (trust-region method, :func:`worst_case_residual`) exceeds the SDP's epigraph
      value by at most ``PRECODER_GAP_TOL`` relative to ``1 + |value|``. An
      ``optimal_inaccurate`` point that passes is as good as the SDP claims; one that fails
      is rejected (``ok`` False) whatever the status.
    * Receiver and Eve steps: the point is accepted on the status alone (no certificate);
      :func:`~wiretap.mimo_ic.run_adp` then evaluates the pair's utility exactly and undoes
      any step that lowers it, so an inaccurate point can never count as an improvement.

    Attributes
    ----------
    status : str
        The cvxpy status.
    ok : bool
        Whether the point was accepted (rule above).
    value : float
        Optimal value of the SDP (nan when not solved).
    solve_time, wall_time : float
        Seconds (solver only; whole call).
    certificate : Certificate or None
        Precoder step: ``kind="worst_case_gap"``, value ``max_t max(0, exact_t - sdp_t) /
        (1 + |sdp_t|)`` over the robust terms ``t`` (nan when no point was returned).
    """

    status: str
    ok: bool
    value: float
    solve_time: float
    wall_time: float
    certificate: Certificate | None = None


def _hvar(n: int, name: str):
    """A Hermitian variable (a real 1 x 1 variable when n == 1, which is Hermitian)."""
    if n == 1:
        return cp.Variable((1, 1), name=name)
    return cp.Variable((n, n), hermitian=True, name=name)


class _LiftedGroup:
    """Robust term ``max ||B (H + Delta) Xs - C||^2`` in the lifted S-lemma form.

    With ``Y >= Xs Xs^H`` (imposed once, tight at the optimum) the term is at most
    ``t = sum_l tau_l + lam + tr(Y P^H P) - 2 Re tr(Xs C^H P) + ||C||^2`` whenever
    ``[[lam I - sigma_l^2 Y, -b_l], [-b_l^H, tau_l]] >= 0`` for every row ``l`` of ``B``, with
    ``b_l = sigma_l (Y p_l^H - Xs c_l^H)``: the S-lemma for the joint error ball, split row
    by row.
    """

    def __init__(self, Xs, Ys, rows: int, n_t: int, with_target: bool, name: str):
        k_s = Xs.shape[1]
        self.rows, self.with_target = rows, with_target
        self.q = cp.Parameter((n_t, rows), complex=True, name=f"{name}_q")
        self.s2 = cp.Parameter(rows, nonneg=True, name=f"{name}_s2")
        self.Pp = cp.Parameter((n_t, n_t), hermitian=True, name=f"{name}_Pp")
        self.tau = cp.Variable(rows, name=f"{name}_tau")
        self.lam = cp.Variable(nonneg=True, name=f"{name}_lam")
        if with_target:
            self.r = cp.Parameter((k_s, rows), complex=True, name=f"{name}_r")
            self.R = cp.Parameter((k_s, n_t), complex=True, name=f"{name}_R")
            self.cc = cp.Parameter(nonneg=True, name=f"{name}_cc")
        eye = np.eye(n_t)
        self.constraints = []
        for ell in range(rows):
            b = Ys @ self.q[:, ell]
            if with_target:
                b = b - Xs @ self.r[:, ell]
            D = self.lam * eye - self.s2[ell] * Ys
            self.constraints.append(lemmas.hermitian_block(D, -b, self.tau[ell]) >> 0)
        t = cp.sum(self.tau) + self.lam + cp.real(cp.trace(Ys @ self.Pp))
        if with_target:
            t = t - 2 * cp.real(cp.trace(Xs @ self.R)) + self.cc
        self.t = t

    def set(self, B, H, C, radius):
        k_s = self.r.shape[0] if self.with_target else 0
        Cm = C if C is not None else np.zeros((B.shape[0], max(k_s, 1)), complex)
        rows = _row_data(B, H, Cm, radius)
        if len(rows.s) != self.rows:
            raise ValueError(f"expected {self.rows} rows, got {len(rows.s)}")
        self.q.value = (rows.sigma[:, None] * rows.P).conj().T
        self.s2.value = rows.sigma**2
        self.Pp.value = _herm(rows.P.conj().T @ rows.P)
        if self.with_target:
            self.r.value = (rows.sigma[:, None] * rows.C).conj().T
            self.R.value = rows.C.conj().T @ rows.P
            self.cc.value = float(np.linalg.norm(Cm) ** 2)


class _LiftedUniform:
    """Robust ``max ||c (H + Delta) Xs||_F^2`` (``B = c I``) in one lifted S-lemma block.

    All rows share the multiplier ``sigma = c r``, so the row blocks
    ``[[lam I - sigma^2 Y, -sigma Y p_l^H], [., tau_l]]`` aggregate exactly into
    ``[[lam I - sigma^2 Y, -sigma Y L], [-sigma L^H Y, T]] >= 0`` with ``L L^H = P^H P`` and
    ``t = tr T + lam + tr(Y P^H P)`` (the sum of the row Schur complements is a trace).
    """

    def __init__(self, Xs, Ys, n_t: int, name: str):
        self.M = cp.Parameter((n_t, n_t), complex=True, name=f"{name}_M")
        self.s2 = cp.Parameter(nonneg=True, name=f"{name}_s2")
        self.Pp = cp.Parameter((n_t, n_t), hermitian=True, name=f"{name}_Pp")
        self.T = cp.Variable((n_t, n_t), hermitian=True, name=f"{name}_T")
        self.lam = cp.Variable(nonneg=True, name=f"{name}_lam")
        D = self.lam * np.eye(n_t) - self.s2 * Ys
        self.constraints = [lemmas.hermitian_block(D, -(Ys @ self.M), self.T) >> 0]
        self.t = cp.real(cp.trace(self.T)) + self.lam + cp.real(cp.trace(Ys @ self.Pp))

    def set(self, c, H, radius):
        Pp = _herm((c * c) * (H.conj().T @ H))
        w, V = np.linalg.eigh(Pp)
        L = (V * np.sqrt(np.maximum(w, 0.0))) @ V.conj().T
        sigma = c * radius
        self.M.value = sigma * L
        self.s2.value = sigma**2
        self.Pp.value = Pp


class _SchurRows:
    """Robust term ``max ||B (H + Delta) Xs - C||^2`` by the sign-definiteness LMI, row split.

    Row ``l`` of the rotated residual is ``a_l + sigma_l g_l Xs`` with ``a_l = p_l Xs - c_l``
    and the error rows ``g_l`` in a joint unit ball; its block is
    ``[[tau_l, a_l, 0], [a_l^H, I, -sigma_l Xs^H], [0, -sigma_l Xs, lam I]]`` and
    ``t = sum_l tau_l + lam``. Used for the terms with a target ``C`` (no lifted variable,
    so no large cancelling coefficients).
    """

    def __init__(self, Xs, rows: int, n_t: int, name: str):
        k_s = Xs.shape[1]
        self.rows = rows
        self.P = cp.Parameter((rows, n_t), complex=True, name=f"{name}_P")
        self.C = cp.Parameter((rows, k_s), complex=True, name=f"{name}_C")
        self.sigma = cp.Parameter(rows, nonneg=True, name=f"{name}_sigma")
        self.tau = cp.Variable(rows, name=f"{name}_tau")
        self.lam = cp.Variable(nonneg=True, name=f"{name}_lam")
        res = self.P @ Xs - self.C
        self.constraints = []
        for ell in range(rows):
            top = lemmas.hermitian_block(self.tau[ell], res[ell, :], np.eye(k_s))
            side = cp.vstack([np.zeros((1, n_t)), -self.sigma[ell] * Xs.H])
            self.constraints.append(lemmas.hermitian_block(top, side, self.lam * np.eye(n_t)) >> 0)
        self.t = cp.sum(self.tau) + self.lam

    def set(self, B, H, C, radius, xscale: float = 1.0):
        """Set the data; the variable ``Xs`` stands for ``X_true / xscale``."""
        rows = _row_data(B, H, C, radius)
        if len(rows.s) != self.rows:
            raise ValueError(f"expected {self.rows} rows, got {len(rows.s)}")
        if rows.const > 0:
            raise ValueError("B must have at least as many columns as rows")
        self.P.value = xscale * rows.P
        self.C.value = rows.C
        self.sigma.value = xscale * rows.sigma


class PrecoderProblem:
    """Compiled robust precoder step of one pair (paper's P4 with the auxiliaries fixed).

    Minimizes ``alpha + beta + gamma + sum_j theta_j`` (worst cases over the error balls) over
    ``X = [Q, Lambda]`` with ``||X||_F^2 <= P``. Built once per size; :meth:`solve` sets the
    Parameters and re-solves (DPP).

    Parameters
    ----------
    n_t, n_r, n_e, d_s, d_a : int
    n_cross : int
        Number of priced receivers (``K - 1``; 0 for a selfish pair).
    """

    def __init__(self, n_t: int, n_r: int, n_e: int, d_s: int, d_a: int, n_cross: int):
        for name, v in (("n_t", n_t), ("n_r", n_r), ("n_e", n_e), ("d_s", d_s), ("d_a", d_a)):
            check_int(v, name, minimum=1)
        check_int(n_cross, "n_cross", minimum=0)
        if d_s + d_a > n_t:
            raise ValueError("d_s + d_a must be <= n_t")
        k = d_s + d_a
        self.sizes = (n_t, n_r, n_e, d_s, d_a, n_cross)
        if d_s > n_r or d_a > n_e:
            raise ValueError("need d_s <= n_r and d_a <= n_e")
        self.X = cp.Variable((n_t, k), complex=True, name="X")
        self.Y = cp.Variable((n_t, n_t), hermitian=True, name="Y")
        self.YF = cp.Variable((n_t, n_t), hermitian=True, name="YF")
        self.Fm = cp.Parameter((k, k), complex=True, name="F_m")
        L = self.X[:, d_s:]
        XF = self.X @ self.Fm
        self.alpha = _SchurRows(self.X, d_s, n_t, "alpha")
        self.beta = _SchurRows(L, d_a, n_t, "beta")
        self.gamma = _LiftedUniform(XF, self.YF, n_t, "gamma")
        # a price has rank <= d_s, so only d_s rows of Pi_j^{1/2} carry anything
        self.theta = [
            _LiftedGroup(self.X, self.Y, min(d_s, n_r), n_t, False, f"theta{j}")
            for j in range(n_cross)
        ]
        self.power = cp.Parameter(nonneg=True, name="power")
        groups = [self.alpha, self.beta, self.gamma, *self.theta]
        cons = [c for g in groups for c in g.constraints]
        cons += [
            lemmas.hermitian_block(self.Y, self.X, np.eye(k)) >> 0,
            lemmas.hermitian_block(self.YF, XF, np.eye(k)) >> 0,
            cp.sum_squares(self.X) <= self.power,
        ]
        # Y >= X X^H is tight at the optimum; a vanishing weight on tr(Y) removes the flat
        # directions of Y that no term sees (they would make the KKT system singular). Its
        # effect on the optimal value is below 1e-9 * P.
        self._reg = 1e-9
        obj = sum(g.t for g in groups) + self._reg * cp.real(cp.trace(self.Y + self.YF))
        self.problem = convex.require_dpp(cp.Problem(cp.Minimize(obj), cons))

    def solve(self, view: PairView, aux: Aux, cross_prices, *, scale=None, **solver_options):
        """Set the data of ``view`` and re-solve.

        Parameters
        ----------
        view : PairView
        aux : Aux
        cross_prices : array_like, shape (n_cross, n_r, n_r)
        scale : float, optional
            Expected size ``||X||_F`` of the new precoder (default ``sqrt(power)``); the SDP is
            solved for ``X / scale``, so that its variables (and the lifted ``Y >= X X^H``)
            are of order one. At high SNR the designs use a tiny fraction of the budget, and
            without this the solver's absolute tolerances are large relative to ``X X^H``.
        **solver_options
            Passed to Clarabel.

        Returns
        -------
        X : ndarray or None
            The new precoder, scaled into the power budget if the solver overshoots it by its
            tolerance; ``None`` unless ``outcome.ok`` (see :class:`SubproblemOutcome` for the
            acceptance rule: a point, ``optimal`` or ``optimal_inaccurate``, whose exact
            worst cases agree with the SDP within ``PRECODER_GAP_TOL``).
        outcome : SubproblemOutcome
        """
        t0 = time.perf_counter()
        n_t, n_r, _n_e, d_s, d_a, n_cross = self.sizes
        Pi = as_array(cross_prices, "cross_prices", shape=(n_cross, n_r, n_r), kind="complex")
        k = d_s + d_a
        s = float(np.sqrt(view.power)) if scale is None else float(scale)
        if not (np.isfinite(s) and s > 0):
            raise ValueError(f"scale must be positive and finite, got {scale!r}")
        # the variable X stands for X_true / s: every datum that multiplies it carries s
        self.alpha.set(
            aux.W_r, view.A, np.hstack([aux.F_r, np.zeros((d_s, d_a))]), view.radius_main, s
        )
        self.beta.set(aux.W_e, view.G, aux.F_e, view.radius_eve, s)
        # ||(G + Delta) X F||^2 = (c s)^2 ||(G + Delta) (X / s) (F / c)||^2 with c = ||F||_2:
        # the lifted variable then has the scale of (X / s)(X / s)^H whatever the weight.
        Fm = hermitian_sqrt(aux.S_m)
        c = max(float(np.linalg.norm(Fm, 2)), 1e-300)
        self.Fm.value = Fm / c
        self.gamma.set(c * s, view.G, view.radius_eve)
        for grp, P, C in zip(self.theta, Pi, view.cross, strict=True):
            w, V = np.linalg.eigh(_herm(P))
            top = V[:, -grp.rows :] * np.sqrt(np.maximum(w[-grp.rows :], 0.0))
            grp.set(s * top.conj().T, C, None, view.radius_cross)
        self.power.value = float(view.power) / s**2
        info = _solve(self.problem, solver_options)
        X, cert = None, None
        if info.ok:
            X = s * np.asarray(self.X.value, dtype=complex).reshape(n_t, k)
            nrm2 = float(np.linalg.norm(X) ** 2)
            if nrm2 > view.power:
                X = X * np.sqrt(view.power / nrm2)
            cert = self._certificate(view, aux, Pi, X)
        ok = bool(info.ok and cert is not None and cert.holds)
        out = SubproblemOutcome(
            info.status, ok, info.value, info.solve_time, time.perf_counter() - t0, cert
        )
        return (X if ok else None), out

    def _certificate(self, view: PairView, aux: Aux, Pi, X) -> Certificate:
        """Exact worst case of every robust term at ``X`` against the SDP's epigraph value."""
        d_s = self.sizes[3]
        k = X.shape[1]
        exact = [
            _worst_case(
                aux.W_r,
                view.A,
                X,
                np.hstack([aux.F_r, np.zeros((d_s, k - d_s))]),
                view.radius_main,
            )[0],
            _worst_case(aux.W_e, view.G, X[:, d_s:], aux.F_e, view.radius_eve)[0],
            _worst_case(
                np.eye(view.G.shape[0]),
                view.G,
                X @ hermitian_sqrt(aux.S_m),
                None,
                view.radius_eve,
            )[0],
        ]
        for grp, P, C in zip(self.theta, Pi, view.cross, strict=True):
            w, V = np.linalg.eigh(_herm(P))
            top = V[:, -grp.rows :] * np.sqrt(np.maximum(w[-grp.rows :], 0.0))
            exact.append(_worst_case(top.conj().T, C, X, None, view.radius_cross)[0])
        groups = [self.alpha, self.beta, self.gamma, *self.theta]
        claimed = [float(np.real(g.t.value)) for g in groups]
        gaps = [max(0.0, e - c) / (1.0 + abs(c)) for e, c in zip(exact, claimed, strict=True)]
        value = max(gaps) if all(np.isfinite(claimed)) else float("nan")
        return Certificate(
            kind="worst_case_gap",
            value=value,
            tolerance=PRECODER_GAP_TOL,
            detail="exact worst case (trust region) minus SDP epigraph value, relative, "
            "max over alpha, beta, gamma, theta_j",
        )


class _SchurColumns:
    """Robust ``max ||(W H_hat X - F E) + W Delta X||^2`` over ``(F, W)``, column split.

    Columns of ``X V`` (``X = U diag(s) V^H``) decouple the error ``Delta X`` into
    ``s_l Delta u_l``; each column gets the Schur/sign-definiteness block
    ``[[tau_l, c_l^H, 0], [c_l, I, -g_l W], [0, -g_l W^H, lam I]]`` with ``g_l = r s_l``.
    """

    def __init__(self, F, W, cols: int, n_in: int, name: str):
        d = W.shape[0]
        self.P1 = cp.Parameter((n_in, cols), complex=True, name=f"{name}_P1")
        self.P2 = cp.Parameter((d, cols), complex=True, name=f"{name}_P2")
        self.g = cp.Parameter(cols, nonneg=True, name=f"{name}_g")
        self.tau = cp.Variable(cols, name=f"{name}_tau")
        self.lam = cp.Variable(nonneg=True, name=f"{name}_lam")
        Cm = W @ self.P1 - F @ self.P2
        self.constraints = []
        for ell in range(cols):
            c = Cm[:, ell]
            top = lemmas.hermitian_block(self.tau[ell], cp.conj(c), np.eye(d))
            side = cp.vstack([np.zeros((1, n_in)), -self.g[ell] * W])
            self.constraints.append(lemmas.hermitian_block(top, side, self.lam * np.eye(n_in)) >> 0)
        self.t = cp.sum(self.tau) + self.lam

    def set(self, H, X, E, radius):
        _U, s, Vh = np.linalg.svd(X, full_matrices=False)
        V = Vh.conj().T
        self.P1.value = H @ X @ V
        self.P2.value = E @ V
        self.g.value = radius * s


class ReceiverProblem:
    """Compiled robust receiver step: ``max 2 log det F_r - alpha`` over ``(F_r, W_r)``.

    ``alpha = max ||W_r (A + Delta) X - [F_r, 0]||^2 + ||W_r (Upsilon + I)^{1/2}||^2`` over the
    main-channel error ball. Jointly concave in ``(F_r, W_r)`` (``U_R = W_r^H F_r^{-1}``); at
    radius 0 its maximizer is the MMSE receiver and ``S_R = E^{-1}``.
    """

    def __init__(self, n_t: int, n_r: int, d_s: int, d_a: int):
        k = d_s + d_a
        self.sizes = (n_t, n_r, d_s, d_a)
        self.F = _hvar(d_s, "F_r")
        self.W = cp.Variable((d_s, n_r), complex=True, name="W_r")
        self.cols = _SchurColumns(self.F, self.W, k, n_r, "rx")
        self.Yh = cp.Parameter((n_r, n_r), complex=True, name="Yh")
        obj = 2 * cp.log_det(self.F) - self.cols.t - cp.sum_squares(self.W @ self.Yh)
        self.problem = convex.require_dpp(cp.Problem(cp.Maximize(obj), self.cols.constraints))

    def solve(self, view: PairView, X, Ups, **solver_options):
        """Returns ``(F_r, W_r)`` (``None, None`` unless ``optimal`` or ``optimal_inaccurate``;
        see :class:`SubproblemOutcome`) and the outcome."""
        t0 = time.perf_counter()
        _n_t, n_r, d_s, d_a = self.sizes
        E = np.hstack([np.eye(d_s), np.zeros((d_s, d_a))])
        self.cols.set(view.A, X, E, view.radius_main)
        self.Yh.value = hermitian_sqrt(np.asarray(Ups) + np.eye(n_r))
        info = _solve(self.problem, solver_options)
        F = W = None
        if info.ok:
            F = _herm(np.asarray(self.F.value, dtype=complex).reshape(d_s, d_s))
            W = np.asarray(self.W.value, dtype=complex)
        out = SubproblemOutcome(
            info.status, info.ok, info.value, info.solve_time, time.perf_counter() - t0
        )
        return (F, W), out


class EveProblem:
    """Compiled robust Eve-side step: the auxiliaries ``(F_e, W_e)`` and ``S_m``.

    Maximizes ``[2 log det F_e - beta] + [log det S_m - gamma]`` with
    ``beta = max ||W_e (G + Delta) Lambda - F_e||^2 + ||W_e||^2`` (Schur form, per column of
    ``Lambda``) and ``gamma = max tr(S_m (I_k + X^H (G + Delta)^H (G + Delta) X))``. For
    ``gamma`` the weight is written in the rotated basis of ``X = U diag(s) V^H``,
    ``S_m = V S V^H``; the error rows of ``(G + Delta) U`` then enter an S-lemma block
    ``[[lam I - r^2 T, -r T v_l], [., tau_l]]`` of size ``k + 1`` per Eve antenna, linear in
    ``T = diag(s) S diag(s)``.
    """

    def __init__(self, n_t: int, n_e: int, d_s: int, d_a: int):
        k = d_s + d_a
        self.sizes = (n_t, n_e, d_s, d_a)
        self.F = _hvar(d_a, "F_e")
        self.W = cp.Variable((d_a, n_e), complex=True, name="W_e")
        self.cols = _SchurColumns(self.F, self.W, d_a, n_e, "eve")
        # S_rot = D S D with a fixed diagonal D (a preconditioner: the nominal weights span
        # many orders of magnitude at high SNR), and T = diag(s) S_rot diag(s).
        self.S = cp.Variable((k, k), hermitian=True, name="S_scaled")
        self.T = cp.Variable((k, k), hermitian=True, name="T")
        self.ss = cp.Parameter((k, k), nonneg=True, name="ss")
        self.dd = cp.Parameter(k, nonneg=True, name="dd")
        self.v = cp.Parameter((k, n_e), complex=True, name="v")
        self.Kv = cp.Parameter((k, k), hermitian=True, name="Kv")
        self.r2 = cp.Parameter(nonneg=True, name="r2")
        self.tau = cp.Variable(n_e, name="gamma_tau")
        self.lam = cp.Variable(nonneg=True, name="gamma_lam")
        cons = list(self.cols.constraints)
        cons.append(self.T == cp.multiply(self.ss, self.S))
        eye = np.eye(k)
        for row in range(n_e):
            D = self.lam * eye - self.r2 * self.T
            cons.append(lemmas.hermitian_block(D, -(self.T @ self.v[:, row]), self.tau[row]) >> 0)
        gamma = (
            cp.sum(self.tau)
            + self.lam
            + cp.real(cp.trace(self.T @ self.Kv))
            + cp.real(self.dd @ cp.diag(self.S))
        )
        obj = (
            2 * cp.log_det(self.F)
            - self.cols.t
            - cp.sum_squares(self.W)
            + cp.log_det(self.S)
            - gamma
        )
        self.problem = convex.require_dpp(cp.Problem(cp.Maximize(obj), cons))

    def solve(self, view: PairView, X, **solver_options):
        """Returns ``(F_e, W_e, S_m)`` (all ``None`` unless ``optimal`` or ``optimal_inaccurate``;
        see :class:`SubproblemOutcome`) and the outcome."""
        t0 = time.perf_counter()
        _n_t, _n_e, d_s, d_a = self.sizes
        Xm = np.asarray(X, dtype=complex)
        L = Xm[:, d_s:]
        self.cols.set(view.G, L, np.eye(d_a), view.radius_eve)
        U, s, Vh = np.linalg.svd(Xm, full_matrices=False)
        r = view.radius_eve
        vcols = U.conj().T @ view.G.conj().T  # (k, n_e): v_row = U^H g_row^H
        Kv = _herm(vcols @ vcols.conj().T)
        S0 = np.linalg.inv(np.eye(len(s)) + (s[:, None] * Kv) * s[None, :])  # nominal S_rot
        d = np.sqrt(np.maximum(np.real(np.diag(S0)), 1e-300))
        self.dd.value = d**2
        self.ss.value = np.outer(s * d, s * d)
        self.v.value = r * vcols
        self.Kv.value = Kv
        self.r2.value = r**2
        info = _solve(self.problem, solver_options)
        F = W = S = None
        if info.ok:
            F = _herm(np.asarray(self.F.value, dtype=complex).reshape(d_a, d_a))
            W = np.asarray(self.W.value, dtype=complex)
            V = Vh.conj().T
            S_rot = d[:, None] * np.asarray(self.S.value, dtype=complex) * d[None, :]
            S = _herm(V @ S_rot @ V.conj().T)
        out = SubproblemOutcome(
            info.status, info.ok, info.value, info.solve_time, time.perf_counter() - t0
        )
        return (F, W, S), out


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


def _rate_grad(B, S1, S2, C):
    """``f = log det(B S1 B^H + C) - log det(B S2 B^H + C)`` and ``df / d conj(B)``."""
    M1 = _herm(B @ S1 @ B.conj().T + C)
    M2 = _herm(B @ S2 @ B.conj().T + C)
    f = _logdet(M1) - _logdet(M2)
    g = np.linalg.solve(M1, B @ S1) - np.linalg.solve(M2, B @ S2)
    return f, g


def _ball(D, r):
    n = float(np.linalg.norm(D))
    return D if n <= r else D * (r / n)


def _tangent(D, g, r):
    """Part of the ascent direction ``g`` that stays feasible at ``D`` in the ball."""
    n2 = float(np.linalg.norm(D) ** 2)
    if n2 >= r**2 * (1 - 1e-9):
        mu = max(0.0, float(np.real(np.vdot(D, g))) / n2)
        return g - mu * D
    return g


def _ascend(base, S1, S2, C, r, sign, max_iter, tol):
    """Maximize ``sign * f(base + D)`` over ``||D||_F <= r`` by projected ascent.

    Two starts: zero and the first-order worst case ``r g / ||g||``; the better end point is
    kept. Returns the value of ``f``, the error, the residual, whether the rule was met and
    the number of steps taken.
    """
    f0, g0 = _rate_grad(base, S1, S2, C)
    if r == 0.0:
        return f0, np.zeros_like(base), 0.0, True, 0
    best = None
    ng = float(np.linalg.norm(g0))
    starts = [np.zeros_like(base)] + ([sign * r * g0 / ng] if ng > 0 else [])
    steps = 0
    for D in starts:
        f, g = _rate_grad(base + D, S1, S2, C)
        step = r / max(float(np.linalg.norm(g)), 1e-300)
        rule = False
        for _ in range(max_iter):
            steps += 1
            trial = _ball(D + sign * step * g, r)
            ft, gt = _rate_grad(base + trial, S1, S2, C)
            if sign * (ft - f) > 0:
                change = abs(ft - f)
                D, f, g, step = trial, ft, gt, 2.0 * step
                if change <= tol * (1.0 + abs(f)):
                    rule = True
                    break
            else:
                step *= 0.5
                if step * float(np.linalg.norm(g)) <= 1e-15 * r:
                    rule = True  # no feasible improving step at machine precision
                    break
        res = float(np.linalg.norm(_tangent(D, sign * g, r)) * r / (1.0 + abs(f)))
        if best is None or sign * (f - best[0]) > 0:
            best = (f, D, res, rule)
    return (*best, steps)


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
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = float(check_range(tol, "tol", 0.0, np.inf, low_open=True))
    cert_tol = float(check_range(cert_tol, "cert_tol", 0.0, np.inf, low_open=True))
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
        C_r = _herm(interference_covariance(network.H_hat, Xm, i) + np.eye(sc.n_r))
        A, G = network.H_hat[i, i], network.G_hat[i]
        fm, DM[i], rm, okm, nm = _ascend(A, S1, S2, C_r, network.radius_main, -1, max_iter, tol)
        fe, DE[i], re_, oke, ne = _ascend(
            G, S1, S2, np.eye(sc.n_e), network.radius_eve, 1, max_iter, tol
        )
        steps += nm + ne
        nom[i] = (_rate_grad(A, S1, S2, C_r)[0] - _rate_grad(G, S1, S2, np.eye(sc.n_e))[0]) / ln2
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
