"""The per-BS agent of Algorithm 2: local data, local problem (136), multipliers (138)."""

from __future__ import annotations

import numpy as np

from .._validation import check_choice, check_int
from ._local import local_problem
from ._problems import fim_scale, interference, user_scale
from .geometry import Scenario
from .robust import bound_coefficients, csi_radius, max_ratio_on_ball, trs_min
from .sensing import fim_transmit_blocks

__all__ = ["BSAgent", "initial_local"]


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
        c = user_scale(scn)
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
        self.fs = fim_scale(scn)
        self.K_fim = fim_transmit_blocks(scn)[m] / self.fs
        self.tau = scn.tau.copy()
        self.p_max = scn.p_max
        self.r_info = scn.r_info[m].copy()
        self.r_leak = scn.r_leak[m].copy()
        self.mse = mse
        self.r2_fixed = float(csi_radius(scn, mse)[m]) if mode == "fixed" else None
        self.lp = local_problem(M, N, K, mode, rebuild)
        # fixed-radius form: the fallback step of the adaptive mode (multipliers free,
        # radius and sensing requirement frozen at their current values)
        self.lp_fixed = self.lp if mode == "fixed" else local_problem(M, N, K, "fixed", rebuild)
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
        lp.set_agent(self)
        lp.set_point(self, st)
        self._set_radii(lp, mode, st)
        lp.set_penalty(rho, centers)
        info, retries = lp.solve()
        self.retries += retries
        self.inaccurate += int(info.status == "optimal_inaccurate")
        if not info.ok:
            return False, info, st
        return True, info, lp.read(st, mode == "adaptive")

    def _set_radii(self, lp, mode: str, st: dict):
        """Radii, multipliers and the sensing constraint of ``mode`` (``"frozen"``: the
        adaptive fallback with the radius and requirement frozen at ``delta_m``)."""
        if mode == "adaptive":
            lp.r2.value = np.array([self.r1**2, 0.0]) / self.s2
            lp.psi.value = st["psi"][1]
            lp.psi2.value = st["psi"][1] / self.s2
            lp.lam.value = st["lam"][1]
            lp.lam2.value = st["lam"][1] / self.s2
            dl = max(st["delta"], self.b + 1e-9)
            a2 = self.a**2
            lp.cA.value = self.fs * (a2 * (dl - self.b) ** 2 - 2 * a2 * (dl - self.b) * dl)
            lp.cB.value = self.fs * 2 * a2 * (dl - self.b)
            lp.b.value = self.b
        elif mode == "frozen":
            lp.r2.value = np.array([self.r1**2, st["s"]]) / self.s2
            lp.T.value = self.fs * (self.a * max(st["delta"] - self.b, 0.0)) ** 2
        else:
            lp.r2.value = np.array([self.r1**2, self.r2_fixed**2]) / self.s2
            lp.T.value = self.mse * self.fs

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


def initial_local(scn: Scenario, agents: list[BSAgent], W, R, s2_radius) -> list[dict]:
    """Every agent's local state at the shared starting point ``W, R``."""
    M, K = scn.M, scn.K
    sts = []
    fims = [ag.fim(W[0, m], R[0, m]) for m, ag in enumerate(agents)]
    mins = np.zeros((2, M))
    for m, ag in enumerate(agents):
        for i in range(2):
            mins[i, m] = ag.eve_min(R[i, m], ag.radius(i, s2_radius[m]))[0]
    Zall = interference(scn, W, R) / user_scale(scn)[None]
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
