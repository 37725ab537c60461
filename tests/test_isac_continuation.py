"""Tests of the budget continuation of wiretap.isac (Fig. 5: power against P_max)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from wiretap import isac
from wiretap.isac import design as D
from wiretap.isac import experiments as E

BUDGETS = [15.0, 20.0]


def _at(scn, p_dbm):
    return dataclasses.replace(scn, p_max=float(10 ** (p_dbm / 10)))


@pytest.fixture(scope="module")
def scn():
    return isac.paper_scenario(0, q1_std=0.5, p_max_dbm=BUDGETS[0])


@pytest.fixture(scope="module")
def cold(scn):
    """Cold runs of Proposed 1 at both budgets (from :func:`initial_state`)."""
    return [isac.run_schemes(_at(scn, p), schemes=("Proposed 1",))["Proposed 1"] for p in BUDGETS]


@pytest.fixture(scope="module")
def chain(scn, cold):
    return isac.budget_continuation(
        scn, BUDGETS, schemes=("Proposed 1",), start={"Proposed 1": cold[0]}
    )["Proposed 1"]


def test_design_feasible_at_a_budget_stays_feasible_at_larger_ones(scn, cold):
    small = cold[0]
    assert isac.outcome(small) == "passed", small.message
    for p in (17.5, 20.0, 25.0):
        big = _at(scn, p)
        chk = isac.check_design(big, small.design)
        assert chk.feasible
        # only C1 depends on the budget: rates, leakage, CRB and power are unchanged
        assert chk.rate_margin == small.check.rate_margin
        assert chk.leakage_margin == small.check.leakage_margin
        assert chk.mse == small.check.mse
        assert np.array_equal(chk.power, small.check.power)
        assert chk.power_margin == pytest.approx(
            small.check.power_margin + big.p_max - scn.p_max, rel=1e-12
        )


def test_budget_is_the_only_difference_between_the_scenarios(scn):
    big = _at(scn, 20.0)
    ref = isac.paper_scenario(0, q1_std=0.5, p_max_dbm=20.0)
    assert big.p_max == ref.p_max
    assert np.array_equal(big.h, ref.h) and np.array_equal(big.g_est, ref.g_est)


def test_warm_start_begins_at_the_carried_design(scn, cold):
    """The warm-started run's first objective is the design's power, and BCD only descends."""
    big = _at(scn, 20.0)
    st = D.design_state(big, cold[0].design)
    res = isac.centralized_design(big, init=st)
    obj = res.history["objective"]
    assert obj[0] == pytest.approx(cold[0].total_power, rel=1e-9)
    assert np.all(np.diff(obj) <= 1e-4 * obj[:-1])
    assert isac.outcome(res) == "passed", res.message


def test_continuation_power_is_non_increasing_and_certified(chain, cold):
    assert [s.p_max_dbm for s in chain] == BUDGETS
    assert chain[0].run is cold[0] and chain[0].source == "run"
    p = np.array([s.total_power for s in chain])
    assert np.all(np.isfinite(p))
    assert np.all(np.diff(p) <= 0.0)  # exact: the carried design is always a candidate
    for s in chain:
        assert isac.outcome(s) == "passed"
        assert s.certificate is not None and s.certificate.holds
        assert s.certificate.kind == "feasibility"
    # cold start at the larger budget ends higher on this realisation (the symptom);
    # the continuation does not
    assert cold[1].total_power > cold[0].total_power * 1.1
    assert p[1] <= cold[1].total_power


def test_summarize_continuation_stacks_the_steps(chain):
    s = isac.summarize_continuation({"Proposed 1": chain})
    assert s["Proposed 1"].shape == (len(BUDGETS),)
    assert np.allclose(s["Proposed 1"], [st.total_power for st in chain])
    assert np.all(s["Proposed 1 ok"] == 1.0)
    assert s["Proposed 1 carried"].tolist() == [float(st.source == "carried") for st in chain]
    assert np.allclose(s["Proposed 1 iterations"], [st.iterations for st in chain])
    empty = isac.summarize_continuation({}, names=("Baseline 2",), n_budgets=3)
    assert empty["Baseline 2"].shape == (3,) and np.all(np.isnan(empty["Baseline 2 ok"]))
    with pytest.raises(ValueError, match="n_budgets"):
        isac.summarize_continuation({}, names=("Baseline 2",))


def test_worse_or_failed_warm_run_keeps_the_carried_design(scn, cold, monkeypatch):
    """Selection: a warm run that ends higher, or does not pass, never replaces the design."""
    worse = dataclasses.replace(cold[1], total_power=cold[0].total_power * 2)
    failed = isac.CentralizedResult(status="no_feasible_point", iterations=3, message="none")
    for run in (worse, failed):
        monkeypatch.setattr(E, "_warm_run", lambda *a, r=run, **k: r)
        steps = isac.budget_continuation(
            scn, [15.0, 17.5, 20.0], schemes=("Proposed 1",), start={"Proposed 1": cold[0]}
        )["Proposed 1"]
        assert [s.source for s in steps] == ["run", "carried", "carried"]
        assert all(s.design is cold[0].design for s in steps)
        assert all(s.total_power == cold[0].total_power for s in steps)
        assert all(s.status == cold[0].status for s in steps)
        assert steps[-1].run is run and steps[-1].iterations == run.iterations
        assert steps[-1].check.power_margin > steps[0].check.power_margin


def test_failed_start_has_no_design_then_restarts_cold(scn, monkeypatch):
    failed = isac.CentralizedResult(status="no_feasible_point", iterations=2, message="none")
    calls = []

    def fake_run_schemes(s, schemes, **kw):
        calls.append(s.p_max)
        return {schemes[0]: failed}

    monkeypatch.setattr(E, "run_schemes", fake_run_schemes)
    steps = isac.budget_continuation(scn, [15.0, 20.0], schemes=("Proposed 2",))["Proposed 2"]
    assert [s.source for s in steps] == ["none", "none"]
    assert calls == pytest.approx([10**1.5, 100.0])  # no design to carry: a cold run each time
    assert isac.outcome(steps[0]) == "no feasible point" and steps[0].certificate is None
    s = isac.summarize_continuation({"Proposed 2": steps})
    assert np.all(np.isnan(s["Proposed 2"])) and np.all(s["Proposed 2 no point"] == 1.0)


def test_budget_continuation_validation(scn, cold):
    with pytest.raises(ValueError, match="budgets_dbm"):
        isac.budget_continuation(scn, [20.0, 15.0])
    with pytest.raises(ValueError, match="budgets_dbm"):
        isac.budget_continuation(scn, [])
    with pytest.raises(ValueError, match="budgets_dbm"):
        isac.budget_continuation(scn, [15.0, np.inf])
    with pytest.raises(ValueError, match="schemes"):
        isac.budget_continuation(scn, BUDGETS, schemes=("Baseline 1",))
    with pytest.raises(TypeError, match="scn"):
        isac.budget_continuation({"p_max": 1.0}, BUDGETS)
    with pytest.raises(ValueError, match="baseline2_mse"):
        isac.budget_continuation(scn, BUDGETS, baseline2_mse=0.0)
    with pytest.raises(ValueError, match="admm_iter"):
        isac.budget_continuation(scn, BUDGETS, admm_iter=0)
    with pytest.raises(ValueError, match="bcd_iter"):
        isac.budget_continuation(scn, BUDGETS, bcd_iter=0)
    with pytest.raises(ValueError, match="start"):
        isac.budget_continuation(
            scn, BUDGETS, schemes=("Proposed 2",), start={"Proposed 1": cold[0]}
        )


def test_repeated_budget_restarts_at_its_own_design(scn, cold):
    """A repeated budget is a restart at the same budget (the chapter's control run)."""
    steps = isac.budget_continuation(
        scn, [15.0, 15.0], schemes=("Proposed 1",), start={"Proposed 1": cold[0]}
    )["Proposed 1"]
    assert steps[1].p_max_dbm == 15.0 and steps[1].run is not cold[0]
    assert steps[1].total_power <= steps[0].total_power
    assert steps[1].check.power_margin >= steps[0].check.power_margin
