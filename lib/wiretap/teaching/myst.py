"""Reading the book's chapters: exercises, gated solutions and check cells in MyST Markdown.

A chapter's exercises follow the cell-tag convention of ``CONTRIBUTING.md``:

- a MyST comment ``% exercise-meta: difficulty=D time=T uses=a,b`` directly above each
  ``{exercise}`` directive (difficulty 1 to 3, time in minutes, library functions used);
- a gated solution, ``{solution-start} LABEL`` ... ``{solution-end}``; a code cell tagged
  ``solution`` inside it holds the answer, and its first line ``# hint: ...`` becomes the hint
  of the student's stub;
- after the solution block, a code cell tagged ``check`` and the exercise label asserts the
  answer (graded exercises). Exercises without a ``check`` cell (derivations) are listed but
  not graded.

This module only reads; :mod:`wiretap.teaching.convert` writes notebooks. The helpers outside
``__all__`` (``Directive``, ``walk_blocks``, ``cell_tags``, ``chapter_key``, ``book_root``,
``directive_to_markdown``) are shared within :mod:`wiretap.teaching`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Chapter",
    "Exercise",
    "ExerciseMeta",
    "all_chapters",
    "myst_to_markdown",
    "read_chapter",
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

    @property
    def points(self) -> int:
        """Points of the exercise in an assignment, equal to its difficulty (1 without metadata)."""
        return self.meta.difficulty if self.meta is not None else 1


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
class Directive:
    """A top-level fenced MyST directive: name, argument, ``:key:`` options, body, raw text."""

    name: str
    arg: str
    options: dict[str, str]
    body: str
    raw: str


def _split_blocks(text: str) -> list[str | Directive]:
    """Split Markdown into plain text runs and top-level fenced directives."""
    lines = text.split("\n")
    out: list[str | Directive] = []
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
            Directive(m["name"], m["arg"].strip(), options, body, "\n".join(lines[i : j + 1]))
        )
        i = j + 1
    if plain:
        out.append("\n".join(plain))
    return out


def cell_tags(cell) -> list[str]:
    """The cell's tags (a new list)."""
    return list(cell.get("metadata", {}).get("tags", []))


def chapter_key(path: Path) -> str:
    """``<part>-<stem>``, the chapter's key in packs and on the command line."""
    return f"{path.parent.name}-{path.stem}"


def book_root(path: Path) -> Path | None:
    """The nearest parent folder holding the book's ``_toc.yml``, else None."""
    for d in path.resolve().parents:
        if (d / ROOT_MARKER).is_file():
            return d
    return None


def walk_blocks(nb, where: str):
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


def _count_code_cell(idx: int, cell, sol: str | None, found: dict[str, dict]) -> list[str]:
    """Count a code cell into the exercise it belongs to; return convention problems."""
    problems = []
    tags = cell_tags(cell)
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
                f"defined above it (tags {tags})" + (f"; unknown: {others}" if others else "")
            )
        else:
            found[labels[0]]["check_cells"] += 1
    return problems


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
    root = book_root(path)
    docname = str(path.resolve().relative_to(root).with_suffix("")) if root else path.stem
    where = str(path)
    title = ""
    found: dict[str, dict] = {}
    order: list[str] = []
    problems: list[str] = []
    for idx, cell, block, sol, meta in walk_blocks(nb, where):
        if block is None:
            problems += _count_code_cell(idx, cell, sol, found)
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
    return Chapter(path, chapter_key(path), docname, title, exercises, tuple(problems))


def all_chapters(root: str | Path | None = None) -> list[Path]:
    """Every numbered chapter of the book, in table-of-contents order.

    Parameters
    ----------
    root : str or Path, optional
        Book root (the folder holding ``_toc.yml``); default: found from this file.
    """
    import yaml

    root = Path(root) if root is not None else book_root(Path(__file__))
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
        out.append(directive_to_markdown(block))
    return "\n".join(out).strip("\n")


def directive_to_markdown(d: Directive) -> str:
    """Plain Markdown for one directive (as :func:`myst_to_markdown` writes it)."""
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
