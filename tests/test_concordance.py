"""Tests of the equation concordance (book/_ext/concordance.py) and of the book's coverage.

Three layers:

- the parser of citations (``kong:61``, ``kong:72-76``, ``kong:39,40,42``) and its errors;
- a toy Sphinx project built with the extension (myst-nb notebooks in Markdown, no execution),
  under the HTML and the LaTeX builders: checked / reasoned / missing counts, the links both
  ways, and a warning for every malformed citation;
- the book itself, scanned with regular expressions: every paper keeps at least 95 % of its
  numbered equations checked, and at most 5 % accounted for by a reason.
"""

from __future__ import annotations

import re
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXT = ROOT / "book" / "_ext"


@pytest.fixture(scope="module")
def conc():
    # imported by name from book/_ext, as Sphinx imports it (local_extensions)
    if str(EXT) not in sys.path:
        sys.path.insert(0, str(EXT))
    import concordance

    return concordance


PAPERS = {
    "kong": {"name": "Kong et al.", "short": "Kong", "total": 10},
    "xu": {"name": "Xu et al.", "short": "Xu", "total": 5},
}


# ---- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "numbers"),
    [
        ("61", (61,)),
        ("72-76", (72, 73, 74, 75, 76)),
        ("39,40,42", (39, 40, 42)),
        ("39-41, 46", (39, 40, 41, 46)),
        (" 5 ", (5,)),
        ("72\u201374", (72, 73, 74)),  # an en dash reads as a hyphen
        ("3,3,2", (3, 2)),  # duplicates dropped, first order kept
    ],
)
def test_parse_numbers(conc, spec, numbers):
    assert conc.parse_numbers(spec, total=82) == numbers


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "no equation number"),
        ("7,", "empty item"),
        ("7,,8", "empty item"),
        ("76-72", "first number must be smaller"),
        ("72-72", "first number must be smaller"),
        ("72-", "malformed range"),
        ("1-2-3", "malformed range"),
        ("a", "not an equation number"),
        ("25a", "not an equation number"),
        ("0", "out of range"),
        ("83", "out of range"),
        ("80-83", "out of range"),
    ],
)
def test_parse_numbers_refuses(conc, spec, message):
    with pytest.raises(conc.ConcordanceError, match=message):
        conc.parse_numbers(spec, total=82)


def test_parse_citation_and_reason(conc):
    cit = conc.parse_citation("kong:3-5", PAPERS)
    assert (cit.key, cit.numbers, cit.spec) == ("kong", (3, 4, 5), "3-5")
    cit, reason = conc.parse_reason("xu:2,4 <restated  definition\n of the path loss>", PAPERS)
    assert cit.numbers == (2, 4) and reason == "restated definition of the path loss"
    with pytest.raises(conc.ConcordanceError, match="unknown paper key 'wang'"):
        conc.parse_citation("wang:3", PAPERS)
    with pytest.raises(conc.ConcordanceError, match="no paper key"):
        conc.parse_citation("61", PAPERS)
    with pytest.raises(conc.ConcordanceError, match="out of range"):
        conc.parse_citation("xu:6", PAPERS)
    for bad in ("xu:2", "xu:2 <>", "xu:2 <  >"):
        with pytest.raises(conc.ConcordanceError, match="no reason"):
            conc.parse_reason(bad, PAPERS)


def test_citation_text(conc):
    assert conc.citation_text("Kong", "61") == "Kong (61)"
    assert conc.citation_text("Kong", "72-76") == "Kong (72)\u2013(76)"
    assert conc.citation_text("Kong", "39,40, 42") == "Kong (39), (40), (42)"


def test_config_is_validated(conc):
    assert conc.validate_papers(PAPERS) is PAPERS
    for bad in ([], {"kong": 82}, {"kong": {"total": 0}}, {"kong": {"total": "82"}}):
        with pytest.raises(conc.ConcordanceError):
            conc.validate_papers(bad)


# ---- a toy project -----------------------------------------------------------------------------

NB_HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""

CHAPTER = (
    NB_HEADER
    + """
# Chapter one

## Checked here

The step {peq}`kong:1-3` is derived, then checked.

```{code-cell} ipython3
x = 1
```

```{code-cell} ipython3
assert abs(x - 1) < 1e-12
```

### A subsection

More on {peq}`kong:4`, whose check is in the subsection.

```{code-cell} ipython3
import numpy as np
np.testing.assert_allclose(x, 1.0)
```

## Cited, the check comes before

```{code-cell} ipython3
assert x == 1
```

We cite {peq}`kong:5,7` after the only cell of this section.

## Cited, the check is in the next section

{peq}`kong:6`, and {peq-reason}`kong:8 <a restated definition>`.

## A cell without assert does not check

{peq}`xu:1`

```{code-cell} ipython3
y = "no check"
```

## Next

```{code-cell} ipython3
assert y
```

## A removed cell does not check

{peq}`xu:3`

```{code-cell} ipython3
:tags: [remove-cell]
assert y
```

```{code-cell} ipython3
---
tags: [remove-input]
---
assert y
```
"""
)

PLAIN = """# Plain page

A Markdown page (not a notebook) can cite too: {peq}`xu:2`, with no code cell to check it.
"""

BAD = (
    NB_HEADER
    + """
# Bad citations

{peq}`kong:83` {peq}`wang:1` {peq}`kong:5-3` {peq}`kong:x` {peq}`61` {peq-reason}`kong:2`

```{code-cell} ipython3
assert True
```
"""
)

CONC = """# Concordance

```{concordance} summary
```

## Kong

```{concordance} kong
```

## Xu

```{concordance} xu
```
"""


def _write_project(src: Path, *, bad: bool = False, extra: int = 0) -> None:
    src.mkdir(parents=True, exist_ok=True)
    extras = [f"extra{n}" for n in range(extra)]
    docs = ["chapter", "plain", "concordance", *extras] + (["bad"] if bad else [])
    (src / "index.md").write_text(
        "# Toy\n\n```{toctree}\n" + "\n".join(docs) + "\n```\n", encoding="utf-8"
    )
    for name in extras:  # each cites kong (9), without a check
        (src / f"{name}.md").write_text(f"# {name}\n\nSee {{peq}}`kong:9`.\n", encoding="utf-8")
    (src / "chapter.md").write_text(CHAPTER, encoding="utf-8")
    (src / "plain.md").write_text(PLAIN, encoding="utf-8")
    (src / "concordance.md").write_text(CONC, encoding="utf-8")
    if bad:
        (src / "bad.md").write_text(BAD, encoding="utf-8")


def _sphinx(src: Path, builder: str, overrides: dict, *, fresh: bool, parallel: int = 0):
    """Build ``src`` in this process (a fresh docutils registry each time, as sphinx-build)."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    warnings = StringIO()
    with patch_docutils(str(src)), docutils_namespace():
        app = Sphinx(
            srcdir=str(src),
            confdir=None,
            outdir=str(src / "_build" / builder),
            doctreedir=str(src / "_build" / "doctrees"),
            buildername=builder,
            confoverrides=overrides,
            status=None,
            warning=warnings,
            freshenv=fresh,
            parallel=parallel,
        )
        app.build()
    return app, re.sub(r"\x1b\[[0-9;]*m", "", warnings.getvalue())


OVERRIDES = {
    "extensions": ["myst_nb", "concordance"],
    "nb_execution_mode": "off",
    "concordance_papers": PAPERS,
    "exclude_patterns": ["_build"],
    "latex_documents": [("index", "toy.tex", "Toy", "A", "manual")],
}


def _build(src: Path, builder: str = "html", *, bad: bool = False):
    _write_project(src, bad=bad)
    if str(EXT) not in sys.path:
        sys.path.insert(0, str(EXT))
    return _sphinx(src, builder, OVERRIDES, fresh=True)


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    src = tmp_path_factory.mktemp("toy")
    app, warnings = _build(src)
    return app, warnings, src


def test_toy_builds_clean_and_counts(conc, toy):
    app, warnings, _ = toy
    assert "WARNING" not in warnings, warnings
    cov = conc.coverage(app.env, PAPERS)
    # kong: 1-4 checked; 5, 6, 7 cited without a check after them in their section;
    # 8 reasoned; 9, 10 missing. xu: 1 (no assert in its section), 2 (no cell), 3 (its
    # asserts are in cells whose source the page does not show) unchecked.
    assert cov["kong"] == {"checked": 4, "reasoned": 1, "unchecked": 3, "missing": 2, "total": 10}
    assert cov["xu"] == {"checked": 0, "reasoned": 0, "unchecked": 3, "missing": 2, "total": 5}
    entries = app.env.concordance_entries
    assert set(entries) == {"chapter", "plain"}
    sections = {e["numbers"]: e["section"] for e in entries["chapter"]}
    assert sections[(1, 2, 3)] == "Checked here" and sections[(4,)] == "A subsection"


def _html(src: Path, name: str) -> str:
    return (src / "_build" / "html" / f"{name}.html").read_text(encoding="utf-8")


def _anchors(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


def test_toy_links_resolve_both_ways(toy):
    _, _, src = toy
    chapter, conc_page = _html(src, "chapter"), _html(src, "concordance")
    # the citation renders as "Kong (1)–(3)", each number a link to its row
    text = re.sub(r"<[^>]+>", "", chapter)
    assert "Kong (1)\u2013(3)" in text and "Kong (5), (7)" in text
    links = re.findall(r'href="concordance\.html#([^"]+)"', chapter)
    assert {"conc-kong-1", "conc-kong-3", "conc-kong-5", "conc-kong-7"} <= set(links)
    assert set(links) <= _anchors(conc_page)
    # the concordance links back to each citation's anchor, and every anchor exists
    back = re.findall(r'href="(chapter|plain)\.html#([^"]+)"', conc_page)
    assert back
    for page, anchor in back:
        assert anchor in _anchors(_html(src, page)), (page, anchor)
    # one row per equation; the summary links to each paper's table
    assert {f"conc-kong-{n}" for n in range(1, 11)} <= _anchors(conc_page)
    assert 'href="#conc-kong"' in conc_page and "conc-kong" in _anchors(conc_page)
    assert "a restated definition" in conc_page


def test_toy_rows_say_the_status(toy):
    _, _, src = toy
    page = _html(src, "concordance")
    rows = dict(re.findall(r'id="conc-kong-(\d+)".*?</td>\s*<td><p>([^<]*)</p>', page, re.S))
    assert rows["1"] == "checked" and rows["4"] == "checked"
    assert rows["5"] == "cited, no check follows" and rows["6"] == "cited, no check follows"
    assert rows["8"] == "reason: a restated definition" and rows["9"] == "missing"


def test_toy_incremental_build_keeps_entries(conc, tmp_path):
    _, warnings = _build(tmp_path)
    assert "WARNING" not in warnings
    # touch one chapter: a second (incremental) build re-reads it and the concordance page
    (tmp_path / "plain.md").write_text(PLAIN.replace("xu:2", "xu:3"), encoding="utf-8")
    # (_write_project is not called again: plain.md keeps the edit)
    app2, warnings = _sphinx(tmp_path, "html", OVERRIDES, fresh=False)
    assert "WARNING" not in warnings
    cov = conc.coverage(app2.env, PAPERS)
    assert cov["kong"]["checked"] == 4  # chapter.md was not re-read, its entries persist
    assert cov["xu"]["unchecked"] == 2
    assert [e["numbers"] for e in app2.env.concordance_entries["plain"]] == [(3,)]
    assert "conc-xu-3" in _html(tmp_path, "plain")
    # the concordance page was re-read although its source did not change
    page = _html(tmp_path, "concordance")
    assert 'href="plain.html#peq-xu-3-0"' in page and "plain.html#peq-xu-2" not in page


def test_toy_parallel_read_merges_the_entries(conc, tmp_path, monkeypatch):
    # more than 5 documents, so that Sphinx really reads them in two processes
    _write_project(tmp_path, extra=6)
    merged: list[str] = []

    def spy(app, env, docnames, other):
        merged.extend(docnames)
        return original(app, env, docnames, other)

    original = conc.on_env_merge_info
    monkeypatch.setattr(conc, "on_env_merge_info", spy)  # connected by setup() at build time
    app, warnings = _sphinx(tmp_path, "html", OVERRIDES, fresh=True, parallel=2)
    assert "WARNING" not in warnings, warnings
    assert sorted(merged) == sorted(app.env.found_docs)  # every document came from a worker
    entries = app.env.concordance_entries
    assert {f"extra{n}" for n in range(6)} <= set(entries) and "chapter" in entries
    assert app.env.concordance_pages == {"concordance"}
    cov = conc.coverage(app.env, PAPERS)
    assert cov["kong"] == {"checked": 4, "reasoned": 1, "unchecked": 4, "missing": 1, "total": 10}
    page = _html(tmp_path, "concordance")
    assert all(f'href="extra{n}.html#peq-kong-9-0"' in page for n in range(6))


def test_toy_warns_on_every_bad_citation(tmp_path):
    _, warnings = _build(tmp_path, bad=True)
    lines = [ln for ln in warnings.splitlines() if "concordance" in ln]
    expected = (
        "kong:83`: equation (83) is out of range",
        "wang:1`: unknown paper key 'wang'",
        "kong:5-3`: malformed range",
        "kong:x`: 'x' is not an equation number",
        "61`: '61' has no paper key",
        "kong:2`: 'kong:2' gives no reason",
    )
    for what in expected:
        assert any(what in ln and "bad.md" in ln for ln in lines), (what, warnings)
    assert len(lines) == len(expected)


def test_toy_builds_under_latex(tmp_path):
    _, warnings = _build(tmp_path, "latex")
    assert "WARNING" not in warnings, warnings
    tex = (tmp_path / "_build" / "latex" / "toy.tex").read_text(encoding="utf-8")
    # citations are hyperrefs to the rows, the rows and the citations' anchors are labels
    assert r"\hyperref[\detokenize{concordance:conc-kong-1}]" in tex
    assert r"\label{\detokenize{concordance:conc-kong-1}}" in tex
    back = re.findall(r"\\hyperref\[\\detokenize\{chapter:(peq-[^}]+)\}\]", tex)
    assert back
    for anchor in back:
        assert rf"\label{{\detokenize{{chapter:{anchor}}}}}" in tex
    assert "peq_key" not in tex and "concordance_what" not in tex


# ---- the book ----------------------------------------------------------------------------------

ROLE = re.compile(r"\{(peq|peq-reason)\}`([^`]*)`")
HEADING = re.compile(r"^(#{1,6})\s")
FENCE = re.compile(r"^(`{3,}|~{3,})\s*(\{[^}]*\})?")
ASSERT = re.compile(r"\bassert")


_REMOVED = re.compile(r"remove[-_](cell|input)")


def _cell_header(body: list[str]) -> str:
    """The options of a ``{code-cell}``: ``:key: value`` lines or a leading ``---`` YAML block."""
    if body and body[0].strip() == "---":
        end = next((k for k in range(1, len(body)) if body[k].strip() == "---"), 0)
        return "\n".join(body[1:end])
    return "\n".join(line for line in body if line.startswith(":"))


def book_papers() -> dict:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["sphinx"]["config"]["concordance_papers"]


def scan_markdown(text: str):
    """Citations of one chapter, as (role, content, checked) with the doctree's rule.

    A citation is checked when a ``{code-cell}`` whose source holds ``assert`` follows it
    before the next heading of the same or a higher level than the heading above it.
    """
    lines = text.splitlines()
    blocks = []  # ("heading", level) / ("text", line) / ("cell", source)
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE.match(line)
        if fence:
            ticks, body = fence.group(1), []
            i += 1
            while i < len(lines) and not lines[i].startswith(ticks):
                body.append(lines[i])
                i += 1
            if fence.group(2) == "{code-cell}":
                # a cell whose source the page does not show (remove-cell, remove-input) is
                # not in the doctree's cell_input: it does not check anything
                hidden = _REMOVED.search(_cell_header(body))
                blocks.append(("hidden" if hidden else "cell", "\n".join(body)))
            else:  # a directive's body (math, exercise, figure...) may cite too
                blocks.append(("text", "\n".join(body)))
        elif HEADING.match(line):
            blocks.append(("heading", len(HEADING.match(line).group(1))))
        else:
            blocks.append(("text", line))
        i += 1
    out = []
    level = 0
    for k, (kind, value) in enumerate(blocks):
        if kind == "heading":
            level = value
            continue
        if kind != "text":
            continue
        for m in ROLE.finditer(value):
            checked = False
            for kind2, value2 in blocks[k + 1 :]:
                if kind2 == "heading" and value2 <= level:
                    break
                if kind2 == "cell" and ASSERT.search(value2):
                    checked = True
                    break
            out.append((m.group(1), m.group(2), checked))
    return out


def book_coverage(conc) -> dict[str, dict[str, set]]:
    papers = book_papers()
    status = {k: {"checked": set(), "reasoned": set(), "cited": set()} for k in papers}
    for path in sorted((ROOT / "book").rglob("*.md")):
        if "_build" in path.parts:
            continue
        for role, content, checked in scan_markdown(path.read_text(encoding="utf-8")):
            if role == "peq":
                cit = conc.parse_citation(content, papers)
                status[cit.key]["checked" if checked else "cited"].update(cit.numbers)
            else:
                cit, _ = conc.parse_reason(content, papers)
                status[cit.key]["reasoned"].update(cit.numbers)
    for s in status.values():
        s["reasoned"] -= s["checked"]
    return status


def test_scanner_agrees_with_the_doctree_on_the_toy(conc):
    found = scan_markdown(CHAPTER)
    checked = [c for role, c, ok in found if role == "peq" and ok]
    unchecked = [c for role, c, ok in found if role == "peq" and not ok]
    assert checked == ["kong:1-3", "kong:4"]
    assert unchecked == ["kong:5,7", "kong:6", "xu:1", "xu:3"]


def test_book_config_matches_the_papers():
    papers = book_papers()
    assert {k: v["total"] for k, v in papers.items()} == {
        "kong": 82,
        "wang": 66,
        "tang": 65,
        "xu": 143,
    }


def test_book_cites_only_valid_equations(conc):
    book_coverage(conc)  # raises ConcordanceError on a bad citation


@pytest.mark.parametrize("key", ["kong", "wang", "tang", "xu"])
def test_book_checks_95_percent_of_each_paper(conc, key):
    papers = book_papers()
    total = papers[key]["total"]
    status = book_coverage(conc)[key]
    checked, reasoned = status["checked"], status["reasoned"]
    missing = sorted(set(range(1, total + 1)) - checked - reasoned)
    assert len(checked) >= 0.95 * total, (
        f"{key}: {len(checked)} of {total} checked; not checked: "
        f"{sorted(set(range(1, total + 1)) - checked)} (of which neither checked nor reasoned: "
        f"{missing})"
    )
    assert len(reasoned) <= 0.05 * total, f"{key}: {len(reasoned)} reasoned (at most 5 %)"
