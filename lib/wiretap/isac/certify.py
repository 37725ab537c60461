"""Designs and their certificates: the result types of the ISAC design algorithms.

* :class:`Design` holds the covariances of both stages (rank one after
  :func:`~wiretap.isac.rank_one_shift`);
* :class:`DesignCheck` is the exact re-check of a design against C1-C3 of paper eq. (18)
  (:func:`~wiretap.isac.check_design`), the certificate of every design algorithm;
* :class:`CentralizedResult` is the outcome of the centralized design and the baselines;
* :class:`DesignState` is an iterate of Algorithms 1 and 2, e.g. the starting point from
  :func:`~wiretap.isac.initial_state`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..results import Certificate, IterativeResult
from .geometry import Scenario

__all__ = ["CentralizedResult", "Design", "DesignCheck", "DesignState"]


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class DesignCheck:
    """Re-check of a design against the *original* constraints of problem (18).

    Attributes
    ----------
    rates : ndarray, shape (M, K)
        Achieved ``sum_i tau_i R_{m,k}^(i)`` (bits/s/Hz), exact SINRs (eq. (5)).
    leakage : ndarray, shape (M, K)
        Worst-case ``sum_i tau_i log2(1 + xi)`` over the per-BS CSI balls (eq. (16)) whose
        stage-2 radii follow from the design's own CRB (eq. (17)), computed exactly.
    power : ndarray, shape (M,)
        ``P_m`` of eq. (19) (mW).
    mse : float
        ``tr(CRB)`` of the stage-1 sensing (m^2).
    rate_margin, leakage_margin, power_margin : float
        Smallest slack of C2, C3, C1 (negative = violated).
    tol : float
        Tolerance used for :attr:`feasible`.
    """

    rates: np.ndarray
    leakage: np.ndarray
    power: np.ndarray
    mse: float
    rate_margin: float
    leakage_margin: float
    power_margin: float
    tol: float

    @property
    def violation(self) -> float:
        """Largest violation of C1-C3 (>= 0; ``inf`` when the CRB is singular).

        ``max(0, -rate_margin, -leakage_margin, -power_margin / max(1, max P_m))``: bits/s/Hz
        for C2 and C3, relative for C1; NaN margins count as ``inf``.
        """
        v = [
            -self.rate_margin,
            -self.leakage_margin,
            -self.power_margin / max(1.0, float(self.power.max())),
        ]
        if not np.all(np.isfinite(v)):
            return float("inf")
        return float(max(0.0, *v))

    @property
    def feasible(self) -> bool:
        """All of C1-C3 hold up to ``tol`` (bits/s/Hz for rates, relative for power)."""
        return self.violation <= self.tol

    def certificate(self, extra: float = 0.0, detail: str = "") -> Certificate:
        """The re-check as a :class:`~wiretap.results.Certificate` of kind ``"feasibility"``.

        Parameters
        ----------
        extra : float
            Another violation to include (e.g. of an imposed sensing requirement).
        detail : str
            Appended to the description.
        """
        v = max(self.violation, float(extra)) if np.isfinite(extra) else float("inf")
        words = "largest violation of C1-C3 of problem (18), exact worst-case leakage"
        return Certificate(
            kind="feasibility",
            value=v,
            tolerance=self.tol,
            detail=words + (f"; {detail}" if detail else ""),
        )

    def describe(self) -> str:
        """The three margins in words (for messages)."""
        return (
            f"rate margin {self.rate_margin:.3g} bits/s/Hz, leakage margin "
            f"{self.leakage_margin:.3g} bits/s/Hz, power margin {self.power_margin:.3g} mW "
            f"(tolerance {self.tol:g})"
        )


@dataclass(frozen=True)
class Design:
    """A transmit design for both stages.

    Attributes
    ----------
    W : ndarray, complex, shape (2, M, K, N, N)
        Information covariances (rank one after :func:`rank_one_shift`).
    R : ndarray, complex, shape (2, M, N, N)
        Sensing / artificial-noise covariances.
    beams : ndarray, complex, shape (2, M, K, N)
        Beamformers ``w`` with ``W = w w^H`` (valid when :attr:`rank_one`).
    rank_one : bool
        Whether every ``W`` is rank one.
    """

    W: np.ndarray
    R: np.ndarray
    beams: np.ndarray
    rank_one: bool

    def power(self, scn: Scenario) -> np.ndarray:
        """Per-BS power ``P_m`` of paper eq. (19) (mW)."""
        per = (
            np.trace(self.W, axis1=-2, axis2=-1).real.sum(axis=2)
            + np.trace(self.R, axis1=-2, axis2=-1).real
        )
        return scn.tau @ per


@dataclass(frozen=True, kw_only=True)
class CentralizedResult(IterativeResult):
    """Outcome of :func:`centralized_design` and the baselines.

    The certificate (kind ``"feasibility"``) is the largest violation of C1-C3 of problem
    (18) found by :func:`check_design` (exact worst-case leakage), against
    ``DesignCheck.tol`` (1e-4): a ``"converged"`` design is feasible. SCA/BCD only reach
    stationary points, so no optimality is certified.

    Attributes
    ----------
    design : Design or None
        ``None`` unless the run produced a design.
    check : DesignCheck or None
        Re-check of :attr:`design` against problem (18).
    total_power : float
        ``sum_m P_m`` (mW), ``nan`` without a design.
    mse : float
        ``tr(CRB)`` of the design (m^2).
    rank_one_before : float
        Smallest ``lambda_1 / tr`` over all ``W`` returned by the SDR (1 = tight).
    xi : ndarray, shape (2, M, K)
        Final leakage ratios of the BCD.
    init_iterations : int
        SCA steps spent by the initialisation (:func:`initial_state`) inside this call
        (0 when a starting point was passed in); not counted in ``iterations``.
    """

    design: Design | None = None
    check: DesignCheck | None = None
    total_power: float = float("nan")
    mse: float = float("nan")
    rank_one_before: float = float("nan")
    xi: np.ndarray = field(default_factory=lambda: np.zeros(0))
    init_iterations: int = 0


@dataclass
class DesignState:
    """An iterate of the centralized and decentralized designs (a starting point).

    Attributes
    ----------
    W, R : ndarray, complex
        Covariances, shapes (2, M, K, N, N) and (2, M, N, N).
    xi, eta : ndarray, shape (2, M, K)
        Leakage ratios and S-procedure multipliers.
    delta : ndarray, shape (M,)
        Stage-2 CSI radii ``delta_m``.
    delta0 : float
        ``sum_m delta_m^2``.
    iterations : int
        SCA steps spent to reach this point.
    """

    W: np.ndarray
    R: np.ndarray
    xi: np.ndarray
    eta: np.ndarray
    delta: np.ndarray
    delta0: float
    iterations: int = 0
