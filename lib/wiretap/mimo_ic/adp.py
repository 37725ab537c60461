"""Asynchronous distributed pricing (ADP) with alternating convex search, as pair agents.

Each :class:`PairAgent` holds only its own estimated channels (main, eavesdropper and its
outgoing cross links), its design ``X_i = [Q_i, Lambda_i]``, its WMMSE auxiliaries and the
prices it has heard. One *turn* of pair ``i`` is paper Algorithm 1's loop body:

1. receiver step: ``(F_r, W_r)`` (MMSE receiver and weight; robust SDP when errors are
   modelled) with the received interference ``Upsilon_i`` measured at RX ``i``;
2. price step: ``Pi_i = N_i^{-1} - (N_i + Z_i)^{-1}``, broadcast to the other pairs (the
   only messages of the algorithm, counted);
3. precoder step: robust SDP (or closed form without errors) with the heard prices;
4. Eve step: ``(F_e, W_e, S_m)`` (robust SDP or closed form).

Each step maximizes the pair's robust utility ``g_i`` (:func:`~wiretap.mimo_ic.robust_terms`)
over its block with everything else fixed, so ``g_i`` cannot decrease during pair ``i``'s own
turn (up to solver accuracy). Between turns the other pairs move and the prices change, and
nothing in the print's argument (66) prevents ``g_i`` from decreasing; the result records
both kinds of change.

The agents (:class:`PairAgent`, defined in the internal ``_agents`` module and re-exported
here) take the turns; :func:`run_adp` coordinates them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._exports import adopt
from .._validation import as_array, as_generator, check_choice, check_flag, check_int, check_range
from ..results import Certificate, IterativeResult, as_history, settle
from ._agents import PROBLEM_CACHE, PairAgent, StepFailure, checked_price
from ._checks import check_instance
from .model import (
    Network,
    backoff_start,
    initial_precoders,
    interference_covariance,
    secrecy_rates,
    sum_rate_gradient,
    utility_gradient,
)
from .reference import stationarity_residual
from .robust import PairView

__all__ = [
    "SCHEDULES",
    "STARTS",
    "ADPResult",
    "PairAgent",
    "clear_problem_cache",
    "pair_price",
    "run_adp",
]

STARTS = ("backoff", "full", "nominal")
"""Default starting points of :func:`run_adp`: :func:`~wiretap.mimo_ic.backoff_start`,
:func:`~wiretap.mimo_ic.initial_precoders` at full power, or the non-robust design (the same
algorithm with radius 0, from the backoff start)."""

SCHEDULES = ("sequential", "random", "jacobi")
"""Update schedules: fixed order (Algorithm 1), a random order each round (asynchronous),
or all pairs at once on the same snapshot (synchronous, Jacobi)."""


def clear_problem_cache() -> None:
    """Forget the compiled subproblems (they are rebuilt on next use)."""
    PROBLEM_CACHE.clear()


def pair_price(A, X, Ups, d_s: int) -> np.ndarray:
    """Price of a pair: ``Pi = N^{-1} - (N + Z)^{-1}`` at RX ``i`` (eq. (24), sign fixed).

    Parameters
    ----------
    A : array_like, shape (n_r, n_t)
        Main channel (estimate).
    X : array_like, shape (n_t, d_s + d_a)
    Ups : array_like, shape (n_r, n_r)
        Received interference covariance (Hermitian positive semidefinite, up to round-off).
    d_s : int

    Returns
    -------
    ndarray, shape (n_r, n_r)
        Hermitian positive semidefinite, rank <= d_s.
    """
    return checked_price(A, X, Ups, d_s)


@dataclass(frozen=True, kw_only=True)
class ADPResult(IterativeResult):
    """Outcome of :func:`run_adp`.

    Attributes
    ----------
    X : ndarray, complex, shape (K, n_t, d_s + d_a)
        Final designs (each within the power budget).
    prices : ndarray, complex, shape (K, n_r, n_r)
        Last prices broadcast.
    secrecy : ndarray, shape (K,)
        Secrecy rates on the *true* channels, bits/s/Hz, ``[.]^+``.
    secrecy_estimate : ndarray, shape (K,)
        The same on the estimated channels.
    utility : ndarray, shape (K,)
        Final robust utilities ``g_i`` (nats).
    secrecy_bound : ndarray, shape (K,)
        Certified worst-case secrecy rates (nats) over the error balls.
    messages : int
        Price messages sent (one per broadcast and receiving pair).
    numbers_exchanged : int
        Real numbers carried by those messages, counted by the receiving agents from the
        matrices they heard (``n_r^2`` per Hermitian price).
    turn_drop : float
        Largest decrease of a pair's utility produced by one of its own steps (raw, before
        the safeguard; should be at solver-accuracy level).
    round_drop : float
        Largest decrease of a pair's utility from the end of one round to the end of the
        next (the others' moves and the new prices included).
    rejected_steps : int
        Steps undone by the safeguard.
    uncertified_steps : int
        Precoder SDP points rejected because their exact worst case disagreed with the SDP
        (see :class:`~wiretap.mimo_ic.SubproblemOutcome`); the pair kept its design.
    precoder_gaps : ndarray, shape (n_precoder_solves,)
        Certificate value of every precoder SDP solve (robust runs; empty otherwise): the
        relative excess of the exact worst case over the SDP's epigraph value.
    received : ndarray of int, shape (K,)
        Price messages each pair received (counted by the receiving agent).
    solves : int
        SDP solves.
    solve_time : float
        Clarabel time in seconds, summed.
    settings : dict

    ``history`` keys: ``"secrecy"`` and ``"secrecy_estimate"`` (rounds + 1, K) in bits;
    ``"utility"`` (rounds + 1, K); ``"turn_start"`` and ``"turn_end"`` (rounds, K), a pair's
    utility at the start and the end of its turn; ``"messages"`` (rounds + 1,);
    ``"sum_rate"`` (rounds + 1,), the unclipped sum secrecy rate on the estimates in nats.
    """

    X: np.ndarray
    prices: np.ndarray
    secrecy: np.ndarray
    secrecy_estimate: np.ndarray
    utility: np.ndarray
    secrecy_bound: np.ndarray
    messages: int
    numbers_exchanged: int
    turn_drop: float
    round_drop: float
    rejected_steps: int
    uncertified_steps: int
    precoder_gaps: np.ndarray
    received: np.ndarray
    solves: int
    solve_time: float
    settings: dict

    @property
    def within_turn_monotone(self) -> bool:
        """No pair's own step lowered its utility by more than 1e-6 (relative), raw."""
        scale = 1.0 + float(np.max(np.abs(self.history["utility"])))
        return bool(self.turn_drop <= 1e-6 * scale)

    @property
    def across_round_monotone(self) -> bool:
        """Every pair's end-of-round utility was non-decreasing (1e-6 relative slack)."""
        u = self.history["utility"]
        d = np.diff(u, axis=0)
        return bool(np.all(d >= -1e-6 * (1.0 + np.abs(u[:-1]))))


def run_adp(
    network: Network,
    *,
    pricing: bool = True,
    aux: str = "robust",
    schedule: str = "sequential",
    max_iter: int = 20,
    tol: float = 1e-3,
    rng=None,
    X0=None,
    start: str = "backoff",
    nominal_iter: int = 60,
    rebuild: bool = False,
    safeguard: bool = True,
    solver_options: dict | None = None,
    cert_tol: float = 1e-3,
) -> ADPResult:
    """Distributed robust AN precoding by pricing and alternating convex search (Alg. 1).

    Parameters
    ----------
    network : Network
        Estimated channels and error radii (the design uses only those); the true channels
        are used only to report the secrecy rates.
    pricing : bool
        Interference pricing (the proposed scheme) or the selfish game without prices.
    aux : {"robust", "closed_form"}
        Auxiliary updates by robust SDPs (exact block maximization, the print's ACS) or by
        the closed forms at the estimates (faster, no per-turn guarantee).
    schedule : {"sequential", "random", "jacobi"}
        See ``wiretap.mimo_ic.adp.SCHEDULES``.
    max_iter : int
        Maximum number of rounds (each pair takes one turn per round).
    tol : float
        Stopping rule: every pair's utility changed by at most ``tol (1 + |g_i|)`` over a
        round.
    rng : numpy.random.Generator or int, optional
        Needed for ``schedule="random"`` (checked, and unused, otherwise).
    X0 : array_like, shape (K, n_t, d_s + d_a), optional
        Initial designs (overrides ``start``).
    start : {"backoff", "full"}
        Default starting point when ``X0`` is not given: ``"backoff"`` (default) scales the
        GEV start of :func:`~wiretap.mimo_ic.initial_precoders` to the power fraction that
        maximizes the estimated sum secrecy rate (:func:`~wiretap.mimo_ic.backoff_start`);
        ``"full"`` uses it at full power (interference-limited at high SNR, where the block
        updates cannot leave it); ``"nominal"`` first runs this function on
        ``network.with_radii(0.0)`` (closed-form blocks, same ``pricing``, ``nominal_iter``
        rounds, from the backoff start) and starts from its designs: the robust rounds then
        trade the non-robust optimum for protection instead of climbing from a tiny design.
        The largest fraction of the budget used by the start is in
        ``settings["start_fraction"]``.
    nominal_iter : int
        Rounds of the non-robust run of ``start="nominal"`` (ignored otherwise).
    rebuild : bool
        Rebuild every cvxpy problem at every solve (for benchmarking only).
    safeguard : bool
        Undo a step that lowered the pair's exact utility by more than 1e-7 (relative): it
        can only come from solver inaccuracy. Undone steps are counted.
    solver_options : dict, optional
        Passed to Clarabel.
    cert_tol : float
        Tolerance of the certificate, computed at the returned designs independently of the
        stopping rule:

        * no errors modelled (closed-form blocks): ``kind="stationarity"``, the relative
          projected-gradient residual (:func:`~wiretap.mimo_ic.stationarity_residual`) of
          the sum secrecy rate (priced; a KKT point, paper eqs. (67)-(70)) or of every pair's
          own secrecy rate in its own design (selfish; a Nash equilibrium residual);
        * robust: ``kind="equilibrium_residual"``, the largest gain of a pair's robust
          utility (exact worst cases, not the SDP values) over its own turn in the last
          round, relative to ``1 + |g_i|``: no pair could still improve by a block-ascent
          turn. NaN (never holds) when a step was undone or an SDP point rejected in that
          round, since the turn then did not test the block.

    Returns
    -------
    ADPResult
        ``"converged"``: the rule was met and the certificate holds; ``"stalled"``: the rule
        was met but the certificate fails (``message`` gives its value); ``"max_iter"``;
        ``"solver_error"``: a subproblem failed (no point or a receiver/Eve status outside
        ``optimal``/``optimal_inaccurate``); the last accepted designs are returned and
        ``message`` names the step. The certificate is attached in every case but the last.

    Examples
    --------
    >>> from wiretap.mimo_ic import Scenario, draw_network
    >>> net = draw_network(Scenario(n_pairs=2, zeta=0.0), 1)
    >>> res = run_adp(net, max_iter=5)
    >>> res.status in ("converged", "max_iter"), res.messages == 2 * (res.iterations + 1)
    (True, True)
    """
    check_instance(network, "network", Network)
    settings, gen = _settings(
        network,
        pricing=pricing,
        aux=aux,
        schedule=schedule,
        max_iter=max_iter,
        tol=tol,
        rng=rng,
        start=start,
        nominal_iter=nominal_iter,
        rebuild=rebuild,
        safeguard=safeguard,
        solver_options=solver_options,
        cert_tol=cert_tol,
    )
    X, fraction = _start_designs(network, settings, X0)
    t0 = time.perf_counter()
    run = _ADPRun(network, X, settings, gen)
    run.iterate()
    return run.result(t0, start="X0" if X0 is not None else settings.start, fraction=fraction)


@dataclass(frozen=True)
class _Settings:
    """The checked settings of one :func:`run_adp` call."""

    pricing: bool
    aux: str
    schedule: str
    max_iter: int
    tol: float
    start: str
    nominal_iter: int
    rebuild: bool
    safeguard: bool
    solver_options: dict | None
    cert_tol: float


def _settings(network, *, rng, **kw) -> tuple[_Settings, np.random.Generator | None]:
    """Check the arguments of :func:`run_adp` (in its order) and draw the generator."""
    check_choice(kw["schedule"], "schedule", SCHEDULES)
    check_choice(kw["aux"], "aux", ("robust", "closed_form"))
    check_choice(kw["start"], "start", STARTS)
    kw["nominal_iter"] = check_int(kw["nominal_iter"], "nominal_iter", minimum=1)
    kw["max_iter"] = check_int(kw["max_iter"], "max_iter", minimum=1)
    kw["tol"] = float(check_range(kw["tol"], "tol", 0.0, np.inf, low_open=True))
    kw["cert_tol"] = float(check_range(kw["cert_tol"], "cert_tol", 0.0, np.inf, low_open=True))
    for name in ("pricing", "rebuild", "safeguard"):
        kw[name] = check_flag(kw[name], name)
    opts = kw["solver_options"]
    if opts is not None and not isinstance(opts, dict):
        raise TypeError(f"solver_options must be a dict, got {type(opts).__name__}")
    if kw["schedule"] == "random" and rng is None:
        raise ValueError("rng is required for schedule='random'")
    gen = as_generator(rng) if rng is not None else None
    return _Settings(**kw), gen


def _start_designs(network: Network, settings: _Settings, X0) -> tuple[np.ndarray, float]:
    """Starting designs and the largest fraction of the power budget they use."""
    sc = network.scenario
    K = sc.n_pairs
    if X0 is not None or settings.start == "nominal":
        if X0 is not None:
            X = as_array(X0, "X0", shape=(K, sc.n_t, sc.k), kind="complex").copy()
        else:
            nominal = network.with_radii(0.0)
            X = run_adp(
                nominal,
                pricing=settings.pricing,
                max_iter=settings.nominal_iter,
                tol=settings.tol,
            ).X.copy()
        fraction = float(np.max(np.linalg.norm(X, axis=(1, 2)) ** 2) / sc.power)
    elif settings.start == "backoff":
        X, fraction = backoff_start(network.H_hat, network.G_hat, sc.power, sc.d_s, sc.d_a)
    else:
        X = initial_precoders(network.H_hat, network.G_hat, sc.power, sc.d_s, sc.d_a)
        fraction = 1.0
    return X, fraction


_HISTORY_KEYS = tuple(
    "secrecy secrecy_estimate utility turn_start turn_end messages sum_rate".split()
)


class _ADPRun:
    """One run of :func:`run_adp`: the agents, the price messages, the history, the schedule.

    Building it gives every agent its starting auxiliaries, broadcasts the first prices and
    records round 0; :meth:`iterate` plays the rounds and :meth:`result` packs the outcome.
    """

    def __init__(self, network: Network, X: np.ndarray, settings: _Settings, gen):
        self.network, self.settings, self.gen = network, settings, gen
        sc = network.scenario
        self.K = sc.n_pairs
        self.H = network.H_hat
        self.agents = [
            PairAgent(
                PairView.from_network(network, i),
                X[i],
                pricing=settings.pricing,
                aux=settings.aux,
                rebuild=settings.rebuild,
                solver_options=settings.solver_options,
            )
            for i in range(self.K)
        ]
        self.messages = 0
        self.last_price = np.zeros((self.K, sc.n_r, sc.n_r), complex)
        for i, a in enumerate(self.agents):
            a.init_aux(self.ups(i))
        for i, a in enumerate(self.agents):
            self.broadcast(i, a.price(self.ups(i)))
        self.hist: dict[str, list] = {key: [] for key in _HISTORY_KEYS}
        self.record()
        self.guard = 1e-7 if settings.safeguard else np.inf
        self.turn_drop = 0.0
        self.status, self.message, self.round = "max_iter", "", 0
        self.rule = False
        self.last_round_clean = True

    # -- the shared state
    def designs(self) -> np.ndarray:
        return np.stack([a.X for a in self.agents])

    def ups(self, i: int, Xs=None) -> np.ndarray:
        """Interference covariance at RX ``i`` (for the designs ``Xs``, default the agents')."""
        return interference_covariance(self.H, self.designs() if Xs is None else Xs, i)

    def broadcast(self, i: int, price) -> None:
        """Pair ``i`` sends ``price`` to every other pair (one message each, if pricing)."""
        self.last_price[i] = price
        if self.settings.pricing:
            for a in self.agents:
                if a.index != i:
                    a.hear(i, price)
                    self.messages += 1

    def undone(self) -> int:
        return sum(a.rejected + a.uncertified for a in self.agents)

    def record(self) -> None:
        """Append the end-of-round rates, utilities and message count to the history."""
        Xs = self.designs()
        hist = self.hist
        hist["secrecy"].append(secrecy_rates(self.network, Xs))
        # one evaluation on the estimates gives both the clipped rates and the sum rate
        cs = secrecy_rates(self.network, Xs, channel="estimate", bits=False, clip=False)
        hist["secrecy_estimate"].append(np.maximum(cs, 0.0) / np.log(2.0))
        hist["utility"].append(
            np.array([self.agents[i].terms(self.ups(i, Xs)).utility for i in range(self.K)])
        )
        hist["messages"].append(self.messages)
        hist["sum_rate"].append(float(np.sum(cs)))

    # -- the schedule
    def turn(self, a: PairAgent, Ups, steps) -> tuple[float, float]:
        """Run ``steps`` of agent ``a`` under the safeguard; its utility before and after."""
        g = a.terms(Ups).utility
        start = g
        for step in steps:
            change, g = a.guarded(step, Ups, g, self.guard)
            self.turn_drop = max(self.turn_drop, -change)
        return start, g

    def jacobi_round(self, starts: np.ndarray, ends: np.ndarray) -> None:
        """All pairs at once on the same snapshot of the designs."""
        Xs = self.designs()
        U = [self.ups(i, Xs) for i in range(self.K)]
        for i, a in enumerate(self.agents):
            starts[i], _ = self.turn(a, U[i], [lambda a=a, u=U[i]: a.receiver_step(u)])
        new_prices = [a.price(U[i]) for i, a in enumerate(self.agents)]
        for i in range(self.K):
            self.broadcast(i, new_prices[i])
        for i, a in enumerate(self.agents):
            _, ends[i] = self.turn(a, U[i], [a.precoder_step, a.eve_step])

    def serial_round(self, starts: np.ndarray, ends: np.ndarray) -> None:
        """One pair after the other, in a fixed or a random order."""
        schedule = self.settings.schedule
        order = self.gen.permutation(self.K) if schedule == "random" else range(self.K)
        for i in order:
            a = self.agents[i]
            Ui = self.ups(i)
            starts[i], _ = self.turn(a, Ui, [lambda a=a, u=Ui: a.receiver_step(u)])
            self.broadcast(i, a.price(Ui))
            _, ends[i] = self.turn(a, Ui, [a.precoder_step, a.eve_step])

    def play_round(self) -> bool:
        """One round (every pair takes one turn); True when the stopping rule is met."""
        undone_before = self.undone()
        starts, ends = np.zeros(self.K), np.zeros(self.K)
        if self.settings.schedule == "jacobi":
            self.jacobi_round(starts, ends)
        else:
            self.serial_round(starts, ends)
        self.hist["turn_start"].append(starts)
        self.hist["turn_end"].append(ends)
        self.record()
        self.last_round_clean = self.undone() == undone_before
        u = self.hist["utility"]
        return bool(np.all(np.abs(u[-1] - u[-2]) <= self.settings.tol * (1.0 + np.abs(u[-1]))))

    def iterate(self) -> None:
        """Play rounds until the rule is met, ``max_iter`` rounds, or a solver failure."""
        try:
            for rnd in range(1, self.settings.max_iter + 1):
                self.round = rnd
                if self.play_round():
                    self.rule = True
                    break
        except StepFailure as exc:
            self.status, self.message = "solver_error", f"round {self.round}: {exc}"

    # -- the outcome
    def history(self) -> dict[str, np.ndarray]:
        hist = self.hist
        rounds = len(hist["utility"]) - 1
        hist["turn_start"] = hist["turn_start"][:rounds]
        hist["turn_end"] = hist["turn_end"][:rounds]
        history = as_history({k: v for k, v in hist.items() if k not in ("turn_start", "turn_end")})
        history["turn_start"] = np.array(hist["turn_start"]).reshape(rounds, self.K)
        history["turn_end"] = np.array(hist["turn_end"]).reshape(rounds, self.K)
        return history

    def certificate(self, history, Xs, robust: bool) -> Certificate:
        """Stationarity (no errors modelled) or the equilibrium residual (robust)."""
        network, s = self.network, self.settings
        if not robust:
            K, n_r, d = self.K, network.scenario.n_r, network.scenario.d_s
            if s.pricing:
                grad = sum_rate_gradient(self.H, network.G_hat, Xs, d)
                what = "the sum secrecy rate (priced: KKT point)"
            else:
                grad = utility_gradient(self.H, network.G_hat, Xs, d, np.zeros((K, n_r, n_r)))
                what = "each pair's own secrecy rate in its own design (selfish: Nash)"
            return Certificate(
                kind="stationarity",
                value=stationarity_residual(grad, Xs, network.power, history["sum_rate"][-1]),
                tolerance=s.cert_tol,
                detail=f"relative projected-gradient residual of {what}, estimates",
            )
        value = float("nan")
        u = history["utility"]
        if len(u) > 1 and self.last_round_clean:
            gain = history["turn_end"][-1] - history["turn_start"][-1]
            value = float(np.max(np.maximum(gain, 0.0) / (1.0 + np.abs(u[-1]))))
        return Certificate(
            kind="equilibrium_residual",
            value=value,
            tolerance=s.cert_tol,
            detail="largest relative gain of a pair's exact robust utility over its own "
            "turn in the last round (nan: a step was undone in that round)",
        )

    def conclude(self, cert: Certificate) -> None:
        """Status and message from the stopping rule and the certificate."""
        s = self.settings
        self.status = settle(self.rule, cert, otherwise="max_iter")
        if self.status == "stalled":
            self.message = (
                f"utilities settled (tol {s.tol:.0e}) but the {cert.kind} is {cert.value:.2e} "
                f"> {s.cert_tol:.0e}"
            )
        elif self.status == "max_iter":
            self.message = (
                f"{s.max_iter} rounds; {cert.kind} {cert.value:.2e} (tolerance {s.cert_tol:.0e})"
            )

    def result(self, t0: float, *, start: str, fraction: float) -> ADPResult:
        """Pack the run into an :class:`ADPResult` (``t0``: the start of the timing)."""
        history = self.history()
        rounds = len(history["utility"]) - 1
        network, agents, s = self.network, self.agents, self.settings
        Xs = self.designs()
        final = [agents[i].terms(self.ups(i, Xs)) for i in range(self.K)]
        u = history["utility"]
        round_drop = float(max(0.0, np.max(-(np.diff(u, axis=0)), initial=0.0)))
        robust = bool(agents[0].view.robust)
        cert = None
        if self.status != "solver_error":
            cert = self.certificate(history, Xs, robust)
            self.conclude(cert)
        settings = dict(
            pricing=s.pricing,
            aux=s.aux,
            schedule=s.schedule,
            max_iter=s.max_iter,
            tol=s.tol,
            robust=robust,
            n_t=network.scenario.n_t,
            start=start,
            start_fraction=fraction,
        )
        return ADPResult(
            status=self.status,
            iterations=rounds,
            history=history,
            elapsed=time.perf_counter() - t0,
            message=self.message,
            certificate=cert,
            X=Xs,
            prices=self.last_price,
            secrecy=secrecy_rates(network, Xs),
            secrecy_estimate=secrecy_rates(network, Xs, channel="estimate"),
            utility=np.array([t.utility for t in final]),
            secrecy_bound=np.array([t.secrecy_bound for t in final]),
            messages=self.messages,
            numbers_exchanged=int(sum(a.received_numbers for a in agents)),
            turn_drop=float(self.turn_drop),
            round_drop=round_drop,
            rejected_steps=int(sum(a.rejected for a in agents)),
            uncertified_steps=int(sum(a.uncertified for a in agents)),
            precoder_gaps=np.array([g for a in agents for g in a.precoder_gaps], dtype=float),
            received=np.array([a.received for a in agents], dtype=int),
            solves=int(sum(a.solves for a in agents)),
            solve_time=float(sum(a.solve_time for a in agents)),
            settings=settings,
        )


adopt(globals())  # the names of __all__ defined in internal modules live here
