"""System model of angle-aware user cooperation (AAUC): parameters, geometry, channels.

A base station (BS) with an ``N``-antenna uniform linear array at the origin multicasts to
``K`` single-antenna users; an eavesdropper hides on the segment between the BS and user
``K`` (the *attacked* user). Positions follow the paper's convention: a point at distance
``D`` and azimuth ``theta`` is ``(D cos theta, D sin theta)``, with ``theta = 0`` "north".

Channels (paper eqs. (1), (2), (9)):

* BS to user ``k``: ``g_k = sqrt(rho0 D_k^-alpha) (sqrt(K_R/(1+K_R)) a(theta_k)
  + sqrt(1/(1+K_R)) n_k)``, ``a(theta)_i = exp(-j pi i sin theta)``, ``n_k ~ CN(0, I_N)``;
* helper ``k`` to user ``K`` (``h_K``) and to the eavesdropper (``h_E``): the scalar Rician
  model with a uniformly random line-of-sight phase.

Indices in code are 0-based: user ``K`` of the paper is ``users[-1]`` and the helpers are
``users[:-1]``.

References
----------
S. Wang et al., "Angle aware user cooperation for secure massive MIMO in Rician fading
channel," IEEE J. Sel. Areas Commun., 2020 (``wang2020aauc``), Secs. II and VII.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .. import channels as _ch
from .._validation import as_array, as_generator, check_int, check_nonnegative, check_positive

__all__ = [
    "Geometry",
    "Scenario",
    "SystemParams",
    "draw_channels",
    "draw_scenario",
    "fig2a_geometry",
    "null_space",
    "paper_geometry",
    "rayleigh_geometry",
    "redraw_eavesdropper",
    "ring_geometry",
]


@dataclass(frozen=True)
class SystemParams:
    """Physical parameters of the AAUC system (defaults: paper Sec. VII).

    Attributes
    ----------
    n_antennas : int
        BS antennas ``N`` (>= 2).
    n_users : int
        Users ``K`` (>= 2), the last one being the attacked user.
    k_factor : float
        Rician factor ``K_R`` (linear, >= 0; 0 is Rayleigh fading).
    alpha : float
        Path-loss exponent (paper: 2.5).
    ref_gain : float
        Power gain ``rho0`` at ``d0 = 1`` m (paper: -40 dB, i.e. 1e-4).
    noise_power : float
        Noise power in W at every user and at the eavesdropper (paper: -80 dBm = 1e-11 W).
    p_max : float
        Total power budget ``P_max`` in W (paper: 30 dBm = 1 W).
    lam : float
        Parameter ``lambda`` of the angular secrecy model (paper: 0.64), in [0, 1].

    Examples
    --------
    >>> p = SystemParams.from_db(n_antennas=100, n_users=10, k_factor_db=30.0)
    >>> round(p.k_factor), p.noise_power
    (1000, 1e-11)
    """

    n_antennas: int
    n_users: int
    k_factor: float = 1000.0
    alpha: float = 2.5
    ref_gain: float = 1e-4
    noise_power: float = 1e-11
    p_max: float = 1.0
    lam: float = 0.64

    def __post_init__(self):
        check_int(self.n_antennas, "n_antennas", minimum=2)
        check_int(self.n_users, "n_users", minimum=2)
        check_nonnegative(self.k_factor, "k_factor")
        for name in ("alpha", "ref_gain", "noise_power", "p_max"):
            check_positive(getattr(self, name), name)
        lam = float(as_array(self.lam, "lam", ndim=0))
        if not 0.0 <= lam <= 1.0:
            raise ValueError(f"lam must lie in [0, 1], got {lam}")

    @classmethod
    def from_db(
        cls,
        *,
        n_antennas: int,
        n_users: int,
        k_factor_db: float = 30.0,
        ref_gain_db: float = -40.0,
        noise_dbm: float = -80.0,
        p_max_dbm: float = 30.0,
        **kwargs,
    ) -> SystemParams:
        """Build from the paper's units: ``K_R`` and ``rho0`` in dB, powers in dBm.

        ``k_factor_db=-inf`` gives Rayleigh fading (``K_R = 0``).
        """
        kdb = float(as_array(k_factor_db, "k_factor_db", ndim=0, finite=False))
        if np.isnan(kdb) or kdb == np.inf:
            raise ValueError(f"k_factor_db must be finite or -inf, got {kdb}")
        db = {
            name: float(as_array(value, name, ndim=0))
            for name, value in (
                ("ref_gain_db", ref_gain_db),
                ("noise_dbm", noise_dbm),
                ("p_max_dbm", p_max_dbm),
            )
        }
        return cls(
            n_antennas=n_antennas,
            n_users=n_users,
            k_factor=0.0 if kdb == -np.inf else 10.0 ** (kdb / 10.0),
            ref_gain=10.0 ** (db["ref_gain_db"] / 10.0),
            noise_power=10.0 ** ((db["noise_dbm"] - 30.0) / 10.0),
            p_max=10.0 ** ((db["p_max_dbm"] - 30.0) / 10.0),
            **kwargs,
        )

    def replace(self, **changes) -> SystemParams:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Geometry:
    """Positions of the users and of the eavesdropper (metres, BS at the origin).

    Attributes
    ----------
    users : ndarray, shape (K, 2)
        ``(D_k cos theta_k, D_k sin theta_k)``; the last row is the attacked user ``K``.
    eve : ndarray, shape (2,)
        The eavesdropper's actual position (used to evaluate designs, never by the
        designs themselves, which only know the angle ``theta_K``).

    Examples
    --------
    >>> g = Geometry(users=[[100.0, 0.0], [0.0, 200.0]], eve=[0.0, 50.0])
    >>> g.n_users, g.distances.tolist()
    (2, [100.0, 200.0])
    """

    users: np.ndarray
    eve: np.ndarray

    def __post_init__(self):
        u = as_array(self.users, "users", ndim=2)
        if u.shape[1] != 2 or u.shape[0] < 2:
            raise ValueError(f"users must have shape (K, 2) with K >= 2, got {u.shape}")
        e = as_array(self.eve, "eve", shape=(2,))
        d = np.linalg.norm(u, axis=1)
        if np.any(d <= 0):
            raise ValueError("users must not sit at the BS position (0, 0)")
        object.__setattr__(self, "users", u)
        object.__setattr__(self, "eve", e)

    @property
    def n_users(self) -> int:
        """Number of users ``K``."""
        return int(self.users.shape[0])

    @property
    def distances(self) -> np.ndarray:
        """BS-to-user distances ``D_k`` (m), shape (K,)."""
        return np.linalg.norm(self.users, axis=1)

    @property
    def angles(self) -> np.ndarray:
        """Azimuths ``theta_k`` (rad) with ``users = D (cos theta, sin theta)``, shape (K,)."""
        return np.arctan2(self.users[:, 1], self.users[:, 0])

    @property
    def eve_distance(self) -> float:
        """BS-to-eavesdropper distance ``D_E`` (m)."""
        return float(np.linalg.norm(self.eve))

    @property
    def eve_angle(self) -> float:
        """Eavesdropper azimuth ``theta_E`` (rad)."""
        return float(np.arctan2(self.eve[1], self.eve[0]))

    def helper_distances(self, point) -> np.ndarray:
        """Distances (m) from every helper ``k = 1..K-1`` to ``point``, shape (K-1,)."""
        p = as_array(point, "point", shape=(2,))
        return np.linalg.norm(self.users[:-1] - p, axis=1)


def _polar(d, theta) -> np.ndarray:
    return np.stack([d * np.cos(theta), d * np.sin(theta)], axis=-1)


def paper_geometry(n_users: int, rng, *, distance_range=(100.0, 500.0)) -> Geometry:
    """Random layout of paper Sec. VII: the eavesdropper on the segment to user ``K``.

    ``D_k ~ U(distance_range)``, ``theta_k ~ U(-pi, pi)`` for every user, and the
    eavesdropper at ``(D_E cos theta_K, D_E sin theta_K)`` with ``D_E ~ U(0, D_K)``.

    Parameters
    ----------
    n_users : int
        ``K`` (>= 2).
    rng : numpy.random.Generator or int
    distance_range : tuple of float
        ``(low, high)`` in metres, ``0 < low <= high``.

    Returns
    -------
    Geometry

    Examples
    --------
    >>> g = paper_geometry(5, rng=1)
    >>> bool(abs(g.eve_angle - g.angles[-1]) < 1e-12 and g.eve_distance < g.distances[-1])
    True
    """
    k = check_int(n_users, "n_users", minimum=2)
    lo, hi = _range(distance_range, "distance_range")
    gen = as_generator(rng)
    d = gen.uniform(lo, hi, size=k)
    theta = gen.uniform(-np.pi, np.pi, size=k)
    d_e = gen.uniform(0.0, d[-1])
    return Geometry(users=_polar(d, theta), eve=_polar(d_e, theta[-1]))


def ring_geometry(n_users: int, distance: float, rng) -> Geometry:
    """All users at the same distance ``D_k = distance`` (paper Fig. 4c), random angles.

    The eavesdropper is on the segment to user ``K``, ``D_E ~ U(0, D_K)``.
    """
    k = check_int(n_users, "n_users", minimum=2)
    dist = float(check_positive(distance, "distance"))
    gen = as_generator(rng)
    theta = gen.uniform(-np.pi, np.pi, size=k)
    d_e = gen.uniform(0.0, dist)
    return Geometry(users=_polar(np.full(k, dist), theta), eve=_polar(d_e, theta[-1]))


def rayleigh_geometry(
    n_users: int, rng, *, distance_range=(100.0, 500.0), far_distance: float = 1000.0
) -> Geometry:
    """Layout of paper Sec. VII-D (Fig. 5): eavesdropper *not* on any user's direction.

    Users ``k < K`` at ``D_k ~ U(distance_range)``, user ``K`` at ``far_distance``, all with
    ``theta_k ~ U(0, pi)``; the eavesdropper at ``D_E ~ U(distance_range)``,
    ``theta_E ~ U(-pi, 0)``.
    """
    k = check_int(n_users, "n_users", minimum=2)
    lo, hi = _range(distance_range, "distance_range")
    far = float(check_positive(far_distance, "far_distance"))
    gen = as_generator(rng)
    d = np.append(gen.uniform(lo, hi, size=k - 1), far)
    theta = gen.uniform(0.0, np.pi, size=k)
    d_e = gen.uniform(lo, hi)
    theta_e = gen.uniform(-np.pi, 0.0)
    return Geometry(users=_polar(d, theta), eve=_polar(d_e, theta_e))


def fig2a_geometry(eve_fraction: float = 0.5) -> Geometry:
    """A fixed ``K = 3`` layout in the spirit of paper Fig. 2a.

    The paper does not print the coordinates of Fig. 2a, only that user 1 is closer to the
    BS-user-3 segment than user 2, with ``J_1 ~ 1e-5 rho0`` and ``J_2 ~ 2e-6 rho0`` at
    ``alpha = 2.5``. This layout (our choice) reproduces both values to within 2 %: user 3
    at 300 m along the first axis, user 1 75 m and user 2 170 m off the BS-user-3
    segment.

    Parameters
    ----------
    eve_fraction : float
        Eavesdropper position as a fraction of ``D_K`` along the segment, in [0, 1].
    """
    f = float(as_array(eve_fraction, "eve_fraction", ndim=0))
    if not 0.0 <= f <= 1.0:
        raise ValueError(f"eve_fraction must lie in [0, 1], got {f}")
    users = np.array([[150.0, 75.0], [200.0, -170.0], [300.0, 0.0]])
    return Geometry(users=users, eve=np.array([300.0 * f, 0.0]))


def _range(r, name: str) -> tuple[float, float]:
    arr = as_array(r, name, shape=(2,))
    lo, hi = float(arr[0]), float(arr[1])
    if not 0.0 < lo <= hi:
        raise ValueError(f"{name} must satisfy 0 < low <= high, got {tuple(arr)}")
    return lo, hi


@dataclass(frozen=True)
class Scenario:
    """One random realization: geometry, parameters and all channels (physical units).

    Attributes
    ----------
    geometry : Geometry
    params : SystemParams
    G : ndarray, complex, shape (N, K)
        Column ``k`` is ``g_k`` (BS to user ``k``), paper eq. (1).
    g_eve : ndarray, complex, shape (N,)
        BS to eavesdropper ``g_E`` (eq. (1) at the eavesdropper's position).
    h_user : ndarray, complex, shape (K-1,)
        Helpers to user ``K``, ``h_K`` (eq. (9) with ``d_{K,k}``).
    h_eve : ndarray, complex, shape (K-1,)
        Helpers to the eavesdropper, ``h_E`` (eq. (9)).
    """

    geometry: Geometry
    params: SystemParams
    G: np.ndarray
    g_eve: np.ndarray
    h_user: np.ndarray
    h_eve: np.ndarray
    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        n, k = self.params.n_antennas, self.params.n_users
        if self.geometry.n_users != k:
            raise ValueError(
                f"geometry has {self.geometry.n_users} users but params.n_users is {k}"
            )
        as_array(self.G, "G", shape=(n, k), kind="complex")
        as_array(self.g_eve, "g_eve", shape=(n,), kind="complex")
        as_array(self.h_user, "h_user", shape=(k - 1,), kind="complex")
        as_array(self.h_eve, "h_eve", shape=(k - 1,), kind="complex")

    @property
    def g_attacked(self) -> np.ndarray:
        """``g_K``, the channel of the attacked user, shape (N,)."""
        return self.G[:, -1]


def _steering(n: int, theta) -> np.ndarray:
    # paper eq. (2): entries exp(-j pi i sin theta), i = 0..N-1
    return np.conj(_ch.ula_steering(n, theta, spacing=0.5))


def _scalar_rician(dist, k_factor, alpha, ref_gain, gen) -> np.ndarray:
    gain = ref_gain * dist ** (-alpha)
    los = np.exp(1j * gen.uniform(-np.pi, np.pi, size=dist.shape))
    nlos = _ch.complex_gaussian(dist.shape, gen)
    kr = k_factor
    return np.sqrt(gain) * (np.sqrt(kr / (1 + kr)) * los + np.sqrt(1 / (1 + kr)) * nlos)


def draw_channels(geometry: Geometry, params: SystemParams, rng) -> Scenario:
    """Draw every channel of a :class:`Scenario` for a given geometry.

    Parameters
    ----------
    geometry : Geometry
        ``K`` users must match ``params.n_users``.
    params : SystemParams
    rng : numpy.random.Generator or int

    Returns
    -------
    Scenario

    References
    ----------
    Paper eqs. (1), (2) and (9); Sec. VII for ``h_K``.

    Examples
    --------
    >>> p = SystemParams(n_antennas=8, n_users=3)
    >>> sc = draw_channels(fig2a_geometry(), p, rng=0)
    >>> sc.G.shape, sc.h_user.shape
    ((8, 3), (2,))
    """
    if not isinstance(geometry, Geometry):
        raise ValueError(f"geometry must be a Geometry, got {type(geometry).__name__}")
    if not isinstance(params, SystemParams):
        raise ValueError(f"params must be SystemParams, got {type(params).__name__}")
    gen = as_generator(rng)
    n, kr, alpha, rho0 = params.n_antennas, params.k_factor, params.alpha, params.ref_gain
    d, theta = geometry.distances, geometry.angles
    los = _steering(n, theta).T  # (N, K)
    G = np.empty((n, geometry.n_users), dtype=complex)
    for k in range(geometry.n_users):
        G[:, k] = _ch.rician_channel(los[:, k], kr, gen, variance=rho0 * d[k] ** (-alpha))
    d_e = max(geometry.eve_distance, 1e-9)
    g_eve = _ch.rician_channel(
        _steering(n, geometry.eve_angle), kr, gen, variance=rho0 * d_e ** (-alpha)
    )
    h_user = _scalar_rician(geometry.helper_distances(geometry.users[-1]), kr, alpha, rho0, gen)
    h_eve = _scalar_rician(geometry.helper_distances(geometry.eve), kr, alpha, rho0, gen)
    return Scenario(geometry, params, G, g_eve, h_user, h_eve)


def draw_scenario(params: SystemParams, rng, *, layout: str = "paper", **layout_kw) -> Scenario:
    """Geometry and channels in one call.

    Parameters
    ----------
    params : SystemParams
    rng : numpy.random.Generator or int
    layout : {"paper", "ring", "rayleigh"}
        :func:`paper_geometry` (Figs. 3-4a/b), :func:`ring_geometry` (Fig. 4c; pass
        ``distance=``) or :func:`rayleigh_geometry` (Fig. 5).
    **layout_kw
        Passed to the layout function.

    Examples
    --------
    >>> sc = draw_scenario(SystemParams(n_antennas=16, n_users=4), rng=3)
    >>> sc.geometry.n_users
    4
    """
    if not isinstance(params, SystemParams):
        raise ValueError(f"params must be SystemParams, got {type(params).__name__}")
    gen = as_generator(rng)
    layouts = {"paper": paper_geometry, "ring": ring_geometry, "rayleigh": rayleigh_geometry}
    if layout not in layouts:
        raise ValueError(f"layout must be one of {list(layouts)}, got {layout!r}")
    geo = layouts[layout](params.n_users, rng=gen, **layout_kw)
    return draw_channels(geo, params, gen)


def redraw_eavesdropper(scenario: Scenario, rng, *, layout: str = "paper", **layout_kw) -> Scenario:
    """The same users and channels with a new eavesdropper (position and channels).

    No design of the book depends on where the eavesdropper actually is (they know at most
    the angle ``theta_K``), so a design can be evaluated against many eavesdroppers drawn
    from the layout's distribution: averaging over them estimates the paper's average over
    the eavesdropper's position (eq. (10)) for that realization, with a smaller Monte Carlo
    error than one eavesdropper per realization.

    Parameters
    ----------
    scenario : Scenario
    rng : numpy.random.Generator or int
    layout : {"paper", "ring", "rayleigh"}
        Distribution of the new position, as in :func:`draw_scenario`: on the segment to
        user ``K`` with ``D_E ~ U(0, D_K)`` (``"paper"``, ``"ring"``), or
        ``D_E ~ U(distance_range)``, ``theta_E ~ U(-pi, 0)`` (``"rayleigh"``).
    **layout_kw
        The layout's keywords (only ``distance_range`` is used, by ``"rayleigh"``; the others
        are accepted and ignored, so the keywords of :func:`draw_scenario` can be passed).

    Returns
    -------
    Scenario
        ``G`` and ``h_user`` unchanged; a new ``geometry.eve``, ``g_eve`` and ``h_eve``
        (paper eqs. (1) and (9)).

    Examples
    --------
    >>> sc = draw_scenario(SystemParams(n_antennas=8, n_users=3), rng=0)
    >>> sc2 = redraw_eavesdropper(sc, rng=1)
    >>> same_users = bool(np.array_equal(sc.G, sc2.G))
    >>> same_users, bool(sc2.geometry.eve_distance < sc.geometry.distances[-1])
    (True, True)
    """
    if not isinstance(scenario, Scenario):
        raise ValueError(f"scenario must be a Scenario, got {type(scenario).__name__}")
    if layout not in ("paper", "ring", "rayleigh"):
        raise ValueError(f"layout must be one of ['paper', 'ring', 'rayleigh'], got {layout!r}")
    gen = as_generator(rng)
    geo, p = scenario.geometry, scenario.params
    if layout == "rayleigh":
        lo, hi = _range(layout_kw.get("distance_range", (100.0, 500.0)), "distance_range")
        eve = _polar(gen.uniform(lo, hi), gen.uniform(-np.pi, 0.0))
    else:
        eve = _polar(gen.uniform(0.0, geo.distances[-1]), geo.angles[-1])
    new_geo = Geometry(users=geo.users, eve=eve)
    d_e = max(new_geo.eve_distance, 1e-9)
    g_eve = _ch.rician_channel(
        _steering(p.n_antennas, new_geo.eve_angle),
        p.k_factor,
        gen,
        variance=p.ref_gain * d_e ** (-p.alpha),
    )
    h_eve = _scalar_rician(new_geo.helper_distances(eve), p.k_factor, p.alpha, p.ref_gain, gen)
    return Scenario(new_geo, p, scenario.G, g_eve, scenario.h_user, h_eve)


def null_space(g) -> np.ndarray:
    """Orthonormal basis ``U`` (N x (N-1)) of the orthogonal complement of ``g``.

    Built from a complete QR decomposition of ``g`` (paper Sec. IV-B): ``U^H U = I`` and
    ``g^H U = 0``, so every ``v = U z`` satisfies the zero-forcing constraint (11b).

    Examples
    --------
    >>> g = np.array([1.0, 1j, 0.5])
    >>> U = null_space(g)
    >>> U.shape, bool(np.allclose(g.conj() @ U, 0))
    ((3, 2), True)
    """
    gv = as_array(g, "g", ndim=1, kind="complex")
    if gv.size < 2 or not np.any(gv):
        raise ValueError("g must be a nonzero vector of length >= 2")
    q, _ = np.linalg.qr(gv[:, None], mode="complete")
    return q[:, 1:]
