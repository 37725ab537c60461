"""Decentralized design: Algorithm 2 of Xu et al. (consensus ADMM with per-BS agents).

Every BS is a :class:`BSAgent` built from *its own* data only: its channels to all users,
its estimate of its eavesdropper channel and CSI ball, and its own FIM contribution
(paper eq. (92)). Agents exchange only the coupling quantities of problem (97):

* ``e, t`` (C8, C9): interference a BS causes at other cells' users (information, sensing);
* ``u`` (C10): a lower bound on the interference a BS causes at the eavesdropper;
* ``V`` (C12): a lower bound on a BS's FIM contribution.

Each agent keeps local copies (eqs. (103)-(106)): the totals it *receives* (``e_bar``,
``t_bar``, ``u_bar``, ``V_bar``) and the values it *produces*. The central controller
averages (eqs. (140)-(143)); agents update their duals (eqs. (115)-(118)); penalties grow
by ``varsigma`` (Algorithm 2, line 7). Messages are counted explicitly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np

from .._validation import check_choice, check_int, check_positive
from ..convex import require_dpp
from ..results import IterativeResult, as_history, settle
from .design import (
    LN2,
    Design,
    DesignCheck,
    _check_init,
    _fim_scale,
    _solve,
    _user_scale,
    check_design,
    initial_state,
    rank_one_shift,
    rank_ratio,
    sensing_mse,
)
from .geometry import Scenario, _check_scenario, _solver_entry
from .robust import _real_scalar, bound_coefficients, csi_radius, max_ratio_on_ball, trs_min
from .sensing import fim_transmit_blocks

__all__ = ["ADMMResult", "BSAgent", "consensus_maps", "decentralized_design", "overhead"]

_CACHE: dict = {}
_SYM = ((0, 0), (0, 1), (1, 1))


# --------------------------------------------------------------------------- maps
def consensus_maps(M: int, K: int) -> dict[str, list[np.ndarray]]:
    """Selection/summation matrices ``E_m, T_m, U_m, V_m`` of eqs. (107)-(110).

    Global vectors (one per stage for e, t, u): ``e[(mt, m, k)]`` for ``mt != m`` in
    lexicographic order (paper eq. (98)), ``u[m]``, and ``V`` stacked as 3 numbers per BS
    (the entries 00, 01, 11 of a symmetric 2x2 matrix).

    Local copies of BS ``m``: ``[e_bar_{m,1..K}, e_{m,m',k} for m' != m]`` (size MK),
    ``[u_bar_m, u_m]`` and ``[V_bar_m, V_m]`` (size 6).

    Returns
    -------
    dict with keys ``"e"`` (also used for ``t``), ``"u"``, ``"V"``: lists of M matrices.
    """
    M = check_int(M, "M", minimum=1)
    K = check_int(K, "K", minimum=1)
    pairs = [(mt, m, k) for mt in range(M) for m in range(M) if mt != m for k in range(K)]
    idx = {p: j for j, p in enumerate(pairs)}
    E = []
    for m in range(M):
        A = np.zeros((M * K, len(pairs)))
        for k in range(K):
            for mt in range(M):
                if mt != m:
                    A[k, idx[mt, m, k]] = 1.0
        row = K
        for mo in range(M):
            if mo == m:
                continue
            for k in range(K):
                A[row, idx[m, mo, k]] = 1.0
                row += 1
        E.append(A)
    U = []
    for m in range(M):
        A = np.zeros((2, M))
        A[0] = 1.0
        A[0, m] = 0.0
        A[1, m] = 1.0
        U.append(A)
    V = [np.kron(A, np.eye(3)) for A in U]
    return {"e": E, "u": U, "V": V}


def overhead(M: int, N: int, K: int, L: int, iterations: int) -> dict[str, int]:
    """Numbers exchanged (real scalars) per Remark 6, for comparison with our counts.

    Returns
    -------
    dict
        ``"centralized"``: echoes ``M N L`` and CSI ``M^2 K N`` complex numbers (x2 reals)
        plus the eavesdropper CSI ``M N``; ``"decentralized"``: per iteration, every agent
        sends and receives its local copies (``2 M (4 M K + 10)`` reals) plus the fused
        sensing results ``M (2 + 3)`` once.
    """
    M = check_int(M, "M", minimum=1)
    N = check_int(N, "N", minimum=1)
    K = check_int(K, "K", minimum=1)
    L = check_int(L, "L", minimum=1)
    iterations = check_int(iterations, "iterations", minimum=0)
    central = 2 * (M * N * L + M * M * K * N + M * N)
    per_iter = 2 * M * (4 * M * K + 10)
    return {
        "centralized": central,
        "decentralized": per_iter * iterations + 5 * M,
        "per_iteration": per_iter,
    }


# --------------------------------------------------------------------------- agent
class _LocalProblem:
    """Problem (136) of one BS, compiled once per size and mode (shared by all agents)."""

    def __init__(self, M: int, N: int, K: int, mode: str):
        self.M, self.N, self.K, self.mode = M, N, K, mode
        Mo = M - 1
        P = self.par = {}
        V = self.var = {}
        P["Hown"] = [cp.Parameter((N, N), hermitian=True) for _ in range(K)]
        P["Hout"] = [[cp.Parameter((N, N), hermitian=True) for _ in range(K)] for _ in range(Mo)]
        P["g"] = cp.Parameter(N, complex=True)
        P["G"] = cp.Parameter((N, N), hermitian=True)
        P["is2"] = cp.Parameter(nonneg=True)
        P["tau"] = cp.Parameter(2, nonneg=True)
        P["p_max"] = cp.Parameter(nonneg=True)
        P["r_info"] = cp.Parameter(K)
        P["nz"] = cp.Parameter(K, nonneg=True)
        P["ic"] = cp.Parameter(K, nonneg=True)  # 1 / c_mk: e, t are exchanged in noise units
        P["xi"] = cp.Parameter((2, K), nonneg=True)
        P["xs2"] = cp.Parameter((2, K), nonneg=True)
        P["tc"] = cp.Parameter((2, K), nonneg=True)
        P["y0"] = cp.Parameter(K)
        P["r2"] = cp.Parameter(2, nonneg=True)  # scaled radius^2 (stage 1; stage 2 if fixed)
        P["K"] = [[cp.Parameter((N, N), complex=True) for _ in range(2)] for _ in range(2)]
        P["rho"] = cp.Parameter(4, nonneg=True)
        P["ce"] = cp.Parameter((2, M * K))
        P["ct"] = cp.Parameter((2, M * K))
        P["cu"] = cp.Parameter((2, 2))
        P["cV"] = cp.Parameter(6)
        W = V["W"] = [[cp.Variable((N, N), hermitian=True) for _ in range(K)] for _ in range(2)]
        R = V["R"] = [cp.Variable((N, N), hermitian=True) for _ in range(2)]
        e = V["e"] = cp.Variable((2, M * K), nonneg=True)
        t = V["t"] = cp.Variable((2, M * K), nonneg=True)
        u = V["u"] = cp.Variable((2, 2), nonneg=True)
        Vv = V["V"] = cp.Variable(6)
        cons = [X >> 0 for row in W for X in row] + [X >> 0 for X in R]
        Pm = 0
        for i in range(2):
            Pm = Pm + P["tau"][i] * (
                cp.sum(cp.hstack([cp.real(cp.trace(W[i][k])) for k in range(K)]))
                + cp.real(cp.trace(R[i]))
            )
        V["P"] = Pm
        cons.append(Pm <= P["p_max"])
        # rates (eqs. (126)-(135)): own-cell terms exact, other cells through e_bar, t_bar
        z = V["z"] = cp.Variable((2, K))
        ell = cp.Variable((2, K))
        for k in range(K):
            parts = []
            for i in range(2):
                terms = [cp.real(cp.trace(P["Hown"][k] @ W[i][kk])) for kk in range(K) if kk != k]
                terms.append(cp.real(cp.trace(P["Hown"][k] @ R[i])))
                cons.append(
                    z[i, k]
                    == cp.sum(cp.hstack(terms)) + P["ic"][k] * (e[i, k] + t[i, k]) + P["nz"][k]
                )
                sig = cp.real(cp.trace(P["Hown"][k] @ W[i][k]))
                cons.append(ell[i, k] <= cp.log(sig + z[i, k]) / LN2)
                parts.append(P["tau"][i] * ell[i, k] - P["tc"][i, k] * z[i, k])
            cons.append(cp.sum(cp.hstack(parts)) - P["y0"][k] >= P["r_info"][k])
        # C8, C9: interference produced at the other cells' users
        for i in range(2):
            for j in range(Mo):
                for k in range(K):
                    col = K + j * K + k
                    cons.append(
                        e[i, col]
                        >= cp.sum(
                            cp.hstack(
                                [cp.real(cp.trace(P["Hout"][j][k] @ W[i][kk])) for kk in range(K)]
                            )
                        )
                    )
                    cons.append(t[i, col] >= cp.real(cp.trace(P["Hout"][j][k] @ R[i])))
        # radii and multipliers
        if mode == "adaptive":
            P["psi2"] = cp.Parameter(K, nonneg=True)  # stage-2 psi / s^2 (fixed block)
            P["psi"] = cp.Parameter(K, nonneg=True)
            P["lam"] = cp.Parameter(nonneg=True)
            P["lam2"] = cp.Parameter(nonneg=True)
            V["delta"] = cp.Variable()
            V["s"] = cp.Variable(nonneg=True)
            V["psi1"] = cp.Variable(K, nonneg=True)
            V["lam1"] = cp.Variable(nonneg=True)
        else:
            V["psi"] = cp.Variable((2, K), nonneg=True)
            V["lam"] = cp.Variable(2, nonneg=True)
        for i in range(2):
            v = cp.Variable(N, complex=True)
            q = cp.Variable()
            cons += [v == R[i] @ P["g"], q == cp.real(cp.trace(R[i] @ P["G"]))]
            if mode == "adaptive" and i == 0:
                lam, lr2 = V["lam1"], V["lam1"] * P["r2"][0]
            elif mode == "adaptive":
                lam, lr2 = P["lam"], P["lam2"] * V["s"]
            else:
                lam, lr2 = V["lam"][i], V["lam"][i] * P["r2"][i]
            # Phi (eq. (86)): u_own <= min over the ball of g^H R g
            col = cp.reshape(v, (N, 1), order="F")
            cons.append(
                cp.bmat(
                    [
                        [lam * np.eye(N) + R[i], col],
                        [col.H, cp.reshape(q - lr2 - P["is2"] * u[i, 1], (1, 1), order="F")],
                    ]
                )
                >> 0
            )
            # Psi (eq. (85), sign of the radius term corrected)
            for k in range(K):
                xi = P["xi"][i, k]
                if mode == "adaptive" and i == 0:
                    psi, pr2 = V["psi1"][k], V["psi1"][k] * P["r2"][0]
                elif mode == "adaptive":
                    psi, pr2 = P["psi"][k], P["psi2"][k] * V["s"]
                else:
                    psi, pr2 = V["psi"][i, k], V["psi"][i, k] * P["r2"][i]
                tl = psi * np.eye(N) - W[i][k] + xi * R[i]
                c2 = cp.reshape(xi * v - W[i][k] @ P["g"], (N, 1), order="F")
                corner = (
                    -cp.real(cp.trace(W[i][k] @ P["G"]))
                    + xi * q
                    + P["xs2"][i, k] * u[i, 0]
                    + P["xs2"][i, k]
                    - pr2
                )
                cons.append(cp.bmat([[tl, c2], [c2.H, cp.reshape(corner, (1, 1), order="F")]]) >> 0)
        # sensing: C11 with V_bar, C12
        S = sum(W[0][k] for k in range(K)) + R[0]
        f = {ab: cp.real(cp.trace(S @ P["K"][ab[0]][ab[1]])) for ab in _SYM}
        Fown = cp.bmat([[f[0, 0], f[0, 1]], [f[0, 1], f[1, 1]]])
        Vbar = cp.bmat([[Vv[0], Vv[1]], [Vv[1], Vv[2]]])
        Vown = cp.bmat([[Vv[3], Vv[4]], [Vv[4], Vv[5]]])
        U = cp.Variable((2, 2), symmetric=True)
        cons += [cp.bmat([[U, np.eye(2)], [np.eye(2), Fown + Vbar]]) >> 0, Fown - Vown >> 0]
        if mode == "adaptive":
            P["cA"] = cp.Parameter()
            P["cB"] = cp.Parameter(nonneg=True)
            P["b"] = cp.Parameter(nonneg=True)
            P["is2d"] = cp.Parameter(nonneg=True)
            cons += [
                cp.trace(U) <= P["cA"] + P["cB"] * V["delta"],
                V["delta"] >= P["b"],
                V["s"] >= cp.square(V["delta"]),
            ]
        else:
            P["T"] = cp.Parameter(nonneg=True)
            cons.append(cp.trace(U) <= P["T"])
        # rho/2 ||x - c||^2 written as ||sqrt(rho) x - sqrt(rho) c||^2 / 2 (DPP): the
        # parameters hold sqrt(rho) and sqrt(rho) * c
        sr = P["rho"]
        pen = (
            cp.sum_squares(sr[0] * e - P["ce"])
            + cp.sum_squares(sr[1] * t - P["ct"])
            + cp.sum_squares(sr[2] * u - P["cu"])
            + cp.sum_squares(sr[3] * Vv - P["cV"])
        )
        self.problem = require_dpp(cp.Problem(cp.Minimize(Pm + pen / 2), cons))


def _local_problem(M, N, K, mode, rebuild=False) -> _LocalProblem:
    key = (M, N, K, mode)
    if rebuild or key not in _CACHE:
        lp = _LocalProblem(M, N, K, mode)
        if rebuild:
            return lp
        _CACHE[key] = lp
    return _CACHE[key]


class BSAgent:
    """One BS of the decentralized design; holds only its local data.

    Parameters
    ----------
    scn : Scenario
        Read once, at construction, to extract this BS's local data: its channels to every
        user ``h_{m,m',k}``, every user's normalising scale, ``g_bar_m``, the stage-1 radius
        ``beta_g_m^(1)``, ``a_m, b_m``, its FIM blocks and the requirements of its users.
    m : int
        BS index.
    mode : {"adaptive", "fixed"}
    mse : float, optional
        Sensing requirement for ``mode="fixed"`` (m^2).
    """

    def __init__(
        self,
        scn: Scenario,
        m: int,
        mode: str = "adaptive",
        mse: float | None = None,
        rebuild: bool = False,
    ):
        self.m = check_int(m, "m", minimum=0, maximum=scn.M - 1)
        self.mode = check_choice(mode, "mode", ("adaptive", "fixed"))
        M, N, K = scn.M, scn.N, scn.K
        self.M, self.N, self.K = M, N, K
        self.others = [j for j in range(M) if j != m]
        c = _user_scale(scn)
        self.h_own = scn.h[m, m].copy()  # (K, N)
        self.h_out = scn.h[m, self.others].copy()  # (M-1, K, N)
        self.c_own = c[m].copy()
        self.c_out = c[self.others].copy()
        g = scn.g_est[m].copy()
        self.s2 = float(np.vdot(g, g).real)
        self.g_hat = g / np.sqrt(self.s2)
        a, b = bound_coefficients(scn)
        self.a, self.b = float(a[m]), float(b[m])
        self.r1 = float(csi_radius(scn, np.trace(scn.q1))[m])
        self.fs = _fim_scale(scn)
        self.K_fim = fim_transmit_blocks(scn)[m] / self.fs
        self.tau = scn.tau.copy()
        self.p_max = scn.p_max
        self.r_info = scn.r_info[m].copy()
        self.r_leak = scn.r_leak[m].copy()
        self.mse = mse
        self.r2_fixed = float(csi_radius(scn, mse)[m]) if mode == "fixed" else None
        self.lp = _local_problem(M, N, K, mode, rebuild)
        # fixed-radius form: the fallback step of the adaptive mode (multipliers free,
        # radius and sensing requirement frozen at their current values)
        self.lp_fixed = self.lp if mode == "fixed" else _local_problem(M, N, K, "fixed", rebuild)
        self.fallbacks = 0
        self.retries = 0
        self.inaccurate = 0

    # -- helpers on local data
    def interference(self, W, R) -> tuple[np.ndarray, np.ndarray]:
        """Produced interference ``e, t`` (noise units), shape (2, M-1, K)."""
        e = np.einsum("jka,iqab,jkb->ijk", self.h_out.conj(), W, self.h_out).real
        t = np.einsum("jka,iab,jkb->ijk", self.h_out.conj(), R, self.h_out).real
        return e, t

    def eve_min(self, R, radius) -> tuple[float, float]:
        """Exact ``min g^H R g`` over this BS's ball and its multiplier (scaled units)."""
        g = self.g_hat * np.sqrt(self.s2)
        val, _, mu = trs_min(R, R @ g, np.vdot(g, R @ g).real, radius)
        return max(val, 0.0), mu

    def radius(self, i: int, s: float | None = None) -> float:
        if i == 0:
            return self.r1
        if self.mode == "fixed":
            return self.r2_fixed
        return float(np.sqrt(s))

    def fim(self, W0, R0) -> np.ndarray:
        S = W0.sum(0) + R0
        return np.array([[np.trace(S @ self.K_fim[a, b]).real for b in range(2)] for a in range(2)])

    # -- ADMM steps
    def solve_local(self, st: dict, centers: dict, rho: np.ndarray):
        """Problem (136) at this BS. Returns (ok, solve info, new local state).

        In the adaptive mode the stage-2 multipliers are fixed (BCD block); if that
        problem fails numerically, the step is taken instead in the other block (radius and
        sensing requirement frozen at the current ``delta_m``, multipliers free), which is
        also a valid descent step of the same problem.
        """
        ok, info, new = self._solve(self.lp, self.mode, st, centers, rho)
        if ok or self.mode == "fixed":
            return ok, info, new
        self.fallbacks += 1
        return self._solve(self.lp_fixed, "frozen", st, centers, rho)

    def _solve(self, lp, mode, st, centers, rho):
        P = lp.par
        M, K = self.M, self.K
        for k in range(K):
            h = self.h_own[k]
            P["Hown"][k].value = np.outer(h, h.conj()) / self.c_own[k]
        for j in range(M - 1):
            for k in range(K):
                h = self.h_out[j, k]
                P["Hout"][j][k].value = np.outer(h, h.conj())
        P["g"].value = self.g_hat
        P["G"].value = np.outer(self.g_hat, self.g_hat.conj())
        P["is2"].value = 1.0 / self.s2
        P["tau"].value = self.tau
        P["p_max"].value = self.p_max
        P["r_info"].value = self.r_info
        P["nz"].value = 1.0 / self.c_own
        P["ic"].value = 1.0 / self.c_own
        P["xi"].value = st["xi"]
        P["xs2"].value = st["xi"] / self.s2
        # SCA point (own previous local solution)
        Z = st["z"]
        P["tc"].value = self.tau[:, None] / (Z * LN2)
        P["y0"].value = (self.tau[:, None] * (np.log2(Z) - 1.0 / LN2)).sum(0)
        for a in range(2):
            for b in range(2):
                P["K"][a][b].value = self.K_fim[a, b]  # Re tr(S K_ab), eq. (92)
        if mode == "adaptive":
            P["r2"].value = np.array([self.r1**2, 0.0]) / self.s2
            P["psi"].value = st["psi"][1]
            P["psi2"].value = st["psi"][1] / self.s2
            P["lam"].value = st["lam"][1]
            P["lam2"].value = st["lam"][1] / self.s2
            dl = max(st["delta"], self.b + 1e-9)
            a2 = self.a**2
            P["cA"].value = self.fs * (a2 * (dl - self.b) ** 2 - 2 * a2 * (dl - self.b) * dl)
            P["cB"].value = self.fs * 2 * a2 * (dl - self.b)
            P["b"].value = self.b
        elif mode == "frozen":
            P["r2"].value = np.array([self.r1**2, st["s"]]) / self.s2
            P["T"].value = self.fs * (self.a * max(st["delta"] - self.b, 0.0)) ** 2
        else:
            P["r2"].value = np.array([self.r1**2, self.r2_fixed**2]) / self.s2
            P["T"].value = self.mse * self.fs
        sr = np.sqrt(rho)
        P["rho"].value = sr
        P["ce"].value, P["ct"].value = sr[0] * centers["e"], sr[1] * centers["t"]
        P["cu"].value, P["cV"].value = sr[2] * centers["u"], sr[3] * centers["V"]
        info, retries = _solve(lp.problem)
        self.retries += retries
        self.inaccurate += int(info.status == "optimal_inaccurate")
        if not info.ok:
            return False, info, st
        V = lp.var
        W = np.array([[X.value for X in row] for row in V["W"]])
        R = np.array([X.value for X in V["R"]])
        new = dict(st)
        new.update(
            W=W,
            R=R,
            e=V["e"].value.copy(),
            t=V["t"].value.copy(),
            u=V["u"].value.copy(),
            V=V["V"].value.copy(),
            P=float(V["P"].value),
        )
        new["z"] = np.maximum(V["z"].value, 1e-12)
        if mode == "adaptive":
            new["delta"] = float(V["delta"].value)
            new["s"] = float(V["s"].value)
        return True, info, new

    def update_multipliers(self, st: dict) -> dict:
        """Problem (138): smallest ``xi`` (exact worst case, own ball, local ``u_bar``) and
        the multipliers ``psi`` (for C5) and ``lambda`` (tightest certificate of C10)."""
        new = dict(st)
        xi = np.zeros((2, self.K))
        psi = np.zeros((2, self.K))
        lam = np.zeros(2)
        g = self.g_hat * np.sqrt(self.s2)
        for i in range(2):
            rad = self.radius(i, st.get("s"))
            c0 = 1.0 + float(st["u"][i, 0])
            for k in range(self.K):
                xi[i, k], _, psi[i, k] = max_ratio_on_ball(st["W"][i, k], st["R"][i], g, rad, c0)
            lam[i] = self.eve_min(st["R"][i], rad)[1]
        new.update(xi=xi, psi=psi, lam=lam)
        return new

    def local_vector(self, st: dict) -> dict:
        return {"e": st["e"], "t": st["t"], "u": st["u"], "V": st["V"]}


# --------------------------------------------------------------------------- driver
@dataclass(frozen=True, kw_only=True)
class ADMMResult(IterativeResult):
    """Outcome of :func:`decentralized_design`.

    The certificate (kind ``"feasibility"``) is the largest violation of C1-C3 of problem
    (18) in :func:`~wiretap.isac.check_design` (exact worst-case leakage over the per-BS
    balls), against ``DesignCheck.tol`` (1e-4): a ``"converged"`` consensus design is
    feasible for the *centralized* problem, whatever its copies said.

    Attributes
    ----------
    design, check, total_power, mse : as in :class:`~wiretap.isac.CentralizedResult`
    messages : int
        Real numbers exchanged between agents and the controller over all iterations.
    messages_per_iteration : int
    tol_residual : float
        Consensus tolerance in force at the end (tightened when a design that met the
        stopping rule failed its re-check, see :func:`decentralized_design`).
    init_iterations : int
        SCA steps of the initialisation run inside this call (0 when ``init`` was given).
    """

    design: Design | None = None
    check: DesignCheck | None = None
    total_power: float = float("nan")
    mse: float = float("nan")
    rank_one_before: float = float("nan")
    messages: int = 0
    messages_per_iteration: int = 0
    xi: np.ndarray = field(default_factory=lambda: np.zeros(0))
    tol_residual: float = float("nan")
    init_iterations: int = 0


def _initial_local(scn: Scenario, agents: list[BSAgent], W, R, s2_radius) -> list[dict]:
    M, K = scn.M, scn.K
    sts = []
    fims = [ag.fim(W[0, m], R[0, m]) for m, ag in enumerate(agents)]
    mins = np.zeros((2, M))
    for m, ag in enumerate(agents):
        for i in range(2):
            mins[i, m] = ag.eve_min(R[i, m], ag.radius(i, s2_radius[m]))[0]
    from .design import _interference

    Zall = _interference(scn, W, R) / _user_scale(scn)[None]
    for m, ag in enumerate(agents):
        e_out, t_out = ag.interference(W[:, m], R[:, m])
        # received totals (what the other cells cause at m's users)
        e_in = np.zeros((2, K))
        t_in = np.zeros((2, K))
        for j in ag.others:
            ej, tj = agents[j].interference(W[:, j], R[:, j])
            pos = agents[j].others.index(m)
            e_in += ej[:, pos]
            t_in += tj[:, pos]
        e = np.concatenate([e_in, e_out.reshape(2, -1)], axis=1)
        t = np.concatenate([t_in, t_out.reshape(2, -1)], axis=1)
        u = np.stack([mins.sum(1) - mins[:, m], mins[:, m]], axis=1)
        Fo = fims[m]
        Fb = sum(fims[j] for j in ag.others)
        Vv = np.array([Fb[0, 0], Fb[0, 1], Fb[1, 1], Fo[0, 0], Fo[0, 1], Fo[1, 1]])
        st = {
            "W": W[:, m],
            "R": R[:, m],
            "e": e,
            "t": t,
            "u": u,
            "V": Vv,
            "z": Zall[:, m],
            "P": float(
                scn.tau
                @ (
                    np.trace(W[:, m], axis1=-2, axis2=-1).real.sum(1)
                    + np.trace(R[:, m], axis1=-2, axis2=-1).real
                )
            ),
        }
        if ag.mode == "adaptive":
            st["s"] = float(s2_radius[m])
            st["delta"] = float(np.sqrt(s2_radius[m]))
        sts.append(ag.update_multipliers(st))
    return sts


@_solver_entry
def decentralized_design(
    scn: Scenario,
    *,
    mode: str = "adaptive",
    mse: float | None = None,
    rho0: float = 1.0,
    varsigma: float = 1.5,
    rho_max: float = 1e3,
    tol: float = 1e-3,
    tol_residual: float = 1e-4,
    max_iter: int = 40,
    init_iter: int = 40,
    mse0: float | None = None,
    init=None,
    rebuild: bool = False,
) -> ADMMResult:
    """Algorithm 2: consensus ADMM over per-BS agents (proposed scheme 2, baseline 2).

    Parameters
    ----------
    mode : {"adaptive", "fixed"}
        ``"adaptive"``: the sensing accuracy is optimised through ``delta_m`` (C11);
        ``"fixed"``: baseline 2 / Fig. 7, ``tr(Q_fused) <= mse``.
    mse : float
        Sensing requirement for ``mode="fixed"`` (m^2).
    rho0, varsigma : float
        Initial penalty (all four blocks; the FIM block is in FIM-scaled units) and its
        growth factor per iteration (paper: ``varsigma = 1.5``).
    rho_max : float
        Cap on the penalties (ours; the paper lets them grow without bound). With
        ``varsigma = 1.5`` an unbounded penalty passes ``1e4`` after about 23 iterations;
        from there the local problems are so ill-conditioned that Clarabel fails on some of
        them. A bounded penalty keeps the convergence behaviour of ADMM with a fixed
        penalty once the cap is reached.
    tol, tol_residual : float
        Stopping rule: the relative change of the total power is below ``tol`` *and* the
        largest consensus residual ``|x - E z|`` is below ``tol_residual`` (interference
        copies in noise units, FIM copies relative to their size). When the rule fires, the
        design is re-checked against problem (18) (:func:`~wiretap.isac.check_design`,
        exact worst cases): if it passes, the status is ``"converged"``; if not (the copies
        agree only to ``tol_residual``, which can leave a rate short by about as much),
        ``tol_residual`` is divided by 10 and the iterations go on.
    max_iter : int
        Cap on the ADMM iterations; ``"max_iter"`` when reached (the last design is
        returned with its certificate).
    init_iter : int
        Cap on the SCA steps of the initialisation (unused when ``init`` is given).
    mse0 : float, optional
        Sensing requirement of the shared initial point (:func:`initial_state`).
    init : optional
        A state from :func:`initial_state`.

    Returns
    -------
    ADMMResult
        ``history`` has ``"objective"`` (total power), ``"primal_residual"``, ``"rho"``,
        ``"messages"`` per iteration (index 0: the initial point).

    References
    ----------
    Xu et al., Section IV-B to IV-D, Algorithm 2, Remark 6.
    """
    _check_scenario(scn)
    t0 = time.perf_counter()
    check_choice(mode, "mode", ("adaptive", "fixed"))
    rho0 = float(check_positive(_real_scalar(rho0, "rho0"), "rho0"))
    varsigma = _real_scalar(varsigma, "varsigma")
    if varsigma < 1:
        raise ValueError(f"varsigma must be >= 1, got {varsigma}")
    rho_max = float(check_positive(rho_max, "rho_max"))
    if rho_max < rho0:
        raise ValueError(f"rho_max must be >= rho0, got {rho_max} < {rho0}")
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    init_iter = check_int(init_iter, "init_iter", minimum=1)
    tol = float(check_positive(tol, "tol"))
    tol_res = float(check_positive(tol_residual, "tol_residual"))
    if mode == "fixed" or mse is not None:
        mse = float(check_positive(_real_scalar(mse, "mse"), "mse"))
    if mse0 is not None:
        mse0 = float(check_positive(_real_scalar(mse0, "mse0"), "mse0"))
    if init is not None:
        init = _check_init(init)
    agents = [BSAgent(scn, m, mode, mse, rebuild) for m in range(scn.M)]
    init_it = 0
    if init is None:
        status, msg, init = initial_state(
            scn, mse if mode == "fixed" else mse0, rebuild=rebuild, max_iter=init_iter
        )
        init_it = init.iterations
        if status not in ("converged", "max_iter"):
            return ADMMResult(
                status=status,
                iterations=0,
                message="initialisation: " + msg,
                elapsed=time.perf_counter() - t0,
                init_iterations=init_it,
            )
    s_init = init.delta**2
    sts = _initial_local(scn, agents, init.W, init.R, s_init)
    maps = consensus_maps(scn.M, scn.K)
    lam = [
        {
            "e": np.zeros((2, scn.M * scn.K)),
            "t": np.zeros((2, scn.M * scn.K)),
            "u": np.zeros((2, 2)),
            "V": np.zeros(6),
        }
        for _ in range(scn.M)
    ]
    rho = np.full(4, float(rho0))
    z = _global_update(
        maps, [ag.local_vector(s) for ag, s in zip(agents, sts, strict=True)], lam, rho
    )
    per_msg = 2 * sum(
        sum(np.size(v) for v in ag.local_vector(s).values())
        for ag, s in zip(agents, sts, strict=True)
    )
    p0 = sum(s["P"] for s in sts)
    hist = {
        "objective": [p0],
        "primal_residual": [0.0],
        "rho": [rho[0]],
        "messages": [0],
        "mse": [
            sensing_mse(scn, np.stack([s["W"] for s in sts], 1), np.stack([s["R"] for s in sts], 1))
        ],
        "fallbacks": [0],
        "retries": [0],
        "inaccurate": [0],
        "tightened": [],
    }
    status, msg, it = "max_iter", "", 0
    for it in range(1, max_iter + 1):
        new = []
        for m, ag in enumerate(agents):
            centers = _centers(maps, m, z, lam[m], rho)
            ok, info, st = ag.solve_local(sts[m], centers, rho)
            if not ok:
                # the local problem is an SCA restriction with consensus copies fixed: its
                # infeasibility is no certificate for problem (18)
                status = "solver_error"
                msg = (
                    f"local problem (136) of BS {m} at iteration {it}: {info.status} "
                    "(not a certificate)"
                )
                break
            new.append(ag.update_multipliers(st))
        if len(new) < scn.M:
            break
        sts = new
        x = [ag.local_vector(s) for ag, s in zip(agents, sts, strict=True)]
        z = _global_update(maps, x, lam, rho)
        # consensus residual: e, t, u in noise units (absolute), V relative to its size
        resid = 0.0
        for m in range(scn.M):
            Ez = _apply(maps, m, z)
            for key in ("e", "t", "u", "V"):
                d = np.asarray(x[m][key]) - Ez[key]
                lam[m][key] = lam[m][key] + rho[_RHO[key]] * d
                scale = max(1.0, float(np.abs(x[m][key]).max())) if key == "V" else 1.0
                resid = max(resid, float(np.abs(d).max()) / scale)
        rho = np.minimum(rho * varsigma, rho_max)
        obj = sum(s["P"] for s in sts)
        W = np.stack([s["W"] for s in sts], 1)
        R = np.stack([s["R"] for s in sts], 1)
        hist["objective"].append(obj)
        hist["primal_residual"].append(resid)
        hist["rho"].append(rho[0])
        hist["messages"].append(per_msg)
        hist["mse"].append(sensing_mse(scn, W, R))
        hist["fallbacks"].append(sum(ag.fallbacks for ag in agents))
        hist["retries"].append(sum(ag.retries for ag in agents))
        hist["inaccurate"].append(sum(ag.inaccurate for ag in agents))
        prev = hist["objective"][-2]
        rule = abs(obj - prev) <= tol * abs(prev) and hist["primal_residual"][-1] <= tol_res
        if rule:
            design = rank_one_shift(scn, W, R)
            chk = check_design(scn, design)
            if chk.feasible:
                status = "converged"
                break
            hist["tightened"].append(it)
            tol_res /= 10.0
    if status == "solver_error":
        return ADMMResult(
            status=status,
            iterations=it,
            history=as_history({k: v for k, v in hist.items() if k != "tightened"}),
            message=msg,
            elapsed=time.perf_counter() - t0,
            tol_residual=tol_res,
            init_iterations=init_it,
        )
    W = np.stack([s["W"] for s in sts], 1)
    R = np.stack([s["R"] for s in sts], 1)
    xi = np.stack([s["xi"] for s in sts], 1)
    rank_min = float(rank_ratio(W).min())
    if status != "converged":  # a converged design was re-checked in the loop
        design = rank_one_shift(scn, W, R)
        chk = check_design(scn, design)
    cert = chk.certificate()
    status = settle(status == "converged", cert, otherwise="max_iter")
    tightened = hist.pop("tightened")
    if status == "max_iter":
        msg = f"iteration cap reached after {it} iterations; " + chk.describe()
        if tightened:
            msg += (
                f"; the stopping rule fired at iteration(s) {tightened} with a design that "
                f"failed the re-check, consensus tolerance tightened to {tol_res:.1e}"
            )
    n_it = it
    return ADMMResult(
        status=status,
        iterations=n_it,
        history=as_history(hist),
        elapsed=time.perf_counter() - t0,
        message=msg,
        certificate=cert,
        tol_residual=tol_res,
        init_iterations=init_it,
        design=design,
        check=chk,
        total_power=float(design.power(scn).sum()),
        mse=chk.mse,
        rank_one_before=rank_min,
        messages=int(per_msg * n_it),
        messages_per_iteration=int(per_msg),
        xi=xi,
    )


_RHO = {"e": 0, "t": 1, "u": 2, "V": 3}


def _mat(maps, key):
    return maps["e"] if key in ("e", "t") else maps[key]


def _apply(maps, m, z) -> dict:
    out = {}
    for key in ("e", "t", "u"):
        A = _mat(maps, key)[m]
        out[key] = np.stack([A @ z[key][i] for i in range(2)])
    out["V"] = maps["V"][m] @ z["V"]
    return out


def _centers(maps, m, z, lam_m, rho) -> dict:
    Ez = _apply(maps, m, z)
    return {key: Ez[key] - lam_m[key] / rho[_RHO[key]] for key in Ez}


def _global_update(maps, x, lam, rho) -> dict:
    """Eqs. (140)-(143): least-squares averaging at the central controller."""
    z = {}
    M = len(x)
    for key in ("e", "t", "u"):
        A = _mat(maps, key)
        G = sum(A[m].T @ A[m] for m in range(M))
        z[key] = np.stack(
            [
                np.linalg.solve(
                    G,
                    sum(
                        A[m].T @ (np.asarray(x[m][key][i]) + lam[m][key][i] / rho[_RHO[key]])
                        for m in range(M)
                    ),
                )
                for i in range(2)
            ]
        )
    A = maps["V"]
    G = sum(A[m].T @ A[m] for m in range(M))
    z["V"] = np.linalg.solve(
        G, sum(A[m].T @ (np.asarray(x[m]["V"]) + lam[m]["V"] / rho[3]) for m in range(M))
    )
    return z
