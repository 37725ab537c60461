"""The small-cell kernels against the Foundations references of :mod:`wiretap.games`.

The small-cell package keeps specialised kernels (batched over trials, warm-started exact
best responses, a stopping rule with an absolute floor), whose floating-point arithmetic
differs from the generic Foundations loops. These tests check, on random networks, that
they compute the same objects:

* Algorithm 1 (:func:`wiretap.smallcell.priced_equilibrium`, Jacobi and Gauss-Seidel)
  against :func:`wiretap.games.best_response_iteration` driven by the single-SBS best
  responses: the same equilibrium to 1e-9 W, and each method's answer passes the other's
  equilibrium certificate;
* the VI map :func:`wiretap.smallcell.analysis.vi_map` at the equilibria of Algorithm 2 and
  of the Newton method on the VI: :func:`wiretap.games.natural_residual` (projection onto
  each SBS's mask-and-budget set) at most 1e-8 relative to ``||p_max||``, and
  :func:`wiretap.games.vi_violation` over random feasible profiles at most 1e-9 relative.
"""

import numpy as np
import pytest

from wiretap import games
from wiretap import smallcell as sc
from wiretap.smallcell import analysis as an
from wiretap.smallcell._nash import eq_residual
from wiretap.smallcell.core import stack

P_TOL = 1e-9  # W: Algorithm 1 vs the Foundations iteration
NAT_TOL = 1e-8  # natural residual, relative to ||p_max||
VI_TOL = 1e-9  # VI violation, relative to max |F| ||p_max||


def _nets():
    nets = [sc.coupled_network(s, n_sbs=3, n_channels=3) for s in range(3)]
    nets += [sc.generate_network(s, n_sbs=4) for s in (2, 5, 7)]
    return nets


def _project(net):
    """Euclidean projection onto the product of the sets {0 <= p_j <= m_j, Σ_k p_j <= P_j}."""

    def proj(x):
        out = np.empty_like(x)
        for j, (row, m, P) in enumerate(zip(x, net.p_mask, net.p_max, strict=True)):
            y = np.clip(row, 0.0, m)
            if y.sum() > P:  # bisection on the budget multiplier
                lo, hi = 0.0, float(row.max())
                for _ in range(200):
                    mid = 0.5 * (lo + hi)
                    lo, hi = (mid, hi) if np.clip(row - mid, 0.0, m).sum() > P else (lo, mid)
                y = np.clip(row - hi, 0.0, m)
            out[j] = y
        return out

    return proj


@pytest.mark.parametrize(
    ("mode", "ref_mode"), [("simultaneous", "jacobi"), ("sequential", "gauss-seidel")]
)
@pytest.mark.parametrize("net_id", range(6))
def test_algorithm_1_matches_best_response_iteration(mode, ref_mode, net_id):
    net = _nets()[net_id]
    kappa = 0.0 if net_id < 3 else 2e9
    ours = sc.priced_equilibrium(net, kappa, mode=mode, p_init="full", tol=1e-12)
    if ours.status != "converged":
        pytest.skip("Algorithm 1 does not converge on this network")
    brs = [(lambda x, j=j: sc.best_response(net, np.stack(x), j, kappa)) for j in range(net.n_sbs)]
    x0 = list(sc.initial_power(net, "full"))
    ref = games.best_response_iteration(brs, x0, mode=ref_mode, tol=1e-12, max_iter=500)
    assert ref.status == "converged"
    p_ref = np.stack(ref.x)
    np.testing.assert_allclose(ours.p, p_ref, rtol=0, atol=P_TOL)
    # each answer passes the other's certificate
    S = stack(net)
    k = np.broadcast_to(np.asarray(kappa, dtype=float), (net.n_mue,))[None]
    assert eq_residual(S, p_ref[None], k)[0] <= ours.certificate.tolerance
    again = games.best_response_iteration(brs, list(ours.p), max_iter=1, tol=1e-12)
    assert again.certificate.value <= ref.certificate.tolerance


@pytest.mark.parametrize("seed", [5, 7, 11])
def test_vi_map_residuals_at_equilibria(seed):
    net = sc.generate_network(np.random.default_rng(seed), n_sbs=5)
    rng = np.random.default_rng(seed)
    scale = np.linalg.norm(net.p_max)
    pts = np.stack([sc.initial_power(net, "random", rng) for _ in range(200)])
    proj = _project(net)

    def project(v):
        return proj(v.reshape(net.shape)).ravel()

    for res in (sc.price_iteration(net, tol=1e-9), sc.vi_equilibrium(net)):
        assert res.status == "converged"
        F = lambda x, k=res.kappa: an.vi_map(net, x.reshape(net.shape), k).ravel()  # noqa: E731
        x = res.p.ravel()
        nat = games.natural_residual(F, x, project)
        assert nat <= NAT_TOL * scale
        viol = games.vi_violation(F, x, pts.reshape(len(pts), -1))
        assert viol <= VI_TOL * np.abs(F(x)).max() * scale
