"""Write a table of contents for a partial build: the frame, Foundations and one part.

Used by ``make part PART=<folder>`` so that a contributor can build and check one part
(with the Foundations it links to) without executing the whole book. Glob entries that
match no chapter yet are dropped, since Sphinx warns about them and warnings fail builds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ALWAYS = ("book/intro", "book/foundations", "book/appendix")


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


def main(part: str, out: str) -> None:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    prefixes = (*ALWAYS, f"book/{part}")
    parts = []
    for p in toc["parts"]:
        files = [c.get("file", "") for c in p["chapters"]]
        if any(f.startswith(prefixes) for f in files):
            parts.append({**p, "chapters": _prune(p["chapters"])})
        else:
            # Other parts: their landing pages only (no chapters to execute), so that the
            # {doc}`../<part>/index` links of Foundations' "where it is used" lists resolve.
            landing = [{"file": c["file"]} for c in p["chapters"] if c.get("file")]
            if landing:
                parts.append({**p, "chapters": landing})
    if not any(f"book/{part}/" in str(p) for p in parts):
        sys.exit(f"no part folder book/{part} in _toc.yml")
    Path(out).write_text(yaml.safe_dump({**toc, "parts": parts}, sort_keys=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
