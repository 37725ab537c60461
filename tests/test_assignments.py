"""Tests of wiretap.teaching: reading chapters, stubs, otter assignments, and the book.

The fixture chapter ``tests/fixtures/chapters/drill/01-secrecy-drill.md`` follows the
exercise conventions of CONTRIBUTING.md (two graded exercises, one derivation), so these
tests do not depend on the book's own chapters. Grading with ``otter run`` (and the cheating
notebook) is tested in ``tests/test_grading.py``. The last tests check the real chapters:
their exercise conventions, that none carries its own Colab install cell, and that
`make assignments` covers every chapter with exercises.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import jupytext
import nbformat
import pytest

from wiretap import assignments as asg
from wiretap.teaching import gate
from wiretap.teaching.cli import main
from wiretap.teaching.convert import chapter_pieces, make_stub, solution_names
from wiretap.teaching.myst import ExerciseMeta, all_chapters, myst_to_markdown, read_chapter
from wiretap.teaching.otter_emit import check_spec, master_notebook, setup_slice
from wiretap.teaching.pack import build_pack

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "chapters" / "drill" / "01-secrecy-drill.md"
KEY = "drill-01-secrecy-drill"

SKELETON = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

(x-ch)=
# A chapter

```{{code-cell}} ipython3
x = 1
```

{body}
"""


def _raw(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "raw"]


def _chapter(tmp_path, body, name="01-x.md"):
    folder = tmp_path / "part"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(SKELETON.format(body=body), encoding="utf-8")
    return path


# ---- metadata ---------------------------------------------------------------------------------


def test_meta_parses_all_fields():
    m = ExerciseMeta.parse("difficulty=3 time=45 uses=wiretap.a.f,wiretap.b.g")
    assert m == ExerciseMeta(3, 45, ("wiretap.a.f", "wiretap.b.g"))
    assert ExerciseMeta.parse("time=5 difficulty=1 uses=").uses == ()


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("difficulty=2", "integer time"),
        ("time=10", "integer difficulty"),
        ("difficulty=4 time=10", "1, 2 or 3"),
        ("difficulty=2 time=0", "positive number of minutes"),
        ("difficulty=2 time=10 level=hard", "cannot read 'level=hard'"),
        ("difficulty=two time=10", "integer difficulty"),
    ],
)
def test_meta_errors(body, match):
    with pytest.raises(ValueError, match=match):
        ExerciseMeta.parse(body, "ch.md")


# ---- reading a chapter ------------------------------------------------------------------------


def test_fixture_chapter_is_read():
    ch = read_chapter(FIXTURE)
    assert ch.key == KEY and ch.title == "Secrecy-rate drill (test fixture)"
    assert [e.label for e in ch.exercises] == ["ex-fix-rate", "ex-fix-breakeven", "ex-fix-why"]
    assert [e.graded for e in ch.exercises] == [True, True, False]
    assert ch.exercises[0].meta == ExerciseMeta(
        1, 10, ("wiretap.rates.sinr_rate", "wiretap.rates.secrecy_rate")
    )
    assert all(e.has_solution for e in ch.exercises)
    assert ch.problems == ()


def test_read_chapter_rejects_bad_paths(tmp_path):
    with pytest.raises(ValueError, match=r"existing \.md chapter"):
        read_chapter(tmp_path / "nope.md")


EX = """\
% exercise-meta: difficulty=1 time=5 uses=
```{{exercise}} Title
:label: {label}
Do it.
```
"""
SOL_START = "````{{solution-start}} {label}\n:class: dropdown\n````\n"
SOL_END = "````{solution-end}\n````\n"
CODE = "```{{code-cell}} ipython3\n:tags: [{tags}]\n{src}\n```\n"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (EX.format(label="ex-a").split("\n", 1)[1], "ex-a: no '% exercise-meta:' line"),
        (
            EX.format(label="ex-a") + CODE.format(tags="check", src="assert True"),
            "must carry the label of exactly one exercise",
        ),
        (
            EX.format(label="ex-a") + CODE.format(tags="check, ex-b", src="assert True"),
            "unknown: ['ex-b']",
        ),
        (CODE.format(tags="solution", src="y = 2"), "outside a solution block"),
        (
            EX.format(label="ex-a")
            + SOL_START.format(label="ex-a")
            + CODE.format(tags="check, ex-a", src="assert True")
            + SOL_END,
            "inside the solution block ex-a",
        ),
        (SOL_START.format(label="ex-q") + SOL_END, "solution for unknown exercise 'ex-q'"),
    ],
)
def test_convention_problems_are_reported(tmp_path, body, problem):
    path = _chapter(tmp_path, body)
    ch = read_chapter(path)
    assert any(problem in p for p in ch.problems), ch.problems
    with pytest.raises(ValueError, match="exercise conventions broken"):
        build_pack([path], tmp_path / "pack")


def test_check_without_solution_code_is_shown_but_not_graded(tmp_path):
    body = (
        EX.format(label="ex-a")
        + SOL_START.format(label="ex-a")
        + "A derivation.\n"
        + SOL_END
        + CODE.format(tags="check, ex-a", src="assert 1 + 1 == 2")
    )
    path = _chapter(tmp_path, body)
    ch = read_chapter(path)
    assert ch.problems == () and not ch.exercises[0].graded
    master = master_notebook(ch)
    assert "assert 1 + 1 == 2" in [c.source for c in master.cells if c.cell_type == "code"]
    assert "manual: true" in _raw(master)[1] and "BEGIN TESTS" not in "\n".join(_raw(master))
    manifest = build_pack([path], tmp_path / "pack")
    student = nbformat.read(tmp_path / "pack" / manifest["chapters"]["part-01-x"]["student"], 4)
    assert "A derivation" not in json.dumps(student)


def test_malformed_meta_line_raises(tmp_path):
    body = EX.format(label="ex-a").replace("difficulty=1", "difficulty=9")
    with pytest.raises(ValueError, match="1, 2 or 3"):
        read_chapter(_chapter(tmp_path, body))


# ---- stubs and Markdown -----------------------------------------------------------------------


def test_stub_keeps_signatures_and_docstrings():
    src = (
        "# hint: use a loop\nimport numpy as np\n"
        "def f(x, *, y=2) -> float:\n    '''Doc.'''\n    return x + y\n"
        "class Solver:\n    '''A solver.'''\n    tol = 1e-6\n"
        "    def step(self, z):\n        return z\n"
    )
    stub = make_stub(src, "ex-a")
    ns: dict = {}
    exec(stub, ns)
    assert ns["f"].__doc__ == "Doc." and ns["Solver"].tol == 1e-6
    with pytest.raises(NotImplementedError, match=r"ex-a: implement f\(\) \(hint: use a loop\)"):
        ns["f"](1)
    with pytest.raises(NotImplementedError, match=r"implement Solver\.step\(\)"):
        ns["Solver"]().step(1)
    assert "return x + y" not in stub and "# Hint: use a loop" in stub


def test_stub_of_top_level_code_raises_and_names_what_to_define():
    stub = make_stub("a, b = 1, 2\nfor k in range(3):\n    c = k", "ex-b")
    assert "# Define: a, b, k, c" in stub
    with pytest.raises(NotImplementedError, match="ex-b: define a, b, k, c"):
        exec(stub, {})
    bad = make_stub("%timeit f()\nx = 1", "ex-c")  # not Python: generic stub
    with pytest.raises(NotImplementedError, match="ex-c: write your solution"):
        exec(bad, {})


def test_myst_to_markdown():
    text = (
        "(sec-a)=\n% a comment\nSee {eq}`eq-x`, {ref}`the model <sc-model>`, {prf:ref}`lem-s`, "
        "{cite:p}`tang2021smallcell` and {math}`x^2`.\n"
        "```{math}\n:label: eq-x\na = b\n```\n"
        ":::{note}\nCareful.\n:::\n"
        "```{prf:lemma} Schur\n:label: lem-s\nBody.\n```"
    )
    md = myst_to_markdown(text)
    assert '<a id="sec-a"></a>' in md and "a comment" not in md
    assert "[(eq-x)](#eq-x)" in md and "*the model*" in md and "`lem-s`" in md
    assert "[tang2021smallcell]" in md and "$x^2$" in md
    assert '<a id="eq-x"></a>\n$$\na = b\n$$' in md
    assert "> **Note**\n>\n> Careful." in md
    assert "**Lemma (Schur).** Body." in md
    assert "{" not in md.replace("{math}", "")  # no MyST syntax left


# ---- otter master notebooks -------------------------------------------------------------------


def test_pieces_split_exercises_solutions_and_checks():
    pieces = chapter_pieces(read_chapter(FIXTURE))
    kinds = [(p.kind, p.label) for p in pieces if p.kind not in ("prose", "code")]
    assert kinds == [
        ("exercise", "ex-fix-rate"),
        ("solution-start", "ex-fix-rate"),
        ("solution-prose", "ex-fix-rate"),
        ("solution", "ex-fix-rate"),
        ("solution-end", ""),
        ("check", "ex-fix-rate"),
        ("exercise", "ex-fix-breakeven"),
        ("solution-start", "ex-fix-breakeven"),
        ("solution", "ex-fix-breakeven"),
        ("solution-end", ""),
        ("check", "ex-fix-breakeven"),
        ("exercise", "ex-fix-why"),
        ("solution-start", "ex-fix-why"),
        ("solution-prose", "ex-fix-why"),
        ("solution-end", ""),
    ]
    assert not any("{" in p.source and "}`" in p.source for p in pieces if p.kind == "prose")


def test_solution_names_and_setup_slice():
    names, imports = solution_names(["# hint: x\nfrom scipy import special\nh = 1\ndef f(): pass"])
    assert names == ["h", "f"] and imports == ["from scipy import special"]
    cells = ["import numpy as np", "rng = np.random.default_rng(1)", "plt.plot([1])", "y = 2"]
    assert setup_slice(cells, {"rng"}) == cells[:2]
    assert setup_slice(cells, {"nothing"}) == []


def test_check_spec_holds_no_solution_code():
    spec = check_spec(chapter_pieces(read_chapter(FIXTURE)), "ex-fix-rate")
    assert spec["names"] == ["my_secrecy_rate"] and spec["imports"] == []
    assert spec["check"].startswith("gb, ge = rng.exponential(size=(2, 100))")
    setup = "\n".join(spec["setup"])
    assert "rng = np.random.default_rng(SEED)" in setup and "subprocess" not in setup
    assert "np.log2(1 + np.asarray(gb))" not in json.dumps(spec)  # the answer stays out
    assert gate.decode_spec(gate.encode_spec(spec)) == spec
    with pytest.raises(ValueError, match="no check cell or no solution cell"):
        check_spec(chapter_pieces(read_chapter(FIXTURE)), "ex-fix-why")


def test_master_notebook_follows_otter_format():
    nb = master_notebook(read_chapter(FIXTURE))
    raw = _raw(nb)
    assert raw[0].startswith("# ASSIGNMENT CONFIG\nname: drill-01-secrecy-drill")
    assert "solutions_pdf: false" in raw[0] and "run_tests: false" in raw[0]
    assert raw[1:7] == [
        "# BEGIN QUESTION\nname: ex-fix-rate\npoints: 1",
        "# BEGIN SOLUTION",
        "# END SOLUTION",
        "# BEGIN TESTS",
        "# END TESTS",
        "# END QUESTION",
    ]
    assert "# BEGIN QUESTION\nname: ex-fix-why\npoints: 2\nmanual: true" in raw
    tests = [c.source for c in nb.cells if "BEGIN TEST CONFIG" in c.source]
    assert len(tests) == 4 and all(".verify(globals()," in t for t in tests)
    assert ["hidden: true" in t for t in tests] == [False, True, False, True]
    assert "points: 0" in tests[0] and "points: 2" in tests[3]
    sol = next(c.source for c in nb.cells if "def my_secrecy_rate" in c.source)
    assert sol.startswith("# BEGIN SOLUTION NO PROMPT\n# hint:") and "# BEGIN PROMPT" in sol
    assert nbformat.validate(nb) is None


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    out = tmp_path_factory.mktemp("pack")
    manifest = build_pack([FIXTURE], out)
    return out, manifest


def test_pack_layout_and_manifest(pack):
    out, manifest = pack
    entry = manifest["chapters"][KEY]
    for key in ("student", "solutions", "autograder", "master"):
        assert (out / entry[key]).is_file(), key
    assert (out / KEY / "student" / "tests" / "ex-fix-rate.py").is_file()
    assert (out / "README.md").is_file() and "otter run -a" in (out / "README.md").read_text()
    assert "wiretap @ git+" in (out / "requirements.txt").read_text()
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert entry["exercises"][2] == {
        "label": "ex-fix-why",
        "title": "Why the positive part",
        "graded": False,
        "points": 2,
        "difficulty": 2,
        "time": 20,
        "uses": [],
    }
    with zipfile.ZipFile(out / entry["autograder"]) as z:
        names = set(z.namelist())
        env = z.read("environment.yml").decode()
    assert {"tests/ex-fix-rate.py", "tests/ex-fix-breakeven.py", "run_autograder"} <= names
    assert "wiretap @ git+" in env and "python=3.11" in env


def test_student_notebook_hides_every_solution(pack):
    out, manifest = pack
    student_dir = out / KEY / "student"
    text = "\n".join(p.read_text() for p in student_dir.rglob("*") if p.is_file())
    assert "np.log2(1 + np.asarray(gb))" not in text  # the code answer
    assert "breakeven = 3.0" not in text
    assert "transmitter can always send nothing" not in text  # the prose answer
    student = nbformat.read(out / manifest["chapters"][KEY]["student"], as_version=4)
    code = [c.source for c in student.cells if c.cell_type == "code"]
    assert 'grader.check("ex-fix-rate")' in code and 'grader.check("ex-fix-breakeven")' in code
    stubs = [s for s in code if "NotImplementedError" in s]
    assert len(stubs) == 2 and "def my_secrecy_rate(gb, ge):" in stubs[0]
    solutions = nbformat.read(out / manifest["chapters"][KEY]["solutions"], as_version=4)
    assert "np.log2(1 + np.asarray(gb))" in json.dumps(solutions)


def test_rebuilding_is_identical(pack, tmp_path):
    out, manifest = pack
    again = build_pack([FIXTURE], tmp_path)
    assert again == manifest
    for key in ("student", "master"):
        a, b = (out / manifest["chapters"][KEY][key]), (tmp_path / again["chapters"][KEY][key])
        assert a.read_text() == b.read_text()


def test_cli_build_and_list(tmp_path, capsys):
    assert asg.main(["build", str(FIXTURE), "--out", str(tmp_path / "p")]) == 0
    assert "1 chapters with exercises, 3 exercises" in capsys.readouterr().out
    assert main(["list", str(FIXTURE)]) == 0
    assert f"{KEY} | ex-fix-why | no | 2 | 2 | 20 |" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["build"])


# ---- the book's own chapters ------------------------------------------------------------------

CHAPTERS = all_chapters(ROOT)


def test_all_chapters_follow_the_toc():
    assert all(p.is_file() and re.match(r"\d\d-", p.name) for p in CHAPTERS)
    parts = [p.parent.name for p in CHAPTERS]
    order = ["foundations", "mimo_ic", "aauc", "smallcell", "isac"]
    assert parts == sorted(parts, key=order.index)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_chapter_carries_no_colab_install_cell(path):
    # The build gives every published notebook one install cell pinned to its commit
    # (book/_ext/wiretap_pages.py, tested in tests/test_publish.py and the browser tests); an
    # install cell in a source would be an unpinned second copy.
    nb = jupytext.read(path)
    assert not [c for c in nb.cells if "google.colab" in c.source], "remove the install cell"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_chapter_exercise_conventions(path):
    ch = read_chapter(path)
    assert ch.problems == (), "\n".join(ch.problems)


def test_make_assignments_covers_every_chapter_with_exercises(tmp_path):
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-m wiretap.teaching build --all" in makefile
    manifest = build_pack(CHAPTERS, tmp_path)
    chapters = [read_chapter(p) for p in CHAPTERS]
    assert set(manifest["chapters"]) == {c.key for c in chapters if c.exercises}
    for entry in manifest["chapters"].values():
        graded = [e["label"] for e in entry["exercises"] if e["graded"]]
        tests = {p.stem for p in (tmp_path / entry["autograder"]).parent.glob("tests/*.py")}
        assert tests == set(graded)
        student = (tmp_path / entry["student"]).read_text()
        assert all(f"{label}: " in student for label in graded)  # each one stubbed


# ---- the generated appendix pages (book/_ext/wiretap_pages.py) ---------------------------------

PAGES_CONF = """
import sys
sys.path.insert(0, {ext!r})
extensions = ["myst_nb", "sphinx_exercise", "wiretap_pages"]
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
exclude_patterns = ["_build"]
suppress_warnings = ["myst.xref_missing", "myst.role_unknown"]
"""
PAGES_TOC = """format: jb-book
root: index
parts:
  - caption: Drill
    chapters:
      - file: book/drill/index
        sections:
          - glob: book/drill/[0-9]*
"""


def _sphinx(src: Path, repro: Path) -> list[str]:
    """Build ``src`` incrementally; return the documents Sphinx read, in order."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "WIRETAP_REPRO_DIR": str(repro)}
    out = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", str(src), str(src / "_build" / "html")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    return re.findall(
        r"reading sources\.\.\. \[[ \d]+%\] (\S+)", re.sub(r"\x1b\[[0-9;]*m", "", out)
    )


@pytest.mark.slow
def test_generated_pages_are_read_last_and_refreshed_on_cached_builds(tmp_path, monkeypatch):
    from wiretap import repro

    src, records = tmp_path / "src", tmp_path / "repro"
    (src / "book" / "drill").mkdir(parents=True)
    (src / "book" / "appendix").mkdir(parents=True)
    (src / "conf.py").write_text(PAGES_CONF.format(ext=str(ROOT / "book" / "_ext")))
    (src / "_toc.yml").write_text(PAGES_TOC)
    pages = ["book/drill/index", "book/drill/01-secrecy-drill"]
    pages += ["book/appendix/instructors", "book/appendix/reproducibility"]
    (src / "index.md").write_text("# Root\n\n```{toctree}\n" + "\n".join(pages) + "\n```\n")
    (src / "book" / "drill" / "index.md").write_text("# Drill\n")
    (src / "book" / "drill" / "01-secrecy-drill.md").write_text(FIXTURE.read_text())
    (src / "book" / "appendix" / "instructors.md").write_text(
        "# Ex\n\n```{wiretap-exercises}\n```\n"
    )
    (src / "book" / "appendix" / "reproducibility.md").write_text(
        "# R\n\n```{wiretap-repro}\n```\n"
    )
    monkeypatch.setenv("WIRETAP_REPRO_DIR", str(records))
    repro.compare("drill", "Fig. 1", [("rate (bits/s/Hz)", "about 2.1", 2.05)], seed=3)

    read = _sphinx(src, records)
    assert read[-2:] == ["book/appendix/instructors", "book/appendix/reproducibility"]
    assert set(read) == {*pages, "index"}
    html = (src / "_build" / "html" / "book" / "appendix" / "reproducibility.html").read_text()
    assert "Fig. 1: paper vs ours (quick scale, seed 3)" in html and "2.05" in html
    teacher = (src / "_build" / "html" / "book" / "appendix" / "instructors.html").read_text()
    for label in ("ex-fix-rate", "ex-fix-breakeven", "ex-fix-why"):
        assert f'href="../drill/01-secrecy-drill.html#{label}"' in teacher
    assert "1 apply" in teacher and "wiretap.rates.secrecy_rate" in teacher

    # A cached rebuild: nothing changed but the records; only the generated pages are re-read.
    (records / "drill__fig-1.json").unlink()
    repro.compare("drill", "Fig. 2", [("power (W)", "1.0", 0.98)], seed=4)
    assert _sphinx(src, records) == ["book/appendix/instructors", "book/appendix/reproducibility"]
    html = (src / "_build" / "html" / "book" / "appendix" / "reproducibility.html").read_text()
    assert "Fig. 2: paper vs ours" in html and "Fig. 1: paper vs ours" not in html

    # No records at all: the page says so.
    (records / "drill__fig-2.json").unlink()
    _sphinx(src, records)
    html = (src / "_build" / "html" / "book" / "appendix" / "reproducibility.html").read_text()
    assert "No chapter in this build has recorded a reproduced figure yet." in html
