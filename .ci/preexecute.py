"""Execute the book's chapters two at a time into the build's execution cache.

Jupyter Book executes the chapters one after the other. Most chapters run in one process, so
on two cores half the machine idles while they run. This script reads every chapter exactly
as myst-nb does (same reader, so the same cache key: kernelspec, code cell sources and cell
metadata), skips those already in the cache, and executes the others: first the Monte Carlo
chapters that run their grids in two worker processes of their own (``GRID_CHAPTERS``), one
at a time, since running two of them together oversubscribes the cores badly (measured: each
took 3.3 times as long); then all other chapters two at a time, longest first. Each executed
notebook is stored in the cache of ``execute_notebooks: cache``. The build that follows
(``jupyter-book build``) then finds every chapter in the cache and executes nothing, or
executes what failed here and reports it as it always does.

Environment (scale, repro folder, IPython profile) is inherited from the caller, i.e. the
Makefile's ``book`` recipe. A chapter's kernel runs in the chapter's folder, as in the build.

usage: python .ci/preexecute.py [--jobs N] [--cache _build/.jupyter_cache] [--toc _toc.yml]
                                [--dry-run]
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

# Chapters whose paper-scale grids run in two worker processes (sim.run_grid(n_jobs=2)):
# executed alone, one after the other.
GRID_CHAPTERS = (
    "book/isac/07-simulations.md",
    "book/mimo_ic/06-simulations.md",
    "book/aauc/07-simulations.md",
    "book/smallcell/06-simulations.md",
)
# Measured paper-scale execution times (s) of the longest single-process chapters: started
# first, so the short ones fill the gaps at the end. Chapters not listed count as short.
EXPECTED_SECONDS = {
    "book/isac/06-algorithms.md": 70,
    "book/aauc/05-bfom.md": 55,
}


def _config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def _readers():
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader
    from myst_parser.config.main import MdParserConfig

    sphinx = _config().get("sphinx", {}).get("config", {})
    md = MdParserConfig(
        enable_extensions=set(sphinx.get("myst_enable_extensions", [])),
        dmath_double_inline=bool(sphinx.get("myst_dmath_double_inline", False)),
    )
    return create_nb_reader, md, NbParserConfig()


def chapters(toc_path: Path = ROOT / "_toc.yml") -> list[Path]:
    """Every file of the table of contents that is a notebook (Markdown with a kernelspec)."""
    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    files: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            if "glob" in node:
                files.extend(
                    p.with_suffix("").relative_to(ROOT).as_posix()
                    for p in sorted(ROOT.glob(node["glob"] + ".md"))
                )
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(toc)
    out = []
    for name in files:
        path = ROOT / (name if name.endswith(".md") else name + ".md")
        head = path.read_text(encoding="utf-8")[:2000] if path.exists() else ""
        if head.startswith("---") and "jupytext:" in head and "kernelspec:" in head:
            out.append(path)
    return out


def _rel(path: Path) -> str:
    path = Path(path)
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def in_cache(cache, notebook) -> bool:
    try:
        return cache.match_cache_notebook(notebook) is not None
    except KeyError:  # jupyter-cache's way of saying "no record"
        return False


def read(path: Path):
    create_nb_reader, md, nb = _readers()
    text = path.read_text(encoding="utf-8")
    reader = create_nb_reader(str(path), md, nb, text)
    return reader.read(text)


def execute(path_str: str, timeout: int) -> tuple[str, dict, float, str | None]:
    """Worker: read and execute one chapter in its folder; return the executed notebook."""
    from jupyter_cache.executors.utils import single_nb_execution

    path = Path(path_str)
    notebook = read(path)
    result = single_nb_execution(
        notebook, cwd=str(path.parent), timeout=timeout, allow_errors=False, meta_override=True
    )
    return path_str, dict(notebook), float(result.time), result.exc_string


def _execute_all(paths: list[Path], jobs: int, timeout: int, cache) -> list[str]:
    """Execute ``paths`` in ``jobs`` processes and cache each success; return the failures."""
    import nbformat
    from jupyter_cache.base import CacheBundleIn

    failed = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(execute, str(p), timeout) for p in paths]
        for future in as_completed(futures):
            path_str, nb_dict, seconds, error = future.result()
            rel = _rel(Path(path_str))
            if error is not None:
                # not cached: the build executes it again and reports the error as usual
                failed.append(rel)
                print(f"[preexecute] FAILED {rel} after {seconds:.0f} s", flush=True)
                continue
            cache.cache_notebook_bundle(
                CacheBundleIn(
                    nbformat.from_dict(nb_dict), path_str, data={"execution_seconds": seconds}
                ),
                check_validity=False,
                overwrite=True,
            )
            print(f"[preexecute] {rel}: {seconds:.0f} s", flush=True)
    return failed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cache", default=str(ROOT / "_build" / ".jupyter_cache"))
    parser.add_argument("--toc", default=str(ROOT / "_toc.yml"), help="table of contents")
    parser.add_argument("--dry-run", action="store_true", help="list what would execute")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be >= 1")

    from jupyter_cache import get_cache

    cache = get_cache(args.cache)
    timeout = int(_config().get("execute", {}).get("timeout", 30))
    todo = [p for p in chapters(Path(args.toc)) if not in_cache(cache, read(p))]
    todo.sort(key=lambda p: -EXPECTED_SECONDS.get(_rel(p), 0))  # stable: toc order otherwise
    print(f"[preexecute] {len(todo)} chapter(s) to execute with {args.jobs} process(es)")
    if args.dry_run:
        for p in todo:
            print("  ", _rel(p))
        return 0
    t0, failed = time.perf_counter(), []
    grids = [p for p in todo if _rel(p) in GRID_CHAPTERS]
    rest = [p for p in todo if _rel(p) not in GRID_CHAPTERS]
    for jobs, batch in ((1, grids), (args.jobs, rest)):
        if batch:
            failed += _execute_all(batch, jobs, timeout, cache)
    print(f"[preexecute] done in {time.perf_counter() - t0:.0f} s; failed: {failed or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
