"""The priced game's kernel (internal): batched exact best responses, the equilibrium
residual, and Algorithm 1 (best-response iteration at fixed prices).

Shared by :mod:`.algorithms` (the public drivers), :mod:`._pricing` (Algorithm 2),
:mod:`.analysis` and :mod:`.equilibrium` (certificates). It specializes the
Foundations iteration :func:`wiretap.games.best_response_iteration` (batched over
trials, warm-started exact best responses, a floored relative stopping rule); its
answers are checked against that reference on random networks in
``tests/test_smallcell_foundations.py`` (tolerance there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .._validation import as_array, check_choice, check_int, check_positive, check_range
from ..results import Certificate, settle
from ._brsolve import solve as solve_rows
from .core import Stack, secrecy_nats
from .network import Network

__all__ = [
    "MODES",
    "SCHEMES",
    "Alg1Run",
    "Alg1Settings",
    "BestResponses",
    "alg1",
    "best_responses",
    "cert_tol",
    "certify_met",
    "design",
    "eq_residual",
    "grnep_value",
    "ncp_detail",
    "ncp_residuals",
    "power_floor",
    "priced_utility",
    "utility_gap",
]


SCHEMES: dict[str, tuple[bool, bool]] = {
    "RS-RP": (True, True),
    "RS-NP": (True, False),
    "NS-NP": (False, False),
}
"""Designs compared in Figs. 6-7: (robust secrecy, robust MUE protection). ``"RS-RP"`` is
the paper's proposal; ``"RS-NP"`` ignores the MUE channel uncertainty; ``"NS-NP"`` ignores
both uncertainties."""

BR_KKT_TOL = 1e-6
P_FLOOR = 1e-9  # powers below this fraction of ||p_max|| count as zero in stopping tests
CERT_FACTOR = 100.0  # equilibrium certificate tolerance: CERT_FACTOR * tol ...
CERT_MIN = 1e-6  # ... but not below this: cold best responses on near-flat utilities differ
# from warm ones by up to ~1e-7 (relative), the precision of an argmax there


MODES = ("simultaneous", "sequential", "damped", "proximal")
"""Update rules of :func:`~wiretap.smallcell.priced_equilibrium` (Algorithm 1 and our two
variants)."""


# ------------------------------------------------------------------------- best responses
class BestResponses(NamedTuple):
    """Best responses of a batch of players (see :func:`best_responses`)."""

    p: np.ndarray  # (T, players, K) powers
    ok: np.ndarray  # (T,) every player's solve met the KKT test
    kkt: np.ndarray  # (T, players) KKT residuals


def best_responses(
    S: Stack, P: np.ndarray, kappa: np.ndarray, players: np.ndarray, warm=None, rho=None
) -> BestResponses:
    """Best responses of ``players`` to profile ``P`` (T, J, K) at prices ``kappa`` (T, N).

    ``warm``: dict with arrays ``"p"`` (T, J, K) and ``"mu"`` (T, J), the players' previous
    best responses and budget multipliers (the Newton method starts there); updated in
    place for ``players``. ``"p"`` holding NaN means "no previous solve". ``rho`` (T,):
    proximal best responses, regularized by ``-(ρ/2)||p_j - P_j||²`` (centred at the
    current profile).

    On a channel without secrecy (``a <= b``) the exact best response puts no power. The
    rate there is zero whatever the power, so at a zero price nothing else pins that power,
    and a proximal term centred at ``P_j`` would keep an old power on such a channel for
    ever (an equilibrium of ``G_κ``, but one that wastes power and interferes, and not a
    fixed point of the exact best responses). The proximal centre is therefore zero on
    those channels: both best responses then select "no power without secrecy", and a
    fixed point of the proximal map is one of the exact map.
    """
    T, _, K = P.shape
    nb = len(players)
    a = S.a(P)[:, players]
    b = S.b(P, True)[:, players]
    center = None
    if rho is not None:
        finite = np.isfinite(b)
        useful = finite & (a > np.where(finite, b, 0.0))
        center = np.where(useful, P[:, players], 0.0).reshape(T * nb, K)
    c = np.einsum("tn,tnjk->tjk", kappa, S.hm)[:, players]
    beta = np.repeat((kappa * S.rm).sum(axis=1), nb)
    s = np.maximum((P**2).sum(axis=(1, 2))[:, None] - (P[:, players] ** 2).sum(axis=2), 0.0)
    ws = None
    if warm is not None and np.all(np.isfinite(warm["p"][:, players])):
        ws = (warm["p"][:, players].reshape(T * nb, K), warm["mu"][:, players].ravel())
    sol = solve_rows(
        a.reshape(T * nb, K),
        b.reshape(T * nb, K),
        c.reshape(T * nb, K),
        beta,
        s.ravel(),
        S.p_mask[:, players].ravel(),
        S.p_max[:, players].ravel(),
        ws,
        rho=None if rho is None else np.repeat(rho, nb),
        center=center,
    )
    if warm is not None:
        warm["mu"][:, players] = sol.mu.reshape(T, nb)
        warm["p"][:, players] = sol.p.reshape(T, nb, K)
    ok = np.all(np.isfinite(sol.p), axis=1) & (sol.kkt <= BR_KKT_TOL)
    return BestResponses(
        sol.p.reshape(T, nb, K), ok.reshape(T, nb).all(axis=1), sol.kkt.reshape(T, nb)
    )


def design(net: Network, scheme: str) -> Network:
    check_choice(scheme, "scheme", tuple(SCHEMES))
    rs, rp = SCHEMES[scheme]
    return net.nominal(secrecy=not rs, protection=not rp)


def power_floor(S: Stack) -> np.ndarray:
    """Absolute power scale of the stopping tests, per trial: ``P_FLOOR ||p_max||`` (W)."""
    return P_FLOOR * np.sqrt((S.p_max**2).sum(axis=1))


def eq_residual(S: Stack, P: np.ndarray, kappa: np.ndarray):
    """Equilibrium residual of the priced NEP at ``P`` (T, J, K): the exact best responses,
    cold-started (no warm start, no proximal term), against the powers,
    ``||BR(P) - P|| / max(||P||, floor)``; NaN where a best response failed."""
    T, J, _ = P.shape
    br, ok, _ = best_responses(S, P, kappa, np.arange(J))
    num = np.linalg.norm((br - P).reshape(T, -1), axis=1)
    den = np.maximum(np.linalg.norm(P.reshape(T, -1), axis=1), power_floor(S))
    return np.where(ok, num / den, np.nan)


def alg1_certificate(value: float, tol: float) -> Certificate:
    return Certificate(
        kind="equilibrium_residual",
        value=value,
        tolerance=cert_tol(tol),
        detail="||BR(p) - p|| / max(||p||, 1e-9 ||p_max||) with cold-started exact best "
        "responses (33) at the returned powers",
    )


def cert_tol(tol: float) -> float:
    """Tolerance of the equilibrium certificate for a stopping threshold ``tol``."""
    return max(CERT_FACTOR * tol, CERT_MIN)


@dataclass(frozen=True)
class Alg1Settings:
    """Settings of Algorithm 1, validated once (see :func:`alg1`).

    ``mode``: one of :data:`MODES`; ``tol``: threshold of the relative fixed-point
    residual; ``max_iter``: cap on sweeps; ``damping`` in ``(0, 1]`` for ``"damped"``;
    ``prox > 0`` (nats/W²) for ``"proximal"``.
    """

    mode: str = "simultaneous"
    tol: float = 1e-8
    max_iter: int = 500
    damping: float = 0.5
    prox: float = 0.1

    @classmethod
    def checked(cls, mode, tol, max_iter, damping=0.5, prox=0.1, *, prefix="") -> Alg1Settings:
        """Validated settings. ``prefix`` is prepended to the names of ``tol`` and
        ``max_iter`` in error messages (``"inner_"`` when they are the inner settings of
        the pricing algorithm)."""
        check_choice(mode, "mode", MODES)
        damping = check_range(
            as_array(damping, "damping", ndim=0), "damping", 0.0, 1.0, low_open=True
        )
        return cls(
            mode=mode,
            tol=float(check_positive(tol, f"{prefix}tol")),
            max_iter=check_int(max_iter, f"{prefix}max_iter", minimum=1),
            damping=float(damping),
            prox=float(check_positive(as_array(prox, "prox", ndim=0), "prox")),
        )


class Alg1Run(NamedTuple):
    """Per-trial outcome of the batched :func:`alg1`."""

    p: np.ndarray  # (T, J, K) last iterates
    iterations: np.ndarray  # (T,) int
    status: np.ndarray  # (T,) object
    messages: list  # (T,) str
    histories: list  # (T,) dict
    certificates: list  # (T,) Certificate or None


def alg1(
    S: Stack, kappa, P0, settings: Alg1Settings, *, record: bool, certify: bool = True
) -> Alg1Run:
    """Batched Algorithm 1 with ``settings``; returns an :class:`Alg1Run`.

    ``certify``: compute the equilibrium certificate of the trials that met the stopping
    rule (one more sweep of cold best responses); without it, ``"converged"`` only means
    that the rule was met, and the certificates are None (internal use by Algorithm 2, which
    certifies its own final point).

    ``mode``: ``"simultaneous"`` (Jacobi), ``"sequential"`` (Gauss-Seidel), ``"damped"``
    (``p <- (1 - damping) p + damping BR(p)``) or ``"proximal"`` (Jacobi on the proximal
    best responses ``BR_ρ(p)``, each player's problem (33) minus ``(ρ/2)||p_j - p_j(t)||²``,
    ``ρ = prox``).
    The stopping quantity is the relative fixed-point residual ``||T(p) - p|| / ||p||`` of
    the undamped map ``T`` (``BR`` for simultaneous and damped, the Gauss-Seidel sweep for
    sequential, ``BR_ρ`` for proximal); for simultaneous updates it is the printed
    ``||p(t) - p(t-1)|| / ||p(t-1)||``.
    """
    mode, tol, max_iter = settings.mode, settings.tol, settings.max_iter
    damping, prox = settings.damping, settings.prox
    T, J, _ = P0.shape
    P = P0.copy()
    active = np.ones(T, dtype=bool)
    iters = np.zeros(T, dtype=int)
    status = np.array(["max_iter"] * T, dtype=object)
    msgs = [f"no convergence within max_iter={max_iter} sweeps"] * T
    change_h: list[list[float]] = [[] for _ in range(T)]
    power_h = [[P0[t].copy()] for t in range(T)] if record else None
    sec_h = (
        [[secrecy_nats(S.take([t]), P0[t][None], True)[0].sum(1)] for t in range(T)]
        if record
        else None
    )
    everyone = np.arange(J)
    floor = power_floor(S)
    warm_all = {"mu": np.zeros((T, J)), "p": np.full_like(P, np.nan)}
    for it in range(1, max_iter + 1):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        sub = S if idx.size == T else S.take(idx)
        old = P[idx]
        ok = np.ones(idx.size, dtype=bool)
        warm = {k: v[idx] for k, v in warm_all.items()}
        if mode == "sequential":
            new = old.copy()
            for j in range(J):
                pj, okj, _ = best_responses(sub, new, kappa[idx], np.array([j]), warm)
                new[:, j] = pj[:, 0]
                ok &= okj
            target = new
        else:
            r_ = np.full(idx.size, prox) if mode == "proximal" else None
            target, ok, _ = best_responses(sub, old, kappa[idx], everyone, warm, rho=r_)
            new = (1.0 - damping) * old + damping * target if mode == "damped" else target
        for k, v in warm.items():
            warm_all[k][idx] = v
        change = np.linalg.norm((target - old).reshape(idx.size, -1), axis=1)
        base = np.maximum(np.linalg.norm(old.reshape(idx.size, -1), axis=1), floor[idx])
        rel = change / base
        P[idx] = np.where(ok[:, None, None], new, old)
        iters[idx] = np.where(ok, it, it - 1)
        if record:
            sec = secrecy_nats(sub, P[idx], True).sum(axis=2) / np.log(2.0)
        for r, t in enumerate(idx):
            if not ok[r]:
                status[t], msgs[t] = "solver_error", f"sweep {it}: a best response failed"
                active[t] = False
                continue
            change_h[t].append(float(rel[r]))
            if record:
                power_h[t].append(P[t].copy())
                sec_h[t].append(sec[r])
            if rel[r] < tol:
                status[t], msgs[t] = "converged", ""
                active[t] = False
    hist = []
    for t in range(T):
        h = {"change": np.asarray(change_h[t], dtype=float)}
        if record:
            h["power"] = np.asarray(power_h[t])
            h["secrecy"] = np.asarray(sec_h[t])
        hist.append(h)
    certs: list[Certificate | None] = [None] * T
    if certify:
        _alg1_certify(S, kappa, Alg1Run(P, iters, status, msgs, hist, certs), tol)
    return Alg1Run(P, iters, status, msgs, hist, certs)


def _alg1_certify(S: Stack, kappa, run: Alg1Run, tol: float) -> None:
    """Equilibrium certificates of the trials of ``run`` that met the stopping rule; their
    status becomes "stalled" where it fails. Fills ``run``'s lists and arrays in place."""
    P, status, msgs, certs = run.p, run.status, run.messages, run.certificates
    met = np.flatnonzero(status == "converged")
    if met.size:
        sub = S if met.size == S.T else S.take(met)
        vals = eq_residual(sub, P[met], kappa[met])
        for r, t in enumerate(met):
            certs[t] = alg1_certificate(vals[r], tol)
            status[t] = settle(True, certs[t])
            if status[t] != "converged":
                msgs[t] = (
                    f"stopping rule met after {run.iterations[t]} sweeps, but the equilibrium "
                    f"residual {vals[r]:.3g} exceeds {certs[t].tolerance:.3g}"
                )


def certify_met(S: Stack, status, msgs, measure, kind: str, failed: str) -> list:
    """GRNEP certificates (tolerance 1) of the trials whose stopping rule was met
    (``status == "converged"``).

    ``measure(sub, met)`` returns the values (one per trial of ``met``; ``sub`` holds those
    trials) and their details. Where a certificate fails, the status becomes "stalled" and
    the message ``f"{failed}: {detail}"``. Returns the list of certificates (None for the
    other trials); ``status`` and ``msgs`` are updated in place.
    """
    certs: list[Certificate | None] = [None] * S.T
    met = np.flatnonzero(status == "converged")
    if not met.size:
        return certs
    sub = S if met.size == S.T else S.take(met)
    values, details = measure(sub, met)
    for r, t in enumerate(met):
        certs[t] = Certificate(kind=kind, value=values[r], tolerance=1.0, detail=details[r])
        status[t] = settle(True, certs[t])
        if status[t] != "converged":
            msgs[t] = f"{failed}: {details[r]}"
    return certs


def ncp_residuals(S: Stack, P: np.ndarray, kappa: np.ndarray):
    """NCP (29) residuals at ``P`` (T, J, K), recomputed from the powers, per trial:
    ``max_n [ζ_n]^+ / I_n`` (feasibility) and ``max |ζ_n| / I_n`` over the MUEs with
    ``κ_n > 0`` (complementarity)."""
    z = S.zeta(P, True) / S.i_th
    feas = np.max(np.maximum(z, 0.0), axis=1)
    comp = np.max(np.where(kappa > 0, np.abs(z), 0.0), axis=1)
    return feas, comp


def grnep_value(feas, comp, tol: float, other, other_tol: float) -> np.ndarray:
    """Value of a GRNEP certificate (tolerance 1): the largest of the NCP residuals over
    ``tol`` and of ``other`` (an equilibrium measure) over ``other_tol``; NaN where
    ``other`` is."""
    val = np.maximum(np.maximum(feas, comp) / tol, other / other_tol)
    return np.where(np.isnan(other), np.nan, val)


def ncp_detail(feas: float, comp: float, tol: float) -> str:
    """The NCP part of the detail of a GRNEP certificate."""
    return (
        f"max of the NCP (29) residuals [ζ_n]^+/I_n = {feas:.2e} and (κ_n > 0) "
        f"|ζ_n|/I_n = {comp:.2e} over tol = {tol:.1e}"
    )


def priced_utility(S: Stack, P: np.ndarray, Q: np.ndarray, kappa: np.ndarray) -> np.ndarray:
    """Priced utility (27a) of every SBS ``j`` playing ``Q[:, j]`` against ``P[:, -j]``:
    robust secrecy (21) in nats minus ``Σ_n κ_n ζ_n`` (up to terms free of ``Q_j``).
    Shape (T, J)."""
    a, b = S.a(P), S.b(P, True)
    fin = np.isfinite(b)
    rate = np.log1p(Q * a) - np.log1p(Q * np.where(fin, b, 0.0))
    rate = np.where(fin | (Q == 0), np.maximum(rate, 0.0), 0.0).sum(axis=2)
    lin = np.einsum("tn,tnjk,tjk->tj", kappa, S.hm, Q)
    s = np.maximum((P**2).sum(axis=(1, 2))[:, None] - (P**2).sum(axis=2), 0.0)
    norm = np.sqrt(s + (Q**2).sum(axis=2))
    return rate - lin - (kappa * S.rm).sum(axis=1)[:, None] * norm


def utility_gap(S: Stack, P: np.ndarray, kappa: np.ndarray):
    """Nikaido-Isoda gap ``max_j [U_j(BR_j(p_{-j})) - U_j(p_j)]`` (nats, >= 0 up to
    rounding) with the exact best responses (33); NaN where a best response failed. Zero
    exactly at an equilibrium of the priced game, also where a best response is not unique
    (an SBS indifferent on a channel without secrecy)."""
    J = S.J
    br, ok, _ = best_responses(S, P, kappa, np.arange(J))
    gap = priced_utility(S, P, br, kappa) - priced_utility(S, P, P, kappa)
    return np.where(ok, np.maximum(gap.max(axis=1), 0.0), np.nan)
