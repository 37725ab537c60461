"""The game as a variational inequality: its map, Jacobian, the matrix Υ of Theorem 2, and
certificates for Theorem 3 (the priced NEP at the NCP solution solves the GRNEP).

Notation: ``F̄_j(p) = -∇_{p_j} C̄_j(p)`` (paper eq. (18)) in nats/W, with ``C̄_j`` the robust
secrecy rate (21) in nats. Channels decouple, so every block ``∂F̄_j / ∂p_i`` is a diagonal
``K x K`` matrix; :func:`vi_jacobian` returns those diagonals as an array ``(J, J, K)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from .. import convex
from .._validation import as_array, check_choice, check_int
from ._nash import best_responses, priced_utility
from .core import check_kappa, stack
from .network import Network

__all__ = [
    "GrnepCertificate",
    "UpsilonResult",
    "grnep_certificate",
    "own_hessian",
    "solve_grnep_player",
    "upsilon",
    "vi_jacobian",
    "vi_map",
]


def _net(net):
    if not isinstance(net, Network):
        raise ValueError(f"net must be a Network, got {type(net).__name__}")
    return net


def _coeffs(net: Network, p):
    P = net.check_power(p)[None]
    S = stack(net)
    return S, P, S.a(P)[0], S.b(P, True)[0], P[0]


def vi_map(net: Network, p, kappa=None) -> np.ndarray:
    """The VI map ``F̄(p) = [-∇_{p_j} C̄_j(p)]_j`` of eq. (18), or its priced version.

    .. math:: \\bar F_j(k) = -\\Big[\\frac{a_j(k)}{1 + p_j(k) a_j(k)}
              - \\frac{b_j(k)}{1 + p_j(k) b_j(k)}\\Big]\\ \\text{if } a_j(k) > b_j(k),
              \\ \\text{else } 0

    (the robust rate carries the ``[.]^+`` of eq. (4), so a channel without secrecy
    contributes nothing). With ``kappa`` the map of the priced game, eq. (49), is returned:
    ``F̄_j + Σ_n κ_n ∇_{p_j} ζ_n(p)``. At the equilibria of Algorithm 2 and of
    :func:`~wiretap.smallcell.vi_equilibrium` its residuals
    :func:`wiretap.games.natural_residual` and :func:`wiretap.games.vi_violation` vanish
    (checked in ``tests/test_smallcell_foundations.py``).

    Parameters
    ----------
    net : Network
    p : array_like, shape (J, K)
    kappa : array_like, shape (N,), optional

    Returns
    -------
    ndarray, shape (J, K)
        In nats/W.

    References
    ----------
    Tang et al. (2021), eqs. (18), (21), (49).
    """
    _net(net)
    _, _, a, b, P = _coeffs(net, p)
    fin = np.isfinite(b) & (a > np.where(np.isfinite(b), b, 0.0))
    bb = np.where(fin, b, 0.0)
    F = -np.where(fin, a / (1 + P * a) - bb / (1 + P * bb), 0.0)
    if kappa is not None:
        k = check_kappa(net, kappa)
        nrm = np.linalg.norm(P)
        grad = net.hm + (np.sqrt(net.e_mue)[:, None, None] * (P / nrm if nrm > 0 else 0.0))
        F = F + np.einsum("n,njk->jk", k, grad)
    return F


def vi_jacobian(net: Network, p) -> np.ndarray:
    """Diagonals of the blocks ``∂F̄_j / ∂p_i`` of the Jacobian of :func:`vi_map`.

    Returns ``D`` with ``D[j, i, k] = ∂F̄_j(k) / ∂p_i(k)`` (all other entries of the
    Jacobian are zero). With ``φ(x) = x^2/(1 + p_j(k) x)^2``:

    * ``D[j, j, k] = φ(a) - φ(b)`` (= ``-∂²C̄_j/∂p_j(k)²``);
    * ``D[j, i, k] = φ(a) h_ij/h_jj - φ(b) (ĝ_ij - sqrt(ε_j) p_i/||p_{-j}||)/(ĝ_jj + sqrt(ϵ_j))``

    on channels with ``a > b`` (zero elsewhere).

    Parameters
    ----------
    net : Network
    p : array_like, shape (J, K)

    Returns
    -------
    ndarray, shape (J, J, K)
        In nats/W².
    """
    _net(net)
    S, Pst, a, b, P = _coeffs(net, p)
    fin = np.isfinite(b) & (a > np.where(np.isfinite(b), b, 0.0))
    bb = np.where(fin, b, 0.0)
    phia = (a / (1 + P * a)) ** 2
    phib = (bb / (1 + P * bb)) ** 2
    J = net.n_sbs
    hd = S.hd[0]
    nb = S.gd[0] + S.rd[0]
    nrm = S.other_norm(Pst)[0]  # (J, K) for receiver j
    # dD_b[j]/dp_i = ĝ_ij - r_c[j] p_i / ||p_{-j}||
    dDb = S.g_off[0] - (S.rc[0] / np.maximum(nrm, 1e-300))[None, :, :] * P[:, None, :]  # (i, j, k)
    ratio_h = S.h_off[0] / hd[None, :, :]  # (i, j, k)
    D = phia[None] * ratio_h - phib[None] * dDb / np.maximum(nb, 1e-300)[None]  # (i, j, k)
    D = np.transpose(D, (1, 0, 2)).copy()  # (j, i, k)
    idx = np.arange(J)
    D[idx, idx, :] = phia - phib
    return np.where(fin[:, None, :], D, 0.0)


def own_hessian(net: Network, p) -> np.ndarray:
    """Diagonal of ``∇²_{p_j} C̄_j`` (the Hessian in the player's own powers is diagonal),
    shape (J, K), nats/W². Non-positive: the robust rate is concave in ``p_j`` (App. A)."""
    D = vi_jacobian(net, p)
    J = net.n_sbs
    return -D[np.arange(J), np.arange(J), :]


@dataclass(frozen=True)
class UpsilonResult:
    """The matrix ``Υ`` of Theorem 2 (eq. (24)).

    Attributes
    ----------
    matrix : ndarray, shape (J, J)
        ``Υ[i, i] = γ_ii``, ``Υ[i, j] = γ_ij`` (nats/W²).
    lambda_min : float
        Smallest eigenvalue of the symmetric part: the strong-monotonicity constant the
        theorem certifies when it is positive.
    method : str
        ``"box"`` (rigorous bounds over the power box) or ``"points"`` (extremes over the
        given points).
    """

    matrix: np.ndarray
    lambda_min: float
    method: str

    @property
    def positive_definite(self) -> bool:
        """Theorem 2's condition."""
        return self.lambda_min > 0


def upsilon(net: Network, *, method: str = "box", points=None) -> UpsilonResult:
    """Build ``Υ`` of eq. (24): ``γ_jj = min λ_min(-∇²_{p_j} C̄_j)``,
    ``γ_ij = -max ||∇²_{p_j p_i} C̄_j||``.

    ``method="box"`` bounds the min and max over the whole power box
    ``0 <= p_i(k) <= p_i^msk`` (a superset of the feasible set) using the monotonicity of
    ``a_j(k)``, ``b_j(k)`` and ``φ``: a valid, conservative ``Υ``. ``method="points"`` takes
    the extremes over the profiles in ``points`` (for instance a fine grid on the segment
    between two profiles, which is what the mean-value argument of App. B needs for that
    pair).

    Parameters
    ----------
    net : Network
    method : {"box", "points"}
    points : array_like, shape (M, J, K)
        Required for ``method="points"``.

    Returns
    -------
    UpsilonResult

    References
    ----------
    Tang et al. (2021), Theorem 2, eq. (24), App. B.
    """
    _net(net)
    check_choice(method, "method", ("box", "points"))
    J, K = net.shape
    if method == "points":
        if points is None:
            raise ValueError("points must be given for method='points'")
        pts = as_array(points, "points", ndim=3)
        if pts.shape[1:] != (J, K) or pts.shape[0] < 1:
            raise ValueError(f"points must have shape (M, {J}, {K}), got {pts.shape}")
        Ds = np.stack([vi_jacobian(net, q) for q in pts])  # (M, J, J, K)
        idx = np.arange(J)
        diag = Ds[:, idx, idx, :].min(axis=(0, 2))
        off = np.abs(Ds).max(axis=(0, 3))  # (j, i)
        U = -off.T.copy()
        U[idx, idx] = diag
    else:
        U = _upsilon_box(net)
    if np.all(np.isfinite(U)):
        lam = float(np.linalg.eigvalsh(0.5 * (U + U.T))[0])
    else:  # an unbounded entry: no finite modulus is certified
        lam = -np.inf
    return UpsilonResult(matrix=U, lambda_min=lam, method=method)


def _upsilon_box(net: Network) -> np.ndarray:
    S = stack(net)
    J = net.n_sbs
    m = net.p_mask
    eye = np.eye(J, dtype=bool)
    h_off, g_off = S.h_off[0], S.g_off[0]
    hd, gd = S.hd[0], S.gd[0]
    rc, rd = S.rc[0], S.rd[0]
    base_a = net.p0[None, :] * net.h0 + net.noise  # (j, k)
    a_hi = hd / base_a
    a_lo = hd / (base_a + np.einsum("i,ijk->jk", m, h_off))
    nb = gd + rd
    m_oth = np.sqrt(np.maximum((m**2).sum() - m**2, 0.0))[:, None]  # (j, 1)
    d_lo = net.p0[None, :] * net.g0 + net.noise - rc * np.sqrt(m_oth**2 + net.p0[None, :] ** 2)
    with np.errstate(divide="ignore"):
        b_hi = np.where(d_lo > 0, nb / np.where(d_lo > 0, d_lo, 1.0), np.inf)
    mk = m[:, None]
    always = a_lo > b_hi  # the channel has secrecy everywhere in the box
    with np.errstate(invalid="ignore"):
        curv = (a_lo / (1 + mk * a_lo)) ** 2 - (b_hi / (1 + mk * b_hi)) ** 2
    diag = np.where(always, curv, 0.0).min(axis=1)
    dg = np.maximum(g_off, rc[None] - g_off)  # |ĝ_ij - r_c t|, t in [0, 1]
    with np.errstate(invalid="ignore"):
        bound = (
            a_hi[None] ** 2 * h_off / hd[None]
            + np.where(np.isfinite(b_hi), b_hi**2, np.inf)[None] * dg / nb[None]
        )
    bound = np.where(eye[:, :, None], 0.0, bound)  # (i, j, k)
    off = bound.max(axis=2)  # (i, j): bound on ||∇²_{p_j p_i} C̄_j||
    U = -off.copy()
    U[np.arange(J), np.arange(J)] = diag
    return U


@dataclass(frozen=True)
class GrnepCertificate:
    """Numbers that certify ``(p, κ)`` solves the GRNEP (16) through Theorem 3.

    Attributes
    ----------
    feasibility : float
        ``max_n ζ_n(p) / I_n^th`` (<= 0: the worst-case interference constraints hold).
    complementarity : float
        ``max_n κ_n |ζ_n(p)| / (κ_n I_n^th)`` over MUEs with ``κ_n > 0`` (0 if none).
    equilibrium : float
        ``max_j ||BR_j(p_{-j}; κ) - p_j|| / max(||p||, 1e-12)``: how far ``p`` is from the
        exact best responses (33), which put no power on a channel without secrecy (0 at
        an equilibrium where every best response is unique).
    utility_gap : float
        Nikaido-Isoda gap ``max_j [U_j(BR_j(p_{-j}); κ) - U_j(p_j; κ)]`` of the priced
        utilities (27a), in nats: what the SBS that gains most would gain by deviating.
        Zero exactly at an equilibrium of the priced game, also at one where an SBS is
        indifferent between powers on a channel without secrecy (where ``equilibrium``
        is not zero).
    """

    feasibility: float
    complementarity: float
    equilibrium: float
    utility_gap: float = float("nan")


def grnep_certificate(net: Network, p, kappa) -> GrnepCertificate:
    """Residuals of the NCP (29) and of the priced equilibrium (30) at ``(p, κ)``.

    By Theorem 3, small values certify a GRNEP equilibrium; the book checks the same point
    independently with :func:`solve_grnep_player`.

    Parameters
    ----------
    net : Network
        Design network.
    p : array_like, shape (J, K)
        Powers (W).
    kappa : float or array_like, shape (N,)
        Prices (nats/W).

    Returns
    -------
    GrnepCertificate

    References
    ----------
    Tang et al. (2021), Theorem 3, eqs. (26), (29)-(32), App. C.
    """
    _net(net)
    P = net.check_power(p)
    k = check_kappa(net, kappa)
    S = stack(net)
    z = S.zeta(P[None], True)[0]
    feas = float(np.max(z / net.i_th))
    pos = k > 0
    comp = float(np.max(np.abs(z[pos]) / net.i_th[pos])) if pos.any() else 0.0
    br, ok, _ = best_responses(S, P[None], k[None], np.arange(net.n_sbs))
    if not ok[0]:
        raise ValueError("a best response failed while certifying")
    eq = float(np.max(np.linalg.norm(br[0] - P, axis=1)) / max(np.linalg.norm(P), 1e-12))
    gap = priced_utility(S, P[None], br, k[None]) - priced_utility(S, P[None], P[None], k[None])
    return GrnepCertificate(
        feasibility=feas,
        complementarity=comp,
        equilibrium=eq,
        utility_gap=float(max(gap.max(), 0.0)),
    )


def solve_grnep_player(net: Network, p, j: int, **solver_options):
    """Solve SBS-j's GRNEP problem (15) with cvxpy + Clarabel, the coupled constraint kept
    as a constraint (not priced).

    ``max C̄_j(p_j; p_{-j})`` s.t. ``p_j ∈ P_j`` and ``ζ_n(p_j, p_{-j}) <= 0`` for all ``n``.

    Parameters
    ----------
    net : Network
    p : array_like, shape (J, K)
        The others' powers are read from it.
    j : int
    **solver_options
        Passed to Clarabel.

    Returns
    -------
    p_j : ndarray, shape (K,)
        Optimal powers (NaN unless solved).
    duals : ndarray, shape (N,)
        Multipliers of the interference constraints (nats/W, the κ of Theorem 3).
    info : wiretap.convex.SolveInfo

    References
    ----------
    Tang et al. (2021), eqs. (13)-(15), (21)-(23).
    """
    _net(net)
    P = net.check_power(p)
    j = check_int(j, "j", minimum=0, maximum=net.n_sbs - 1)
    S = stack(net)
    a, b = S.a(P[None])[0, j], S.b(P[None], True)[0, j]
    useful = np.isfinite(b) & (a > np.where(np.isfinite(b), b, 0.0))
    bb = np.where(useful, np.maximum(np.where(np.isfinite(b), b, 1.0), 1e-12 * a), 1.0)
    K, N = net.n_channels, net.n_mue
    x = cp.Variable(K, nonneg=True)  # x = b p
    r = np.where(useful, (a - bb) / bb, 0.0)
    pj = cp.multiply(1.0 / bb, x)
    others = P.copy()
    others[j] = 0.0
    lin_o = np.einsum("njk,jk->n", net.hm, others)
    s_o = float((others**2).sum())
    cons = [x <= np.where(useful, bb * net.p_mask[j], 0.0), cp.sum(pj) <= net.p_max[j]]
    scale = net.i_th  # normalize the interference constraints to O(1)
    zc = []
    for n in range(N):
        expr = (net.hm[n, j] @ pj + lin_o[n]) / scale[n] + np.sqrt(net.e_mue[n]) / scale[
            n
        ] * cp.norm(cp.hstack([pj, np.array([np.sqrt(s_o)])]))
        zc.append(expr <= 1.0)
    prob = cp.Problem(
        cp.Maximize(cp.sum(cp.log(1 + cp.multiply(r, 1 - cp.inv_pos(1 + x))))), cons + zc
    )
    info = convex.solve(prob, **solver_options)
    if not info.ok:
        return np.full(K, np.nan), np.full(N, np.nan), info
    duals = np.array([float(c.dual_value) / scale[n] for n, c in enumerate(zc)])
    return np.clip(np.asarray(x.value) / bb, 0.0, None), duals, info
