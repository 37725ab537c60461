"""Several starting points for the nonconvex AAUC problems (P2 and Q2).

SCO (:func:`~wiretap.aauc.sco`) and its IRS variant (:func:`~wiretap.aauc.irs_sco`) converge
to a KKT point that depends on where they start. Before a disagreement with the paper is
blamed on anything else, we check that a better local optimum does not exist within easy
reach: the functions here run the solver from several starting points and keep the run with
the highest objective. The result *is* that run (same fields, status and certificate), plus
the objective reached from every start.

Starting points for P2 (:func:`sco_multistart`): the closed form of Propositions 2-3 (SCO's
default), the P6 design, any designs the caller passes (e.g. BFOM's), and random points on
the power sphere. For Q2 (:func:`irs_multistart`): the equal-SNR start of
:func:`~wiretap.aauc.irs_sco`, and one start per helper with the BS beam focused on that
helper (the IRS rate is limited by the weakest reflected link, so the best design often
serves one well-placed helper).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .._validation import as_array, as_generator, check_int
from .irs import IRSProblem, IRSResult, irs_sco
from .large import closed_form, equal_snr_beamformer, p6
from .problem import AAUCProblem
from .successive import SCOResult, sco

__all__ = ["IRSMultiStartResult", "SCOMultiStartResult", "irs_multistart", "sco_multistart"]


@dataclass(frozen=True, kw_only=True)
class SCOMultiStartResult(SCOResult):
    """The best of several SCO runs (the fields of :class:`~wiretap.aauc.SCOResult` are
    those of the best run, its status and certificate included).

    Attributes
    ----------
    starts : tuple of str
        Name of every start, in the order they were run.
    objectives : ndarray, shape (len(starts),)
        P2 objective (bits/s/Hz) reached from each start (``-inf`` after a solver error).
    start_objectives : ndarray, shape (len(starts),)
        P2 objective at each starting point.
    best_start : str
        Name of the start of the returned run.
    """

    starts: tuple[str, ...] = field(default=())
    objectives: np.ndarray = field(default_factory=lambda: np.zeros(0))
    start_objectives: np.ndarray = field(default_factory=lambda: np.zeros(0))
    best_start: str = ""


@dataclass(frozen=True, kw_only=True)
class IRSMultiStartResult(IRSResult):
    """The best of several :func:`~wiretap.aauc.irs_sco` runs (fields of the best run).

    Attributes
    ----------
    starts : tuple of str
        ``"equal_snr"`` and ``"helper i"`` (0-based helper index) for each start.
    objectives : ndarray, shape (len(starts),)
        Q2 objective (bits/s/Hz) reached from each start (``-inf`` after a solver error).
    best_start : str
        Name of the start of the returned run.
    """

    starts: tuple[str, ...] = field(default=())
    objectives: np.ndarray = field(default_factory=lambda: np.zeros(0))
    best_start: str = ""


def _random_start(problem: AAUCProblem, gen: np.random.Generator):
    """A random point on the power sphere ``||z||^2 + ||w||^2 = 2 P_max`` with a random split."""
    n, m = problem.n, problem.m
    z = gen.standard_normal(n) + 1j * gen.standard_normal(n)
    w = gen.standard_normal(m) + 1j * gen.standard_normal(m)
    share = gen.uniform(0.05, 0.95)  # fraction of the budget in z
    two_p = 2 * problem.p_max
    z *= np.sqrt(share * two_p) / np.linalg.norm(z)
    w *= np.sqrt((1 - share) * two_p) / np.linalg.norm(w)
    return z, w


def sco_multistart(
    problem: AAUCProblem,
    rng,
    *,
    n_random: int = 2,
    extra_starts=None,
    max_iter: int = 20,
    tol: float = 1e-4,
    **sco_kw,
) -> SCOMultiStartResult:
    """Run SCO from several starting points and keep the best P2 objective.

    Parameters
    ----------
    problem : AAUCProblem
    rng : numpy.random.Generator or int
        Source of the random starts.
    n_random : int
        Random starts on the power sphere (>= 0).
    extra_starts : mapping of str to (z, w), optional
        More starting points, e.g. ``{"bfom": (res.z, res.w)}`` (``z`` of shape
        ``(problem.n,)``, ``w`` of shape ``(K-1,)``, within the power budget).
    max_iter, tol : int, float
        Passed to :func:`~wiretap.aauc.sco` for every run.
    **sco_kw
        Further keywords for :func:`~wiretap.aauc.sco` (e.g. ``kkt_tol``).

    Returns
    -------
    SCOMultiStartResult
        The best run (highest P2 objective; ties go to the earlier start), with the
        objective reached from every start. Starts: ``"closed_form"``, ``"p6"``, the extra
        starts in the order given, ``"random 0"``, ``"random 1"``, ...

    Raises
    ------
    ValueError
        For a problem that is not an :class:`~wiretap.aauc.problem.AAUCProblem`,
        ``n_random < 0``, or an extra start of the wrong shape or outside the power budget
        (raised by ``sco``).

    Examples
    --------
    >>> from wiretap.aauc import SystemParams, draw_scenario
    >>> pb = AAUCProblem.from_scenario(draw_scenario(SystemParams(n_antennas=16, n_users=4),
    ...                                              rng=1))
    >>> ms = sco_multistart(pb, rng=0, n_random=1, max_iter=30)
    >>> ms.starts, bool(ms.objective == ms.objectives.max())
    (('closed_form', 'p6', 'random 0'), True)
    """
    if not isinstance(problem, AAUCProblem):
        raise ValueError(f"problem must be an AAUCProblem, got {type(problem).__name__}")
    gen = as_generator(rng)
    n_random = check_int(n_random, "n_random", minimum=0)
    t0 = time.perf_counter()
    cf, start6 = closed_form(problem), p6(problem)
    starts: list[tuple[str, np.ndarray, np.ndarray]] = [
        ("closed_form", cf.z, cf.w),
        ("p6", start6.z, start6.w),
    ]
    for name, (z, w) in dict(extra_starts or {}).items():
        starts.append(
            (
                str(name),
                as_array(z, f"extra_starts[{name!r}] z", shape=(problem.n,), kind="complex"),
                as_array(w, f"extra_starts[{name!r}] w", shape=(problem.m,), kind="complex"),
            )
        )
    for i in range(n_random):
        starts.append((f"random {i}", *_random_start(problem, gen)))
    runs = [sco(problem, z0=z, w0=w, max_iter=max_iter, tol=tol, **sco_kw) for _, z, w in starts]
    vals, best = _best_run(runs)
    b = runs[best]
    return SCOMultiStartResult(
        z=b.z,
        v=b.v,
        w=b.w,
        objective=b.objective,
        compile_time=float(sum(r.compile_time for r in runs)),
        **_run_fields(b, t0),
        starts=tuple(s[0] for s in starts),
        objectives=vals,
        start_objectives=np.array([problem.objective(z, w) for _, z, w in starts]),
        best_start=starts[best][0],
    )


def _run_fields(b, t0: float) -> dict:
    """The fields a multistart result takes over from its best run ``b``."""
    return dict(
        status=b.status,
        iterations=b.iterations,
        history=b.history,
        elapsed=time.perf_counter() - t0,
        message=b.message,
        certificate=b.certificate,
    )


def _best_run(runs) -> tuple[np.ndarray, int]:
    """Objectives of ``runs`` (``-inf`` for a solver error) and the index of the best one
    (0 when every run failed)."""
    vals = np.array([-np.inf if r.status == "solver_error" else r.objective for r in runs])
    return vals, int(np.argmax(vals)) if np.any(np.isfinite(vals)) else 0


def _focused_start(pb: IRSProblem, i: int, spread: float):
    """BS beam mostly on helper ``i`` (a share ``spread`` of the power on the equal-SNR
    beam, so that no helper starts without signal), full reflection aligned to ``h``."""
    helper = AAUCProblem(A=pb.A, h=pb.h, j=pb.j, p_max=pb.p_max, basis=pb.basis)
    y_eq = equal_snr_beamformer(helper, 1.0)
    a = pb.A[:, i]
    y = np.sqrt(1 - spread) * a / np.linalg.norm(a) + np.sqrt(spread) * y_eq
    y *= np.sqrt(pb.p_max) / np.linalg.norm(y)
    g = pb.A.conj().T @ y
    u = np.exp(1j * (np.angle(pb.h) - np.angle(g)))
    return pb.basis @ y, u


def irs_multistart(
    problem: IRSProblem, *, max_iter: int = 20, tol: float = 1e-4, spread: float = 0.05, **irs_kw
) -> IRSMultiStartResult:
    """Run :func:`~wiretap.aauc.irs_sco` from ``K`` starting points; keep the best Q2 value.

    Starts: the default equal-SNR start, then for each helper ``i`` a BS beam focused on
    helper ``i`` (a share ``spread`` of the power on the equal-SNR beam) with full
    reflection ``|u_k| = 1`` phase-aligned to ``h``.

    Parameters
    ----------
    problem : IRSProblem
    max_iter, tol : int, float
        Passed to every :func:`~wiretap.aauc.irs_sco` run.
    spread : float
        Share of the BS power on the equal-SNR beam in the focused starts, in (0, 1).
    **irs_kw
        Further keywords for :func:`~wiretap.aauc.irs_sco` (e.g. ``gap_tol``).

    Returns
    -------
    IRSMultiStartResult

    Raises
    ------
    ValueError
        For a problem that is not an :class:`~wiretap.aauc.irs.IRSProblem` or ``spread``
        outside (0, 1).
    """
    if not isinstance(problem, IRSProblem):
        raise ValueError(f"problem must be an IRSProblem, got {type(problem).__name__}")
    spread = float(as_array(spread, "spread", ndim=0))
    if not 0.0 < spread < 1.0:
        raise ValueError(f"spread must lie in (0, 1), got {spread}")
    t0 = time.perf_counter()
    pb = problem.reduced()
    runs = [irs_sco(problem, max_iter=max_iter, tol=tol, **irs_kw)]
    names = ["equal_snr"]
    for i in range(problem.m):
        v0, u0 = _focused_start(pb, i, spread)
        runs.append(irs_sco(problem, max_iter=max_iter, tol=tol, v0=v0, u0=u0, **irs_kw))
        names.append(f"helper {i}")
    vals, best = _best_run(runs)
    b = runs[best]
    return IRSMultiStartResult(
        v=b.v,
        u=b.u,
        c=b.c,
        objective=b.objective,
        **_run_fields(b, t0),
        starts=tuple(names),
        objectives=vals,
        best_start=names[best],
    )
