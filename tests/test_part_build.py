"""Tests of .ci/part_build.py, the partial build behind `make part PART=...`."""

import importlib.util
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def part_build():
    spec = importlib.util.spec_from_file_location("part_build", ROOT / ".ci" / "part_build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _entries(toc):
    files, globs = [], []
    for part in toc["parts"]:
        for ch in part["chapters"]:
            files.append(ch.get("file"))
            globs += [s.get("glob") for s in ch.get("sections", [])]
    return files, globs


def test_partial_toc_keeps_frame_foundations_and_the_part(part_build, tmp_path):
    out = tmp_path / "_toc.yml"
    part_build.write_toc("smallcell", out)
    files, globs = _entries(yaml.safe_load(out.read_text()))
    assert "book/smallcell/index" in files and "book/foundations/index" in files
    assert "book/intro/notation" in files and "book/appendix/bibliography" in files
    # no page of another paper part is built (nor executed)
    others = ("book/aauc", "book/isac", "book/mimo_ic")
    assert not [f for f in files + globs if f and f.startswith(others)]


def test_unknown_part_is_refused(part_build, tmp_path):
    with pytest.raises(SystemExit):
        part_build.write_toc("no_such_part", tmp_path / "_toc.yml")


@pytest.mark.parametrize(
    ("line", "tolerated"),
    [
        (
            "book/foundations/03-schur.md:9: WARNING: unknown document: '../aauc/index' [ref.doc]",
            True,
        ),
        ("book/isac/index.md:4: WARNING: undefined label: 'isac-crb' [ref.ref]", True),
        (
            "book/smallcell/02-x.md: WARNING: image file not readable: a.png [image.not_readable]",
            False,
        ),
        (
            "x.md:3: WARNING: Unknown directive type: 'mth' [myst.directive_unknown]",
            False,
        ),
    ],
)
def test_only_cross_references_are_tolerated(part_build, line, tolerated):
    assert bool(part_build.CROSS_REF.search(line)) is tolerated
