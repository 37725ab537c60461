"""Monte Carlo drivers for the paper's Figs. 4-7 (one grid point, many networks at once).

:func:`simulate` draws ``trials`` networks from one random stream, solves every requested
design on all of them in one batch (:func:`~wiretap.smallcell.solve_many`) and
evaluates the equilibria under the worst case. Used with :func:`wiretap.sim.run_grid` and
``trials=1`` there: with common random numbers every grid point sees the same networks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import as_generator, check_choice, check_int, check_nonnegative, check_positive
from .algorithms import SCHEMES, solve_many
from .network import generate_network, with_uncertainty
from .robust import evaluate

__all__ = ["OUTPUTS", "common_mean", "simulate"]

OUTPUTS = ("power", "sum_power", "secrecy", "sum_secrecy", "interference", "kappa", "converged")
"""Per-trial outputs of :func:`simulate`, each prefixed by ``"<scheme>/"``: mean power per SBS
(W), network sum power (W), mean worst-case secrecy per SUE and its network sum
(bits/s/Hz), worst-case interference at MUE 0 (W), price of MUE 0 (nats/W), and whether
Algorithm 2 converged (1.0) or not (0.0)."""


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
    **network_options
        Passed to :func:`~wiretap.smallcell.generate_network`.

    Returns
    -------
    dict of str to ndarray
        ``"<scheme>/<output>"`` of shape ``(trials,)`` for every output in :data:`OUTPUTS`.
        Entries of trials that did not converge are NaN (``converged`` is 0 there).

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
    nets = [
        generate_network(
            gen, n_sbs=n_sbs, i_th=i_th, eve_distance=(em - 20.0, em + 20.0), **network_options
        )
        for _ in range(T)
    ]
    nets = [with_uncertainty(n, chi_eps, chi_vareps, chi_e) for n in nets]
    out: dict[str, np.ndarray] = {}
    for s in schemes:
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
        vals = {k: np.full(T, np.nan) for k in OUTPUTS}
        for t, (net, r) in enumerate(zip(nets, res, strict=True)):
            ok = r.status == "converged"
            vals["converged"][t] = float(ok)
            if not ok:
                continue
            ev = evaluate(net, r.p)
            vals["power"][t] = ev.power.mean()
            vals["sum_power"][t] = ev.power.sum()
            vals["secrecy"][t] = ev.secrecy.mean()
            vals["sum_secrecy"][t] = ev.secrecy.sum()
            vals["interference"][t] = ev.interference[0]
            vals["kappa"][t] = r.kappa[0]
        out.update({f"{s}/{k}": v for k, v in vals.items()})
    return out


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
    check_choice(output, "output", OUTPUTS)
    schemes = list(schemes)
    if not schemes:
        raise ValueError("schemes must not be empty")
    ok = np.ones_like(data[f"{schemes[0]}/converged"], dtype=bool)
    for s in schemes:
        ok &= data[f"{s}/converged"] > 0.5
    if across_grid:
        grid_axes = tuple(range(ok.ndim - 2))
        ok = np.broadcast_to(np.all(ok, axis=grid_axes, keepdims=True), ok.shape)
    counts = ok.sum(axis=(-2, -1))
    means = {}
    for s in schemes:
        x = np.where(ok, data[f"{s}/{output}"], 0.0)
        with np.errstate(invalid="ignore"):
            means[s] = x.sum(axis=(-2, -1)) / counts
    return means, counts
