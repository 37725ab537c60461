"""The SCO loop of BFOM (paper Sec. V-B), used by :func:`wiretap.aauc.large.bfom` (internal).

Each SCO step on P4 (eq. (30)) solves P5 by mirror prox
(:func:`~wiretap.aauc.large.p5_mirror_prox`) and recovers a point by eq. (41); a step that
does not improve the surrogate is re-solved with tightened settings, within a budget of
mirror-prox iterations for the whole run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .._validation import check_int, check_positive
from ..results import Certificate, settle
from ._saddle import P5Result, lipschitz_bound, p4_objective, p5_data, p5_mirror_prox, p5_recover
from .problem import AAUCProblem

__all__ = ["BFOMRun", "BFOMSettings", "bfom_verdict"]


@dataclass(frozen=True, kw_only=True)
class BFOMSettings:
    """Checked settings of :func:`~wiretap.aauc.large.bfom` (``total_inner`` and ``scale``
    with their defaults filled in)."""

    max_iter: int
    tol: float
    max_inner: int
    inner_tol: float
    scale: float
    warm_start: bool
    max_refine: int
    gap_tol: float
    total_inner: int

    @classmethod
    def checked(
        cls,
        problem: AAUCProblem,
        *,
        max_iter,
        tol,
        max_inner,
        inner_tol,
        lipschitz_scale,
        warm_start,
        max_refine,
        gap_tol,
        max_total_inner,
    ) -> BFOMSettings:
        """Check the arguments of :func:`~wiretap.aauc.large.bfom` (in its order)."""
        max_iter = check_int(max_iter, "max_iter", minimum=1)
        tol = float(check_positive(tol, "tol"))
        max_inner = check_int(max_inner, "max_inner", minimum=1)
        inner_tol = float(check_positive(inner_tol, "inner_tol"))
        max_refine = check_int(max_refine, "max_refine", minimum=0)
        gap_tol = float(check_positive(gap_tol, "gap_tol"))
        total_inner = (
            2 * max_iter * max_inner
            if max_total_inner is None
            else check_int(max_total_inner, "max_total_inner", minimum=1)
        )
        scale = (
            1.0 / (problem.m + 1)
            if lipschitz_scale is None
            else float(check_positive(lipschitz_scale, "lipschitz_scale"))
        )
        return cls(
            max_iter=max_iter,
            tol=tol,
            max_inner=max_inner,
            inner_tol=inner_tol,
            scale=scale,
            warm_start=warm_start,
            max_refine=max_refine,
            gap_tol=gap_tol,
            total_inner=total_inner,
        )


class InnerSettings(NamedTuple):
    """Step tolerance, iteration cap and ``L / L_hat`` of one mirror-prox solve."""

    tol: float
    max_iter: int
    scale: float

    def tightened(self) -> InnerSettings:
        """Settings of the re-solve of a rejected step."""
        return InnerSettings(self.tol / 10.0, self.max_iter * 2, min(2.0 * self.scale, 1.0))


class SCOStep(NamedTuple):
    """One SCO step of BFOM: the recovered point and how it was found."""

    x: np.ndarray
    surrogate: float
    inner_iterations: int
    refinements: int
    lipschitz: float


class OuterEnd(NamedTuple):
    """Where the SCO loop of BFOM stopped."""

    z: np.ndarray
    p: float
    iterations: int
    rule_met: bool = False
    stalled: bool = False
    out_of_budget: bool = False
    message: str = ""


class BFOMRun:
    """One BFOM run: the settings, the budget of mirror-prox iterations left, the weights
    carried from one mirror-prox solve to the next and the (possibly tightened) inner
    settings carried from one SCO step to the next."""

    def __init__(self, pb: AAUCProblem, cfg: BFOMSettings):
        self.pb, self.cfg = pb, cfg
        self.two_p = 2 * pb.p_max
        self.budget = cfg.total_inner
        self.inner = InnerSettings(cfg.inner_tol, cfg.max_inner, cfg.scale)
        self.gam_prev = None

    def outer(self, z, p, hist: dict) -> OuterEnd:
        """SCO on P4 from ``z`` (eq. (30)); appends to ``hist``."""
        cfg, pb, P2 = self.cfg, self.pb, self.two_p
        it = 0
        for it in range(1, cfg.max_iter + 1):
            if self.budget <= 0:
                return OuterEnd(z, p, it - 1, out_of_budget=True)
            t_it = time.perf_counter()
            f_old = hist["snr"][-1]
            step = self.step(z, f_old)
            hist["inner_iterations"].append(step.inner_iterations)
            hist["lipschitz"].append(step.lipschitz)
            hist["refinements"].append(step.refinements)
            hist["wall_time"].append(time.perf_counter() - t_it)
            if step.surrogate < f_old:
                hist["snr"].append(f_old)
                if step.refinements < cfg.max_refine:  # the budget ran out before a re-solve
                    hist["rejected"].append(0)
                    return OuterEnd(z, p, it, out_of_budget=True)
                hist["rejected"].append(1)
                message = (
                    f"SCO step {it}: the mirror-prox solution did not improve the surrogate "
                    f"({step.surrogate:.6g} < {f_old:.6g}) after {step.refinements} tightened "
                    "re-solves; stopped at the current point"
                )
                return OuterEnd(z, p, it, stalled=True, message=message)
            hist["rejected"].append(0)
            n, x = pb.n, step.x
            z = x[:n] + 1j * x[n:]
            p = max(P2 - float(x @ x), 0.0)
            f_new = p4_objective(pb, z, p)
            hist["snr"].append(f_new)
            hist["v"].append(pb.beamformer(z))
            hist["p"].append(p)
            if abs(f_new - f_old) <= cfg.tol * max(1.0, abs(f_old)):
                return OuterEnd(z, p, it, rule_met=True)
        return OuterEnd(z, p, it)

    def step(self, z, f_old: float) -> SCOStep:
        """One SCO step at ``z``: mirror prox on P5, then recovery (eq. (41)); a step that
        does not improve the surrogate is re-solved with tightened settings."""
        P2 = self.two_p
        R, t, c = p5_data(self.pb, z)
        L_hat = lipschitz_bound(R, c, P2)
        x_cur = np.concatenate([z.real, z.imag])
        n_inner, n_ref = 0, 0
        s = self.inner
        while True:
            warm = self.cfg.warm_start or n_ref > 0
            inner = p5_mirror_prox(
                R,
                t,
                c,
                P2,
                L_hat * s.scale,
                x0=x_cur if warm else None,
                gamma0=self.gam_prev if warm else None,
                max_iter=min(s.max_iter, self.budget),
                tol=s.tol,
            )
            n_inner += inner.iterations
            self.budget -= inner.iterations
            # keep the weights strictly positive for a warm start
            self.gam_prev = (inner.gamma + 1e-12) / (1 + 1e-12 * inner.gamma.size)
            surrogate, x = recover_best(R, t, c, P2, x_cur, inner)
            if surrogate >= f_old or n_ref >= self.cfg.max_refine or self.budget <= 0:
                # keep tightened settings: the later steps need the same accuracy
                self.inner = s
                return SCOStep(x, surrogate, n_inner, n_ref, L_hat * s.scale)
            # rejected: tighten the inner solve and try again
            n_ref += 1
            s = s.tightened()


def recover_best(R, t, c, P2, x_cur, inner: P5Result) -> tuple[float, np.ndarray]:
    """Recover (eq. (41)) from the last iterate (the paper's ``y^[m]``) and from the ergodic
    average (the point the O(1/m) guarantee is about); the better one and its surrogate."""
    surrogate_new, x = -np.inf, x_cur
    for y in (inner.x, inner.x_avg):
        xr = p5_recover(R, t, c, P2, y)
        val = min(float(np.min(R @ xr + t)), c * (P2 - xr @ xr))
        if val > surrogate_new:
            surrogate_new, x = val, xr
    return surrogate_new, x


def bfom_verdict(end: OuterEnd, cert: Certificate, cfg: BFOMSettings) -> tuple[str, str]:
    """Status and message of a BFOM run from where it stopped and its certificate."""
    message = end.message
    if end.stalled:
        return "stalled", message + f"; relative stationarity gap {cert.value:.2e}"
    status = settle(end.rule_met, cert, otherwise="max_iter")
    if status == "stalled":
        message = (
            f"stopping rule met but the relative stationarity gap {cert.value:.2e} "
            f"exceeds {cfg.gap_tol:g}"
        )
    elif status == "max_iter" and end.out_of_budget:
        message = (
            f"budget of {cfg.total_inner} mirror-prox iterations used up after "
            f"{end.iterations} SCO steps; relative stationarity gap {cert.value:.2e}"
        )
    elif status == "max_iter":
        message = f"{cfg.max_iter} SCO steps; relative stationarity gap {cert.value:.2e}"
    return status, message
