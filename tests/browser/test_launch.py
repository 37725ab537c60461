"""Launch buttons point where the publish step puts what they open.

``make publish`` commits the built HTML folder to ``PUBLISH_BRANCH`` (``tests/test_publish.py``
checks that recipe on a scratch repository). Here, in the built book: each chapter's Colab
button opens ``blob/<PUBLISH_BRANCH>/<path>`` of the repository named in ``_config.yml``, that
path exists in the built folder (so it exists on the branch once published), and the notebook
there installs the ``wiretap`` of a commit of this repository, not a moving branch. Each Binder
button opens a chapter file that exists in the repository.
"""

from __future__ import annotations

import json
import re
import subprocess
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from .conftest import ROOT
from .test_book import pytest_generate_tests  # noqa: F401  (parametrizes `chapter`)

COLAB = re.compile(r"^https://colab\.research\.google\.com/github/([^/]+/[^/]+)/blob/([^/]+)/(.+)$")
BINDER = re.compile(r"^https://mybinder\.org/v2/gh/([^/]+/[^/]+)/([^/?]+)\?(.+)$")


def _config():
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def _repo() -> str:
    url = _config()["repository"]["url"].rstrip("/")
    assert url.startswith("https://github.com/"), url
    return url.removeprefix("https://github.com/")


def _publish_branch() -> str:
    m = re.search(r"^PUBLISH_BRANCH \?= (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert m
    return m.group(1)


def _is_commit_of_this_repo(ref: str) -> bool:
    if not re.fullmatch(r"[0-9a-f]{40}", ref):
        return False
    done = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{ref}^{{commit}}"], capture_output=True
    )
    return done.returncode == 0


def test_colab_opens_the_published_notebook_pinned_to_a_commit(visit, chapter, site):
    hrefs = visit(chapter).probe["buttons"]["colab"]
    assert len(hrefs) == 1, hrefs
    m = COLAB.match(hrefs[0])
    assert m, hrefs[0]
    repo, branch, path = m.groups()
    assert repo == _repo()
    assert branch == _publish_branch(), "Colab looks on another branch than make publish writes"
    target = site.html / path
    assert target.is_file(), f"{path} is not in the built site, so not on {branch} once published"
    nb = json.loads(target.read_text(encoding="utf-8"))
    install = next(c for c in nb["cells"] if c["cell_type"] == "code")
    source = "".join(install["source"])
    pin = re.search(r"git\+https://github\.com/([^@\"]+)@([^\"]+)\"", source)
    assert pin, f"the install cell is not pinned: {source}"
    assert pin.group(1) == _repo()
    ref = pin.group(2)
    if not re.fullmatch(r"v\d+\.\d+\.\d+.*", ref):
        if not (ROOT / ".git").exists():
            pytest.fail("the install cell is pinned to a commit, but this is not a git checkout")
        assert _is_commit_of_this_repo(ref), f"{ref} is not a commit of this repository"


def test_binder_opens_a_chapter_of_the_repository(visit, chapter):
    hrefs = visit(chapter).probe["buttons"]["binder"]
    assert hrefs
    for href in hrefs:
        m = BINDER.match(href)
        assert m, href
        repo, branch, query = m.groups()
        assert repo == _repo()
        assert branch == _config()["repository"]["branch"]
        path = parse_qs(query)["urlpath"][0].removeprefix("lab/tree/")
        assert (ROOT / path).is_file(), path
        assert urlparse(href).scheme == "https"
