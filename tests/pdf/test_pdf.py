"""The PDF of the book (``make pdf``), checked as a reader sees it.

Run with ``make pdf-test`` after ``make pdf``. The first pages are rendered to PNG images with
poppler's ``pdftoppm`` (kept in ``--artifacts`` to look at) and must carry ink; the text layer
must hold the title and the table of contents of every part in ``_toc.yml``; and no MyST
syntax or unresolved reference may leak into the typeset text.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from matplotlib.image import imread

ROOT = Path(__file__).resolve().parents[2]
FIRST_PAGES = 6


def _resolve(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else ROOT / path


@pytest.fixture(scope="module")
def pdf(request) -> Path:
    path = _resolve(request.config.getoption("--pdf"))
    assert path.is_file() and path.stat().st_size > 0, f"no PDF at {path}: run make pdf"
    return path


@pytest.fixture(scope="module")
def artifacts(request) -> Path:
    folder = _resolve(request.config.getoption("--artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def text(pdf) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8", errors="replace")


def _squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def _page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    match = re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
    assert match, info.stdout
    return int(match.group(1))


@pytest.fixture(scope="module")
def toc(request) -> dict:
    given = request.config.getoption("--toc")
    path = _resolve(given) if given else ROOT / "_toc.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_first_pages_render_with_ink(pdf, artifacts):
    for old in artifacts.glob("page-*.png"):
        old.unlink()
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            str(FIRST_PAGES),
            str(pdf),
            str(artifacts / "page"),
        ],
        check=True,
    )
    pages = sorted(artifacts.glob("page-*.png"))
    assert len(pages) == FIRST_PAGES, pages
    inked = []
    for png in pages:
        img = imread(png)[..., :3]
        height, width = img.shape[:2]
        assert 1.25 < height / width < 1.45, f"{png.name}: not a portrait page ({width}x{height})"
        ink = float(np.mean(img.mean(axis=-1) < 0.5))
        assert ink < 0.5, f"{png.name}: {ink:.2%} of the page is ink (a rendering failure?)"
        inked.append(ink > 0.001)
    # The title page carries ink; LaTeX's two-sided layout leaves some versos blank.
    assert inked[0] and sum(inked) >= FIRST_PAGES // 2, inked


def test_title_and_every_part_in_the_contents(pdf, text, toc):
    assert _page_count(pdf) >= 2 * FIRST_PAGES
    contents = _squash(text[: text.find("CONTENTS") + 20000])
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert _squash(config["title"]) in _squash(text[:2000])
    for part in toc["parts"]:
        assert _squash(part["caption"]) in contents, part["caption"]


def test_no_markup_or_unresolved_reference_leaks(text):
    # Docstring examples on the API page show MyST on purpose (lines with ">>>").
    prose = "\n".join(line for line in text.splitlines() if ">>>" not in line)
    # references to exercises carry their number (book/_ext/pdf_fixes.py)
    leaks = {
        "MyST role": re.findall(r"\{(?:eq|ref|numref|doc|cite|prf:ref|math)\}`", prose),
        "MyST fence": re.findall(r"^\s*(?:```|:::)\{", prose, re.MULTILINE),
        "unresolved reference": re.findall(r"\?\?", prose),
    }
    assert not any(leaks.values()), {k: v[:5] for k, v in leaks.items() if v}


def test_latex_resolved_every_reference_and_glyph(pdf):
    """The last LaTeX run's log (next to the PDF): no undefined reference, no dead link, no
    character missing from its font (each prints nothing or "??" in the PDF)."""
    log = pdf.with_suffix(".log")
    assert log.is_file(), f"no LaTeX log next to {pdf}"
    text = log.read_text(encoding="utf-8", errors="replace")
    problems = {
        "undefined reference": re.findall(r"Reference `[^']*' on page \d+ undefined", text),
        "dead link": re.findall(r"Hyper reference `[^']*' on page \d+ undefined", text),
        "missing glyph": re.findall(r"Missing character: There is no (\S+)", text),
    }
    assert not any(problems.values()), {k: sorted(set(v))[:5] for k, v in problems.items() if v}
