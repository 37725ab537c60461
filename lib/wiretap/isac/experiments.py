"""The four schemes of the paper's Section V on one instance, and a summary of each run.

:func:`run_schemes` solves one :class:`~wiretap.isac.Scenario` with the proposed
centralized design (Algorithm 1, "Proposed 1"), the proposed decentralized design
(Algorithm 2, "Proposed 2"), baseline 1 (separate two-stage design) and baseline 2 (a fixed
sensing requirement, decentralized), sharing one starting point between the two proposed
schemes. :func:`summarize` turns each result into numbers for a figure; a run counts only if
its design passes the exact re-check against problem (18) (:func:`check_design`).
"""

from __future__ import annotations

import numpy as np

from .._validation import check_int, check_positive
from .admm import ADMMResult, decentralized_design
from .design import CentralizedResult, baseline_separate, centralized_design, initial_state
from .geometry import Scenario

__all__ = ["OUTCOMES", "SCHEMES", "feasible_mean", "outcome", "run_schemes", "summarize"]

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


def outcome(result) -> str:
    """One of ``OUTCOMES`` for a scheme's result.

    ``"passed"``: a design that passes the exact re-check (:func:`check_design`);
    ``"unconverged"``: a design that fails it (status ``"max_iter"`` or ``"stalled"``);
    ``"certified infeasible"``: status ``"infeasible"`` (a certificate in the message);
    ``"no feasible point"``: status ``"no_feasible_point"`` (no proof of infeasibility);
    ``"solver error"``: status ``"solver_error"``.
    """
    if result.design is not None and result.check is not None and result.check.feasible:
        return "passed"
    return {
        "infeasible": "certified infeasible",
        "no_feasible_point": "no feasible point",
        "solver_error": "solver error",
    }.get(result.status, "unconverged")


def run_schemes(
    scn: Scenario,
    *,
    schemes=SCHEMES,
    baseline2_mse: float = 1e-3,
    admm_iter: int = 40,
    bcd_iter: int = 30,
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
    bad = [s for s in schemes if s not in SCHEMES]
    if bad:
        raise ValueError(f"schemes must be taken from {list(SCHEMES)}, got {bad}")
    check_positive(baseline2_mse, "baseline2_mse")
    admm_iter = check_int(admm_iter, "admm_iter", minimum=1)
    bcd_iter = check_int(bcd_iter, "bcd_iter", minimum=1)
    out = {}
    if "Proposed 1" in schemes or "Proposed 2" in schemes:
        status, msg, st = initial_state(scn)
        if status not in ("converged", "max_iter"):
            # the initialisation's status and message, as each algorithm reports it
            kw = dict(
                status=status,
                iterations=0,
                message="initialisation: " + msg,
                init_iterations=st.iterations,
            )
            if "Proposed 1" in schemes:
                out["Proposed 1"] = CentralizedResult(**kw)
            if "Proposed 2" in schemes:
                out["Proposed 2"] = ADMMResult(**kw)
        else:
            if "Proposed 1" in schemes:
                out["Proposed 1"] = centralized_design(scn, init=st, max_iter=bcd_iter)
            if "Proposed 2" in schemes:
                out["Proposed 2"] = decentralized_design(scn, init=st, max_iter=admm_iter)
    if "Baseline 1" in schemes:
        out["Baseline 1"] = baseline_separate(scn)
    if "Baseline 2" in schemes:
        out["Baseline 2"] = decentralized_design(
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
    v = np.asarray(values, float)
    cnt = np.sum(np.isfinite(v), axis=-1)
    tot = np.nansum(v, axis=-1)
    return np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)
