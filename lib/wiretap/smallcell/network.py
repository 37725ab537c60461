"""The tiered small-cell network of Tang et al.: data model and the Table I generator.

Indexing (0-based in code, 1-based in the paper): SBS/SUE/eavesdropper ``j = 0..J-1``,
channel ``k = 0..K-1``, MUE ``n = 0..N-1``. All gains are *power* gains (linear, >= 0) and
all powers are in watts.

========  ===================  ===============================================
Field     Shape                Paper symbol
========  ===================  ===============================================
``h``     ``(J, J, K)``        ``h[i, j, k] = h_ij(k)``: SBS-i to SUE-j
``h0``    ``(J, K)``           ``h_0j(k)``: macro BS to SUE-j
``g``     ``(J, J, K)``        ``g[i, j, k] = ĝ_ij(k)``: SBS-i to eavesdropper-j
``g0``    ``(J, K)``           ``ĝ_0j(k)``: macro BS to eavesdropper-j
``hm``    ``(N, J, K)``        ``hm[n, j, k] = ĥ_jn(k)``: SBS-j to MUE-n
``p0``    ``(K,)``             ``p_0(k)``: macro BS power
``eps_d`` ``(J, K)``           ``ϵ_j(k)``: bound on ``|g̃_jj(k)|^2`` (paper eq. (7))
``eps_c`` ``(J, K)``           ``ε_j(k)``: bound on ``Σ_{i≠j,0} |g̃_ij(k)|^2`` (eq. (7))
``e_mue`` ``(N,)``             ``e_n``: bound on ``Σ_{j,k} |h̃_jn(k)|^2`` (eq. (9))
========  ===================  ===============================================

The eavesdropper and MUE gains are *estimates*; the true gains lie in the balls of paper
eqs. (6)-(9) around them. The legitimate gains ``h`` and ``h0`` are known exactly.
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
)

__all__ = [
    "TABLE_I",
    "Geometry",
    "Network",
    "coupled_network",
    "generate_network",
    "path_gain_db",
    "with_uncertainty",
]

TABLE_I: dict[str, object] = {
    "area": 1000.0,
    "n_channels": 4,
    "sue_distance": (80.0, 120.0),
    "eve_distance": (100.0, 140.0),
    "p_max": 1.0,
    "p_mask": 0.5,
    "noise_dbm": -120.0,
    "i_th_dbw": -110.0,
    "path_loss": "127.1 + 37.6 log10(d / 1 km) dB",
    "shadowing_db": 10.0,
    "fading": "Rayleigh, flat",
}
"""Simulation parameters of paper Table I (distances in m, powers in W)."""


def path_gain_db(distance_m) -> np.ndarray:
    """Path loss of paper Table I, ``127.1 + 37.6 log10(d [km])`` dB, for ``d`` in metres.

    Parameters
    ----------
    distance_m : array_like
        Distances in metres, > 0.

    Returns
    -------
    ndarray
        Path loss in dB (a positive number), same shape.

    Examples
    --------
    >>> float(path_gain_db(1000.0))
    127.1
    """
    d = check_positive(distance_m, "distance_m")
    return 127.1 + 37.6 * np.log10(d / 1000.0)


@dataclass(frozen=True)
class Geometry:
    """Node positions of one drawn network, in metres (for pictures only).

    Attributes
    ----------
    sbs, sue, eve : ndarray, shape (J, 2)
        Small-cell base stations, their users and their eavesdroppers.
    mue : ndarray, shape (N, 2)
        Macro-cell users.
    mbs : ndarray, shape (2,)
        Macro base station (the origin).
    area : float
        Side of the square area centred on the macro BS.
    """

    sbs: np.ndarray
    sue: np.ndarray
    eve: np.ndarray
    mue: np.ndarray
    mbs: np.ndarray
    area: float


def _frozen(x: np.ndarray) -> np.ndarray:
    x = np.array(x, dtype=float)
    x.setflags(write=False)
    return x


@dataclass(frozen=True)
class Network:
    """One small-cell network: gains, budgets, thresholds and uncertainty sizes.

    See the module docstring for the meaning and shape of every field. Construction
    validates shapes and signs and raises ``ValueError`` naming the bad field.

    Attributes
    ----------
    noise : float
        Noise power ``σ_0^2`` in W (> 0).
    p_mask, p_max : ndarray, shape (J,)
        Spectral mask per channel and total power budget of each SBS (W, > 0).
    i_th : ndarray, shape (N,)
        Interference threshold ``I_n^th`` of each MUE (W, > 0).
    geometry : Geometry or None
        Positions, when the network was drawn by :func:`generate_network`.

    Examples
    --------
    >>> import numpy as np
    >>> net = generate_network(np.random.default_rng(0), n_sbs=3)
    >>> net.n_sbs, net.n_channels, net.n_mue
    (3, 4, 1)
    """

    h: np.ndarray
    h0: np.ndarray
    g: np.ndarray
    g0: np.ndarray
    hm: np.ndarray
    p0: np.ndarray
    noise: float
    p_mask: np.ndarray
    p_max: np.ndarray
    i_th: np.ndarray
    eps_d: np.ndarray
    eps_c: np.ndarray
    e_mue: np.ndarray
    geometry: Geometry | None = field(default=None, compare=False)

    def __post_init__(self):
        h = as_array(self.h, "h", ndim=3)
        J, J2, K = h.shape
        if J != J2 or J < 1 or K < 1:
            raise ValueError(f"h must have shape (J, J, K) with J, K >= 1, got {h.shape}")
        hm = as_array(self.hm, "hm", ndim=3)
        N = hm.shape[0]
        if N < 1 or hm.shape[1:] != (J, K):
            raise ValueError(f"hm must have shape (N, {J}, {K}) with N >= 1, got {hm.shape}")
        shapes = {
            "h": (J, J, K),
            "h0": (J, K),
            "g": (J, J, K),
            "g0": (J, K),
            "hm": (N, J, K),
            "p0": (K,),
            "eps_d": (J, K),
            "eps_c": (J, K),
            "e_mue": (N,),
        }
        for name, shp in shapes.items():
            arr = as_array(getattr(self, name), name, shape=shp)
            check_nonnegative(arr, name)
            object.__setattr__(self, name, _frozen(arr))
        for name, n in (("p_mask", J), ("p_max", J), ("i_th", N)):
            arr = np.broadcast_to(as_array(getattr(self, name), name, ndim=(0, 1)), (n,))
            check_positive(arr, name)
            object.__setattr__(self, name, _frozen(arr))
        object.__setattr__(self, "noise", float(check_positive(self.noise, "noise")))
        if np.any(np.diagonal(self.h, axis1=0, axis2=1) <= 0):
            raise ValueError("h must have positive direct gains h[j, j, k]")
        if self.geometry is not None and not isinstance(self.geometry, Geometry):
            raise ValueError("geometry must be a Geometry or None")

    # ------------------------------------------------------------------ sizes
    @property
    def n_sbs(self) -> int:
        """Number of small cells ``J``."""
        return self.h.shape[0]

    @property
    def n_channels(self) -> int:
        """Number of channels ``K``."""
        return self.h.shape[2]

    @property
    def n_mue(self) -> int:
        """Number of macro-cell users ``N``."""
        return self.hm.shape[0]

    @property
    def shape(self) -> tuple[int, int]:
        """Shape ``(J, K)`` of a power profile."""
        return (self.n_sbs, self.n_channels)

    # ------------------------------------------------------------------ helpers
    def check_power(self, p, name: str = "p") -> np.ndarray:
        """Return ``p`` as a float array of shape ``(J, K)`` after checking it is >= 0."""
        arr = as_array(p, name, shape=self.shape)
        check_nonnegative(arr, name)
        return arr

    def is_feasible(self, p, tol: float = 1e-9) -> bool:
        """True when ``p`` satisfies the per-SBS constraints (1): mask and budget."""
        p = self.check_power(p)
        return bool(
            np.all(p <= self.p_mask[:, None] * (1 + tol))
            and np.all(p.sum(axis=1) <= self.p_max * (1 + tol))
        )

    def nominal(self, *, secrecy: bool = True, protection: bool = True) -> Network:
        """A copy with the eavesdropper (``secrecy``) and/or MUE (``protection``) uncertainty
        removed: the network a non-robust design believes in."""
        out = self
        if secrecy:
            z = np.zeros_like(self.eps_d)
            out = replace(out, eps_d=z, eps_c=z)
        if protection:
            out = replace(out, e_mue=np.zeros_like(self.e_mue))
        return out


def with_uncertainty(
    net: Network,
    chi_eps: float,
    chi_vareps: float,
    chi_e: float,
    *,
    rule: str = "radius",
) -> Network:
    """Set the uncertainty sizes from the paper's scalar coefficients ``χ_ϵ, χ_ε, χ_e``.

    The paper (Sec. VI) writes ``ϵ_j(k) = χ_ϵ |ĝ_jj(k)|``, ``ε_j(k) = χ_ε ||ĝ_{-j}(k)||`` and
    ``e_n = χ_e ||ĥ_n||`` ("a fraction of the estimate"). Because ``ϵ, ε, e`` bound *squared*
    errors (eqs. (7), (9)), that printed rule mixes units (gain vs gain²) and its result
    depends on the unit of power. ``rule="radius"`` (default) reads "fraction of the
    estimate" as the radius: ``sqrt(ϵ_j(k)) = χ_ϵ ĝ_jj(k)`` etc. ``rule="printed"`` applies
    the printed formulas literally (for the errata page).

    Parameters
    ----------
    net : Network
    chi_eps, chi_vareps, chi_e : float
        Coefficients ``χ_ϵ, χ_ε, χ_e`` (>= 0).
    rule : {"radius", "printed"}

    Returns
    -------
    Network
        A copy with ``eps_d``, ``eps_c``, ``e_mue`` replaced.

    References
    ----------
    Tang et al. (2021), Sec. VI, first paragraph; eqs. (7) and (9).

    Examples
    --------
    >>> import numpy as np
    >>> net = with_uncertainty(generate_network(np.random.default_rng(1), n_sbs=2), 0.1, 0.1, 0.1)
    >>> bool(np.allclose(np.sqrt(net.eps_d), 0.1 * np.einsum("jjk->jk", net.g)))
    True
    """
    if not isinstance(net, Network):
        raise ValueError(f"net must be a Network, got {type(net).__name__}")
    ce = float(check_nonnegative(chi_eps, "chi_eps"))
    cv = float(check_nonnegative(chi_vareps, "chi_vareps"))
    cm = float(check_nonnegative(chi_e, "chi_e"))
    if rule not in ("radius", "printed"):
        raise ValueError(f"rule must be 'radius' or 'printed', got {rule!r}")
    gd = np.einsum("jjk->jk", net.g)
    g_other = np.sqrt(np.einsum("ijk->jk", net.g**2) - gd**2 + net.g0**2)
    hm_norm = np.sqrt(np.einsum("njk->n", net.hm**2))
    if rule == "radius":
        eps_d, eps_c, e = (ce * gd) ** 2, (cv * g_other) ** 2, (cm * hm_norm) ** 2
    else:
        eps_d, eps_c, e = ce * gd, cv * g_other, cm * hm_norm
    return replace(net, eps_d=eps_d, eps_c=eps_c, e_mue=e)


def generate_network(
    rng,
    *,
    n_sbs: int = 8,
    n_channels: int = 4,
    n_mue: int = 1,
    area: float = 1000.0,
    sue_distance: tuple[float, float] = (80.0, 120.0),
    eve_distance: tuple[float, float] = (100.0, 140.0),
    p_max: float = 1.0,
    p_mask: float = 0.5,
    noise_dbm: float = -120.0,
    i_th: float = 10e-12,
    p_mbs: float = 10.0,
    mue_distance: float | None = 1000.0,
    shadowing_db: float = 10.0,
    min_distance: float = 10.0,
    chi_eps: float = 0.1,
    chi_vareps: float = 0.1,
    chi_e: float = 0.1,
) -> Network:
    """Draw one network with the parameters of paper Table I.

    The macro BS sits at the centre (origin) of a square of side ``area``; SBSs and MUEs
    are uniform in the square; each SUE (eavesdropper) is at a distance uniform in
    ``sue_distance`` (``eve_distance``) from its SBS in a uniform direction. Every link has
    the Table I path loss (distances clipped below at ``min_distance``), one log-normal
    shadowing draw (std ``shadowing_db``) and an independent Rayleigh (exponential power)
    fading draw per channel.

    Three inputs are not in Table I and are our choice (see the System model chapter):
    the macro BS power ``p_mbs`` per channel (default 10 W: a 46 dBm macro BS split over
    four channels), the MUE placement (default: 1 km from the macro BS in a uniform
    direction, just outside the small-cell square; ``mue_distance=None`` draws it
    uniformly in the square), and ``min_distance``.

    Parameters
    ----------
    rng : numpy.random.Generator or int
        Source of randomness (the only one).
    n_sbs, n_channels, n_mue : int
        ``J`` (>= 1), ``K`` (>= 1), ``N`` (>= 1).
    area : float
        Side of the square in metres.
    sue_distance, eve_distance : (float, float)
        Ranges of the SBS-SUE and SBS-eavesdropper distances in metres.
    p_max, p_mask : float
        Power budget and spectral mask of every SBS in W.
    noise_dbm : float
        Noise power in dBm.
    i_th : float
        Interference threshold of every MUE in W (Table I: -110 dBW = 10e-12 W).
    p_mbs : float
        Macro BS power per channel in W.
    mue_distance : float or None
        Distance of each MUE from the macro BS in metres (uniform direction), or ``None``
        for MUEs uniform in the square.
    shadowing_db : float
        Log-normal shadowing standard deviation in dB (>= 0).
    min_distance : float
        Smallest distance used in the path-loss formula (m).
    chi_eps, chi_vareps, chi_e : float
        Uncertainty coefficients, applied with :func:`with_uncertainty` (``rule="radius"``).

    Returns
    -------
    Network
        With ``geometry`` set.

    References
    ----------
    Tang et al. (2021), Table I and Sec. VI.

    Examples
    --------
    >>> import numpy as np
    >>> net = generate_network(np.random.default_rng(7), n_sbs=4, n_channels=2)
    >>> net.h.shape, net.hm.shape, round(net.noise * 1e15, 6)
    ((4, 4, 2), (1, 4, 2), 1.0)
    """
    gen = as_generator(rng)
    J = check_int(n_sbs, "n_sbs", minimum=1)
    K = check_int(n_channels, "n_channels", minimum=1)
    N = check_int(n_mue, "n_mue", minimum=1)
    L = float(check_positive(area, "area"))
    for name, rg in (("sue_distance", sue_distance), ("eve_distance", eve_distance)):
        lo_hi = as_array(rg, name, shape=(2,))
        check_positive(lo_hi, name)
        if lo_hi[0] > lo_hi[1]:
            raise ValueError(f"{name} must be (low, high) with low <= high, got {tuple(rg)}")
    check_positive(p_max, "p_max")
    check_positive(p_mask, "p_mask")
    check_positive(i_th, "i_th")
    check_nonnegative(p_mbs, "p_mbs")
    if mue_distance is not None:
        check_positive(mue_distance, "mue_distance")
    sh = float(check_nonnegative(shadowing_db, "shadowing_db"))
    dmin = float(check_positive(min_distance, "min_distance"))
    noise = 1e-3 * 10 ** (float(as_array(noise_dbm, "noise_dbm", ndim=0)) / 10)

    sbs, sue, eve, mue = _positions(gen, J, N, L, sue_distance, eve_distance, mue_distance)
    mbs = np.zeros(2)

    def gains(tx, rx):
        d = np.linalg.norm(tx[:, None, :] - rx[None, :, :], axis=-1)
        pl = path_gain_db(np.maximum(d, dmin))
        shadow = sh * gen.standard_normal(d.shape)
        fading = gen.exponential(1.0, size=(*d.shape, K))
        return 10 ** (-(pl + shadow) / 10)[..., None] * fading

    h = gains(sbs, sue)
    h0 = gains(mbs[None], sue)[0]
    g = gains(sbs, eve)
    g0 = gains(mbs[None], eve)[0]
    hm = np.moveaxis(gains(sbs, mue), 1, 0)
    net = Network(
        h=h,
        h0=h0,
        g=g,
        g0=g0,
        hm=hm,
        p0=np.full(K, float(p_mbs)),
        noise=noise,
        p_mask=np.full(J, float(p_mask)),
        p_max=np.full(J, float(p_max)),
        i_th=np.full(N, float(i_th)),
        eps_d=np.zeros((J, K)),
        eps_c=np.zeros((J, K)),
        e_mue=np.zeros(N),
        geometry=Geometry(sbs=sbs, sue=sue, eve=eve, mue=mue, mbs=mbs, area=L),
    )
    return with_uncertainty(net, chi_eps, chi_vareps, chi_e)


def _positions(gen, J: int, N: int, L: float, sue_distance, eve_distance, mue_distance):
    """Draw the SBS, SUE, eavesdropper and MUE positions of :func:`generate_network`."""

    def around(centres, rg):
        r = gen.uniform(rg[0], rg[1], size=len(centres))
        t = gen.uniform(0, 2 * np.pi, size=len(centres))
        return centres + np.stack([r * np.cos(t), r * np.sin(t)], axis=-1)

    sbs = gen.uniform(-L / 2, L / 2, size=(J, 2))
    sue = around(sbs, sue_distance)
    eve = around(sbs, eve_distance)
    if mue_distance is None:
        mue = gen.uniform(-L / 2, L / 2, size=(N, 2))
    else:
        t_m = gen.uniform(0, 2 * np.pi, size=N)
        mue = mue_distance * np.stack([np.cos(t_m), np.sin(t_m)], axis=-1)
    return sbs, sue, eve, mue


def coupled_network(
    rng,
    *,
    n_sbs: int = 3,
    n_channels: int = 2,
    coupling: float = 0.02,
    eve_gain: float = 0.2,
    chi: float = 0.1,
    p_mask: float = 1.0,
    p_max: float = 1.5,
    i_th: float = 1.0,
) -> Network:
    """A small network in normalized units with weak, controllable coupling.

    Noise power 1, direct gains ``U(0.8, 1.2)``, cross gains ``coupling * U(0.5, 1.5)``,
    eavesdropper direct gains ``eve_gain * U(0.8, 1.2)`` and cross gains
    ``coupling * U(0.5, 1.5)``, no macro BS, one MUE with gains ``U(0.5, 1.5)``. For small
    ``coupling`` and ``eve_gain`` the matrix ``Υ`` of Theorem 2 is positive definite (low
    SINR, every channel has secrecy, weak interaction): the regime where the paper's
    uniqueness and convergence results apply.

    Parameters
    ----------
    rng : numpy.random.Generator or int
    n_sbs, n_channels : int
    coupling, eve_gain : float
        Levels of the cross gains and of the eavesdroppers' direct gains (> 0).
    chi : float
        Uncertainty coefficient for all three sets (radius rule of :func:`with_uncertainty`).
    p_mask, p_max, i_th : float

    Returns
    -------
    Network

    Examples
    --------
    >>> import numpy as np
    >>> net = coupled_network(np.random.default_rng(0))
    >>> net.shape, net.noise
    ((3, 2), 1.0)
    """
    gen = as_generator(rng)
    J = check_int(n_sbs, "n_sbs", minimum=1)
    K = check_int(n_channels, "n_channels", minimum=1)
    cpl = float(check_positive(coupling, "coupling"))
    eg = float(check_positive(eve_gain, "eve_gain"))

    def u(lo, hi, shape):
        return gen.uniform(lo, hi, shape)

    eye = np.eye(J, dtype=bool)[:, :, None]
    h = np.where(eye, u(0.8, 1.2, (J, J, K)), cpl * u(0.5, 1.5, (J, J, K)))
    g = np.where(eye, eg * u(0.8, 1.2, (J, J, K)), cpl * u(0.5, 1.5, (J, J, K)))
    net = Network(
        h=h,
        h0=np.zeros((J, K)),
        g=g,
        g0=np.zeros((J, K)),
        hm=u(0.5, 1.5, (1, J, K)),
        p0=np.zeros(K),
        noise=1.0,
        p_mask=np.full(J, float(p_mask)),
        p_max=np.full(J, float(p_max)),
        i_th=np.array([float(i_th)]),
        eps_d=np.zeros((J, K)),
        eps_c=np.zeros((J, K)),
        e_mue=np.zeros(1),
    )
    c = float(check_nonnegative(chi, "chi"))
    return with_uncertainty(net, c, c, c)
