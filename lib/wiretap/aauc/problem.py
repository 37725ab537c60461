"""Problem P2: the AAUC design problem in null-space coordinates (paper Sec. IV-B).

With ``v = U z`` (``U`` an orthonormal basis of the null space of ``g_K``) the zero-forcing
constraint (11b) holds for every ``z``, and problem (17) becomes

.. math:: \\max_{\\mathbf z, \\mathbf w}\\ \\min\\Big[\\min_{k<K}\\Phi_k(\\mathbf z,
          \\mathbf w),\\ \\Upsilon(\\mathbf w)\\Big]
          \\quad\\text{s.t.}\\quad \\|\\mathbf z\\|^2 + \\|\\mathbf w\\|^2 \\le 2P_{\\max}

(paper eqs. (18)-(20)). Everything here is in *noise-normalized* units: the problem data are
``a_k = U^H g_k / sigma_k``, ``h = h_K / sigma_K`` and ``j_k = lam J_k / sigma_E^2``, so that
SNRs are ``|a_k^H z|^2`` and ``|h^H w|^2`` and the model leakage is ``w^H diag(j) w``.

Gradients follow :mod:`wiretap.sca`: for a real function of a complex vector the gradient
is ``df/dRe + 1j df/dIm`` (twice the Wirtinger derivative ``df/dz*``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from .._validation import as_array, as_generator, check_int, check_nonnegative, check_positive
from .angular import angular_matrix
from .model import Scenario, null_space

__all__ = [
    "AAUCProblem",
    "LocalSearchResult",
    "kkt_residual",
    "local_search",
    "phi_surrogate",
    "upsilon_surrogate",
]

_LN2 = np.log(2.0)


@dataclass(frozen=True)
class AAUCProblem:
    """Data of problem P2 in noise-normalized units.

    Attributes
    ----------
    A : ndarray, complex, shape (n, K-1)
        Column ``k`` is ``a_k``; the SNR of helper ``k`` in the multicast phase is
        ``|a_k^H z|^2``. Full model: ``a_k = U^H g_k / sigma_k`` and ``n = N - 1``.
    h : ndarray, complex, shape (K-1,)
        ``h_K / sigma_K``: the SNR of user ``K`` in the cooperation phase is ``|h^H w|^2``.
    j : ndarray, shape (K-1,)
        ``lam J_k / sigma_E^2`` (>= 0): the modelled eavesdropper SNR is ``w^H diag(j) w``.
    p_max : float
        Power budget ``P_max`` in W; the constraint is ``||z||^2 + ||w||^2 <= 2 P_max``.
    basis : ndarray, complex, shape (N, n)
        Maps ``z`` to the BS beamformer ``v = basis @ z`` (``U`` itself, or ``U B`` for the
        reduced problem of :meth:`reduced`).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((4, 2)) + 0j
    >>> pb = AAUCProblem(A=A, h=np.ones(2) + 0j, j=np.ones(2), p_max=1.0, basis=np.eye(4))
    >>> pb.n, pb.m
    (4, 2)
    """

    A: np.ndarray
    h: np.ndarray
    j: np.ndarray
    p_max: float
    basis: np.ndarray

    def __post_init__(self):
        A = as_array(self.A, "A", ndim=2, kind="complex")
        n, m = A.shape
        if m < 1 or n < 1:
            raise ValueError(f"A must have at least one row and column, got {A.shape}")
        h = as_array(self.h, "h", shape=(m,), kind="complex")
        j = check_nonnegative(as_array(self.j, "j", shape=(m,)), "j")
        p = float(check_positive(self.p_max, "p_max"))
        B = as_array(self.basis, "basis", ndim=2, kind="complex")
        if B.shape[1] != n:
            raise ValueError(f"basis must have {n} columns (the length of z), got {B.shape}")
        for name, val in (("A", A), ("h", h), ("j", j), ("p_max", p), ("basis", B)):
            object.__setattr__(self, name, val)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_scenario(
        cls, scenario: Scenario, *, lam: float | None = None, elevation: float = 0.0
    ) -> AAUCProblem:
        """Normalized data of P2 for one realization (paper Sec. IV-B).

        Parameters
        ----------
        scenario : Scenario
        lam : float, optional
            Model parameter; defaults to ``scenario.params.lam``.
        elevation : float
            Elevation of the eavesdropper for the 3-D angular matrix (eq. (16)).
        """
        if not isinstance(scenario, Scenario):
            raise ValueError(f"scenario must be a Scenario, got {type(scenario).__name__}")
        p = scenario.params
        lam = p.lam if lam is None else float(lam)
        if not 0.0 <= lam <= 1.0:
            raise ValueError(f"lam must lie in [0, 1], got {lam}")
        s = np.sqrt(p.noise_power)
        U = null_space(scenario.g_attacked)
        A = U.conj().T @ scenario.G[:, :-1] / s
        J = angular_matrix(
            scenario.geometry, alpha=p.alpha, ref_gain=p.ref_gain, elevation=elevation
        )
        return cls(A=A, h=scenario.h_user / s, j=lam * J / p.noise_power, p_max=p.p_max, basis=U)

    def reduced(self) -> AAUCProblem:
        """The same problem with ``z`` restricted to ``span{a_1, ..., a_{K-1}}``.

        Any ``z`` can be replaced by its projection onto that span without changing an SNR
        and without increasing ``||z||``, so P2 loses nothing: the reduced problem has
        ``n = rank(A) <= K-1`` instead of ``N-1`` variables, the same optimal value, and the
        same SCO iterates from a starting point inside the span.
        """
        q, r = np.linalg.qr(self.A)
        keep = np.abs(np.diag(r)) > 1e-12 * max(1.0, np.abs(r).max())
        q = q[:, keep]
        return AAUCProblem(
            A=q.conj().T @ self.A, h=self.h, j=self.j, p_max=self.p_max, basis=self.basis @ q
        )

    # ------------------------------------------------------------------ sizes
    @property
    def n(self) -> int:
        """Length of ``z``."""
        return int(self.A.shape[0])

    @property
    def m(self) -> int:
        """Number of helpers ``K - 1`` (length of ``w``)."""
        return int(self.A.shape[1])

    # ------------------------------------------------------------------ values
    def snr_helpers(self, z) -> np.ndarray:
        """``|a_k^H z|^2`` for every helper, shape (K-1,)."""
        return np.abs(self.A.conj().T @ z) ** 2

    def snr_attacked(self, w) -> float:
        """``|h^H w|^2``, the SNR of user ``K`` in the cooperation phase."""
        return float(np.abs(np.vdot(self.h, w)) ** 2)

    def leakage(self, w) -> float:
        """Modelled eavesdropper SNR ``w^H diag(j) w``."""
        return float(np.sum(self.j * np.abs(w) ** 2))

    def phi(self, z, w) -> np.ndarray:
        """``Phi_k(z, w)`` of paper eq. (19) for every helper, bits/s/Hz, shape (K-1,)."""
        return 0.5 * np.log2(1.0 + self.snr_helpers(z)) - 0.5 * np.log2(1.0 + self.leakage(w))

    def upsilon(self, w) -> float:
        """``Upsilon(w)`` of paper eq. (20), bits/s/Hz."""
        return float(0.5 * np.log2((1.0 + self.snr_attacked(w)) / (1.0 + self.leakage(w))))

    def objective(self, z, w) -> float:
        """Objective of P2, ``min(min_k Phi_k, Upsilon)``, bits/s/Hz (may be negative)."""
        return float(min(self.phi(z, w).min(), self.upsilon(w)))

    def constraint_values(self, z, w) -> np.ndarray:
        """All ``K`` functions inside the minimum: ``[Phi_1..Phi_{K-1}, Upsilon]``."""
        return np.append(self.phi(z, w), self.upsilon(w))

    def power_slack(self, z, w) -> float:
        """``2 P_max - ||z||^2 - ||w||^2`` (>= 0 for a feasible point)."""
        return float(2 * self.p_max - np.sum(np.abs(z) ** 2) - np.sum(np.abs(w) ** 2))

    def beamformer(self, z) -> np.ndarray:
        """BS beamformer ``v = basis @ z`` (shape (N,))."""
        return self.basis @ z

    # ------------------------------------------------------------------ gradients
    def gradients(self, z, w) -> tuple[np.ndarray, np.ndarray]:
        """Gradients of ``[Phi_1..Phi_{K-1}, Upsilon]`` w.r.t. ``z`` and ``w``.

        Returns
        -------
        gz : ndarray, complex, shape (K, n)
        gw : ndarray, complex, shape (K, K-1)
            Row ``i`` is the gradient (``d/dRe + 1j d/dIm``) of function ``i``.

        References
        ----------
        Paper Appendix B, eqs. (53b), (53d), (53f) (times 2 for our convention).
        """
        u = self.A.conj().T @ z  # a_k^H z
        gz = np.zeros((self.m + 1, self.n), dtype=complex)
        gz[:-1] = (self.A * u).T / ((1.0 + np.abs(u) ** 2)[:, None] * _LN2)
        leak = self.leakage(w)
        g_leak = -(self.j * w) / ((1.0 + leak) * _LN2)
        gw = np.tile(g_leak, (self.m + 1, 1))
        s = np.vdot(self.h, w)
        gw[-1] += self.h * s / ((1.0 + abs(s) ** 2) * _LN2)
        return gz, gw


# ---------------------------------------------------------------------- argument checks
# check_problem and check_zw are internal helpers shared with the solver modules (not in
# __all__).
def check_problem(problem, cls: type | None = None, name: str = "problem"):
    """Return ``problem`` after checking that it is an instance of ``cls``.

    ``cls`` defaults to :class:`AAUCProblem`; a wrong kind of object raises
    :class:`TypeError` naming ``name``.
    """
    cls = AAUCProblem if cls is None else cls
    if not isinstance(problem, cls):
        raise TypeError(f"{name} must be an {cls.__name__}, got {type(problem).__name__}")
    return problem


def check_zw(problem: AAUCProblem, **points) -> list[np.ndarray]:
    """Check BS beamformers (names starting with ``z``, shape ``(n,)``) and helper
    beamformers (names starting with ``w``, shape ``(m,)``) of ``problem``: complex, finite.
    """
    check_problem(problem)
    return [
        as_array(v, k, shape=(problem.n if k.startswith("z") else problem.m,), kind="complex")
        for k, v in points.items()
    ]


# ---------------------------------------------------------------------- surrogates
def _tangent_leak(problem: AAUCProblem, w, w0) -> float:
    """First-order expansion of ``-1/2 log2(1 + w^H J w)`` at ``w0`` (a majorant's
    negative: a lower bound, paper eq. (51))."""
    l0 = problem.leakage(w0)
    return float(-(problem.leakage(w) - l0) / (2 * _LN2 * (1 + l0)) - 0.5 * np.log2(1 + l0))


def phi_surrogate(problem: AAUCProblem, z, w, z0, w0) -> np.ndarray:
    """Surrogates ``Phi~_k(z, w | z0, w0)`` of paper eq. (21), shape (K-1,).

    ``-inf`` where the linearized SNR makes the logarithm's argument non-positive (outside
    the surrogate's domain).
    """
    z, w, z0, w0 = check_zw(problem, z=z, w=w, z0=z0, w0=w0)
    u0 = problem.A.conj().T @ z0
    u = problem.A.conj().T @ z
    arg = 1.0 + 2.0 * np.real(np.conj(u0) * u) - np.abs(u0) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.where(arg > 0, 0.5 * np.log2(np.where(arg > 0, arg, 1.0)), -np.inf)
    return first + _tangent_leak(problem, w, w0)


def upsilon_surrogate(problem: AAUCProblem, w, w0) -> float:
    """Surrogate ``Upsilon~(w | w0)`` of paper eq. (22) (``-inf`` outside its domain)."""
    w, w0 = check_zw(problem, w=w, w0=w0)
    s0 = np.vdot(problem.h, w0)
    s = np.vdot(problem.h, w)
    arg = 1.0 + 2.0 * np.real(np.conj(s0) * s) - abs(s0) ** 2
    if arg <= 0:
        return -np.inf
    return float(0.5 * np.log2(arg) + _tangent_leak(problem, w, w0))


# ---------------------------------------------------------------------- KKT residual
def _real(x: np.ndarray) -> np.ndarray:
    return np.concatenate([x.real, x.imag], axis=-1)


def kkt_residual(problem: AAUCProblem, z, w, *, active_tol: float = 1e-4) -> float:
    """Relative KKT (stationarity) residual of a point of P2.

    In epigraph form P2 maximizes ``t`` subject to ``t <= f_i(z, w)`` for the ``K``
    functions ``f = [Phi_1, ..., Phi_{K-1}, Upsilon]`` and the power constraint. At a KKT
    point there are multipliers ``mu_i >= 0`` on the active functions (those within
    ``active_tol`` of the minimum) with ``sum mu_i = 1`` and ``pi >= 0`` (zero unless the
    power constraint is tight) such that ``sum mu_i grad f_i = pi grad ||(z, w)||^2``. The
    residual is the smallest norm of ``sum mu_i grad f_i - pi grad ||(z, w)||^2`` over those
    multipliers (a nonnegative least-squares problem), divided by the largest gradient norm.

    Parameters
    ----------
    problem : AAUCProblem
    z : array_like, complex, shape (n,)
    w : array_like, complex, shape (K-1,)
    active_tol : float
        Functions with ``f_i <= min f + active_tol`` count as active (bits/s/Hz).

    Returns
    -------
    float
        0 at an exact KKT point; of order 1 far from one.
    """
    z, w = check_zw(problem, z=z, w=w)
    tol = float(check_positive(active_tol, "active_tol"))
    f = problem.constraint_values(z, w)
    gz, gw = problem.gradients(z, w)
    grads = np.concatenate([_real(gz), _real(gw)], axis=1)  # (K, 2n + 2m)
    active = np.flatnonzero(f <= f.min() + tol)
    cols = [grads[active].T]
    slack = problem.power_slack(z, w)
    if slack <= 1e-6 * 2 * problem.p_max:
        cols.append(-np.concatenate([_real(2 * z), _real(2 * w)])[:, None])
    M = np.concatenate(cols, axis=1)
    scale = max(float(np.max(np.linalg.norm(grads, axis=1))), 1e-300)
    weight = 1e3 * scale
    row = np.zeros((1, M.shape[1]))
    row[0, : active.size] = weight
    coef, _res = optimize.nnls(np.vstack([M, row]), np.append(np.zeros(M.shape[0]), weight))
    return float(np.linalg.norm(M @ coef) / scale + abs(coef[: active.size].sum() - 1.0))


# ---------------------------------------------------------------------- local search
@dataclass(frozen=True)
class LocalSearchResult:
    """Best point of a multi-start local optimizer (a slow reference for small instances).

    Attributes
    ----------
    z, w : ndarray
        Best feasible point found.
    objective : float
        P2 objective there (bits/s/Hz).
    objectives : ndarray
        Objective reached from each start (``-inf`` where the local solver failed).
    elapsed : float
        Wall time in seconds.
    """

    z: np.ndarray
    w: np.ndarray
    objective: float
    objectives: np.ndarray
    elapsed: float


def local_search(problem: AAUCProblem, rng, *, n_starts: int = 10) -> LocalSearchResult:
    """Multi-start SLSQP on the epigraph form of P2 (reference for small instances).

    Each start draws ``(z, w)`` uniformly on the power sphere and runs
    ``scipy.optimize.minimize`` (SLSQP) on ``max t`` s.t. ``t <= f_i``,
    ``||z||^2 + ||w||^2 <= 2 P_max`` with exact gradients. Only points that satisfy the
    power constraint (to 1e-9 relative) are kept.

    Parameters
    ----------
    problem : AAUCProblem
    rng : numpy.random.Generator or int
    n_starts : int
        Number of random starts (>= 1).
    """
    check_problem(problem)
    gen = as_generator(rng)
    ns = check_int(n_starts, "n_starts", minimum=1)
    n, m, P = problem.n, problem.m, problem.p_max
    t0 = time.perf_counter()

    def split(x):
        zr, zi, wr, wi = np.split(x[:-1], [n, 2 * n, 2 * n + m])
        return zr + 1j * zi, wr + 1j * wi

    def cons_f(x):
        z, w = split(x)
        return np.append(problem.constraint_values(z, w) - x[-1], problem.power_slack(z, w))

    def cons_j(x):
        z, w = split(x)
        gz, gw = problem.gradients(z, w)
        top = np.concatenate([_real(gz), _real(gw), -np.ones((problem.m + 1, 1))], axis=1)
        bottom = np.concatenate([_real(-2 * z), _real(-2 * w), [0.0]])
        return np.vstack([top, bottom])

    best, vals = None, []
    for _ in range(ns):
        x0 = gen.standard_normal(2 * (n + m))
        x0 *= np.sqrt(2 * P) / np.linalg.norm(x0)
        z0, w0 = split(np.append(x0, 0.0))
        x0 = np.append(x0, problem.objective(z0, w0))
        res = optimize.minimize(
            lambda x: -x[-1],
            x0,
            jac=lambda x: np.append(np.zeros(x.size - 1), -1.0),
            constraints=[{"type": "ineq", "fun": cons_f, "jac": cons_j}],
            method="SLSQP",
            options={"maxiter": 500, "ftol": 1e-10},
        )
        z, w = split(res.x)
        if problem.power_slack(z, w) < -1e-9 * 2 * P:
            vals.append(-np.inf)
            continue
        val = problem.objective(z, w)
        vals.append(val)
        if best is None or val > best[2]:
            best = (z, w, val)
    if best is None:
        raise RuntimeError("local_search: no start produced a feasible point")
    return LocalSearchResult(
        z=best[0],
        w=best[1],
        objective=best[2],
        objectives=np.array(vals),
        elapsed=time.perf_counter() - t0,
    )
