"""Solving cvxpy problems with Clarabel and reading the outcome honestly.

Every convex subproblem in :mod:`wiretap` goes through :func:`solve`, which

* calls Clarabel (the book's solver) and never raises on a solver failure: the failure is
  reported in the returned :class:`SolveInfo`;
* distinguishes ``optimal`` from ``optimal_inaccurate`` and from infeasible or unbounded
  outcomes, so the caller decides deliberately what to accept;
* records the solve and set-up times, so that benchmarks can separate compilation from
  solving (the point of writing problems once with Parameters, DPP).

Examples
--------
>>> import cvxpy as cp
>>> x = cp.Variable(2)
>>> info = solve(cp.Problem(cp.Minimize(cp.sum_squares(x - 1)), [cp.sum(x) <= 1]))
>>> info.status, round(info.value, 6)
('optimal', 0.5)
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import cvxpy as cp
import numpy as np

__all__ = [
    "ACCEPTED",
    "SolveInfo",
    "hermitian_residual",
    "require_dpp",
    "solve",
    "solve_with_retries",
]

ACCEPTED = ("optimal",)
"""Statuses :attr:`SolveInfo.ok` accepts by default."""


@dataclass(frozen=True)
class SolveInfo:
    """Outcome of one call of :func:`solve`.

    Attributes
    ----------
    status : str
        cvxpy status (``"optimal"``, ``"optimal_inaccurate"``, ``"infeasible"``,
        ``"infeasible_inaccurate"``, ``"unbounded"``, ``"unbounded_inaccurate"``,
        ``"user_limit"``) or ``"solver_error"`` when the solver failed.
    value : float
        Optimal value (``nan`` unless the status is optimal or optimal_inaccurate;
        ``+inf``/``-inf`` for infeasible/unbounded as cvxpy reports them).
    ok : bool
        True when ``status`` is among the accepted statuses.
    solve_time : float
        Solver time in seconds as reported by the solver (``nan`` if unavailable).
    wall_time : float
        Wall-clock time of the whole call, compilation included, in seconds.
    iterations : int
        Solver iterations (-1 if unavailable).
    message : str
        Error text for ``solver_error``, else ``""``.
    """

    status: str
    value: float
    ok: bool
    solve_time: float
    wall_time: float
    iterations: int
    message: str = ""

    @property
    def infeasible(self) -> bool:
        """True for ``infeasible`` and ``infeasible_inaccurate``."""
        return self.status.startswith("infeasible")


def solve(
    problem: cp.Problem,
    *,
    accept: tuple[str, ...] = ACCEPTED,
    verbose: bool = False,
    **solver_options,
) -> SolveInfo:
    """Solve ``problem`` with Clarabel and report the outcome.

    Parameters
    ----------
    problem : cvxpy.Problem
        The problem (compiled on its first solve; later solves of a DPP problem reuse the
        compilation).
    accept : tuple of str
        Statuses that count as success (:attr:`SolveInfo.ok`); e.g. add
        ``"optimal_inaccurate"`` where a slightly inaccurate solution is acceptable.
    verbose : bool
        Print the solver log.
    **solver_options
        Passed to Clarabel (e.g. ``tol_gap_abs=1e-9``, ``max_iter=200``).

    Returns
    -------
    SolveInfo

    Raises
    ------
    ValueError
        If ``problem`` is not a :class:`cvxpy.Problem` or ``accept`` names an unknown
        status.
    """
    if not isinstance(problem, cp.Problem):
        raise ValueError(f"problem must be a cvxpy.Problem, got {type(problem).__name__}")
    known = set(cp.settings.SOLUTION_PRESENT + cp.settings.INF_OR_UNB) | {
        cp.settings.USER_LIMIT,
        "solver_error",
    }
    if isinstance(accept, str) or not isinstance(accept, tuple | list | set | frozenset):
        raise TypeError(f"accept must be a tuple of statuses, got {type(accept).__name__}")
    if not accept:
        raise ValueError("accept must name at least one status")
    bad = [s for s in accept if s not in known]
    if bad:
        raise ValueError(f"accept contains unknown statuses {bad}; known: {sorted(known)}")
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            # The status (e.g. optimal_inaccurate) is reported in SolveInfo instead.
            warnings.filterwarnings("ignore", message="Solution may be inaccurate")
            problem.solve(solver=cp.CLARABEL, verbose=verbose, **solver_options)
    except cp.error.SolverError as exc:
        return SolveInfo(
            status="solver_error",
            value=float("nan"),
            ok="solver_error" in accept,
            solve_time=float("nan"),
            wall_time=time.perf_counter() - t0,
            iterations=-1,
            message=str(exc),
        )
    wall = time.perf_counter() - t0
    status = str(problem.status)
    stats = problem.solver_stats
    value = problem.value if problem.value is not None else float("nan")
    if status not in cp.settings.SOLUTION_PRESENT and not np.isinf(value):
        value = float("nan")
    return SolveInfo(
        status=status,
        value=float(value),
        ok=status in accept,
        solve_time=float(stats.solve_time) if stats and stats.solve_time is not None else np.nan,
        wall_time=wall,
        iterations=int(stats.num_iters) if stats and stats.num_iters is not None else -1,
    )


def solve_with_retries(
    problem: cp.Problem,
    ladder: tuple[dict, ...] = ({},),
    *,
    accept: tuple[str, ...] = ACCEPTED,
    stop_on_infeasible: bool = True,
    report: str = "last",
    retry_on: tuple[str, ...] | None = None,
    **solver_options,
) -> tuple[SolveInfo, int]:
    """Solve with Clarabel, trying the settings of ``ladder`` in turn until one succeeds.

    Interior-point solves of the book's subproblems occasionally stop short (Clarabel's
    "insufficient progress" near an optimum); more regularisation or shorter steps usually let
    them finish. This is the one retry ladder of the library: each rung's settings are merged
    over ``solver_options`` and passed to :func:`solve`.

    Note that cvxpy (1.9) re-solves a compiled problem with its cached Clarabel solver, whose
    settings persist: a rung's settings are applied on top of the previous rungs' (and stay for
    later solves of the same problem) unless ``warm_start=False`` is among ``solver_options``.

    Parameters
    ----------
    problem : cvxpy.Problem
    ladder : tuple of dict
        Clarabel settings per attempt, the first one included (``{}`` = ``solver_options``
        alone). At least one rung.
    accept : tuple of str
        Statuses that count as success (see :func:`solve`).
    stop_on_infeasible : bool
        If True, an infeasible outcome is reported as it is, without retrying.
    report : {"last", "first"}
        Which attempt's outcome to return when every rung fails.
    retry_on : tuple of str, optional
        Retry only after these statuses (e.g. ``("solver_error",)``: an inaccurate or
        infeasible outcome is then reported at once). Default: after any unaccepted status.
    **solver_options
        Settings common to every rung.

    Returns
    -------
    info : SolveInfo
        The successful (or infeasible) attempt, else the first or last failed one.
    retries : int
        Retries made: the index in ``ladder`` of the successful attempt (0 when the first
        rung succeeded), ``len(ladder) - 1`` when all failed.

    Raises
    ------
    ValueError
        If ``ladder`` is empty or holds a non-dict, ``report`` is unknown, or ``retry_on`` is
        not a non-empty tuple of status strings.
    """
    if not isinstance(ladder, tuple | list) or not ladder:
        raise ValueError("ladder must be a non-empty tuple of settings dicts")
    if not all(isinstance(rung, dict) for rung in ladder):
        raise ValueError("ladder must hold dicts of Clarabel settings")
    if report not in ("last", "first"):
        raise ValueError(f"report must be 'last' or 'first', got {report!r}")
    if retry_on is not None and (
        not isinstance(retry_on, tuple | list)
        or not retry_on
        or not all(isinstance(s, str) for s in retry_on)
    ):
        raise ValueError(
            f"retry_on must be None or a non-empty tuple of statuses, got {retry_on!r}"
        )
    first = info = None
    for j, extra in enumerate(ladder):
        info = solve(problem, accept=accept, **{**solver_options, **extra})
        if info.ok or (stop_on_infeasible and info.infeasible):
            return info, j
        if retry_on is not None and info.status not in retry_on:
            return info, j
        first = info if first is None else first
    return (first if report == "first" else info), len(ladder) - 1


def require_dpp(problem: cp.Problem) -> cp.Problem:
    """Return ``problem`` after checking it is DPP (re-solvable without recompiling).

    Raises
    ------
    ValueError
        If the problem is not DPP-compliant; the message lists the usual causes.
    """
    if not isinstance(problem, cp.Problem):
        raise ValueError(f"problem must be a cvxpy.Problem, got {type(problem).__name__}")
    if not problem.is_dcp(dpp=True):
        raise ValueError(
            "problem is not DPP: avoid quad_form(x, P) with a Parameter P (use "
            "sum_squares(P_sqrt @ x)), division by a Parameter (pass its inverse), and "
            "products of two Parameters (precompute them in numpy)"
        )
    return problem


def hermitian_residual(M) -> float:
    """Relative size of the anti-Hermitian part of ``M``: ``||M - M^H||_F / (2 ||M||_F)``.

    A PSD constraint in cvxpy on a non-Hermitian expression silently enforces only its
    Hermitian part; after a solve, assert that this residual is small for every LMI.

    Parameters
    ----------
    M : array_like, shape (n, n)

    Returns
    -------
    float
        0 for a Hermitian matrix (and for the zero matrix).
    """
    A = np.asarray(M.value if hasattr(M, "value") and not isinstance(M, np.ndarray) else M)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"M must be a square matrix, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError("M must be finite (no NaN or inf)")
    nrm = np.linalg.norm(A)
    if nrm == 0:
        return 0.0
    return float(np.linalg.norm(A - A.conj().T) / (2 * nrm))
