"""`make publish-html` puts the built book where the Colab button looks for it.

The test runs the Makefile's own recipe on a tiny built site inside a scratch git repository
(never this one), then checks the branch it wrote against the Colab link the book's Sphinx
extension builds and against the install cell the extension pins.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is required")


def _ext():
    spec = importlib.util.spec_from_file_location(
        "wiretap_pages", ROOT / "book/_ext/wiretap_pages.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _pin(html: Path, srcdir: Path, ref: str, url: str) -> None:
    """Run the extension's build-finished step on a built site, as a build would."""
    app = SimpleNamespace(
        config=SimpleNamespace(wiretap_book_ref=ref, html_theme_options={"repository_url": url}),
        srcdir=str(srcdir),
        outdir=str(html),
        builder=SimpleNamespace(format="html"),
    )
    _ext().pin_colab_notebooks(app, None)


def _git(repo, *args):
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


def _site(html: Path) -> None:
    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# A chapter"], "id": "a"},
            {
                "cell_type": "code",
                "metadata": {},
                "source": ["import wiretap"],
                "id": "b",
                "outputs": [],
                "execution_count": None,
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (html / "_sources/book/part").mkdir(parents=True)
    (html / "_sources/book/part/01-chapter.ipynb").write_text(json.dumps(nb))
    (html / "index.html").write_text("<html></html>")


def _branch_default() -> str:
    source = (ROOT / "book/_ext/wiretap_pages.py").read_text()
    m = re.search(r'add_config_value\("wiretap_colab_branch", "([^"]*)"', source)
    assert m, "wiretap_colab_branch has no default in the extension"
    return m.group(1)


def _make_branch() -> str:
    m = re.search(r"^PUBLISH_BRANCH \?= (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert m, "Makefile has no PUBLISH_BRANCH"
    return m.group(1)


def test_publish_branch_is_the_branch_colab_opens():
    assert _make_branch() == _branch_default()


def test_publish_html_writes_the_notebooks_colab_opens(tmp_path):
    if not (BIN / "ghp-import").exists():
        pytest.fail("ghp-import is missing from the environment (requirements.txt pins it)")
    repo, html = tmp_path / "repo", tmp_path / "html"
    repo.mkdir()
    html.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(
        repo,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "root",
    )
    _site(html)
    # the extension pins the notebooks at build-finished; do what a build does, on this site
    _pin(html, repo, ref="", url="https://example.org/o/r/")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(repo),
            "-f",
            str(ROOT / "Makefile"),
            "publish-html",
            f"HTML={html}",
            f"BIN={BIN}",
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    branch = _make_branch()
    files = _git(repo, "ls-tree", "-r", "--name-only", branch).split()
    assert ".nojekyll" in files, "GitHub Pages would drop the _sources folder"
    # the Colab button opens blob/<branch>/_sources/<page>.ipynb (see the extension)
    page = "book/part/01-chapter"
    assert f"_sources/{page}.ipynb" in files
    nb = json.loads(_git(repo, "show", f"{branch}:_sources/{page}.ipynb"))
    first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    source = "".join(first_code["source"])
    head = _git(repo, "rev-parse", "HEAD").strip()
    assert f"git+https://example.org/o/r@{head}" in source, source
    assert "remove-cell" in first_code["metadata"]["tags"]
    assert nb["cells"][0]["cell_type"] == "markdown", "the title stays first"


def test_pinning_replaces_an_old_install_cell(tmp_path):
    html = tmp_path / "html"
    html.mkdir()
    _site(html)
    path = html / "_sources/book/part/01-chapter.ipynb"
    nb = json.loads(path.read_text())
    old = 'import subprocess, sys\nif "google.colab" in sys.modules:\n    pass\n'
    nb["cells"].insert(
        1,
        {
            "cell_type": "code",
            "metadata": {},
            "source": old,
            "id": "c",
            "outputs": [],
            "execution_count": None,
        },
    )
    path.write_text(json.dumps(nb))
    _pin(html, tmp_path, ref="v9.9", url="https://e.org/r")
    cells = json.loads(path.read_text())["cells"]
    installs = [
        c for c in cells if c["cell_type"] == "code" and "google.colab" in "".join(c["source"])
    ]
    assert len(installs) == 1
    assert "@v9.9" in "".join(installs[0]["source"])
