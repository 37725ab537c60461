"""System model of the K-user wiretap MIMO interference channel with artificial noise.

Everything here works in *normalized units*: every channel is scaled by
``sqrt(path_gain / noise_power)``, so the receiver noise is ``CN(0, I)`` and a transmit
power ``P`` means a link SNR of ``P * path_gain / noise_power`` per unit channel gain.

Shapes (``K`` pairs, ``n_t`` transmit, ``n_r`` receive, ``n_e`` eavesdropper antennas,
``d_s`` data and ``d_a`` artificial-noise streams, ``k = d_s + d_a``):

* ``H``: ``(K, K, n_r, n_t)``, ``H[i, j]`` the effective channel from TX ``j`` to RX ``i``
  (``H[i, i]`` the main channel, scaled by ``sqrt(omega_M / sigma^2)``; the cross links by
  ``sqrt(omega_I / sigma^2)``).
* ``G``: ``(K, n_e, n_t)``, ``G[i]`` the effective channel from TX ``i`` to Eve.
* ``X``: ``(K, n_t, k)``, ``X[i] = [Q_i, Lambda_i]`` the data precoder and the AN precoder.

Rates are in nats unless a function says otherwise (``bits=True``). :class:`Scenario` and
:class:`Network` are defined in the internal ``_scenario`` module.

References
----------
Kong et al., "Distributed robust artificial-noise-aided secure precoding for wiretap MIMO
interference channels" (the book's ``kong2024mimoic``), Section II, eqs. (1)-(22).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import scipy.stats as sst

from .._exports import adopt
from .._linalg import herm
from .._validation import as_array, as_generator, check_choice, check_int, check_range
from ._checks import channels, check_hgx, check_instance, designs, nonempty
from ._kernels import (
    best_fraction,
    cn,
    in_ball,
    interference,
    minus_payments,
    pair_rates,
    rate_gradients,
    start_directions,
)
from ._scenario import Network, Scenario, checked_ball_radius, matrix_shape

__all__ = [
    "BACKOFF_FRACTIONS",
    "ERROR_MODELS",
    "Network",
    "Scenario",
    "backoff_start",
    "ball_coverage",
    "ball_radius",
    "draw_network",
    "initial_precoders",
    "interference_covariance",
    "kkt_residual",
    "priced_utilities",
    "prices",
    "rates",
    "secrecy_rate_bound",
    "secrecy_rates",
    "sum_rate_gradient",
    "utility_gradient",
]

ERROR_MODELS = ("gaussian", "ball", "none")
"""How true channels are drawn around the estimates (see :func:`draw_network`)."""


# ----------------------------------------------------------------------------- error balls
def ball_radius(zeta, shape, *, coverage: float | None = None) -> float:
    """Radius of the Frobenius-norm ball that models a CSI error of level ``zeta``.

    Parameters
    ----------
    zeta : float
        Per-entry standard deviation of the error, in ``[0, 1)``.
    shape : tuple of int
        Shape of the channel matrix (the number of complex entries ``n`` matters).
    coverage : float or None
        ``None``: return ``zeta`` (the print's LMIs use ``zeta`` as the radius of
        ``||vec(Delta H)||``). A probability ``p`` in ``(0, 1)``: return the radius ``r``
        with ``P(||Delta H||_F <= r) = p`` for ``Delta H`` with i.i.d. ``CN(0, zeta^2)``
        entries, i.e. ``r^2 = zeta^2 / 2 * chi2_{2n}^{-1}(p)``.

    Returns
    -------
    float

    Examples
    --------
    >>> ball_radius(0.1, (4, 4))
    0.1
    >>> round(ball_radius(0.1, (4, 4), coverage=0.9), 3)
    0.461
    """
    return checked_ball_radius(zeta, shape, coverage)


def ball_coverage(zeta, radius, shape) -> float:
    """Probability that a Gaussian CSI error of level ``zeta`` lies in a ball of ``radius``.

    The inverse of :func:`ball_radius`: for ``Delta`` with i.i.d. ``CN(0, zeta^2)`` entries
    (paper eq. (13)), ``2 ||Delta||_F^2 / zeta^2`` is chi-squared with ``2 n`` degrees of
    freedom, ``n`` the number of entries, so the probability is the chi-squared CDF at
    ``2 radius^2 / zeta^2``.

    Parameters
    ----------
    zeta : float
        Per-entry standard deviation of the error, in ``(0, 1)``.
    radius : float
        Ball radius (the same small-scale units as ``zeta``), ``>= 0``.
    shape : tuple of int
        Shape of the channel matrix.

    Returns
    -------
    float

    Examples
    --------
    >>> round(ball_coverage(0.1, ball_radius(0.1, (4, 4), coverage=0.9), (4, 4)), 12)
    0.9
    >>> ball_coverage(0.1, 0.1, (4, 4)) < 1e-13  # the print's radius: the error is outside
    True
    """
    z = float(check_range(zeta, "zeta", 0.0, 1.0, low_open=True, high_open=True))
    r = float(check_range(radius, "radius", 0.0, np.inf))
    dims = matrix_shape(shape)
    n = int(np.prod(dims))
    return float(sst.chi2.cdf(2.0 * r**2 / z**2, 2 * n))


def draw_network(scenario: Scenario, rng, *, error: str = "gaussian") -> Network:
    """Draw estimated and true channels of one network.

    Parameters
    ----------
    scenario : Scenario
    rng : numpy.random.Generator or int
    error : {"gaussian", "ball", "none"}
        ``"gaussian"`` follows paper eq. (13): the true small-scale channel has i.i.d.
        ``CN(0, 1 - zeta^2)`` entries, an independent error ``Delta`` has i.i.d.
        ``CN(0, zeta^2)`` entries, and the estimate is their sum (unit variance).
        ``"ball"`` draws the estimate with ``CN(0, 1)`` entries and the true channel
        uniformly in the error ball the robust design assumes (so the robust guarantees
        apply to it). ``"none"`` sets the true channels equal to the estimates.

    Returns
    -------
    Network

    Examples
    --------
    >>> net = draw_network(Scenario(n_pairs=2), 0)
    >>> net.H_hat.shape, net.G_hat.shape
    ((2, 2, 4, 4), (2, 8, 4))
    """
    check_instance(scenario, "scenario", Scenario)
    gen = as_generator(rng)
    check_choice(error, "error", ERROR_MODELS)
    sc, K = scenario, scenario.n_pairs
    diagonal = np.eye(K, dtype=bool)  # pair i's own link (i, i) against the cross links
    gm, gi, ge = (np.sqrt(sc.gain(x)) for x in ("main", "cross", "eve"))
    scale = np.where(diagonal, gm, gi)[:, :, None, None]
    z2 = sc.zeta**2
    rm, rc, re_ = sc.radius("main"), sc.radius("cross"), sc.radius("eve")
    if error == "gaussian":
        Hs = cn(gen, (K, K, sc.n_r, sc.n_t), 1.0 - z2)
        Gs = cn(gen, (K, sc.n_e, sc.n_t), 1.0 - z2)
        Hh = Hs + cn(gen, Hs.shape, z2)
        Gh = Gs + cn(gen, Gs.shape, z2)
        H_true, G_true = scale * Hs, ge * Gs
        H_hat, G_hat = scale * Hh, ge * Gh
    else:
        H_hat = scale * cn(gen, (K, K, sc.n_r, sc.n_t), 1.0)
        G_hat = ge * cn(gen, (K, sc.n_e, sc.n_t), 1.0)
        if error == "ball":
            rad = np.where(diagonal, rm, rc)[:, :, None, None]
            H_true = H_hat + in_ball(gen, H_hat.shape, 1.0) * rad
            G_true = G_hat + in_ball(gen, G_hat.shape, re_)
        else:
            H_true, G_true = H_hat.copy(), G_hat.copy()
    return Network(
        scenario=sc,
        H_hat=H_hat,
        G_hat=G_hat,
        H_true=H_true,
        G_true=G_true,
        radius_main=rm,
        radius_cross=rc,
        radius_eve=re_,
        error=error,
    )


# ----------------------------------------------------------------------------- rates
def interference_covariance(H, X, i: int) -> np.ndarray:
    """Interference covariance ``Upsilon_i = sum_{j != i} H_ij X_j X_j^H H_ij^H`` (eq. (21)).

    Parameters
    ----------
    H : array_like, complex, shape (K, K, n_r, n_t)
    X : array_like, complex, shape (K, n_t, k)
    i : int
        Receiver index.

    Returns
    -------
    ndarray, complex, shape (n_r, n_r)
    """
    Hm = channels(H)
    Xm = designs(X, Hm)
    i = check_int(i, "i", minimum=0, maximum=Hm.shape[0] - 1)
    return interference(Hm, Xm, i)


def rates(H, G, X, d_s: int) -> tuple[np.ndarray, np.ndarray]:
    """Legitimate and eavesdropper rates of every pair (paper eqs. (5)-(11)), in nats.

    ``C_R,i = log det(I + Z_R N_R^{-1})`` with the AN and the interference of the other
    pairs in ``N_R``; ``C_E,i = log det(I + Z_E N_E^{-1})`` for an eavesdropper that has
    cancelled the other pairs' signals (paper eq. (4)).

    Computed from the covariances directly; ``tests/test_mimo_ic_foundations.py`` checks it
    against :func:`wiretap.rates.log_det_rate` (1e-9 relative).

    Parameters
    ----------
    H : array_like, complex, shape (K, K, n_r, n_t)
    G : array_like, complex, shape (K, n_e, n_t)
    X : array_like, complex, shape (K, n_t, k)
    d_s : int
        Data streams: ``Q_i = X[i][:, :d_s]``, ``Lambda_i = X[i][:, d_s:]``.

    Returns
    -------
    C_R, C_E : ndarray, shape (K,)

    Examples
    --------
    >>> H = np.zeros((1, 1, 2, 2), complex); H[0, 0] = np.eye(2)
    >>> G = np.zeros((1, 2, 2), complex)
    >>> X = np.zeros((1, 2, 2), complex); X[0, 0, 0] = 1.0
    >>> cr, ce = rates(H, G, X, 1)
    >>> round(float(cr[0]), 6), float(ce[0])
    (0.693147, 0.0)
    """
    return pair_rates(*check_hgx(H, G, X, d_s))


def secrecy_rates(
    network: Network, X, *, channel: str = "true", bits: bool = True, clip: bool = True
) -> np.ndarray:
    """Secrecy rate of every pair, ``[C_R - C_E]^+`` (paper eq. (12)).

    Parameters
    ----------
    network : Network
    X : array_like, complex, shape (K, n_t, k)
    channel : {"true", "estimate"}
        Evaluate on the true channels (what the book reports) or on the estimates.
    bits : bool
        Bits/s/Hz (default) instead of nats.
    clip : bool
        Apply ``[.]^+`` (a pair whose eavesdropper rate exceeds its own rate has zero
        secrecy rate; it would stay silent).

    Returns
    -------
    ndarray, shape (K,)
    """
    check_instance(network, "network", Network)
    check_choice(channel, "channel", ("true", "estimate"))
    H, G = (network.H_true, network.G_true) if channel == "true" else (network.H_hat, network.G_hat)
    sc = network.scenario
    X = as_array(X, "X", shape=(sc.n_pairs, sc.n_t, sc.k), kind="complex", match="the network")
    cr, ce = rates(H, G, X, sc.d_s)
    cs = cr - ce
    if clip:
        cs = np.maximum(cs, 0.0)
    return cs / np.log(2.0) if bits else cs


# ----------------------------------------------------------------------------- pricing
def prices(H, X, d_s: int) -> np.ndarray:
    """Interference prices ``Pi_i = N_i^{-1} - (N_i + Z_i)^{-1}`` (paper eq. (24), sign fixed).

    ``Pi_i`` is the marginal *loss* of pair ``i``'s secrecy rate per unit of received
    interference: ``d C_S,i = -tr(Pi_i d Upsilon_i)``. It is Hermitian positive semidefinite
    with rank at most ``d_s``. The print's (24) has the opposite sign (it is the derivative
    itself, which is negative semidefinite), which would turn the payment in (26) into a
    reward; see the chapter's errata.

    Parameters
    ----------
    H : array_like, complex, shape (K, K, n_r, n_t)
    X : array_like, complex, shape (K, n_t, k)
    d_s : int

    Returns
    -------
    ndarray, complex, shape (K, n_r, n_r)
    """
    Hm = channels(H)
    Xm = designs(X, Hm)
    K, _, n_r, _n_t = Hm.shape
    d = check_int(d_s, "d_s", minimum=1, maximum=Xm.shape[2] - 1)
    out = np.empty((K, n_r, n_r), dtype=complex)
    for i in range(K):
        A, Q, L = Hm[i, i], Xm[i][:, :d], Xm[i][:, d:]
        AL, AQ = A @ L, A @ Q
        N = AL @ AL.conj().T + interference_covariance(Hm, Xm, i) + np.eye(n_r)
        out[i] = herm(np.linalg.inv(herm(N)) - np.linalg.inv(herm(N + AQ @ AQ.conj().T)))
    return out


def priced_utilities(H, G, X, d_s: int, price) -> np.ndarray:
    """Utility of every pair: secrecy rate minus its interference payment (eq. (26)).

    ``f_i = C_S,i - sum_{j != i} tr(Pi_j H_ji X_i X_i^H H_ji^H)`` (nats), with the
    interference that TX ``i`` causes at RX ``j`` travelling over ``H_ji`` (the print writes
    ``H_ij``, the channel in the other direction).

    Parameters
    ----------
    H, G, X, d_s
        As in :func:`rates`.
    price : array_like, complex, shape (K, n_r, n_r)
        Prices, e.g. from :func:`prices`.

    Returns
    -------
    ndarray, shape (K,)
    """
    Hm, Gm, Xm, d = check_hgx(H, G, X, d_s)
    K, n_r = Hm.shape[0], Hm.shape[2]
    Pm = as_array(price, "price", shape=(K, n_r, n_r), kind="complex")
    cr, ce = rates(Hm, Gm, Xm, d)
    f = cr - ce
    for i in range(K):
        for j in range(K):
            if j != i:
                HX = Hm[j, i] @ Xm[i]
                f[i] -= float(np.real(np.trace(Pm[j] @ HX @ HX.conj().T)))
    return f


def sum_rate_gradient(H, G, X, d_s: int) -> np.ndarray:
    """Gradient of the sum secrecy rate ``sum_i C_S,i`` with respect to ``conj(X_i)``.

    For a real function ``f`` of complex ``X``, ``df = 2 Re tr(D^H dX)`` with ``D`` the
    returned array (Wirtinger derivative ``df / d conj(X)``). Pair ``i``'s block collects its
    own secrecy rate's derivative and, through ``Upsilon_j``, the loss it inflicts on every
    other pair: ``-H_ji^H Pi_j H_ji X_i`` (paper eq. (67), with the prices of (24) sign-fixed).

    Parameters
    ----------
    H, G, X, d_s
        As in :func:`rates` (the rates are not clipped).

    Returns
    -------
    ndarray, complex, shape (K, n_t, k)
    """
    Hm, Gm, Xm, d = check_hgx(H, G, X, d_s)
    grads, pr = rate_gradients(Hm, Gm, Xm, d)
    return minus_payments(grads, Hm, Xm, pr)


def utility_gradient(H, G, X, d_s: int, price) -> np.ndarray:
    """Gradient of each priced utility ``f_i`` (eq. (26)) with respect to ``conj(X_i)``.

    The prices are held fixed (paper eqs. (69)-(70)). When ``price`` equals
    :func:`prices` at the same ``X``, this equals :func:`sum_rate_gradient` block by block:
    the heart of the argument that a fixed point of the priced updates is a KKT point of
    the sum-secrecy-rate problem.

    Returns
    -------
    ndarray, complex, shape (K, n_t, k)
    """
    Hm, Gm, Xm, d = check_hgx(H, G, X, d_s)
    K, n_r = Hm.shape[0], Hm.shape[2]
    Pm = as_array(price, "price", shape=(K, n_r, n_r), kind="complex")
    grads, _ = rate_gradients(Hm, Gm, Xm, d)
    return minus_payments(grads, Hm, Xm, Pm)


def kkt_residual(grad, X, power) -> np.ndarray:
    """Relative KKT residual of ``max f(X)`` s.t. ``||X_i||_F^2 <= P`` for every pair.

    The KKT conditions are ``D_i = mu_i X_i`` with ``mu_i >= 0`` and
    ``mu_i (||X_i||^2 - P) = 0`` (``D_i = df/d conj(X_i)``). With the least-squares
    multiplier ``mu_i = max(0, Re <X_i, D_i> / ||X_i||^2)`` (zero when the power constraint is
    slack), the residual is ``||D_i - mu_i X_i||_F / ||D_i||_F``: 0 at a KKT point.

    Parameters
    ----------
    grad : array_like, complex, shape (K, n_t, k)
    X : array_like, complex, shape (K, n_t, k)
    power : float

    Returns
    -------
    ndarray, shape (K,)
    """
    D = nonempty(as_array(grad, "grad", ndim=3, kind="complex"), "grad")
    Xm = as_array(X, "X", shape=D.shape, kind="complex", match="grad")
    P = float(check_range(power, "power", 0.0, np.inf, low_open=True))
    out = np.empty(D.shape[0])
    for i in range(D.shape[0]):
        nx2 = float(np.linalg.norm(Xm[i]) ** 2)
        active = nx2 >= P * (1 - 1e-6)
        mu = max(0.0, float(np.real(np.vdot(Xm[i], D[i]))) / nx2) if (active and nx2) else 0.0
        nd = float(np.linalg.norm(D[i]))
        out[i] = float(np.linalg.norm(D[i] - mu * Xm[i])) / nd if nd > 0 else 0.0
    return out


# ----------------------------------------------------------------------------- start
def initial_precoders(
    H, G, power, d_s: int, d_a: int, *, method: str = "gev", data_share: float = 0.9
) -> np.ndarray:
    """A feasible starting point for the alternating updates (the paper does not give one).

    ``method="gev"`` (default): the data streams of pair ``i`` go along the ``d_s`` dominant
    generalized eigenvectors of ``(H_ii^H H_ii, G_i^H G_i + I / P)``, the directions in which
    the receiver gains most over the eavesdropper (the high-SNR optimum of a single MIMO
    wiretap link); streams whose generalized eigenvalue is <= 1 (Eve gains more there) get
    no power unless none exceeds 1, when the dominant one gets it all. The AN goes along the
    ``d_a`` least favourable directions. ``method="svd"``: data along the strongest right
    singular vectors of ``H_ii``, AN along the weakest. A fraction ``data_share`` of the power
    goes to the data (equal split over the powered streams), the rest to the AN.

    Parameters
    ----------
    H : array_like, complex, shape (K, K, n_r, n_t)
    G : array_like, complex, shape (K, n_e, n_t)
    power : float
        Per-transmitter power ``P``.
    d_s, d_a : int
    method : {"gev", "svd"}
    data_share : float
        In ``(0, 1)``.

    Returns
    -------
    ndarray, complex, shape (K, n_t, d_s + d_a)
        Every ``||X_i||_F^2`` equals ``power``.

    Examples
    --------
    >>> net = draw_network(Scenario(n_pairs=2), 0)
    >>> X = initial_precoders(net.H_hat, net.G_hat, net.power, 2, 1)
    >>> bool(np.allclose(np.linalg.norm(X, axis=(1, 2)) ** 2, net.power))
    True
    """
    Hm, Gm = channels(H, G)
    K, _, _, n_t = Hm.shape
    P = float(check_range(power, "power", 0.0, np.inf, low_open=True))
    d = check_int(d_s, "d_s", minimum=1)
    a = check_int(d_a, "d_a", minimum=1)
    check_choice(method, "method", ("gev", "svd"))
    if d + a > n_t:
        raise ValueError(f"d_s + d_a must be <= n_t = {n_t}, got {d + a}")
    share = float(check_range(data_share, "data_share", 0.0, 1.0, low_open=True, high_open=True))
    X = np.zeros((K, n_t, d + a), dtype=complex)
    for i in range(K):
        V, on = start_directions(Hm[i, i], Gm[i], P, d, method)
        X[i, :, :d] = V[:, :d] * on * np.sqrt(share * P / on.sum())
        X[i, :, d:] = V[:, n_t - a :] * np.sqrt((1 - share) * P / a)
    return X


BACKOFF_FRACTIONS = 10.0 ** (-0.5 * np.arange(25))
"""Power fractions tried by :func:`backoff_start`: 1 down to 1e-12 in half-decade steps."""


def backoff_start(
    H,
    G,
    power,
    d_s: int,
    d_a: int,
    *,
    fractions=None,
    snr_floor_db: float = -20.0,
    method: str = "gev",
    data_share: float = 0.9,
) -> tuple[np.ndarray, float]:
    """The :func:`initial_precoders` start, scaled down to the best common power fraction.

    At the paper's defaults every link is 54-64 dB above the noise. All pairs at full power
    then make every legitimate receiver interference-limited while the eavesdropper, who
    removes the other pairs' signals (eq. (4)), is not: the full-power start has a large
    *negative* sum secrecy rate, and the block updates of Algorithm 1 cannot leave it (their
    steps shrink like one over the SNR). This start scales all designs by ``sqrt(t)``, with
    ``t`` in ``fractions`` maximizing the (unclipped) sum secrecy rate on the channels given
    (the estimates, for a design): a one-dimensional search that uses only rate evaluations.
    ``t = 1`` is always tried, so the start is never worse than the full-power one.

    Parameters
    ----------
    H, G, power, d_s, d_a
        As in :func:`initial_precoders`.
    fractions : array_like of float in (0, 1], optional
        Candidate power fractions; default ``BACKOFF_FRACTIONS`` (1 to 1e-12, half decades).
    snr_floor_db : float
        Fractions that would put the average main link (``t * power`` times the mean squared
        entry of the ``H_ii``) below this SNR are not tried. When no fraction gives a
        positive rate (an eavesdropper stronger than every receiver) the sum rate is best
        as the power goes to zero; the floor keeps the start at a scale the solvers handle.
    method, data_share
        As in :func:`initial_precoders`.

    Returns
    -------
    X : ndarray, complex, shape (K, n_t, d_s + d_a)
        ``||X_i||_F^2 = t * power`` for every pair.
    t : float
        The chosen fraction.

    Examples
    --------
    >>> net = draw_network(Scenario(zeta=0.0), 0)
    >>> X, t = backoff_start(net.H_hat, net.G_hat, net.power, 2, 1)
    >>> full = initial_precoders(net.H_hat, net.G_hat, net.power, 2, 1)
    >>> cs = lambda Y: float(np.sum(np.subtract(*rates(net.H_hat, net.G_hat, Y, 2))))
    >>> bool(t < 1e-3 and cs(X) > 0 > cs(full))
    True
    """
    X1 = initial_precoders(H, G, power, d_s, d_a, method=method, data_share=data_share)
    Hm = np.asarray(H, dtype=complex)
    Gm = np.asarray(G, dtype=complex)
    fr = BACKOFF_FRACTIONS if fractions is None else as_array(fractions, "fractions", ndim=1)
    fr = np.unique(np.append(np.real(fr).astype(float), 1.0))[::-1]
    if fr.size == 0 or fr.min() <= 0 or fr.max() > 1:
        raise ValueError("fractions must lie in (0, 1]")
    floor = float(check_range(snr_floor_db, "snr_floor_db", -400.0, 400.0))
    diag = Hm[np.arange(Hm.shape[0]), np.arange(Hm.shape[0])]
    gain = float(np.mean(np.abs(diag) ** 2))
    if gain > 0:
        fr = fr[fr * float(power) * gain >= 10.0 ** (floor / 10.0)]
        if fr.size == 0:
            fr = np.array([1.0])
    best_t = best_fraction(Hm, Gm, X1, fr, d_s)
    return np.sqrt(best_t) * X1, best_t


def secrecy_rate_bound(network: Network, *, channel: str = "true", bits: bool = True) -> np.ndarray:
    """Upper bound on every pair's secrecy rate, for *any* design and any power budget.

    Pair ``i``'s secrecy rate (eq. (12)) is at most its single-user MIMO wiretap secrecy
    capacity (the other pairs' signals only add to its receiver's noise, and Eve removes
    them, eq. (4)), which is non-decreasing in the power. When ``G_i`` has full column rank
    (``n_e >= n_t``) its high-power limit is ``sum_l log max(1, lambda_l)`` over the
    generalized eigenvalues of ``(H_ii^H H_ii, G_i^H G_i)`` (Khisti and Wornell, 2010). The
    bound depends on the path gains only through ``omega_M / omega_E``: not on ``P_tot``, the
    noise power or ``kappa``.

    Parameters
    ----------
    network : Network
    channel : {"true", "estimate"}
    bits : bool

    Returns
    -------
    ndarray, shape (K,)

    Raises
    ------
    ValueError
        If ``n_e < n_t`` (the limit is then infinite: the bound does not apply).

    Examples
    --------
    >>> net = draw_network(Scenario(zeta=0.0, d_eve=1.0), 0)
    >>> secrecy_rate_bound(net).tolist()  # Eve 26 dB closer than the receivers: no secrecy
    [0.0, 0.0, 0.0]
    """
    check_instance(network, "network", Network)
    check_choice(channel, "channel", ("true", "estimate"))
    H, G = (network.H_true, network.G_true) if channel == "true" else (network.H_hat, network.G_hat)
    K, n_e, n_t = G.shape
    if n_e < n_t:
        raise ValueError(f"the bound needs n_e >= n_t, got n_e={n_e}, n_t={n_t}")
    out = np.empty(K)
    for i in range(K):
        A = H[i, i]
        w = sla.eigh(herm(A.conj().T @ A), herm(G[i].conj().T @ G[i]), eigvals_only=True)
        out[i] = float(np.sum(np.log(np.maximum(w, 1.0))))
    return out / np.log(2.0) if bits else out


adopt(globals())  # the names of __all__ defined in internal modules live here
