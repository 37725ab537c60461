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
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from .._validation import (
    as_array,
    as_generator,
    check_choice,
    check_flag,
    check_int,
    check_range,
)
from ..results import Certificate, IterativeResult, as_history, settle
from ._checks import check_instance, hermitian_psd, matrix
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
from .robust import (
    EveProblem,
    PairView,
    PrecoderProblem,
    ReceiverProblem,
    RobustTerms,
    robust_terms,
)
from .wmmse_steps import (
    Aux,
    aux_closed_form,
    eve_closed_form,
    nominal_precoder,
    receiver_closed_form,
)

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

_ACCEPT = ("optimal", "optimal_inaccurate")
_CACHE: dict = {}


def clear_problem_cache() -> None:
    """Forget the compiled subproblems (they are rebuilt on next use)."""
    _CACHE.clear()


def _problem(cls, sizes, rebuild: bool):
    if rebuild:
        return cls(*sizes)
    key = (cls.__name__, sizes)
    if key not in _CACHE:
        _CACHE[key] = cls(*sizes)
    return _CACHE[key]


def _herm(M):
    return 0.5 * (M + M.conj().T)


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
    Am = matrix(A, "A")
    Xm = matrix(X, "X", shape=(Am.shape[1], None), match="the columns of A")
    U = hermitian_psd(Ups, "Ups", Am.shape[0], match="the rows of A")
    d = check_int(d_s, "d_s", minimum=1, maximum=Xm.shape[1] - 1)
    AQ, AL = Am @ Xm[:, :d], Am @ Xm[:, d:]
    N = _herm(AL @ AL.conj().T + U + np.eye(Am.shape[0]))
    return _herm(np.linalg.inv(N) - np.linalg.inv(_herm(N + AQ @ AQ.conj().T)))


class PairAgent:
    """One transmitter-receiver pair of the distributed algorithm.

    Parameters
    ----------
    view : PairView
        The pair's own channel knowledge.
    X0 : array_like, shape (n_t, d_s + d_a)
        Initial design (within the power budget).
    pricing : bool
        Pay for the interference caused (``False``: the selfish game).
    aux : {"robust", "closed_form"}
        How the auxiliary blocks are updated when errors are modelled: exact robust block
        maximization (SDPs) or the non-robust closed forms at the estimates.
    rebuild : bool
        Build a fresh cvxpy problem for every solve (only for benchmarking DPP reuse).
    solver_options : dict, optional
        Passed to Clarabel.
    """

    def __init__(
        self,
        view: PairView,
        X0,
        *,
        pricing: bool = True,
        aux: str = "robust",
        rebuild: bool = False,
        solver_options: dict | None = None,
    ):
        if not isinstance(view, PairView):
            raise ValueError(f"view must be a PairView, got {type(view).__name__}")
        check_choice(aux, "aux", ("robust", "closed_form"))
        self.pricing = bool(pricing)
        self.view = view if self.pricing else replace(view, cross=view.cross[:0], others=())
        n_t = view.A.shape[1]
        self.X = as_array(X0, "X0", ndim=2, kind="complex").copy()
        if self.X.shape[0] != n_t or self.X.shape[1] <= view.d_s:
            raise ValueError(f"X0 must have shape ({n_t}, d_s + d_a), got {self.X.shape}")
        if np.linalg.norm(self.X) ** 2 > view.power * (1 + 1e-9):
            raise ValueError("X0 violates the power budget")
        self.aux_mode = aux
        self.rebuild = bool(rebuild)
        self.solver_options = dict(solver_options or {})
        n_r = view.A.shape[0]
        self.heard = {j: np.zeros((n_r, n_r), complex) for j in self.view.others}
        self.aux: Aux | None = None
        self.solves = 0
        self.solve_time = 0.0
        self.rejected = 0
        self.uncertified = 0
        self.received = 0
        self.received_numbers = 0
        self.precoder_gaps: list[float] = []

    # -- sizes and helpers
    @property
    def index(self) -> int:
        return self.view.index

    def _sizes(self):
        n_r, n_t = self.view.A.shape
        n_e = self.view.G.shape[0]
        d_s = self.view.d_s
        d_a = self.X.shape[1] - d_s
        return n_t, n_r, n_e, d_s, d_a

    def cross_prices(self) -> np.ndarray:
        n_r = self.view.A.shape[0]
        if not self.view.others:
            return np.zeros((0, n_r, n_r), complex)
        return np.stack([self.heard[j] for j in self.view.others])

    def hear(self, j: int, price) -> None:
        """Receive pair ``j``'s price (ignored by a selfish pair)."""
        if self.pricing and j in self.heard:
            P = np.asarray(price, dtype=complex)
            self.heard[j] = P
            self.received += 1
            # a Hermitian n x n matrix is n real diagonal entries and n (n - 1) / 2 complex
            # off-diagonal ones: n^2 real numbers
            n = P.shape[0]
            self.received_numbers += n + n * (n - 1)

    def terms(self, Ups) -> RobustTerms:
        """The pair's robust utility at its current state (exact worst cases)."""
        return robust_terms(self.view, self.X, self.aux, Ups, self.cross_prices())

    def _record(self, outcome, step: str):
        self.solves += 1
        if np.isfinite(outcome.solve_time):
            self.solve_time += outcome.solve_time
        if outcome.status not in _ACCEPT or (step != "precoder" and not outcome.ok):
            raise _StepFailure(f"pair {self.index}, {step} step: solver status {outcome.status}")

    # -- the four steps of a turn
    def init_aux(self, Ups) -> None:
        """Starting auxiliaries: the closed forms at the estimates, then (robust mode) one
        robust receiver and Eve step, so that the first utility is not that of the
        non-robust weights under the worst-case errors (which can be thousands of nats off).
        """
        self.aux = aux_closed_form(self.view.A, self.view.G, self.X, Ups, self.view.d_s)
        if self.view.robust and self.aux_mode == "robust":
            self.receiver_step(Ups)
            self.eve_step()

    def receiver_step(self, Ups) -> None:
        """Update ``(F_r, W_r)`` for the measured interference ``Ups``."""
        if self.view.robust and self.aux_mode == "robust":
            n_t, n_r, _n_e, d_s, d_a = self._sizes()
            prob = _problem(ReceiverProblem, (n_t, n_r, d_s, d_a), self.rebuild)
            (F, W), out = prob.solve(self.view, self.X, Ups, **self.solver_options)
            self._record(out, "receiver")
            self.aux = self.aux.replace(F_r=F, W_r=W)
        else:
            F, W = receiver_closed_form(self.view.A, self.X, Ups, self.view.d_s)
            self.aux = self.aux.replace(F_r=F, W_r=W)

    def price(self, Ups) -> np.ndarray:
        """This pair's price at its current state (to be broadcast)."""
        return pair_price(self.view.A, self.X, Ups, self.view.d_s)

    def precoder_step(self) -> None:
        """Update ``X_i = [Q_i, Lambda_i]`` with the heard prices."""
        n_t, n_r, n_e, d_s, d_a = self._sizes()
        Pi = self.cross_prices()
        if self.view.robust:
            prob = _problem(PrecoderProblem, (n_t, n_r, n_e, d_s, d_a, len(Pi)), self.rebuild)
            scale = max(float(np.linalg.norm(self.X)), 1e-9 * np.sqrt(self.view.power))
            X, out = prob.solve(self.view, self.aux, Pi, scale=scale, **self.solver_options)
            self._record(out, "precoder")
            self.precoder_gaps.append(out.certificate.value)
            if out.ok:
                self.X = X
            else:  # a point whose exact worst case disagrees with the SDP: not taken
                self.uncertified += 1
        else:
            self.X, _ = nominal_precoder(
                self.view.A,
                self.view.G,
                self.X.shape,
                self.aux,
                self.view.cross,
                Pi,
                self.view.power,
                d_s,
            )

    def eve_step(self) -> None:
        """Update the Eve-side auxiliaries ``(F_e, W_e, S_m)``."""
        if self.view.robust and self.aux_mode == "robust":
            n_t, _n_r, n_e, d_s, d_a = self._sizes()
            prob = _problem(EveProblem, (n_t, n_e, d_s, d_a), self.rebuild)
            (F, W, S), out = prob.solve(self.view, self.X, **self.solver_options)
            self._record(out, "eve")
            self.aux = self.aux.replace(F_e=F, W_e=W, S_m=S)
        else:
            F, W, S = eve_closed_form(self.view.G, self.X, self.view.d_s)
            self.aux = self.aux.replace(F_e=F, W_e=W, S_m=S)

    def guarded(self, step, Ups, before: float, tol: float) -> tuple[float, float]:
        """Run ``step`` and keep it only if the exact utility did not drop (beyond ``tol``).

        Returns ``(raw_change, utility_after)``: the change the step itself produced and the
        utility kept (the old one if the step was rejected).
        """
        saved = (self.X.copy(), self.aux)
        step()
        after = self.terms(Ups).utility
        change = after - before
        if change < -tol * (1.0 + abs(before)):
            self.X, self.aux = saved
            self.rejected += 1
            return change, before
        return change, after


class _StepFailure(RuntimeError):
    pass


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
    check_choice(schedule, "schedule", SCHEDULES)
    check_choice(aux, "aux", ("robust", "closed_form"))
    check_choice(start, "start", STARTS)
    nominal_iter = check_int(nominal_iter, "nominal_iter", minimum=1)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = float(check_range(tol, "tol", 0.0, np.inf, low_open=True))
    cert_tol = float(check_range(cert_tol, "cert_tol", 0.0, np.inf, low_open=True))
    pricing = check_flag(pricing, "pricing")
    rebuild = check_flag(rebuild, "rebuild")
    safeguard = check_flag(safeguard, "safeguard")
    if solver_options is not None and not isinstance(solver_options, dict):
        raise TypeError(f"solver_options must be a dict, got {type(solver_options).__name__}")
    if schedule == "random" and rng is None:
        raise ValueError("rng is required for schedule='random'")
    gen = as_generator(rng) if rng is not None else None
    sc = network.scenario
    K, n_r = sc.n_pairs, sc.n_r
    H = network.H_hat
    if X0 is not None or start == "nominal":
        if X0 is not None:
            X = as_array(X0, "X0", shape=(K, sc.n_t, sc.k), kind="complex").copy()
        else:
            nominal = network.with_radii(0.0)
            X = run_adp(nominal, pricing=pricing, max_iter=nominal_iter, tol=tol).X.copy()
        fraction = float(np.max(np.linalg.norm(X, axis=(1, 2)) ** 2) / sc.power)
    elif start == "backoff":
        X, fraction = backoff_start(H, network.G_hat, sc.power, sc.d_s, sc.d_a)
    else:
        X, fraction = initial_precoders(H, network.G_hat, sc.power, sc.d_s, sc.d_a), 1.0
    t0 = time.perf_counter()
    agents = [
        PairAgent(
            PairView.from_network(network, i),
            X[i],
            pricing=pricing,
            aux=aux,
            rebuild=rebuild,
            solver_options=solver_options,
        )
        for i in range(K)
    ]

    def designs():
        return np.stack([a.X for a in agents])

    def ups(i, Xs=None):
        return interference_covariance(H, designs() if Xs is None else Xs, i)

    messages = 0

    def broadcast(i, price):
        nonlocal messages
        last_price[i] = price
        if pricing:
            for a in agents:
                if a.index != i:
                    a.hear(i, price)
                    messages += 1

    last_price = np.zeros((K, n_r, n_r), complex)
    for i, a in enumerate(agents):
        a.init_aux(ups(i))
    for i, a in enumerate(agents):
        broadcast(i, a.price(ups(i)))

    def snapshot():
        Xs = designs()
        return np.array([agents[i].terms(ups(i, Xs)).utility for i in range(K)])

    hist = {
        "secrecy": [],
        "secrecy_estimate": [],
        "utility": [],
        "turn_start": [],
        "turn_end": [],
        "messages": [],
        "sum_rate": [],
    }

    def record():
        Xs = designs()
        hist["secrecy"].append(secrecy_rates(network, Xs))
        # one evaluation on the estimates gives both the clipped rates and the sum rate
        cs = secrecy_rates(network, Xs, channel="estimate", bits=False, clip=False)
        hist["secrecy_estimate"].append(np.maximum(cs, 0.0) / np.log(2.0))
        hist["utility"].append(snapshot())
        hist["messages"].append(messages)
        hist["sum_rate"].append(float(np.sum(cs)))

    record()
    guard = 1e-7 if safeguard else np.inf
    turn_drop = 0.0
    status, message, it = "max_iter", "", 0

    def turn(a, Ups, steps):
        nonlocal turn_drop
        g = a.terms(Ups).utility
        start = g
        for step in steps:
            change, g = a.guarded(step, Ups, g, guard)
            turn_drop = max(turn_drop, -change)
        return start, g

    rule = False
    last_round_clean = True

    def undone():
        return sum(a.rejected + a.uncertified for a in agents)

    try:
        for it in range(1, max_iter + 1):  # noqa: B007 (it names the round in messages)
            undone_before = undone()
            starts, ends = np.zeros(K), np.zeros(K)
            if schedule == "jacobi":
                Xs = designs()
                U = [ups(i, Xs) for i in range(K)]
                for i, a in enumerate(agents):
                    starts[i], _ = turn(a, U[i], [lambda a=a, u=U[i]: a.receiver_step(u)])
                new_prices = [a.price(U[i]) for i, a in enumerate(agents)]
                for i in range(K):
                    broadcast(i, new_prices[i])
                for i, a in enumerate(agents):
                    _, ends[i] = turn(a, U[i], [a.precoder_step, a.eve_step])
            else:
                order = gen.permutation(K) if schedule == "random" else range(K)
                for i in order:
                    a = agents[i]
                    Ui = ups(i)
                    starts[i], _ = turn(a, Ui, [lambda a=a, u=Ui: a.receiver_step(u)])
                    broadcast(i, a.price(Ui))
                    _, ends[i] = turn(a, Ui, [a.precoder_step, a.eve_step])
            hist["turn_start"].append(starts)
            hist["turn_end"].append(ends)
            record()
            last_round_clean = undone() == undone_before
            u = hist["utility"]
            if np.all(np.abs(u[-1] - u[-2]) <= tol * (1.0 + np.abs(u[-1]))):
                rule = True
                break
    except _StepFailure as exc:
        status, message = "solver_error", f"round {it}: {exc}"
    rounds = len(hist["utility"]) - 1
    hist["turn_start"] = hist["turn_start"][:rounds]
    hist["turn_end"] = hist["turn_end"][:rounds]
    history = as_history({k: v for k, v in hist.items() if k not in ("turn_start", "turn_end")})
    n_t = sc.n_t
    history["turn_start"] = np.array(hist["turn_start"]).reshape(rounds, K)
    history["turn_end"] = np.array(hist["turn_end"]).reshape(rounds, K)
    Xs = designs()
    final = [agents[i].terms(ups(i, Xs)) for i in range(K)]
    u = history["utility"]
    round_drop = float(max(0.0, np.max(-(np.diff(u, axis=0)), initial=0.0)))
    robust = bool(agents[0].view.robust)
    cert = None
    if status != "solver_error":
        if not robust:
            d = sc.d_s
            if pricing:
                grad = sum_rate_gradient(H, network.G_hat, Xs, d)
                what = "the sum secrecy rate (priced: KKT point)"
            else:
                grad = utility_gradient(H, network.G_hat, Xs, d, np.zeros((K, n_r, n_r)))
                what = "each pair's own secrecy rate in its own design (selfish: Nash)"
            cert = Certificate(
                kind="stationarity",
                value=stationarity_residual(grad, Xs, network.power, history["sum_rate"][-1]),
                tolerance=cert_tol,
                detail=f"relative projected-gradient residual of {what}, estimates",
            )
        else:
            value = float("nan")
            if rounds > 0 and last_round_clean:
                gain = history["turn_end"][-1] - history["turn_start"][-1]
                value = float(np.max(np.maximum(gain, 0.0) / (1.0 + np.abs(u[-1]))))
            cert = Certificate(
                kind="equilibrium_residual",
                value=value,
                tolerance=cert_tol,
                detail="largest relative gain of a pair's exact robust utility over its own "
                "turn in the last round (nan: a step was undone in that round)",
            )
        status = settle(rule, cert, otherwise="max_iter")
        if status == "stalled":
            message = (
                f"utilities settled (tol {tol:.0e}) but the {cert.kind} is {cert.value:.2e} "
                f"> {cert_tol:.0e}"
            )
        elif status == "max_iter":
            message = f"{max_iter} rounds; {cert.kind} {cert.value:.2e} (tolerance {cert_tol:.0e})"
    settings = dict(
        pricing=pricing,
        aux=aux,
        schedule=schedule,
        max_iter=max_iter,
        tol=tol,
        robust=robust,
        n_t=n_t,
        start="X0" if X0 is not None else start,
        start_fraction=fraction,
    )
    return ADPResult(
        status=status,
        iterations=rounds,
        history=history,
        elapsed=time.perf_counter() - t0,
        message=message,
        certificate=cert,
        X=Xs,
        prices=last_price,
        secrecy=secrecy_rates(network, Xs),
        secrecy_estimate=secrecy_rates(network, Xs, channel="estimate"),
        utility=np.array([t.utility for t in final]),
        secrecy_bound=np.array([t.secrecy_bound for t in final]),
        messages=messages,
        numbers_exchanged=int(sum(a.received_numbers for a in agents)),
        turn_drop=float(turn_drop),
        round_drop=round_drop,
        rejected_steps=int(sum(a.rejected for a in agents)),
        uncertified_steps=int(sum(a.uncertified for a in agents)),
        precoder_gaps=np.array([g for a in agents for g in a.precoder_gaps], dtype=float),
        received=np.array([a.received for a in agents], dtype=int),
        solves=int(sum(a.solves for a in agents)),
        solve_time=float(sum(a.solve_time for a in agents)),
        settings=settings,
    )
