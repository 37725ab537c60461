"""Tests of .ci/preexecute.py, which executes the chapters two at a time into the build's
execution cache before `jupyter-book build` reads them from there."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHAPTER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A page

```{{code-cell}} ipython3
x = {value}
assert x == 2
```
"""


@pytest.fixture(scope="module")
def pre():
    spec = importlib.util.spec_from_file_location("preexecute", ROOT / ".ci" / "preexecute.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["preexecute"] = module  # its worker function is pickled by module name
    spec.loader.exec_module(module)
    return module


def test_every_notebook_of_the_book_is_found(pre):
    found = {p.relative_to(ROOT).as_posix() for p in pre.chapters()}
    chapters = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "book").rglob("*.md")
        if "jupytext:" in p.read_text(encoding="utf-8")[:2000]
    }
    assert found == chapters  # globbed sections included, no notebook left out
    assert set(pre.EXPECTED_SECONDS) | set(pre.GRID_CHAPTERS) <= found  # real chapters only


def _book(tmp_path: Path, values: dict[str, int]) -> Path:
    files = []
    for name, value in values.items():
        (tmp_path / f"{name}.md").write_text(CHAPTER.format(value=value), encoding="utf-8")
        files.append(f"  - file: {tmp_path / name}")
    toc = tmp_path / "_toc.yml"
    toc.write_text(
        "format: jb-book\nroot: index\nparts:\n- chapters:\n" + "\n".join(files) + "\n",
        encoding="utf-8",
    )
    return toc


def test_executed_chapters_are_cached_and_failures_are_not(pre, tmp_path, capsys):
    from jupyter_cache import get_cache

    toc = _book(tmp_path, {"good": 2, "bad": 3})
    cache_dir = tmp_path / "cache"
    assert pre.main(["--toc", str(toc), "--cache", str(cache_dir), "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "2 chapter(s) to execute" in out and "FAILED" in out and "bad.md" in out
    cache = get_cache(str(cache_dir))
    assert pre.in_cache(cache, pre.read(tmp_path / "good.md"))
    assert not pre.in_cache(cache, pre.read(tmp_path / "bad.md"))
    # the cached notebook carries the outputs of its execution
    record = cache.match_cache_notebook(pre.read(tmp_path / "good.md"))
    nb = cache.get_cache_bundle(record.pk).nb
    assert nb.cells[0].get("execution_count") == 1
    # a second run executes only what is not cached
    assert pre.main(["--toc", str(toc), "--cache", str(cache_dir), "--dry-run"]) == 0
    assert "1 chapter(s) to execute" in capsys.readouterr().out


def test_a_changed_cell_is_executed_again(pre, tmp_path, capsys):
    toc = _book(tmp_path, {"page": 2})
    cache_dir = str(tmp_path / "cache")
    pre.main(["--toc", str(toc), "--cache", cache_dir, "--jobs", "1"])
    text = (tmp_path / "page.md").read_text(encoding="utf-8")
    (tmp_path / "page.md").write_text(text.replace("x = 2", "x = 1 + 1"), encoding="utf-8")
    capsys.readouterr()
    pre.main(["--toc", str(toc), "--cache", cache_dir, "--dry-run"])
    assert "1 chapter(s) to execute" in capsys.readouterr().out


def test_grid_chapters_run_alone_and_the_others_in_pairs(pre, tmp_path, monkeypatch, capsys):
    toc = _book(tmp_path, {"grid": 2, "a": 2, "b": 2})
    grid = (tmp_path / "grid.md").as_posix()
    monkeypatch.setattr(pre, "GRID_CHAPTERS", (grid,))
    calls = []
    real = pre._execute_all
    monkeypatch.setattr(
        pre,
        "_execute_all",
        lambda paths, jobs, *a: (
            calls.append(([p.name for p in paths], jobs)) or real(paths, jobs, *a)
        ),
    )
    assert pre.main(["--toc", str(toc), "--cache", str(tmp_path / "c"), "--jobs", "2"]) == 0
    assert calls == [(["grid.md"], 1), (["a.md", "b.md"], 2)]


def test_bad_jobs_is_refused(pre):
    with pytest.raises(SystemExit):
        pre.main(["--jobs", "0"])


def test_makefile_runs_it_before_the_build():
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\nbook:", 1)[1]
    recipe = recipe.split("\n\n", 1)[0]
    assert recipe.index(".ci/preexecute.py") < recipe.index("jupyter-book build")
