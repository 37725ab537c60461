"""Problem (136): the local problem of one BS in the decentralized design (Algorithm 2).

One compiled :class:`LocalProblem` per size and mode is shared by all agents (kept in a
:class:`~wiretap._cache.CompiledCache`); an agent writes its own data into the named
Parameters before each solve. The consensus copies it exchanges are the variables ``e, t``
(C8, C9: interference produced at / received from other cells, in noise units), ``u``
(C10: interference at the eavesdropper) and ``V`` (C12: FIM contributions).
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from .._cache import CompiledCache
from ..convex import SolveInfo, require_dpp
from ._problems import LN2, solve_problem

__all__ = ["LocalProblem", "local_problem"]

CACHE = CompiledCache(maxsize=64)
_SYM = ((0, 0), (0, 1), (1, 1))


class LocalProblem:
    """Problem (136) of one BS for ``mode`` in ``{"adaptive", "fixed"}``.

    Parameters (named attributes): ``Hown[k]``, ``Hout[j][k]``, ``g``, ``G``, ``is2``,
    ``tau``, ``p_max``, ``r_info``, ``nz``, ``ic``, ``xi``, ``xs2``, ``tc``, ``y0``, ``r2``,
    ``kfim[a][b]``, ``rho``, ``ce``, ``ct``, ``cu``, ``cV``; adaptive: ``psi``, ``psi2``,
    ``lam``, ``lam2``, ``cA``, ``cB``, ``b``; fixed: ``T``. Variables: ``W[i][k]``, ``R[i]``,
    ``e``, ``t``, ``u``, ``V``, ``z``, ``power``; adaptive: ``delta``, ``s``, ``psi1``,
    ``lam1``; fixed: ``psi_var``, ``lam_var``.
    """

    def __init__(self, M: int, N: int, K: int, mode: str):
        self.M, self.N, self.K, self.mode = M, N, K, mode
        self._parameters()
        self._variables()
        cons = [X >> 0 for row in self.W for X in row] + [X >> 0 for X in self.R]
        self.power = self._power()
        cons.append(self.power <= self.p_max)
        cons += self._rates()
        cons += self._produced()
        self._multipliers()
        for i in range(2):
            cons += self._leakage(i)
        cons += self._sensing()
        self.problem = require_dpp(cp.Problem(cp.Minimize(self.power + self._penalty() / 2), cons))

    # -- construction
    def _parameters(self):
        M, N, K, Mo = self.M, self.N, self.K, self.M - 1
        self.Hown = [cp.Parameter((N, N), hermitian=True) for _ in range(K)]
        self.Hout = [[cp.Parameter((N, N), hermitian=True) for _ in range(K)] for _ in range(Mo)]
        self.g = cp.Parameter(N, complex=True)
        self.G = cp.Parameter((N, N), hermitian=True)
        self.is2 = cp.Parameter(nonneg=True)
        self.tau = cp.Parameter(2, nonneg=True)
        self.p_max = cp.Parameter(nonneg=True)
        self.r_info = cp.Parameter(K)
        self.nz = cp.Parameter(K, nonneg=True)
        self.ic = cp.Parameter(K, nonneg=True)  # 1 / c_mk: e, t are exchanged in noise units
        self.xi = cp.Parameter((2, K), nonneg=True)
        self.xs2 = cp.Parameter((2, K), nonneg=True)
        self.tc = cp.Parameter((2, K), nonneg=True)
        self.y0 = cp.Parameter(K)
        self.r2 = cp.Parameter(2, nonneg=True)  # scaled radius^2 (stage 1; stage 2 if fixed)
        self.kfim = [[cp.Parameter((N, N), complex=True) for _ in range(2)] for _ in range(2)]
        self.rho = cp.Parameter(4, nonneg=True)
        self.ce = cp.Parameter((2, M * K))
        self.ct = cp.Parameter((2, M * K))
        self.cu = cp.Parameter((2, 2))
        self.cV = cp.Parameter(6)

    def _variables(self):
        M, N, K = self.M, self.N, self.K
        self.W = [[cp.Variable((N, N), hermitian=True) for _ in range(K)] for _ in range(2)]
        self.R = [cp.Variable((N, N), hermitian=True) for _ in range(2)]
        self.e = cp.Variable((2, M * K), nonneg=True)
        self.t = cp.Variable((2, M * K), nonneg=True)
        self.u = cp.Variable((2, 2), nonneg=True)
        self.V = cp.Variable(6)

    def _power(self):
        Pm = 0
        for i in range(2):
            Pm = Pm + self.tau[i] * (
                cp.sum(cp.hstack([cp.real(cp.trace(self.W[i][k])) for k in range(self.K)]))
                + cp.real(cp.trace(self.R[i]))
            )
        return Pm

    def _rates(self) -> list:
        """Rates (eqs. (126)-(135)): own-cell terms exact, other cells through e_bar, t_bar."""
        K, W, R, Hown = self.K, self.W, self.R, self.Hown
        z = self.z = cp.Variable((2, K))
        ell = cp.Variable((2, K))
        cons = []
        for k in range(K):
            parts = []
            for i in range(2):
                terms = [cp.real(cp.trace(Hown[k] @ W[i][kk])) for kk in range(K) if kk != k]
                terms.append(cp.real(cp.trace(Hown[k] @ R[i])))
                cons.append(
                    z[i, k]
                    == cp.sum(cp.hstack(terms))
                    + self.ic[k] * (self.e[i, k] + self.t[i, k])
                    + self.nz[k]
                )
                sig = cp.real(cp.trace(Hown[k] @ W[i][k]))
                cons.append(ell[i, k] <= cp.log(sig + z[i, k]) / LN2)
                parts.append(self.tau[i] * ell[i, k] - self.tc[i, k] * z[i, k])
            cons.append(cp.sum(cp.hstack(parts)) - self.y0[k] >= self.r_info[k])
        return cons

    def _produced(self) -> list:
        """C8, C9: interference produced at the other cells' users."""
        K, W, R = self.K, self.W, self.R
        cons = []
        for i in range(2):
            for j in range(self.M - 1):
                for k in range(K):
                    col = K + j * K + k
                    H = self.Hout[j][k]
                    cons.append(
                        self.e[i, col]
                        >= cp.sum(cp.hstack([cp.real(cp.trace(H @ W[i][kk])) for kk in range(K)]))
                    )
                    cons.append(self.t[i, col] >= cp.real(cp.trace(H @ R[i])))
        return cons

    def _multipliers(self):
        """Radii and multipliers: stage 2 fixed (BCD block) when adaptive, else variables."""
        K = self.K
        if self.mode == "adaptive":
            self.psi2 = cp.Parameter(K, nonneg=True)  # stage-2 psi / s^2 (fixed block)
            self.psi = cp.Parameter(K, nonneg=True)
            self.lam = cp.Parameter(nonneg=True)
            self.lam2 = cp.Parameter(nonneg=True)
            self.delta = cp.Variable()
            self.s = cp.Variable(nonneg=True)
            self.psi1 = cp.Variable(K, nonneg=True)
            self.lam1 = cp.Variable(nonneg=True)
        else:
            self.psi_var = cp.Variable((2, K), nonneg=True)
            self.lam_var = cp.Variable(2, nonneg=True)

    def _terms(self, i: int, k: int | None):
        """Multiplier and its radius term of the Phi LMI (``k=None``) or Psi LMI ``k``."""
        adaptive = self.mode == "adaptive"
        if k is None:
            if adaptive and i == 0:
                return self.lam1, self.lam1 * self.r2[0]
            if adaptive:
                return self.lam, self.lam2 * self.s
            return self.lam_var[i], self.lam_var[i] * self.r2[i]
        if adaptive and i == 0:
            return self.psi1[k], self.psi1[k] * self.r2[0]
        if adaptive:
            return self.psi[k], self.psi2[k] * self.s
        return self.psi_var[i, k], self.psi_var[i, k] * self.r2[i]

    def _leakage(self, i: int) -> list:
        """Phi (eq. (86)) and Psi (eq. (85), sign of the radius term corrected) of stage i."""
        N, R, W = self.N, self.R, self.W
        v = cp.Variable(N, complex=True)
        q = cp.Variable()
        cons = [v == R[i] @ self.g, q == cp.real(cp.trace(R[i] @ self.G))]
        lam, lr2 = self._terms(i, None)
        # Phi: u_own <= min over the ball of g^H R g
        col = cp.reshape(v, (N, 1), order="F")
        corner = cp.reshape(q - lr2 - self.is2 * self.u[i, 1], (1, 1), order="F")
        cons.append(cp.bmat([[lam * np.eye(N) + R[i], col], [col.H, corner]]) >> 0)
        for k in range(self.K):
            xi = self.xi[i, k]
            psi, pr2 = self._terms(i, k)
            tl = psi * np.eye(N) - W[i][k] + xi * R[i]
            c2 = cp.reshape(xi * v - W[i][k] @ self.g, (N, 1), order="F")
            corner = (
                -cp.real(cp.trace(W[i][k] @ self.G))
                + xi * q
                + self.xs2[i, k] * self.u[i, 0]
                + self.xs2[i, k]
                - pr2
            )
            cons.append(cp.bmat([[tl, c2], [c2.H, cp.reshape(corner, (1, 1), order="F")]]) >> 0)
        return cons

    def _sensing(self) -> list:
        """C11 with V_bar, and C12."""
        S = sum(self.W[0][k] for k in range(self.K)) + self.R[0]
        f = {ab: cp.real(cp.trace(S @ self.kfim[ab[0]][ab[1]])) for ab in _SYM}
        Vv = self.V
        Fown = cp.bmat([[f[0, 0], f[0, 1]], [f[0, 1], f[1, 1]]])
        Vbar = cp.bmat([[Vv[0], Vv[1]], [Vv[1], Vv[2]]])
        Vown = cp.bmat([[Vv[3], Vv[4]], [Vv[4], Vv[5]]])
        U = cp.Variable((2, 2), symmetric=True)
        cons = [cp.bmat([[U, np.eye(2)], [np.eye(2), Fown + Vbar]]) >> 0, Fown - Vown >> 0]
        if self.mode == "adaptive":
            self.cA = cp.Parameter()
            self.cB = cp.Parameter(nonneg=True)
            self.b = cp.Parameter(nonneg=True)
            cons += [
                cp.trace(U) <= self.cA + self.cB * self.delta,
                self.delta >= self.b,
                self.s >= cp.square(self.delta),
            ]
        else:
            self.T = cp.Parameter(nonneg=True)
            cons.append(cp.trace(U) <= self.T)
        return cons

    def _penalty(self):
        """``rho/2 ||x - c||^2`` written as ``||sqrt(rho) x - sqrt(rho) c||^2 / 2`` (DPP): the
        parameters hold ``sqrt(rho)`` and ``sqrt(rho) * c`` (the ``/ 2`` is the caller's)."""
        sr = self.rho
        return (
            cp.sum_squares(sr[0] * self.e - self.ce)
            + cp.sum_squares(sr[1] * self.t - self.ct)
            + cp.sum_squares(sr[2] * self.u - self.cu)
            + cp.sum_squares(sr[3] * self.V - self.cV)
        )

    # -- data
    def set_agent(self, ag):
        """The local data of agent ``ag`` (a :class:`~wiretap.isac.BSAgent`)."""
        for k in range(self.K):
            h = ag.h_own[k]
            self.Hown[k].value = np.outer(h, h.conj()) / ag.c_own[k]
        for j in range(self.M - 1):
            for k in range(self.K):
                h = ag.h_out[j, k]
                self.Hout[j][k].value = np.outer(h, h.conj())
        self.g.value = ag.g_hat
        self.G.value = np.outer(ag.g_hat, ag.g_hat.conj())
        self.is2.value = 1.0 / ag.s2
        self.tau.value = ag.tau
        self.p_max.value = ag.p_max
        self.r_info.value = ag.r_info
        self.nz.value = 1.0 / ag.c_own
        self.ic.value = 1.0 / ag.c_own

    def set_point(self, ag, st: dict):
        """Leakage ratios and the SCA point (the agent's own previous local solution)."""
        self.xi.value = st["xi"]
        self.xs2.value = st["xi"] / ag.s2
        Z = st["z"]
        self.tc.value = ag.tau[:, None] / (Z * LN2)
        self.y0.value = (ag.tau[:, None] * (np.log2(Z) - 1.0 / LN2)).sum(0)
        for a in range(2):
            for b in range(2):
                self.kfim[a][b].value = ag.K_fim[a, b]  # Re tr(S K_ab), eq. (92)

    def set_penalty(self, rho, centers: dict):
        sr = np.sqrt(rho)
        self.rho.value = sr
        self.ce.value, self.ct.value = sr[0] * centers["e"], sr[1] * centers["t"]
        self.cu.value, self.cV.value = sr[2] * centers["u"], sr[3] * centers["V"]

    def solve(self) -> tuple[SolveInfo, int]:
        return solve_problem(self.problem)

    def read(self, st: dict, adaptive: bool) -> dict:
        """``st`` updated with the solution of the last solve."""
        W = np.array([[X.value for X in row] for row in self.W])
        R = np.array([X.value for X in self.R])
        new = dict(st)
        new.update(
            W=W,
            R=R,
            e=self.e.value.copy(),
            t=self.t.value.copy(),
            u=self.u.value.copy(),
            V=self.V.value.copy(),
            P=float(self.power.value),
        )
        new["z"] = np.maximum(self.z.value, 1e-12)
        if adaptive:
            new["delta"] = float(self.delta.value)
            new["s"] = float(self.s.value)
        return new


def local_problem(M: int, N: int, K: int, mode: str, rebuild: bool = False) -> LocalProblem:
    """The compiled :class:`LocalProblem` of this size and mode (fresh if ``rebuild``)."""
    return CACHE.get((M, N, K, mode), lambda: LocalProblem(M, N, K, mode), rebuild=rebuild)
