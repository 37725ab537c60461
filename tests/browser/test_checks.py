"""The browser checks find what they are meant to find: run on a deliberately broken page.

``tests/fixtures/broken_site/index.html`` has one of each fault (raw TeX, an unrendered math
block, a leftover MyST role, a wrong and a dangling equation reference, a bad fragment, a
missing page, a missing and a remote image, an explorer without its figure, a console error
and an uncaught exception). Each check must report its fault, so a green book run means
something.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .checks import (
    equation_problems,
    image_problems,
    link_problems,
    load,
    load_problems,
    math_problems,
    offline_context,
    serve,
)
from .conftest import ROOT

BROKEN = ROOT / "tests" / "fixtures" / "broken_site"


@pytest.fixture(scope="module")
def broken(browser):
    with serve(BROKEN) as base_url:
        ctx = offline_context(browser, base_url)
        try:
            yield load(ctx, f"{base_url}/index.html", base_url), base_url
        finally:
            ctx.close()


def _has(problems: list[str], *needles: str) -> bool:
    return all(any(n in p for p in problems) for n in needles)


def test_load_problems_are_found(broken):
    v, _ = broken
    problems = load_problems(v)
    assert _has(problems, "console error: boom", "uncaught exception: ", "uncaught on purpose")
    assert _has(problems, "failed request: ", "missing.png")
    assert _has(problems, "request leaving localhost: https://example.org/remote.png")


def test_math_problems_are_found(broken):
    problems = math_problems(broken[0].probe)
    assert _has(problems, "MathJax 3 is not loaded", "math not rendered: (1)")
    assert _has(problems, "raw TeX or MyST in the text: ...", "$$x^2", "{eq}`eq-a`")


def test_image_problems_are_found(broken):
    problems = image_problems(broken[0].probe)
    assert _has(problems, "missing.png", "remote.png", "explorer 1 has no static figure")


def test_link_problems_are_found(broken):
    v, base = broken
    problems = link_problems(v.probe, BROKEN, base, BROKEN / "index.html")
    assert len(problems) == 3, problems  # the good link and the outside link are fine
    assert _has(problems, "#nowhere", "gone.html", "#equation-eq-missing")


def test_equation_problems_are_found(broken):
    v, base = broken
    problems = equation_problems(v.probe, BROKEN, base, BROKEN / "index.html")
    assert _has(problems, "(2) -> #equation-eq-a: the equation is numbered (1)")
    assert _has(problems, "(3) -> #equation-eq-missing: no numbered equation there")


def test_the_fixture_is_where_the_tests_expect_it():
    assert Path(BROKEN / "index.html").is_file()
