"""The four schemes of the paper's Section V on one instance, and a summary of each run.

:func:`run_schemes` solves one :class:`~wiretap.isac.Scenario` with the proposed
centralized design (Algorithm 1, "Proposed 1"), the proposed decentralized design
(Algorithm 2, "Proposed 2"), baseline 1 (separate two-stage design) and baseline 2 (a fixed
sensing requirement, decentralized), sharing one starting point between the two proposed
schemes. :func:`summarize` turns each result into numbers for a figure; a run counts only if
its design passes the exact re-check against problem (18) (:func:`check_design`).
:func:`budget_continuation` follows one realisation up an increasing list of power budgets,
starting every run at the design of the previous budget (Fig. 5), and
:func:`summarize_continuation` turns its steps into arrays over the budgets.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .. import sim
from .._validation import as_array, check_flag, check_int, check_positive
from ..results import Certificate
from ._checks import check_scenario, solver_entry
from .admm import ADMMResult, decentralized_design
from .design import (
    CentralizedResult,
    Design,
    DesignCheck,
    baseline_separate,
    centralized_design,
    check_design,
    design_state,
    initial_state,
)
from .geometry import Scenario

__all__ = [
    "CONTINUED",
    "OUTCOMES",
    "SCHEMES",
    "ContinuationStep",
    "budget_continuation",
    "feasible_mean",
    "outcome",
    "run_schemes",
    "summarize",
    "summarize_continuation",
]

SCHEMES: tuple[str, ...] = ("Proposed 1", "Proposed 2", "Baseline 1", "Baseline 2")
"""Names of the compared schemes, in the paper's order."""

OUTCOMES: tuple[str, ...] = (
    "passed",
    "unconverged",
    "certified infeasible",
    "no feasible point",
    "solver error",
)
"""How a run ended, as counted in the tables (see :func:`outcome`)."""

CONTINUED: tuple[str, ...] = ("Proposed 1", "Proposed 2", "Baseline 2")
"""Schemes of :func:`budget_continuation`: those whose design at one power budget is a valid
design of the same scheme at every larger budget. Baseline 1 is not one of them: by its
definition its stage 1 senses with the whole budget, so its design changes with it."""


def _names(names, name: str, allowed=None) -> list[str]:
    """A non-empty sequence of scheme names (from ``allowed`` when given)."""
    if isinstance(names, str | bytes | dict) or not isinstance(names, Iterable):
        raise TypeError(f"{name} must be a sequence of scheme names, got {names!r}")
    names = list(names)
    if not names:
        raise ValueError(f"{name} must name at least one scheme")
    bad = [s for s in names if not isinstance(s, str) or (allowed and s not in allowed)]
    if bad:
        within = f" taken from {list(allowed)}" if allowed else ""
        raise ValueError(f"{name} must hold scheme names{within}, got {bad}")
    return names


def _mapping(x, name: str) -> dict:
    if not isinstance(x, dict):
        raise TypeError(f"{name} must be a dict of scheme name -> result, got {type(x).__name__}")
    return x


def outcome(result) -> str:
    """One of ``OUTCOMES`` for a scheme's result.

    ``"passed"``: a design that passes the exact re-check (:func:`check_design`);
    ``"unconverged"``: a design that fails it (status ``"max_iter"`` or ``"stalled"``);
    ``"certified infeasible"``: status ``"infeasible"`` (a certificate in the message);
    ``"no feasible point"``: status ``"no_feasible_point"`` (no proof of infeasibility);
    ``"solver error"``: status ``"solver_error"``.
    """
    if not all(hasattr(result, a) for a in ("status", "design", "check")):
        raise TypeError(
            f"result must be a scheme's result (status, design, check), got {type(result).__name__}"
        )
    if result.design is not None and result.check is not None and result.check.feasible:
        return "passed"
    return {
        "infeasible": "certified infeasible",
        "no_feasible_point": "no feasible point",
        "solver_error": "solver error",
    }.get(result.status, "unconverged")


@solver_entry
def run_schemes(
    scn: Scenario,
    *,
    schemes=SCHEMES,
    baseline2_mse: float = 1e-3,
    admm_iter: int = 40,
    bcd_iter: int = 30,
    progress: bool | None = None,
) -> dict:
    """Solve ``scn`` with the requested schemes of the paper's Section V.

    Parameters
    ----------
    scn : Scenario
    schemes : sequence of str
        A subset of ``wiretap.isac.SCHEMES``.
    baseline2_mse : float
        Sensing requirement ``tr(Q^(2))`` of baseline 2 (m^2); the paper does not give it.
    admm_iter, bcd_iter : int
        Iteration caps of Algorithm 2 and Algorithm 1.
    progress : bool, optional
        A progress bar over the schemes; by default only in an interactive session (the rule
        of :func:`wiretap.sim.progress`).

    Returns
    -------
    dict
        Scheme name -> result object (:class:`~wiretap.isac.CentralizedResult` or
        :class:`~wiretap.isac.ADMMResult`). When the shared starting point cannot be found,
        both proposed schemes get the initialisation's failure (``design is None``).

    Examples
    --------
    >>> from wiretap.isac import paper_scenario
    >>> out = run_schemes(paper_scenario(0, r_info=30.0), schemes=("Proposed 1",))
    >>> out["Proposed 1"].status, out["Proposed 1"].design is None
    ('infeasible', True)
    """
    check_scenario(scn)
    schemes = _names(schemes, "schemes", SCHEMES)
    check_positive(baseline2_mse, "baseline2_mse")
    admm_iter = check_int(admm_iter, "admm_iter", minimum=1)
    bcd_iter = check_int(bcd_iter, "bcd_iter", minimum=1)
    progress = check_flag(progress, "progress", optional=True)
    out: dict = {}
    init = None
    # always in the order of SCHEMES (the two proposed schemes share one starting point)
    for name in sim.progress([n for n in SCHEMES if n in schemes], show=progress, desc="schemes"):
        if name in ("Proposed 1", "Proposed 2"):
            init = init or initial_state(scn)
            status, msg, st = init
            if status not in ("converged", "max_iter"):
                # the initialisation's status and message, as each algorithm reports it
                kind = CentralizedResult if name == "Proposed 1" else ADMMResult
                out[name] = kind(
                    status=status,
                    iterations=0,
                    message="initialisation: " + msg,
                    init_iterations=st.iterations,
                )
            elif name == "Proposed 1":
                out[name] = centralized_design(scn, init=st, max_iter=bcd_iter)
            else:
                out[name] = decentralized_design(scn, init=st, max_iter=admm_iter)
        elif name == "Baseline 1":
            out[name] = baseline_separate(scn)
        else:
            out[name] = decentralized_design(
                scn, mode="fixed", mse=baseline2_mse, max_iter=admm_iter
            )
    return {name: out[name] for name in schemes}


def summarize(results: dict, names=None) -> dict[str, float]:
    """Numbers of each run for a figure: power, sensing MSE, iterations and outcome.

    Parameters
    ----------
    results : dict
        Scheme name -> result, as returned by :func:`run_schemes`.
    names : sequence of str, optional
        Schemes to report (default: those in ``results``); a name without a result gets
        ``nan`` in every field, so that runs of different schemes give the same keys.

    Returns
    -------
    dict of str to float
        For every scheme ``name``: ``name`` (total power, mW), ``name + " mse"``
        (``tr(CRB)``, m^2), ``name + " iterations"``, ``name + " converged"`` (1.0 for
        status ``"converged"``), and one indicator per outcome of :func:`outcome`:
        ``name + " ok"`` (passed the exact re-check), ``" unconverged"``, ``" infeasible"``
        (certified only), ``" no point"`` (no feasible point found, no proof) and
        ``" failed"`` (solver error); exactly one of them is 1.0. Power and MSE are
        ``nan`` unless the design passed.

    Examples
    --------
    >>> from wiretap.isac import paper_scenario
    >>> s = summarize(run_schemes(paper_scenario(0, r_info=30.0), schemes=("Baseline 1",)))
    >>> s["Baseline 1 ok"], s["Baseline 1 infeasible"], s["Baseline 1 no point"]
    (0.0, 1.0, 0.0)
    """
    _mapping(results, "results")
    names = None if names is None else _names(names, "names")
    suffixes = (" ok", " unconverged", " infeasible", " no point", " failed")
    fields = dict(zip(OUTCOMES, suffixes, strict=True))
    out = {}
    for name in results if names is None else names:
        r = results.get(name)
        if r is None:
            for suffix in ("", " mse", " iterations", " converged", *fields.values()):
                out[name + suffix] = float("nan")
            continue
        how = outcome(r)
        ok = how == "passed"
        out[name] = float(r.total_power) if ok else float("nan")
        out[name + " mse"] = float(r.mse) if ok else float("nan")
        out[name + " iterations"] = float(r.iterations)
        out[name + " converged"] = float(r.status == "converged")
        for key, suffix in fields.items():
            out[name + suffix] = float(how == key)
    return out


def feasible_mean(values) -> np.ndarray:
    """Mean over the last axis (the realisations) of the runs that produced a number.

    Infeasible or failed runs are ``nan`` in :func:`summarize`; they are left out of the
    mean, and a point where every run failed stays ``nan``.

    Examples
    --------
    >>> feasible_mean([[1.0, 3.0], [np.nan, 2.0], [np.nan, np.nan]]).tolist()
    [2.0, 2.0, nan]
    """
    v = as_array(values, "values", finite=False)
    cnt = np.sum(np.isfinite(v), axis=-1)
    tot = np.nansum(v, axis=-1)
    return np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)


@dataclass(frozen=True, kw_only=True)
class ContinuationStep:
    """The design a budget continuation reports at one power budget.

    It has the fields :func:`outcome` and :func:`summarize` read, so a list of steps is
    summarised like a list of runs.

    Attributes
    ----------
    p_max_dbm : float
        The power budget of this step (dBm).
    run : CentralizedResult or ADMMResult
        The run made at this budget: the starting (cold) run at the first budget and
        wherever no earlier step has a design, else the run warm-started at the previous
        step's design.
    source : str
        Where :attr:`design` comes from: ``"run"``, this budget's run (it passed its
        re-check with no more power than the previous step's design); ``"carried"``, the
        previous step's design (this budget's run did not pass, or ended with more power);
        ``"none"``, no design (neither exists).
    design : Design or None
    check : DesignCheck or None
        Re-check of :attr:`design` against problem (18) *at this budget*.
    status : str
        Status of the run that produced :attr:`design` (of :attr:`run` when there is none).
    message : str
        That run's message.
    total_power : float
        Total power of :attr:`design` (mW), ``nan`` without one.
    mse : float
        ``tr(CRB)`` of :attr:`design` (m^2), ``nan`` without one.
    iterations : int
        Iterations of :attr:`run` (the work done at this budget).
    """

    p_max_dbm: float
    run: CentralizedResult | ADMMResult
    source: str
    design: Design | None = None
    check: DesignCheck | None = None
    status: str = ""
    message: str = ""
    total_power: float = float("nan")
    mse: float = float("nan")
    iterations: int = 0

    @property
    def certificate(self) -> Certificate | None:
        """Feasibility certificate of :attr:`design` at this budget (None without one)."""
        return None if self.check is None else self.check.certificate()


def _passed(result) -> bool:
    return result.design is not None and result.check is not None and result.check.feasible


def _step(p_dbm: float, run, source: str, origin=None, check=None) -> ContinuationStep:
    """A step reporting ``origin``'s design, re-checked at this budget in ``check``."""
    if origin is None:
        return ContinuationStep(
            p_max_dbm=p_dbm,
            run=run,
            source="none",
            status=run.status,
            message=run.message,
            iterations=run.iterations,
        )
    return ContinuationStep(
        p_max_dbm=p_dbm,
        run=run,
        source=source,
        design=origin.design,
        check=check,
        status=origin.status,
        message=origin.message,
        total_power=float(np.sum(check.power)),
        mse=float(check.mse),
        iterations=run.iterations,
    )


def _warm_run(scn: Scenario, name: str, design: Design, baseline2_mse, admm_iter, bcd_iter):
    """``name``'s algorithm at ``scn``, started at ``design`` instead of :func:`initial_state`."""
    if name == "Proposed 1":
        return centralized_design(scn, init=design_state(scn, design), max_iter=bcd_iter)
    if name == "Proposed 2":
        return decentralized_design(scn, init=design_state(scn, design), max_iter=admm_iter)
    return decentralized_design(
        scn,
        mode="fixed",
        mse=baseline2_mse,
        init=design_state(scn, design, baseline2_mse),
        max_iter=admm_iter,
    )


@solver_entry
def budget_continuation(
    scn: Scenario,
    budgets_dbm,
    *,
    schemes=CONTINUED,
    start: dict | None = None,
    baseline2_mse: float = 1e-3,
    admm_iter: int = 40,
    bcd_iter: int = 30,
) -> dict[str, list[ContinuationStep]]:
    """Follow each scheme up a non-decreasing list of power budgets (continuation).

    Only the power constraint C1 of problem (18) depends on ``P_max``, and it loosens as the
    budget grows: a design that passes :func:`check_design` at one budget passes it at every
    larger budget, with the same power. So, at each budget after the first, the scheme's
    algorithm is started at the design reported at the previous budget (instead of at
    :func:`initial_state`, whose point depends on the budget), and the step reports the
    better of that run and the carried design. The reported power is therefore
    non-increasing in the budget by construction; :attr:`ContinuationStep.source` says
    which of the two was kept.

    Parameters
    ----------
    scn : Scenario
        The realisation; its own ``p_max`` is replaced by each budget in turn.
    budgets_dbm : sequence of float
        Non-decreasing power budgets ``P_max`` (dBm). A repeated budget restarts the
        algorithm at its own design: a control that measures what the restart alone gains.
    schemes : sequence of str
        A subset of ``wiretap.isac.CONTINUED``.
    start : dict, optional
        Scheme name -> a result already computed at ``budgets_dbm[0]`` (e.g. the output of
        :func:`run_schemes` at that budget), used as the first step instead of a new run.
    baseline2_mse : float
        Sensing requirement of baseline 2 (m^2), as in :func:`run_schemes`.
    admm_iter, bcd_iter : int
        Iteration caps of Algorithms 2 and 1, as in :func:`run_schemes`.

    Returns
    -------
    dict of str to list of ContinuationStep
        Scheme name -> one step per budget. Where no earlier step has a design (the first
        budget, or every earlier run failed) the step's run is a cold run of
        :func:`run_schemes`.

    Raises
    ------
    ValueError
        For a ``scn`` that is not a :class:`~wiretap.isac.Scenario`, budgets that are
        empty, not finite or decreasing, a non-positive ``baseline2_mse`` or iteration cap,
        a scheme outside ``wiretap.isac.CONTINUED``, or a ``start`` entry for a scheme
        that is not requested.

    References
    ----------
    Xu et al., Section V, Fig. 5 (power against the budget).

    Examples
    --------
    >>> from wiretap.isac import paper_scenario
    >>> scn = paper_scenario(0, q1_std=0.5)
    >>> out = budget_continuation(scn, [15.0, 20.0], schemes=("Proposed 1",))
    >>> [s.source for s in out["Proposed 1"]]
    ['run', 'run']
    >>> p = [s.total_power for s in out["Proposed 1"]]
    >>> bool(p[1] <= p[0])
    True
    """
    check_scenario(scn)
    budgets = as_array(budgets_dbm, "budgets_dbm", ndim=1)
    if budgets.size == 0 or not np.all(np.isfinite(budgets)):
        raise ValueError(f"budgets_dbm must be a non-empty finite sequence, got {budgets_dbm!r}")
    if np.any(np.diff(budgets) < 0):
        raise ValueError(f"budgets_dbm must be non-decreasing, got {budgets.tolist()}")
    schemes = _names(schemes, "schemes", CONTINUED)
    start = {} if start is None else dict(_mapping(start, "start"))
    extra = [s for s in start if s not in schemes]
    if extra:
        raise ValueError(f"start has results for schemes not requested: {extra}")
    check_positive(baseline2_mse, "baseline2_mse")
    kw = dict(
        baseline2_mse=baseline2_mse,
        admm_iter=check_int(admm_iter, "admm_iter", minimum=1),
        bcd_iter=check_int(bcd_iter, "bcd_iter", minimum=1),
    )
    out = {name: [] for name in schemes}
    for j, p in enumerate(budgets):
        s = dataclasses.replace(scn, p_max=float(10 ** (p / 10)))
        for name in schemes:
            prev = out[name][-1] if j else None
            if prev is None or prev.design is None:
                run = start[name] if j == 0 and name in start else None
                if run is None:
                    run = run_schemes(s, schemes=(name,), **kw)[name]
                out[name].append(
                    _step(p, run, "run", run, run.check) if _passed(run) else _step(p, run, "none")
                )
                continue
            run = _warm_run(s, name, prev.design, **kw)
            if _passed(run) and run.total_power <= prev.total_power:
                out[name].append(_step(p, run, "run", run, run.check))
            else:
                out[name].append(_step(p, run, "carried", prev, check_design(s, prev.design)))
    return out


def summarize_continuation(chain: dict, names=None, n_budgets: int | None = None) -> dict:
    """:func:`summarize` at every budget of a continuation, as arrays over the budgets.

    Parameters
    ----------
    chain : dict
        Scheme name -> list of :class:`ContinuationStep`, as returned by
        :func:`budget_continuation`.
    names : sequence of str, optional
        Schemes to report (default: those in ``chain``); a name without steps gets ``nan``
        arrays of length ``n_budgets``.
    n_budgets : int, optional
        Number of budgets (needed only for names without steps).

    Returns
    -------
    dict of str to ndarray
        Every field of :func:`summarize` (power, MSE, iterations, outcome indicators),
        each an array over the budgets, plus ``name + " carried"`` (1.0 where the design
        was carried from the previous budget) and ``name + " C1 margin"`` (the smallest
        per-BS margin ``(P_max - P_m) / P_max`` of the power constraint C1 at that budget,
        ``nan`` without a design).

    Examples
    --------
    >>> s = summarize_continuation({}, names=("Proposed 1",), n_budgets=2)
    >>> s["Proposed 1"].tolist(), s["Proposed 1 C1 margin"].tolist()
    ([nan, nan], [nan, nan])
    """
    _mapping(chain, "chain")
    names = list(chain) if names is None else _names(names, "names")
    if n_budgets is not None:
        n_budgets = check_int(n_budgets, "n_budgets", minimum=1)
    out = {}
    for name in names:
        steps = chain.get(name)
        if not steps:
            if n_budgets is None:
                raise ValueError(f"n_budgets is needed: chain has no steps for {name!r}")
            n = check_int(n_budgets, "n_budgets", minimum=1)
            rows = [summarize({}, names=[name]) for _ in range(n)]
            carried = margin = [float("nan")] * n
        else:
            rows = [summarize({name: st}) for st in steps]
            carried = [float(st.source == "carried") for st in steps]
            margin = [
                float("nan")
                if st.check is None
                else st.check.power_margin / 10 ** (st.p_max_dbm / 10)
                for st in steps
            ]
        for key in rows[0]:
            out[key] = np.array([r[key] for r in rows])
        out[name + " carried"] = np.array(carried)
        out[name + " C1 margin"] = np.array(margin)
    return out
