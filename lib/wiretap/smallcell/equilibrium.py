"""Variational equilibria of the GRNEP on every network: a semismooth Newton method on the
KKT system of the VI, with multistarts.

Algorithm 1 (best responses at a fixed price) can cycle on Table I networks, and Algorithm 2
then never returns. This module solves the same game without following the best responses.
It writes the KKT conditions of the VI (19)-(20) (each SBS's problem (15), with one multiplier
``κ_n`` per MUE shared by all SBSs: the priced game (27) together with the NCP (26)) as one
complementarity problem, and solves it by a semismooth Newton method on the
Fischer-Burmeister reformulation, globalized by a projected Armijo line search with
Levenberg-Marquardt and scaled-gradient fallbacks. Its solutions are the *variational*
equilibria of the GRNEP (Theorem 3). Every answer is certified at the returned point by the
NCP (29) residuals and the Nikaido-Isoda gap of the priced game, computed with the exact best
responses (33).

The complementarity system, per SBS ``j``, channel ``k`` and MUE ``n``::

    0 <= p_j(k)    ⊥  -∂C̄_j/∂p_j(k) + Σ_n κ_n ∂ζ_n/∂p_j(k) + μ_j + ν_j(k) >= 0
    0 <= ν_j(k)    ⊥  p_j^msk - p_j(k) >= 0
    0 <= μ_j       ⊥  p_j^max - Σ_k p_j(k) >= 0
    0 <= κ_n       ⊥  -ζ_n(p) >= 0

Each power row is multiplied by a positive weight, ``(1/a + p)(1/b + p) b`` on a channel with
secrecy, which turns ``-∂C̄_j/∂p_j(k)`` into ``b/a - 1`` (a row nearly linear in the powers,
as in the best-response solver). On a channel without secrecy (``a_j(k) <= b_j(k)``) the
robust rate is zero whatever the power, and the exact best response puts no power there. The
first phase uses the surrogate ``1 - a/b >= 0`` (weighted) there, which forces ``p_j(k) = 0``
and joins the other side with a continuous derivative; a run that fails continues on the VI
itself (gradient zero there), whose solutions include equilibria in which an SBS keeps power
on such a channel, indifferent between all powers there.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._validation import as_generator, check_choice, check_int, check_positive
from ..results import IterativeResult
from ._mcp import FTOL, MCP, newton, start_vectors
from ._nash import (
    SCHEMES,
    certify_met,
    design,
    eq_residual,
    grnep_value,
    ncp_detail,
    ncp_residuals,
    utility_gap,
)
from .algorithms import initial_power
from .core import Stack, check_kappa, network_list, stack
from .network import Network

__all__ = [
    "EquilibriumSet",
    "VIResult",
    "distinct_equilibria",
    "vi_equilibria",
    "vi_equilibrium",
    "vi_many",
]

_LOOSE = 1e-6  # a run that stalls below this residual is handed to the certificate
_REGULAR = 1e-5  # br_distance at or below which a certified equilibrium is "regular"
_SNAP = 1e-8  # entries below this on the zero side of their pair are set to 0 at the end
_GAP_TOL = 1e-9  # Nikaido-Isoda gap (nats per SBS) below which a profile is an equilibrium


@dataclass(frozen=True, kw_only=True)
class VIResult(IterativeResult):
    """Outcome of :func:`vi_equilibrium`: a variational equilibrium of the GRNEP and its
    price.

    Attributes
    ----------
    p : ndarray, shape (J, K)
        Powers (W).
    kappa : ndarray, shape (N,)
        Prices, the multipliers of the worst-case interference constraints (nats/W).
    mu : ndarray, shape (J,)
        Multipliers of the power budgets (nats/W).
    zeta : ndarray, shape (N,)
        ``ζ_n(p)`` on the design network (W).
    start : str
        Which starting point this run used (``"given"`` for a pair ``(p, κ)``).
    formulation : str
        ``"tie-break"``: solved on the system that pushes power off channels without
        secrecy; ``"exact"``: that run failed and its continuation on the VI itself
        succeeded (see :func:`vi_equilibrium`).
    br_distance : float
        ``||BR(p) - p|| / max(||p||, 1e-9 ||p_max||)`` with the exact best responses (33)
        and their rule "no power on a channel without secrecy" (NaN unless the stopping
        rule was met). Small at a fixed point of Algorithm 1; large at an equilibrium
        where an SBS is indifferent: it puts power on a channel with ``a_j(k) = b_j(k)``,
        where any power is a best response.

    Notes
    -----
    History: ``"merit"``, the Fischer-Burmeister residual ``max_i |φ(z_i, H_i(z))|`` (scaled
    units) at every iterate, of both phases when the run continued on the VI itself;
    ``"step"``, the step taken at each iteration: 2 Newton, 1 Levenberg-Marquardt, 0 scaled
    projected gradient.

    Stopping rule: the residual is at most 1e-11, or the iteration stops making progress
    (the residual does not halve in 20 iterations) at a residual of at most 1e-6.
    Certificate: ``"grnep_gap"``, tolerance 1, computed at the returned ``(p, κ)``: the
    largest of the NCP (29) residuals ``[ζ_n]^+ / I_n`` and ``|ζ_n| / I_n`` (where
    ``κ_n > 0``) over ``tol``, and of the Nikaido-Isoda gap of the priced game (the most an
    SBS gains by deviating to its exact best response (33), nats) over 1e-9. It holds at an
    equilibrium of the GRNEP (Theorem 3), regular or not. ``"stalled"``: no progress far from
    a solution (a stationary point of the merit function; try another start), or the rule was
    met while the certificate fails.
    """

    p: np.ndarray
    kappa: np.ndarray
    mu: np.ndarray
    zeta: np.ndarray
    start: str
    formulation: str = "tie-break"
    br_distance: float = float("nan")

    @property
    def regular(self) -> bool:
        """True for a certified equilibrium that is also a fixed point of the exact best
        responses with their tie-break (``br_distance <= 1e-5``): one Algorithm 1 could
        stop at. False for an equilibrium where an SBS is indifferent on a channel."""
        return self.success and bool(self.br_distance <= _REGULAR)


def _vi_certificates(S: Stack, kappa, P, status, msgs, tol: float):
    """GRNEP certificates of the rows whose stopping rule was met: NCP (29) residuals over
    ``tol`` and the Nikaido-Isoda gap over ``_GAP_TOL``; status becomes "stalled" where the
    certificate fails. Returns the certificates (None elsewhere) and the distances to the
    tie-broken best responses (NaN elsewhere)."""
    dists = np.full(S.T, np.nan)

    def measure(sub: Stack, met):
        feas, comp = ncp_residuals(sub, P[met], kappa[met])
        gap = utility_gap(sub, P[met], kappa[met])
        dist = eq_residual(sub, P[met], kappa[met])
        dists[met] = dist
        details = [
            f"{ncp_detail(feas[r], comp[r], tol)}, and the Nikaido-Isoda gap "
            f"max_j U_j(BR_j) - U_j(p) = {gap[r]:.2e} nats over {_GAP_TOL:.0e} "
            f"(Theorem 3); distance to the tie-broken best responses "
            f"||BR(p) - p||/||p|| = {dist[r]:.2e}"
            for r in range(len(met))
        ]
        return grnep_value(feas, comp, tol, gap, _GAP_TOL), details

    failed = "KKT system solved, but the GRNEP certificate fails"
    return certify_met(S, status, msgs, measure, "grnep_gap", failed), dists


@dataclass
class _PhaseRun:
    """Per-trial outcome of :func:`_phase` (arrays and lists indexed by trial)."""

    Z: np.ndarray  # (T, n) last iterates of the Newton method
    P: np.ndarray  # (T, J, K) powers
    kappa: np.ndarray  # (T, N) prices
    mu: np.ndarray  # (T, J) budget multipliers
    iters: np.ndarray  # (T,) int
    status: np.ndarray  # (T,) object
    msgs: list
    certs: list
    dists: np.ndarray  # (T,) distance to the tie-broken best responses
    merit: list  # residual histories
    step: list  # step-kind histories
    formulation: np.ndarray  # (T,) object: "tie-break" or "exact"


def _phase(
    S: Stack, Z0: np.ndarray, *, exact: bool, tol: float, max_iter: int, nonmonotone: bool
) -> _PhaseRun:
    """One run of the Newton method from ``Z0`` on the trials of ``S``, with statuses and
    certificates."""
    mcp = MCP(S, exact=exact)
    Z, iters, met, stalled, hm_, hn_ = newton(mcp, Z0, max_iter, nonmonotone)
    T = S.T
    # entries on the zero side of their complementarity pair are zero, not 1e-13
    H, _ = mcp.evaluate(Z, np.arange(T), jac=False)
    Zs = np.maximum(np.where((Z < H) & (Z <= _SNAP), 0.0, Z), 0.0)
    P = np.minimum(mcp.powers(Zs), S.p_mask[:, :, None])
    kappa = mcp.prices(Zs)
    status = np.array(["max_iter"] * T, dtype=object)
    msgs = [f"Fischer-Burmeister residual above {FTOL:g} after max_iter={max_iter}"] * T
    # a run that stops making progress close to a solution (residual <= _LOOSE) meets the
    # rule too: the certificate decides whether it is one
    close = stalled & np.array([h[-1] <= _LOOSE for h in hm_])
    met = met | close
    stalled = stalled & ~close
    status[met] = "converged"
    for t in np.flatnonzero(met):
        msgs[t] = ""
    for t in np.flatnonzero(stalled):
        status[t] = "stalled"
        msgs[t] = (
            f"no progress of the merit function after {iters[t]} iterations (residual "
            f"{hm_[t][-1]:.3g}): near a stationary point of ||Φ||² that is not a solution"
        )
    certs, dists = _vi_certificates(S, kappa, P, status, msgs, tol)
    return _PhaseRun(
        Z=Z,
        P=P,
        kappa=kappa,
        mu=mcp.split(Zs)[2] / mcp.m,
        iters=iters,
        status=status,
        msgs=msgs,
        certs=certs,
        dists=dists,
        merit=hm_,
        step=hn_,
        formulation=np.array(["exact" if exact else "tie-break"] * T, dtype=object),
    )


def _solve(S: Stack, kinds, gen, *, tol, inner_tol, max_iter):
    """Run the Newton method from ``kinds`` on the trials of ``S``; returns VIResults.

    First on the system that pushes power off channels without secrecy (the equilibria
    Algorithm 1 would return); rows that end without a certified answer continue from their
    last point on the VI itself (phase 2), whose solutions also include equilibria where an
    SBS keeps power on a channel without secrecy."""
    t0 = time.perf_counter()
    Z0 = start_vectors(MCP(S), kinds, gen)
    out1 = _phase(S, Z0, exact=False, tol=tol, max_iter=max_iter, nonmonotone=False)
    redo = np.flatnonzero(out1.status != "converged")
    if redo.size:
        out2 = _phase(
            S.take(redo),
            out1.Z[redo],
            exact=True,
            tol=tol,
            max_iter=max_iter,
            nonmonotone=True,
        )
        for r, t in enumerate(redo):
            out1.iters[t] += out2.iters[r]
            out1.merit[t] = out1.merit[t] + out2.merit[r]
            out1.step[t] = out1.step[t] + out2.step[r]
            if out2.status[r] == "converged":
                for k in ("P", "kappa", "mu", "status", "dists", "formulation", "msgs", "certs"):
                    getattr(out1, k)[t] = getattr(out2, k)[r]
    T = S.T
    zeta = S.zeta(out1.P, True)
    el = (time.perf_counter() - t0) / T
    out = []
    for t in range(T):
        kind = kinds[t]
        out.append(
            VIResult(
                p=out1.P[t],
                kappa=out1.kappa[t],
                mu=out1.mu[t],
                zeta=zeta[t],
                start=kind if isinstance(kind, str) else "given",
                formulation=str(out1.formulation[t]),
                br_distance=float(out1.dists[t]),
                status=str(out1.status[t]),
                iterations=int(out1.iters[t]),
                certificate=out1.certs[t],
                history={
                    "merit": np.asarray(out1.merit[t], dtype=float),
                    "step": np.asarray(out1.step[t], dtype=int),
                },
                elapsed=el,
                message=out1.msgs[t],
            )
        )
    return out


def _args(tol, inner_tol, max_iter):
    return (
        float(check_positive(tol, "tol")),
        float(check_positive(inner_tol, "inner_tol")),
        check_int(max_iter, "max_iter", minimum=1),
    )


def vi_equilibrium(
    net: Network,
    *,
    p_init="zero",
    kappa0=None,
    rng=None,
    tol: float = 1e-6,
    inner_tol: float = 1e-10,
    max_iter: int = 60,
) -> VIResult:
    """A variational equilibrium of the GRNEP (16) by a semismooth Newton method.

    Solves the KKT system of the VI (19)-(20) (see the module docstring): the priced game
    (27) and the NCP (26) at once, by Newton steps on its Fischer-Burmeister
    reformulation, with a projected Armijo line search on ``||Φ||²`` and a
    Levenberg-Marquardt step where the Newton step is not a descent direction. No best
    response is iterated, so it does not cycle where Algorithm 1 does; like any local
    method it can stop at a stationary point of the merit function (``"stalled"``), and
    :func:`vi_equilibria` restarts it from several points.

    Parameters
    ----------
    net : Network
        Design network (the uncertainty sizes the SBSs protect against).
    p_init : {"zero", "full", "random"} or array_like, shape (J, K)
        Starting powers (``"random"`` also draws a random price and needs ``rng``).
    kappa0 : float or array_like, shape (N,), optional
        Starting price (nats/W); default zero (random for ``p_init="random"``).
    rng : numpy.random.Generator or int, optional
        For ``p_init="random"``.
    tol : float
        NCP tolerance of the certificate, relative to ``I_n^th`` (as in
        :func:`~wiretap.smallcell.price_iteration`).
    inner_tol : float
        Sets the tolerance ``max(100 inner_tol, 1e-6)`` of the equilibrium residual in the
        certificate (as in :func:`~wiretap.smallcell.price_iteration`).
    max_iter : int
        Cap on Newton iterations.

    Returns
    -------
    VIResult

    Raises
    ------
    ValueError
        For bad input, naming the argument.

    References
    ----------
    Tang et al. (2021), eqs. (15)-(20), (25)-(29), Theorem 3; Facchinei and Pang (2003),
    Sec. 9.1 (the Fischer-Burmeister function and its semismooth Newton method).

    Examples
    --------
    >>> import numpy as np
    >>> from wiretap.smallcell import generate_network
    >>> res = vi_equilibrium(generate_network(np.random.default_rng(5), n_sbs=4))
    >>> res.status, res.certificate.holds, res.regular
    ('converged', True, True)
    """
    if not isinstance(net, Network):
        raise ValueError(f"net must be a Network, got {type(net).__name__}")
    tol, inner_tol, max_iter = _args(tol, inner_tol, max_iter)
    if isinstance(p_init, str):
        check_choice(p_init, "p_init", ("zero", "full", "random"))
        kind = p_init
    else:
        P = net.check_power(p_init, "p_init")
        if not net.is_feasible(P):
            raise ValueError("p_init must satisfy the mask and budget (1)")
        kind = P
    gen = as_generator(rng) if isinstance(kind, str) and kind == "random" else None
    if kappa0 is not None:
        k0 = check_kappa(net, kappa0)
        kind = (initial_power(net, kind) if isinstance(kind, str) else kind, k0)
    return _solve(stack(net), [kind], gen, tol=tol, inner_tol=inner_tol, max_iter=max_iter)[0]


@dataclass(frozen=True)
class EquilibriumSet:
    """Distinct certified equilibria found by :func:`vi_equilibria` from several starts.

    Attributes
    ----------
    equilibria : tuple of VIResult
        One certified result per distinct equilibrium (the first start that found it),
        in the order found.
    hits : tuple of int
        How many starts reached each equilibrium.
    runs : tuple of VIResult
        Every run, in the order of the starts.
    """

    equilibria: tuple[VIResult, ...]
    hits: tuple[int, ...]
    runs: tuple[VIResult, ...]

    @property
    def count(self) -> int:
        """Number of distinct certified equilibria found."""
        return len(self.equilibria)

    @property
    def regular_count(self) -> int:
        """Number of distinct certified equilibria that are fixed points of the exact best
        responses (see ``regular`` of :class:`VIResult`)."""
        return sum(e.regular for e in self.equilibria)

    @property
    def found(self) -> bool:
        """True when at least one start ended with a certified equilibrium."""
        return bool(self.equilibria)


def distinct_equilibria(results: Sequence[VIResult], *, rtol: float = 1e-4) -> list[list[int]]:
    """Group the converged results that are the same equilibrium.

    Two results are the same equilibrium when the norm of the difference of their powers is
    at most ``rtol`` times the larger of their two norms and 1e-6 W.

    Parameters
    ----------
    results : sequence of VIResult
    rtol : float
        Relative distance below which two power profiles are one equilibrium (> 0).

    Returns
    -------
    list of list of int
        Indices into ``results`` of the converged runs, one list per distinct equilibrium,
        in the order first found.
    """
    rt = float(check_positive(rtol, "rtol"))
    groups: list[list[int]] = []
    if isinstance(results, str) or not isinstance(results, Sequence):
        raise TypeError(f"results must be a sequence of VIResult, got {type(results).__name__}")
    reps: list[np.ndarray] = []
    for i, r in enumerate(results):
        if not isinstance(r, VIResult):
            raise ValueError(f"results[{i}] must be a VIResult, got {type(r).__name__}")
        if r.status != "converged":
            continue
        for g, q in zip(groups, reps, strict=True):
            scale = max(np.linalg.norm(q), np.linalg.norm(r.p), 1e-6)
            if np.linalg.norm(r.p - q) <= rt * scale:
                g.append(i)
                break
        else:
            groups.append([i])
            reps.append(r.p)
    return groups


def _starts(n_starts: int) -> list[str]:
    base = ["zero", "full"]
    return (base + ["random"] * max(n_starts - 2, 0))[:n_starts]


def vi_equilibria(
    net: Network,
    *,
    starts: int = 6,
    rng=None,
    tol: float = 1e-6,
    inner_tol: float = 1e-10,
    max_iter: int = 60,
    rtol: float = 1e-4,
) -> EquilibriumSet:
    """Run :func:`vi_equilibrium` from several starts and collect the distinct equilibria.

    The starts are all-zero powers, the budget split equally (the two starts of Fig. 2),
    then random feasible powers with random prices. All runs share NumPy calls.

    Parameters
    ----------
    net : Network
        Design network.
    starts : int
        Number of starting points (>= 1).
    rng : numpy.random.Generator or int, optional
        Draws the random starts (needed when ``starts > 2``).
    tol, inner_tol, max_iter
        As in :func:`vi_equilibrium`.
    rtol : float
        Distance below which two answers are one equilibrium, see
        :func:`distinct_equilibria`.

    Returns
    -------
    EquilibriumSet

    Examples
    --------
    >>> import numpy as np
    >>> from wiretap.smallcell import generate_network
    >>> net = generate_network(np.random.default_rng(5), n_sbs=4)
    >>> found = vi_equilibria(net, starts=4, rng=1)
    >>> found.count >= 1, sum(found.hits) <= 4
    (True, True)
    """
    if not isinstance(net, Network):
        raise ValueError(f"net must be a Network, got {type(net).__name__}")
    n = check_int(starts, "starts", minimum=1)
    tol, inner_tol, max_iter = _args(tol, inner_tol, max_iter)
    kinds = _starts(n)
    gen = as_generator(rng) if n > 2 or rng is not None else None
    runs = _solve(stack([net] * n), kinds, gen, tol=tol, inner_tol=inner_tol, max_iter=max_iter)
    return _sets(runs, n, rtol)[0]


def _sets(runs: list[VIResult], n: int, rtol: float) -> list[EquilibriumSet]:
    out = []
    for i in range(0, len(runs), n):
        rr = runs[i : i + n]
        groups = distinct_equilibria(rr, rtol=rtol)
        out.append(
            EquilibriumSet(
                equilibria=tuple(rr[g[0]] for g in groups),
                hits=tuple(len(g) for g in groups),
                runs=tuple(rr),
            )
        )
    return out


def vi_many(
    nets: Sequence[Network],
    scheme: str = "RS-RP",
    *,
    starts: int = 1,
    rng=None,
    warm: Sequence | None = None,
    restarts: int = 0,
    tol: float = 1e-6,
    inner_tol: float = 1e-10,
    max_iter: int = 60,
    rtol: float = 1e-4,
) -> list[EquilibriumSet]:
    """:func:`vi_equilibria` for a design on many networks of equal size, in one batch.

    Parameters
    ----------
    nets : sequence of Network
        True networks, same ``(J, K, N)``; each is turned into the design network of
        ``scheme`` first (see ``wiretap.smallcell.SCHEMES``).
    scheme : {"RS-RP", "RS-NP", "NS-NP"}
    starts, rng, tol, inner_tol, max_iter, rtol
        As in :func:`vi_equilibria` (``rng`` also draws the restarts).
    warm : sequence of (p, kappa), optional
        One more start per network, e.g. the last iterate of Algorithm 2 (converged or
        not): powers ``(J, K)`` and prices ``(N,)``. It is the last of the first runs.
    restarts : int
        Random starts added, after the first round, on the networks where no start ended
        with a certified equilibrium (their runs are appended to the set's ``runs``).

    Returns
    -------
    list of EquilibriumSet
        One per network.
    """
    check_choice(scheme, "scheme", tuple(SCHEMES))
    nets = network_list(nets)
    n = check_int(starts, "starts", minimum=1)
    n_re = check_int(restarts, "restarts", minimum=0)
    tol, inner_tol, max_iter = _args(tol, inner_tol, max_iter)
    designs = [design(x, scheme) for x in nets]
    kinds = _starts(n)
    gen = as_generator(rng) if n > 2 or n_re > 0 or rng is not None else None
    if warm is not None:
        warm = list(warm)
        if len(warm) != len(designs):
            raise ValueError(f"warm must have one (p, kappa) per network, got {len(warm)}")
        for i, (d, w) in enumerate(zip(designs, warm, strict=True)):
            if not isinstance(w, (tuple, list)) or len(w) != 2:
                raise ValueError(f"warm[{i}] must be a pair (p, kappa)")
            d.check_power(w[0], f"warm[{i}][0]")
            check_kappa(d, w[1])
    per = n + (warm is not None)
    all_kinds, rows = [], []
    for i, d in enumerate(designs):
        extra = [] if warm is None else [(warm[i][0], check_kappa(d, warm[i][1]))]
        all_kinds += kinds + extra
        rows += [d] * per
    runs = _solve(stack(rows), all_kinds, gen, tol=tol, inner_tol=inner_tol, max_iter=max_iter)
    groups = [runs[i * per : (i + 1) * per] for i in range(len(designs))]
    todo = [i for i, g in enumerate(groups) if not any(r.status == "converged" for r in g)]
    if n_re and todo:
        more = _solve(
            stack([designs[i] for i in todo for _ in range(n_re)]),
            ["random"] * (n_re * len(todo)),
            gen,
            tol=tol,
            inner_tol=inner_tol,
            max_iter=max_iter,
        )
        for r, i in enumerate(todo):
            groups[i] = groups[i] + more[r * n_re : (r + 1) * n_re]
    return [_sets(g, len(g), rtol)[0] for g in groups]
