"""Consensus ADMM in scaled form, with an increasing penalty option and message counting.

Global consensus: ``N`` agents minimize ``sum_i f_i(x)`` over a shared variable, agent ``i``
knowing only ``f_i``. Give each agent a local copy ``x_i`` and require ``x_i = z``:

``minimize sum_i f_i(x_i) + g(z)  subject to  x_i = z,  i = 1..N``.

The scaled-form ADMM iteration (``u_i`` = scaled dual variable, ``rho`` = penalty) is

1. ``x_i <- argmin f_i(x) + rho/2 ||x - z + u_i||^2``   (in parallel, at the agents);
2. ``z <- argmin g(z) + (N rho / 2) ||z - mean_i(x_i + u_i)||^2``   (at the fusion centre;
   for ``g`` the indicator of a convex set this is a Euclidean projection of the mean);
3. ``u_i <- u_i + x_i - z``.

Residuals: primal ``r = sqrt(sum_i ||x_i - z||^2)``, dual ``s = rho sqrt(N) ||z - z_prev||``.

References
----------
S. Boyd, N. Parikh, E. Chu, B. Peleato and J. Eckstein, "Distributed optimization and
statistical learning via the alternating direction method of multipliers," Found. Trends
Mach. Learn., 3(1), 2011, Sec. 3.1.1, 3.3, 3.4.1 and 7.1. ISAC paper Algorithm 2.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._validation import as_array, check_choice, check_int, check_positive, check_range
from .results import Certificate, IterativeResult, as_history, settle
from .sca import StepFailure

__all__ = ["ConsensusResult", "StepFailure", "consensus_admm"]


@dataclass(frozen=True, kw_only=True)
class ConsensusResult(IterativeResult):
    """Outcome of :func:`consensus_admm`.

    Attributes
    ----------
    z : ndarray
        Consensus (global) variable.
    xs : tuple of ndarray
        Local copies ``x_i``.
    us : tuple of ndarray
        Scaled dual variables ``u_i`` (the unscaled multipliers are ``rho u_i``).
    rho : float
        Penalty at the end.
    messages : int
        Real numbers exchanged between agents and fusion centre (a complex entry counts
        as two): each iteration every agent uploads ``x_i + u_i`` and downloads ``z``.
    certificate : Certificate or None
        Kind ``"admm_residuals"``: ``max(r / eps_pri, s / eps_dual)`` at the last iteration,
        tolerance 1 (see :func:`consensus_admm`); None when no iteration completed.

    Notes
    -----
    History: ``"primal_residual"``, ``"dual_residual"``, ``"rho"`` (penalty used in the iteration),
    ``"messages"`` (cumulative), and ``"objective"`` when an objective is given.
    """

    z: np.ndarray
    xs: tuple
    us: tuple
    rho: float
    messages: int


def consensus_admm(
    local_updates: Sequence[Callable],
    z0,
    rho: float,
    *,
    project: Callable | None = None,
    rho_growth: float = 1.0,
    rho_max: float = np.inf,
    tol: float = 1e-6,
    atol: float | None = None,
    max_iter: int = 500,
    adapt: str = "none",
    objective: Callable | None = None,
    selectors: Sequence | None = None,
    callback: Callable | None = None,
) -> ConsensusResult:
    """Solve ``min sum_i f_i(x)`` (``x`` in a convex set) by consensus ADMM, scaled form.

    Parameters
    ----------
    local_updates : sequence of callable
        ``local_updates[i](v, rho)`` returns ``argmin_x f_i(x) + rho/2 ||x - v||^2`` (the
        proximal operator of ``f_i / rho`` at ``v``). Raise :class:`StepFailure` to report
        an infeasible or failed local problem.
    z0 : array_like
        Initial consensus variable (real or complex, any shape).
    rho : float
        Initial penalty (> 0).
    project : callable, optional
        Euclidean projection for the ``z``-update (``g`` = indicator of a convex set);
        ``None`` means no global constraint (``z`` = mean of ``x_i + u_i``).
    rho_growth : float
        ``rho_{k+1} = min(rho_growth * rho_k, rho_max)`` (>= 1; 1 = constant penalty). An
        increasing penalty speeds up reaching feasibility; convergence is kept because
        ``rho`` stays bounded: ``rho_growth > 1`` requires a finite ``rho_max``.
    rho_max : float
        Cap of the penalty.
    tol, atol : float
        Relative and absolute tolerances (Boyd et al. eq. (3.12)): stop when
        ``r <= sqrt(N n) atol + tol max(||x||, sqrt(N) ||z||)`` and
        ``s <= sqrt(N n) atol + tol ||rho u||``, with ``r = sqrt(sum_i ||x_i - z||^2)`` and
        ``s = rho sqrt(N) ||z - z_prev||``; ``atol`` defaults to ``tol``.
    max_iter : int
        Iteration cap (>= 1).
    adapt : {"none", "balance"}
        ``"balance"``: residual balancing (multiply ``rho`` by 2 when ``r > 10 s``, divide by
        2 when ``s > 10 r``), Boyd et al. eq. (3.13); overrides ``rho_growth``.
    objective : callable, optional
        ``objective(z) -> float`` recorded in the history.
    selectors : sequence of array_like, optional
        General-form consensus: agent ``i`` holds a copy of ``E_i z`` only (``E_i`` of shape
        ``(n_i, n)``, e.g. rows of the identity picking the entries it uses). The constraint
        becomes ``x_i = E_i z``, ``local_updates[i]`` receives ``v`` of shape ``(n_i,)``, the
        ``z``-update is ``(sum_i E_i^H E_i)^{-1} sum_i E_i^H (x_i + u_i)`` (which needs
        ``sum_i E_i^H E_i`` invertible: every entry of ``z`` is held by some agent), and
        messages count ``n_i`` numbers each way. With ``project``, the weighted average is
        projected, which is exact only when ``sum_i E_i^H E_i`` is a multiple of the identity;
        other cases raise ``ValueError``. Boyd et al. (2011), Sec. 7.2; ISAC paper eq. (140).
    callback : callable, optional
        ``callback(k, z, xs, us, rho)`` after the dual update of iteration ``k`` (before a
        penalty change), e.g. to record a Lyapunov function.

    Returns
    -------
    ConsensusResult
        ``"converged"``, ``"max_iter"`` or the status of a :class:`StepFailure`.

    Notes
    -----
    Certificate. For a convex problem the primal residual ``r`` measures infeasibility of
    the constraint ``x_i = z`` and the dual residual ``s`` the violation of the dual
    feasibility (stationarity) condition; both zero means the KKT conditions hold (Boyd et
    al. 2011, Sec. 3.3). The result carries ``max(r / eps_pri, s / eps_dual)`` (kind
    ``"admm_residuals"``) against tolerance 1, with ``eps_pri``, ``eps_dual`` the thresholds
    of the stopping rule above, measured after the last iteration (also for ``"max_iter"``),
    so a reader sees how far from the tolerances an unconverged run stopped.

    Raises
    ------
    ValueError
        For bad arguments or a local update returning the wrong shape.

    References
    ----------
    Boyd et al. (2011), eqs. (7.6)-(7.7) (consensus), (3.12)-(3.13) (stopping, penalty);
    ISAC paper Algorithm 2.

    Examples
    --------
    Three agents with ``f_i(x) = (x - a_i)^2 / 2``; the consensus is the mean of ``a``:

    >>> import numpy as np
    >>> a = [1.0, 2.0, 6.0]
    >>> ups = [lambda v, r, ai=ai: (ai + r * v) / (1 + r) for ai in a]
    >>> res = consensus_admm(ups, np.zeros(1), 1.0, tol=1e-10)
    >>> res.success, round(float(res.z[0]), 8), res.certificate.holds
    (True, 3.0, True)
    """
    _check_callables(local_updates, project, objective, callback)
    z, cfg = _settings(z0, rho, rho_growth, rho_max, tol, atol, max_iter, adapt)
    rho = cfg.rho
    layout = _Layout.build(selectors, len(local_updates), z, project is not None)
    per_number = 2 if np.iscomplexobj(z) else 1
    t0 = time.perf_counter()
    if project is not None:
        z = np.asarray(project(z))
    xs = [layout.take(i, z).copy() for i in range(layout.N)]
    us = [np.zeros_like(x) for x in xs]
    hist: dict[str, list] = {"primal_residual": [], "dual_residual": [], "rho": [], "messages": []}
    if objective is not None:
        hist["objective"] = []
    messages = 0
    status, message = "max_iter", f"residuals above tolerance after max_iter={cfg.max_iter}"
    cert = None
    k = 0
    for k in range(1, cfg.max_iter + 1):
        try:
            new_xs = _local_step(local_updates, layout, z, us, rho)
        except StepFailure as exc:
            status, message = exc.status, f"iteration {k}: {exc.message}"
            k -= 1
            break
        xs = new_xs
        z_prev = z
        z, zs, us = _consensus_step(layout, xs, us, project)
        messages += 2 * sum(layout.sizes) * per_number
        res = _residuals(layout, xs, zs, us, z, z_prev, rho, cfg)
        hist["primal_residual"].append(res.r)
        hist["dual_residual"].append(res.s)
        hist["rho"].append(rho)
        hist["messages"].append(messages)
        if objective is not None:
            hist["objective"].append(float(objective(z)))
        if callback is not None:
            callback(k, z, tuple(xs), tuple(us), rho)
        cert = res.certificate()
        if res.r <= res.eps_pri and res.s <= res.eps_dual:
            status = settle(True, cert)
            message = "" if status == "converged" else f"iteration {k}: {cert.detail}"
            break
        us, rho = _update_penalty(us, rho, res, cfg)
    return ConsensusResult(
        z=z,
        xs=tuple(xs),
        us=tuple(us),
        rho=rho,
        messages=messages,
        status=status,
        iterations=k,
        history=as_history(hist),
        elapsed=time.perf_counter() - t0,
        message=message,
        certificate=cert,
    )


@dataclass(frozen=True)
class _Settings:
    """Validated scalar settings of :func:`consensus_admm`."""

    rho: float
    rho_growth: float
    rho_max: float
    tol: float
    atol: float
    max_iter: int
    adapt: str


def _check_callables(local_updates, project, objective, callback) -> None:
    if (
        not isinstance(local_updates, Sequence)
        or not local_updates
        or not all(callable(f) for f in local_updates)
    ):
        raise ValueError("local_updates must be a non-empty sequence of callables")
    for name, f in (("project", project), ("objective", objective), ("callback", callback)):
        if f is not None and not callable(f):
            raise ValueError(f"{name} must be callable")


def _settings(z0, rho, rho_growth, rho_max, tol, atol, max_iter, adapt):
    """The validated initial ``z`` (a copy) and :class:`_Settings`."""
    arr = np.asarray(z0)
    z = as_array(z0, "z0", kind="complex" if np.iscomplexobj(arr) else "real").copy()
    rho = float(check_positive(rho, "rho"))
    rho_growth = float(check_range(rho_growth, "rho_growth", 1.0))
    rho_max = float(rho_max) if isinstance(rho_max, (int, float, np.number)) else np.nan
    if not rho_max >= rho:  # also rejects NaN
        raise ValueError(f"rho_max must be a number >= rho = {rho}, got {rho_max!r}")
    if rho_growth > 1 and not np.isfinite(rho_max):
        raise ValueError(
            "rho_growth > 1 needs a finite rho_max: with an unbounded penalty the iterates "
            "freeze and the residual test can pass at a non-optimal point"
        )
    tol = float(check_positive(tol, "tol"))
    atol = tol if atol is None else float(check_positive(atol, "atol"))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    check_choice(adapt, "adapt", ("none", "balance"))
    return z, _Settings(rho, rho_growth, rho_max, tol, atol, max_iter, adapt)


@dataclass(frozen=True)
class _Layout:
    """Which entries of ``z`` each agent holds: all of them, or ``E_i z`` (general form)."""

    N: int
    Es: list | None
    Dinv: np.ndarray | None
    sizes: list[int]

    @classmethod
    def build(cls, selectors, N: int, z: np.ndarray, has_project: bool) -> _Layout:
        Es, Dinv = _selectors(selectors, N, z, has_project)
        sizes = [z.size] * N if Es is None else [E.shape[0] for E in Es]
        return cls(N, Es, Dinv, sizes)

    def take(self, i: int, v):
        """Agent ``i``'s part of ``v``."""
        return v if self.Es is None else self.Es[i] @ v

    def gather(self, parts):
        """The least-squares consensus of the agents' ``parts``."""
        if self.Es is None:
            return sum(parts) / self.N
        return self.Dinv @ sum(E.conj().T @ q for E, q in zip(self.Es, parts, strict=True))


def _local_step(local_updates, layout: _Layout, z, us, rho) -> list:
    """The agents' ``x``-updates; checks shape, dtype and finiteness of each answer."""
    new_xs = []
    for i, upd in enumerate(local_updates):
        xi = np.asarray(upd(layout.take(i, z) - us[i], rho))
        if xi.shape != us[i].shape:
            raise ValueError(
                f"local_updates[{i}] returned shape {xi.shape}, expected {us[i].shape}"
            )
        if not np.iscomplexobj(z) and np.iscomplexobj(xi):
            raise ValueError(f"local_updates[{i}] returned complex values for a real z0")
        if not np.all(np.isfinite(xi)):
            raise StepFailure("solver_error", f"local_updates[{i}] returned non-finite")
        new_xs.append(xi)
    return new_xs


class _Consensus(NamedTuple):
    """After the fusion step: ``z``, each agent's part ``E_i z``, and the scaled duals."""

    z: np.ndarray
    zs: list
    us: list


def _consensus_step(layout: _Layout, xs, us, project) -> _Consensus:
    """The fusion centre's ``z``-update and the dual update."""
    avg = layout.gather([x + u for x, u in zip(xs, us, strict=True)])
    z = np.asarray(project(avg)) if project is not None else avg
    zs = [layout.take(i, z) for i in range(layout.N)]
    us = [u + x - zi for x, u, zi in zip(xs, us, zs, strict=True)]
    return _Consensus(z, zs, us)


class _Residuals(NamedTuple):
    """Primal and dual residuals and their thresholds (Boyd et al. eq. (3.12))."""

    r: float
    s: float
    eps_pri: float
    eps_dual: float

    def certificate(self) -> Certificate:
        r, s, eps_pri, eps_dual = self
        return Certificate(
            kind="admm_residuals",
            value=max(r / eps_pri, s / eps_dual),
            tolerance=1.0,
            detail=f"max(r / eps_pri, s / eps_dual) with r={r:.3e}, eps_pri={eps_pri:.3e}, "
            f"s={s:.3e}, eps_dual={eps_dual:.3e} (Boyd et al. eq. (3.12))",
        )


def _residuals(layout: _Layout, xs, zs, us, z, z_prev, rho, cfg: _Settings) -> _Residuals:
    take, N = layout.take, layout.N
    r = float(np.sqrt(sum(np.linalg.norm(x - zi) ** 2 for x, zi in zip(xs, zs, strict=True))))
    s = float(rho * np.sqrt(sum(np.linalg.norm(take(i, z - z_prev)) ** 2 for i in range(N))))
    xnorm = float(np.sqrt(sum(np.linalg.norm(x) ** 2 for x in xs)))
    znorm = float(np.sqrt(sum(np.linalg.norm(zi) ** 2 for zi in zs)))
    unorm = float(rho * np.sqrt(sum(np.linalg.norm(u) ** 2 for u in us)))
    dim = np.sqrt(sum(layout.sizes))
    eps_pri = dim * cfg.atol + cfg.tol * max(xnorm, znorm)
    eps_dual = dim * cfg.atol + cfg.tol * unorm
    return _Residuals(r, s, eps_pri, eps_dual)


def _update_penalty(us, rho: float, res: _Residuals, cfg: _Settings):
    """Next penalty; the scaled duals are rescaled to keep ``rho * u`` unchanged."""
    r, s = res.r, res.s
    if cfg.adapt == "balance":
        new_rho = rho * 2 if r > 10 * s else rho / 2 if s > 10 * r else rho
        new_rho = min(new_rho, cfg.rho_max)
    else:
        new_rho = min(rho * cfg.rho_growth, cfg.rho_max)
    if new_rho != rho:
        us = [u * (rho / new_rho) for u in us]
        rho = new_rho
    return us, rho


def _selectors(selectors, N: int, z: np.ndarray, has_project: bool):
    """Validate general-form consensus matrices; return them and (sum E^H E)^{-1}."""
    if selectors is None:
        return None, None
    if z.ndim != 1:
        raise ValueError(f"z0 must be a vector when selectors are given, got shape {z.shape}")
    if len(selectors) != N:
        raise ValueError(f"selectors must have one matrix per agent ({N}), got {len(selectors)}")
    n = z.size
    Es = []
    for i, E in enumerate(selectors):
        arr = np.asarray(E)
        E = as_array(
            E, f"selectors[{i}]", ndim=2, kind="complex" if np.iscomplexobj(arr) else "real"
        )
        if E.shape[1] != n:
            raise ValueError(f"selectors[{i}] must have {n} columns, got shape {E.shape}")
        Es.append(E)
    D = sum(E.conj().T @ E for E in Es)
    w = np.linalg.eigvalsh(D)
    if w[0] <= 1e-12 * max(1.0, w[-1]):
        raise ValueError("sum of E_i^H E_i over selectors must be invertible (every entry held)")
    if has_project and not np.allclose(D, D[0, 0] * np.eye(n)):
        raise ValueError("project with selectors needs sum E_i^H E_i = c I (equal coverage)")
    return Es, np.linalg.inv(D)
