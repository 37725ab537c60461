"""Pair agents of the distributed pricing algorithm (internal; see :mod:`wiretap.mimo_ic.adp`).

A :class:`PairAgent` holds only its own estimated channels, its design, its WMMSE
auxiliaries and the prices it has heard; its four block steps are paper Algorithm 1's loop
body. The compiled robust subproblems they solve are shared, per size, through
``PROBLEM_CACHE`` (cleared by :func:`wiretap.mimo_ic.clear_problem_cache`). The public home
of :class:`PairAgent` is :mod:`wiretap.mimo_ic.adp`, which re-exports it (its ``__module__``
says so, for the documentation).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .._cache import CompiledCache
from .._linalg import herm
from .._validation import as_array, check_choice, check_int
from ._checks import hermitian_psd, matrix
from ._robust_core import ACCEPT
from .robust import (
    EveProblem,
    PairView,
    PrecoderProblem,
    ReceiverProblem,
    RobustTerms,
    robust_terms,
)
from .wmmse_steps import (
    Aux,
    aux_closed_form,
    eve_closed_form,
    nominal_precoder,
    receiver_closed_form,
)

__all__ = ["PROBLEM_CACHE", "PairAgent", "StepFailure", "checked_price", "compiled"]

PROBLEM_CACHE = CompiledCache(maxsize=256)
"""Compiled block subproblems keyed by class and size. Bounded, but large enough that a book
run never evicts one (an evicted problem would lose the solver settings that its retries
left in cvxpy's cached Clarabel solver, and re-solves could differ in the last digits)."""


def compiled(cls, sizes, rebuild: bool):
    """The compiled ``cls(*sizes)`` from ``PROBLEM_CACHE`` (a fresh one if ``rebuild``)."""
    return PROBLEM_CACHE.get((cls.__name__, sizes), lambda: cls(*sizes), rebuild=rebuild)


def checked_price(A, X, Ups, d_s: int) -> np.ndarray:
    """:func:`wiretap.mimo_ic.pair_price` (its argument checks included)."""
    Am = matrix(A, "A")
    Xm = matrix(X, "X", shape=(Am.shape[1], None), match="the columns of A")
    U = hermitian_psd(Ups, "Ups", Am.shape[0], match="the rows of A")
    d = check_int(d_s, "d_s", minimum=1, maximum=Xm.shape[1] - 1)
    AQ, AL = Am @ Xm[:, :d], Am @ Xm[:, d:]
    N = herm(AL @ AL.conj().T + U + np.eye(Am.shape[0]))
    return herm(np.linalg.inv(N) - np.linalg.inv(herm(N + AQ @ AQ.conj().T)))


class PairAgent:
    """One transmitter-receiver pair of the distributed algorithm.

    Parameters
    ----------
    view : PairView
        The pair's own channel knowledge.
    X0 : array_like, shape (n_t, d_s + d_a)
        Initial design (within the power budget).
    pricing : bool
        Pay for the interference caused (``False``: the selfish game).
    aux : {"robust", "closed_form"}
        How the auxiliary blocks are updated when errors are modelled: exact robust block
        maximization (SDPs) or the non-robust closed forms at the estimates.
    rebuild : bool
        Build a fresh cvxpy problem for every solve (only for benchmarking DPP reuse).
    solver_options : dict, optional
        Passed to Clarabel.
    """

    def __init__(
        self,
        view: PairView,
        X0,
        *,
        pricing: bool = True,
        aux: str = "robust",
        rebuild: bool = False,
        solver_options: dict | None = None,
    ):
        if not isinstance(view, PairView):
            raise ValueError(f"view must be a PairView, got {type(view).__name__}")
        check_choice(aux, "aux", ("robust", "closed_form"))
        self.pricing = bool(pricing)
        self.view = view if self.pricing else replace(view, cross=view.cross[:0], others=())
        n_t = view.A.shape[1]
        self.X = as_array(X0, "X0", ndim=2, kind="complex").copy()
        if self.X.shape[0] != n_t or self.X.shape[1] <= view.d_s:
            raise ValueError(f"X0 must have shape ({n_t}, d_s + d_a), got {self.X.shape}")
        if np.linalg.norm(self.X) ** 2 > view.power * (1 + 1e-9):
            raise ValueError("X0 violates the power budget")
        self.aux_mode = aux
        self.rebuild = bool(rebuild)
        self.solver_options = dict(solver_options or {})
        n_r = view.A.shape[0]
        self.heard = {j: np.zeros((n_r, n_r), complex) for j in self.view.others}
        self.aux: Aux | None = None
        self.solves = 0
        self.solve_time = 0.0
        self.rejected = 0
        self.uncertified = 0
        self.received = 0
        self.received_numbers = 0
        self.precoder_gaps: list[float] = []

    # -- sizes and helpers
    @property
    def index(self) -> int:
        return self.view.index

    def _sizes(self):
        n_r, n_t = self.view.A.shape
        n_e = self.view.G.shape[0]
        d_s = self.view.d_s
        d_a = self.X.shape[1] - d_s
        return n_t, n_r, n_e, d_s, d_a

    def cross_prices(self) -> np.ndarray:
        n_r = self.view.A.shape[0]
        if not self.view.others:
            return np.zeros((0, n_r, n_r), complex)
        return np.stack([self.heard[j] for j in self.view.others])

    def hear(self, j: int, price) -> None:
        """Receive pair ``j``'s price (ignored by a selfish pair)."""
        if self.pricing and j in self.heard:
            P = np.asarray(price, dtype=complex)
            self.heard[j] = P
            self.received += 1
            # a Hermitian n x n matrix is n real diagonal entries and n (n - 1) / 2 complex
            # off-diagonal ones: n^2 real numbers
            n = P.shape[0]
            self.received_numbers += n + n * (n - 1)

    def terms(self, Ups) -> RobustTerms:
        """The pair's robust utility at its current state (exact worst cases)."""
        return robust_terms(self.view, self.X, self.aux, Ups, self.cross_prices())

    def _record(self, outcome, step: str):
        self.solves += 1
        if np.isfinite(outcome.solve_time):
            self.solve_time += outcome.solve_time
        if outcome.status not in ACCEPT or (step != "precoder" and not outcome.ok):
            raise StepFailure(f"pair {self.index}, {step} step: solver status {outcome.status}")

    # -- the four steps of a turn
    def init_aux(self, Ups) -> None:
        """Starting auxiliaries: the closed forms at the estimates, then (robust mode) one
        robust receiver and Eve step, so that the first utility is not that of the
        non-robust weights under the worst-case errors (which can be thousands of nats off).
        """
        self.aux = aux_closed_form(self.view.A, self.view.G, self.X, Ups, self.view.d_s)
        if self.view.robust and self.aux_mode == "robust":
            self.receiver_step(Ups)
            self.eve_step()

    def receiver_step(self, Ups) -> None:
        """Update ``(F_r, W_r)`` for the measured interference ``Ups``."""
        if self.view.robust and self.aux_mode == "robust":
            n_t, n_r, _n_e, d_s, d_a = self._sizes()
            prob = compiled(ReceiverProblem, (n_t, n_r, d_s, d_a), self.rebuild)
            (F, W), out = prob.solve(self.view, self.X, Ups, **self.solver_options)
            self._record(out, "receiver")
            self.aux = self.aux.replace(F_r=F, W_r=W)
        else:
            F, W = receiver_closed_form(self.view.A, self.X, Ups, self.view.d_s)
            self.aux = self.aux.replace(F_r=F, W_r=W)

    def price(self, Ups) -> np.ndarray:
        """This pair's price at its current state (to be broadcast)."""
        return checked_price(self.view.A, self.X, Ups, self.view.d_s)

    def precoder_step(self) -> None:
        """Update ``X_i = [Q_i, Lambda_i]`` with the heard prices."""
        n_t, n_r, n_e, d_s, d_a = self._sizes()
        Pi = self.cross_prices()
        if self.view.robust:
            prob = compiled(PrecoderProblem, (n_t, n_r, n_e, d_s, d_a, len(Pi)), self.rebuild)
            scale = max(float(np.linalg.norm(self.X)), 1e-9 * np.sqrt(self.view.power))
            X, out = prob.solve(self.view, self.aux, Pi, scale=scale, **self.solver_options)
            self._record(out, "precoder")
            self.precoder_gaps.append(out.certificate.value)
            if out.ok:
                self.X = X
            else:  # a point whose exact worst case disagrees with the SDP: not taken
                self.uncertified += 1
        else:
            self.X, _ = nominal_precoder(
                self.view.A,
                self.view.G,
                self.X.shape,
                self.aux,
                self.view.cross,
                Pi,
                self.view.power,
                d_s,
            )

    def eve_step(self) -> None:
        """Update the Eve-side auxiliaries ``(F_e, W_e, S_m)``."""
        if self.view.robust and self.aux_mode == "robust":
            n_t, _n_r, n_e, d_s, d_a = self._sizes()
            prob = compiled(EveProblem, (n_t, n_e, d_s, d_a), self.rebuild)
            (F, W, S), out = prob.solve(self.view, self.X, **self.solver_options)
            self._record(out, "eve")
            self.aux = self.aux.replace(F_e=F, W_e=W, S_m=S)
        else:
            F, W, S = eve_closed_form(self.view.G, self.X, self.view.d_s)
            self.aux = self.aux.replace(F_e=F, W_e=W, S_m=S)

    def guarded(self, step, Ups, before: float, tol: float) -> tuple[float, float]:
        """Run ``step`` and keep it only if the exact utility did not drop (beyond ``tol``).

        Returns ``(raw_change, utility_after)``: the change the step itself produced and the
        utility kept (the old one if the step was rejected).
        """
        saved = (self.X.copy(), self.aux)
        step()
        after = self.terms(Ups).utility
        change = after - before
        if change < -tol * (1.0 + abs(before)):
            self.X, self.aux = saved
            self.rejected += 1
            return change, before
        return change, after


class StepFailure(RuntimeError):
    """A block subproblem returned no usable point (ends the run with ``"solver_error"``)."""
