"""Common shape of solver results.

Every iterative solver in :mod:`wiretap` returns a frozen dataclass that extends
:class:`IterativeResult`: the solution fields first, then these shared fields. Keeping the
same names everywhere lets chapters, tests and benchmarks treat all solvers alike.

Status vocabulary
-----------------
``"converged"``
    The stopping rule was met (the solver's docstring states the rule and tolerance).
``"max_iter"``
    The iteration cap was reached before the stopping rule; the last iterate is returned,
    but it is *not* claimed to be a solution.
``"infeasible"``
    The problem (or a subproblem that must be feasible) was found infeasible.
``"solver_error"``
    A numerical solver failed; ``message`` says which subproblem and why.

Example
-------
>>> from dataclasses import dataclass
>>> import numpy as np
>>> @dataclass(frozen=True, kw_only=True)
... class MyResult(IterativeResult):
...     x: np.ndarray
>>> r = MyResult(x=np.zeros(2), status="converged", iterations=3,
...              history={"objective": np.array([1.0, 0.5, 0.4])}, elapsed=0.01)
>>> r.success
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["STATUSES", "IterativeResult", "as_history"]

STATUSES = ("converged", "max_iter", "infeasible", "solver_error")
"""Valid values of :attr:`IterativeResult.status`."""


@dataclass(frozen=True, kw_only=True)
class IterativeResult:
    """Fields shared by all iterative solver results.

    Attributes
    ----------
    status : str
        One of :data:`STATUSES`.
    iterations : int
        Iterations performed (>= 0).
    history : dict of str to ndarray
        Per-iteration traces, each of length ``iterations`` or ``iterations + 1`` (when the
        starting point is included), e.g. ``"objective"``, ``"residual"``.
    elapsed : float
        Wall-clock time in seconds.
    message : str
        Human-readable detail, mandatory for ``"infeasible"`` and ``"solver_error"``.
    """

    status: str
    iterations: int
    history: dict[str, np.ndarray] = field(default_factory=dict)
    elapsed: float = 0.0
    message: str = ""

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {list(STATUSES)}, got {self.status!r}")
        if isinstance(self.iterations, bool) or not isinstance(self.iterations, (int, np.integer)):
            raise ValueError(f"iterations must be an int, got {self.iterations!r}")
        if self.iterations < 0:
            raise ValueError(f"iterations must be >= 0, got {self.iterations}")
        if self.status in ("infeasible", "solver_error") and not self.message:
            raise ValueError(f"a result with status {self.status!r} needs a message")

    @property
    def success(self) -> bool:
        """True when the stopping rule was met."""
        return self.status == "converged"


def as_history(traces: dict[str, list]) -> dict[str, np.ndarray]:
    """Convert lists collected during iterations into arrays (validated to be 1-D or more)."""
    out = {}
    for k, v in traces.items():
        arr = np.asarray(v)
        if arr.ndim == 0:
            raise ValueError(f"history[{k!r}] must be a sequence, got a scalar")
        out[str(k)] = arr
    return out
