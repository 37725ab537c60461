"""Monte Carlo trials for the simulation chapter (one network, several schemes).

A trial draws one network from a :class:`~wiretap.mimo_ic.Scenario` and runs the schemes
of the paper's Section IV on it. Rates are always evaluated on the *true* channels of the
error model (the ``"..._est"`` outputs give the same designs evaluated on the estimates, the
quantity the designer sees). Designed for :func:`wiretap.sim.run_grid`.
"""

from __future__ import annotations

import numpy as np

from .. import sim
from .._validation import as_generator, check_choice, check_flag, check_int, check_range
from .adp import run_adp
from .model import Scenario, draw_network, secrecy_rate_bound
from .mtmse import run_mt_mse
from .reference import gradient_ascent
from .robust import worst_case_secrecy

__all__ = ["SCHEMES", "trial"]

SCHEMES = ("proposed", "nonrobust", "selfish", "mtmse", "gradient", "warm")
"""``proposed``: priced robust ADP (non-robust when ``zeta = 0``); ``nonrobust``: the same
with radius 0 (designed as if the estimates were exact); ``warm``: the priced robust ADP
started from the ``nonrobust`` design (as ``start="nominal"`` of
:func:`~wiretap.mimo_ic.run_adp`, reusing that run); ``selfish``: robust, no prices;
``mtmse``: the MT-MSE baseline (:func:`~wiretap.mimo_ic.run_mt_mse`); ``gradient``: the
centralized, non-robust gradient-ascent reference (:func:`~wiretap.mimo_ic.gradient_ascent`).
The ADP schemes start from :func:`~wiretap.mimo_ic.backoff_start`."""


def trial(
    rng,
    *,
    schemes=("proposed",),
    max_iter: int = 10,
    history: bool = False,
    tol: float = 1e-4,
    max_iter_nominal: int | None = None,
    gradient_iter: int = 500,
    bound: bool = False,
    worst_case: bool = False,
    progress: bool | None = None,
    **scenario,
) -> dict:
    """Run ``schemes`` on one random network; average secrecy rate per pair in bits/s/Hz.

    Parameters
    ----------
    rng : numpy.random.Generator or int
    schemes : sequence of str
        Names from ``wiretap.mimo_ic.experiments.SCHEMES``.
    max_iter : int
        Rounds of the distributed algorithms (and of MT-MSE).
    history : bool
        Also return ``"<scheme>_history"``: the average true secrecy rate after every round
        (padded with its last value to ``max_iter + 1`` entries).
    tol : float
        Stopping tolerance of :func:`~wiretap.mimo_ic.run_adp` (use 0-like values to run
        exactly ``max_iter`` rounds).
    max_iter_nominal : int, optional
        Rounds for the runs that need no SDP (every scheme when ``zeta = 0``, and
        ``nonrobust`` and ``mtmse`` always); default ``max_iter``. Those rounds are cheap.
    gradient_iter : int
        Steps of the ``gradient`` reference.
    bound : bool
        Also return ``"bound"``: the average over pairs of
        :func:`~wiretap.mimo_ic.secrecy_rate_bound` on the true channels (bits/s/Hz), which
        no design can exceed (needs ``n_e >= n_t``).
    worst_case : bool
        Also return ``"<scheme>_wc"``: the average over pairs of the worst-case secrecy rate
        over the design's error balls (:func:`~wiretap.mimo_ic.worst_case_secrecy`, an upper
        bound on the exact worst case, bits/s/Hz, unclipped), ``"<scheme>_wc_ok"`` (1.0 if
        its stationarity certificate holds) and, for the robust ADP schemes,
        ``"<scheme>_cert"``: the average of the certified lower bound
        (``ADPResult.secrecy_bound`` in bits/s/Hz), so that the two bracket the exact value.
    progress : bool, optional
        A progress bar over the schemes; by default only in an interactive session (the
        rule of :func:`wiretap.sim.progress`).
    **scenario
        Fields of :class:`~wiretap.mimo_ic.Scenario` (e.g. ``zeta=0.1, power_db=10``).

    Returns
    -------
    dict
        ``"<scheme>"`` (true channels), ``"<scheme>_est"`` (estimates), ``"<scheme>_ok"``
        (1.0 if the run ended without a solver failure), ``"<scheme>_certified"`` (1.0 if
        the run's certificate holds, whatever its status), for ``proposed`` and ``selfish``
        ``"<scheme>_gap"`` and ``"<scheme>_gap_median"`` (largest and median certificate
        value of its precoder SDPs, see :class:`~wiretap.mimo_ic.SubproblemOutcome`; nan
        when no SDP was solved, ``zeta = 0``) and ``"<scheme>_uncertified"`` (precoder points
        rejected), ``"<scheme>_power"`` (the largest fraction of the power budget a pair's
        design uses), and optionally histories (not for ``gradient``), ``"bound"`` and the
        worst-case outputs.

    Examples
    --------
    >>> out = trial(0, schemes=("nonrobust",), max_iter=2, n_pairs=2, zeta=0.0)
    >>> sorted(out)
    ['nonrobust', 'nonrobust_certified', 'nonrobust_est', 'nonrobust_ok', 'nonrobust_power']
    """
    gen = as_generator(rng)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    if isinstance(schemes, str) or not isinstance(schemes, list | tuple):
        raise TypeError(f"schemes must be a tuple or list of names, got {type(schemes).__name__}")
    for s in schemes:
        check_choice(s, "schemes", SCHEMES)
    tol = float(check_range(tol, "tol", 0.0, np.inf, low_open=True))
    history = check_flag(history, "history")
    bound = check_flag(bound, "bound")
    worst_case = check_flag(worst_case, "worst_case")
    progress = check_flag(progress, "progress", optional=True)
    nominal = (
        max_iter
        if max_iter_nominal is None
        else check_int(max_iter_nominal, "max_iter_nominal", minimum=1)
    )
    g_iter = check_int(gradient_iter, "gradient_iter", minimum=1)
    sc = Scenario(**scenario)
    net = draw_network(sc, gen)
    robust = sc.zeta > 0
    out: dict = {}
    done: dict = {}
    for s in sim.progress(schemes, show=progress, desc="schemes"):
        rounds = max_iter if (robust and s in ("proposed", "selfish", "warm")) else nominal
        if s == "mtmse":
            res = run_mt_mse(net, max_iter=rounds)
        elif s == "gradient":
            res = gradient_ascent(net, max_iter=g_iter)
        elif s in ("nonrobust", "warm"):
            if "nonrobust" not in done:
                done["nonrobust"] = run_adp(net.with_radii(0.0), max_iter=nominal, tol=tol)
            res = done["nonrobust"]
            if s == "warm":
                res = run_adp(net, X0=res.X, max_iter=rounds, tol=tol)
        elif s == "selfish":
            res = run_adp(net, pricing=False, max_iter=rounds, tol=tol)
        else:
            res = run_adp(net, max_iter=rounds, tol=tol)
        out[s] = float(np.mean(res.secrecy))
        out[f"{s}_est"] = float(np.mean(res.secrecy_estimate))
        out[f"{s}_ok"] = float(res.status != "solver_error")
        out[f"{s}_certified"] = float(res.certified)
        out[f"{s}_power"] = float(np.max(np.linalg.norm(res.X, axis=(1, 2)) ** 2) / sc.power)
        if worst_case:
            wc = worst_case_secrecy(net, res.X)
            out[f"{s}_wc"] = float(np.mean(wc.secrecy))
            out[f"{s}_wc_ok"] = float(wc.certified)
            if robust and s in ("proposed", "selfish", "warm"):
                out[f"{s}_cert"] = float(np.mean(res.secrecy_bound) / np.log(2.0))
        if s in ("proposed", "selfish", "warm"):
            gaps = res.precoder_gaps  # empty without errors (closed forms, no SDP)
            out[f"{s}_gap"] = float(gaps.max()) if gaps.size else np.nan
            out[f"{s}_gap_median"] = float(np.median(gaps)) if gaps.size else np.nan
            out[f"{s}_uncertified"] = float(res.uncertified_steps)
        if history and s != "gradient":
            h = res.history["secrecy"].mean(axis=1)[: max_iter + 1]
            pad = np.full(max_iter + 1, h[-1])
            pad[: len(h)] = h
            out[f"{s}_history"] = pad
    if bound:
        out["bound"] = float(np.mean(secrecy_rate_bound(net)))
    return out
