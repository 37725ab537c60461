"""Algorithm 1 (best-response iteration for the priced NEP) and Algorithm 2 (projection
algorithm for the price), with the robust and non-robust designs of the paper's Sec. VI-C.

Both algorithms run on a batch of networks at once (the players of one network and the
Monte Carlo trials of a figure share one NumPy call per best-response sweep); the public
functions take one network, :func:`solve_many` takes a list. The batched kernels are in
:mod:`._nash` (best responses, Algorithm 1) and :mod:`._pricing` (Algorithm 2).
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
    check_positive,
    check_range,
)
from ..results import IterativeResult
from ._nash import MODES, SCHEMES, Alg1Settings, alg1, best_responses, design
from ._pricing import Alg2Run, alg2
from .analysis import upsilon
from .core import check_kappa, network_list, secrecy_nats, stack
from .network import Network
from .robust import Evaluation, evaluate

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


# ------------------------------------------------------------------------- best responses
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
    k = check_kappa(net, kappa)
    pj, ok, kkt = best_responses(stack(net), P[None], k[None], np.array([j]))
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
    equilibrium of ``G_κ``. The batched kernel specializes
    :func:`wiretap.games.best_response_iteration`; on random networks both return the same
    equilibrium to 1e-9 W (``tests/test_smallcell_foundations.py``).

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
    k = check_kappa(net, kappa)
    inner = Alg1Settings.checked(mode, tol, max_iter, damping, prox)
    P0 = initial_power(net, p_init, rng)
    t0 = time.perf_counter()
    S = stack(net)
    run = alg1(S, k[None], P0[None], inner, record=record)
    return NashResult(
        certificate=run.certificates[0],
        p=run.p[0],
        kappa=k,
        mode=mode,
        secrecy=secrecy_nats(S, run.p[:1], True)[0].sum(axis=1) / np.log(2.0),
        status=str(run.status[0]),
        iterations=int(run.iterations[0]),
        history=run.histories[0],
        elapsed=time.perf_counter() - t0,
        message=run.messages[0],
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


def _price_args(step, tol, max_iter, inner_tol, inner_max_iter, mode, damping, prox):
    if isinstance(step, str):
        check_choice(step, "step", ("adaptive", "theorem6"))
    else:
        check_positive(step, "step")
    tol = float(check_positive(tol, "tol"))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    inner = Alg1Settings.checked(mode, inner_tol, inner_max_iter, damping, prox, prefix="inner_")
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
    k0 = check_kappa(net, kappa0, "kappa0")
    tol, max_iter, inner = _price_args(
        step, tol, max_iter, inner_tol, inner_max_iter, mode, damping, prox
    )
    rho = np.zeros(1)
    rule = "adaptive"
    if not isinstance(step, str):
        rule, rho = "fixed", np.array([float(step)])
    elif step == "theorem6":
        if c_sm is None:
            c_sm = upsilon(net).lambda_min
        rule, rho = "theorem6", np.array([theorem6_step(net, c_sm)])
    P0 = initial_power(net, p_init)
    t0 = time.perf_counter()
    run = alg2(
        stack(net),
        k0[None],
        P0[None],
        step="adaptive" if rule == "adaptive" else "fixed",
        rho=rho,
        tol=tol,
        max_iter=max_iter,
        inner=inner,
    )
    return _price_results(run, rule, time.perf_counter() - t0)[0]


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
    designs = [design(n, scheme) for n in nets]
    S = stack(designs)
    P0 = np.stack([initial_power(d, p_init) for d in designs])
    t0 = time.perf_counter()
    run = alg2(
        S,
        np.zeros((S.T, S.N)),
        P0,
        step="adaptive",
        rho=np.zeros(S.T),
        tol=tol,
        max_iter=max_iter,
        inner=inner,
    )
    return _price_results(run, "adaptive", (time.perf_counter() - t0) / S.T)


def _price_results(run: Alg2Run, rule: str, elapsed: float) -> list[PriceResult]:
    """One :class:`PriceResult` per trial of a batched Algorithm 2 run."""
    return [
        PriceResult(
            certificate=run.certificates[t],
            p=run.p[t],
            kappa=run.kappa[t],
            zeta=run.histories[t]["zeta"][-1],
            step_rule=rule,
            inner_iterations=int(run.histories[t]["inner_iterations"].sum()),
            status=str(run.status[t]),
            iterations=int(run.iterations[t]),
            history=run.histories[t],
            elapsed=elapsed,
            message=run.messages[t],
        )
        for t in range(len(run.status))
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
    res = price_iteration(design(net, scheme), **kwargs)
    return SchemeOutcome(scheme=scheme, result=res, evaluation=evaluate(net, res.p))
