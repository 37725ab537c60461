"""Clarabel with a retry: one place where the AAUC solvers call :func:`wiretap.convex.solve`.

Every solve uses :data:`SOLVER_SETTINGS` (the QDLDL factorization, much faster than
Clarabel's default on these sizes).

Clarabel occasionally stops with ``InsufficientProgress`` on nearly degenerate instances
(for example IRS reflections whose SNR is 1e-3 next to direct SNRs of 1e3); cvxpy reports
that as a solver error. The same problem then solves with a shorter maximal interior-point
step or a larger static regularization. We retry with those settings before reporting a
``solver_error``; the number of retries is recorded by the callers. The ladder is the shared
one (:func:`wiretap.convex.solve_with_retries`) with ``retry_on=("solver_error",)``: an
unaccepted ``optimal_inaccurate`` (``sco(accept_inaccurate=False)``) or an infeasible outcome
is reported at once, not retried.

:func:`sca_verdict` turns the model gap of a successive-approximation run (direct
transmission, the IRS scheme) into its certificate, status and message.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from .. import convex
from ..results import Certificate, settle

RETRY_SETTINGS: tuple[dict, ...] = (
    {"max_step_fraction": 0.9},
    {"static_regularization_constant": 1e-7},
)

SOLVER_SETTINGS: dict = {"direct_solve_method": "qdldl"}
"""Clarabel settings of every AAUC solve. Clarabel 0.11's default ``"auto"`` picks the
multithreaded ``faer`` factorization; on the AAUC subproblems (a few hundred variables with
dense rows) the single-threaded QDLDL factorization takes the same interior-point steps and
is 3 to 4 times faster (measured at N = K = 100: SCO subproblem 0.05 s instead of 0.18 s,
multicast SOCP 0.03 s instead of 0.14 s, on the shared 2-core machine)."""


def solve_with_retry(problem: cp.Problem, accept: tuple[str, ...]) -> tuple[convex.SolveInfo, int]:
    """Solve with default settings, then with :data:`RETRY_SETTINGS` on a solver error.

    Returns
    -------
    info : wiretap.convex.SolveInfo
        The last attempt's outcome.
    retries : int
        Number of retries used (0 when the first attempt worked).
    """
    # warm_start=False: cvxpy would otherwise reuse the Clarabel solver object of the previous
    # solve of this compiled problem, settings included (a retry's settings would then leak
    # into later solves, and a result would depend on what the process solved before)
    return convex.solve_with_retries(
        problem,
        ({}, *RETRY_SETTINGS),
        accept=accept,
        retry_on=("solver_error",),
        warm_start=False,
        **SOLVER_SETTINGS,
    )


def sca_verdict(
    gap: float, gap_tol: float, detail: str, *, rule_met: bool, message: str, label: str
) -> tuple[Certificate, str, str]:
    """Certificate, status and message of an SCA run from its relative model gap.

    The certificate (kind ``"stationarity"``) is ``max(gap, 0)`` (``nan`` when the gap is not
    finite) against ``gap_tol``; the status settles the stopping rule against it, and a
    status other than ``"converged"`` appends ``"relative <label> gap ..."`` to ``message``.
    """
    cert = Certificate(
        kind="stationarity",
        value=max(gap, 0.0) if np.isfinite(gap) else float("nan"),
        tolerance=gap_tol,
        detail=detail,
    )
    status = settle(rule_met, cert, otherwise="max_iter")
    if status != "converged":
        message = (message + "; " if message else "") + (
            f"relative {label} gap {cert.value:.2e} (tolerance {gap_tol:g})"
        )
    return cert, status, message
