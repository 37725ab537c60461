"""Two fixes for the PDF (``make pdf``) that the HTML book does not need.

1. **Exercise references.** sphinx-exercise labels an exercise in LaTeX as
   ``exercise:<label>`` only, while Sphinx writes every ``{ref}``/``{numref}`` to it as
   ``\\hyperref[<docname>:<label>]`` and ``\\ref{<docname>:<label>}``. So in the PDF those links
   led nowhere and a numbered reference printed "Exercise ??". Just before sphinx-exercise's
   own LaTeX visitor runs, we add the label Sphinx refers to, carrying the exercise's number
   (the one the HTML book and the exercise's PDF title show) as its ``\\ref`` text.
2. **A missing glyph.** With ``unicode-math`` (sphinx-jupyterbook-latex loads it), ``\\setminus``
   is U+29F5, which Latin Modern Math does not have: set differences lost their operator. The
   preamble maps it to ``\\backslash`` (U+005C) as a binary operator.
"""

from __future__ import annotations

SETMINUS_PREAMBLE = (
    "\n% book/_ext/pdf_fixes.py: Latin Modern Math has no U+29F5 for unicode-math's \\setminus\n"
    "\\AtBeginDocument{\\renewcommand{\\setminus}{\\mathbin{\\backslash}}}\n"
)


def exercise_label(translator, node) -> str:
    """The ``\\label`` Sphinx's references to an exercise point at, with its number as text.

    Returns ``""`` when the node has no label or document (nothing refers to it then).
    """
    label, docname = node.get("label"), node.get("docname")
    if not label or not docname:
        return ""
    ids = node.get("ids") or [label]
    numbers = translator.builder.env.toc_fignumbers.get(docname, {}).get("exercise", {})
    number = ".".join(map(str, numbers.get(ids[0], ())))
    # \@currentlabel is what \ref prints; \csname avoids \makeatletter in the body
    text = r"\expandafter\def\csname @currentlabel\endcsname{" + number + "}" if number else ""
    return text + r"\label{\detokenize{" + f"{docname}:{label}" + "}}\n"


def _with_sphinx_label(visit):
    def visit_with_label(self, node):
        # before sphinx-exercise's \phantomsection \label{exercise:...} and the admonition
        # (whose title argument must follow \begin{sphinxadmonition}{note} directly)
        label = exercise_label(self, node)
        if label:
            self.body.append("\\phantomsection " + label)
        visit(self, node)

    return visit_with_label


def install_visitors(app) -> None:
    """On the LaTeX builder, wrap sphinx-exercise's visitors (exercises, numbered or not)."""
    if app.builder.format != "latex":
        return
    from sphinx_exercise import nodes as ex

    for node_class, visit, depart in (
        (ex.exercise_node, ex.visit_exercise_node, ex.depart_exercise_node),
        (
            ex.exercise_enumerable_node,
            ex.visit_exercise_enumerable_node,
            ex.depart_exercise_enumerable_node,
        ),
    ):
        app.registry.add_translation_handlers(node_class, latex=(_with_sphinx_label(visit), depart))


def extend_preamble(app, config) -> None:
    """Append :data:`SETMINUS_PREAMBLE` to ``latex_elements["preamble"]`` (once)."""
    elements = config.latex_elements
    if SETMINUS_PREAMBLE not in elements.get("preamble", ""):
        elements["preamble"] = elements.get("preamble", "") + SETMINUS_PREAMBLE


def setup(app):
    app.setup_extension("sphinx_exercise")
    app.connect("config-inited", extend_preamble)
    app.connect("builder-inited", install_visitors)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
