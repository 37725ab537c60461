"""Tests of wiretap.teaching grading: assert_close, the clean-process checks, and ``otter run``.

The otter tests build the fixture chapter's assignment once (module fixture) and grade four
notebooks with ``otter run``: the solutions (full points), the student stubs (none), a wrong
answer, and a cheating notebook that rebinds numpy, builtins and the wiretap helpers instead
of answering (none; the same cheat does fool a check run in the student's own process).
"""

from __future__ import annotations

import builtins
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from wiretap.teaching import gate
from wiretap.teaching.grading import (
    ExerciseResult,
    GradeReport,
    assert_close,
    grade_submission,
)
from wiretap.teaching.pack import build_pack, grade_file, verify_pack

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "chapters" / "drill" / "01-secrecy-drill.md"
KEY = "drill-01-secrecy-drill"


# ---- assert_close ---------------------------------------------------------------------------


def test_assert_close_passes_within_tolerance():
    assert_close(np.array([1.0, 2.0]), [1.0, 2.0 + 1e-10], atol=1e-9)
    assert_close(1.0 + 1e-3j, 1.0, rtol=2e-3, atol=0.0)
    assert_close([np.inf, -np.inf, 1.0], [np.inf, -np.inf, 1.0])


def test_assert_close_names_the_worst_entry():
    with pytest.raises(AssertionError, match=r"rate: got 2\.5, expected 2\.0 at index \(1,\)"):
        assert_close([1.0, 2.5, 3.0], [1.0, 2.0, 3.1], atol=0.2, what="rate")


@pytest.mark.parametrize(
    ("actual", "expected", "kwargs"),
    [
        ([1.0, 2.0], [np.nan, 2.0], {}),  # a NaN reference accepts nothing ...
        ([np.nan, 2.0], [np.nan, 2.0], {}),  # ... not even NaN, unless asked
        ([np.nan, 2.0], [1.0, 2.0], {}),
        ([np.nan, 2.0], [1.0, 2.0], {"equal_nan": True}),  # NaN only matches NaN
        ([1.0, 2.0], [np.nan, 2.0], {"equal_nan": True}),
        (np.nan, 0.0, {"atol": np.inf}),  # not even with an infinite tolerance
        ([np.inf], [-np.inf], {}),
        ([1e300], [np.inf], {"rtol": 1.0}),
        ([complex(np.nan, 0)], [1.0], {}),
    ],
)
def test_assert_close_nan_and_inf_fail(actual, expected, kwargs):
    with pytest.raises(AssertionError, match=r"NaN|inf"):
        assert_close(actual, expected, **kwargs)


def test_assert_close_equal_nan_accepts_nan_at_the_same_position():
    assert_close([np.nan, 2.0], [np.nan, 2.0 + 1e-12], equal_nan=True)
    with pytest.raises(AssertionError, match="at index \\(1,\\)"):
        assert_close([np.nan, 2.5], [np.nan, 2.0], equal_nan=True)


def test_assert_close_shape_dtype_and_tolerance_errors():
    with pytest.raises(AssertionError, match=r"shape \(2,\), expected shape \(3,\)"):
        assert_close([1, 2], [1, 2, 3])
    with pytest.raises(AssertionError, match="not numeric"):
        assert_close(["a"], ["a"])
    with pytest.raises(ValueError, match="rtol and atol"):
        assert_close(1.0, 1.0, atol=-1.0)
    with pytest.raises(ValueError, match="rtol and atol"):
        assert_close(1.0, 1.0, rtol=np.nan)


def test_grading_shim_is_the_same_function():
    from wiretap import grading

    assert grading.assert_close is assert_close


# ---- the clean-process check, without otter ------------------------------------------------

SPEC = gate.encode_spec(
    {
        "label": "ex-t",
        "setup": ["import numpy as np\nrng = np.random.default_rng(1)"],
        "imports": [],
        "names": ["double", "k", "solver"],
        "check": (
            "x = rng.standard_normal(5)\n"
            "assert np.allclose(double(x), 2 * x)\n"
            "assert abs(k - 3) < 1e-12 and max([k, 0]) == 3 and all([k == 3])\n"
            "s = solver(2.0)\n"
            "assert s.scale == 2.0 and np.allclose(s.apply(x), 2 * x)\n"
        ),
    }
)


class _Solver:
    def __init__(self, scale):
        self.scale = scale

    def apply(self, x):
        return self.scale * np.asarray(x)


def test_verify_passes_an_honest_answer():
    env = {"double": lambda x: 2 * x, "k": 3.0, "solver": _Solver}
    assert gate.verify(env, SPEC) is None


def test_verify_reports_the_failing_line_and_the_students_error():
    env = {"double": lambda x: 2 * x, "k": 4.0, "solver": _Solver}
    with pytest.raises(AssertionError, match=r"check failed at: assert abs\(k - 3\)"):
        gate.verify(env, SPEC)

    def broken(x):
        raise NotImplementedError("ex-t: implement double()")

    with pytest.raises(AssertionError, match="NotImplementedError: ex-t: implement double"):
        gate.verify({**env, "double": broken}, SPEC)
    with pytest.raises(AssertionError, match="does not define 'k'"):
        gate.verify({"double": lambda x: 2 * x}, SPEC)


def test_verify_cannot_be_fooled_by_rebinding_in_this_process(monkeypatch):
    """Rebinding numpy and builtins here changes nothing in the clean process."""
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "isclose", lambda *a, **k: True)
    monkeypatch.setattr(np.testing, "assert_allclose", lambda *a, **k: None)
    monkeypatch.setattr(builtins, "abs", lambda x: 0.0)
    monkeypatch.setattr(builtins, "max", lambda *a, **k: 3)
    monkeypatch.setattr(builtins, "all", lambda x: True)
    env = {"double": lambda x: 0 * x, "k": 4.0, "solver": _Solver, "abs": lambda x: 0.0}
    with pytest.raises(AssertionError, match=r"assert np\.allclose\(double\(x\), 2 \* x\)"):
        gate.verify(env, SPEC)


def test_values_from_the_student_are_data_only():
    """Arrays come back with their dtype; objects stay behind as references; pickles never."""
    refs: list = []
    enc = gate._encode((np.arange(3.0) + 1j, [np.int16(2)], {"a": None}, _Solver(1.0)), refs)
    assert json.loads(json.dumps(enc)) == enc and len(refs) == 1
    from wiretap.teaching.clean import StudentError, decode

    value = decode(enc, pipe=None)
    assert value[0].dtype == complex and value[1][0].dtype == np.int16 and value[2] == {"a": None}
    scalar = decode(gate._encode((np.float64(2.5), np.array(3.0)), refs), pipe=None)
    assert scalar == (2.5, 3.0) and np.ndim(scalar[0]) == 0 and np.ndim(scalar[1]) == 0
    bad = {"__nd__": {"dtype": "|O", "shape": [1], "b64": ""}}
    with pytest.raises(StudentError, match="dtype object"):
        decode(bad, pipe=None)
    with pytest.raises(StudentError, match="malformed"):
        decode({"__pickle__": "gASVAAAA"}, pipe=None)


def test_spec_errors():
    with pytest.raises(ValueError, match="not a packed check spec"):
        gate.decode_spec("not base64 !")
    with pytest.raises(ValueError, match="timeout"):
        gate.verify({}, SPEC, timeout=0)


# ---- otter run ------------------------------------------------------------------------------

CHEAT = """\
import builtins, sys
import numpy as np
import numpy.testing
import wiretap.teaching as teaching
import wiretap.teaching.gate
import wiretap.grading

np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None

builtins.abs = lambda x: 0.0
builtins.all = lambda x: True
# builtins.max cannot be rebound this way: the kernel itself uses it and hangs (no pass, but
# no verdict either), so the cheat shadows it in the notebook's namespace instead.
max = lambda *a, **k: 3.0
abs = builtins.abs
teaching.assert_close = wiretap.grading.assert_close = lambda *a, **k: None
wiretap.teaching.gate.verify = lambda *a, **k: None
sys.modules["wiretap.teaching.gate"].verify = lambda *a, **k: None

def my_secrecy_rate(gb, ge):
    return np.zeros_like(gb)

breakeven = 0.0
"""


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    out = tmp_path_factory.mktemp("pack")
    manifest = build_pack([FIXTURE], out)
    return out, manifest["chapters"][KEY]


def _edited(pack, tmp_path, solution: str):
    """The student notebook with every answer cell replaced by ``solution``."""
    out, entry = pack
    nb = nbformat.read(out / entry["student"], as_version=4)
    for cell in nb.cells:
        if "otter_answer_cell" in cell.metadata.get("tags", []) and cell.cell_type == "code":
            cell.source = solution
    path = tmp_path / f"{KEY}.ipynb"
    nbformat.write(nb, path)
    return path


def test_solutions_get_full_points_with_otter_run(pack, tmp_path, capsys):
    out, entry = pack
    code = subprocess.run(
        [
            *(sys.executable, "-m", "wiretap.teaching", "grade", str(out / entry["solutions"])),
            *("--pack", str(out), "--json", str(tmp_path / "grades.json")),
        ],
        capture_output=True,
        text=True,
    )
    assert code.returncode == 0, code.stdout + code.stderr
    assert "3/3 points" in code.stdout
    report = json.loads((tmp_path / "grades.json").read_text())
    assert report[0]["passed"] and report[0]["score"] == [3.0, 3.0]


def test_student_stubs_get_no_points_and_a_clear_message(pack):
    out, entry = pack
    rep = grade_submission(out / entry["student"], out / entry["autograder"])
    assert [(r.label, r.score, r.max_score) for r in rep.results] == [
        ("ex-fix-rate", 0.0, 1.0),
        ("ex-fix-breakeven", 0.0, 2.0),
    ]
    rate = rep.result("ex-fix-rate").output
    assert "check failed at: assert np.allclose(my_secrecy_rate(gb, ge)" in rate
    assert "NotImplementedError: ex-fix-rate: implement my_secrecy_rate()" in rate
    assert "does not define 'breakeven'" in rep.result("ex-fix-breakeven").output


def test_wrong_answer_fails_and_right_answer_in_the_student_copy_passes(pack, tmp_path):
    wrong = "def my_secrecy_rate(gb, ge):\n    return np.log2(1 + gb) - np.log2(1 + ge)\n"
    rep = grade_file(_edited(pack, tmp_path, wrong + "breakeven = 2.0"), pack=pack[0])
    assert rep.score == (0.0, 3.0)
    assert "AssertionError: wrong secrecy rate" in rep.result("ex-fix-rate").output
    right = (
        "def my_secrecy_rate(gb, ge):\n"
        "    return np.maximum(np.log2(1 + gb) - np.log2(1 + ge), 0)\n"
        "breakeven = 3.0"
    )
    assert grade_file(_edited(pack, tmp_path, right), pack=pack[0]).score == (3.0, 3.0)


def test_cheating_notebook_fails_under_otter_run(pack, tmp_path):
    """Rebinding numpy, builtins and the wiretap helpers without answering scores nothing."""
    path = _edited(pack, tmp_path, CHEAT)
    rep = grade_file(path, pack=pack[0])
    assert rep.score == (0.0, 3.0), rep.to_text()
    assert "check failed at: assert np.allclose(my_secrecy_rate(gb, ge)" in (
        rep.result("ex-fix-rate").output
    )
    assert "assert abs(rates.sinr_rate(3.0)" in rep.result("ex-fix-breakeven").output


def test_the_same_cheat_fools_a_check_run_in_the_students_process():
    """The control: the cheat is effective against the old in-process grading."""
    from wiretap.teaching.convert import chapter_pieces
    from wiretap.teaching.myst import read_chapter

    pieces = chapter_pieces(read_chapter(FIXTURE))
    checks = [p.source for p in pieces if p.kind == "check"]
    setup = [p.source for p in pieces if p.kind == "code"][1:]  # not the Colab cell
    script = "\n".join([*setup, CHEAT, *checks, "print('cheat passed')"])
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0 and "cheat passed" in run.stdout, run.stderr


def test_verify_pack(pack):
    assert verify_pack(pack[0]) == []


def test_grade_errors(pack, tmp_path):
    out, entry = pack
    with pytest.raises(ValueError, match=r"existing \.ipynb"):
        grade_submission(tmp_path / "none.ipynb", out / entry["autograder"])
    with pytest.raises(ValueError, match="existing zip"):
        grade_submission(out / entry["student"], tmp_path / "none.zip")
    with pytest.raises(ValueError, match=r"manifest\.json"):
        grade_file(out / entry["student"], pack=tmp_path)
    stray = tmp_path / "other.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), stray)
    with pytest.raises(ValueError, match="is not in the pack"):
        grade_file(stray, pack=out)


def test_report_helpers():
    rep = GradeReport(
        "nb", (ExerciseResult("ex-a", 2.0, 2.0), ExerciseResult("ex-b", 0.0, 1.0, "x\nboom"))
    )
    assert rep.score == (2.0, 3.0) and not rep.passed
    assert rep.result("ex-b").output.endswith("boom")
    assert "FAIL  ex-b  0/1" in rep.to_text() and "boom" in rep.to_text()
    assert rep.to_dict()["score"] == [2.0, 3.0]
    with pytest.raises(ValueError, match="not a graded exercise"):
        rep.result("ex-z")
    assert not GradeReport("nb", ()).passed
