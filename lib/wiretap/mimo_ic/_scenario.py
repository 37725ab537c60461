"""Scenario and network of the K-user wiretap MIMO interference channel (internal).

:class:`Scenario` holds the parameters of one simulated network (the paper's Section IV
defaults) and :class:`Network` one drawn network (estimated and true channels). Their public
home is :mod:`wiretap.mimo_ic.model`, which re-exports them (their ``__module__`` says so,
for the documentation) and draws and evaluates them.

References
----------
Kong et al. (``kong2024mimoic``), Section II and Section IV.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.stats as sst

from .._validation import as_array, check_choice, check_int, check_range

__all__ = ["Network", "Scenario", "checked_ball_radius", "matrix_shape"]


@dataclass(frozen=True)
class Scenario:
    """Parameters of one simulated network (the paper's Section IV defaults).

    Attributes
    ----------
    n_pairs : int
        Number of transmitter-receiver pairs ``K``.
    n_t, n_r, n_e : int
        Antennas at each transmitter, each legitimate receiver and the eavesdropper.
    d_s, d_a : int
        Data streams and artificial-noise streams per transmitter (``d_s + d_a <= n_t``,
        ``d_s <= n_r``, ``d_a >= 1``).
    power_db : float
        Per-transmitter power ``P_tot`` in dB, in the same reference unit as ``noise_db``.
    noise_db : float
        Noise power ``sigma^2`` in dB at every receiver (legitimate and Eve).
    d_main, d_cross, d_eve : float
        Distances in metres: TX to its RX, TX to the other RXs, TX to Eve.
    kappa : float
        Path gain at 1 m (the paper's ``10^-4``).
    exponent : float
        Path-loss exponent ``tau`` (the paper's 2.6).
    zeta : float
        CSI error level in ``[0, 1)``: per-entry standard deviation of the estimation error
        of every small-scale channel (paper eq. (13)), the same for all links.
    coverage : float or None
        How the radius of the error ball used by the robust design is set from ``zeta``:
        ``None`` takes the radius equal to ``zeta`` (the reading of the print's LMIs (55)-
        (59)); a probability ``p`` takes the radius that a Gaussian error of per-entry
        variance ``zeta^2`` stays inside with probability ``p`` (:func:`ball_radius`).

    Examples
    --------
    >>> sc = Scenario()
    >>> round(sc.link_snr_db("main"), 1)
    64.0
    """

    n_pairs: int = 3
    n_t: int = 4
    n_r: int = 4
    n_e: int = 8
    d_s: int = 2
    d_a: int = 1
    power_db: float = 20.0
    noise_db: float = -110.0
    d_main: float = 10.0
    d_cross: float = 10.0
    d_eve: float = 10.0
    kappa: float = 1e-4
    exponent: float = 2.6
    zeta: float = 0.1
    coverage: float | None = None

    def __post_init__(self):
        check_int(self.n_pairs, "n_pairs", minimum=1)
        for name in ("n_t", "n_r", "n_e", "d_s", "d_a"):
            check_int(getattr(self, name), name, minimum=1)
        if self.d_s + self.d_a > self.n_t:
            raise ValueError(
                f"d_s + d_a must be <= n_t, got d_s={self.d_s}, d_a={self.d_a}, n_t={self.n_t}"
            )
        if self.d_s > self.n_r:
            raise ValueError(f"d_s must be <= n_r, got d_s={self.d_s}, n_r={self.n_r}")
        for name in ("power_db", "noise_db"):
            check_range(getattr(self, name), name, -400.0, 400.0)
        for name in ("d_main", "d_cross", "d_eve", "kappa", "exponent"):
            check_range(getattr(self, name), name, 0.0, np.inf, low_open=True)
        check_range(self.zeta, "zeta", 0.0, 1.0, high_open=True)
        if self.coverage is not None:
            check_range(self.coverage, "coverage", 0.0, 1.0, low_open=True, high_open=True)

    @property
    def k(self) -> int:
        """Columns of ``X_i = [Q_i, Lambda_i]``: ``d_s + d_a``."""
        return self.d_s + self.d_a

    @property
    def power(self) -> float:
        """Per-transmitter power ``P_tot`` in linear units, relative to the normalized noise."""
        return float(10.0 ** (self.power_db / 10.0))

    def gain(self, link: str) -> float:
        """Path gain over noise, ``kappa d^-tau / sigma^2``, of ``link`` in main/cross/eve."""
        check_choice(link, "link", ("main", "cross", "eve"))
        d = {"main": self.d_main, "cross": self.d_cross, "eve": self.d_eve}[link]
        return float(self.kappa * d ** (-self.exponent) / 10.0 ** (self.noise_db / 10.0))

    def link_snr_db(self, link: str) -> float:
        """SNR in dB per unit small-scale gain at full power: ``P_tot * gain(link)``."""
        return float(10 * np.log10(self.power * self.gain(link)))

    def radius(self, link: str) -> float:
        """Error-ball radius of ``link`` in normalized (effective) channel units."""
        shape = {"main": (self.n_r, self.n_t), "cross": (self.n_r, self.n_t)}.get(
            link, (self.n_e, self.n_t)
        )
        rho = checked_ball_radius(self.zeta, shape, self.coverage)
        return float(np.sqrt(self.gain(link)) * rho)

    def replace(self, **changes) -> Scenario:
        """A copy with some fields changed (validated again)."""
        from dataclasses import replace

        return replace(self, **changes)


@dataclass(frozen=True)
class Network:
    """One drawn network: estimated and true channels in normalized units.

    Attributes
    ----------
    scenario : Scenario
    H_hat : ndarray, complex, shape (K, K, n_r, n_t)
        Estimated channels known to the transmitters (``H_hat[i, j]``: TX ``j`` to RX ``i``).
    G_hat : ndarray, complex, shape (K, n_e, n_t)
        Estimated eavesdropper channels.
    H_true : ndarray
        True channels, used to evaluate rates.
    G_true : ndarray
        True eavesdropper channels, used to evaluate rates.
    radius_main, radius_cross, radius_eve : float
        Radii of the error balls assumed by the robust design, in normalized units.
    error : str
        The error model the true channels were drawn from.
    """

    scenario: Scenario
    H_hat: np.ndarray
    G_hat: np.ndarray
    H_true: np.ndarray
    G_true: np.ndarray
    radius_main: float
    radius_cross: float
    radius_eve: float
    error: str = "gaussian"
    info: dict = field(default_factory=dict, compare=False)

    @property
    def power(self) -> float:
        """Per-transmitter power (normalized units)."""
        return self.scenario.power

    def with_radii(self, scale: float) -> Network:
        """A copy whose design radii are multiplied by ``scale`` (0 gives a non-robust design)."""
        s = float(check_range(scale, "scale", 0.0, np.inf))
        from dataclasses import replace

        return replace(
            self,
            radius_main=self.radius_main * s,
            radius_cross=self.radius_cross * s,
            radius_eve=self.radius_eve * s,
        )


def matrix_shape(shape) -> tuple[int, ...]:
    """A matrix shape: a non-empty sequence of positive integers."""
    arr = as_array(shape, "shape", ndim=1, kind="int")
    if arr.size == 0 or np.any(arr < 1):
        raise ValueError(f"shape must be a non-empty tuple of positive integers, got {shape!r}")
    return tuple(int(s) for s in arr)


def checked_ball_radius(zeta, shape, coverage) -> float:
    """:func:`wiretap.mimo_ic.ball_radius` (its argument checks included)."""
    z = float(check_range(zeta, "zeta", 0.0, 1.0, high_open=True))
    dims = matrix_shape(shape)
    if coverage is None:
        return z
    p = float(check_range(coverage, "coverage", 0.0, 1.0, low_open=True, high_open=True))
    n = int(np.prod(dims))
    return float(z * np.sqrt(sst.chi2.ppf(p, 2 * n) / 2.0))
