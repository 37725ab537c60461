"""Fixtures of the browser tests: the built book served on localhost, and headless Chromium.

Run with ``make browser-test`` (after ``make book``), or against a partial build::

    make part PART=smallcell
    make browser-test HTML=_build/part-smallcell/_build/html

The browser is Debian's Chromium (``/usr/bin/chromium``, or ``$WIRETAP_CHROMIUM``) driven by
Playwright; no browser is ever downloaded. Every page listed in the build's table of contents
is loaded once, and what the tests need is read off it in that one visit (see ``visit``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from .checks import Visit, load, offline_context, serve

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("WIRETAP_CHROMIUM", "/usr/bin/chromium")
# Flags for a root user in a container with no network but the package registries.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1280, "height": 900}


# ---- the build under test ---------------------------------------------------------------------


@dataclass
class Site:
    html: Path
    toc: Path
    pages: list[str]  # docnames, in table-of-contents order
    parts: dict[str, str]  # part caption -> docname of its first page
    base_url: str = ""
    artifacts: Path = field(default_factory=Path)

    def url(self, docname: str) -> str:
        return f"{self.base_url}/{docname}.html"

    def chapters(self) -> list[str]:
        """Numbered chapters (book/<part>/NN-slug)."""
        return [d for d in self.pages if re.fullmatch(r"book/[^/]+/\d\d-[^/]+", d)]


def _toc_pages(toc: Path) -> tuple[list[str], dict[str, str]]:
    data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    pages: list[str] = [data["root"]]
    parts: dict[str, str] = {}

    def visit(entries, caption=None):
        for e in entries or []:
            found = []
            if "file" in e:
                found = [e["file"]]
            elif "glob" in e:
                found = [
                    p.relative_to(ROOT).with_suffix("").as_posix()
                    for p in sorted(ROOT.glob(e["glob"] + ".md"))
                ]
            for d in found:
                pages.append(d)
                if caption and caption not in parts:
                    parts[caption] = d
            visit(e.get("sections"), caption)

    for part in data.get("parts", []):
        visit(part.get("chapters"), part.get("caption"))
    visit(data.get("chapters"))
    return list(dict.fromkeys(pages)), parts


def _find_toc(html: Path, option: str | None) -> Path:
    if option:
        return Path(option)
    # make part builds into _build/part-X/_build/html with its table of contents in _build/part-X
    beside = html.parent.parent / "_toc.yml"
    return beside if beside.is_file() else ROOT / "_toc.yml"


@pytest.fixture(scope="session")
def site(pytestconfig):
    html = Path(pytestconfig.getoption("--html-dir"))
    html = html if html.is_absolute() else ROOT / html
    if not (html / "index.html").is_file():
        pytest.fail(f"no built book in {html}: run `make book` (or make part) first")
    toc = _find_toc(html, pytestconfig.getoption("--toc"))
    pages, parts = _toc_pages(toc)
    artifacts = Path(pytestconfig.getoption("--artifacts"))
    artifacts = artifacts if artifacts.is_absolute() else ROOT / artifacts
    shutil.rmtree(artifacts, ignore_errors=True)
    artifacts.mkdir(parents=True)
    with serve(html) as base_url:
        yield Site(html, toc, pages, parts, base_url, artifacts)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: apt-get install chromium (see .ci/run)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def context(browser, site):
    ctx = offline_context(browser, site.base_url, viewport=VIEWPORT)
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def visit(context, site):
    """``visit(docname)`` loads a page once (cached) and returns what the tests read off it."""
    cache: dict[str, Visit] = {}

    def get(docname: str) -> Visit:
        if docname not in cache:
            cache[docname] = load(context, site.url(docname), site.base_url)
        return cache[docname]

    yield get
    report = {
        d: {
            "console_errors": v.console_errors,
            "page_errors": v.page_errors,
            "failed_requests": v.failed_requests,
            "external_requests": v.external_requests,
            "math": v.probe["math"],
            "images": len(v.probe["images"]),
            "links": len(v.probe["links"]),
            "equation_refs": len(v.probe["eqrefs"]),
            "solutions": v.probe["solutions"],
            "explorers": len(v.probe["explorers"]),
        }
        for d, v in cache.items()
    }
    (site.artifacts / "pages.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
