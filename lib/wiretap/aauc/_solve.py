"""Clarabel with a retry: one place where the AAUC solvers call :func:`wiretap.convex.solve`.

Clarabel occasionally stops with ``InsufficientProgress`` on nearly degenerate instances
(for example IRS reflections whose SNR is 1e-3 next to direct SNRs of 1e3); cvxpy reports
that as a solver error. The same problem then solves with a shorter maximal interior-point
step or a larger static regularization. We retry with those settings before reporting a
``solver_error``; the number of retries is recorded by the callers.
"""

from __future__ import annotations

import cvxpy as cp

from .. import convex

RETRY_SETTINGS: tuple[dict, ...] = (
    {"max_step_fraction": 0.9},
    {"static_regularization_constant": 1e-7},
)


def solve(problem: cp.Problem, accept: tuple[str, ...]) -> tuple[convex.SolveInfo, int]:
    """Solve with default settings, then with :data:`RETRY_SETTINGS` on a solver error.

    Returns
    -------
    info : wiretap.convex.SolveInfo
        The last attempt's outcome.
    retries : int
        Number of retries used (0 when the first attempt worked).
    """
    info = convex.solve(problem, accept=accept)
    retries = 0
    for opts in RETRY_SETTINGS:
        if info.status != "solver_error":
            break
        retries += 1
        info = convex.solve(problem, accept=accept, **opts)
    return info, retries
