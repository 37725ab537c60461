"""Large-scale AAUC: closed form for many antennas, BFOM for many users, P6 for both.

* Many antennas (paper Sec. V-A): the users' channels become orthogonal, the BS splits its
  power so that every helper gets the same SNR (Proposition 2), and the helpers' beamformer
  is a generalized eigenvector (Proposition 3).
* Many users (Sec. V-B): ``w`` is matched to ``h_K`` and only its power ``p`` is free
  (problem P4, eq. (29)); each SCO step (30) is a bilinear saddle problem P5 (eqs.
  (31)-(33)) solved by mirror prox (eq. (34)) with a Euclidean step for ``x`` and a
  Kullback-Leibler (exponentiated-gradient) step for the weights ``gamma``.
* Both large (Sec. V-C): problem P6 and its closed-form power split (eq. (43)).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize

from .. import mirror
from .._validation import as_array, check_int, check_nonnegative, check_positive
from ..results import IterativeResult, as_history
from .problem import AAUCProblem

__all__ = [
    "BFOMResult",
    "ClosedFormResult",
    "P5Result",
    "bfom",
    "closed_form",
    "equal_snr_beamformer",
    "euclidean_step",
    "kl_step",
    "lipschitz_bound",
    "p4_objective",
    "p5_data",
    "p5_gap",
    "p5_gradients",
    "p5_mirror_prox",
    "p5_recover",
    "p6",
]


@dataclass(frozen=True, kw_only=True)
class ClosedFormResult(IterativeResult):
    """Outcome of :func:`closed_form` or :func:`p6` (no iterations: ``iterations = 1``).

    Attributes
    ----------
    z, v, w : ndarray
        Design (``v = U z``), scaled to use the whole budget ``||z||^2 + ||w||^2 = 2 P_max``.
    objective : float
        P2 objective of the design (bits/s/Hz), evaluated exactly (no orthogonality
        assumption).
    asymptotic_value : float
        Value the large-``N`` analysis predicts: ``log2(mu_max) / 2`` for Proposition 3 (the
        optimum of P3), the equal rate of eq. (42) for P6.
    eigenvalue : float
        Largest generalized eigenvalue ``mu_max`` (``nan`` for P6).
    """

    z: np.ndarray
    v: np.ndarray
    w: np.ndarray
    objective: float
    asymptotic_value: float
    eigenvalue: float = float("nan")

    @property
    def power(self) -> float:
        """Average transmit power ``(||v||^2 + ||w||^2) / 2`` in W."""
        return float((np.sum(np.abs(self.v) ** 2) + np.sum(np.abs(self.w) ** 2)) / 2)


def _harmonic(problem: AAUCProblem) -> float:
    """``sum_i sigma_i^2 / ||U^H g_i||^2`` in normalized units: ``sum_i 1 / ||a_i||^2``."""
    return float(np.sum(1.0 / np.sum(np.abs(problem.A) ** 2, axis=0)))


def equal_snr_beamformer(problem: AAUCProblem, budget: float, *, rescale: bool = True):
    """BS beamformer of Proposition 2 (paper eq. (24)) for a given budget ``||z||^2``.

    ``z = sum_k sqrt(budget / S) a_k / ||a_k||^2`` with ``S = sum_i 1 / ||a_i||^2``: with
    orthogonal ``a_k`` every helper then has SNR ``budget / S`` and ``||z||^2 = budget``.

    Parameters
    ----------
    problem : AAUCProblem
    budget : float
        Power ``2 P_max - ||w||^2`` left for ``z`` (>= 0).
    rescale : bool
        Scale the result to ``||z||^2 = budget`` exactly. Eq. (24) as printed meets the
        budget only when the ``a_k`` are orthogonal (``N -> inf``); for finite ``N`` its
        norm differs and it can exceed the power budget (see the Errata).

    Returns
    -------
    ndarray, complex, shape (n,)
    """
    b = float(check_nonnegative(budget, "budget"))
    norms2 = np.sum(np.abs(problem.A) ** 2, axis=0)
    z = np.sqrt(b / _harmonic(problem)) * (problem.A / norms2).sum(axis=1)
    if rescale:
        nz = np.linalg.norm(z)
        z = z * (np.sqrt(b) / nz) if nz > 0 else z
    return z


def closed_form(problem: AAUCProblem) -> ClosedFormResult:
    """Closed-form AAUC for large ``N`` (Propositions 2 and 3, eqs. (24), (27), (28)).

    ``w`` maximizes the generalized Rayleigh quotient
    ``w^H (Xi + h h^H) w / w^H (Xi + diag(j)) w`` (eq. (61)), scaled so that
    ``w^H Xi w = 1`` (the equal-rate condition ``Psi(w) = Upsilon(w)``), with
    ``Xi = (S h h^H + I) / (2 P_max)`` (eq. (28)). When the largest generalized eigenvalue
    is at most 1 no helper beamformer gives a positive rate and ``w = 0``. Then ``z``
    follows from Proposition 2 with the remaining budget.

    Returns
    -------
    ClosedFormResult

    References
    ----------
    Paper Propositions 2-3, Appendices C-D.

    Examples
    --------
    >>> from wiretap.aauc import SystemParams, draw_scenario, AAUCProblem
    >>> pb = AAUCProblem.from_scenario(draw_scenario(SystemParams(n_antennas=64, n_users=5),
    ...                                              rng=2))
    >>> cf = closed_form(pb)
    >>> bool(abs(pb.power_slack(cf.z, cf.w)) < 1e-9)
    True
    """
    if not isinstance(problem, AAUCProblem):
        raise ValueError(f"problem must be an AAUCProblem, got {type(problem).__name__}")
    t0 = time.perf_counter()
    P, h = problem.p_max, problem.h
    S = _harmonic(problem)
    hh = np.outer(h, h.conj())
    Xi = (S * hh + np.eye(problem.m)) / (2 * P)
    mu, V = linalg.eigh(Xi + hh, Xi + np.diag(problem.j))
    mu_max, w = float(mu[-1]), V[:, -1]
    if mu_max <= 1.0:
        w = np.zeros(problem.m, dtype=complex)
    else:
        w = w / np.sqrt(np.real(np.vdot(w, Xi @ w)))
    z = equal_snr_beamformer(problem, max(2 * P - np.sum(np.abs(w) ** 2), 0.0))
    return ClosedFormResult(
        z=z,
        v=problem.beamformer(z),
        w=w,
        objective=problem.objective(z, w),
        asymptotic_value=0.5 * np.log2(max(mu_max, 1.0)),
        eigenvalue=mu_max,
        status="converged",
        iterations=1,
        elapsed=time.perf_counter() - t0,
    )


def p6(problem: AAUCProblem) -> ClosedFormResult:
    """Closed form when both ``N`` and ``K`` are large (problem P6, eqs. (42)-(43)).

    ``p* = 2 P_max / (1 + ||h||^2 S)`` balances the helpers' equal SNR
    ``(2 P_max - p) / S`` against user ``K``'s SNR ``p ||h||^2``;
    ``w = sqrt(p*) h / ||h||`` and ``z`` follows from Proposition 2.

    Returns
    -------
    ClosedFormResult
        ``asymptotic_value`` is the common rate of eq. (42) (no eavesdropper term).
    """
    if not isinstance(problem, AAUCProblem):
        raise ValueError(f"problem must be an AAUCProblem, got {type(problem).__name__}")
    t0 = time.perf_counter()
    P, h = problem.p_max, problem.h
    S = _harmonic(problem)
    hn2 = float(np.sum(np.abs(h) ** 2))
    p = 2 * P / (1.0 + hn2 * S)
    w = np.sqrt(p) * h / np.sqrt(hn2)
    z = equal_snr_beamformer(problem, 2 * P - p)
    return ClosedFormResult(
        z=z,
        v=problem.beamformer(z),
        w=w,
        objective=problem.objective(z, w),
        asymptotic_value=0.5 * np.log2(1.0 + p * hn2),
        status="converged",
        iterations=1,
        elapsed=time.perf_counter() - t0,
    )


# ---------------------------------------------------------------------- P4 / P5 pieces
def p4_objective(problem: AAUCProblem, z, p: float) -> float:
    """Objective of P4 (eq. (29)): ``min(min_k |a_k^H z|^2, p ||h||^2)`` (an SNR)."""
    return float(min(problem.snr_helpers(z).min(), p * np.sum(np.abs(problem.h) ** 2)))


def p5_data(problem: AAUCProblem, z) -> tuple[np.ndarray, np.ndarray, float]:
    """Data ``(R, t, c)`` of P5 (paper eq. (33)) built at ``z = z^[n]``.

    Row ``k`` of ``R`` is ``r_k^T = 2 [Re(a_k a_k^H z); Im(a_k a_k^H z)]^T``,
    ``t_k = -|a_k^H z|^2`` and ``c = ||h||^2``; then ``r_k^T x + t_k`` is the linearized SNR
    of helper ``k`` at ``x = [Re z'; Im z']``.

    Returns
    -------
    R : ndarray, shape (K-1, 2n)
    t : ndarray, shape (K-1,)
    c : float

    Examples
    --------
    >>> pb = AAUCProblem(A=np.eye(3, 2) + 0j, h=np.ones(2) + 0j, j=np.ones(2), p_max=1.0,
    ...                  basis=np.eye(3))
    >>> R, t, c = p5_data(pb, np.array([1.0, 0.0, 0.0]) + 0j)
    >>> R.shape, t.tolist(), c
    ((2, 6), [-1.0, -0.0], 2.0)
    """
    z = as_array(z, "z", shape=(problem.n,), kind="complex")
    u = problem.A.conj().T @ z
    cols = problem.A * u  # columns a_k a_k^H z
    R = 2.0 * np.concatenate([cols.real, cols.imag], axis=0).T  # (m, 2n)
    t = -(np.abs(u) ** 2)
    return R, t, float(np.sum(np.abs(problem.h) ** 2))


def lipschitz_bound(R, c: float, two_p: float) -> float:
    """``L_hat`` of Proposition 4 (eq. (39)): ``max(||r_k||, 2 c max(sqrt(2P), 1))``."""
    Rm = as_array(R, "R", ndim=2)
    cc = float(check_nonnegative(c, "c"))
    tp = float(check_positive(two_p, "two_p"))
    return float(max(np.linalg.norm(Rm, axis=1).max(), 2 * cc * max(np.sqrt(tp), 1.0)))


def euclidean_step(y, g, step: float, radius: float) -> np.ndarray:
    """Closed form of the ``x`` updates (34a)/(34c): ``Proj_ball(y + step g)``.

    ``argmin_x ||x - y||^2 / 2 - step g^T x`` over ``||x|| <= radius`` (paper's first
    closed form after eq. (39), with ``step = 1 / (2L)``); the projection is
    :func:`wiretap.mirror.ball_projection`.

    Examples
    --------
    >>> euclidean_step(np.zeros(2), np.array([3.0, 4.0]), 1.0, 1.0).round(6).tolist()
    [0.6, 0.8]
    """
    step = float(check_nonnegative(step, "step"))
    return mirror.ball_projection(
        as_array(y, "y", ndim=1) + step * as_array(g, "g", ndim=1), radius
    )


def kl_step(log_eta, g, step: float) -> np.ndarray:
    """Closed form of the ``gamma`` updates (34b)/(34d) on log-weights.

    ``argmin_gamma KL(gamma || eta) + step g^T gamma`` over the simplex is
    ``eta_k exp(-step g_k) / sum_i eta_i exp(-step g_i)`` (the paper's second closed form
    after eq. (39)); on log-weights it is ``log_eta - step g - logsumexp(log_eta - step g)``
    (:func:`wiretap.mirror.kl_prox_log`), which never under- or overflows.

    Returns
    -------
    ndarray
        The new log-weights.

    Examples
    --------
    >>> np.exp(kl_step(np.log([0.5, 0.5]), np.array([0.0, np.log(3.0)]), 1.0)).round(6)
    array([0.75, 0.25])
    """
    return mirror.kl_prox_log(log_eta, g, step)


def p5_gradients(R, t, c: float, two_p: float, x, gamma) -> tuple[np.ndarray, np.ndarray]:
    """Gradients (37a)-(37b) of ``Theta`` at ``(x, gamma)``.

    ``grad_x = sum_k gamma_k r_k - 2 gamma_K c x`` and
    ``grad_gamma = [r_1^T x + t_1, ..., r_{K-1}^T x + t_{K-1}, c (2P - ||x||^2)]``.

    Examples
    --------
    >>> gx, gg = p5_gradients(np.eye(2), np.zeros(2), 1.0, 2.0, np.ones(2), np.ones(3) / 3)
    >>> gx.round(6).tolist(), gg.round(6).tolist()
    ([-0.333333, -0.333333], [1.0, 1.0, 0.0])
    """
    gam = np.asarray(gamma, dtype=float)
    gx = R.T @ gam[:-1] - 2.0 * gam[-1] * c * x
    gg = np.append(R @ x + t, c * (two_p - x @ x))
    return gx, gg


def p5_gap(R, t, c: float, two_p: float, x, gam) -> float:
    """Duality gap of P5 at ``(x, gamma)``: ``max_x' Theta(x', gamma) - min_g Theta(x, g)``.

    Both inner problems have closed forms: ``Theta(., gamma)`` is a concave isotropic
    quadratic (its maximizer over the ball is the projection of the unconstrained one) and
    ``Theta(x, .)`` is linear on the simplex (its minimum is the smallest gradient entry).
    The gap is >= 0 and 0 exactly at a saddle point.
    """
    gam = np.asarray(gam, dtype=float)
    b = R.T @ gam[:-1]
    a = gam[-1] * c
    rad = np.sqrt(two_p)
    if a > 0:
        xs = euclidean_step(np.zeros_like(b), b, 1.0 / (2 * a), rad)
    else:
        nb = np.linalg.norm(b)
        xs = b * (rad / nb) if nb > 0 else np.zeros_like(b)
    upper = gam[:-1] @ (R @ xs + t) + gam[-1] * c * (two_p - xs @ xs)
    lower = float(np.min(np.append(R @ x + t, c * (two_p - x @ x))))
    return float(upper - lower)


@dataclass(frozen=True, kw_only=True)
class P5Result(IterativeResult):
    """Outcome of :func:`p5_mirror_prox` (one inner solve of BFOM).

    Attributes
    ----------
    x : ndarray, shape (2n,)
        Last iterate ``y^[m]``.
    gamma : ndarray, shape (K,)
        Last ``eta^[m]``.
    x_avg, gamma_avg : ndarray
        Ergodic averages of the look-ahead points ``(y^<>, eta^<>)`` (the averages the
        ``O(1/m)`` guarantee is about).
    history : dict
        ``"step"`` (``||y^[m+1] - y^[m]||``) and, when requested, ``"gap"`` (duality gap of
        the ergodic average).
    """

    x: np.ndarray
    gamma: np.ndarray
    x_avg: np.ndarray
    gamma_avg: np.ndarray


def p5_mirror_prox(
    R,
    t,
    c: float,
    two_p: float,
    L: float,
    *,
    x0=None,
    gamma0=None,
    max_iter: int = 3000,
    tol: float = 1e-4,
    track_gap: bool = False,
) -> P5Result:
    """Mirror prox (paper eq. (34)) for P5: ``max_{||x||^2 <= 2P} min_{gamma in simplex}
    Theta(x, gamma)``.

    ``Theta(x, gamma) = sum_k gamma_k (r_k^T x + t_k) + gamma_K c (2P - ||x||^2)``
    (eq. (33)). Each iteration takes a look-ahead step (34a)-(34b) and the real step
    (34c)-(34d) with step size ``1 / (2L)``, in closed form (:func:`euclidean_step`,
    :func:`kl_step`). Stops when ``||y^[m+1] - y^[m]|| < tol`` (Remark 2) or after
    ``max_iter`` iterations.

    Parameters
    ----------
    R : array_like, shape (K-1, 2n)
        Rows ``r_k^T``.
    t : array_like, shape (K-1,)
    c : float
        ``||h_K||^2 / sigma_K^2`` (>= 0).
    two_p : float
        ``2 P_max`` (> 0).
    L : float
        Bregman-Lipschitz constant (> 0); the paper uses ``L_hat / K``.
    x0 : array_like, optional
        Starting ``y^[0]`` (default 0, the paper's example).
    gamma0 : array_like, optional
        Starting ``eta^[0]``, strictly positive on the simplex (default uniform, the paper's
        example).
    max_iter : int
    tol : float
    track_gap : bool
        Record the duality gap of the ergodic average at every iteration (costs one extra
        gradient evaluation per iteration).

    Returns
    -------
    P5Result
    """
    Rm = as_array(R, "R", ndim=2)
    m, n2 = Rm.shape
    tv = as_array(t, "t", shape=(m,))
    c = float(check_nonnegative(c, "c"))
    two_p = float(check_positive(two_p, "two_p"))
    step = 1.0 / (2.0 * float(check_positive(L, "L")))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = float(check_positive(tol, "tol"))
    rad = np.sqrt(two_p)
    t0 = time.perf_counter()
    y = np.zeros(n2) if x0 is None else as_array(x0, "x0", shape=(n2,)).copy()
    y = mirror.ball_projection(y, rad)
    if gamma0 is None:
        log_eta = np.full(m + 1, -np.log(m + 1.0))
    else:
        g0 = as_array(gamma0, "gamma0", shape=(m + 1,))
        if np.any(g0 <= 0) or abs(g0.sum() - 1) > 1e-9:
            raise ValueError("gamma0 must be strictly positive and sum to 1")
        log_eta = np.log(g0)
    sx, sg = np.zeros(n2), np.zeros(m + 1)
    steps, gaps = [], []
    status = "max_iter"
    Rt = np.ascontiguousarray(Rm.T)
    gg = np.empty(m + 1)

    def grads(x, gam):
        # (37a) and (37b)
        gx = Rt @ gam[:m] - (2.0 * gam[m] * c) * x
        gg[:m] = Rm @ x + tv
        gg[m] = c * (two_p - x @ x)
        return gx, gg

    def ascend(x, g):
        v = x + step * g
        nv = np.sqrt(v @ v)
        return v if nv <= rad else v * (rad / nv)

    def descend(le, g):
        s = le - step * g
        mx = s.max()
        return s - (mx + np.log(np.exp(s - mx).sum()))

    it = 0
    for it in range(1, max_iter + 1):
        gx, g = grads(y, np.exp(log_eta))
        y_la = ascend(y, gx)  # (34a): ascent step in x
        log_la = descend(log_eta, g)  # (34b): KL step in gamma
        eta_la = np.exp(log_la)
        gx, g = grads(y_la, eta_la)
        y_new = ascend(y, gx)  # (34c)
        log_eta = descend(log_eta, g)  # (34d)
        sx += y_la
        sg += eta_la
        diff = y_new - y
        d = float(np.sqrt(diff @ diff))
        y = y_new
        steps.append(d)
        if track_gap:
            gaps.append(p5_gap(Rm, tv, c, two_p, sx / it, sg / it))
        if d < tol:
            status = "converged"
            break
    hist = {"step": steps}
    if track_gap:
        hist["gap"] = gaps
    return P5Result(
        x=y,
        gamma=np.exp(log_eta),
        x_avg=sx / it,
        gamma_avg=sg / it,
        status=status,
        iterations=it,
        history=as_history(hist),
        elapsed=time.perf_counter() - t0,
    )


def p5_recover(R, t, c: float, two_p: float, direction) -> np.ndarray:
    """Best point of P5's outer problem along a direction (paper eq. (41), made robust).

    Paper eq. (41) rescales ``y^[m]`` so that the smallest helper term equals user ``K``'s
    term. Writing ``x = s y / ||y||``, the objective
    ``min(min_k (s r_k^T y/||y|| + t_k), c (2P - s^2))`` is concave in ``s`` (a minimum of
    affine and concave functions), so we maximize it over ``s in [0, sqrt(2P)]``; when the
    helper terms increase with ``s`` the maximizer is exactly the root of eq. (41).

    Returns
    -------
    ndarray, shape (2n,)
    """
    y = np.asarray(direction, dtype=float)
    ny = np.linalg.norm(y)
    if ny == 0:
        return y
    u = y / ny
    slope = R @ u

    def neg(s):
        return -min(float(np.min(s * slope + t)), c * (two_p - s * s))

    smax = np.sqrt(two_p)
    res = optimize.minimize_scalar(
        neg, bounds=(0.0, smax), method="bounded", options={"xatol": 1e-12 * max(smax, 1.0)}
    )
    s = min(res.x, smax) if -res.fun >= -neg(smax) else smax
    return s * u


@dataclass(frozen=True, kw_only=True)
class BFOMResult(IterativeResult):
    """Outcome of :func:`bfom`.

    Attributes
    ----------
    z, v, w : ndarray
        Design; ``w = sqrt(p) h / ||h||``.
    p : float
        Helpers' total power ``||w||^2`` (W).
    snr : float
        P4 objective (the common SNR) at the design.
    objective : float
        P2 objective of the design (bits/s/Hz), angular model included.
    history : dict
        ``"snr"`` (P4 objective, start included, non-decreasing), ``"inner_iterations"``,
        ``"lipschitz"`` (the ``L`` used), ``"rejected"`` (1 when an inner solve did not
        improve the surrogate and the step was rejected), ``"v"`` and ``"p"`` (iterates).
    """

    z: np.ndarray
    v: np.ndarray
    w: np.ndarray
    p: float
    snr: float
    objective: float

    @property
    def power(self) -> float:
        """Average transmit power ``(||v||^2 + ||w||^2) / 2`` in W."""
        return float((np.sum(np.abs(self.v) ** 2) + np.sum(np.abs(self.w) ** 2)) / 2)


def bfom(
    problem: AAUCProblem,
    *,
    max_iter: int = 20,
    tol: float = 1e-5,
    max_inner: int = 3000,
    inner_tol: float = 1e-4,
    lipschitz_scale: float | None = None,
    warm_start: bool = False,
    reduce: bool = False,
) -> BFOMResult:
    """BFOM-based AAUC for large ``K`` (paper Sec. V-B).

    Outer loop: SCO on P4 (eq. (30)) from the P6 design. Inner loop: mirror prox on P5
    (:func:`p5_mirror_prox`) with ``L = L_hat * lipschitz_scale`` (default ``1 / K``, the
    paper's choice), then the recovery of eq. (41) (:func:`p5_recover`). A step whose
    recovered point does not improve the SCO surrogate is rejected (the inner solve was
    not accurate enough) and the loop stops.

    Parameters
    ----------
    problem : AAUCProblem
    max_iter : int
        SCO iterations ``I`` (paper: 20).
    tol : float
        Stop when the P4 objective improves by less than ``tol`` relatively.
    max_inner : int
        Mirror-prox iterations per SCO step (paper: 3000).
    inner_tol : float
        Mirror-prox stopping tolerance on ``||y^[m+1] - y^[m]||`` (paper: 1e-4).
    lipschitz_scale : float, optional
        ``L / L_hat``; default ``1 / K``.
    warm_start : bool
        Start each mirror-prox run at the current point and at the previous run's weights
        (the paper starts from ``y = 0`` and uniform weights "e.g.", Sec. V-B).
    reduce : bool
        Work in the reduced coordinates of :meth:`~wiretap.aauc.problem.AAUCProblem.reduced`.

    Returns
    -------
    BFOMResult

    References
    ----------
    Paper eqs. (29)-(41), Proposition 4, Remark 2.
    """
    if not isinstance(problem, AAUCProblem):
        raise ValueError(f"problem must be an AAUCProblem, got {type(problem).__name__}")
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = float(check_positive(tol, "tol"))
    scale = (
        1.0 / (problem.m + 1)
        if lipschitz_scale is None
        else float(check_positive(lipschitz_scale, "lipschitz_scale"))
    )
    t0 = time.perf_counter()
    full = problem
    pb = full.reduced() if reduce else full
    start = p6(full)
    z = pb.basis.conj().T @ start.v
    P2 = 2 * pb.p_max
    p = P2 - float(np.sum(np.abs(z) ** 2))
    hist = {
        "snr": [p4_objective(pb, z, p)],
        "inner_iterations": [],
        "lipschitz": [],
        "rejected": [],
        "v": [pb.beamformer(z)],
        "p": [p],
    }
    status, message = "max_iter", ""
    it = 0
    gam_prev = None
    for it in range(1, max_iter + 1):
        R, t, c = p5_data(pb, z)
        L = lipschitz_bound(R, c, P2) * scale
        x_cur = np.concatenate([z.real, z.imag])
        inner = p5_mirror_prox(
            R,
            t,
            c,
            P2,
            L,
            x0=x_cur if warm_start else None,
            gamma0=gam_prev if warm_start else None,
            max_iter=max_inner,
            tol=inner_tol,
        )
        # keep the weights strictly positive for the next warm start
        gam_prev = (inner.gamma + 1e-12) / (1 + 1e-12 * inner.gamma.size)
        x = p5_recover(R, t, c, P2, inner.x)
        surrogate_new = min(float(np.min(R @ x + t)), c * (P2 - x @ x))
        f_old = hist["snr"][-1]
        hist["inner_iterations"].append(inner.iterations)
        hist["lipschitz"].append(L)
        if surrogate_new < f_old:
            hist["rejected"].append(1)
            hist["snr"].append(f_old)
            status = "converged"
            message = (
                f"SCO step {it}: the mirror-prox solution did not improve the "
                "surrogate; stopped at the current point"
            )
            break
        hist["rejected"].append(0)
        n = pb.n
        z = x[:n] + 1j * x[n:]
        p = max(P2 - float(x @ x), 0.0)
        f_new = p4_objective(pb, z, p)
        hist["snr"].append(f_new)
        hist["v"].append(pb.beamformer(z))
        hist["p"].append(p)
        if abs(f_new - f_old) <= tol * max(1.0, abs(f_old)):
            status = "converged"
            break
    hn = np.sqrt(np.sum(np.abs(pb.h) ** 2))
    w = np.sqrt(p) * pb.h / hn
    v = pb.beamformer(z)
    return BFOMResult(
        z=full.basis.conj().T @ v,
        v=v,
        w=w,
        p=p,
        snr=p4_objective(pb, z, p),
        objective=pb.objective(z, w),
        status=status,
        iterations=it,
        history=as_history(hist),
        elapsed=time.perf_counter() - t0,
        message=message,
    )
