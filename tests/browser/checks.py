"""What the browser tests check on a page, as functions returning the problems found.

Used by ``test_book.py`` on the built book (each must return no problem) and by
``test_checks.py`` on a deliberately broken fixture site (each must find its problem).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

PROBE = Path(__file__).with_name("probe.js").read_text(encoding="utf-8")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve a folder on 127.0.0.1 (a free port) and yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def offline_context(browser, base_url: str, **options):
    """A browser context in which every request that leaves ``base_url`` is blocked."""
    ctx = browser.new_context(service_workers="block", **options)
    ctx.route(
        re.compile(r"^(?!" + re.escape(base_url) + r"|data:|blob:|about:).*"),
        lambda route: route.abort("blockedbyclient"),
    )
    return ctx


@dataclass
class Visit:
    url: str
    status: int
    console_errors: list[str]
    page_errors: list[str]
    failed_requests: list[str]
    external_requests: list[str]
    probe: dict


def load(context, url: str, base_url: str) -> Visit:
    """Open ``url`` in a new page, record what goes wrong while it loads, and probe it."""
    page = context.new_page()
    console, errors, failed, external = [], [], [], []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "requestfailed",
        lambda r: (failed if r.url.startswith(base_url) else external).append(
            f"{r.url} ({r.failure})"
        ),
    )
    page.on(
        "response",
        lambda r: failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None,
    )
    try:
        response = page.goto(url, wait_until="load")
        probe = page.evaluate(PROBE)
    finally:
        page.close()
    status = response.status if response else 0
    return Visit(url, status, console, errors, failed, external, probe)


# ---- checks -------------------------------------------------------------------------------------


def load_problems(v: Visit) -> list[str]:
    out = [] if v.status == 200 else [f"HTTP status {v.status}"]
    out += [f"console error: {m}" for m in v.console_errors]
    out += [f"uncaught exception: {m}" for m in v.page_errors]
    out += [f"failed request: {m}" for m in v.failed_requests]
    out += [f"request leaving localhost: {m}" for m in v.external_requests]
    if not v.probe["h1"].strip():
        out.append("no H1 title")
    return out


def math_problems(probe: dict) -> list[str]:
    math = probe["math"]
    out = []
    if math["elements"] and not (math["mathjax"] or "").startswith("3."):
        out.append(f"{math['elements']} math elements but MathJax 3 is not loaded")
    out += [f"math not rendered: {t}" for t in math["unrendered"]]
    out += [f"MathJax error: {t}" for t in math["errors"]]
    out += [f"raw TeX or MyST in the text: ...{t}..." for t in probe["rawTex"]]
    return out


def image_problems(probe: dict) -> list[str]:
    out = [f"image did not load: {i['src']}" for i in probe["images"] if i["width"] == 0]
    for k, ex in enumerate(probe["explorers"]):
        if not (ex["hasFigure"] and ex["width"] > 0):
            out.append(f"explorer {k + 1} has no static figure")
    return out


def local_target(html: Path, base_url: str, url: str) -> tuple[Path, str] | None:
    """(file, fragment) of a link into the site, or None for an outside link."""
    if not url.startswith(base_url + "/"):
        return None
    parts = urlsplit(url)
    path = html / unquote(parts.path).lstrip("/")
    if path.is_dir():
        path = path / "index.html"
    return path, unquote(parts.fragment)


@functools.cache
def html_ids(path: Path) -> frozenset[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return frozenset(unquote(m) for m in re.findall(r'\bid="([^"]+)"', text))


@functools.cache
def equation_numbers(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    found = re.findall(
        r'<div class="math[^"]*" id="(equation-[^"]+)">\s*<span class="eqno">(\([^<]*\))', text
    )
    return dict(found)


def link_problems(probe: dict, html: Path, base_url: str, here: Path) -> list[str]:
    out = []
    for link in probe["links"]:
        target = local_target(html, base_url, link["href"])
        if target is None:
            continue
        path, fragment = target
        if not path.is_file():
            out.append(f"{link['href']} ({link['text']}): no such file")
        elif fragment and path.suffix == ".html":
            known = set(probe["ids"]) if path == here else html_ids(path)
            if fragment not in known:
                out.append(f"{link['href']} ({link['text']}): no element #{fragment}")
    return out


def equation_problems(probe: dict, html: Path, base_url: str, here: Path) -> list[str]:
    out = []
    for ref in probe["eqrefs"]:
        target = local_target(html, base_url, ref["href"])
        if target is None:
            out.append(f"{ref['text']}: equation reference outside the book ({ref['href']})")
            continue
        path, fragment = target
        numbers = probe["eqnos"] if path == here else equation_numbers(path)
        number = numbers.get(fragment)
        if number is None:
            out.append(f"{ref['text']} -> #{fragment}: no numbered equation there")
        elif ref["text"] != number:
            out.append(f"{ref['text']} -> #{fragment}: the equation is numbered {number}")
    return out
