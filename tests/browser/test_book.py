"""The built book, checked in headless Chromium as a reader would see it.

Pages checked: every page listed in the build's table of contents (``_toc.yml``, or the
table of contents of a ``make part`` build), plus ``search.html``. For each page:

- it loads (HTTP 200) with no console error, no uncaught exception, no failed request, and no
  request leaving localhost (the book works offline: MathJax and all assets are local);
- math renders: MathJax loaded and finished, every math element holds a rendered container,
  no MathJax error node, and no raw TeX (``$$``, ``\\begin``, ``\\(``) or MyST role left in the
  text;
- every image loads (natural width > 0), including the static figure of every explorer;
- every internal link resolves to a built file and, with a fragment, to an element id there;
  every equation reference points to an equation whose number is the reference's text.

And once: exercise solutions are collapsed and open on click; search finds the chapters that
mention "S-procedure"; every chapter has Binder and Colab launch buttons and ``.md``/``.ipynb``
downloads, hides its Colab preamble, and ships it in the downloadable notebook; the generated
appendix pages (instructors, reproducibility) list what the chapters hold; the equation
concordance has one row per numbered equation of each paper, its coverage table agrees with the
rows, and its links and the chapters' equation citations lead to each other; a screenshot of
each part's first page is saved in the artifacts folder (``_build/browser-artifacts``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .checks import (
    equation_problems,
    html_ids,
    image_problems,
    link_problems,
    load_problems,
    local_target,
    math_problems,
)
from .conftest import ROOT, Site

SEARCH_TERM = "S-procedure"


def pytest_generate_tests(metafunc):
    """Parametrize over the pages of the build under test."""
    if "docname" in metafunc.fixturenames or "chapter" in metafunc.fixturenames:
        from .conftest import _find_toc, _toc_pages

        html = Path(metafunc.config.getoption("--html-dir"))
        html = html if html.is_absolute() else ROOT / html
        pages, _ = _toc_pages(_find_toc(html, metafunc.config.getoption("--toc")))
        if "docname" in metafunc.fixturenames:
            metafunc.parametrize("docname", pages)
        if "chapter" in metafunc.fixturenames:
            chapters = [d for d in pages if re.fullmatch(r"book/[^/]+/\d\d-[^/]+", d)]
            metafunc.parametrize("chapter", chapters)


# ---- every page -------------------------------------------------------------------------------


def test_page_loads_cleanly(visit, docname):
    assert load_problems(visit(docname)) == []


def test_math_renders(visit, docname):
    assert math_problems(visit(docname).probe) == []


def test_images_load(visit, docname):
    assert image_problems(visit(docname).probe) == []


def test_internal_links_resolve(visit, docname, site):
    here = site.html / f"{docname}.html"
    assert link_problems(visit(docname).probe, site.html, site.base_url, here) == []


def test_equation_references_resolve(visit, docname, site):
    here = site.html / f"{docname}.html"
    assert equation_problems(visit(docname).probe, site.html, site.base_url, here) == []


# ---- chapters ---------------------------------------------------------------------------------


def test_chapter_has_launch_and_download_buttons(visit, chapter, site):
    b = visit(chapter).probe["buttons"]
    assert any(h.endswith(f"urlpath=lab/tree/{chapter}.md") for h in b["binder"]), b["binder"]
    assert any(h.endswith(f"/_sources/{chapter}.ipynb") for h in b["colab"]), b["colab"]
    for suffix in (".md", ".ipynb"):
        assert any(h.endswith(f"_sources/{chapter}{suffix}") for h in b["downloads"]), suffix
        assert (site.html / "_sources" / f"{chapter}{suffix}").is_file()


def test_chapter_hides_its_colab_preamble(chapter, site):
    html = (site.html / f"{chapter}.html").read_text(encoding="utf-8")
    assert "google.colab" not in html, "the Colab preamble shows on the page"
    nb = json.loads((site.html / "_sources" / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert "google.colab" in "".join(first["source"]), "the downloaded notebook lacks the preamble"
    assert "remove-cell" in first["metadata"].get("tags", [])


# ---- once per build ---------------------------------------------------------------------------


def test_solutions_are_collapsed_and_open_on_click(context, site, visit):
    with_solutions = [d for d in site.chapters() if visit(d).probe["solutions"]]
    with_exercises = [d for d in site.chapters() if visit(d).probe["exercises"]]
    assert set(with_exercises) <= set(with_solutions), "exercises without a solution"
    if not site.chapters():
        pytest.fail("no chapter in this build")
    assert with_solutions, "no chapter in this build has an exercise solution"
    page = context.new_page()
    opened = 0
    for docname in with_solutions:
        page.goto(site.url(docname), wait_until="load")
        sols = page.locator(".solution.dropdown")
        n = sols.count()
        assert n > 0
        for k in range(n):
            sol = sols.nth(k)
            body = sol.locator(":scope > :not(.admonition-title)").first
            assert not body.is_visible(), f"{docname}: solution {k + 1} is not collapsed"
            # Click where a reader would: on the title's text (a link to the exercise).
            title = sol.locator(".admonition-title").first
            target = title.locator("a").first if title.locator("a").count() else title
            title.scroll_into_view_if_needed()
            box = target.bounding_box()
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            try:
                body.wait_for(state="visible", timeout=5000)
            except PlaywrightTimeout:
                pytest.fail(f"{docname}: solution {k + 1} did not open on click")
            opened += 1
    page.close()
    assert opened == sum(visit(d).probe["solutions"] for d in with_solutions)


def test_search_finds_the_chapters_on_the_s_procedure(context, site):
    # Pages whose text says "S-procedure" (case-sensitive: labels such as lem-s-procedure-multi
    # are not text a reader searches).
    expected = {
        d for d in site.pages if SEARCH_TERM in (ROOT / f"{d}.md").read_text(encoding="utf-8")
    }
    if not expected:
        pytest.fail(f"no page of this build mentions {SEARCH_TERM!r}")
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{site.base_url}/search.html?q={SEARCH_TERM}", wait_until="load")
    page.wait_for_selector("#search-results p.search-summary", timeout=20000)
    hrefs = page.eval_on_selector_all("#search-results li a", "as => as.map(a => a.href)")
    page.screenshot(path=str(site.artifacts / "search-S-procedure.png"))
    page.close()
    found = {re.sub(r"\.html.*$", "", h.split(site.base_url + "/", 1)[1]) for h in hrefs}
    assert errors == []
    assert expected <= found, f"missing from the results: {sorted(expected - found)}"


def test_screenshot_of_each_part(context, site: Site):
    assert site.parts, "no part in the table of contents"
    page = context.new_page()
    for caption, docname in site.parts.items():
        page.goto(site.url(docname), wait_until="load")
        page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
        slug = re.sub(r"[^a-z0-9]+", "-", caption.lower()).strip("-")[:50]
        path = site.artifacts / f"part-{slug}.png"
        page.screenshot(path=str(path))
        assert path.stat().st_size > 10_000, f"{path} looks empty"
    page.close()


def test_instructor_page_lists_every_exercise(context, site):
    from wiretap.assignments import read_chapter

    doc = "book/appendix/instructors"
    if doc not in site.pages:
        pytest.fail(f"{doc} is not in the table of contents")
    expected = [e.label for d in site.chapters() for e in read_chapter(ROOT / f"{d}.md").exercises]
    page = context.new_page()
    page.goto(site.url(doc), wait_until="load")
    rows = page.locator("table.wiretap-exercises tbody tr").count()
    hrefs = page.eval_on_selector_all(
        "table.wiretap-exercises tbody tr td:first-child a", "as => as.map(a => a.href)"
    )
    page.close()
    assert rows == len(expected)
    assert len(hrefs) == len(expected)  # every exercise links to its place in the book


def test_reproducibility_page_shows_every_recorded_figure(context, site):
    doc = "book/appendix/reproducibility"
    if doc not in site.pages:
        pytest.fail(f"{doc} is not in the table of contents")
    candidates = [site.html.parent / "repro", site.html.parent.parent / "repro"]
    folder = next((c for c in candidates if c.is_dir()), None)
    records = sorted(folder.glob("*.json")) if folder else []
    page = context.new_page()
    page.goto(site.url(doc), wait_until="load")
    captions = page.eval_on_selector_all(
        "table.wiretap-repro caption", "cs => cs.map(c => c.textContent)"
    )
    body = " ".join(page.locator("article").inner_text().split())
    page.close()
    assert len(captions) == len(records)
    for path in records:
        rec = json.loads(path.read_text(encoding="utf-8"))
        assert any(rec["figure"] + ": paper vs ours" in c for c in captions), rec["figure"]
        for row in rec["rows"]:
            assert " ".join(row["ours"].split()) in body
    if not records:
        assert "No chapter in this build has recorded a reproduced figure" in body


def test_concordance_page_and_citations_link_both_ways(context, site):
    import yaml

    doc = "book/appendix/concordance"
    if doc not in site.pages:
        pytest.fail(f"{doc} is not in the table of contents")
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    papers = config["sphinx"]["config"]["concordance_papers"]
    page = context.new_page()
    page.goto(site.url(doc), wait_until="load")
    tables = page.evaluate(
        """() => [...document.querySelectorAll("table.concordance-paper")].map((t) =>
             [...t.querySelectorAll("tbody tr")].map((tr) => ({
               id: (tr.querySelector("td:first-child [id]") || {}).id || "",
               status: tr.children[1].textContent.trim(),
               links: [...tr.children[2].querySelectorAll("a")].map((a) => a.href),
             })))"""
    )
    summary = page.eval_on_selector_all(
        "table.concordance-summary tbody tr",
        "trs => trs.map((tr) => [...tr.children].map((td) => td.textContent.trim()))",
    )
    page.close()
    # one table per paper, one row per numbered equation, each row an anchor
    assert len(tables) == len(papers) and len(summary) == len(papers)
    here = site.html / f"{doc}.html"
    cited_from = set()
    for (key, conf), rows, line in zip(papers.items(), tables, summary, strict=True):
        assert [r["id"] for r in rows] == [f"conc-{key}-{n}" for n in range(1, conf["total"] + 1)]
        # the coverage table counts what the rows say
        checked = sum(r["status"] == "checked" for r in rows)
        assert line[1] == str(conf["total"]) and line[2].startswith(f"{checked} ("), line
        assert line[5] == str(sum(r["status"] == "missing" for r in rows)), line
        for r in rows:
            # a missing equation is cited nowhere; any other is cited somewhere
            assert (r["status"] == "missing") == (not r["links"]), r
            for href in r["links"]:
                target = local_target(site.html, site.base_url, href)
                assert target is not None, href
                path, fragment = target
                # each link leads to a citation's anchor, and that citation links back here
                assert path.is_file() and fragment.startswith("peq-"), href
                assert fragment in html_ids(path), href
                text = path.read_text(encoding="utf-8")
                after = text[text.index(f'id="{fragment}"') :][:3000]
                back = re.search(r'href="([^"]*concordance\.html)#(conc-[a-z]+-\d+)"', after)
                assert back and back.group(2).startswith(f"conc-{key}-"), href
                assert (path.parent / back.group(1)).resolve() == here.resolve(), href
                cited_from.add((path.resolve(), fragment))
    # every citation anchor on every page of the build is listed on the concordance page
    anchors = {
        ((site.html / f"{d}.html").resolve(), i)
        for d in site.pages
        if (site.html / f"{d}.html").is_file()
        for i in html_ids(site.html / f"{d}.html")
        if re.fullmatch(r"peq-[a-z]+-\d+-\d+", i)
    }
    assert anchors <= cited_from, sorted(anchors - cited_from)[:5]
