"""Algorithm 1 (best-response iteration for the priced NEP) and Algorithm 2 (projection
algorithm for the price), with the robust and non-robust designs of the paper's Sec. VI-C.

Both algorithms run on a batch of networks at once (the players of one network and the
Monte Carlo trials of a figure share one NumPy call per best-response sweep); the public
functions take one network, :func:`solve_many` takes a list.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._validation import (
    as_array,
    as_generator,
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
    check_range,
)
from ..results import Certificate, IterativeResult, settle
from .core import Stack, network_list, stack
from .network import Network
from .response import _solve
from .robust import Evaluation, _secrecy, evaluate

__all__ = [
    "MODES",
    "SCHEMES",
    "NashResult",
    "PriceResult",
    "SchemeOutcome",
    "best_response",
    "initial_power",
    "price_iteration",
    "priced_equilibrium",
    "solve_many",
    "solve_scheme",
    "theorem6_step",
]

SCHEMES: dict[str, tuple[bool, bool]] = {
    "RS-RP": (True, True),
    "RS-NP": (True, False),
    "NS-NP": (False, False),
}
"""Designs compared in Figs. 6-7: (robust secrecy, robust MUE protection). ``"RS-RP"`` is
the paper's proposal; ``"RS-NP"`` ignores the MUE channel uncertainty; ``"NS-NP"`` ignores
both uncertainties."""

_BR_KKT_TOL = 1e-6
_P_FLOOR = 1e-9  # powers below this fraction of ||p_max|| count as zero in stopping tests
_CERT_FACTOR = 100.0  # equilibrium certificate tolerance: _CERT_FACTOR * tol ...
_CERT_MIN = 1e-6  # ... but not below this: cold best responses on near-flat utilities differ
# from warm ones by up to ~1e-7 (relative), the precision of an argmax there


# ------------------------------------------------------------------------- best responses
def _best_responses(
    S: Stack, P: np.ndarray, kappa: np.ndarray, players: np.ndarray, warm=None, rho=None
):
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
    sol = _solve(
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
    ok = np.all(np.isfinite(sol.p), axis=1) & (sol.kkt <= _BR_KKT_TOL)
    return sol.p.reshape(T, nb, K), ok.reshape(T, nb).all(axis=1), sol.kkt.reshape(T, nb)


def _check_kappa(net: Network, kappa, name: str = "kappa") -> np.ndarray:
    k = as_array(kappa, name, ndim=(0, 1))
    if k.ndim == 1 and k.shape != (net.n_mue,):
        raise ValueError(f"{name} must be a scalar or have shape ({net.n_mue},), got {k.shape}")
    k = np.broadcast_to(k, (net.n_mue,)).astype(float)
    return check_nonnegative(k, name)


def best_response(net: Network, p, j: int, kappa=0.0) -> np.ndarray:
    """Best response of SBS-``j`` (problem (33)) to the other SBSs' powers in ``p``.

    Parameters
    ----------
    net : Network
        The design network (its uncertainty sizes are the ones the SBS protects against).
    p : array_like, shape (J, K)
        Current powers (row ``j`` is ignored).
    j : int
        The SBS, ``0 <= j < J``.
    kappa : float or array_like, shape (N,)
        Prices ``κ_n >= 0`` (nats per W of worst-case interference).

    Returns
    -------
    ndarray, shape (K,)
        The optimal powers of SBS-``j`` (W).

    Raises
    ------
    ValueError
        For bad input, or if the exact solver's KKT residual exceeds 1e-6.

    References
    ----------
    Tang et al. (2021), eqs. (31) and (33).

    Examples
    --------
    >>> import numpy as np
    >>> from wiretap.smallcell import generate_network
    >>> net = generate_network(np.random.default_rng(0), n_sbs=3)
    >>> pj = best_response(net, np.full((3, 4), 0.25), 0)
    >>> bool(pj.sum() <= 1.0 + 1e-12 and pj.max() <= 0.5 + 1e-12)
    True
    """
    if not isinstance(net, Network):
        raise ValueError(f"net must be a Network, got {type(net).__name__}")
    P = net.check_power(p)
    j = check_int(j, "j", minimum=0, maximum=net.n_sbs - 1)
    k = _check_kappa(net, kappa)
    pj, ok, kkt = _best_responses(stack(net), P[None], k[None], np.array([j]))
    if not ok[0]:
        raise ValueError(f"exact best response failed: KKT residual {kkt.max():.3g}")
    return pj[0, 0]


def initial_power(net: Network, kind="zero", rng=None) -> np.ndarray:
    """Starting powers for Algorithm 1.

    Parameters
    ----------
    net : Network
    kind : {"zero", "full", "random"} or array_like (J, K)
        ``"zero"``: all zero; ``"full"``: the budget split equally over the channels (capped
        by the mask), as in Fig. 2; ``"random"``: a random feasible point (needs ``rng``).
    rng : numpy.random.Generator or int, optional

    Returns
    -------
    ndarray, shape (J, K)
    """
    if not isinstance(net, Network):
        raise ValueError(f"net must be a Network, got {type(net).__name__}")
    J, K = net.shape
    if isinstance(kind, str):
        check_choice(kind, "kind", ("zero", "full", "random"))
        if kind == "zero":
            return np.zeros((J, K))
        if kind == "full":
            return np.minimum(net.p_max[:, None] / K, net.p_mask[:, None]) * np.ones((J, K))
        gen = as_generator(rng)
        x = gen.uniform(0, 1, (J, K)) * net.p_mask[:, None]
        scale = np.minimum(1.0, net.p_max / np.maximum(x.sum(axis=1), 1e-300))
        return x * scale[:, None]
    P = net.check_power(kind, "kind")
    if not net.is_feasible(P):
        raise ValueError("kind (initial powers) must satisfy the mask and budget (1)")
    return P


# ------------------------------------------------------------------------- Algorithm 1
@dataclass(frozen=True, kw_only=True)
class NashResult(IterativeResult):
    """Outcome of Algorithm 1 (the priced NEP ``G_κ`` at fixed prices).

    Attributes
    ----------
    p : ndarray, shape (J, K)
        Last iterate (the equilibrium when ``status == "converged"``), W.
    kappa : ndarray, shape (N,)
        The prices used.
    mode : str
        One of ``wiretap.smallcell.MODES``.
    secrecy : ndarray, shape (J,)
        Robust secrecy rate of each SUE at ``p`` on the design network, bits/s/Hz.

    History
    -------
    ``"change"`` (``iterations``,): the relative fixed-point residual
    ``||T(p(t-1)) - p(t-1)|| / ||p(t-1)||`` of the iterated map ``T``
    (see :func:`priced_equilibrium`). It equals the step ``||p(t) - p(t-1)|| / ||p(t-1)||`` (the
    paper's stopping quantity) except for ``"damped"``, whose step is ``damping`` times it;
    ``"power"`` (``iterations + 1``, J, K) and ``"secrecy"`` (``iterations + 1``, J) when
    recorded, starting point included.

    Stopping rule: ``||T(p(t-1)) - p(t-1)|| < tol max(||p(t-1)||, 1e-9 ||p_max||)``: relative,
    with an absolute floor so that an iteration converging to silence (all powers -> 0, where
    a relative test never fires) stops too.

    Certificate: ``"equilibrium_residual"``, ``||BR(p) - p|| / max(||p||, 1e-9 ||p_max||)``
    with the exact best responses (33) solved afresh (cold start, no damping, no proximal
    term) at the returned ``p``; tolerance ``max(100 tol, 1e-6)`` (cold and warm-started
    solves of near-flat utilities differ by up to ~1e-7). ``"converged"`` means the stopping
    rule was met *and* the certificate holds; a met rule with a failing certificate gives
    ``"stalled"``.
    """

    p: np.ndarray
    kappa: np.ndarray
    mode: str
    secrecy: np.ndarray


def _power_floor(S: Stack) -> np.ndarray:
    """Absolute power scale of the stopping tests, per trial: ``_P_FLOOR ||p_max||`` (W)."""
    return _P_FLOOR * np.sqrt((S.p_max**2).sum(axis=1))


def _eq_residual(S: Stack, P: np.ndarray, kappa: np.ndarray):
    """Equilibrium residual of the priced NEP at ``P`` (T, J, K): the exact best responses,
    cold-started (no warm start, no proximal term), against the powers,
    ``||BR(P) - P|| / max(||P||, floor)``; NaN where a best response failed."""
    T, J, _ = P.shape
    br, ok, _ = _best_responses(S, P, kappa, np.arange(J))
    num = np.linalg.norm((br - P).reshape(T, -1), axis=1)
    den = np.maximum(np.linalg.norm(P.reshape(T, -1), axis=1), _power_floor(S))
    return np.where(ok, num / den, np.nan)


def _alg1_certificate(value: float, tol: float) -> Certificate:
    return Certificate(
        kind="equilibrium_residual",
        value=value,
        tolerance=_cert_tol(tol),
        detail="||BR(p) - p|| / max(||p||, 1e-9 ||p_max||) with cold-started exact best "
        "responses (33) at the returned powers",
    )


def _cert_tol(tol: float) -> float:
    """Tolerance of the equilibrium certificate for a stopping threshold ``tol``."""
    return max(_CERT_FACTOR * tol, _CERT_MIN)


def _alg1(S: Stack, kappa, P0, *, mode, tol, max_iter, record, damping=0.5, prox=0.1, certify=True):
    """Batched Algorithm 1; returns (P, iterations, status, messages, histories, certificates).

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
    T, J, _ = P0.shape
    P = P0.copy()
    active = np.ones(T, dtype=bool)
    iters = np.zeros(T, dtype=int)
    status = np.array(["max_iter"] * T, dtype=object)
    msgs = [f"no convergence within max_iter={max_iter} sweeps"] * T
    change_h: list[list[float]] = [[] for _ in range(T)]
    power_h = [[P0[t].copy()] for t in range(T)] if record else None
    sec_h = (
        [[_secrecy(S.take([t]), P0[t][None], True)[0].sum(1)] for t in range(T)] if record else None
    )
    everyone = np.arange(J)
    floor = _power_floor(S)
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
                pj, okj, _ = _best_responses(sub, new, kappa[idx], np.array([j]), warm)
                new[:, j] = pj[:, 0]
                ok &= okj
            target = new
        else:
            r_ = np.full(idx.size, prox) if mode == "proximal" else None
            target, ok, _ = _best_responses(sub, old, kappa[idx], everyone, warm, rho=r_)
            new = (1.0 - damping) * old + damping * target if mode == "damped" else target
        for k, v in warm.items():
            warm_all[k][idx] = v
        change = np.linalg.norm((target - old).reshape(idx.size, -1), axis=1)
        base = np.maximum(np.linalg.norm(old.reshape(idx.size, -1), axis=1), floor[idx])
        rel = change / base
        P[idx] = np.where(ok[:, None, None], new, old)
        iters[idx] = np.where(ok, it, it - 1)
        if record:
            sec = _secrecy(sub, P[idx], True).sum(axis=2) / np.log(2.0)
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
        met = np.flatnonzero(status == "converged")
        if met.size:
            sub = S if met.size == T else S.take(met)
            vals = _eq_residual(sub, P[met], kappa[met])
            for r, t in enumerate(met):
                certs[t] = _alg1_certificate(vals[r], tol)
                status[t] = settle(True, certs[t])
                if status[t] != "converged":
                    msgs[t] = (
                        f"stopping rule met after {iters[t]} sweeps, but the equilibrium "
                        f"residual {vals[r]:.3g} exceeds {certs[t].tolerance:.3g}"
                    )
    return P, iters, status, msgs, hist, certs


MODES = ("simultaneous", "sequential", "damped", "proximal")
"""Update rules of :func:`priced_equilibrium` (Algorithm 1 and our two variants)."""


def _check_alg1_args(mode, tol, max_iter, damping=0.5, prox=0.1, *, prefix=""):
    """Validated Algorithm 1 settings as the keyword dict of :func:`_alg1`.

    ``prefix`` is prepended to the names of ``tol`` and ``max_iter`` in error messages
    (``"inner_"`` when they are the inner settings of the pricing algorithm).
    """
    check_choice(mode, "mode", MODES)
    damping = check_range(as_array(damping, "damping", ndim=0), "damping", 0.0, 1.0, low_open=True)
    return {
        "mode": mode,
        "tol": float(check_positive(tol, f"{prefix}tol")),
        "max_iter": check_int(max_iter, f"{prefix}max_iter", minimum=1),
        "damping": float(damping),
        "prox": float(check_positive(as_array(prox, "prox", ndim=0), "prox")),
    }


def priced_equilibrium(
    net: Network,
    kappa=0.0,
    *,
    p_init="zero",
    mode: str = "simultaneous",
    tol: float = 1e-8,
    max_iter: int = 500,
    record: bool = True,
    rng=None,
    damping: float = 0.5,
    prox: float = 0.1,
) -> NashResult:
    """Algorithm 1: best-response iteration for the equilibrium of the priced NEP ``G_κ``.

    Every SBS answers with its exact best response (33): all at once on the previous
    profile (``"simultaneous"``, Jacobi, as printed in Alg. 1) or one after the other on
    the latest profile (``"sequential"``, Gauss-Seidel). Two variants of ours:
    ``"damped"`` moves a fraction ``damping`` of the way to the simultaneous best responses
    (Krasnosel'skii-Mann averaging); ``"proximal"`` answers, all at once, with the
    *proximal* best response: problem (33) minus ``(prox/2) ||p_j - p_j(t)||²``, with no
    power on channels without secrecy as in the exact best response (each SBS takes a
    proximal-point step on its own problem, cf. Facchinei and Pang 2003, Sec. 12.3). A
    fixed point of either map is a fixed point of the exact best responses, i.e. an
    equilibrium of ``G_κ``.

    Parameters
    ----------
    net : Network
        Design network (uncertainty sizes the SBSs protect against).
    kappa : float or array_like, shape (N,)
        Prices (nats/W), fixed during the iteration.
    p_init : {"zero", "full", "random"} or array_like (J, K)
        Starting point, see :func:`initial_power`.
    mode : {"simultaneous", "sequential", "damped", "proximal"}
    tol : float
        Threshold ``σ`` on the relative fixed-point residual ``||T(p) - p|| / ||p||``, with
        ``T`` the simultaneous best responses (``"simultaneous"``, ``"damped"``), one
        Gauss-Seidel sweep (``"sequential"``) or the proximal best responses
        (``"proximal"``), with ``||p||`` floored at ``1e-9 ||p_max||`` (see
        :class:`NashResult`). For simultaneous updates this is the printed
        ``||p(t) - p(t-1)|| / ||p(t-1)||``.
    max_iter : int
        Cap on sweeps.
    record : bool
        Keep the iterates and secrecy rates in the history.
    rng : numpy.random.Generator or int, optional
        Only for ``p_init="random"``.
    damping : float
        In ``(0, 1]``, for ``mode="damped"``.
    prox : float
        Proximal weight ``ρ > 0`` (nats/W²), for ``mode="proximal"``.

    Returns
    -------
    NashResult

    Raises
    ------
    ValueError
        For bad input, naming the argument (e.g. ``damping`` outside ``(0, 1]``, ``prox``
        not > 0).

    References
    ----------
    Tang et al. (2021), Algorithm 1, eqs. (30)-(33), Theorems 4-6.

    Examples
    --------
    >>> import numpy as np
    >>> from wiretap.smallcell import generate_network
    >>> net = generate_network(np.random.default_rng(2), n_sbs=4)
    >>> res = priced_equilibrium(net, kappa=0.0)
    >>> res.status, res.p.shape
    ('converged', (4, 4))
    """
    if not isinstance(net, Network):
        raise ValueError(f"net must be a Network, got {type(net).__name__}")
    k = _check_kappa(net, kappa)
    inner = _check_alg1_args(mode, tol, max_iter, damping, prox)
    P0 = initial_power(net, p_init, rng)
    t0 = time.perf_counter()
    S = stack(net)
    P, iters, status, msgs, hist, certs = _alg1(S, k[None], P0[None], record=record, **inner)
    return NashResult(
        certificate=certs[0],
        p=P[0],
        kappa=k,
        mode=mode,
        secrecy=_secrecy(S, P[:1], True)[0].sum(axis=1) / np.log(2.0),
        status=str(status[0]),
        iterations=int(iters[0]),
        history=hist[0],
        elapsed=time.perf_counter() - t0,
        message=msgs[0],
    )


# ------------------------------------------------------------------------- Algorithm 2
@dataclass(frozen=True, kw_only=True)
class PriceResult(IterativeResult):
    """Outcome of Algorithm 2 (prices by projection, equilibria by Algorithm 1).

    Attributes
    ----------
    p : ndarray, shape (J, K)
        Equilibrium powers at the last price (W).
    kappa : ndarray, shape (N,)
        Last price (nats/W).
    zeta : ndarray, shape (N,)
        ``ζ_n(p)`` on the design network (W): <= 0 means the (design) constraint holds.
    step_rule : str
        ``"adaptive"``, ``"theorem6"`` or ``"fixed"``.
    inner_iterations : int
        Total best-response sweeps of Algorithm 1 over all price iterations.

    History
    -------
    ``"kappa"`` (``iterations + 1``, N), ``"zeta"`` (``iterations + 1``, N),
    ``"inner_iterations"`` (``iterations + 1``,), ``"step"`` (``iterations``, N) and
    ``"rel_change"`` (``iterations``,) = ``||κ(τ) - κ(τ-1)|| / ||κ(τ-1)||``.

    Stopping rule: the NCP (29) holds to ``tol``: ``ζ_n <= tol I_n^th`` for every MUE and
    ``ζ_n >= -tol I_n^th`` wherever ``κ_n > 0``.

    Certificate: ``"grnep_residual"`` (Theorem 3), the largest of ``[ζ_n]^+ / (tol I_n)``,
    ``|ζ_n| / (tol I_n)`` over MUEs with ``κ_n > 0`` (both recomputed at the returned ``p``)
    and the equilibrium residual of Algorithm 1's certificate over its tolerance
    ``max(100 inner_tol, 1e-6)``; tolerance 1. A design above an interference limit is
    therefore never ``"converged"``. ``"stalled"``: the certificate failed although the rule
    was met, or (several MUEs) the Newton method on the prices found no better price.
    """

    p: np.ndarray
    kappa: np.ndarray
    zeta: np.ndarray
    step_rule: str
    inner_iterations: int


def theorem6_step(net: Network, c_sm: float, *, fraction: float = 0.9) -> float:
    """Constant step of Algorithm 2 allowed by Theorem 6: ``fraction * 2 c_sm / L^2``.

    ``L = sqrt(Σ_n (||ĥ_n|| + sqrt(e_n))^2)`` bounds ``||∇_p ζ(p)||`` over all ``p`` (it is
    exact for one MUE, where the gradient ``ĥ_n + sqrt(e_n) p/||p||`` is longest for ``p``
    along ``ĥ_n``).

    Parameters
    ----------
    net : Network
    c_sm : float
        Strong-monotonicity constant of the VI map, e.g. ``upsilon(net).lambda_min``
        (nats/W²). Must be > 0: Theorem 6 gives no step otherwise.
    fraction : float
        In (0, 1): how close to the bound.

    Returns
    -------
    float
        Step ``ϱ`` in nats/W².

    References
    ----------
    Tang et al. (2021), Theorem 6 and App. E.
    """
    if not isinstance(net, Network):
        raise ValueError(f"net must be a Network, got {type(net).__name__}")
    c = float(as_array(c_sm, "c_sm", ndim=0, finite=False))
    if np.isnan(c) or c == np.inf:
        raise ValueError(f"c_sm must be a finite number, got {c}")
    if c <= 0:
        raise ValueError(
            f"c_sm must be > 0 for Theorem 6 to give a step (got {c:.3g}): the uniqueness "
            "condition of Theorem 2 does not hold for this network"
        )
    fr = float(check_range(fraction, "fraction", 0.0, 1.0, low_open=True, high_open=True))
    L2 = float(
        np.sum((np.linalg.norm(net.hm.reshape(net.n_mue, -1), axis=1) + np.sqrt(net.e_mue)) ** 2)
    )
    return fr * 2.0 * c / L2


def _alg2(S, kappa0, P0, *, step, rho, tol, max_iter, inner):
    """Batched Algorithm 2. ``rho`` (T,) is the constant step for ``step == "fixed"``;
    ``inner``: the keyword settings of :func:`_alg1`."""
    T, N = kappa0.shape
    kappa = kappa0.copy()
    P = P0.copy()
    active = np.ones(T, dtype=bool)
    status = np.array(["max_iter"] * T, dtype=object)
    msgs = [f"NCP residual above tol after max_iter={max_iter} price updates"] * T
    iters = np.zeros(T, dtype=int)
    hk = [[kappa[t].copy()] for t in range(T)]
    hz: list[list] = [[] for _ in range(T)]
    hin: list[list] = [[] for _ in range(T)]
    hstep: list[list] = [[] for _ in range(T)]
    hrel: list[list] = [[] for _ in range(T)]
    # adaptive-step state per trial and MUE: a bracket [lo, hi] with ζ(lo) > 0 >= ζ(hi)
    brk = {
        "lo": np.zeros((T, N)),
        "zlo": np.full((T, N), np.nan),
        "hi": np.full((T, N), np.inf),
        "zhi": np.full((T, N), np.nan),
        "side": np.zeros((T, N), dtype=int),
    }
    hm_norm = np.linalg.norm(S.hm.reshape(T, N, -1), axis=2)
    rho0 = 1.0 / (hm_norm**2 * ((S.p_max**2).sum(axis=1) / S.K)[:, None])
    kbar = rho0 * S.i_th  # natural price scale per MUE (nats/W)
    # state of the Newton method on the prices (several MUEs): the accepted point, its
    # residual, the direction and the step length being tried
    nst = {
        "base": np.full((T, N), np.nan),
        "merit": np.full(T, np.inf),
        "dir": np.zeros((T, N)),
        "t": np.ones(T),
        "fails": np.zeros(T, dtype=int),
        "kmax": np.zeros(T),
        "fac": np.full((T, N), 4.0),
        "fsgn": np.zeros((T, N)),
        "zbase": np.zeros((T, N)),
    }
    for it in range(max_iter + 1):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        sub = S if idx.size == T else S.take(idx)
        Pi, its, st, ms, _, _ = _alg1(sub, kappa[idx], P[idx], record=False, certify=False, **inner)
        P[idx] = Pi
        z = sub.zeta(Pi, True)
        ith = sub.i_th
        for r, t in enumerate(idx):
            hz[t].append(z[r].copy())
            hin[t].append(int(its[r]))
            iters[t] = it
        failed = st != "converged"
        for r in np.flatnonzero(failed):
            t = idx[r]
            status[t] = "max_iter" if st[r] == "max_iter" else "solver_error"
            msgs[t] = f"price iteration {it}: Algorithm 1 stopped ({st[r]}: {ms[r]})"
            active[t] = False
        ok = ~failed
        feas = np.all(z <= tol * ith, axis=1)
        comp = np.all((kappa[idx] == 0) | (z >= -tol * ith), axis=1)
        done = ok & feas & comp
        for r in np.flatnonzero(done):
            status[idx[r]], msgs[idx[r]] = "converged", ""
            active[idx[r]] = False
        if it == max_iter:
            break
        upd = ok & ~done
        if not upd.any():
            continue
        rows = np.flatnonzero(upd)
        t_ = idx[rows]
        k_now, z_now = kappa[t_], z[rows]
        if step == "adaptive" and N >= 2:
            sub_u = sub.take(rows)
            k_next, stuck = _newton_price(t_, k_now, z_now, sub_u, P[t_], nst, kbar, inner)
            for r in np.flatnonzero(stuck):
                t = t_[r]
                status[t], active[t] = "stalled", False
                msgs[t] = (
                    f"price iteration {it}: no price along the Newton direction of the NCP "
                    f"(29) lowers its residual (ζ/I_th = {np.round(z_now[r] / ith[rows[r]], 4)})"
                )
            with np.errstate(divide="ignore", invalid="ignore"):
                rho_t = np.where(z_now != 0, (k_next - k_now) / z_now, 0.0)
        elif step == "adaptive":
            k_new = _adaptive_price(t_, k_now, z_now, brk, rho0)
            with np.errstate(divide="ignore", invalid="ignore"):
                rho_t = np.where(z_now != 0, (k_new - k_now) / z_now, 0.0)
            k_next = np.maximum(k_now + rho_t * z_now, 0.0)
        else:
            rho_t = np.broadcast_to(rho[t_][:, None], k_now.shape)
            k_next = np.maximum(k_now + rho_t * z_now, 0.0)
        nk = np.linalg.norm(k_now, axis=1)
        rel = np.divide(
            np.linalg.norm(k_next - k_now, axis=1), nk, out=np.full(len(rows), np.inf), where=nk > 0
        )
        kappa[t_] = k_next
        for r, t in enumerate(t_):
            hk[t].append(k_next[r].copy())
            hstep[t].append(np.asarray(rho_t[r], dtype=float).copy())
            hrel[t].append(float(rel[r]))
    out = []
    for t in range(T):
        n_it = len(hz[t]) - 1
        out.append(
            {
                "kappa": np.asarray(hk[t][: n_it + 1]),
                "zeta": np.asarray(hz[t]),
                "inner_iterations": np.asarray(hin[t], dtype=int),
                "step": np.asarray(hstep[t][:n_it], dtype=float).reshape(n_it, N),
                "rel_change": np.asarray(hrel[t][:n_it], dtype=float),
            }
        )
    certs = _alg2_certificates(S, kappa, P, status, msgs, tol, inner["tol"])
    return kappa, P, iters, status, msgs, out, certs


def _alg2_certificates(S, kappa, P, status, msgs, tol, inner_tol):
    """GRNEP certificates (Theorem 3) of the trials whose stopping rule was met; their status
    becomes "stalled" where the certificate fails. Returns a list (None elsewhere)."""
    T = S.T
    certs: list[Certificate | None] = [None] * T
    met = np.flatnonzero(status == "converged")
    if not met.size:
        return certs
    sub = S if met.size == T else S.take(met)
    z = sub.zeta(P[met], True) / sub.i_th  # recomputed at the returned powers
    feas = np.max(np.maximum(z, 0.0), axis=1)
    comp = np.max(np.where(kappa[met] > 0, np.abs(z), 0.0), axis=1)
    eq = _eq_residual(sub, P[met], kappa[met])
    eq_tol = _cert_tol(inner_tol)
    val = np.maximum(np.maximum(feas, comp) / tol, eq / eq_tol)
    val = np.where(np.isnan(eq), np.nan, val)
    for r, t in enumerate(met):
        certs[t] = Certificate(
            kind="grnep_residual",
            value=val[r],
            tolerance=1.0,
            detail=(
                f"max of the NCP (29) residuals [ζ_n]^+/I_n = {feas[r]:.2e} and (κ_n > 0) "
                f"|ζ_n|/I_n = {comp[r]:.2e} over tol = {tol:.1e}, and the equilibrium residual "
                f"||BR(p) - p||/||p|| = {eq[r]:.2e} over {eq_tol:.1e} (Theorem 3)"
            ),
        )
        status[t] = settle(True, certs[t])
        if status[t] != "converged":
            msgs[t] = f"NCP (29) met, but the GRNEP certificate fails: {certs[t].detail}"
    return certs


_TR = 8.0  # largest factor by which one Newton step may change a price
_LS_MAX = 6  # halvings of the Newton step on the prices before a per-price step
_LS_FAILS = 5  # failed line searches before "stalled"


def _price_fallback(k, z, kb, fac, sgn):
    """Each price alone (no Jacobian): up by the factor ``fac`` where ``ζ > 0`` (from 0: to
    ``κ̄``), down by it where ``ζ < 0``. ``fac`` (N,) starts at 4 and is square-rooted each time
    the sign of ``ζ_n`` differs from the last fallback's (``sgn``): a bisection in ``log κ``
    that cannot cycle between two prices. ``fac`` and ``sgn`` are updated in place.
    Returns the change of ``k``."""
    now = np.sign(z)
    flip = (sgn != 0) & (now != 0) & (now != sgn)
    fac[flip] = np.sqrt(fac[flip])
    sgn[now != 0] = now[now != 0]
    up = np.where(k > 0, fac * k, kb)
    return np.where(z > 0, up - k, np.where(k > 0, k / fac - k, 0.0))


def _ncp_residual(k, z, kbar, ith):
    """Min-map of the NCP (29), ``min(κ_n / κ̄_n, -ζ_n / I_n)``: zero exactly at a solution."""
    return np.minimum(k / kbar, -z / ith)


def _newton_price(t_, k, z, S, P, nst, kbar, inner):
    """Next prices of the semismooth Newton method on the NCP (29), several MUEs.

    The residual ``Φ(κ) = min(κ/κ̄, -ζ(p*(κ))/I)`` (per MUE, κ̄ the natural price scale) is
    zero exactly at a solution. At an accepted point, ``J = ∂ζ/∂κ`` is estimated by forward
    differences (one Algorithm 1 run per MUE, warm-started at ``P``); MUEs whose price term
    is the smaller one get ``Δκ_n = -κ_n``, the others the Newton equation
    ``ζ + J Δκ = 0``. A trial point ``[κ + tΔκ]^+`` is accepted when ``||Φ||`` falls by the
    factor ``1 - 1e-4 t``, else ``t`` is halved (at most ``_LS_MAX`` times: then the row is
    reported stuck). Where ``J`` is singular or gives no descent direction (the price has no
    effect, e.g. every SBS silent), each price moves alone: up by 4 where ``ζ > 0``, down by
    4 where ``ζ < 0``.

    Returns ``(k_next, stuck)`` for the rows ``t_`` (trial indices into ``nst``).
    """
    R, N = k.shape
    # price scale: the natural one, or the largest price met so far when that is larger
    nst["kmax"][t_] = np.maximum(nst["kmax"][t_], k.max(axis=1))
    kb, ith = np.maximum(kbar[t_], nst["kmax"][t_][:, None]), S.i_th
    phi = _ncp_residual(k, z, kb, ith)
    merit = np.linalg.norm(phi, axis=1)
    base, bm, d, tt = nst["base"][t_], nst["merit"][t_], nst["dir"][t_], nst["t"][t_]
    has = np.all(np.isfinite(base), axis=1)
    accept = ~has | (merit <= (1.0 - 1e-4 * tt) * bm)
    k_next = np.empty_like(k)
    stuck = np.zeros(R, dtype=bool)
    rej = np.flatnonzero(~accept)
    if rej.size:
        tt[rej] *= 0.5
        k_next[rej] = np.maximum(base[rej] + tt[rej, None] * d[rej], 0.0)
        # the line search failed: take the per-price step from the base point instead
        lsf = rej[tt[rej] < 0.5**_LS_MAX]
        fails = nst["fails"][t_]
        fails[lsf] += 1
        stuck[lsf] = fails[lsf] > _LS_FAILS
        for r in lsf:
            t = t_[r]
            dk = _price_fallback(base[r], nst["zbase"][t], kb[r], nst["fac"][t], nst["fsgn"][t])
            k_next[r] = np.maximum(base[r] + dk, 0.0)
        base[lsf], bm[lsf] = np.nan, np.inf
        nst["fails"][t_] = fails
    acc = np.flatnonzero(accept)
    if acc.size:
        nst["zbase"][t_[acc]] = z[acc]
        base[acc], bm[acc], tt[acc] = k[acc], merit[acc], 1.0
        # forward differences: R_a * N runs of Algorithm 1 in one batch
        ka, za = k[acc], z[acc]
        h = 1e-3 * np.maximum(ka, 1e-3 * kb[acc])  # (A, N)
        rep = np.repeat(acc, N)
        kp = np.repeat(ka, N, axis=0)
        kp[np.arange(acc.size * N), np.tile(np.arange(N), acc.size)] += h.ravel()
        sub = S.take(rep)
        Pp, _, st, _, _, _ = _alg1(sub, kp, P[rep], record=False, certify=False, **inner)
        zp = sub.zeta(Pp, True).reshape(acc.size, N, N)  # [row, perturbed n, MUE m]
        Jac = np.transpose((zp - za[:, None, :]) / h[:, :, None], (0, 2, 1))  # ∂ζ_m/∂κ_n
        fd_ok = np.all((st == "converged").reshape(acc.size, N), axis=1)
        dirs = np.zeros((acc.size, N))
        good = np.zeros(acc.size, dtype=bool)
        for r in range(acc.size):
            pa = ka[r] / kb[acc[r]] <= -za[r] / ith[acc[r]]  # price branch of the min
            dr = np.where(pa, -ka[r], 0.0)
            fr = ~pa
            if fd_ok[r] and fr.any():
                Jff = Jac[r][np.ix_(fr, fr)]
                rhs = -za[r][fr] - Jac[r][np.ix_(fr, pa)] @ dr[pa]
                try:
                    dr[fr] = np.linalg.solve(Jff, rhs)
                    good[r] = np.all(np.isfinite(dr)) and np.all(np.diag(Jff) < 0)
                except np.linalg.LinAlgError:
                    good[r] = False
                # trust region: a free price moves by at most a factor _TR (p*(κ) has kinks,
                # where a difference quotient can point far away)
                cap = np.where(ka[r] > 0, ka[r], np.maximum(kb[acc[r]], ka[r].max()))
                lo_ = np.where(ka[r] > 0, ka[r] / _TR - ka[r], 0.0)
                dr = np.where(fr, np.clip(dr, lo_, _TR * cap - ka[r]), dr)
                # a violated constraint must not see its price fall, nor a step be empty
                good[r] &= bool(np.all(dr[fr & (za[r] > 0)] >= 0) and np.any(dr != 0))
            elif not fr.any():
                good[r] = True
            if not good[r]:
                t = t_[acc[r]]
                dr = _price_fallback(ka[r], za[r], kb[acc[r]], nst["fac"][t], nst["fsgn"][t])
            dirs[r] = dr
        d[acc] = dirs
        k_next[acc] = np.maximum(ka + dirs, 0.0)
        # a fallback step is taken whatever the residual does: restart the line search
        bm[acc[~good]] = np.inf
        base[acc[~good]] = np.nan
    nst["base"][t_], nst["merit"][t_], nst["dir"][t_], nst["t"][t_] = base, bm, d, tt
    return k_next, stuck


def _adaptive_price(t_, k, z, brk, rho0):
    """Next price of the variable-step rule for trials ``t_`` (rows), per MUE.

    Keeps a bracket ``lo < κ* <= hi`` from the signs of ``ζ``; expands by a factor 4 until
    an upper end is found, then takes the regula-falsi point of the bracket (Illinois
    variant) when the bracket spans less than a decade, and its geometric midpoint
    otherwise.
    """
    lo, zlo, hi, zhi, side = (brk[k_][t_] for k_ in ("lo", "zlo", "hi", "zhi", "side"))
    pos = z > 0
    # update the bracket with the new point; Illinois: halve the stale end's value
    new_side = np.where(pos, -1, 1)
    zhi = np.where(pos & (side == -1), 0.5 * zhi, zhi)
    zlo = np.where(~pos & (side == 1), 0.5 * zlo, zlo)
    lo = np.where(pos, np.maximum(lo, k), lo)
    zlo = np.where(pos, z, zlo)
    hi = np.where(~pos, np.minimum(hi, k), hi)
    zhi = np.where(~pos, z, zhi)
    side = new_side
    no_hi = ~np.isfinite(hi)
    expand = np.where(k > 0, 4.0 * k, rho0[t_] * z)
    with np.errstate(divide="ignore", invalid="ignore"):
        rf = lo - zlo * (hi - lo) / (zhi - zlo)
        geo = np.where(lo > 0, np.sqrt(lo * hi), hi / 8.0)
    narrow = (lo > 0) & (hi <= 10.0 * lo)
    inside = np.isfinite(rf) & (rf > lo) & (rf < hi)
    k_new = np.where(no_hi, expand, np.where(narrow & inside, rf, geo))
    # ζ <= 0 and no price with ζ > 0 seen yet: try the zero price (the constraint may be
    # inactive), i.e. the projection [κ + ϱζ]^+ with a long step
    k_new = np.where(~pos & np.isnan(zlo), 0.0, k_new)
    for k_, v in (("lo", lo), ("zlo", zlo), ("hi", hi), ("zhi", zhi), ("side", side)):
        brk[k_][t_] = v
    return k_new


def _price_args(step, tol, max_iter, inner_tol, inner_max_iter, mode, damping, prox):
    if isinstance(step, str):
        check_choice(step, "step", ("adaptive", "theorem6"))
    else:
        check_positive(step, "step")
    tol = float(check_positive(tol, "tol"))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    inner = _check_alg1_args(mode, inner_tol, inner_max_iter, damping, prox, prefix="inner_")
    return tol, max_iter, inner


def price_iteration(
    net: Network,
    *,
    kappa0=0.0,
    step="adaptive",
    tol: float = 1e-6,
    max_iter: int = 200,
    p_init="zero",
    inner_tol: float = 1e-10,
    inner_max_iter: int = 1000,
    mode: str = "simultaneous",
    c_sm: float | None = None,
    damping: float = 0.5,
    prox: float = 0.1,
) -> PriceResult:
    """Algorithm 2: projection algorithm for the prices, Algorithm 1 inside.

    ``κ(τ) = [κ(τ-1) + ϱ_τ ζ(p*(κ(τ-1)))]^+`` where ``p*(κ)`` is the equilibrium of the
    priced NEP (Algorithm 1, warm-started at the previous equilibrium).

    Step rules
    ----------
    ``"adaptive"`` (default)
        A variable step (the paper's "variable-step projection"). One MUE: the secant of
        ``κ -> ζ(p*(κ))`` through the last two prices, kept inside the bracket of prices
        known to be too low / too high (bisection otherwise). Several MUEs: each price
        moves the others' constraints, so one bracket per MUE goes stale; the NCP (29) is
        solved instead by a semismooth Newton method on ``min(κ_n/κ̄_n, -ζ_n/I_n)`` with a
        finite-difference Jacobian ``∂ζ/∂κ`` (``N`` extra runs of Algorithm 1 per
        accepted point), a trust region (a price changes by at most a factor 8 per step),
        backtracking on the residual norm, and per-price steps in ``log κ`` (a bisection)
        where the Jacobian is of no use. Fast in practice; Theorem 6 does not cover it.
    ``"theorem6"``
        The constant step :func:`theorem6_step` with ``c_sm`` (default: the box bound
        ``upsilon(net).lambda_min``; a ``ValueError`` when that is not positive).
    float
        A constant step ``ϱ`` (nats/W²).

    Parameters
    ----------
    net : Network
        Design network.
    kappa0 : float or array_like, shape (N,)
        Starting price.
    step : {"adaptive", "theorem6"} or float
    tol : float
        NCP tolerance relative to ``I_n^th`` (see :class:`PriceResult`).
    max_iter : int
        Cap on price updates.
    p_init : see :func:`initial_power`
    inner_tol, inner_max_iter, mode, damping, prox
        Algorithm 1 settings, see :func:`priced_equilibrium`.
    c_sm : float, optional
        Strong-monotonicity constant for ``step="theorem6"``.

    Returns
    -------
    PriceResult

    References
    ----------
    Tang et al. (2021), Algorithm 2, eqs. (25)-(29), Theorems 3 and 6.

    Examples
    --------
    >>> import numpy as np
    >>> from wiretap.smallcell import generate_network
    >>> net = generate_network(np.random.default_rng(5), n_sbs=4)
    >>> res = price_iteration(net)
    >>> res.status, bool(res.zeta[0] <= 1e-6 * net.i_th[0])
    ('converged', True)
    """
    if not isinstance(net, Network):
        raise ValueError(f"net must be a Network, got {type(net).__name__}")
    k0 = _check_kappa(net, kappa0, "kappa0")
    tol, max_iter, inner = _price_args(
        step, tol, max_iter, inner_tol, inner_max_iter, mode, damping, prox
    )
    rho = np.zeros(1)
    rule = "adaptive"
    if not isinstance(step, str):
        rule, rho = "fixed", np.array([float(step)])
    elif step == "theorem6":
        if c_sm is None:
            from .analysis import upsilon

            c_sm = upsilon(net).lambda_min
        rule, rho = "theorem6", np.array([theorem6_step(net, c_sm)])
    P0 = initial_power(net, p_init)
    t0 = time.perf_counter()
    kappa, P, iters, status, msgs, hist, certs = _alg2(
        stack(net),
        k0[None],
        P0[None],
        step="adaptive" if rule == "adaptive" else "fixed",
        rho=rho,
        tol=tol,
        max_iter=max_iter,
        inner=inner,
    )
    return PriceResult(
        certificate=certs[0],
        p=P[0],
        kappa=kappa[0],
        zeta=hist[0]["zeta"][-1],
        step_rule=rule,
        inner_iterations=int(hist[0]["inner_iterations"].sum()),
        status=str(status[0]),
        iterations=int(iters[0]),
        history=hist[0],
        elapsed=time.perf_counter() - t0,
        message=msgs[0],
    )


def _design(net: Network, scheme: str) -> Network:
    check_choice(scheme, "scheme", tuple(SCHEMES))
    rs, rp = SCHEMES[scheme]
    return net.nominal(secrecy=not rs, protection=not rp)


def solve_many(
    nets: Sequence[Network],
    scheme: str = "RS-RP",
    *,
    tol: float = 1e-6,
    max_iter: int = 200,
    p_init="zero",
    inner_tol: float = 1e-10,
    inner_max_iter: int = 1000,
    mode: str = "simultaneous",
    damping: float = 0.5,
    prox: float = 0.1,
) -> list[PriceResult]:
    """Algorithm 2 (adaptive step) on many networks of equal size in one batch.

    Each network is first turned into the design network of ``scheme`` (see
    ``wiretap.smallcell.SCHEMES``); the results are those of :func:`price_iteration` run on
    each, but the best responses of all networks share NumPy calls.

    Parameters
    ----------
    nets : sequence of Network
        Same ``(J, K, N)``.
    scheme : {"RS-RP", "RS-NP", "NS-NP"}
    tol, max_iter, p_init, inner_tol, inner_max_iter, mode, damping, prox
        As in :func:`price_iteration` (``p_init`` must be a string here).

    Returns
    -------
    list of PriceResult
    """
    check_choice(scheme, "scheme", tuple(SCHEMES))
    nets = network_list(nets)
    tol, max_iter, inner = _price_args(
        "adaptive", tol, max_iter, inner_tol, inner_max_iter, mode, damping, prox
    )
    if not isinstance(p_init, str) or p_init == "random":
        raise ValueError("p_init must be 'zero' or 'full' in solve_many")
    designs = [_design(n, scheme) for n in nets]
    S = stack(designs)
    P0 = np.stack([initial_power(d, p_init) for d in designs])
    t0 = time.perf_counter()
    kappa, P, iters, status, msgs, hist, certs = _alg2(
        S,
        np.zeros((S.T, S.N)),
        P0,
        step="adaptive",
        rho=np.zeros(S.T),
        tol=tol,
        max_iter=max_iter,
        inner=inner,
    )
    el = (time.perf_counter() - t0) / S.T
    return [
        PriceResult(
            certificate=certs[t],
            p=P[t],
            kappa=kappa[t],
            zeta=hist[t]["zeta"][-1],
            step_rule="adaptive",
            inner_iterations=int(hist[t]["inner_iterations"].sum()),
            status=str(status[t]),
            iterations=int(iters[t]),
            history=hist[t],
            elapsed=el,
            message=msgs[t],
        )
        for t in range(S.T)
    ]


@dataclass(frozen=True)
class SchemeOutcome:
    """A design solved on its design network and judged on the true one.

    Attributes
    ----------
    scheme : str
        ``"RS-RP"``, ``"RS-NP"`` or ``"NS-NP"``.
    result : PriceResult
        Algorithm 2 on the design network.
    evaluation : Evaluation
        Worst-case performance on the network with its full uncertainty.
    """

    scheme: str
    result: PriceResult
    evaluation: Evaluation


def solve_scheme(net: Network, scheme: str = "RS-RP", **kwargs) -> SchemeOutcome:
    """Solve one design of Figs. 6-7 and evaluate it under the worst case.

    Parameters
    ----------
    net : Network
        The true network (with its uncertainty sizes).
    scheme : {"RS-RP", "RS-NP", "NS-NP"}
    **kwargs
        Passed to :func:`price_iteration`.

    Returns
    -------
    SchemeOutcome

    References
    ----------
    Tang et al. (2021), Sec. VI-C.
    """
    if not isinstance(net, Network):
        raise ValueError(f"net must be a Network, got {type(net).__name__}")
    res = price_iteration(_design(net, scheme), **kwargs)
    return SchemeOutcome(scheme=scheme, result=res, evaluation=evaluate(net, res.p))
