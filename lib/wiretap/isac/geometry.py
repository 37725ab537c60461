"""Geometry, steering vectors and channels of the networked ISAC system.

Conventions (Xu et al. :cite:`xu2025isac`, Section II):

* Every BS has a uniform linear array of ``N`` half-wavelength-spaced antennas laid along the
  x axis. The angle of departure ``theta`` of a point ``p`` seen from a BS at ``q`` is
  ``atan2(p_y - q_y, p_x - q_x)``, measured from the array axis, so the steering vector is
  ``a(theta) = [1, exp(j pi cos theta), ..., exp(j pi (N-1) cos theta)]`` (paper eq. (9), the
  *cos* convention). Because only ``u = cos(theta) = (p_x - q_x) / d`` enters ``a``, all
  derivatives are taken through ``u``: ``du/dp = [dy^2, -dx dy] / d^3``.
* Powers are in mW and every noise power is normalised to 1: channel vectors are divided by
  the standard deviation of the noise they meet, so ``P * |h|^2`` is an SNR.
* All randomness comes from the ``rng`` argument.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .._validation import (
    as_array,
    as_generator,
    check_int,
    check_nonnegative,
    check_positive,
    check_range,
)
from ..channels import complex_gaussian, path_gain, ula_steering
from ._checks import real_scalar

__all__ = [
    "PAPER_BS",
    "Scenario",
    "aod",
    "cos_aod_gradient",
    "paper_scenario",
    "steering",
    "steering_derivative",
    "steering_position_jacobian",
]

PAPER_BS = np.array([[15.0, 22.5], [-25.0, 25.0], [15.0, -30.0]])
"""BS positions (m) of the paper's simulations (Section V)."""

_C = 299_792_458.0


# --------------------------------------------------------------------------- steering
def steering(n: int, theta) -> np.ndarray:
    """ULA steering vector of paper eq. (9), ``a_k = exp(j pi k cos theta)``.

    Parameters
    ----------
    n : int
        Number of antennas, >= 1.
    theta : array_like
        Angle(s) of departure in radians from the array axis, any shape ``S``.

    Returns
    -------
    ndarray, complex, shape ``S + (n,)``

    References
    ----------
    Xu et al., eq. (9).

    Examples
    --------
    >>> a = steering(4, np.pi / 2)   # broadside: all phases equal
    >>> bool(np.allclose(a, 1))
    True
    """
    n = check_int(n, "n", minimum=1)
    theta = as_array(theta, "theta")
    return ula_steering(n, theta, spacing=0.5, convention="cos")


def steering_derivative(n: int, theta) -> np.ndarray:
    """Derivative ``da/dtheta`` of :func:`steering`, entries ``-j pi k sin(theta) a_k``.

    Returns
    -------
    ndarray, complex, shape ``S + (n,)``

    Examples
    --------
    >>> d = steering_derivative(3, 0.3)
    >>> h = 1e-6
    >>> bool(np.allclose(d, (steering(3, 0.3 + h) - steering(3, 0.3 - h)) / (2 * h)))
    True
    """
    n = check_int(n, "n", minimum=1)
    th = as_array(theta, "theta")
    k = np.arange(n)
    return -1j * np.pi * np.sin(th)[..., None] * k * steering(n, th)


def aod(bs, p) -> np.ndarray:
    """Angle of departure (rad) of point(s) ``p`` seen from BS position(s) ``bs``.

    Parameters
    ----------
    bs : array_like, shape (..., 2)
        BS positions (m).
    p : array_like, shape (2,) or broadcastable
        Target position (m).

    Returns
    -------
    ndarray
        ``atan2(p_y - q_y, p_x - q_x)`` in ``(-pi, pi]``, measured from the array (x) axis.
    """
    q = as_array(bs, "bs", ndim=(1, 2))
    pp = as_array(p, "p", ndim=(1, 2))
    if q.shape[-1] != 2 or pp.shape[-1] != 2:
        raise ValueError("bs and p must hold 2-D points with shape (..., 2)")
    d = pp - q
    return np.arctan2(d[..., 1], d[..., 0])


def cos_aod_gradient(bs, p) -> np.ndarray:
    """Gradient of ``u = cos(theta)`` with respect to the target position ``p``.

    Chain rule through the angle: ``dtheta/dp = [-dy, dx] / d^2`` and
    ``du/dp = -sin(theta) dtheta/dp = [dy^2, -dx dy] / d^3``.

    Parameters
    ----------
    bs : array_like, shape (M, 2)
    p : array_like, shape (2,)

    Returns
    -------
    ndarray, shape (M, 2)
    """
    q = as_array(bs, "bs", shape=(None, 2))
    if q.shape[0] == 0:
        raise ValueError("bs must hold at least one BS position, got shape (0, 2)")
    pp = as_array(p, "p", shape=(2,))
    d = pp - q
    dist = np.linalg.norm(d, axis=-1)
    if np.any(dist <= 0):
        raise ValueError("p must differ from every BS position")
    dx, dy = d[:, 0], d[:, 1]
    return np.stack([dy**2, -dx * dy], axis=-1) / dist[:, None] ** 3


def steering_position_jacobian(n: int, bs, p) -> np.ndarray:
    """Jacobian ``d a(theta_m) / d p`` of every BS's steering vector toward ``p``.

    Returns
    -------
    ndarray, complex, shape (M, n, 2)
        Entry ``[m, k, i] = j pi k a_k(theta_m) du_m/dp_i``.
    """
    n = check_int(n, "n", minimum=1)
    q = as_array(bs, "bs", ndim=2)
    th = aod(q, p)
    a = steering(n, th)  # (M, n)
    du = cos_aod_gradient(q, p)  # (M, 2)
    k = np.arange(n)
    return (1j * np.pi * k * a)[:, :, None] * du[:, None, :]


# --------------------------------------------------------------------------- scenario
@dataclass(frozen=True)
class Scenario:
    """One instance of the networked ISAC system, in normalised units.

    Powers are in mW; user, eavesdropper and sensing noise powers are normalised to 1 (every
    channel below is already divided by its noise standard deviation).

    Attributes
    ----------
    bs : ndarray, shape (M, 2)
        BS positions (m).
    eve : ndarray, shape (2,)
        True eavesdropper position (m).
    eve_est : ndarray, shape (2,)
        Estimated eavesdropper position ``p_bar`` used by the design (m).
    users : ndarray, shape (M, K, 2)
        User positions (m); user ``(m, k)`` is served by BS ``m``.
    n_antennas : int
        ``N`` antennas per BS.
    h : ndarray, complex, shape (M, M, K, N)
        ``h[mt, m, k]`` is the channel from BS ``mt`` to user ``(m, k)`` (paper ``h_{m',m,k}``).
    eve_gain : ndarray, shape (M,)
        ``alpha_m`` of paper eq. (8) (amplitude, normalised by the eavesdropper's noise).
    kappa : float
        Rician factor of the eavesdropper channel (linear).
    beta_nlos : ndarray, shape (M,)
        Bound on the scattered component ``||g_tilde_m||`` (paper eq. (10)).
    sensing_gain : ndarray, complex, shape (M, M)
        ``sensing_gain[mt, mr]`` is ``alpha_{mt,mr}`` of paper eq. (20) (round trip BS ``mt``
        -> eavesdropper -> BS ``mr``, normalised by the sensing noise).
    n_samples : int
        ``L``, number of sensing samples in stage 1.
    tau : ndarray, shape (2,)
        Stage durations ``tau_1, tau_2`` (sum 1).
    q1 : ndarray, shape (2, 2)
        Location-error covariance available in stage 1 (paper ``Q^(1)``, m^2).
    p_max : float
        Per-BS power budget (mW).
    r_info : ndarray, shape (M, K)
        Rate requirements (bits/s/Hz).
    r_leak : ndarray, shape (M, K)
        Leakage tolerances (bits/s/Hz).
    meta : dict
        Parameters used to draw the instance (for the record).
    """

    bs: np.ndarray
    eve: np.ndarray
    eve_est: np.ndarray
    users: np.ndarray
    n_antennas: int
    h: np.ndarray
    eve_gain: np.ndarray
    kappa: float
    beta_nlos: np.ndarray
    sensing_gain: np.ndarray
    n_samples: int
    tau: np.ndarray
    q1: np.ndarray
    p_max: float
    r_info: np.ndarray
    r_leak: np.ndarray
    meta: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        bs = as_array(self.bs, "bs", ndim=2)
        if bs.shape[1] != 2 or bs.shape[0] < 1:
            raise ValueError(f"bs must have shape (M, 2), got {bs.shape}")
        m = bs.shape[0]
        n = check_int(self.n_antennas, "n_antennas", minimum=1)
        users = as_array(self.users, "users", ndim=3)
        if users.shape[0] != m or users.shape[2] != 2:
            raise ValueError(f"users must have shape (M, K, 2) with M={m}, got {users.shape}")
        k = users.shape[1]
        as_array(self.eve, "eve", shape=(2,))
        as_array(self.eve_est, "eve_est", shape=(2,))
        as_array(self.h, "h", shape=(m, m, k, n), kind="complex")
        check_positive(self.eve_gain, "eve_gain")
        as_array(self.eve_gain, "eve_gain", shape=(m,))
        check_nonnegative(self.kappa, "kappa")
        check_nonnegative(self.beta_nlos, "beta_nlos")
        as_array(self.beta_nlos, "beta_nlos", shape=(m,))
        as_array(self.sensing_gain, "sensing_gain", shape=(m, m), kind="complex")
        check_int(self.n_samples, "n_samples", minimum=1)
        tau = check_range(self.tau, "tau", 0.0, 1.0, low_open=True, high_open=True)
        if tau.shape != (2,) or abs(tau.sum() - 1.0) > 1e-9:
            raise ValueError(f"tau must be two positive durations summing to 1, got {tau}")
        q1 = as_array(self.q1, "q1", shape=(2, 2))
        if not np.allclose(q1, q1.T) or np.linalg.eigvalsh(q1)[0] < 0:
            raise ValueError("q1 must be a symmetric positive semidefinite 2x2 matrix")
        check_positive(self.p_max, "p_max")
        r_info = check_positive(self.r_info, "r_info")
        r_leak = check_positive(self.r_leak, "r_leak")
        if r_info.shape != (m, k) or r_leak.shape != (m, k):
            raise ValueError(f"r_info and r_leak must have shape (M, K) = ({m}, {k})")
        if np.any(np.linalg.norm(bs - np.asarray(self.eve_est), axis=1) <= 0):
            raise ValueError("eve_est must differ from every BS position")

    # -- sizes
    @property
    def M(self) -> int:
        """Number of BSs."""
        return self.bs.shape[0]

    @property
    def K(self) -> int:
        """Users per BS."""
        return self.users.shape[1]

    @property
    def N(self) -> int:
        """Antennas per BS."""
        return self.n_antennas

    # -- eavesdropper geometry at the estimate
    @property
    def theta_est(self) -> np.ndarray:
        """Estimated AoDs ``theta_bar_m`` toward the eavesdropper, shape (M,)."""
        return aod(self.bs, self.eve_est)

    @property
    def dist_est(self) -> np.ndarray:
        """Estimated distances ``d_bar_m`` (m), shape (M,)."""
        return np.linalg.norm(self.bs - self.eve_est, axis=1)

    @property
    def g_est(self) -> np.ndarray:
        """Estimated eavesdropper channels ``g_bar_m`` (LoS part of eq. (8)), shape (M, N)."""
        los = np.sqrt(self.kappa / (1.0 + self.kappa))
        return (self.eve_gain * los)[:, None] * steering(self.N, self.theta_est)

    def with_(self, **changes) -> Scenario:
        """Copy with some fields replaced (re-validated); ``p_max``, ``r_info`` etc.

        Scalars given for ``r_info`` / ``r_leak`` are broadcast to shape (M, K); a scalar
        ``tau`` is read as ``tau_1``.
        """
        for key in ("r_info", "r_leak"):
            if key in changes and np.ndim(changes[key]) == 0:
                changes[key] = np.full((self.M, self.K), float(changes[key]))
        if "tau" in changes and np.ndim(changes["tau"]) == 0:
            t1 = float(changes["tau"])
            changes["tau"] = np.array([t1, 1.0 - t1])
        return replace(self, **changes)


def paper_scenario(
    rng,
    *,
    n_antennas: int = 4,
    n_users: int = 2,
    n_bs: int = 3,
    p_max_dbm: float = 20.0,
    r_info: float = 5.0,
    r_leak: float = 0.5,
    tau1: float = 0.2,
    n_samples: int = 1024,
    noise_dbm: float = -100.0,
    freq_hz: float = 5e9,
    user_radius: tuple[float, float] = (5.0, 15.0),
    user_exponent: float = 3.0,
    user_kfactor: float = 3.0,
    eve_exponent: float = 2.2,
    kappa: float = 10.0,
    beta_nlos: float = 0.3,
    rcs: float = 1.0,
    q1_std: float = 1.0,
    eve=(0.0, 0.0),
) -> Scenario:
    """Draw an instance with the paper's layout (Section V) and our choice of the rest.

    The paper fixes M = 3 BSs at [15, 22.5], [-25, 25], [15, -30] m, the eavesdropper at the
    origin, N = 4, K = 2, f = 5 GHz, tau = (0.2, 0.8), R_info = 5, R_leak = 0.5 bits/s/Hz,
    P_max = 20 dBm, all noise powers -100 dBm and L = 1024. It does not give the user
    positions, path-loss models, Rician factors, the NLoS bound, the radar cross section or
    ``Q^(1)``; the defaults here are our choices (documented in the book).

    Parameters
    ----------
    rng : numpy.random.Generator or int
        Draws user positions and user channels.
    n_antennas, n_users, n_bs : int
        ``N``, ``K``, ``M``. For ``M != 3`` the BSs are placed on a circle of radius 30 m.
    p_max_dbm : float
        Per-BS budget ``P_max`` (dBm).
    r_info, r_leak : float
        Requirements for every user (bits/s/Hz).
    tau1 : float
        Duration of stage 1 in (0, 1).
    n_samples : int
        ``L`` sensing samples.
    noise_dbm : float
        Noise power at users, eavesdropper and sensing receivers (dBm).
    freq_hz : float
        Carrier frequency (Hz); sets the free-space reference loss and the radar equation.
    user_radius : (float, float)
        Users are dropped uniformly in this annulus (m) around their BS.
    user_exponent, user_kfactor : float
        Path-loss exponent and Rician factor (LoS along the geometric AoD) of user channels.
    eve_exponent : float
        Path-loss exponent of the BS-eavesdropper links (sets ``alpha_m``).
    kappa : float
        Rician factor of the eavesdropper channel, eq. (8).
    beta_nlos : float
        Bound on the unit-power scattered part ``||g_tilde_m||``, eq. (10).
    rcs : float
        Radar cross section of the eavesdropper (m^2), bistatic radar equation.
    q1_std : float
        Per-coordinate standard deviation (m) of the stage-1 location error, ``Q^(1)``.
    eve : (float, float)
        Eavesdropper position; the design's estimate is taken equal to it, as in the paper.

    Returns
    -------
    Scenario

    Examples
    --------
    >>> scn = paper_scenario(1)
    >>> scn.M, scn.N, scn.K
    (3, 4, 2)
    """
    gen = as_generator(rng)
    n = check_int(n_antennas, "n_antennas", minimum=2)
    k = check_int(n_users, "n_users", minimum=1)
    m = check_int(n_bs, "n_bs", minimum=1)
    check_positive(freq_hz, "freq_hz")
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    check_positive(rcs, "rcs")
    check_positive(q1_std, "q1_std")
    _check_reals(
        real={"p_max_dbm": p_max_dbm, "noise_dbm": noise_dbm},
        positive={
            "r_info": r_info,
            "r_leak": r_leak,
            "user_exponent": user_exponent,
            "eve_exponent": eve_exponent,
        },
        nonnegative={"user_kfactor": user_kfactor, "kappa": kappa, "beta_nlos": beta_nlos},
    )
    r_in, r_out = (float(x) for x in as_array(user_radius, "user_radius", shape=(2,)))
    if not 0 < r_in < r_out:
        raise ValueError(f"user_radius must satisfy 0 < inner < outer, got {user_radius}")
    bs = _bs_positions(m)
    eve_p = as_array(eve, "eve", shape=(2,))
    lam = _C / freq_hz
    pl0_db = 20 * np.log10(4 * np.pi / lam)  # free-space loss at 1 m
    noise_mw = 10 ** (noise_dbm / 10)
    users = _draw_users(gen, bs, k, r_in, r_out)
    h = _user_channels(gen, bs, users, n, user_exponent, user_kfactor, pl0_db, noise_mw)
    alpha, sensing_gain = _eve_links(bs, eve_p, lam, pl0_db, noise_mw, eve_exponent, rcs)
    t1 = float(check_range(tau1, "tau1", 0.0, 1.0, low_open=True, high_open=True))
    return Scenario(
        bs=bs,
        eve=eve_p.copy(),
        eve_est=eve_p.copy(),
        users=users,
        n_antennas=n,
        h=h,
        eve_gain=alpha,
        kappa=float(kappa),
        beta_nlos=np.full(m, float(beta_nlos)),
        sensing_gain=sensing_gain,
        n_samples=int(n_samples),
        tau=np.array([t1, 1.0 - t1]),
        q1=np.eye(2) * float(q1_std) ** 2,
        p_max=float(10 ** (p_max_dbm / 10)),
        r_info=np.full((m, k), float(r_info)),
        r_leak=np.full((m, k), float(r_leak)),
        meta={
            "noise_dbm": noise_dbm,
            "freq_hz": freq_hz,
            "user_exponent": user_exponent,
            "user_kfactor": user_kfactor,
            "eve_exponent": eve_exponent,
            "rcs": rcs,
            "pl0_db": pl0_db,
        },
    )


def _check_reals(*, real: dict, positive: dict, nonnegative: dict) -> None:
    """Real scalars, positive ones and nonnegative ones, each named in its error."""
    for name, value in real.items():
        real_scalar(value, name)
    for name, value in positive.items():
        check_positive(real_scalar(value, name), name)
    for name, value in nonnegative.items():
        check_nonnegative(real_scalar(value, name), name)


def _bs_positions(m: int) -> np.ndarray:
    """The paper's three BSs, or ``m`` BSs on a circle of radius 30 m."""
    if m == 3:
        return PAPER_BS.copy()
    ang = np.pi / 2 + 2 * np.pi * np.arange(m) / m + 0.3
    return 30.0 * np.stack([np.cos(ang), np.sin(ang)], axis=-1)


def _draw_users(gen, bs, k: int, r_in: float, r_out: float) -> np.ndarray:
    """``k`` users per BS, uniform in the annulus ``[r_in, r_out]`` around it, (M, K, 2)."""
    m = bs.shape[0]
    radius = np.sqrt(gen.uniform(r_in**2, r_out**2, size=(m, k)))
    ang_u = gen.uniform(0, 2 * np.pi, size=(m, k))
    return bs[:, None, :] + radius[..., None] * np.stack([np.cos(ang_u), np.sin(ang_u)], -1)


def _user_channels(gen, bs, users, n: int, exponent, kf, pl0_db, noise_mw) -> np.ndarray:
    """Rician user channels ``h[mt, m, k]`` (LoS along the geometric AoD), noise-normalised."""
    m, k = users.shape[:2]
    h = np.empty((m, m, k, n), complex)
    for mt in range(m):
        d = np.linalg.norm(users - bs[mt], axis=-1)  # (m, k)
        gain = path_gain(d, exponent, pl0_db) / noise_mw
        th = aod(bs[mt], users.reshape(-1, 2)).reshape(m, k)
        los = steering(n, th)
        nlos = complex_gaussian((m, k, n), gen)
        h[mt] = np.sqrt(gain)[..., None] * (
            np.sqrt(kf / (kf + 1)) * los + np.sqrt(1 / (kf + 1)) * nlos
        )
    return h


def _eve_links(bs, eve_p, lam, pl0_db, noise_mw, exponent, rcs):
    """``alpha_m`` (eq. (8)) and the round-trip sensing gains ``alpha_{mt,mr}`` (eq. (20))."""
    d_eve = np.linalg.norm(bs - eve_p, axis=1)
    alpha = np.sqrt(path_gain(d_eve, exponent, pl0_db) / noise_mw)
    # bistatic radar equation, amplitude, with a deterministic phase per path
    amp = np.sqrt(rcs * lam**2 / ((4 * np.pi) ** 3 * np.outer(d_eve, d_eve) ** 2) / noise_mw)
    phase = np.exp(-2j * np.pi * np.add.outer(d_eve, d_eve) / lam)
    return alpha, amp * phase
