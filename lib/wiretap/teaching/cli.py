"""Command line of the course tooling: ``python -m wiretap.teaching`` (or ``wiretap.assignments``).

::

    python -m wiretap.teaching build book/smallcell/03-game.md ... --out PACK
    python -m wiretap.teaching build --all --out assignments     # what `make assignments` does
    python -m wiretap.teaching grade SUBMISSION.ipynb ... --pack PACK [--json grades.json]
    python -m wiretap.teaching verify PACK     # solutions get full points, stubs none
    python -m wiretap.teaching list --all      # the exercise table
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .myst import Chapter, all_chapters, chapter_key, read_chapter

__all__ = ["main"]


def _chapter_args(args) -> list[Path]:
    paths = [Path(p) for p in args.chapters]
    if args.all:
        paths += all_chapters()
    if not paths:
        raise SystemExit("give chapter files or --all")
    return list(dict.fromkeys(paths))


def exercise_table(chapters: Sequence[Chapter]) -> str:
    """The exercises of the chapters as a Markdown table."""
    rows = [
        "chapter | exercise | graded | points | difficulty | minutes | uses",
        "---|---|---|---|---|---|---",
    ]
    for ch in chapters:
        for e in ch.exercises:
            m = e.meta
            rows.append(
                f"{ch.key} | {e.label} | {'yes' if e.graded else 'no'} | {e.points} | "
                f"{m.difficulty if m else '?'} | {m.time if m else '?'} | "
                f"{', '.join(m.uses) if m else ''}"
            )
    return "\n".join(rows)


def _parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Course assignments on otter-grader.")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write an assignment pack (one otter assignment a chapter)")
    b.add_argument("chapters", nargs="*", help="chapter .md files")
    b.add_argument("--all", action="store_true", help="every numbered chapter in _toc.yml")
    b.add_argument("--out", default="assignments", help="pack folder (default: assignments)")
    ls = sub.add_parser("list", help="print the exercise table")
    ls.add_argument("chapters", nargs="*")
    ls.add_argument("--all", action="store_true")
    g = sub.add_parser("grade", help="grade notebooks with otter run")
    g.add_argument("notebooks", nargs="+")
    g.add_argument("--pack", required=True, help="pack folder holding the autograder zips")
    g.add_argument("--json", help="write the reports to this JSON file")
    v = sub.add_parser("verify", help="solutions get full points and student stubs none")
    v.add_argument("pack")
    v.add_argument("--chapter", action="append", help="only these chapter keys")
    return p


def _build(args) -> int:
    from .pack import build_pack

    paths = _chapter_args(args)
    t0 = time.perf_counter()
    manifest = build_pack(paths, args.out)
    keys = {chapter_key(q) for q in paths}
    built = [k for k in manifest["chapters"] if k in keys]
    n_ex = sum(len(manifest["chapters"][k]["exercises"]) for k in built)
    print(
        f"otter assignments in {args.out}: {len(built)} chapters with exercises, {n_ex} exercises "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    for k in built:
        ex = manifest["chapters"][k]["exercises"]
        graded = [e for e in ex if e["graded"]]
        points = sum(e["points"] for e in graded)
        print(f"  {k}: {len(ex)} exercises, {len(graded)} autograded ({points} points)")
    return 0


def _grade(args) -> int:
    from .pack import grade_file

    reports = [grade_file(nb, pack=args.pack) for nb in args.notebooks]
    for r in reports:
        print(r.to_text())
    if args.json:
        data = [r.to_dict() for r in reports]
        Path(args.json).write_text(json.dumps(data, indent=1), encoding="utf-8")
    return 0 if all(r.passed for r in reports) else 1


def main(argv: Sequence[str] | None = None, prog: str = "python -m wiretap.teaching") -> int:
    """Command-line entry point; returns the exit status."""
    args = _parser(prog).parse_args(argv)
    if args.command == "build":
        return _build(args)
    if args.command == "list":
        print(exercise_table([read_chapter(q) for q in _chapter_args(args)]))
        return 0
    if args.command == "grade":
        return _grade(args)
    from .pack import verify_pack

    problems = verify_pack(args.pack, chapters=args.chapter)
    for line in problems:
        print(line)
    print("pack verified" if not problems else f"{len(problems)} problems")
    return 0 if not problems else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
