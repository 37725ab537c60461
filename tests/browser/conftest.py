"""Fixtures of the browser tests: the built book served on localhost, and headless Chromium.

Run with ``make browser-test`` (after ``make book``), or against a partial build::

    make part PART=smallcell
    make browser-test HTML=_build/part-smallcell/_build/html

The browser is Debian's Chromium (``/usr/bin/chromium``, or ``$WIRETAP_CHROMIUM``) driven by
Playwright; no browser is ever downloaded. Every page listed in the build's table of contents
is loaded once, and what the tests need is read off it in that one visit (see ``visit``).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

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


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


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
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(html, toc, pages, parts, f"http://127.0.0.1:{server.server_port}", artifacts)
    finally:
        server.shutdown()
        server.server_close()


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
    ctx = browser.new_context(viewport=VIEWPORT, service_workers="block")
    local = site.base_url
    ctx.route(
        re.compile(r"^(?!" + re.escape(local) + r"|data:|blob:|about:).*"),
        lambda route: route.abort("blockedbyclient"),
    )
    yield ctx
    ctx.close()


# ---- one visit per page -----------------------------------------------------------------------

PROBE = Path(__file__).with_name("probe.js").read_text(encoding="utf-8")


@dataclass
class Visit:
    docname: str
    status: int
    console_errors: list[str]
    page_errors: list[str]
    failed_requests: list[str]
    external_requests: list[str]
    probe: dict


@pytest.fixture(scope="session")
def visit(context, site):
    """``visit(docname)`` loads a page once (cached) and returns what the tests read off it."""
    cache: dict[str, Visit] = {}

    def load(docname: str) -> Visit:
        if docname in cache:
            return cache[docname]
        page = context.new_page()
        console, errors, failed, external = [], [], [], []
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "requestfailed",
            lambda r: (external if not r.url.startswith(site.base_url) else failed).append(
                f"{r.url} ({r.failure})"
            ),
        )
        page.on(
            "response",
            lambda r: failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None,
        )
        response = page.goto(site.url(docname), wait_until="load")
        probe = page.evaluate(PROBE)
        cache[docname] = Visit(
            docname, response.status if response else 0, console, errors, failed, external, probe
        )
        page.close()
        return cache[docname]

    yield load
    report = {
        d: {
            "console_errors": v.console_errors,
            "page_errors": v.page_errors,
            "failed_requests": v.failed_requests,
            "external_requests": v.external_requests,
            "math": v.probe["math"],
            "images": len(v.probe["images"]),
            "links": len(v.probe["links"]),
            "solutions": v.probe["solutions"],
        }
        for d, v in cache.items()
    }
    (site.artifacts / "pages.json").write_text(json.dumps(report, indent=1), encoding="utf-8")


# ---- static HTML of the build (for link targets) ----------------------------------------------


@pytest.fixture(scope="session")
def ids_of(site):
    """``ids_of(path)``: the element ids of a built HTML file (cached)."""

    @functools.cache
    def ids(path: Path) -> frozenset[str]:
        text = path.read_text(encoding="utf-8", errors="replace")
        return frozenset(unquote(m) for m in re.findall(r'\bid="([^"]+)"', text))

    return ids


def local_target(site: Site, url: str) -> tuple[Path, str] | None:
    """(file, fragment) of a link into the build, or None for an outside link."""
    if not url.startswith(site.base_url + "/"):
        return None
    parts = urlsplit(url)
    path = site.html / unquote(parts.path).lstrip("/")
    if path.is_dir():
        path = path / "index.html"
    return path, unquote(parts.fragment)
