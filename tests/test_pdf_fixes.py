"""book/_ext/pdf_fixes.py: the label Sphinx's references to an exercise point at in LaTeX."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fixes():
    spec = importlib.util.spec_from_file_location("pdf_fixes", ROOT / "book/_ext/pdf_fixes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _translator(numbers):
    env = SimpleNamespace(toc_fignumbers={"book/x": {"exercise": numbers}})
    return SimpleNamespace(builder=SimpleNamespace(env=env), body=[])


def test_numbered_exercise_gets_the_sphinx_label_with_its_number(fixes):
    node = {"label": "ex-a", "docname": "book/x", "ids": ["ex-a"]}
    out = fixes.exercise_label(_translator({"ex-a": (53,)}), node)
    assert out == (
        r"\expandafter\def\csname @currentlabel\endcsname{53}"
        r"\label{\detokenize{book/x:ex-a}}" + "\n"
    )


def test_unnumbered_exercise_gets_the_label_only_and_unlabelled_nothing(fixes):
    node = {"label": "ex-b", "docname": "book/x", "ids": ["ex-b"]}
    assert fixes.exercise_label(_translator({}), node) == r"\label{\detokenize{book/x:ex-b}}" + "\n"
    assert fixes.exercise_label(_translator({}), {"label": "", "docname": "book/x"}) == ""


def test_the_visitor_writes_the_label_before_the_admonition(fixes):
    def original(self, node):
        self.body.append(r"\phantomsection \label{exercise:ex-a}" + "\n")
        self.body.append(r"\begin{sphinxadmonition}{note}")

    t = _translator({"ex-a": (2,)})
    fixes._with_sphinx_label(original)(t, {"label": "ex-a", "docname": "book/x", "ids": ["ex-a"]})
    # the admonition's title argument must follow \begin{sphinxadmonition}{note} directly
    assert t.body[0].startswith(r"\phantomsection \expandafter") and t.body[-1].endswith("{note}")


def test_preamble_is_extended_once(fixes):
    config = SimpleNamespace(latex_elements={"preamble": "% theirs\n"})
    fixes.extend_preamble(None, config)
    fixes.extend_preamble(None, config)
    assert config.latex_elements["preamble"].count(r"\renewcommand{\setminus}") == 1
    assert config.latex_elements["preamble"].startswith("% theirs")
