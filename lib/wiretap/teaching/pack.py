"""Assignment packs: every chapter's otter assignment in one folder, and checking a pack.

A pack is a folder::

    PACK/README.md                        how to hand it out and grade it
    PACK/manifest.json                    chapters, exercises, points, paths
    PACK/requirements.txt                 what the Gradescope image installs
    PACK/master/<key>.ipynb               otter master notebooks (solutions and tests)
    PACK/<key>/student/<key>.ipynb        hand this out (with its tests/ folder: public tests)
    PACK/<key>/autograder/<key>.ipynb     the solutions notebook
    PACK/<key>/autograder/<key>-autograder.zip   Gradescope autograder / ``otter run -a``
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path

from .grading import GradeReport, grade_submission
from .myst import Chapter, book_root, read_chapter
from .otter_emit import write_assignment

__all__ = ["build_pack", "grade_file", "verify_pack"]

# The numerical stack a grading image needs (pins taken from the book's requirements.txt).
GRADING_PACKAGES = ("numpy", "scipy", "cvxpy", "clarabel", "matplotlib", "joblib", "tqdm")
WIRETAP_URL = "wiretap @ git+https://github.com/wiretap-book/wiretap-book"

README = """# Assignment pack (otter-grader)

Built by `python -m wiretap.teaching build` from the wiretap-book chapters listed in
`manifest.json`; one otter-grader assignment per chapter.

- `<chapter>/student/`: the notebook to hand out, with its `tests/` folder. Each graded
  exercise has a code cell that raises `NotImplementedError` (with a hint) until the student
  replaces it, then a `grader.check("<label>")` cell that runs the exercise's public test.
- `<chapter>/autograder/<chapter>-autograder.zip`: upload to Gradescope as the autograder
  (Python 3.11 image; `requirements.txt` installs the `wiretap` package), or grade locally.
- `<chapter>/autograder/<chapter>.ipynb`: the solutions. `master/`: the otter master notebooks.

Points: each graded exercise is worth its difficulty (1 to 3), all on a hidden test; the public
test (0 points) lets students check their work. Derivations are manual questions.

## Grading locally

    otter run -a <chapter>/autograder/<chapter>-autograder.zip submission.ipynb
    python -m wiretap.teaching grade submissions/*.ipynb --pack {pack}

Every test runs the chapter's check cell in a fresh Python process that never ran the
student's code, and asks the notebook only for the values of the exercise's names, so
rebinding `numpy` functions or builtins in a submission cannot make a check pass.

    python -m wiretap.teaching verify {pack}

checks the pack: every solutions notebook gets full points, every student notebook none.
"""


def _requirements(out: Path) -> Path:
    root = book_root(Path(__file__))
    pins = {}
    if root is not None and (root / "requirements.txt").is_file():
        for line in (root / "requirements.txt").read_text(encoding="utf-8").split("\n"):
            name = line.split("==")[0].strip().lower()
            if name in GRADING_PACKAGES:
                pins[name] = line.strip()
    lines = [pins.get(n, n) for n in GRADING_PACKAGES] + [WIRETAP_URL]
    path = out / "requirements.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _entry(ch: Chapter) -> dict:
    return {
        "title": ch.title,
        "source": ch.docname + ".md",
        "student": f"{ch.key}/student/{ch.key}.ipynb",
        "solutions": f"{ch.key}/autograder/{ch.key}.ipynb",
        "autograder": f"{ch.key}/autograder/{ch.key}-autograder.zip",
        "master": f"master/{ch.key}.ipynb",
        "exercises": [
            {
                "label": e.label,
                "title": e.title,
                "graded": e.graded,
                "points": e.points,
                **(asdict(e.meta) if e.meta else {}),
            }
            for e in ch.exercises
        ],
    }


def build_pack(chapters: Iterable[str | Path], out: str | Path, *, strict: bool = True) -> dict:
    """Write an otter assignment for each chapter that has exercises.

    Parameters
    ----------
    chapters : iterable of str or Path
        Chapter files; those without exercises are skipped.
    out : str or Path
        Pack folder (created; the chapters' existing assignments are replaced).
    strict : bool
        Raise on convention problems (see ``Chapter.problems``) instead of ignoring them.

    Returns
    -------
    dict
        The manifest written to ``out/manifest.json``.

    Raises
    ------
    ValueError
        If a chapter breaks the exercise conventions and ``strict`` is true, two chapters map
        to the same pack name, or ``otter assign`` fails.
    """
    out = Path(out)
    chapters = [read_chapter(p) for p in chapters]
    problems = [f"{c.path}: {p}" for c in chapters for p in c.problems]
    if problems and strict:
        raise ValueError("exercise conventions broken:\n  " + "\n  ".join(problems))
    keys = [c.key for c in chapters]
    if len(set(keys)) != len(keys):
        raise ValueError(f"chapters map to the same pack name: {keys}")
    out.mkdir(parents=True, exist_ok=True)
    requirements = _requirements(out)
    manifest_path = out / "manifest.json"
    manifest = {"format": "otter-grader 7", "chapters": {}}
    if manifest_path.is_file():
        old = json.loads(manifest_path.read_text(encoding="utf-8"))
        if old.get("format") == manifest["format"]:
            manifest = old
    for ch in chapters:
        if ch.exercises:
            write_assignment(ch, out, requirements=requirements)
            manifest["chapters"][ch.key] = _entry(ch)
    text = json.dumps(manifest, indent=1)
    manifest_path.write_text(text, encoding="utf-8")
    (out / "README.md").write_text(README.format(pack=out.name or "."), encoding="utf-8")
    return json.loads(text)


def _load_manifest(pack: str | Path) -> dict:
    path = Path(pack) / "manifest.json"
    if not path.is_file():
        raise ValueError(f"pack must be a folder with a manifest.json, got {str(pack)!r}")
    return json.loads(path.read_text(encoding="utf-8"))


def grade_file(path: str | Path, *, pack: str | Path, **options) -> GradeReport:
    """Grade one notebook with its chapter's autograder zip from ``pack``.

    The chapter is read from the notebook's metadata (``wiretap.chapter``), else its file name.

    Raises
    ------
    ValueError
        If the notebook is missing or its chapter is not in the pack.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path must be an existing .ipynb file, got {str(path)!r}")
    manifest = _load_manifest(pack)
    meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    key = meta.get("wiretap", {}).get("chapter") or path.stem
    if key not in manifest["chapters"]:
        raise ValueError(
            f"{path}: chapter {key!r} is not in the pack {sorted(manifest['chapters'])}"
        )
    return grade_submission(path, Path(pack) / manifest["chapters"][key]["autograder"], **options)


def verify_pack(pack: str | Path, *, chapters: Sequence[str] | None = None) -> list[str]:
    """Grade a pack's own notebooks: solutions must get full points, student stubs none.

    Returns
    -------
    list of str
        One line per problem found (empty when the pack is sound).
    """
    manifest = _load_manifest(pack)
    problems = []
    for key, entry in manifest["chapters"].items():
        if (chapters and key not in chapters) or not any(e["graded"] for e in entry["exercises"]):
            continue
        zip_path = Path(pack) / entry["autograder"]
        solved = grade_submission(Path(pack) / entry["solutions"], zip_path)
        problems += [
            f"{key}: the solutions get {r.score:g}/{r.max_score:g} on {r.label}: "
            + " / ".join(r.output.strip().split("\n")[-2:])
            for r in solved.results
            if not r.passed
        ]
        stub = grade_submission(Path(pack) / entry["student"], zip_path)
        problems += [
            f"{key}: the student stub scores on {r.label} (its check is weak)"
            for r in stub.results
            if r.score > 0
        ]
    return problems
