"""Robust secrecy competition in small-cell networks (Tang et al., IEEE TWC 2021).

Small-cell base stations (SBSs) choose their powers on ``K`` channels to maximize the
*robust* secrecy rate of their users against eavesdroppers with uncertain channels, while
the worst-case aggregate interference at the macro-cell users (MUEs) stays below a
threshold. The part of the book built on this module derives every step; the module holds

* ``wiretap.smallcell.network``: the network model and the Table I generator;
* ``wiretap.smallcell.robust``: rates, closed-form worst cases (corrected (22)-(23)),
  worst-case evaluation;
* ``wiretap.smallcell.response``: the exact best response (33) and its cvxpy
  reference;
* ``wiretap.smallcell.algorithms``: Algorithms 1 and 2 and the three designs of Sec. VI;
* ``wiretap.smallcell.analysis``: the VI map, its Jacobian, the matrix Υ of Theorem 2,
  and the KKT certificate of Theorem 3.
* ``wiretap.smallcell.equilibrium``: variational equilibria on every network, by a
  semismooth Newton method on the KKT system of the VI, with multistarts.
* ``wiretap.smallcell.experiments``: the Monte Carlo drivers of Figs. 2-7.

The batched kernels behind them are internal: ``core`` (stacked networks), ``_brsolve``
(the exact best-response solvers), ``_nash`` (best-response sweeps, Algorithm 1),
``_pricing`` (Algorithm 2) and ``_mcp`` (the complementarity system and its Newton method).
"""

from . import analysis, equilibrium, experiments
from .algorithms import (
    MODES,
    SCHEMES,
    NashResult,
    PriceResult,
    SchemeOutcome,
    best_response,
    initial_power,
    price_iteration,
    priced_equilibrium,
    solve_many,
    solve_scheme,
    theorem6_step,
)
from .equilibrium import (
    EquilibriumSet,
    VIResult,
    distinct_equilibria,
    vi_equilibria,
    vi_equilibrium,
    vi_many,
)
from .network import (
    TABLE_I,
    Geometry,
    Network,
    coupled_network,
    generate_network,
    path_gain_db,
    with_uncertainty,
)
from .response import (
    BestResponseSolution,
    CvxpyBestResponse,
    fixed_tau_response,
    solve_best_response,
)
from .robust import (
    Evaluation,
    evaluate,
    eve_coefficient,
    eve_coefficient_printed,
    eve_sinr,
    interference,
    legit_coefficient,
    legit_coefficient_printed,
    legit_sinr,
    secrecy_rates,
    worst_case_eve_gains,
    worst_case_mue_gains,
    zeta,
)

__all__ = [
    "MODES",
    "SCHEMES",
    "TABLE_I",
    "BestResponseSolution",
    "CvxpyBestResponse",
    "EquilibriumSet",
    "Evaluation",
    "Geometry",
    "NashResult",
    "Network",
    "PriceResult",
    "SchemeOutcome",
    "VIResult",
    "analysis",
    "best_response",
    "coupled_network",
    "distinct_equilibria",
    "equilibrium",
    "evaluate",
    "eve_coefficient",
    "eve_coefficient_printed",
    "eve_sinr",
    "experiments",
    "fixed_tau_response",
    "generate_network",
    "initial_power",
    "interference",
    "legit_coefficient",
    "legit_coefficient_printed",
    "legit_sinr",
    "path_gain_db",
    "price_iteration",
    "priced_equilibrium",
    "secrecy_rates",
    "solve_best_response",
    "solve_many",
    "solve_scheme",
    "theorem6_step",
    "vi_equilibria",
    "vi_equilibrium",
    "vi_many",
    "with_uncertainty",
    "worst_case_eve_gains",
    "worst_case_mue_gains",
    "zeta",
]
