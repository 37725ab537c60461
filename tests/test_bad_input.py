"""Every public function rejects bad input with an error that names the argument (issue 14).

For each public function of the modules listed in ``COVERED`` (tests/bad_input_registry.py),
the registry gives one valid call. Each argument in turn is replaced by bad values that
hypothesis draws from strategies chosen by the kind of the valid value (arrays: wrong
dimension or length, empty, NaN, inf, complex, negative, wrong type, None; scalars: NaN,
inf, negative, wrong type, bool, fraction; choices, callables, generators, objects: wrong
type, None). The call must raise ValueError or TypeError whose message names the argument,
unless the registry declares that category legal for that argument (with its reason).
A public function without a registry entry fails the test, so new functions are covered.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from bad_input_harness import ALL_CATEGORIES, categories, modules, outcome, public_functions
from bad_input_registry import COVERED, PENDING, REGISTRY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUNCTIONS = {
    q: fn
    for targets in COVERED.values()
    for m in modules(targets)
    for q, fn in public_functions(m).items()
}
_ENTRIES: dict = {}


def entry(qualname):
    """The registry's valid call, built once from a seeded generator."""
    if qualname not in _ENTRIES:
        _ENTRIES[qualname] = REGISTRY[qualname](np.random.default_rng(0))
    return _ENTRIES[qualname]


def _arguments():
    for q in sorted(FUNCTIONS):
        if q in REGISTRY:
            e = REGISTRY[q](np.random.default_rng(0))
            # an argument declared opaque ("*": any value is legal) has no bad values
            yield from ((q, a) for a in e.kwargs if "*" not in e.allow.get(a, {}))


def test_every_public_function_has_a_valid_call():
    missing = sorted(set(FUNCTIONS) - set(REGISTRY))
    assert not missing, f"add a valid call to tests/bad_input_registry.py for {missing}"
    pending = {
        q for targets in PENDING.values() for m in modules(targets) for q in public_functions(m)
    }
    stale = sorted(set(REGISTRY) - set(FUNCTIONS) - pending)
    assert not stale, f"registry entries of functions that are not public: {stale}"


def test_declared_domains_name_real_arguments_and_categories():
    for q in REGISTRY:
        e = entry(q)
        for arg, cats in e.allow.items():
            assert arg in e.kwargs, f"{q}: domain declared for {arg}, which the call omits"
            unknown = set(cats) - ALL_CATEGORIES
            assert not unknown, f"{q}({arg}): unknown categories {unknown}"
            assert all(isinstance(r, str) and r for r in cats.values()), f"{q}: give a reason"


@pytest.mark.parametrize("qualname", sorted(set(FUNCTIONS) & set(REGISTRY)))
def test_valid_call_runs(qualname):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        entry(qualname).invoke(FUNCTIONS[qualname])


@pytest.mark.parametrize(("qualname", "arg"), list(_arguments()))
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_bad_argument_is_named(qualname, arg, data):
    e = entry(qualname)
    allowed = e.allow.get(arg, {})
    for category, strategy in categories(e.kwargs[arg], arg).items():
        if category in allowed:
            continue
        bad = data.draw(strategy, label=f"{arg} [{category}]")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            result, detail = outcome(FUNCTIONS[qualname], e, arg, bad)
        assert result == "clear", f"{qualname}({arg}={bad!r}) [{category}]: {detail}"
