"""Regression test for .ci/part_toc.py: partial builds keep every part's landing page.

Foundations chapters link forward to the paper parts with {doc}`../<part>/index`; a partial
build (`make part PART=...`) must contain those landing pages (and only them, not the other
parts' chapters), or the links become "unknown document" warnings that fail the -W build.
"""

import importlib.util
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
LANDING = ["book/mimo_ic/index", "book/aauc/index", "book/smallcell/index", "book/isac/index"]


def _load():
    spec = importlib.util.spec_from_file_location("part_toc", ROOT / ".ci" / "part_toc.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_partial_toc_keeps_all_landing_pages(tmp_path):
    out = tmp_path / "_toc.yml"
    _load().main("foundations", str(out))
    toc = yaml.safe_load(out.read_text())
    files, globs = [], []
    for part in toc["parts"]:
        for ch in part["chapters"]:
            files.append(ch.get("file"))
            globs += [s.get("glob") for s in ch.get("sections", [])]
    for page in LANDING:
        assert page in files
    # no chapters of the paper parts are executed in a Foundations build
    assert not [g for g in globs if g and not g.startswith("book/foundations")]
