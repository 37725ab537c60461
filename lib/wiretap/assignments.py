"""Course assignments built from the book's chapters, and the command line that grades them.

A chapter's exercises follow the cell-tag convention of ``CONTRIBUTING.md``:

- a MyST comment ``% exercise-meta: difficulty=D time=T uses=a,b`` directly above each
  ``{exercise}`` directive (difficulty 1 to 3, time in minutes, library functions used);
- a gated solution, ``{solution-start} LABEL`` ... ``{solution-end}``; a code cell tagged
  ``solution`` inside it holds the answer, and its first line ``# hint: ...`` becomes the hint
  of the student's stub;
- after the solution block, a code cell tagged ``check`` and the exercise label asserts the
  answer (graded exercises). Exercises without a ``check`` cell (derivations) are listed but
  not graded.

An *assignment pack* is a folder::

    PACK/README.md                      how to hand it out and grade it
    PACK/manifest.json                  chapters, exercises, metadata and the check cells
    PACK/student/<part>-<chapter>.ipynb     solutions replaced by stubs, checks kept
    PACK/instructor/<part>-<chapter>.ipynb  the chapter with its solutions

Command line::

    python -m wiretap.assignments build book/smallcell/03-game.md ... --out PACK
    python -m wiretap.assignments build --all --out assignments     # what `make assignments` does
    python -m wiretap.assignments grade PACK/student/smallcell-03-game.ipynb --pack PACK
    python -m wiretap.assignments verify PACK     # instructor copies pass, student stubs fail
    python -m wiretap.assignments list --all      # the exercise table

The grader (:mod:`wiretap.grading`) runs a notebook top to bottom and reports, per graded
exercise, pass or fail with the check that failed. With ``--pack`` it first puts back the
pack's own check cells, so that an edited check cannot pass a wrong answer.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = [
    "Chapter",
    "Exercise",
    "ExerciseMeta",
    "all_chapters",
    "build_pack",
    "instructor_notebook",
    "main",
    "make_stub",
    "myst_to_markdown",
    "read_chapter",
    "student_notebook",
]

ROOT_MARKER = "_toc.yml"
META_RE = re.compile(r"^\s*%\s*exercise-meta:\s*(?P<body>.*)$")
FENCE_RE = re.compile(
    r"^(?P<indent>\s*)(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:.-]+)\}\s*(?P<arg>.*)$"
)
OPTION_RE = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
HINT_RE = re.compile(r"^\s*#\s*hint:\s*(?P<hint>.*)$", re.IGNORECASE)
LABEL_RE = re.compile(r"^[A-Za-z][\w.:-]*$")
WIRETAP_KEY = "wiretap"  # cell and notebook metadata key written into packs


# --------------------------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExerciseMeta:
    """What the ``% exercise-meta:`` line says about an exercise.

    Attributes
    ----------
    difficulty : int
        1 = apply a formula, 2 = derive or modify, 3 = implement a solver piece.
    time : int
        Estimated time in minutes.
    uses : tuple of str
        Library functions the exercise exercises (dotted names).
    """

    difficulty: int
    time: int
    uses: tuple[str, ...] = ()

    @classmethod
    def parse(cls, body: str, where: str = "") -> ExerciseMeta:
        """Parse ``difficulty=2 time=30 uses=a,b``.

        Raises
        ------
        ValueError
            On an unknown key, a missing difficulty or time, or a value out of range.

        Examples
        --------
        >>> ExerciseMeta.parse("difficulty=2 time=30 uses=wiretap.rates.sinr_rate")
        ExerciseMeta(difficulty=2, time=30, uses=('wiretap.rates.sinr_rate',))
        """
        fields: dict[str, str] = {}
        for token in body.split():
            key, sep, value = token.partition("=")
            if not sep or key not in ("difficulty", "time", "uses"):
                raise ValueError(f"{where}: exercise-meta: cannot read {token!r}")
            fields[key] = value
        for key in ("difficulty", "time"):
            if key not in fields or not fields[key].isdigit():
                raise ValueError(f"{where}: exercise-meta needs an integer {key}=..., got {body!r}")
        difficulty, time = int(fields["difficulty"]), int(fields["time"])
        if difficulty not in (1, 2, 3):
            raise ValueError(
                f"{where}: exercise-meta difficulty must be 1, 2 or 3, got {difficulty}"
            )
        if time <= 0:
            raise ValueError(f"{where}: exercise-meta time must be a positive number of minutes")
        uses = tuple(u for u in fields.get("uses", "").split(",") if u)
        return cls(difficulty, time, uses)


@dataclass(frozen=True)
class Exercise:
    """One exercise of a chapter.

    Attributes
    ----------
    label : str
        The exercise label (``ex-...``).
    title : str
        The exercise's title (the directive argument).
    meta : ExerciseMeta or None
        Its metadata line, None when the line is missing.
    solution_cells : int
        Code cells tagged ``solution`` in its solution block.
    check_cells : int
        Code cells tagged ``check`` and the label.
    has_solution : bool
        Whether a solution block exists.
    """

    label: str
    title: str
    meta: ExerciseMeta | None
    solution_cells: int = 0
    check_cells: int = 0
    has_solution: bool = False

    @property
    def graded(self) -> bool:
        """Whether it is graded automatically (a ``solution`` code cell and a ``check`` cell).

        An exercise with a check cell but no solution code (a derivation followed by a
        numerical illustration) is shown to students with its check, and not graded.
        """
        return self.check_cells > 0 and self.solution_cells > 0


@dataclass(frozen=True)
class Chapter:
    """A chapter read from its Jupytext source.

    Attributes
    ----------
    path : Path
        The ``.md`` file.
    key : str
        ``<part>-<stem>``, e.g. ``smallcell-03-game`` (pack file names).
    docname : str
        Path without suffix relative to the book root, e.g. ``book/smallcell/03-game``.
    title : str
        The H1 title.
    exercises : tuple of Exercise
        In order of appearance.
    problems : tuple of str
        Convention violations (missing metadata, checks without an exercise, ...).
    """

    path: Path
    key: str
    docname: str
    title: str
    exercises: tuple[Exercise, ...]
    problems: tuple[str, ...] = field(default=(), compare=False)

    @property
    def part(self) -> str:
        return self.path.parent.name


# --------------------------------------------------------------------------------------------
# Parsing MyST Markdown cells into blocks
# --------------------------------------------------------------------------------------------


@dataclass
class _Directive:
    name: str
    arg: str
    options: dict[str, str]
    body: str
    raw: str


def _split_blocks(text: str) -> list[str | _Directive]:
    """Split Markdown into plain text runs and top-level fenced directives."""
    lines = text.split("\n")
    out: list[str | _Directive] = []
    plain: list[str] = []
    i = 0
    while i < len(lines):
        m = FENCE_RE.match(lines[i])
        if not m:
            plain.append(lines[i])
            i += 1
            continue
        fence = m["fence"]
        close = re.compile(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        inner = lines[i + 1 : j]
        options: dict[str, str] = {}
        k = 0
        while k < len(inner) and OPTION_RE.match(inner[k].strip()):
            om = OPTION_RE.match(inner[k].strip())
            options[om["key"]] = om["value"].strip()
            k += 1
        if plain:
            out.append("\n".join(plain))
            plain = []
        body = "\n".join(inner[k:]).strip("\n")
        out.append(
            _Directive(m["name"], m["arg"].strip(), options, body, "\n".join(lines[i : j + 1]))
        )
        i = j + 1
    if plain:
        out.append("\n".join(plain))
    return out


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _chapter_key(path: Path) -> str:
    return f"{path.parent.name}-{path.stem}"


def _book_root(path: Path) -> Path | None:
    for d in path.resolve().parents:
        if (d / ROOT_MARKER).is_file():
            return d
    return None


def _walk(nb, where: str):
    """Yield ``(cell_index, cell, block, solution_label, meta)`` over the notebook.

    ``block`` is a text run or a directive for Markdown cells and None for code cells;
    ``solution_label`` is the label of the enclosing gated solution, if any; ``meta`` is the
    ``exercise-meta`` line seen last (for exercise directives).
    """
    in_solution: str | None = None
    meta: str | None = None
    for idx, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            yield idx, cell, None, in_solution, None
            continue
        for block in _split_blocks(cell.source):
            if isinstance(block, str):
                for line in block.split("\n"):
                    mm = META_RE.match(line)
                    if mm:
                        meta = mm["body"]
                    elif line.strip():
                        meta = None
                yield idx, cell, block, in_solution, None
                continue
            if block.name == "solution-start":
                yield idx, cell, block, in_solution, None
                in_solution = block.arg.split()[0] if block.arg else f"<unlabelled in {where}>"
                continue
            if block.name == "solution-end":
                in_solution = None
                yield idx, cell, block, None, None
                continue
            this_meta = meta if block.name in ("exercise", "exercise-start") else None
            meta = None
            yield idx, cell, block, in_solution, this_meta


def read_chapter(path: str | Path) -> Chapter:
    """Read a chapter's exercises, solutions and checks.

    Parameters
    ----------
    path : str or Path
        A Jupytext MyST Markdown chapter (``book/<part>/NN-slug.md``).

    Returns
    -------
    Chapter
        Its exercises and any convention problems found (``Chapter.problems``).

    Raises
    ------
    ValueError
        If the file does not exist, is not a Jupytext notebook, or has a malformed
        ``exercise-meta`` line.
    """
    import jupytext

    path = Path(path)
    if not path.is_file() or path.suffix != ".md":
        raise ValueError(f"path must be an existing .md chapter, got {str(path)!r}")
    nb = jupytext.read(path)
    root = _book_root(path)
    docname = str(path.resolve().relative_to(root).with_suffix("")) if root else path.stem
    where = str(path)
    title = ""
    found: dict[str, dict] = {}
    order: list[str] = []
    problems: list[str] = []
    for idx, cell, block, sol, meta in _walk(nb, where):
        if block is None:
            tags = _tags(cell)
            if "solution" in tags:
                if sol is None:
                    problems.append(f"cell {idx}: a 'solution' cell outside a solution block")
                elif sol in found:
                    found[sol]["solution_cells"] += 1
            if "check" in tags:
                labels = [t for t in tags if t in found]
                others = [t for t in tags if t.startswith("ex-") and t not in found]
                if sol is not None:
                    problems.append(f"cell {idx}: a 'check' cell inside the solution block {sol}")
                if len(labels) != 1:
                    problems.append(
                        f"cell {idx}: a 'check' cell must carry the label of exactly one exercise "
                        f"defined above it (tags {tags})"
                        + (f"; unknown: {others}" if others else "")
                    )
                else:
                    found[labels[0]]["check_cells"] += 1
            continue
        if isinstance(block, str):
            if not title:
                m = re.search(r"^#\s+(.+)$", block, re.MULTILINE)
                if m:
                    title = m.group(1).strip()
            continue
        if block.name in ("exercise", "exercise-start"):
            label = block.options.get("label", "")
            if not label:
                problems.append(f"cell {idx}: exercise {block.arg!r} has no :label:")
                continue
            if meta is None:
                problems.append(f"{label}: no '% exercise-meta:' line directly above it")
                parsed = None
            else:
                parsed = ExerciseMeta.parse(meta, f"{where} ({label})")
            found[label] = dict(
                label=label, title=block.arg, meta=parsed, solution_cells=0, check_cells=0
            )
            order.append(label)
        elif block.name in ("solution-start", "solution"):
            label = block.arg.split()[0] if block.arg else ""
            if label not in found:
                problems.append(f"cell {idx}: solution for unknown exercise {label!r}")
            else:
                found[label]["has_solution"] = True
    exercises = tuple(Exercise(**found[label]) for label in order)
    return Chapter(path, _chapter_key(path), docname, title, exercises, tuple(problems))


def all_chapters(root: str | Path | None = None) -> list[Path]:
    """Every numbered chapter of the book, in table-of-contents order.

    Parameters
    ----------
    root : str or Path, optional
        Book root (the folder holding ``_toc.yml``); default: found from this file.
    """
    import yaml

    root = Path(root) if root is not None else _book_root(Path(__file__))
    if root is None or not (root / ROOT_MARKER).is_file():
        raise ValueError(f"no {ROOT_MARKER} found under root {root!s}")
    toc = yaml.safe_load((root / ROOT_MARKER).read_text(encoding="utf-8"))
    out: list[Path] = []

    def visit(entries):
        for e in entries or []:
            if "glob" in e:
                out.extend(sorted(p for p in root.glob(e["glob"] + ".md")))
            elif "file" in e:
                p = root / (e["file"] + ".md")
                if re.match(r"\d\d", p.name) and p.is_file():
                    out.append(p)
            visit(e.get("sections"))

    for part in toc.get("parts", []):
        visit(part.get("chapters"))
    visit(toc.get("chapters"))
    return list(dict.fromkeys(out))


# --------------------------------------------------------------------------------------------
# MyST to plain Jupyter Markdown
# --------------------------------------------------------------------------------------------

_ROLE_RE = re.compile(r"\{(?P<role>[\w:.-]+)\}`(?P<content>[^`]*)`")
_ADMONITIONS = {"note", "tip", "warning", "important", "caution", "attention", "hint", "seealso"}


def _role(m: re.Match) -> str:
    role, content = m["role"], m["content"]
    text, _, target = content.partition(" <")
    target = target.rstrip(">") if target else content
    if role == "math":
        return f"${content}$"
    if role.startswith("cite"):
        return f"[{content}]"
    if role == "eq":
        return f"[({content})](#{content})"
    if role in ("ref", "numref", "prf:ref", "doc", "download", "term"):
        return f"*{text}*" if target != content else f"`{content}`"
    return f"`{content}`"


def myst_to_markdown(text: str) -> str:
    """Rewrite MyST Markdown into Markdown that plain Jupyter renders.

    Labels become anchors, ``{math}`` blocks become ``$$`` blocks, roles become text, and
    admonitions, exercises and proof blocks become quoted or bold headings.

    Examples
    --------
    >>> myst_to_markdown("See {eq}`eq-a` and {cite:p}`tang2021smallcell`.")
    'See [(eq-a)](#eq-a) and [tang2021smallcell].'
    """
    out: list[str] = []
    for block in _split_blocks(text):
        if isinstance(block, str):
            lines = []
            for line in block.split("\n"):
                if re.match(r"^\s*%", line):
                    continue
                m = re.match(r"^\((?P<label>[^)]+)\)=\s*$", line)
                lines.append(f'<a id="{m["label"]}"></a>' if m else _ROLE_RE.sub(_role, line))
            out.append("\n".join(lines))
            continue
        out.append(_directive_to_markdown(block))
    return "\n".join(out).strip("\n")


def _directive_to_markdown(d: _Directive) -> str:
    body = myst_to_markdown(d.body) if d.body else ""
    label = d.options.get("label") or d.options.get("name")
    anchor = f'<a id="{label}"></a>\n' if label else ""
    if d.name == "math":
        return f"{anchor}$$\n{d.body.strip()}\n$$"
    if d.name in ("code-block", "code", "sourcecode"):
        return f"```{d.arg}\n{d.body}\n```"
    if d.name in ("exercise", "exercise-start"):
        return f"{anchor}**Exercise ({label}): {d.arg}**\n\n{body}".rstrip()
    if d.name in ("solution", "solution-start"):
        return f"**Solution to {d.arg}.**\n\n{body}".rstrip()
    if d.name in ("solution-end", "exercise-end"):
        return ""
    if d.name in ("figure", "image"):
        return f"{anchor}![{body or d.arg}]({d.arg})"
    if d.name.startswith("prf:"):
        kind = d.name[4:].capitalize()
        title = f" ({myst_to_markdown(d.arg)})" if d.arg else ""
        return f"{anchor}**{kind}{title}.** {body}".rstrip()
    if d.name in _ADMONITIONS or d.name == "admonition":
        title = myst_to_markdown(d.arg) if d.arg else d.name.capitalize()
        quoted = "\n".join("> " + line if line else ">" for line in body.split("\n"))
        return f"{anchor}> **{title}**\n>\n{quoted}"
    head = f"**{myst_to_markdown(d.arg)}**\n\n" if d.arg else ""
    return f"{anchor}{head}{body}".rstrip()


# --------------------------------------------------------------------------------------------
# Stubs
# --------------------------------------------------------------------------------------------


def _hint(source: str) -> tuple[str | None, str]:
    lines = source.split("\n")
    if lines and HINT_RE.match(lines[0]):
        return HINT_RE.match(lines[0])["hint"].strip(), "\n".join(lines[1:])
    return None, source


def _raise_stmt(message: str) -> ast.Raise:
    return ast.Raise(
        exc=ast.Call(ast.Name("NotImplementedError", ast.Load()), [ast.Constant(message)], []),
        cause=None,
    )


def _stub_function(node, label: str, hint: str | None, owner: str = ""):
    name = f"{owner}{node.name}"
    msg = f"{label}: implement {name}()" + (f" (hint: {hint})" if hint else "")
    body = []
    if ast.get_docstring(node) is not None:
        body.append(node.body[0])
    body.append(_raise_stmt(msg))
    new = copy.copy(node)
    new.body = body
    return new


def _assigned_names(node) -> list[str]:
    names = []
    for target in ast.walk(node):
        if isinstance(target, ast.Name) and isinstance(target.ctx, ast.Store):
            names.append(target.id)
    return names


def make_stub(source: str, label: str) -> str:
    """The student's version of a ``solution`` cell.

    Functions and classes keep their signatures and docstrings and raise
    ``NotImplementedError`` naming the exercise and the hint; imports are kept; any other
    top-level statement is removed and the cell itself raises, listing the names the student
    must define.

    Parameters
    ----------
    source : str
        The solution cell's source; a first line ``# hint: ...`` gives the hint.
    label : str
        The exercise label, quoted in the error message.

    Examples
    --------
    >>> print(make_stub("# hint: clip at zero\\ndef f(x):\\n    return max(x, 0)", "ex-a"))
    # Exercise ex-a: replace the NotImplementedError below with your code.
    # Hint: clip at zero
    def f(x):
        raise NotImplementedError('ex-a: implement f() (hint: clip at zero)')
    """
    hint, code = _hint(source)
    header = [f"# Exercise {label}: replace the NotImplementedError below with your code."]
    if hint:
        header.append(f"# Hint: {hint}")
    try:
        tree = ast.parse(code)
    except SyntaxError:
        tree = None
    kept: list[ast.stmt] = []
    names: list[str] = []
    if tree is not None:
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                kept.append(node)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                kept.append(_stub_function(node, label, hint))
            elif isinstance(node, ast.ClassDef):
                new = copy.copy(node)
                new.body = [
                    _stub_function(n, label, hint, f"{node.name}.")
                    if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                    else n
                    for n in node.body
                ]
                kept.append(new)
            else:
                names += [n for n in _assigned_names(node) if n not in names]
    if tree is None or names or not kept:
        what = f"define {', '.join(names)}" if names else "write your solution"
        msg = f"{label}: {what}" + (f" (hint: {hint})" if hint else "")
        if names:
            header.append(f"# Define: {', '.join(names)}")
        kept.append(_raise_stmt(msg))
    module = ast.Module(body=kept, type_ignores=[])
    return "\n".join(header) + "\n" + ast.unparse(ast.fix_missing_locations(module))


# --------------------------------------------------------------------------------------------
# Student and instructor notebooks
# --------------------------------------------------------------------------------------------


def _new_markdown(source: str):
    import nbformat

    return nbformat.v4.new_markdown_cell(source)


def _convert(nb, chapter: Chapter, *, student: bool):
    """Shared walk for the two versions of a chapter."""
    import nbformat

    titles = {e.label: e.title for e in chapter.exercises}
    graded = {e.label for e in chapter.exercises if e.graded}
    cells = []
    pending: list[str] = []  # markdown text of the current cell, flushed before code cells

    def flush():
        text = "\n\n".join(t for t in pending if t.strip()).strip()
        pending.clear()
        if text:
            cells.append(_new_markdown(text))

    last_idx = None
    for idx, cell, block, sol, _meta in _walk(nb, str(chapter.path)):
        if idx != last_idx:
            flush()
            last_idx = idx
        if block is None:
            new = copy.deepcopy(cell)
            new.pop("id", None)
            tags = _tags(cell)
            md = new.setdefault("metadata", {})
            if sol is not None:
                md[WIRETAP_KEY] = {"exercise": sol, "role": "solution"}
                if student:
                    if "solution" not in tags:
                        continue  # other solution code would give the answer away
                    new.source = make_stub(cell.source, sol)
            elif "check" in tags:
                label = next((t for t in tags if t in titles), None)
                md[WIRETAP_KEY] = {"exercise": label, "role": "check"}
            new.outputs = [] if new.cell_type == "code" else new.get("outputs")
            if new.cell_type == "code":
                new.execution_count = None
            cells.append(new)
            continue
        if isinstance(block, _Directive) and block.name == "solution-start":
            label = block.arg.split()[0] if block.arg else ""
            if student:
                what = (
                    "Write your code in the cell below; the check cell after it grades it."
                    if label in graded
                    else "Write your answer here."
                )
                pending.append(f"**Your solution to {titles.get(label, label)}.** {what}")
            else:
                pending.append(f"**Solution to {titles.get(label, label)}.**")
            continue
        if isinstance(block, _Directive) and block.name == "solution-end":
            continue
        if sol is not None and student:
            continue  # solution prose
        if isinstance(block, _Directive) and block.name == "solution" and student:
            label = block.arg.split()[0] if block.arg else ""
            pending.append(
                f"**Your solution to {titles.get(label, label)}.** Write your answer here."
            )
            continue
        pending.append(
            myst_to_markdown(block) if isinstance(block, str) else _directive_to_markdown(block)
        )
    flush()
    out = nbformat.v4.new_notebook()
    out.metadata = copy.deepcopy(nb.metadata)
    out.metadata.pop("jupytext", None)
    out.metadata[WIRETAP_KEY] = {
        "chapter": chapter.key,
        "source": chapter.docname,
        "version": "student" if student else "instructor",
        "graded": sorted(graded),
    }
    for i, cell in enumerate(cells):  # stable ids: a rebuilt pack is identical
        cell["id"] = f"{out.metadata[WIRETAP_KEY]['version'][0]}{i:03d}"
    out.cells = cells
    return out


def _read_nb(chapter: Chapter):
    import jupytext

    return jupytext.read(chapter.path)


def student_notebook(chapter: str | Path | Chapter):
    """The student's notebook of a chapter: solutions become stubs, checks stay.

    Parameters
    ----------
    chapter : str, Path or Chapter
        The chapter (a path is read with :func:`read_chapter`).

    Returns
    -------
    nbformat.NotebookNode
        Markdown rewritten for plain Jupyter; solution prose and untagged solution code
        removed; each ``solution`` cell replaced by :func:`make_stub`; cells carry
        ``metadata["wiretap"] = {"exercise": label, "role": "solution"|"check"}``.
    """
    ch = chapter if isinstance(chapter, Chapter) else read_chapter(chapter)
    return _convert(_read_nb(ch), ch, student=True)


def instructor_notebook(chapter: str | Path | Chapter):
    """The instructor's notebook of a chapter: the same cells with their solutions."""
    ch = chapter if isinstance(chapter, Chapter) else read_chapter(chapter)
    return _convert(_read_nb(ch), ch, student=False)


def _check_sources(nb) -> dict[str, list[str]]:
    checks: dict[str, list[str]] = {}
    for cell in nb.cells:
        info = cell.get("metadata", {}).get(WIRETAP_KEY, {})
        if info.get("role") == "check" and info.get("exercise"):
            checks.setdefault(info["exercise"], []).append(cell.source)
    return checks


# --------------------------------------------------------------------------------------------
# Packs
# --------------------------------------------------------------------------------------------

_README = """# Assignment pack

Built by `python -m wiretap.assignments build` from the wiretap-book chapters listed in
`manifest.json`.

- `student/`: one notebook per chapter. Each graded exercise has a code cell that raises
  `NotImplementedError` (with a hint) until the student replaces it, followed by the check
  cell that grades it. Hand these out.
- `instructor/`: the same notebooks with the solutions. Keep these.
- `manifest.json`: the exercises (difficulty, time, library functions used) and the check
  cells of every graded exercise.

Students need Python with `wiretap` installed (`pip install -r requirements.txt` in the book's
repository, or the Colab cell at the top of each notebook).

## Grading

    python -m wiretap.assignments grade submissions/*.ipynb --pack {pack}

runs each notebook top to bottom (quick scale, a fresh kernel per notebook) and prints, per
graded exercise, PASS or FAIL with the check line that failed and its error. The pack's own
check cells replace those in the submission before it runs, so editing a check does not help.
`--json report.json` writes the same report as JSON. Exercises without a check cell (derivations)
are listed as "not auto-graded".

    python -m wiretap.assignments verify {pack}

checks the pack itself: every instructor notebook passes and every student notebook fails each
graded exercise.
"""


def build_pack(chapters: Iterable[str | Path], out: str | Path, *, strict: bool = True) -> dict:
    """Write an assignment pack for the chapters that have exercises.

    Parameters
    ----------
    chapters : iterable of str or Path
        Chapter files; those without exercises are skipped.
    out : str or Path
        Pack folder (created; existing notebooks of the same chapters are overwritten).
    strict : bool
        Raise on convention problems (see ``Chapter.problems``) instead of skipping them.

    Returns
    -------
    dict
        The manifest written to ``out/manifest.json``.

    Raises
    ------
    ValueError
        If a chapter breaks the exercise conventions and ``strict`` is true, or two
        chapters map to the same pack name.
    """
    import nbformat

    out = Path(out)
    chapters = [read_chapter(p) for p in chapters]
    problems = [f"{c.path}: {p}" for c in chapters for p in c.problems]
    if problems and strict:
        raise ValueError("exercise conventions broken:\n  " + "\n  ".join(problems))
    keys = [c.key for c in chapters]
    if len(set(keys)) != len(keys):
        raise ValueError(f"chapters map to the same pack name: {keys}")
    (out / "student").mkdir(parents=True, exist_ok=True)
    (out / "instructor").mkdir(parents=True, exist_ok=True)
    manifest_path = out / "manifest.json"
    manifest = {"chapters": {}}
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for ch in chapters:
        if not ch.exercises:
            continue
        student = student_notebook(ch)
        teacher = instructor_notebook(ch)
        nbformat.write(student, out / "student" / f"{ch.key}.ipynb")
        nbformat.write(teacher, out / "instructor" / f"{ch.key}.ipynb")
        manifest["chapters"][ch.key] = {
            "title": ch.title,
            "source": ch.docname + ".md",
            "student": f"student/{ch.key}.ipynb",
            "instructor": f"instructor/{ch.key}.ipynb",
            "exercises": [
                {
                    "label": e.label,
                    "title": e.title,
                    "graded": e.graded,
                    **(asdict(e.meta) if e.meta else {}),
                }
                for e in ch.exercises
            ],
            "checks": {
                label: src
                for label, src in _check_sources(teacher).items()
                if label in {e.label for e in ch.exercises if e.graded}
            },
        }
    text = json.dumps(manifest, indent=1)
    manifest_path.write_text(text, encoding="utf-8")
    (out / "README.md").write_text(_README.format(pack=out.name or "."), encoding="utf-8")
    return json.loads(text)


def _load_manifest(pack: str | Path) -> dict:
    path = Path(pack) / "manifest.json"
    if not path.is_file():
        raise ValueError(f"pack must be a folder with a manifest.json, got {str(pack)!r}")
    return json.loads(path.read_text(encoding="utf-8"))


def _chapter_of(nb, path: Path, manifest: dict) -> str:
    key = nb.metadata.get(WIRETAP_KEY, {}).get("chapter") or path.stem
    if key not in manifest["chapters"]:
        raise ValueError(
            f"{path}: chapter {key!r} is not in the pack (it has {sorted(manifest['chapters'])})"
        )
    return key


def grade_file(path: str | Path, *, pack: str | Path | None = None, **options):
    """Grade one notebook file (optionally against a pack's checks); see :mod:`wiretap.grading`."""
    import nbformat

    from .grading import grade_notebook

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"notebook must be an existing .ipynb file, got {str(path)!r}")
    nb = nbformat.read(path, as_version=4)
    checks = titles = None
    if pack is not None:
        manifest = _load_manifest(pack)
        entry = manifest["chapters"][_chapter_of(nb, path, manifest)]
        checks = entry["checks"]
        titles = {e["label"]: e["title"] for e in entry["exercises"]}
    return grade_notebook(
        nb, checks=checks, titles=titles, cwd=path.parent, name=str(path), **options
    )


def verify_pack(pack: str | Path, *, chapters: Sequence[str] | None = None, **options) -> list[str]:
    """Grade a pack's own notebooks: instructor copies must pass, student stubs must fail.

    Returns
    -------
    list of str
        One line per problem found (empty when the pack is sound).
    """
    manifest = _load_manifest(pack)
    problems = []
    for key, entry in manifest["chapters"].items():
        if chapters and key not in chapters:
            continue
        graded = [e["label"] for e in entry["exercises"] if e["graded"]]
        if not graded:
            continue
        teacher = grade_file(Path(pack) / entry["instructor"], pack=pack, **options)
        for r in teacher.results:
            if not r.passed:
                problems.append(f"{key}: instructor copy fails {r.label}: {r.message}")
        problems += [f"{key}: instructor copy: {e}" for e in teacher.errors]
        student = grade_file(Path(pack) / entry["student"], pack=pack, **options)
        for r in student.results:
            if r.passed:
                problems.append(f"{key}: the student stub passes {r.label} (its check is weak)")
    return problems


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def _chapter_args(args) -> list[Path]:
    paths = [Path(p) for p in args.chapters]
    if args.all:
        paths += all_chapters()
    if not paths:
        raise SystemExit("give chapter files or --all")
    return list(dict.fromkeys(paths))


def _exercise_table(chapters: Sequence[Chapter]) -> str:
    rows = ["chapter | exercise | graded | difficulty | minutes | uses", "---|---|---|---|---|---"]
    for ch in chapters:
        for e in ch.exercises:
            m = e.meta
            rows.append(
                f"{ch.key} | {e.label} | {'yes' if e.graded else 'no'} | "
                f"{m.difficulty if m else '?'} | {m.time if m else '?'} | "
                f"{', '.join(m.uses) if m else ''}"
            )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (``python -m wiretap.assignments``)."""
    p = argparse.ArgumentParser(
        prog="python -m wiretap.assignments", description=__doc__.split("\n")[0]
    )
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write an assignment pack")
    b.add_argument("chapters", nargs="*", help="chapter .md files")
    b.add_argument("--all", action="store_true", help="every numbered chapter in _toc.yml")
    b.add_argument("--out", default="assignments", help="pack folder (default: assignments)")
    ls = sub.add_parser("list", help="print the exercise table")
    ls.add_argument("chapters", nargs="*")
    ls.add_argument("--all", action="store_true")
    g = sub.add_parser("grade", help="grade notebooks")
    g.add_argument("notebooks", nargs="+")
    g.add_argument("--pack", help="pack folder whose check cells are used")
    g.add_argument("--json", help="write the reports to this JSON file")
    g.add_argument("--scale", default="quick", choices=["quick", "paper"])
    g.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    v = sub.add_parser("verify", help="instructor copies pass and student stubs fail")
    v.add_argument("pack")
    v.add_argument("--chapter", action="append", help="only these chapter keys")
    v.add_argument("--timeout", type=int, default=600)
    args = p.parse_args(argv)

    if args.command == "build":
        paths = _chapter_args(args)
        manifest = build_pack(paths, args.out)
        built = [k for k in manifest["chapters"] if any(_chapter_key(q) == k for q in paths)]
        n_ex = sum(len(manifest["chapters"][k]["exercises"]) for k in built)
        print(f"assignment pack {args.out}: {len(built)} chapters with exercises, {n_ex} exercises")
        for k in built:
            entry = manifest["chapters"][k]
            n_graded = sum(e["graded"] for e in entry["exercises"])
            print(f"  {k}: {len(entry['exercises'])} exercises, {n_graded} graded")
        return 0
    if args.command == "list":
        print(_exercise_table([read_chapter(q) for q in _chapter_args(args)]))
        return 0
    if args.command == "grade":
        reports = [
            grade_file(nb, pack=args.pack, scale=args.scale, timeout=args.timeout)
            for nb in args.notebooks
        ]
        for r in reports:
            print(r.to_text())
        if args.json:
            Path(args.json).write_text(
                json.dumps([r.to_dict() for r in reports], indent=1), encoding="utf-8"
            )
        return 0 if all(r.passed for r in reports) else 1
    problems = verify_pack(args.pack, chapters=args.chapter, timeout=args.timeout)
    for line in problems:
        print(line)
    print("pack verified" if not problems else f"{len(problems)} problems")
    return 0 if not problems else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
