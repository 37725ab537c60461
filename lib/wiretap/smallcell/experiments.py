"""Monte Carlo drivers for the paper's Figs. 4-7 (one grid point, many networks at once).

:func:`simulate` draws ``trials`` networks from one random stream, solves every requested
design on all of them in one batch (:func:`~wiretap.smallcell.solve_many`) and
evaluates the equilibria under the worst case. Used with :func:`wiretap.sim.run_grid` and
``trials=1`` there: with common random numbers every grid point sees the same networks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .. import sim
from .._validation import (
    as_array,
    as_generator,
    check_choice,
    check_flag,
    check_int,
    check_nonnegative,
    check_positive,
)
from ..results import STATUSES
from ._nash import design as design_network
from .algorithms import SCHEMES, solve_many
from .analysis import grnep_certificate
from .equilibrium import vi_many
from .network import generate_network, with_uncertainty
from .robust import evaluate

__all__ = [
    "OUTPUTS",
    "VI_OUTPUTS",
    "common_mean",
    "common_values",
    "mean_interval",
    "selection_bias",
    "simulate",
    "status_counts",
    "vi_values",
]

OUTPUTS = (
    "power",
    "sum_power",
    "secrecy",
    "sum_secrecy",
    "interference",
    "kappa",
    "converged",
    "status",
)
"""Per-trial outputs of :func:`simulate`, each prefixed by ``"<scheme>/"``: mean power per SBS
(W), network sum power (W), mean worst-case secrecy per SUE and its network sum
(bits/s/Hz), worst-case interference at MUE 0 (W), price of MUE 0 (nats/W), whether
Algorithm 2 converged with a holding certificate (1.0) or not (0.0), and its status as the
index into :data:`wiretap.results.STATUSES` (a float; see :func:`status_counts`)."""

VI_OUTPUTS = (
    "vi_power",
    "vi_sum_power",
    "vi_secrecy",
    "vi_sum_secrecy",
    "vi_interference",
    "vi_kappa",
    "vi_found",
    "vi_count",
    "vi_from_alg2",
    "vi_tiebreak",
    "vi_sum_power_lo",
    "vi_sum_power_hi",
    "vi_sum_secrecy_lo",
    "vi_sum_secrecy_hi",
    "vi_cert_ncp",
    "vi_cert_gap",
)
"""Per-trial outputs of :func:`simulate` with ``vi_starts > 0``, each prefixed by
``"<scheme>/"``. The first six are those of :data:`OUTPUTS` at the *reported* certified
equilibrium of :func:`~wiretap.smallcell.vi_many` (Algorithm 2's where it
converged, else the first regular one in the order of the starts, else the first one;
NaN where none was found);
``vi_found``: 1.0 if a certified equilibrium was found; ``vi_count``: how many distinct
regular ones (fixed points of the exact best responses, see
``regular`` of :class:`~wiretap.smallcell.VIResult`);
``vi_from_alg2``: 1.0 if the reported one is Algorithm 2's; ``vi_tiebreak``: 1.0 if it is also
a fixed point of the exact best responses with their "no power without secrecy" rule
(relative distance <= 1e-5), 0.0 if an SBS is indifferent on a channel without secrecy;
``*_lo``, ``*_hi``: the smallest and largest network sum power (W) and worst-case secrecy
(bits/s/Hz) over the distinct equilibria found; ``vi_cert_ncp``, ``vi_cert_gap``: the
certificate of the reported equilibrium recomputed by
:func:`~wiretap.smallcell.analysis.grnep_certificate` on the design network, the largest
NCP (29) residual ``max([ζ_n]^+, |ζ_n| where κ_n > 0) / I_n`` and the Nikaido-Isoda gap
(nats)."""


def simulate(
    rng,
    *,
    trials: int,
    schemes: Sequence[str] = ("RS-RP",),
    n_sbs: int = 8,
    i_th: float = 10e-12,
    chi_eps: float = 0.1,
    chi_vareps: float = 0.1,
    chi_e: float = 0.1,
    eve_mean: float = 120.0,
    tol: float = 1e-6,
    max_iter: int = 100,
    inner_max_iter: int = 100,
    mode: str = "simultaneous",
    damping: float = 0.5,
    prox: float = 0.1,
    vi_starts: int = 0,
    vi_max_iter: int = 60,
    vi_restarts: int = 8,
    progress: bool | None = None,
    **network_options,
) -> dict[str, np.ndarray]:
    """Solve and evaluate the designs on ``trials`` random networks (one grid point).

    Parameters
    ----------
    rng : numpy.random.Generator or int
        Draws the networks (and nothing else).
    trials : int
        Networks to draw.
    schemes : sequence of {"RS-RP", "RS-NP", "NS-NP"}
    n_sbs : int
        ``J``.
    i_th : float
        Interference threshold (W).
    chi_eps, chi_vareps, chi_e : float
        Uncertainty coefficients (radius rule).
    eve_mean : float
        Mean SBS-eavesdropper distance; the distance is uniform in ``eve_mean ± 20`` m
        (Table I: 120, i.e. [100, 140]).
    tol, max_iter, inner_max_iter, mode, damping, prox
        Algorithm 2 / Algorithm 1 settings, see :func:`~wiretap.smallcell.price_iteration`.
    vi_starts : int
        If > 0, also solve every design with
        :func:`~wiretap.smallcell.vi_many` from this many starts (all zero, the
        equal split, then random ones drawn from ``rng`` after the networks) plus
        Algorithm 2's last iterate, and return the outputs of :data:`VI_OUTPUTS`.
    vi_max_iter : int
        Newton iterations per start.
    vi_restarts : int
        Random restarts on the networks where none of those starts ended with a
        certified equilibrium.
    progress : bool, optional
        A progress bar over the schemes and the equilibrium searches; by default only in an
        interactive session (the rule of :func:`wiretap.sim.progress`).
    **network_options
        Passed to :func:`~wiretap.smallcell.generate_network`.

    Returns
    -------
    dict of str to ndarray
        ``"<scheme>/<output>"`` of shape ``(trials,)`` for every output in :data:`OUTPUTS`
        (and :data:`VI_OUTPUTS` if ``vi_starts > 0``). Entries of trials that did not
        converge are NaN (``converged`` is 0 there; ``status`` says why).

    Examples
    --------
    >>> out = simulate(0, trials=2, n_sbs=3)
    >>> sorted(out)[:2], out["RS-RP/power"].shape
    (['RS-RP/converged', 'RS-RP/interference'], (2,))
    """
    gen = as_generator(rng)
    T = check_int(trials, "trials", minimum=1)
    schemes = list(schemes)
    if not schemes:
        raise ValueError("schemes must not be empty")
    for s in schemes:
        check_choice(s, "schemes", tuple(SCHEMES))
    em = float(check_positive(eve_mean, "eve_mean"))
    if em <= 20.0:
        raise ValueError(f"eve_mean must be > 20 m, got {em}")
    for name, v in (("chi_eps", chi_eps), ("chi_vareps", chi_vareps), ("chi_e", chi_e)):
        check_nonnegative(v, name)
    n_vi = check_int(vi_starts, "vi_starts", minimum=0)
    vi_it = check_int(vi_max_iter, "vi_max_iter", minimum=1)
    vi_restarts = check_int(vi_restarts, "vi_restarts", minimum=0)
    progress = check_flag(progress, "progress", optional=True)
    nets = [
        generate_network(
            gen, n_sbs=n_sbs, i_th=i_th, eve_distance=(em - 20.0, em + 20.0), **network_options
        )
        for _ in range(T)
    ]
    nets = [with_uncertainty(n, chi_eps, chi_vareps, chi_e) for n in nets]
    out: dict[str, np.ndarray] = {}
    vi = {"starts": n_vi, "max_iter": vi_it, "restarts": vi_restarts, "tol": tol}
    for s in sim.progress(schemes, show=progress, desc="designs"):
        res = solve_many(
            nets,
            s,
            tol=tol,
            max_iter=max_iter,
            inner_max_iter=inner_max_iter,
            mode=mode,
            damping=damping,
            prox=prox,
        )
        out.update({f"{s}/{k}": v for k, v in _alg2_values(nets, res).items()})
        if n_vi:
            vals_vi = _vi_outputs(nets, s, res, gen, vi)
            out.update({f"{s}/{k}": v for k, v in vals_vi.items()})
    return out


def _alg2_values(nets, res) -> dict[str, np.ndarray]:
    """The outputs of :data:`OUTPUTS` for Algorithm 2's results ``res`` on ``nets``."""
    vals = {k: np.full(len(nets), np.nan) for k in OUTPUTS}
    for t, (net, r) in enumerate(zip(nets, res, strict=True)):
        ok = r.status == "converged"
        vals["converged"][t] = float(ok)
        vals["status"][t] = float(STATUSES.index(r.status))
        if not ok:
            continue
        _store_point(vals, t, evaluate(net, r.p), r.kappa[0])
    return vals


def _vi_outputs(nets, scheme: str, res, gen, vi: dict) -> dict[str, np.ndarray]:
    """The outputs of :data:`VI_OUTPUTS`: :func:`vi_many` on the design of ``scheme``, warm
    started at Algorithm 2's last iterates ``res``; ``vi`` holds its settings."""
    warm = [(r.p, r.kappa) for r in res]
    sets = vi_many(
        nets,
        scheme,
        starts=vi["starts"],
        rng=gen,
        warm=warm,
        restarts=vi["restarts"],
        tol=vi["tol"],
        max_iter=vi["max_iter"],
    )
    designs = [design_network(n, scheme) for n in nets]
    return _vi_values(nets, designs, res, sets)


def _store_point(vals: dict, t: int, ev, kappa: float, prefix: str = "") -> None:
    """Write the per-network means and sums of the evaluation ``ev`` at row ``t``."""
    vals[prefix + "power"][t] = ev.power.mean()
    vals[prefix + "sum_power"][t] = ev.power.sum()
    vals[prefix + "secrecy"][t] = ev.secrecy.mean()
    vals[prefix + "sum_secrecy"][t] = ev.secrecy.sum()
    vals[prefix + "interference"][t] = ev.interference[0]
    vals[prefix + "kappa"][t] = kappa


def _vi_values(nets, designs, res, sets) -> dict[str, np.ndarray]:
    """The :data:`VI_OUTPUTS` of one design on every network."""
    T = len(nets)
    vals = {k: np.full(T, np.nan) for k in VI_OUTPUTS}
    for t, (net, design, r, es) in enumerate(zip(nets, designs, res, sets, strict=True)):
        vals["vi_found"][t] = float(es.found)
        vals["vi_count"][t] = float(es.regular_count)
        if not es.found:
            continue
        warm = es.runs[-1]
        scale = max(np.linalg.norm(r.p), 1e-6)
        alg2 = (
            r.status == "converged"
            and warm.status == "converged"
            and np.linalg.norm(warm.p - r.p) <= 1e-4 * scale
        )
        ok = [x for x in es.runs if x.status == "converged"]
        chosen = warm if alg2 else next((x for x in ok if x.regular), ok[0])
        vals["vi_from_alg2"][t] = float(alg2)
        vals["vi_tiebreak"][t] = float(chosen.br_distance <= 1e-5)
        _store_point(vals, t, evaluate(net, chosen.p), chosen.kappa[0], prefix="vi_")
        cert = grnep_certificate(design, chosen.p, chosen.kappa)
        vals["vi_cert_ncp"][t] = max(cert.feasibility, cert.complementarity, 0.0)
        vals["vi_cert_gap"][t] = cert.utility_gap
        evs = [evaluate(net, e.p) for e in es.equilibria]
        sp = [e.power.sum() for e in evs]
        ss = [e.secrecy.sum() for e in evs]
        vals["vi_sum_power_lo"][t], vals["vi_sum_power_hi"][t] = min(sp), max(sp)
        vals["vi_sum_secrecy_lo"][t], vals["vi_sum_secrecy_hi"][t] = min(ss), max(ss)
    return vals


def _check_runs(data, schemes, suffix: str) -> list[str]:
    """``schemes`` as a list after checking that ``data`` holds ``"{scheme}/{suffix}"``."""
    if not isinstance(data, Mapping):
        raise TypeError(f"data must be a dict from simulate, got {type(data).__name__}")
    if isinstance(schemes, str) or not isinstance(schemes, Sequence):
        raise TypeError(f"schemes must be a sequence of scheme names, got {schemes!r}")
    schemes = list(schemes)
    if not schemes:
        raise ValueError("schemes must not be empty")
    for s in schemes:
        if not isinstance(s, str) or f"{s}/{suffix}" not in data:
            raise ValueError(f"schemes: data has no {suffix!r} entry for {s!r}")
    return schemes


def common_mean(
    data: dict[str, np.ndarray],
    schemes: Sequence[str],
    output: str,
    *,
    across_grid: bool = True,
):
    """Average ``output`` over the trials where *every* scheme converged.

    Parameters
    ----------
    data : dict
        ``GridResult.data`` of a :func:`wiretap.sim.run_grid` over :func:`simulate` with
        ``trials=1``: arrays of shape ``grid_shape + (1, T)``.
    schemes : sequence of str
    output : str
        One of :data:`OUTPUTS`.
    across_grid : bool
        Keep only the networks on which every scheme converged at *every* grid point
        (default), so that all points of a curve average the same networks; otherwise the
        set is chosen point by point.

    Returns
    -------
    means : dict of str to ndarray
        Per scheme, shape ``grid_shape``.
    counts : ndarray
        Trials kept at each grid point, shape ``grid_shape``.
    """
    vals = common_values(data, schemes, output, across_grid=across_grid)
    ok = np.isfinite(next(iter(vals.values())))
    counts = ok.sum(axis=(-2, -1))
    means = {}
    for s, v in vals.items():
        with np.errstate(invalid="ignore"):
            means[s] = np.where(ok, v, 0.0).sum(axis=(-2, -1)) / counts
    return means, counts


def common_values(
    data: dict[str, np.ndarray],
    schemes: Sequence[str],
    output: str,
    *,
    across_grid: bool = True,
) -> dict[str, np.ndarray]:
    """Per-network values of ``output`` on the common set of :func:`common_mean`.

    The paired realisations: entry ``[..., 0, t]`` of every scheme comes from the same
    network ``t``, and it is NaN for every scheme as soon as one scheme did not converge
    there (at any grid point if ``across_grid``).

    Parameters
    ----------
    data, schemes, output, across_grid
        As in :func:`common_mean`.

    Returns
    -------
    dict of str to ndarray
        Per scheme, shape ``grid_shape + (1, T)``.
    """
    check_choice(output, "output", OUTPUTS + VI_OUTPUTS)
    schemes = _check_runs(data, schemes, "converged")
    ok = np.ones_like(data[f"{schemes[0]}/converged"], dtype=bool)
    for s in schemes:
        ok &= data[f"{s}/converged"] > 0.5
    if across_grid:
        grid_axes = tuple(range(ok.ndim - 2))
        ok = np.broadcast_to(np.all(ok, axis=grid_axes, keepdims=True), ok.shape)
    return {s: np.where(ok, data[f"{s}/{output}"], np.nan) for s in schemes}


def vi_values(data: dict[str, np.ndarray], schemes: Sequence[str], output: str) -> dict:
    """Per-network values of a :data:`VI_OUTPUTS` entry on every network where each scheme
    has a certified equilibrium (no selection by Algorithm 2's convergence).

    Parameters
    ----------
    data : dict
        ``GridResult.data`` of a :func:`wiretap.sim.run_grid` over :func:`simulate` with
        ``vi_starts > 0``.
    schemes : sequence of str
    output : str
        One of :data:`VI_OUTPUTS`.

    Returns
    -------
    dict of str to ndarray
        Per scheme, shape ``grid_shape + (1, T)``; NaN for a network as soon as one scheme
        has no certified equilibrium there.
    """
    check_choice(output, "output", VI_OUTPUTS)
    schemes = _check_runs(data, schemes, "converged")
    for s in schemes:
        if f"{s}/vi_found" not in data:
            raise ValueError(f"data has no {s!r} equilibria: run simulate with vi_starts > 0")
    ok = np.ones_like(data[f"{schemes[0]}/vi_found"], dtype=bool)
    for s in schemes:
        ok &= data[f"{s}/vi_found"] > 0.5
    return {s: np.where(ok, data[f"{s}/{output}"], np.nan) for s in schemes}


def selection_bias(values, selected, *, z: float = 2.0):
    """What averaging over a selected subset of networks does to a mean.

    With ``n`` networks, of which ``n_s`` selected (e.g. those where Algorithm 2 converged)
    and ``n_o`` not, the mean over all minus the mean over the selected ones is
    ``(n_o / n) (m_o - m_s)``; its interval uses the standard errors of the two groups
    (Welch), the split being taken as given.

    Parameters
    ----------
    values : array_like, shape ``grid_shape + (R, T)``
        Per-network values on all networks (NaN: left out of both groups).
    selected : array_like of bool, same shape
        Whether each network is in the selected subset.
    z : float
        Half-width in standard errors (> 0).

    Returns
    -------
    mean_all, mean_selected, bias, half_width : ndarray, shape ``grid_shape``
        ``bias = mean_all - mean_selected`` and the half-width of its interval (0 where
        every network is selected; NaN where a group has fewer than two values and the
        other is not empty).
    n_all, n_selected : ndarray of int, shape ``grid_shape``

    Examples
    --------
    >>> v = np.array([[1.0, 1.2, 0.8, 3.0, 3.4]])
    >>> sel = np.array([[True, True, True, False, False]])
    >>> m, ms, b, h, n, ns = selection_bias(v, sel)
    >>> round(float(b), 3), int(n), int(ns)
    (0.88, 5, 3)
    """
    x = as_array(values, "values", finite=False)
    sel = np.asarray(selected, dtype=bool)
    if x.ndim < 2:
        raise ValueError(f"values must have at least 2 dimensions, got shape {x.shape}")
    if sel.shape != x.shape:
        raise ValueError(f"selected must have the shape of values {x.shape}, got {sel.shape}")
    fin = np.isfinite(x)
    m_all, _, n_all = mean_interval(x, z=z)
    m_s, h_s, n_s = mean_interval(np.where(sel & fin, x, np.nan), z=z)
    m_o, h_o, n_o = mean_interval(np.where(~sel & fin, x, np.nan), z=z)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = n_o / n_all
        bias = np.where(n_o > 0, frac * (m_o - m_s), 0.0)
        half = np.where(n_o > 0, frac * np.hypot(h_s, h_o), 0.0)
    return m_all, m_s, bias, half, n_all, n_s


def mean_interval(x, *, z: float = 2.0):
    """Mean of the finite entries of ``x`` over its last two axes, with ``z`` standard errors.

    Parameters
    ----------
    x : array_like, shape ``grid_shape + (R, T)``
        Per-network values (NaN: not in the set), e.g. paired differences built from
        :func:`common_values`.
    z : float
        Half-width of the interval in standard errors (> 0).

    Returns
    -------
    mean, half_width : ndarray, shape ``grid_shape``
        ``mean ± half_width`` is the interval; NaN where fewer than two values are finite.
    n : ndarray of int, shape ``grid_shape``
        Values used.

    Examples
    --------
    >>> m, h, n = mean_interval(np.array([[1.0, 2.0, 3.0, np.nan]]))
    >>> float(m), round(float(h), 4), int(n)
    (2.0, 1.1547, 3)
    """
    x = as_array(x, "x", finite=False)
    if x.ndim < 2:
        raise ValueError(f"x must have at least 2 dimensions, got shape {x.shape}")
    zf = float(check_positive(z, "z"))
    fin = np.isfinite(x)
    n = fin.sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(fin, x, 0.0).sum(axis=(-2, -1)) / n
        dev = np.where(fin, x - np.expand_dims(m, (-2, -1)), 0.0)
        sd = np.sqrt((dev**2).sum(axis=(-2, -1)) / (n - 1))
    half = np.where(n >= 2, zf * sd / np.sqrt(np.maximum(n, 1)), np.nan)
    return np.where(n >= 1, m, np.nan), half, n


def status_counts(data: dict[str, np.ndarray], scheme: str) -> dict[str, int]:
    """How many runs of ``scheme`` ended in each status of :data:`wiretap.results.STATUSES`.

    Parameters
    ----------
    data : dict
        Output of :func:`simulate`, or ``GridResult.data`` of a grid over it.
    scheme : str

    Returns
    -------
    dict of str to int
        Every status, with 0 for those that did not occur.

    Examples
    --------
    >>> out = simulate(0, trials=2, n_sbs=3)
    >>> c = status_counts(out, "RS-RP")
    >>> sum(c.values()), sorted(c)[:2]
    (2, ['converged', 'infeasible'])
    """
    check_choice(scheme, "scheme", tuple(SCHEMES))
    _check_runs(data, [scheme], "status")
    key = f"{scheme}/status"
    if key not in data:
        raise ValueError(f"data has no {key!r}")
    codes = np.asarray(data[key], dtype=float).ravel()
    if np.any(np.isnan(codes)) or np.any((codes < 0) | (codes >= len(STATUSES))):
        raise ValueError(f"data[{key!r}] must hold indices into STATUSES")
    return {s: int(np.sum(codes == i)) for i, s in enumerate(STATUSES)}
