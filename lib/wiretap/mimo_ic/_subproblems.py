"""Compiled robust block subproblems of one pair (DPP, re-solved with new Parameters; internal).

Their public home is :mod:`wiretap.mimo_ic.robust`, which re-exports them (their
``__module__`` says so, for the documentation).

:class:`PrecoderProblem`, :class:`ReceiverProblem` and :class:`EveProblem` are the three
block subproblems of the alternating convex search (see :mod:`wiretap.mimo_ic.robust` for
the uncertainty model). They split the big LMI (55) into small exact pieces (one per row of
``B`` or column of ``X``) and, for the precoder, use a lifted S-lemma form with blocks of
size ``n_t + 1``. Each is built once per size and kept in a cache by the pair agents.

References
----------
Kong et al. (``kong2024mimoic``), eqs. (37)-(65); Gharavol and Larsson (2013), Lemma 1.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cvxpy as cp
import numpy as np

from .. import convex, lemmas
from .._linalg import herm
from .._validation import as_array, check_int
from ..results import Certificate
from ._robust_core import PRECODER_GAP_TOL, row_data, solve_robust, worst_case
from .wmmse_steps import Aux, hermitian_sqrt

if TYPE_CHECKING:
    from .robust import PairView

__all__ = [
    "EveProblem",
    "PrecoderProblem",
    "ReceiverProblem",
    "SubproblemOutcome",
]


@dataclass(frozen=True)
class SubproblemOutcome:
    """Outcome of one solve of a compiled block subproblem.

    Acceptance rule (what ``ok`` means). Clarabel's point is read back when its status is
    ``"optimal"`` or ``"optimal_inaccurate"`` (the latter includes "insufficient progress"
    with a point, through ``accept_unknown``); any other status is a failure.

    * Precoder step (:class:`PrecoderProblem`): the point is accepted only if its
      ``certificate`` holds: the exact worst case of each robust term at the returned
      precoder (trust-region method, :func:`worst_case_residual`) exceeds the SDP's epigraph
      value by at most ``PRECODER_GAP_TOL`` relative to ``1 + |value|``. An
      ``optimal_inaccurate`` point that passes is as good as the SDP claims; one that fails
      is rejected (``ok`` False) whatever the status.
    * Receiver and Eve steps: the point is accepted on the status alone (no certificate);
      :func:`~wiretap.mimo_ic.run_adp` then evaluates the pair's utility exactly and undoes
      any step that lowers it, so an inaccurate point can never count as an improvement.

    Attributes
    ----------
    status : str
        The cvxpy status.
    ok : bool
        Whether the point was accepted (rule above).
    value : float
        Optimal value of the SDP (nan when not solved).
    solve_time, wall_time : float
        Seconds (solver only; whole call).
    certificate : Certificate or None
        Precoder step: ``kind="worst_case_gap"``, value ``max_t max(0, exact_t - sdp_t) /
        (1 + |sdp_t|)`` over the robust terms ``t`` (nan when no point was returned).
    """

    status: str
    ok: bool
    value: float
    solve_time: float
    wall_time: float
    certificate: Certificate | None = None

    @classmethod
    def of(cls, info, t0: float) -> SubproblemOutcome:
        """The outcome of a solve accepted on its status alone (``t0``: start of the call)."""
        return cls(info.status, info.ok, info.value, info.solve_time, time.perf_counter() - t0)


def _hvar(n: int, name: str):
    """A Hermitian variable (a real 1 x 1 variable when n == 1, which is Hermitian)."""
    if n == 1:
        return cp.Variable((1, 1), name=name)
    return cp.Variable((n, n), hermitian=True, name=name)


class _LiftedGroup:
    """Robust term ``max ||B (H + Delta) Xs - C||^2`` in the lifted S-lemma form.

    With ``Y >= Xs Xs^H`` (imposed once, tight at the optimum) the term is at most
    ``t = sum_l tau_l + lam + tr(Y P^H P) - 2 Re tr(Xs C^H P) + ||C||^2`` whenever
    ``[[lam I - sigma_l^2 Y, -b_l], [-b_l^H, tau_l]] >= 0`` for every row ``l`` of ``B``, with
    ``b_l = sigma_l (Y p_l^H - Xs c_l^H)``: the S-lemma for the joint error ball, split row
    by row.
    """

    def __init__(self, Xs, Ys, rows: int, n_t: int, with_target: bool, name: str):
        k_s = Xs.shape[1]
        self.rows, self.with_target = rows, with_target
        self.q = cp.Parameter((n_t, rows), complex=True, name=f"{name}_q")
        self.s2 = cp.Parameter(rows, nonneg=True, name=f"{name}_s2")
        self.Pp = cp.Parameter((n_t, n_t), hermitian=True, name=f"{name}_Pp")
        self.tau = cp.Variable(rows, name=f"{name}_tau")
        self.lam = cp.Variable(nonneg=True, name=f"{name}_lam")
        if with_target:
            self.r = cp.Parameter((k_s, rows), complex=True, name=f"{name}_r")
            self.R = cp.Parameter((k_s, n_t), complex=True, name=f"{name}_R")
            self.cc = cp.Parameter(nonneg=True, name=f"{name}_cc")
        eye = np.eye(n_t)
        self.constraints = []
        for ell in range(rows):
            b = Ys @ self.q[:, ell]
            if with_target:
                b = b - Xs @ self.r[:, ell]
            D = self.lam * eye - self.s2[ell] * Ys
            self.constraints.append(lemmas.hermitian_block(D, -b, self.tau[ell]) >> 0)
        t = cp.sum(self.tau) + self.lam + cp.real(cp.trace(Ys @ self.Pp))
        if with_target:
            t = t - 2 * cp.real(cp.trace(Xs @ self.R)) + self.cc
        self.t = t

    def set(self, B, H, C, radius):
        k_s = self.r.shape[0] if self.with_target else 0
        Cm = C if C is not None else np.zeros((B.shape[0], max(k_s, 1)), complex)
        rows = row_data(B, H, Cm, radius)
        if len(rows.s) != self.rows:
            raise ValueError(f"expected {self.rows} rows, got {len(rows.s)}")
        self.q.value = (rows.sigma[:, None] * rows.P).conj().T
        self.s2.value = rows.sigma**2
        self.Pp.value = herm(rows.P.conj().T @ rows.P)
        if self.with_target:
            self.r.value = (rows.sigma[:, None] * rows.C).conj().T
            self.R.value = rows.C.conj().T @ rows.P
            self.cc.value = float(np.linalg.norm(Cm) ** 2)


class _LiftedUniform:
    """Robust ``max ||c (H + Delta) Xs||_F^2`` (``B = c I``) in one lifted S-lemma block.

    All rows share the multiplier ``sigma = c r``, so the row blocks
    ``[[lam I - sigma^2 Y, -sigma Y p_l^H], [., tau_l]]`` aggregate exactly into
    ``[[lam I - sigma^2 Y, -sigma Y L], [-sigma L^H Y, T]] >= 0`` with ``L L^H = P^H P`` and
    ``t = tr T + lam + tr(Y P^H P)`` (the sum of the row Schur complements is a trace).
    """

    def __init__(self, Xs, Ys, n_t: int, name: str):
        self.M = cp.Parameter((n_t, n_t), complex=True, name=f"{name}_M")
        self.s2 = cp.Parameter(nonneg=True, name=f"{name}_s2")
        self.Pp = cp.Parameter((n_t, n_t), hermitian=True, name=f"{name}_Pp")
        self.T = cp.Variable((n_t, n_t), hermitian=True, name=f"{name}_T")
        self.lam = cp.Variable(nonneg=True, name=f"{name}_lam")
        D = self.lam * np.eye(n_t) - self.s2 * Ys
        self.constraints = [lemmas.hermitian_block(D, -(Ys @ self.M), self.T) >> 0]
        self.t = cp.real(cp.trace(self.T)) + self.lam + cp.real(cp.trace(Ys @ self.Pp))

    def set(self, c, H, radius):
        Pp = herm((c * c) * (H.conj().T @ H))
        w, V = np.linalg.eigh(Pp)
        L = (V * np.sqrt(np.maximum(w, 0.0))) @ V.conj().T
        sigma = c * radius
        self.M.value = sigma * L
        self.s2.value = sigma**2
        self.Pp.value = Pp


class _SchurRows:
    """Robust term ``max ||B (H + Delta) Xs - C||^2`` by the sign-definiteness LMI, row split.

    Row ``l`` of the rotated residual is ``a_l + sigma_l g_l Xs`` with ``a_l = p_l Xs - c_l``
    and the error rows ``g_l`` in a joint unit ball; its block is
    ``[[tau_l, a_l, 0], [a_l^H, I, -sigma_l Xs^H], [0, -sigma_l Xs, lam I]]`` and
    ``t = sum_l tau_l + lam``. Used for the terms with a target ``C`` (no lifted variable,
    so no large cancelling coefficients).
    """

    def __init__(self, Xs, rows: int, n_t: int, name: str):
        k_s = Xs.shape[1]
        self.rows = rows
        self.P = cp.Parameter((rows, n_t), complex=True, name=f"{name}_P")
        self.C = cp.Parameter((rows, k_s), complex=True, name=f"{name}_C")
        self.sigma = cp.Parameter(rows, nonneg=True, name=f"{name}_sigma")
        self.tau = cp.Variable(rows, name=f"{name}_tau")
        self.lam = cp.Variable(nonneg=True, name=f"{name}_lam")
        res = self.P @ Xs - self.C
        self.constraints = []
        for ell in range(rows):
            top = lemmas.hermitian_block(self.tau[ell], res[ell, :], np.eye(k_s))
            side = cp.vstack([np.zeros((1, n_t)), -self.sigma[ell] * Xs.H])
            self.constraints.append(lemmas.hermitian_block(top, side, self.lam * np.eye(n_t)) >> 0)
        self.t = cp.sum(self.tau) + self.lam

    def set(self, B, H, C, radius, xscale: float = 1.0):
        """Set the data; the variable ``Xs`` stands for ``X_true / xscale``."""
        rows = row_data(B, H, C, radius)
        if len(rows.s) != self.rows:
            raise ValueError(f"expected {self.rows} rows, got {len(rows.s)}")
        if rows.const > 0:
            raise ValueError("B must have at least as many columns as rows")
        self.P.value = xscale * rows.P
        self.C.value = rows.C
        self.sigma.value = xscale * rows.sigma


class PrecoderProblem:
    """Compiled robust precoder step of one pair (paper's P4 with the auxiliaries fixed).

    Minimizes ``alpha + beta + gamma + sum_j theta_j`` (worst cases over the error balls) over
    ``X = [Q, Lambda]`` with ``||X||_F^2 <= P``. Built once per size; :meth:`solve` sets the
    Parameters and re-solves (DPP).

    Parameters
    ----------
    n_t, n_r, n_e, d_s, d_a : int
    n_cross : int
        Number of priced receivers (``K - 1``; 0 for a selfish pair).
    """

    def __init__(self, n_t: int, n_r: int, n_e: int, d_s: int, d_a: int, n_cross: int):
        for name, v in (("n_t", n_t), ("n_r", n_r), ("n_e", n_e), ("d_s", d_s), ("d_a", d_a)):
            check_int(v, name, minimum=1)
        check_int(n_cross, "n_cross", minimum=0)
        if d_s + d_a > n_t:
            raise ValueError("d_s + d_a must be <= n_t")
        k = d_s + d_a
        self.sizes = (n_t, n_r, n_e, d_s, d_a, n_cross)
        if d_s > n_r or d_a > n_e:
            raise ValueError("need d_s <= n_r and d_a <= n_e")
        self.X = cp.Variable((n_t, k), complex=True, name="X")
        self.Y = cp.Variable((n_t, n_t), hermitian=True, name="Y")
        self.YF = cp.Variable((n_t, n_t), hermitian=True, name="YF")
        self.Fm = cp.Parameter((k, k), complex=True, name="F_m")
        L = self.X[:, d_s:]
        XF = self.X @ self.Fm
        self.alpha = _SchurRows(self.X, d_s, n_t, "alpha")
        self.beta = _SchurRows(L, d_a, n_t, "beta")
        self.gamma = _LiftedUniform(XF, self.YF, n_t, "gamma")
        # a price has rank <= d_s, so only d_s rows of Pi_j^{1/2} carry anything
        self.theta = [
            _LiftedGroup(self.X, self.Y, min(d_s, n_r), n_t, False, f"theta{j}")
            for j in range(n_cross)
        ]
        self.power = cp.Parameter(nonneg=True, name="power")
        groups = [self.alpha, self.beta, self.gamma, *self.theta]
        cons = [c for g in groups for c in g.constraints]
        cons += [
            lemmas.hermitian_block(self.Y, self.X, np.eye(k)) >> 0,
            lemmas.hermitian_block(self.YF, XF, np.eye(k)) >> 0,
            cp.sum_squares(self.X) <= self.power,
        ]
        # Y >= X X^H is tight at the optimum; a vanishing weight on tr(Y) removes the flat
        # directions of Y that no term sees (they would make the KKT system singular). Its
        # effect on the optimal value is below 1e-9 * P.
        self._reg = 1e-9
        obj = sum(g.t for g in groups) + self._reg * cp.real(cp.trace(self.Y + self.YF))
        self.problem = convex.require_dpp(cp.Problem(cp.Minimize(obj), cons))

    def solve(self, view: PairView, aux: Aux, cross_prices, *, scale=None, **solver_options):
        """Set the data of ``view`` and re-solve.

        Parameters
        ----------
        view : PairView
        aux : Aux
        cross_prices : array_like, shape (n_cross, n_r, n_r)
        scale : float, optional
            Expected size ``||X||_F`` of the new precoder (default ``sqrt(power)``); the SDP is
            solved for ``X / scale``, so that its variables (and the lifted ``Y >= X X^H``)
            are of order one. At high SNR the designs use a tiny fraction of the budget, and
            without this the solver's absolute tolerances are large relative to ``X X^H``.
        **solver_options
            Passed to Clarabel.

        Returns
        -------
        X : ndarray or None
            The new precoder, scaled into the power budget if the solver overshoots it by its
            tolerance; ``None`` unless ``outcome.ok`` (see :class:`SubproblemOutcome` for the
            acceptance rule: a point, ``optimal`` or ``optimal_inaccurate``, whose exact
            worst cases agree with the SDP within ``PRECODER_GAP_TOL``).
        outcome : SubproblemOutcome
        """
        t0 = time.perf_counter()
        n_t, n_r, _n_e, d_s, d_a, n_cross = self.sizes
        Pi = as_array(cross_prices, "cross_prices", shape=(n_cross, n_r, n_r), kind="complex")
        k = d_s + d_a
        s = float(np.sqrt(view.power)) if scale is None else float(scale)
        if not (np.isfinite(s) and s > 0):
            raise ValueError(f"scale must be positive and finite, got {scale!r}")
        # the variable X stands for X_true / s: every datum that multiplies it carries s
        self.alpha.set(
            aux.W_r, view.A, np.hstack([aux.F_r, np.zeros((d_s, d_a))]), view.radius_main, s
        )
        self.beta.set(aux.W_e, view.G, aux.F_e, view.radius_eve, s)
        # ||(G + Delta) X F||^2 = (c s)^2 ||(G + Delta) (X / s) (F / c)||^2 with c = ||F||_2:
        # the lifted variable then has the scale of (X / s)(X / s)^H whatever the weight.
        Fm = hermitian_sqrt(aux.S_m)
        c = max(float(np.linalg.norm(Fm, 2)), 1e-300)
        self.Fm.value = Fm / c
        self.gamma.set(c * s, view.G, view.radius_eve)
        for grp, P, C in zip(self.theta, Pi, view.cross, strict=True):
            top = _price_rows(P, grp.rows)
            grp.set(s * top.conj().T, C, None, view.radius_cross)
        self.power.value = float(view.power) / s**2
        info = solve_robust(self.problem, solver_options)
        X, cert = None, None
        if info.ok:
            X = s * np.asarray(self.X.value, dtype=complex).reshape(n_t, k)
            nrm2 = float(np.linalg.norm(X) ** 2)
            if nrm2 > view.power:
                X = X * np.sqrt(view.power / nrm2)
            cert = self._certificate(view, aux, Pi, X)
        ok = bool(info.ok and cert is not None and cert.holds)
        out = SubproblemOutcome(
            info.status, ok, info.value, info.solve_time, time.perf_counter() - t0, cert
        )
        return (X if ok else None), out

    def _certificate(self, view: PairView, aux: Aux, Pi, X) -> Certificate:
        """Exact worst case of every robust term at ``X`` against the SDP's epigraph value."""
        d_s = self.sizes[3]
        k = X.shape[1]
        exact = [
            worst_case(
                aux.W_r,
                view.A,
                X,
                np.hstack([aux.F_r, np.zeros((d_s, k - d_s))]),
                view.radius_main,
            )[0],
            worst_case(aux.W_e, view.G, X[:, d_s:], aux.F_e, view.radius_eve)[0],
            worst_case(
                np.eye(view.G.shape[0]),
                view.G,
                X @ hermitian_sqrt(aux.S_m),
                None,
                view.radius_eve,
            )[0],
        ]
        for grp, P, C in zip(self.theta, Pi, view.cross, strict=True):
            top = _price_rows(P, grp.rows)
            exact.append(worst_case(top.conj().T, C, X, None, view.radius_cross)[0])
        groups = [self.alpha, self.beta, self.gamma, *self.theta]
        claimed = [float(np.real(g.t.value)) for g in groups]
        gaps = [max(0.0, e - c) / (1.0 + abs(c)) for e, c in zip(exact, claimed, strict=True)]
        value = max(gaps) if all(np.isfinite(claimed)) else float("nan")
        return Certificate(
            kind="worst_case_gap",
            value=value,
            tolerance=PRECODER_GAP_TOL,
            detail="exact worst case (trust region) minus SDP epigraph value, relative, "
            "max over alpha, beta, gamma, theta_j",
        )


class _SchurColumns:
    """Robust ``max ||(W H_hat X - F E) + W Delta X||^2`` over ``(F, W)``, column split.

    Columns of ``X V`` (``X = U diag(s) V^H``) decouple the error ``Delta X`` into
    ``s_l Delta u_l``; each column gets the Schur/sign-definiteness block
    ``[[tau_l, c_l^H, 0], [c_l, I, -g_l W], [0, -g_l W^H, lam I]]`` with ``g_l = r s_l``.
    """

    def __init__(self, F, W, cols: int, n_in: int, name: str):
        d = W.shape[0]
        self.P1 = cp.Parameter((n_in, cols), complex=True, name=f"{name}_P1")
        self.P2 = cp.Parameter((d, cols), complex=True, name=f"{name}_P2")
        self.g = cp.Parameter(cols, nonneg=True, name=f"{name}_g")
        self.tau = cp.Variable(cols, name=f"{name}_tau")
        self.lam = cp.Variable(nonneg=True, name=f"{name}_lam")
        Cm = W @ self.P1 - F @ self.P2
        self.constraints = []
        for ell in range(cols):
            c = Cm[:, ell]
            top = lemmas.hermitian_block(self.tau[ell], cp.conj(c), np.eye(d))
            side = cp.vstack([np.zeros((1, n_in)), -self.g[ell] * W])
            self.constraints.append(lemmas.hermitian_block(top, side, self.lam * np.eye(n_in)) >> 0)
        self.t = cp.sum(self.tau) + self.lam

    def set(self, H, X, E, radius):
        _U, s, Vh = np.linalg.svd(X, full_matrices=False)
        V = Vh.conj().T
        self.P1.value = H @ X @ V
        self.P2.value = E @ V
        self.g.value = radius * s


def _price_rows(P, rows: int) -> np.ndarray:
    """``L`` (n x rows) with ``L L^H`` the top-``rows`` part of the price ``P``."""
    w, V = np.linalg.eigh(herm(P))
    return V[:, -rows:] * np.sqrt(np.maximum(w[-rows:], 0.0))


def _weighted_block(d: int, n_in: int, cols: int, tag: str, name: str):
    """Variables ``F`` (d x d Hermitian) and ``W`` (d x n_in) of a weighted-MMSE block and
    its robust column-split residual term (created in this order)."""
    F = _hvar(d, f"F_{tag}")
    W = cp.Variable((d, n_in), complex=True, name=f"W_{tag}")
    return F, W, _SchurColumns(F, W, cols, n_in, name)


def _hermitian_value(F, d: int) -> np.ndarray:
    """The Hermitian part of the value of the ``d x d`` variable ``F``."""
    return herm(np.asarray(F.value, dtype=complex).reshape(d, d))


class ReceiverProblem:
    """Compiled robust receiver step: ``max 2 log det F_r - alpha`` over ``(F_r, W_r)``.

    ``alpha = max ||W_r (A + Delta) X - [F_r, 0]||^2 + ||W_r (Upsilon + I)^{1/2}||^2`` over the
    main-channel error ball. Jointly concave in ``(F_r, W_r)`` (``U_R = W_r^H F_r^{-1}``); at
    radius 0 its maximizer is the MMSE receiver and ``S_R = E^{-1}``.
    """

    def __init__(self, n_t: int, n_r: int, d_s: int, d_a: int):
        k = d_s + d_a
        self.sizes = (n_t, n_r, d_s, d_a)
        self.F, self.W, self.cols = _weighted_block(d_s, n_r, k, "r", "rx")
        self.Yh = cp.Parameter((n_r, n_r), complex=True, name="Yh")
        obj = 2 * cp.log_det(self.F) - self.cols.t - cp.sum_squares(self.W @ self.Yh)
        self.problem = convex.require_dpp(cp.Problem(cp.Maximize(obj), self.cols.constraints))

    def solve(self, view: PairView, X, Ups, **solver_options):
        """Returns ``(F_r, W_r)`` (``None, None`` unless ``optimal`` or ``optimal_inaccurate``;
        see :class:`SubproblemOutcome`) and the outcome."""
        t0 = time.perf_counter()
        _n_t, n_r, d_s, d_a = self.sizes
        E = np.hstack([np.eye(d_s), np.zeros((d_s, d_a))])
        self.cols.set(view.A, X, E, view.radius_main)
        self.Yh.value = hermitian_sqrt(np.asarray(Ups) + np.eye(n_r))
        info = solve_robust(self.problem, solver_options)
        F = W = None
        if info.ok:
            F = _hermitian_value(self.F, d_s)
            W = np.asarray(self.W.value, dtype=complex)
        out = SubproblemOutcome.of(info, t0)
        return (F, W), out


class EveProblem:
    """Compiled robust Eve-side step: the auxiliaries ``(F_e, W_e)`` and ``S_m``.

    Maximizes ``[2 log det F_e - beta] + [log det S_m - gamma]`` with
    ``beta = max ||W_e (G + Delta) Lambda - F_e||^2 + ||W_e||^2`` (Schur form, per column of
    ``Lambda``) and ``gamma = max tr(S_m (I_k + X^H (G + Delta)^H (G + Delta) X))``. For
    ``gamma`` the weight is written in the rotated basis of ``X = U diag(s) V^H``,
    ``S_m = V S V^H``; the error rows of ``(G + Delta) U`` then enter an S-lemma block
    ``[[lam I - r^2 T, -r T v_l], [., tau_l]]`` of size ``k + 1`` per Eve antenna, linear in
    ``T = diag(s) S diag(s)``.
    """

    def __init__(self, n_t: int, n_e: int, d_s: int, d_a: int):
        k = d_s + d_a
        self.sizes = (n_t, n_e, d_s, d_a)
        self.F, self.W, self.cols = _weighted_block(d_a, n_e, d_a, "e", "eve")
        # S_rot = D S D with a fixed diagonal D (a preconditioner: the nominal weights span
        # many orders of magnitude at high SNR), and T = diag(s) S_rot diag(s).
        self.S = cp.Variable((k, k), hermitian=True, name="S_scaled")
        self.T = cp.Variable((k, k), hermitian=True, name="T")
        self.ss = cp.Parameter((k, k), nonneg=True, name="ss")
        self.dd = cp.Parameter(k, nonneg=True, name="dd")
        self.v = cp.Parameter((k, n_e), complex=True, name="v")
        self.Kv = cp.Parameter((k, k), hermitian=True, name="Kv")
        self.r2 = cp.Parameter(nonneg=True, name="r2")
        self.tau = cp.Variable(n_e, name="gamma_tau")
        self.lam = cp.Variable(nonneg=True, name="gamma_lam")
        cons = list(self.cols.constraints)
        cons.append(self.T == cp.multiply(self.ss, self.S))
        eye = np.eye(k)
        for row in range(n_e):
            D = self.lam * eye - self.r2 * self.T
            cons.append(lemmas.hermitian_block(D, -(self.T @ self.v[:, row]), self.tau[row]) >> 0)
        gamma = (
            cp.sum(self.tau)
            + self.lam
            + cp.real(cp.trace(self.T @ self.Kv))
            + cp.real(self.dd @ cp.diag(self.S))
        )
        obj = (
            2 * cp.log_det(self.F)
            - self.cols.t
            - cp.sum_squares(self.W)
            + cp.log_det(self.S)
            - gamma
        )
        self.problem = convex.require_dpp(cp.Problem(cp.Maximize(obj), cons))

    def solve(self, view: PairView, X, **solver_options):
        """Returns ``(F_e, W_e, S_m)`` (all ``None`` unless ``optimal`` or ``optimal_inaccurate``;
        see :class:`SubproblemOutcome`) and the outcome."""
        t0 = time.perf_counter()
        _n_t, _n_e, d_s, d_a = self.sizes
        Xm = np.asarray(X, dtype=complex)
        L = Xm[:, d_s:]
        self.cols.set(view.G, L, np.eye(d_a), view.radius_eve)
        U, s, Vh = np.linalg.svd(Xm, full_matrices=False)
        r = view.radius_eve
        vcols = U.conj().T @ view.G.conj().T  # (k, n_e): v_row = U^H g_row^H
        Kv = herm(vcols @ vcols.conj().T)
        S0 = np.linalg.inv(np.eye(len(s)) + (s[:, None] * Kv) * s[None, :])  # nominal S_rot
        d = np.sqrt(np.maximum(np.real(np.diag(S0)), 1e-300))
        self.dd.value = d**2
        self.ss.value = np.outer(s * d, s * d)
        self.v.value = r * vcols
        self.Kv.value = Kv
        self.r2.value = r**2
        info = solve_robust(self.problem, solver_options)
        F = W = S = None
        if info.ok:
            F = _hermitian_value(self.F, d_a)
            W = np.asarray(self.W.value, dtype=complex)
            V = Vh.conj().T
            S_rot = d[:, None] * np.asarray(self.S.value, dtype=complex) * d[None, :]
            S = herm(V @ S_rot @ V.conj().T)
        out = SubproblemOutcome.of(info, t0)
        return (F, W, S), out
