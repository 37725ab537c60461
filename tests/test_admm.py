import numpy as np
import pytest
from scipy.optimize import nnls

from wiretap import admm, channels, sca


def _ls_agents(rng, N=4, m=6, n=3, cplx=False):
    As, bs = [], []
    for _ in range(N):
        if cplx:
            As.append(channels.complex_gaussian((m, n), rng))
            bs.append(channels.complex_gaussian(m, rng))
        else:
            As.append(rng.normal(size=(m, n)))
            bs.append(rng.normal(size=m))

    def make(A, b):
        def update(v, rho):  # argmin ||A x - b||^2 / 2 + rho/2 ||x - v||^2
            return np.linalg.solve(
                A.conj().T @ A + rho * np.eye(A.shape[1]), A.conj().T @ b + rho * v
            )

        return update

    return As, bs, [make(A, b) for A, b in zip(As, bs, strict=True)]


@pytest.mark.parametrize("cplx", [False, True])
def test_consensus_admm_reaches_centralized_least_squares(rng, cplx):
    for _ in range(3):
        As, bs, ups = _ls_agents(rng, cplx=cplx)
        ref = np.linalg.lstsq(np.vstack(As), np.concatenate(bs), rcond=None)[0]
        z0 = np.zeros(3, complex if cplx else float)
        res = admm.consensus_admm(ups, z0, 1.0, tol=1e-10, max_iter=5000)
        assert res.success, res.message
        np.testing.assert_allclose(res.z, ref, atol=1e-7)
        for x in res.xs:
            np.testing.assert_allclose(x, res.z, atol=1e-7)
        # the scaled duals sum to zero at a consensus optimum (no g): sum_i rho u_i = 0
        assert np.linalg.norm(sum(res.us)) < 1e-7
        n_per = 2 if cplx else 1
        assert res.messages == 2 * len(ups) * 3 * n_per * res.iterations
        assert res.history["messages"][-1] == res.messages
        assert res.history["primal_residual"].shape == (res.iterations,)


def test_consensus_admm_with_projection_matches_nnls(rng):
    As, bs, ups = _ls_agents(rng, N=3, m=5, n=4)
    ref, _ = nnls(np.vstack(As), np.concatenate(bs))
    res = admm.consensus_admm(
        ups, np.zeros(4), 1.0, project=lambda v: np.maximum(v, 0), tol=1e-10, max_iter=20000
    )
    assert res.success
    assert np.all(res.z >= 0)
    np.testing.assert_allclose(res.z, ref, atol=1e-6)


def test_increasing_penalty_and_balancing(rng):
    As, bs, ups = _ls_agents(rng)
    ref = np.linalg.lstsq(np.vstack(As), np.concatenate(bs), rcond=None)[0]
    grow = admm.consensus_admm(
        ups, np.zeros(3), 0.01, rho_growth=1.2, rho_max=5.0, tol=1e-10, max_iter=5000
    )
    assert grow.success
    rho = grow.history["rho"]
    assert np.all(np.diff(rho) >= 0) and rho.max() <= 5.0 and grow.rho <= 5.0
    np.testing.assert_allclose(grow.z, ref, atol=1e-7)
    fixed = admm.consensus_admm(ups, np.zeros(3), 0.01, tol=1e-10, max_iter=5000)
    assert grow.iterations < fixed.iterations  # a too-small penalty is slow
    bal = admm.consensus_admm(ups, np.zeros(3), 100.0, adapt="balance", tol=1e-10, max_iter=5000)
    assert bal.success
    np.testing.assert_allclose(bal.z, ref, atol=1e-7)
    # objective history
    obj = admm.consensus_admm(
        ups,
        np.zeros(3),
        1.0,
        tol=1e-8,
        objective=lambda z: float(
            sum(np.sum((A @ z - b) ** 2) for A, b in zip(As, bs, strict=True))
        ),
    )
    assert obj.history["objective"].shape == (obj.iterations,)


def test_statuses_and_errors(rng):
    _, _, ups = _ls_agents(rng)
    capped = admm.consensus_admm(ups, np.zeros(3), 1.0, max_iter=2, tol=1e-14)
    assert capped.status == "max_iter" and capped.iterations == 2

    def fails(v, rho):
        raise sca.StepFailure("infeasible", "local SDP infeasible")

    res = admm.consensus_admm([ups[0], fails], np.zeros(3), 1.0)
    assert res.status == "infeasible" and res.iterations == 0 and res.messages == 0
    res = admm.consensus_admm([lambda v, r: v * np.nan], np.zeros(3), 1.0)
    assert res.status == "solver_error"
    with pytest.raises(ValueError, match="rho must be > 0"):
        admm.consensus_admm(ups, np.zeros(3), 0.0)
    with pytest.raises(ValueError, match="rho_growth"):
        admm.consensus_admm(ups, np.zeros(3), 1.0, rho_growth=0.5)
    with pytest.raises(ValueError, match="rho_max"):
        admm.consensus_admm(ups, np.zeros(3), 1.0, rho_max=0.5)
    with pytest.raises(ValueError, match="finite rho_max"):
        admm.consensus_admm(ups, np.zeros(3), 1.0, rho_growth=1.1)
    with pytest.raises(ValueError, match="callback"):
        admm.consensus_admm(ups, np.zeros(3), 1.0, callback=3)
    with pytest.raises(ValueError, match="adapt"):
        admm.consensus_admm(ups, np.zeros(3), 1.0, adapt="grow")
    with pytest.raises(ValueError, match="local_updates"):
        admm.consensus_admm([], np.zeros(3), 1.0)
    with pytest.raises(ValueError, match=r"local_updates\[0\] returned shape"):
        admm.consensus_admm([lambda v, r: np.zeros(2)], np.zeros(3), 1.0)
    with pytest.raises(ValueError, match="complex values for a real z0"):
        admm.consensus_admm([lambda v, r: v + 1j], np.zeros(3), 1.0)
    with pytest.raises(ValueError, match="project"):
        admm.consensus_admm(ups, np.zeros(3), 1.0, project=1)


def test_general_form_consensus_with_selectors(rng):
    n = 5
    subsets = [[0, 1, 2], [2, 3], [3, 4, 0], [1, 4]]
    Es = [np.eye(n)[S] for S in subsets]
    As = [rng.normal(size=(6, len(S))) for S in subsets]
    bs = [rng.normal(size=6) for _ in subsets]

    def make(A, b):
        return lambda v, rho: np.linalg.solve(A.T @ A + rho * np.eye(A.shape[1]), A.T @ b + rho * v)

    ups = [make(A, b) for A, b in zip(As, bs, strict=True)]
    big = np.vstack([A @ E for A, E in zip(As, Es, strict=True)])
    ref = np.linalg.lstsq(big, np.concatenate(bs), rcond=None)[0]
    res = admm.consensus_admm(ups, np.zeros(n), 1.0, selectors=Es, tol=1e-10, max_iter=10000)
    assert res.success
    np.testing.assert_allclose(res.z, ref, atol=1e-7)
    for E, x in zip(Es, res.xs, strict=True):
        np.testing.assert_allclose(x, E @ res.z, atol=1e-7)
    assert res.messages == 2 * sum(len(S) for S in subsets) * res.iterations
    with pytest.raises(ValueError, match="invertible"):
        admm.consensus_admm(ups[:1], np.zeros(n), 1.0, selectors=Es[:1])
    with pytest.raises(ValueError, match="equal coverage"):
        admm.consensus_admm(ups[:3], np.zeros(n), 1.0, selectors=Es[:3], project=lambda v: v)
    with pytest.raises(ValueError, match="one matrix per agent"):
        admm.consensus_admm(ups, np.zeros(n), 1.0, selectors=Es[:2])
    with pytest.raises(ValueError, match=r"selectors\[0\] must have 5 columns"):
        admm.consensus_admm(ups, np.zeros(n), 1.0, selectors=[np.eye(3), *Es[1:]])


def test_lyapunov_function_decreases(rng):
    # Boyd et al. (2011), App. A: V = sum ||y_i - y_i*||^2 / rho + rho N ||z - z*||^2 is
    # nonincreasing for a fixed penalty
    As, bs, ups = _ls_agents(rng, N=3, m=5, n=3)
    z_star = np.linalg.lstsq(np.vstack(As), np.concatenate(bs), rcond=None)[0]
    y_star = [A.T @ (b - A @ z_star) for A, b in zip(As, bs, strict=True)]  # -grad f_i(z*)
    V = []

    def record(k, z, xs, us, rho):
        dual = sum(np.sum((rho * u - y) ** 2) for u, y in zip(us, y_star, strict=True))
        V.append(dual / rho + rho * len(us) * np.sum((z - z_star) ** 2))

    res = admm.consensus_admm(ups, np.zeros(3), 0.7, tol=1e-10, callback=record)
    assert res.success and len(V) == res.iterations
    assert np.all(np.diff(V) <= 1e-12 * V[0])


# ---------------------------------------------------------------------------------------
# certificates (issue 11)


def test_converged_implies_residual_certificate(rng):
    """converged => max(r / eps_pri, s / eps_dual) <= 1, and r recomputed from the
    returned local copies equals the recorded primal residual."""
    _, _, ups = _ls_agents(rng)
    res = admm.consensus_admm(ups, np.zeros(3), 1.0, tol=1e-8)
    assert res.success and res.certificate.kind == "admm_residuals"
    assert res.certificate.value <= res.certificate.tolerance == 1.0
    r = np.sqrt(sum(np.linalg.norm(x - res.z) ** 2 for x in res.xs))
    assert r == pytest.approx(res.history["primal_residual"][-1], rel=1e-12, abs=1e-300)
    # the absolute part of eps_pri alone is sqrt(N n) atol: r is below it plus the relative part
    assert r <= np.sqrt(len(ups) * 3) * 1e-8 + 1e-8 * max(
        np.sqrt(sum(np.linalg.norm(x) ** 2 for x in res.xs)),
        np.sqrt(len(ups)) * np.linalg.norm(res.z),
    )


def test_capped_run_carries_a_failing_certificate(rng):
    _, _, ups = _ls_agents(rng)
    capped = admm.consensus_admm(ups, np.zeros(3), 1.0, max_iter=2, tol=1e-14)
    assert capped.status == "max_iter" and capped.message
    assert capped.certificate is not None and capped.certificate.value > 1 and not capped.certified
