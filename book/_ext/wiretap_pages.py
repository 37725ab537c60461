"""Sphinx extension: reference pages generated from the book itself, on every build.

Two directives, each used by one appendix page:

``{wiretap-exercises}``
    The instructor table: every exercise of every chapter in the build, with its difficulty,
    estimated time, whether it is graded automatically, and the library functions it uses,
    read from the chapters' sources by :mod:`wiretap.teaching.myst`.

``{wiretap-repro}``
    The Reproducibility tables: the paper-versus-ours rows that ``wiretap.repro.compare``
    wrote as JSON while the chapters executed (``$WIRETAP_REPRO_DIR``, default
    ``<book>/_build/repro``), with the seed, the scale and the run time of each figure.

Pages that use either directive depend on every chapter, so this extension

- marks them out of date on every build (``env-get-outdated``), so cached builds refresh them;
- moves them to the end of the reading order (``env-before-read-docs``). Sphinx reads documents
  in sorted order and myst-nb executes a notebook when it reads it, so without this
  ``book/appendix/...`` would be read before ``book/isac/...`` had run and written its tables.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

DIRECTIVES = ("wiretap-exercises", "wiretap-repro")
_USES = re.compile(r"^[`:]{3,}\{(" + "|".join(DIRECTIVES) + r")\}", re.MULTILINE)
DIFFICULTY = {1: "1 apply", 2: "2 derive", 3: "3 implement"}


# ---- docutils helpers ------------------------------------------------------------------------


def _cell(content) -> nodes.entry:
    entry = nodes.entry()
    if isinstance(content, (list, tuple)):  # inline pieces of one paragraph
        para = nodes.paragraph()
        for c in content:
            para += c if isinstance(c, nodes.Node) else nodes.Text(str(c))
    elif isinstance(content, nodes.Node):
        para = content if isinstance(content, nodes.paragraph) else nodes.paragraph("", "", content)
    else:
        para = nodes.paragraph(text=str(content))
    entry += para
    return entry


def table(headers, rows, *, caption: str | None = None, classes=()) -> nodes.table:
    """A docutils table; cells may be strings or inline nodes."""
    tab = nodes.table(classes=["wiretap-generated", *classes])
    if caption:
        tab += nodes.title(text=caption)
    group = nodes.tgroup(cols=len(headers))
    tab += group
    for _ in headers:
        group += nodes.colspec(colwidth=1)
    head = nodes.thead()
    row = nodes.row()
    for h in headers:
        row += _cell(h)
    head += row
    group += head
    body = nodes.tbody()
    for r in rows:
        row = nodes.row()
        for c in r:
            row += _cell(c)
        body += row
    group += body
    return tab


def doc_link(docname: str, text: str | None = None) -> addnodes.pending_xref:
    """A link to a document (its title when ``text`` is None)."""
    ref = addnodes.pending_xref(
        "",
        refdomain="std",
        reftype="doc",
        reftarget="/" + docname,
        refexplicit=text is not None,
        refwarn=True,
    )
    ref += nodes.inline(text=text or docname)
    return ref


def label_link(label: str, content: str | list[nodes.Node]) -> addnodes.pending_xref:
    """A link to a label, showing ``content`` (text, or inline nodes such as math)."""
    ref = addnodes.pending_xref(
        "", refdomain="std", reftype="ref", reftarget=label, refexplicit=True, refwarn=True
    )
    inline = nodes.inline()
    if isinstance(content, str):
        inline += nodes.Text(content)
    else:
        inline.extend(content)
    ref += inline
    return ref


def _part_order(env) -> list[str]:
    """Part folders in table-of-contents order."""
    from wiretap.teaching.myst import all_chapters

    try:
        chapters = all_chapters(env.srcdir)
    except ValueError:
        return []
    return list(dict.fromkeys(p.parent.name for p in chapters))


def _chapters_in_build(env) -> list[tuple[str, Path]]:
    """(docname, source path) of every numbered chapter in this build, in book order."""
    from wiretap.teaching.myst import all_chapters

    root = Path(env.srcdir)
    out = []
    for path in all_chapters(root):
        docname = path.relative_to(root).with_suffix("").as_posix()
        if docname in env.found_docs:
            out.append((docname, path))
    return out


# ---- the instructor table ---------------------------------------------------------------------


class ExercisesDirective(SphinxDirective):
    """Tables of the book's exercises, one per part, generated from the chapters."""

    has_content = False

    def run(self):
        from wiretap.teaching.myst import read_chapter

        by_part: dict[str, list] = {}
        for docname, path in _chapters_in_build(self.env):
            self.env.note_dependency(str(path))
            ch = read_chapter(path)
            for problem in ch.problems:
                logger.warning(f"{path}: {problem}", location=(self.env.docname, self.lineno))
            if ch.exercises:
                by_part.setdefault(ch.part, []).append((docname, ch))
        if not by_part:
            return [nodes.paragraph(text="No chapter in this build has exercises yet.")]
        out: list[nodes.Node] = []
        summary = []
        for part, chapters in by_part.items():
            exs = [e for _, ch in chapters for e in ch.exercises]
            minutes = sum(e.meta.time for e in exs if e.meta)
            summary.append(
                (
                    doc_link(f"book/{part}/index"),
                    str(len(chapters)),
                    str(len(exs)),
                    str(sum(e.graded for e in exs)),
                    f"{minutes / 60:.1f}",
                )
            )
        out.append(
            table(
                ("Part", "Chapters with exercises", "Exercises", "Auto-graded", "Hours (est.)"),
                summary,
                classes=["wiretap-exercise-summary"],
            )
        )
        for chapters in by_part.values():
            for docname, ch in chapters:
                rows = []
                for e in ch.exercises:
                    m = e.meta
                    uses = nodes.paragraph()
                    for i, name in enumerate(m.uses if m else ()):
                        if i:
                            uses += nodes.Text(", ")
                        uses += nodes.literal(text=name)
                    # Titles are MyST (they may hold $math$): parse them as the page would.
                    title, _messages = self.state.inline_text(e.title, self.lineno)
                    rows.append(
                        (
                            label_link(e.label, title),
                            DIFFICULTY.get(m.difficulty, "?") if m else "?",
                            str(m.time) if m else "?",
                            "yes" if e.graded else "no",
                            uses,
                        )
                    )
                rubric = nodes.rubric()
                rubric += doc_link(docname)
                rubric += nodes.Text(f" ({ch.key})")
                out.append(rubric)
                out.append(
                    table(
                        ("Exercise", "Difficulty", "Minutes", "Auto-graded", "Uses"),
                        rows,
                        classes=["wiretap-exercises"],
                    )
                )
        return out


# ---- the reproducibility tables ---------------------------------------------------------------


def repro_folder(env) -> Path:
    value = os.environ.get("WIRETAP_REPRO_DIR")
    return Path(value) if value else Path(env.srcdir) / "_build" / "repro"


class ReproDirective(SphinxDirective):
    """Paper-versus-ours tables of every reproduced figure, from the JSON the chapters wrote."""

    has_content = False

    def run(self):
        from wiretap.repro import load_all

        folder = repro_folder(self.env)
        comps = load_all(folder)
        if not comps:
            return [
                nodes.paragraph(
                    text="No chapter in this build has recorded a reproduced figure yet."
                )
            ]
        order = _part_order(self.env)
        comps.sort(key=lambda c: (order.index(c.part) if c.part in order else 99, c.figure))
        has_index = {d.split("/")[1] for d in self.env.found_docs if d.count("/") == 2}

        def part_cell(part):
            if part in has_index and f"book/{part}/index" in self.env.found_docs:
                return doc_link(f"book/{part}/index")
            return part

        summary = [
            (
                part_cell(c.part),
                c.figure,
                c.scale,
                "" if c.seed is None else str(c.seed),
                "" if c.elapsed is None else f"{c.elapsed:.1f}",
                str(len(c.rows)),
            )
            for c in comps
        ]
        out: list[nodes.Node] = [
            table(
                ("Part", "Figure", "Scale", "Seed", "Time (s)", "Rows"),
                summary,
                classes=["wiretap-repro-summary"],
            )
        ]
        current = None
        for c in comps:
            if c.part != current:
                current = c.part
                rubric = nodes.rubric()
                cell = part_cell(c.part)
                rubric += cell if isinstance(cell, nodes.Node) else nodes.Text(cell)
                out.append(rubric)
            meta = f"{c.figure}: paper vs ours ({c.scale} scale"
            meta += "" if c.seed is None else f", seed {c.seed}"
            meta += "" if c.elapsed is None else f", {c.elapsed:.1f} s"
            out.append(
                table(
                    ("Quantity", "Paper", "Ours", "Note"),
                    [(r.quantity, r.paper, r.ours, r.note) for r in c.rows],
                    caption=meta + ")",
                    classes=["wiretap-repro"],
                )
            )
        return out


# ---- reading order ----------------------------------------------------------------------------


def generated_pages(env) -> list[str]:
    """Docnames whose source uses one of this extension's directives."""
    pages = []
    for docname in sorted(env.found_docs):
        try:
            text = Path(env.doc2path(docname)).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if _USES.search(text):
            pages.append(docname)
    return pages


def always_outdated(app, env, added, changed, removed):
    return generated_pages(env)


def read_last(app, env, docnames: list[str]):
    pages = [d for d in generated_pages(env) if d in docnames]
    for d in pages:
        docnames.remove(d)
    docnames.extend(pages)


# ---- the Colab button -------------------------------------------------------------------------


def colab_opens_the_published_notebook(app, pagename, templatename, context, doctree):
    """Point the Colab launch button at the executed ``.ipynb`` of the published book.

    Chapters are Jupytext ``.md`` files, which Colab cannot open. The theme copies each
    executed notebook to ``_sources/<page>.ipynb`` (the download button's ``.ipynb``); when
    the HTML folder is published to the ``wiretap_colab_branch`` branch (``ghp-import -n -p -f
    _build/html`` pushes it to ``gh-pages``), Colab opens that notebook from GitHub. An empty
    ``wiretap_colab_branch`` leaves the theme's link alone.
    """
    branch = app.config.wiretap_colab_branch
    if not branch:
        return
    for group in context.get("header_buttons", []):
        if not isinstance(group, dict) or group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            if button.get("text") == "Colab" and "/blob/" in button.get("url", ""):
                base = button["url"].split("/blob/")[0]
                button["url"] = f"{base}/blob/{branch}/_sources/{pagename}.ipynb"


# ---- the notebooks Colab opens ------------------------------------------------------------------

COLAB_MARKER = '"google.colab" in sys.modules'


def book_ref(app) -> str:
    """The git reference of the book being built: ``wiretap_book_ref``, else ``HEAD``'s commit.

    Falls back to ``v<version>`` of the installed package when the sources are not a git
    checkout (e.g. an unpacked release).
    """
    if app.config.wiretap_book_ref:
        return app.config.wiretap_book_ref
    try:
        out = subprocess.run(
            ["git", "-C", str(app.srcdir), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import version

        return "v" + version("wiretap")


def repository_url(app) -> str:
    """The book's repository, from ``repository: url`` in ``_config.yml`` (the one setting)."""
    url = (app.config.html_theme_options or {}).get("repository_url", "")
    return url.rstrip("/")


def colab_preamble(url: str, ref: str) -> str:
    """Source of the install cell that Colab runs first (a no-op anywhere else)."""
    return (
        "# Colab: install the wiretap package of the book's version you are reading.\n"
        "import subprocess, sys\n"
        f"if {COLAB_MARKER}:\n"
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q",\n'
        f'                    "wiretap @ git+{url}@{ref}"], check=True)\n'
    )


def pin_colab_notebooks(app, exception):
    """Give every published notebook an install cell pinned to this build's commit.

    The theme writes each chapter's notebook to ``_sources/<page>.ipynb``; ``make publish``
    puts the HTML folder on the ``wiretap_colab_branch`` branch, where the Colab button opens
    it. The cell is added here, tagged ``remove-cell``, and replaces the unpinned install cell
    that chapter sources still carry, so every published notebook gets the same pinned cell.
    """
    if exception is not None or app.builder.format != "html":
        return
    import nbformat

    url, ref = repository_url(app), book_ref(app)
    if not url:
        logger.warning("repository: url is not set; the Colab install cell cannot be pinned")
        return
    source = colab_preamble(url, ref)
    for path in sorted(Path(app.outdir, "_sources").rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cells = [c for c in nb.cells if not (c.cell_type == "code" and COLAB_MARKER in c.source)]
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["remove-cell"]})
        at = 1 if cells and cells[0].cell_type == "markdown" else 0
        cells.insert(at, cell)
        nb.cells = cells
        nbformat.write(nb, path)


# ---- duplicated scripts -----------------------------------------------------------------------


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    """Keep one copy of each script.

    sphinx-thebe (loaded by Jupyter Book) adds its inline configuration twice, and the second
    ``const THEBE_JS_URL`` is a JavaScript error on every page.
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        attrs = getattr(js, "attributes", {}) or {}
        key = (
            str(getattr(js, "filename", js) or ""),
            tuple(sorted((k, str(v)) for k, v in attrs.items())),
        )
        if key not in seen:
            seen.add(key)
            unique.append(js)
    scripts[:] = unique


def add_static_path(app):
    app.config.html_static_path.append(str(Path(__file__).parent / "_static"))


def setup(app):
    app.connect("builder-inited", add_static_path)
    app.add_css_file("wiretap.css")
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    app.add_config_value("wiretap_colab_branch", "gh-pages", "html")
    app.connect("html-page-context", colab_opens_the_published_notebook, priority=900)
    app.add_config_value("wiretap_book_ref", "", "html")
    app.connect("build-finished", pin_colab_notebooks)
    app.add_directive("wiretap-exercises", ExercisesDirective)
    app.add_directive("wiretap-repro", ReproDirective)
    app.connect("env-get-outdated", always_outdated)
    app.connect("env-before-read-docs", read_last, priority=900)
    return {"version": "0.1", "parallel_read_safe": False, "parallel_write_safe": True}
