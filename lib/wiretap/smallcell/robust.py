"""Robust and nominal rates, closed-form worst cases, and worst-case evaluation.

The functions here implement paper eqs. (2)-(4), (10)-(11) and (21)-(23), with two
corrections of the printed (22)-(23) (see the Errata page of the book):

* eq. (22): the interference sum must weight ``h_ij(k)`` by the *other* SBS's power
  ``p_i(k)``; the print has ``p_j(k)``;
* eq. (23): the Cauchy-Schwarz term is ``sqrt(ε_j(k) Σ_i p_i(k)^2)``, the uncertainty radius
  times the *norm* of the interfering powers; the print has ``sqrt(ε_j(k)) Σ_i p_i(k)^2``.

The printed forms are available as :func:`legit_coefficient_printed` and
:func:`eve_coefficient_printed` so that the book can show they are not the worst case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_positive
from .core import secrecy_nats, stack
from .network import Network

__all__ = [
    "Evaluation",
    "evaluate",
    "eve_coefficient",
    "eve_coefficient_printed",
    "eve_sinr",
    "interference",
    "legit_coefficient",
    "legit_coefficient_printed",
    "legit_sinr",
    "secrecy_rates",
    "worst_case_eve_gains",
    "worst_case_mue_gains",
    "zeta",
]


def _net(net) -> Network:
    if not isinstance(net, Network):
        raise ValueError(f"net must be a Network, got {type(net).__name__}")
    return net


def _one(net: Network, p, name="p"):
    net = _net(net)
    return stack(net), net.check_power(p, name)[None]


def legit_coefficient(net: Network, p) -> np.ndarray:
    """``a_j(k)`` of paper eq. (22), corrected: legitimate SINR per watt of own power.

    .. math:: a_j(k) = \\frac{h_{jj}(k)}{\\sum_{i \\ne j} p_i(k) h_{ij}(k)
              + p_0(k) h_{0j}(k) + \\sigma_0^2}

    Parameters
    ----------
    net : Network
    p : array_like, shape (J, K)
        Powers of all SBSs in W (only the other SBSs' powers enter ``a_j``).

    Returns
    -------
    ndarray, shape (J, K)
        In 1/W.

    References
    ----------
    Tang et al. (2021), eqs. (2) and (22).

    Examples
    --------
    >>> import numpy as np
    >>> from wiretap.smallcell import generate_network
    >>> net = generate_network(np.random.default_rng(0), n_sbs=2)
    >>> a = legit_coefficient(net, np.full((2, 4), 0.25))
    >>> a.shape, bool(np.all(a > 0))
    ((2, 4), True)
    """
    S, P = _one(net, p)
    return S.a(P)[0]


def legit_coefficient_printed(net: Network, p) -> np.ndarray:
    """``a_j(k)`` exactly as printed in eq. (22): ``p_j(k)`` (own power) weights the sum."""
    S, P = _one(net, p)
    den = P * S.h_off.sum(axis=1) + S.p0[:, None, :] * S.h0 + S.noise[:, None, None]
    return (S.hd / den)[0]


def legit_sinr(net: Network, p) -> np.ndarray:
    """Legitimate SINR of eq. (2) (corrected index), shape (J, K)."""
    S, P = _one(net, p)
    return (P * S.a(P))[0]


def eve_coefficient(net: Network, p, *, robust: bool = True) -> np.ndarray:
    """``b_j(k)`` of paper eq. (23), corrected: worst-case eavesdropper SINR per watt.

    .. math:: b_j(k) = \\frac{\\hat g_{jj}(k) + \\sqrt{\\epsilon_j(k)}}
              {\\sum_{i \\ne j, 0} p_i(k) \\hat g_{ij}(k)
              - \\sqrt{\\varepsilon_j(k) \\sum_{i \\ne j, 0} p_i^2(k)} + \\sigma_0^2}

    The numerator is the largest direct gain in the first ball of eq. (7); the
    denominator is the smallest interference over the second ball (Cauchy-Schwarz; the MBS
    power ``p_0(k)`` is one of the interfering powers). Where that denominator is not
    positive, the ball contains gains that make the eavesdropper's SINR unbounded and the
    entry is ``inf``.

    Parameters
    ----------
    net : Network
    p : array_like, shape (J, K)
    robust : bool
        ``False`` gives the nominal coefficient from the estimates only.

    Returns
    -------
    ndarray, shape (J, K)
        In 1/W (``inf`` allowed).

    References
    ----------
    Tang et al. (2021), eqs. (3), (7), (23) and Appendix A, problem (35).
    """
    S, P = _one(net, p)
    return S.b(P, robust)[0]


def eve_coefficient_printed(net: Network, p) -> np.ndarray:
    """``b_j(k)`` exactly as printed in eq. (23): ``sqrt(ε_j(k)) Σ_i p_i(k)^2`` in the
    denominator (``inf`` where that denominator is not positive)."""
    S, P = _one(net, p)
    sq = (P**2).sum(axis=1, keepdims=True) - P**2 + S.p0[:, None, :] ** 2
    den = (
        np.einsum("tik,tijk->tjk", P, S.g_off)
        + S.p0[:, None, :] * S.g0
        - S.rc * sq
        + S.noise[:, None, None]
    )
    num = S.gd + S.rd
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)[0]


def eve_sinr(net: Network, p, *, robust: bool = True) -> np.ndarray:
    """Eavesdropper SINR of eq. (3), worst case over eq. (7) if ``robust``; shape (J, K)."""
    S, P = _one(net, p)
    b = S.b(P, robust)[0]
    with np.errstate(invalid="ignore"):
        return np.where(P[0] > 0, P[0] * b, 0.0)


def secrecy_rates(net: Network, p, *, robust: bool = True, base: float = 2.0) -> np.ndarray:
    """Per-channel secrecy rates ``[log((1 + p a)/(1 + p b))]^+``, shape (J, K).

    With ``robust=True`` this is the robust secrecy rate of eqs. (10) and (21) channel by
    channel (the worst case over eq. (7)); with ``robust=False`` the nominal rate of eq. (4)
    at the estimated eavesdropper gains. Channels with an unbounded worst-case eavesdropper
    SINR give 0.

    Parameters
    ----------
    net : Network
    p : array_like, shape (J, K)
    robust : bool
    base : float
        2 for bits/s/Hz (default), ``numpy.e`` for nats/s/Hz.

    Returns
    -------
    ndarray, shape (J, K)

    References
    ----------
    Tang et al. (2021), eqs. (4), (10), (21).

    Examples
    --------
    >>> import numpy as np
    >>> from wiretap.smallcell import generate_network
    >>> net = generate_network(np.random.default_rng(3), n_sbs=3)
    >>> p = np.full((3, 4), 0.25)
    >>> bool(np.all(secrecy_rates(net, p) <= secrecy_rates(net, p, robust=False) + 1e-12))
    True
    """
    S, P = _one(net, p)
    return secrecy_nats(S, P, robust)[0] / _log_base(base)


def _log_base(base) -> float:
    b = float(check_positive(base, "base"))
    if b == 1.0:
        raise ValueError("base must not be 1")
    return float(np.log(b))


def interference(net: Network, p, *, robust: bool = True) -> np.ndarray:
    """Aggregate interference at each MUE, eq. (5), worst case over eq. (9) if ``robust``.

    .. math:: \\max_{\\tilde h_n \\in \\mathcal H_n} \\sum_{j,k} p_j(k) h_{jn}(k)
              = \\hat{\\mathbf h}_n^T \\mathbf p + \\sqrt{e_n}\\,\\lVert \\mathbf p \\rVert

    Returns
    -------
    ndarray, shape (N,)
        In W.

    References
    ----------
    Tang et al. (2021), eqs. (5), (9), (11) and the price term of (33a).
    """
    S, P = _one(net, p)
    return S.interference(P, robust)[0]


def zeta(net: Network, p, *, robust: bool = True) -> np.ndarray:
    """``ζ_n(p)`` of eq. (11): worst-case interference minus ``I_n^th`` (W), shape (N,)."""
    S, P = _one(net, p)
    return S.zeta(P, robust)[0]


def worst_case_eve_gains(net: Network, p) -> tuple[np.ndarray, np.ndarray]:
    """The eavesdropper gains that attain the worst case of eq. (7) at powers ``p``.

    Returns
    -------
    g : ndarray, shape (J, J, K)
        ``g[i, j, k] = ĝ_ij(k) + g̃_ij(k)`` with ``g̃_jj = +sqrt(ϵ_j(k))`` and, for ``i != j``,
        ``g̃_ij = -sqrt(ε_j(k)) p_i(k) / ||p_{-j}(k)||`` (MBS included in the norm).
    g0 : ndarray, shape (J, K)
        ``ĝ_0j(k) + g̃_0j(k)``, ``g̃_0j = -sqrt(ε_j(k)) p_0(k) / ||p_{-j}(k)||``.

    Notes
    -----
    These gains may be negative: the ball of eq. (7) does not exclude that (see the
    Errata page). Plugging them into eq. (3) gives ``p_j(k) b_j(k)`` exactly.
    """
    S, P = _one(net, p)
    nrm = S.other_norm(P)[0]  # (J, K)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(nrm > 0, S.rc[0] / nrm, 0.0)
    pw = P[0]
    J = net.n_sbs
    g = net.g - scale[None, :, :] * pw[:, None, :]
    idx = np.arange(J)
    g[idx, idx, :] = net.g[idx, idx, :] + S.rd[0]
    g0 = net.g0 - scale * net.p0[None, :]
    return g, g0


def worst_case_mue_gains(net: Network, p) -> np.ndarray:
    """MUE gains ``ĥ_n + sqrt(e_n) p / ||p||`` attaining the worst case of eq. (9); (N, J, K)."""
    net = _net(net)
    P = net.check_power(p)
    nrm = np.linalg.norm(P)
    if nrm == 0:
        return net.hm.copy()
    return net.hm + np.sqrt(net.e_mue)[:, None, None] * (P / nrm)[None]


@dataclass(frozen=True)
class Evaluation:
    """Performance of a power profile on a network, under the worst case (the paper's
    measure for Figs. 4-7) and nominally.

    Attributes
    ----------
    power : ndarray, shape (J,)
        Total power of each SBS (W).
    secrecy : ndarray, shape (J,)
        Worst-case (robust) secrecy rate of each SUE, bits/s/Hz.
    secrecy_nominal : ndarray, shape (J,)
        Secrecy rate at the estimated eavesdropper gains, bits/s/Hz.
    interference : ndarray, shape (N,)
        Worst-case aggregate interference at each MUE (W).
    interference_nominal : ndarray, shape (N,)
        Interference at the estimated MUE gains (W).
    i_th : ndarray, shape (N,)
        Thresholds (W).
    """

    power: np.ndarray
    secrecy: np.ndarray
    secrecy_nominal: np.ndarray
    interference: np.ndarray
    interference_nominal: np.ndarray
    i_th: np.ndarray

    @property
    def violation(self) -> np.ndarray:
        """Worst-case interference above the threshold, relative: ``[I/I_th - 1]^+``."""
        return np.maximum(self.interference / self.i_th - 1.0, 0.0)


def evaluate(net: Network, p, *, base: float = 2.0) -> Evaluation:
    """Evaluate powers ``p`` on ``net`` (the true uncertainty sets) in the worst case.

    Parameters
    ----------
    net : Network
        The network *with* its uncertainty sizes (the truth a design is judged against).
    p : array_like, shape (J, K)
    base : float
        Logarithm base of the rates (2: bits/s/Hz).

    Returns
    -------
    Evaluation

    References
    ----------
    Tang et al. (2021), Sec. VI-C ("under the worst-case scenarios").
    """
    S, P = _one(net, p)
    lb = _log_base(base)
    return Evaluation(
        power=P[0].sum(axis=1),
        secrecy=secrecy_nats(S, P, True)[0].sum(axis=1) / lb,
        secrecy_nominal=secrecy_nats(S, P, False)[0].sum(axis=1) / lb,
        interference=S.interference(P, True)[0],
        interference_nominal=S.interference(P, False)[0],
        i_th=net.i_th.copy(),
    )
