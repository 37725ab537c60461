"""Common shape of solver results.

Every iterative solver in :mod:`wiretap` returns a frozen dataclass that extends
:class:`IterativeResult`: the solution fields first, then these shared fields. Keeping the
same names everywhere lets chapters, tests and benchmarks treat all solvers alike.

Status vocabulary
-----------------
``"converged"``
    The stopping rule was met (the solver's docstring states the rule and tolerance) *and*
    the result's :class:`Certificate` holds (its value is at most its tolerance). A result
    cannot be built with ``"converged"`` and a failing certificate, nor without a certificate.
``"max_iter"``
    The iteration cap was reached before the stopping rule; the last iterate is returned,
    but it is *not* claimed to be a solution.
``"stalled"``
    The iteration stopped making progress before its stopping rule was met, or the rule was
    met while the certificate fails: a rejected step, a collapsed step size, an inner solve
    that no longer improves. The last iterate is returned and is *not* claimed stationary.
``"infeasible"``
    The problem (or a subproblem that must be feasible) was *certified* infeasible: the
    certificate (a Farkas/dual ray, a positive lower bound on the violation) is in
    ``certificate`` or ``message``.
``"no_feasible_point"``
    A local feasibility phase ended without a feasible point. This is *not* a proof of
    infeasibility: a better start or a global method may still find one.
``"solver_error"``
    A numerical solver failed; ``message`` says which subproblem and why.

Certificates
------------
``certificate`` says what the returned point is, in one number checked against a tolerance:
a KKT or stationarity residual, a Frank–Wolfe or projected-gradient gap, a duality gap, the
gap to an exact worst case, or a feasibility margin. :func:`settle` turns "the stopping rule
was met" and the certificate into a status, so that every solver applies the same rule.

Example
-------
>>> from dataclasses import dataclass
>>> import numpy as np
>>> @dataclass(frozen=True, kw_only=True)
... class MyResult(IterativeResult):
...     x: np.ndarray
>>> cert = Certificate(kind="stationarity", value=2e-9, tolerance=1e-8)
>>> r = MyResult(x=np.zeros(2), status=settle(True, cert), iterations=3, certificate=cert,
...              history={"objective": np.array([1.0, 0.5, 0.4])}, elapsed=0.01)
>>> r.success, r.certified
(True, True)
>>> settle(True, Certificate(kind="stationarity", value=1e-3, tolerance=1e-8))
'stalled'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

__all__ = ["STATUSES", "Certificate", "IterativeResult", "as_history", "settle"]

STATUSES = (
    "converged",
    "max_iter",
    "stalled",
    "infeasible",
    "no_feasible_point",
    "solver_error",
)
"""Valid values of :attr:`IterativeResult.status`."""


@dataclass(frozen=True)
class Certificate:
    """What a returned point is, as one number against a tolerance.

    Attributes
    ----------
    kind : str
        What is measured, e.g. ``"kkt_residual"``, ``"stationarity"`` (a projected-gradient
        or Frank–Wolfe gap), ``"duality_gap"``, ``"worst_case_gap"``, ``"feasibility"``,
        ``"equilibrium_residual"``.
    value : float
        The measured value (>= 0; NaN when it could not be computed).
    tolerance : float
        The value at or below which the certificate holds (> 0).
    detail : str
        Optional words: which norm, relative to what, which subproblem.
    """

    kind: str
    value: float
    tolerance: float
    detail: str = ""

    def __post_init__(self):
        if not isinstance(self.kind, str) or not self.kind:
            raise ValueError(f"kind must be a non-empty str, got {self.kind!r}")
        object.__setattr__(self, "value", float(self.value))
        object.__setattr__(self, "tolerance", float(self.tolerance))
        if not (self.tolerance > 0 and np.isfinite(self.tolerance)):
            raise ValueError(f"tolerance must be positive and finite, got {self.tolerance!r}")
        if self.value < 0:
            raise ValueError(f"value must be >= 0 (or NaN), got {self.value!r}")

    @property
    def holds(self) -> bool:
        """True when ``value <= tolerance`` (False for NaN)."""
        return bool(np.isfinite(self.value) and self.value <= self.tolerance)


def settle(rule_met: bool, certificate: Certificate | None, *, otherwise: str = "max_iter") -> str:
    """Status of a finished iteration from its stopping rule and its certificate.

    Parameters
    ----------
    rule_met : bool
        Whether the solver's stopping rule fired.
    certificate : Certificate or None
        The certificate of the returned point (None: nothing could be certified).
    otherwise : str
        Status when the rule was not met (``"max_iter"`` or ``"stalled"``).

    Returns
    -------
    str
        ``"converged"`` when the rule was met and the certificate holds; ``"stalled"`` when
        the rule was met but the certificate fails or is missing; else ``otherwise``.
    """
    if otherwise not in STATUSES or otherwise == "converged":
        raise ValueError(f"otherwise must be a non-converged status, got {otherwise!r}")
    if certificate is not None and not isinstance(certificate, Certificate):
        raise TypeError(
            f"certificate must be a Certificate or None, got {type(certificate).__name__}"
        )
    if rule_met:
        return "converged" if certificate is not None and certificate.holds else "stalled"
    return otherwise


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
        Human-readable detail, mandatory for every status but ``"converged"``.
    certificate : Certificate or None
        What the returned point is (see :class:`Certificate`); required for ``"converged"``,
        and it must hold there.
    """

    status: str
    iterations: int
    history: dict[str, np.ndarray] = field(default_factory=dict)
    elapsed: float = 0.0
    message: str = ""
    certificate: Certificate | None = None

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {list(STATUSES)}, got {self.status!r}")
        if isinstance(self.iterations, bool) or not isinstance(self.iterations, (int, np.integer)):
            raise ValueError(f"iterations must be an int, got {self.iterations!r}")
        if self.iterations < 0:
            raise ValueError(f"iterations must be >= 0, got {self.iterations}")
        if self.status in ("infeasible", "no_feasible_point", "solver_error", "stalled") and (
            not self.message
        ):
            raise ValueError(f"a result with status {self.status!r} needs a message")
        if self.certificate is not None and not isinstance(self.certificate, Certificate):
            raise ValueError(f"certificate must be a Certificate, got {self.certificate!r}")
        if self.status == "converged" and (self.certificate is None or not self.certificate.holds):
            raise ValueError(
                "status 'converged' needs a certificate that holds, got "
                f"{self.certificate!r}; use settle() to choose the status"
            )

    @property
    def success(self) -> bool:
        """True when the stopping rule was met and the certificate holds."""
        return self.status == "converged"

    @property
    def certified(self) -> bool:
        """True when a certificate is attached and holds (whatever the status)."""
        return self.certificate is not None and self.certificate.holds


def as_history(traces: dict[str, list]) -> dict[str, np.ndarray]:
    """Convert lists collected during iterations into arrays (validated to be 1-D or more)."""
    if not isinstance(traces, Mapping):
        raise TypeError(f"traces must be a dict of lists, got {type(traces).__name__}")
    out = {}
    for k, v in traces.items():
        arr = np.asarray(v)
        if arr.ndim == 0:
            raise ValueError(f"history[{k!r}] must be a sequence, got a scalar")
        out[str(k)] = arr
    return out
