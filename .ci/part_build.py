"""Build one part of the book (``make part PART=<folder>``): frame, Foundations and that part.

The table of contents keeps the frame, Foundations and the chosen part (globs that match no
chapter yet are dropped, since Sphinx warns about them). The build runs with Sphinx's
nitpicky mode and ``--keep-going``; afterwards every warning fails the build except
cross-references to documents and labels of the parts that were left out, which are listed
as tolerated. ``make book`` builds everything with ``-W`` and tolerates nothing. As in
``make book``, a change under ``lib/`` or in ``requirements.txt`` re-executes every chapter.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ALWAYS = ("book/intro", "book/foundations", "book/appendix")
# Sphinx/MyST/sphinx-proof messages for a reference whose target is not in this build.
CROSS_REF = re.compile(
    r"undefined label|unknown document|term not in glossary|reference target not found"
    r"|\[ref\.(ref|doc|numref|eq)\]|\[myst\.xref_missing\]|label .* not found"
)
WARNING = re.compile(r"WARNING:|ERROR:|CRITICAL:")


def _keep_entry(entry: dict) -> bool:
    if "glob" in entry:
        return any(ROOT.glob(entry["glob"] + ".md"))
    return True


def _prune(chapters: list[dict]) -> list[dict]:
    out = []
    for ch in chapters:
        ch = dict(ch)
        if "sections" in ch:
            ch["sections"] = [s for s in ch["sections"] if _keep_entry(s)]
            if not ch["sections"]:
                del ch["sections"]
        out.append(ch)
    return out


def write_toc(part: str, out: Path) -> None:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    prefixes = (*ALWAYS, f"book/{part}/")
    parts = [
        {**p, "chapters": _prune(p["chapters"])}
        for p in toc["parts"]
        if any(c.get("file", "").startswith(prefixes) for c in p["chapters"])
    ]
    if not any(f"book/{part}/" in str(p) for p in parts):
        sys.exit(f"no part folder book/{part} in _toc.yml")
    out.write_text(yaml.safe_dump({**toc, "parts": parts}, sort_keys=False), encoding="utf-8")


def drop_stale_cache(out: Path) -> None:
    """Forget executed chapters when the library or the pinned stack changed since the last
    build: the execution cache is keyed by cell source only (as ``make book`` does)."""
    stamp = out / ".lib-stamp"
    sources = [*ROOT.glob("lib/**/*.py"), ROOT / "requirements.txt"]
    newest = max(p.stat().st_mtime for p in sources)
    if stamp.exists() and stamp.stat().st_mtime >= newest:
        return
    shutil.rmtree(out / "_build", ignore_errors=True)
    stamp.touch()


def main(part: str, out_dir: str) -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    drop_stale_cache(out)
    toc = out / "_toc.yml"
    write_toc(part, toc)
    # execute the part's chapters two at a time into the part's execution cache first
    pre = [
        sys.executable, str(ROOT / ".ci" / "preexecute.py"), "--toc", str(toc),
        "--cache", str(out / "_build" / ".jupyter_cache"),
        "--jobs", os.environ.get("JOBS", "2"),
    ]  # fmt: skip
    subprocess.run(pre, cwd=ROOT, check=False)
    cmd = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build", ".", "--toc", str(toc), "--path-output", str(out), "-n", "--keep-going",
    ]  # fmt: skip
    proc = subprocess.run(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
    )
    log = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout)
    (out / "build.log").write_text(log, encoding="utf-8")
    warnings = [ln for ln in log.splitlines() if WARNING.search(ln) and "[IPKernelApp]" not in ln]
    tolerated = [ln for ln in warnings if CROSS_REF.search(ln)]
    fatal = [ln for ln in warnings if not CROSS_REF.search(ln)]
    for ln in tolerated:
        print(f"tolerated (target outside this partial build): {ln}")
    for ln in fatal:
        print(ln)
    print(f"{len(fatal)} warnings, {len(tolerated)} tolerated; log: {out / 'build.log'}")
    if proc.returncode != 0 or fatal:
        if proc.returncode != 0 and not fatal:
            print(log[-4000:])
        return 1
    print(f"Part: {ROOT / out / '_build' / 'html' / 'index.html'}")
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
