"""ISAC's specialised kernels against the Foundations references, on random instances.

The ISAC part keeps its own CRB, fusion, trust-region and consensus-averaging code (their
floating-point arithmetic differs from the Foundations kernels, and the book's recorded
numbers depend on it); these tests pin them to :mod:`wiretap.fisher`, :mod:`wiretap.lemmas`
and :mod:`wiretap.admm` with the stated tolerances.
"""

from __future__ import annotations

import numpy as np
import pytest

from wiretap import admm, fisher, isac, lemmas
from wiretap.isac import _consensus as consensus

N_TRIALS = 50


def _spd(rng, p: int, cond: float) -> np.ndarray:
    Q, _ = np.linalg.qr(rng.standard_normal((p, p)))
    ev = np.geomspace(1.0, cond, p) * rng.uniform(0.1, 10.0)
    return (Q * ev) @ Q.T


def test_crb_matches_fisher_crb():
    # relative tolerance 1e-9 on FIMs with condition numbers up to 1e6
    rng = np.random.default_rng(11)
    for _ in range(N_TRIALS):
        F = _spd(rng, 2, 10 ** rng.uniform(0, 6))
        F = (F + F.T) / 2
        ref = fisher.crb(F)
        assert np.allclose(isac.crb(F), ref, rtol=1e-9, atol=1e-12 * np.abs(ref).max())
    with pytest.raises(ValueError):
        isac.crb(np.ones((2, 2)))
    with pytest.raises(ValueError):
        fisher.crb(np.ones((2, 2)))


def test_fuse_estimates_matches_fisher_fuse():
    # estimate, covariance and weights agree to a relative 1e-9
    rng = np.random.default_rng(12)
    for _ in range(N_TRIALS):
        M = int(rng.integers(1, 5))
        Q = np.stack([_spd(rng, 2, 10 ** rng.uniform(0, 4)) for _ in range(M)])
        Q = (Q + np.swapaxes(Q, 1, 2)) / 2
        est = rng.standard_normal((M, 2)) * 5
        fused, cov, weights = isac.fuse_estimates(est, Q)
        ref = fisher.fuse(est, Q)
        assert np.allclose(fused, ref.estimate, rtol=1e-9, atol=1e-9)
        assert np.allclose(cov, ref.covariance, rtol=1e-9, atol=1e-12)
        assert np.allclose(weights, ref.weights, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("kind", ["complex", "real"])
def test_trs_min_matches_min_quadratic_on_ball(kind):
    # minimum values agree to 1e-9 (relative to max(1, |value|)); both minimizers attain it
    rng = np.random.default_rng(13 if kind == "complex" else 14)
    for trial in range(N_TRIALS):
        n = int(rng.integers(1, 7))
        A = rng.standard_normal((n, n))
        b = rng.standard_normal(n)
        if kind == "complex":
            A = A + 1j * rng.standard_normal((n, n))
            b = b + 1j * rng.standard_normal(n)
        A = (A + A.conj().T) / 2
        if trial % 5 == 0:  # a PSD instance, interior minimizer possible
            A = A @ A.conj().T
        c = float(rng.standard_normal())
        r = float(rng.uniform(0.0, 3.0)) if trial % 7 else 0.0
        val, x, mu = isac.trs_min(A, b, c, r)
        ref, x_ref = lemmas.min_quadratic_on_ball(A, b, c, r)

        def f(y, A=A, b=b, c=c):
            return float(np.vdot(y, A @ y).real + 2 * np.vdot(b, y).real + c)

        scale = max(1.0, abs(ref))
        assert abs(val - ref) <= 1e-9 * scale
        assert np.linalg.norm(x) <= r * (1 + 1e-9) + 1e-12
        assert abs(f(x) - ref) <= 1e-8 * scale and abs(f(x_ref) - ref) <= 1e-8 * scale
        assert mu >= 0


def _isac_loop(maps, key, a, rho, n_iter):
    """Algorithm 2's consensus bookkeeping on ``f_m(x) = ||x - a_m||^2 / 2`` (block ``key``)."""
    M = len(a)
    x = [{key: a[m]} for m in range(M)]
    full = {"e": None, "t": None, "u": None, "V": None}

    def upd(x, lam, rho_v):
        # global_update handles every block; fill the others with zeros of the right size
        xs = [{**{k: np.zeros_like(lam[m][k]) for k in full}, **x[m]} for m in range(M)]
        return consensus.global_update(maps, xs, lam, rho_v)

    lam = [
        {
            "e": np.zeros((2, maps["e"][0].shape[0])),
            "t": np.zeros((2, maps["e"][0].shape[0])),
            "u": np.zeros((2, 2)),
            "V": np.zeros(6),
        }
        for _ in range(M)
    ]
    rho_v = np.full(4, rho)
    z = upd(x, lam, rho_v)
    z0 = z[key] if key == "V" else z[key][0]
    for _ in range(n_iter):
        for m in range(M):
            v = consensus.centers(maps, m, z, lam[m], rho_v)[key]
            x[m] = {key: (a[m] + rho * v) / (1.0 + rho)}
        z = upd(x, lam, rho_v)
        for m in range(M):
            d = x[m][key] - consensus.apply(maps, m, z)[key]
            lam[m][key] = lam[m][key] + rho * d
    return z0, (z[key] if key == "V" else z[key][0])


@pytest.mark.parametrize("key", ["V", "e"])
def test_consensus_averaging_matches_consensus_admm(key):
    # with a constant penalty the ISAC controller (eqs. (140)-(143)) and the general-form
    # consensus ADMM of the Foundations take the same iterates: z agrees to 1e-10
    rng = np.random.default_rng(15)
    M, K, rho, n_iter = 3, 2, 0.7, 4  # few iterations: the iterates, not the limit
    maps = isac.consensus_maps(M, K)
    sel = maps["V"] if key == "V" else maps["e"]
    size = sel[0].shape[0]
    if key == "V":
        a = [rng.standard_normal(size) for _ in range(M)]
    else:  # stage 0 carries the data; stage 1 stays at zero
        a = [np.stack([rng.standard_normal(size), np.zeros(size)]) for _ in range(M)]
    z0, z_isac = _isac_loop(maps, key, a, rho, n_iter)
    a0 = [am if key == "V" else am[0] for am in a]
    ups = [lambda v, r, am=am: (am + r * v) / (1.0 + r) for am in a0]
    res = admm.consensus_admm(ups, z0, rho, selectors=sel, tol=1e-300, atol=1e-300, max_iter=n_iter)
    assert res.iterations == n_iter
    assert np.allclose(res.z, z_isac, rtol=1e-10, atol=1e-12)
