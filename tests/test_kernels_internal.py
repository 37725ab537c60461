"""The internal kernels every paper package shares: linear algebra, compiled-problem cache,
and the one solve-with-retries ladder."""

import cvxpy as cp
import numpy as np
import pytest

from wiretap import _linalg, convex
from wiretap._cache import CompiledCache


def _hpd(rng, n):
    A = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    return A @ A.conj().T + n * np.eye(n)


def test_herm_is_hermitian_part_on_stacks():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((3, 4, 4)) + 1j * rng.standard_normal((3, 4, 4))
    H = _linalg.herm(M)
    for k in range(3):
        np.testing.assert_allclose(H[k], 0.5 * (M[k] + M[k].conj().T), atol=0)


def test_hsqrt_squares_back_and_logdet_matches_eigenvalues():
    rng = np.random.default_rng(1)
    S = _hpd(rng, 5)
    R = _linalg.hsqrt(S)
    np.testing.assert_allclose(R @ R, S, atol=1e-10 * np.linalg.norm(S))
    assert np.isclose(_linalg.logdet(S), np.sum(np.log(np.linalg.eigvalsh(S))), rtol=1e-12)


def test_logdet_strict_and_lenient_on_indefinite():
    M = np.diag([1.0, -1.0])
    with pytest.raises(ValueError, match="positive definite"):
        _linalg.logdet(M)
    assert _linalg.logdet(M, strict=False) == -np.inf
    assert _linalg.logdet(2.0) == pytest.approx(np.log(2.0))


def test_cache_is_bounded_lru_and_rebuild_does_not_store():
    built = []
    cache = CompiledCache(maxsize=2)
    for key in ("a", "b", "a", "c"):
        cache.get(key, lambda key=key: built.append(key) or key)
    assert built == ["a", "b", "c"]
    assert "b" not in cache and "a" in cache and len(cache) == 2
    assert cache.get("z", lambda: "fresh", rebuild=True) == "fresh" and "z" not in cache
    cache.clear()
    assert len(cache) == 0
    with pytest.raises(ValueError, match="maxsize"):
        CompiledCache(0)


def _problem():
    x = cp.Variable(2)
    return cp.Problem(cp.Minimize(cp.sum_squares(x - 1)), [cp.sum(x) <= 1])


def test_retries_stop_at_first_success():
    info, retries = convex.solve_with_retries(_problem(), ({}, {"max_iter": 1}))
    assert info.ok and retries == 0 and info.value == pytest.approx(0.5, abs=1e-7)


def test_retries_climb_the_ladder_and_report_first_or_last():
    # max_iter=1 cannot finish; the second rung can. Without warm_start=False, cvxpy hands
    # the new settings to the cached Clarabel solver on top of the old ones (max_iter=1 stays).
    info, retries = convex.solve_with_retries(_problem(), ({"max_iter": 1}, {}), warm_start=False)
    assert info.ok and retries == 1
    info, retries = convex.solve_with_retries(_problem(), ({"max_iter": 1}, {}))
    assert not info.ok and retries == 1
    bad = ({"max_iter": 1}, {"max_iter": 2})
    last, n = convex.solve_with_retries(_problem(), bad, report="last")
    first, _ = convex.solve_with_retries(_problem(), bad, report="first")
    assert not last.ok and not first.ok and n == 1
    assert (first.iterations, last.iterations) == (1, 2)


def test_infeasible_is_not_retried_unless_asked():
    x = cp.Variable()
    prob = cp.Problem(cp.Minimize(x), [x >= 1, x <= 0])
    info, retries = convex.solve_with_retries(prob, ({}, {"max_iter": 5}))
    assert info.infeasible and retries == 0
    info, retries = convex.solve_with_retries(prob, ({}, {"max_iter": 5}), stop_on_infeasible=False)
    assert retries == 1


@pytest.mark.parametrize(
    "kwargs, word",
    [({"ladder": ()}, "ladder"), ({"ladder": ("x",)}, "ladder"), ({"report": "best"}, "report")],
)
def test_retries_bad_input(kwargs, word):
    with pytest.raises(ValueError, match=word):
        convex.solve_with_retries(_problem(), **kwargs)


def test_retry_on_limits_which_statuses_are_retried():
    # max_iter=1 stops short with a status that is neither accepted nor a solver error
    short, _ = convex.solve_with_retries(_problem(), ({"max_iter": 1},), warm_start=False)
    assert not short.ok and short.status != "solver_error"
    ladder = ({"max_iter": 1}, {})
    info, retries = convex.solve_with_retries(
        _problem(), ladder, retry_on=("solver_error",), warm_start=False
    )
    assert (info.status, retries) == (short.status, 0)  # reported at once
    info, retries = convex.solve_with_retries(
        _problem(), ladder, retry_on=(short.status,), warm_start=False
    )
    assert info.ok and retries == 1


def _aauc_ladder_before_issue_15(solve, problem, accept, settings, retry_settings):
    """AAUC's own retry loop as it was (the reference for the shared ladder with retry_on)."""
    info = solve(problem, accept=accept, warm_start=False, **settings)
    retries = 0
    for opts in retry_settings:
        if info.status != "solver_error":
            break
        retries += 1
        info = solve(problem, accept=accept, warm_start=False, **{**settings, **opts})
    return info, retries


@pytest.mark.parametrize(
    "script",
    [
        ["optimal"],
        ["optimal_inaccurate"],
        ["infeasible"],
        ["solver_error", "optimal"],
        ["solver_error", "optimal_inaccurate"],
        ["solver_error", "infeasible"],
        ["solver_error", "solver_error", "optimal"],
        ["solver_error", "solver_error", "solver_error"],
    ],
)
def test_aauc_retry_is_the_shared_ladder_with_the_old_semantics(monkeypatch, script):
    from wiretap.aauc import _solve

    def scripted(calls):
        statuses = iter(script)

        def solve(problem, accept, **opts):
            calls.append(opts)
            s = next(statuses)
            return convex.SolveInfo(s, 0.0, s in accept, 0.0, 0.0, len(calls))

        return solve

    old_calls, new_calls = [], []
    accept = ("optimal",)
    args = (_solve.SOLVER_SETTINGS, _solve.RETRY_SETTINGS)
    old = _aauc_ladder_before_issue_15(scripted(old_calls), None, accept, *args)
    monkeypatch.setattr(convex, "solve", scripted(new_calls))
    new = _solve.solve_with_retry(None, accept)
    assert new == old and new_calls == old_calls
