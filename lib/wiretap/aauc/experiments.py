"""One Monte Carlo trial per figure of the paper's simulation section (Sec. VII).

Each function draws one random instance with the ``rng`` it is given, runs the requested
schemes, and returns a flat dict of numbers, the form :func:`wiretap.sim.run_grid` expects.
Secrecy rates are evaluated against the eavesdropper's *actual* channels
(:mod:`wiretap.aauc.baselines`); times are wall-clock seconds without one-off cvxpy
compilation.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from .._validation import as_array, as_generator, check_int, check_positive
from .angular import (
    angular_matrix,
    average_secrecy_rate,
    check_geometry,
    fit_lambda,
    model_secrecy_rate,
)
from .baselines import aauc_rates, direct_multicast, direct_secrecy_rate, irs_secrecy_rate
from .irs import IRSProblem, irs_sco
from .large import bfom, closed_form, p6
from .model import Geometry, SystemParams, draw_scenario, redraw_eavesdropper
from .multistart import irs_multistart, sco_multistart
from .problem import AAUCProblem
from .successive import sco

__all__ = ["SCHEMES", "compare_schemes", "fit_experiment"]

SCHEMES = ("sco", "closed_form", "bfom", "p6", "direct", "irs", "sco_multistart", "irs_multistart")
"""Scheme names accepted by :func:`compare_schemes`."""


def compare_schemes(
    rng,
    *,
    n_antennas: int,
    n_users: int,
    k_factor_db: float,
    schemes=("sco", "closed_form", "bfom", "direct"),
    layout: str = "paper",
    sco_iterations: int = 20,
    sco_tol: float = 1e-4,
    direct_tol: float = 1e-3,
    multistart_random: int = 2,
    multistart_iterations: int | None = None,
    multistart_tol: float | None = None,
    n_eve: int = 1,
    **layout_kw,
) -> dict:
    """One trial: draw a scenario and evaluate the requested schemes on it.

    Parameters
    ----------
    rng : numpy.random.Generator or int
    n_antennas, n_users : int
        ``N`` and ``K``.
    k_factor_db : float
        Rician factor in dB (``-inf`` for Rayleigh fading).
    schemes : sequence of str
        Any of ``wiretap.aauc.SCHEMES``.
    layout : str
        Geometry (see :func:`wiretap.aauc.draw_scenario`); extra keywords go to it.
    sco_iterations, sco_tol : int, float
        SCO iteration cap (the paper's ``I = 20``) and relative stopping tolerance (also
        used for the IRS scheme).
    direct_tol : float
        Relative stopping tolerance of the multicast SCA of direct transmission (its
        convergence is slow when ``K`` is close to ``N``; 1e-3 stops within about 1-4 % of
        the converged minimum SNR in our runs).
    multistart_random : int
        Random starts of ``"sco_multistart"`` (:func:`~wiretap.aauc.sco_multistart`; BFOM's
        design is one more start when ``"bfom"`` comes earlier in ``schemes``).
        ``"irs_multistart"`` is :func:`~wiretap.aauc.irs_multistart`.
    multistart_iterations, multistart_tol : int, float, optional
        Iteration cap and stopping tolerance of every run of the two multistart schemes
        (default: ``sco_iterations`` and ``sco_tol``).
    n_eve : int
        Eavesdroppers each design is evaluated against (>= 1): the trial's own, plus
        ``n_eve - 1`` more drawn from the layout's distribution with
        :func:`~wiretap.aauc.redraw_eavesdropper` (right after the scenario, so they do not
        depend on ``schemes``). The rates are averages over them: the same expectation as
        one eavesdropper per trial, with a smaller Monte Carlo error. No design depends on
        the eavesdropper's actual position.

    Returns
    -------
    dict
        For each scheme ``s``: ``s`` (secrecy rate against the actual eavesdropper,
        bits/s/Hz), ``s + "_time"`` (seconds) and, for the AAUC schemes, ``s + "_model"``
        (P2 objective; the Q2 objective for the IRS schemes), ``s + "_coop"`` (AAUC
        schemes only: the secrecy rate of paper eq. (6), the eavesdropper hearing the
        cooperation phase only, see :func:`~wiretap.aauc.aauc_rates`), ``s + "_failed"`` (1.0 if the
        solver reported an error; the last feasible iterate is evaluated then),
        ``s + "_certified"`` (1.0 if the result's certificate holds, whatever the status),
        ``s + "_cert"`` (the certificate's value, NaN when there is none) and
        ``s + "_stalled"`` (1.0 for status ``"stalled"``) and ``s + "_capped"`` (1.0 for
        status ``"max_iter"``).
    """
    gen = as_generator(rng)
    if isinstance(schemes, str) or not isinstance(schemes, Sequence):
        raise TypeError(f"schemes must be a sequence of scheme names, got {schemes!r}")
    bad = [s for s in schemes if s not in SCHEMES]
    if bad or not schemes:
        raise ValueError(f"schemes must be a non-empty subset of {list(SCHEMES)}, got {bad}")
    n_eve = check_int(n_eve, "n_eve", minimum=1)
    ms_iter = sco_iterations if multistart_iterations is None else multistart_iterations
    ms_tol = sco_tol if multistart_tol is None else multistart_tol
    params = SystemParams.from_db(n_antennas=n_antennas, n_users=n_users, k_factor_db=k_factor_db)
    sc = draw_scenario(params, gen, layout=layout, **layout_kw)
    eves = [sc] + [
        redraw_eavesdropper(sc, gen, layout=layout, **layout_kw) for _ in range(n_eve - 1)
    ]
    pb = AAUCProblem.from_scenario(sc)
    out: dict[str, float] = {}
    extra = {}  # designs offered to "sco_multistart" as starting points
    for s in schemes:
        t0 = time.perf_counter()
        if s == "direct":
            r = direct_multicast(sc, tol=direct_tol)
            out[s] = float(np.mean([direct_secrecy_rate(e, r.v) for e in eves]))
            out[s + "_time"] = time.perf_counter() - t0
            _status(out, s, r)
            continue
        if s in ("irs", "irs_multistart"):
            ip = IRSProblem.from_scenario(sc)
            if s == "irs":
                r = irs_sco(ip, max_iter=sco_iterations, tol=sco_tol)
            else:
                r = irs_multistart(ip, max_iter=ms_iter, tol=ms_tol)
            out[s + "_time"] = time.perf_counter() - t0
            out[s] = float(np.mean([irs_secrecy_rate(e, r.v, r.u) for e in eves]))
            out[s + "_model"] = r.objective
            _status(out, s, r)
            continue
        if s == "sco":
            r = sco(pb, max_iter=sco_iterations, tol=sco_tol)
        elif s == "sco_multistart":
            r = sco_multistart(
                pb,
                gen,
                n_random=multistart_random,
                extra_starts=extra,
                max_iter=ms_iter,
                tol=ms_tol,
            )
        else:
            r = {"closed_form": closed_form, "p6": p6, "bfom": bfom}[s](pb)
        # SCO's times leave out the one-off cvxpy compilation
        elapsed = r.elapsed - r.compile_time if s.startswith("sco") else time.perf_counter() - t0
        if s == "bfom":
            extra["bfom"] = (r.z, r.w)
        rates = [aauc_rates(e, r.v, r.w) for e in eves]
        out[s] = float(np.mean([x["secrecy"] for x in rates]))
        out[s + "_time"] = elapsed
        out[s + "_model"] = r.objective
        out[s + "_coop"] = float(np.mean([x["secrecy_coop"] for x in rates]))
        _status(out, s, r)
    return out


def _status(out: dict, s: str, r) -> None:
    """Outcome flags of a solver result: error, stalled, certified, certificate value."""
    out[s + "_failed"] = float(r.status == "solver_error")
    out[s + "_stalled"] = float(r.status == "stalled")
    out[s + "_capped"] = float(r.status == "max_iter")
    out[s + "_certified"] = float(r.certified)
    out[s + "_cert"] = float("nan") if r.certificate is None else r.certificate.value


def fit_experiment(
    geometry: Geometry,
    rng,
    *,
    noise_dbm=None,
    samples_per_level: int = 100,
    rate_max: float = 3.0,
    w_power: float = 0.01,
    k_factor: float = 1000.0,
    alpha: float = 2.5,
    ref_gain: float = 1e-4,
    n_samples: int = 1000,
) -> dict:
    """The fitting experiment of paper Sec. IV-A (Fig. 2b).

    For every noise level (default: -100 to -60 dBm in 2 dBm steps, the paper's 21
    levels), ``samples_per_level`` training samples with
    ``R ~ U(0, rate_max)`` and ``w ~ CN(0, w_power/(K-1) I)``; the exact average secrecy
    rate (eq. (10)) by :func:`~wiretap.aauc.angular.average_secrecy_rate`, then the
    least-squares ``lambda`` (eq. (14)) by :func:`~wiretap.aauc.angular.fit_lambda`.

    Returns
    -------
    dict
        ``"noise_dbm"`` (T,), ``"rate"``, ``"wJw"``, ``"exact"``, ``"model"`` (at the fitted
        ``lambda``), ``"fit"`` (:class:`~wiretap.aauc.angular.LambdaFit`), ``"J"`` and
        ``"elapsed"``.
    """
    check_geometry(geometry)
    gen = as_generator(rng)
    if noise_dbm is None:
        noise_dbm = np.arange(-100.0, -59.0, 2.0)  # 21 levels, paper Sec. IV-A
    levels = as_array(noise_dbm, "noise_dbm", ndim=1)
    if levels.size == 0:
        raise ValueError("noise_dbm must hold at least one noise level")
    per = check_int(samples_per_level, "samples_per_level", minimum=1)
    check_positive(w_power, "w_power")
    t0 = time.perf_counter()
    m = geometry.n_users - 1
    dbm = np.repeat(levels, per)
    s2 = 10.0 ** ((dbm - 30.0) / 10.0)
    R = gen.uniform(0.0, rate_max, dbm.size)
    w = np.sqrt(w_power / m / 2) * (
        gen.standard_normal((dbm.size, m)) + 1j * gen.standard_normal((dbm.size, m))
    )
    J = angular_matrix(geometry, alpha=alpha, ref_gain=ref_gain)
    wJw = np.sum(J * np.abs(w) ** 2, axis=1)
    exact = average_secrecy_rate(
        R,
        w,
        s2,
        geometry,
        gen,
        k_factor=k_factor,
        alpha=alpha,
        ref_gain=ref_gain,
        n_samples=n_samples,
    )
    fit = fit_lambda(exact, R, wJw, s2)
    return {
        "noise_dbm": dbm,
        "rate": R,
        "wJw": wJw,
        "exact": exact,
        "model": model_secrecy_rate(R, wJw, s2, fit.lam),
        "fit": fit,
        "J": J,
        "elapsed": time.perf_counter() - t0,
    }
