"""Sphinx extension: the equation concordance, generated from the chapters on every build.

A reader with a paper open beside the book looks up a numbered equation of the paper and
finds where the book derives it and which cell checks it. Chapters mark those places with
two roles; the ``{concordance}`` directive on the appendix page collects them.

``{peq}`kong:61```, ``{peq}`kong:72-76```, ``{peq}`kong:39,40,42```
    The book derives or checks these equations of paper ``kong`` here. The role renders as a
    short citation, "Kong (61)", each number linking to its row of the concordance page, and
    leaves an anchor at this spot that the concordance page links back to. The place counts
    as **checked** when the section that holds the role (its nearest enclosing heading, with
    the subsections under it) contains, after the role, a code cell whose source contains an
    ``assert`` (``assert``, ``assert_close``, ``np.testing.assert_allclose``...).

``{peq-reason}`xu:12 <restated definition of the path loss>```
    These equations need no check, for the reason given in angle brackets (shown on the
    concordance page). Renders as a small citation "Xu (12)".

``{concordance}``
    On the concordance page. With the argument ``summary``: the coverage table of every
    paper (checked, reasoned, cited without a check, missing). With a paper key: that paper's
    table, one row per numbered equation, with links to every place that cites it.

The papers are configured in ``_config.yml``::

    sphinx:
      config:
        concordance_papers:
          kong: {name: "Kong et al. (MIMO interference channel)", short: Kong, total: 82}

An unknown key, an equation number outside ``1..total``, a malformed list or range, or a
reason role without a reason is a Sphinx warning (the book builds with ``-W``).

Implementation. The roles make standard docutils nodes only (an inline ``target`` for the
anchor and an ``inline`` carrying the citation in attributes), so every builder, LaTeX
included, can write them. After a document is read (``doctree-read``) its citations are
collected into ``env.concordance_entries`` with the checked flag computed on the doctree
(myst-nb code cells are ``container`` nodes of class ``cell`` whose ``cell_input`` child
holds the source as a ``literal_block``). ``env-purge-doc`` and ``env-merge-info`` keep the
collection right under incremental and parallel reads. At write time (``doctree-resolved``)
the citations become references (:func:`sphinx.util.nodes.make_refnode`, which the HTML and
LaTeX writers both understand) and the directive's placeholders become tables. The pages
that use the directive are re-read on every build (``env-get-outdated``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole
from sphinx.util.nodes import make_refnode
from wiretap_pages import table as _wiretap_table

logger = logging.getLogger(__name__)

KEY_ATTR = "peq_key"  # attribute of the citation inline: the paper key
NUMS_ATTR = "peq_numbers"  # the equation numbers, as a list of ints
SPEC_ATTR = "peq_spec"  # the text as written after the colon (for display)
KIND_ATTR = "peq_kind"  # "cite" or "reason"
REASON_ATTR = "peq_reason"
TARGET_ATTR = "peq_target"  # the id of the anchor left at the role's spot
PLACEHOLDER_ATTR = "concordance_what"  # on the directive's placeholder container

_ASSERT = re.compile(r"\bassert")
_REASON = re.compile(r"^(?P<ref>[^<]*?)\s*<(?P<reason>.*)>\s*$", re.DOTALL)
_DASHES = ("\u2013", "\u2014")  # an en or em dash in a range is read as a hyphen


class ConcordanceError(ValueError):
    """A citation that cannot be parsed or does not fit the configured papers."""


@dataclass(frozen=True)
class Citation:
    """A parsed citation: paper key, the equation numbers in order, and the text after ':'."""

    key: str
    numbers: tuple[int, ...]
    spec: str


def parse_numbers(spec: str, total: int | None = None) -> tuple[int, ...]:
    """Equation numbers of ``"61"``, ``"72-76"``, ``"39,40,42"`` or a mix (``"39-42, 46"``).

    Ranges are inclusive and increasing; numbers must lie in ``1..total`` when ``total`` is
    given. Duplicates are dropped, order of first appearance is kept.

    Raises
    ------
    ConcordanceError
        Empty items, non-integers, a decreasing range, or a number out of range.
    """
    text = spec.strip()
    for dash in _DASHES:
        text = text.replace(dash, "-")
    if not text:
        raise ConcordanceError("no equation number given")
    out: list[int] = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise ConcordanceError(f"empty item in the list {spec!r}")
        if "-" in item:
            parts = [p.strip() for p in item.split("-")]
            if len(parts) != 2 or not all(p.isdigit() for p in parts):
                raise ConcordanceError(f"malformed range {item!r} (write it as 72-76)")
            lo, hi = int(parts[0]), int(parts[1])
            if lo >= hi:
                raise ConcordanceError(
                    f"malformed range {item!r}: the first number must be smaller"
                )
            numbers = range(lo, hi + 1)
        else:
            if not item.isdigit():
                raise ConcordanceError(f"{item!r} is not an equation number")
            numbers = [int(item)]
        for n in numbers:
            if n < 1 or (total is not None and n > total):
                bound = f"1..{total}" if total is not None else "positive"
                raise ConcordanceError(f"equation ({n}) is out of range ({bound})")
            if n not in out:
                out.append(n)
    return tuple(out)


def parse_citation(text: str, papers: dict) -> Citation:
    """Parse ``"key:numbers"`` against the configured papers (see :func:`parse_numbers`)."""
    if ":" not in text:
        raise ConcordanceError(f"{text!r} has no paper key (write it as kong:61)")
    key, _, spec = text.partition(":")
    key = key.strip()
    if key not in papers:
        known = ", ".join(sorted(papers)) or "none configured"
        raise ConcordanceError(f"unknown paper key {key!r} (known: {known})")
    total = papers[key].get("total")
    return Citation(key, parse_numbers(spec, total), spec.strip())


def parse_reason(text: str, papers: dict) -> tuple[Citation, str]:
    """Parse ``"key:numbers <reason>"``; the reason must not be empty."""
    m = _REASON.match(text)
    if not m or not m.group("reason").strip():
        raise ConcordanceError(f"{text!r} gives no reason (write it as xu:12 <the reason>)")
    return parse_citation(m.group("ref"), papers), " ".join(m.group("reason").split())


def short_name(papers: dict, key: str) -> str:
    return str(papers.get(key, {}).get("short") or key.capitalize())


def validate_papers(papers) -> dict:
    """The ``concordance_papers`` config value, checked: key -> {name, short, total}."""
    if not isinstance(papers, dict):
        raise ConcordanceError("concordance_papers must map paper keys to settings")
    for key, conf in papers.items():
        if not isinstance(conf, dict):
            raise ConcordanceError(f"concordance_papers[{key!r}] must be a mapping")
        total = conf.get("total")
        if not isinstance(total, int) or total < 1:
            raise ConcordanceError(f"concordance_papers[{key!r}]['total'] must be an integer >= 1")
    return papers


# ---- the roles ---------------------------------------------------------------------------------


class _CitationRole(SphinxRole):
    kind = "cite"

    def parse(self, papers):  # -> (Citation, reason)
        return parse_citation(self.text, papers), ""

    def run(self):
        papers = self.config.concordance_papers
        try:
            cit, reason = self.parse(papers)
        except ConcordanceError as err:
            logger.warning(
                f"concordance: {{{self.name}}}`{self.text}`: {err}",
                location=self.get_location(),
                type="concordance",
            )
            return [nodes.inline(self.rawtext, self.text, classes=["peq", "peq-error"])], []
        serial = self.env.new_serialno("concordance")
        target_id = f"peq-{cit.key}-{cit.numbers[0]}-{serial}"
        target = nodes.target("", "", ids=[target_id])
        cite = nodes.inline(
            self.rawtext,
            "",
            classes=["peq", f"peq-{self.kind}"],
            **{
                KEY_ATTR: cit.key,
                NUMS_ATTR: list(cit.numbers),
                SPEC_ATTR: cit.spec,
                KIND_ATTR: self.kind,
                REASON_ATTR: reason,
                TARGET_ATTR: target_id,
            },
        )
        cite += nodes.Text(citation_text(short_name(papers, cit.key), cit.spec))
        return [target, cite], []


class PeqRole(_CitationRole):
    """``{peq}`kong:61```: the book derives or checks these paper equations here."""

    kind = "cite"


class PeqReasonRole(_CitationRole):
    """``{peq-reason}`xu:12 <reason>```: these paper equations need no check, for a reason."""

    kind = "reason"

    def parse(self, papers):
        return parse_reason(self.text, papers)


def _groups(spec: str) -> list[list[str]]:
    """The items of a spec as written: ``"39-42, 46"`` -> ``[["39", "42"], ["46"]]``."""
    text = spec
    for dash in _DASHES:
        text = text.replace(dash, "-")
    return [[p.strip() for p in item.split("-")] for item in text.split(",") if item.strip()]


def citation_text(short: str, spec: str) -> str:
    """``"Kong (72)–(76)"`` for spec ``"72-76"``; ``"Kong (39), (40), (42)"`` for a list."""
    items = ["\u2013".join(f"({n})" for n in group) for group in _groups(spec)]
    return f"{short} " + ", ".join(items)


# ---- collecting the citations after a document is read -----------------------------------------


def _is_citation(node) -> bool:
    return isinstance(node, nodes.inline) and node.get(KEY_ATTR) is not None


def _is_checking_cell(node) -> bool:
    """A myst-nb code cell whose source holds an ``assert``."""
    if not (isinstance(node, nodes.container) and "cell" in node.get("classes", [])):
        return False
    for inp in node.findall(nodes.container):
        if "cell_input" in inp.get("classes", []):
            for block in inp.findall(nodes.literal_block):
                if _ASSERT.search(block.astext()):
                    return True
    return False


def _section_of(node):
    parent = node.parent
    while parent is not None and not isinstance(parent, nodes.section):
        parent = parent.parent
    return parent


def collect_entries(doctree, docname: str) -> list[dict]:
    """The citations of one document, each with its section and checked flag."""
    entries = []
    for node in list(doctree.findall(_is_citation)):
        section = _section_of(node)
        scope = section if section is not None else doctree
        after = False
        checked = False
        for n in scope.findall():
            if n is node:
                after = True
            elif after and _is_checking_cell(n):
                checked = True
                break
        if section is not None and section.children and isinstance(section[0], nodes.title):
            title = section[0].astext()
            section_id = section["ids"][0] if section["ids"] else ""
        else:
            title, section_id = "", ""
        entries.append(
            {
                "docname": docname,
                "key": node[KEY_ATTR],
                "numbers": tuple(node[NUMS_ATTR]),
                "kind": node[KIND_ATTR],
                "reason": node.get(REASON_ATTR, ""),
                "target": node[TARGET_ATTR],
                "section": title,
                "section_id": section_id,
                "checked": node[KIND_ATTR] == "cite" and checked,
                "line": node.line,
            }
        )
    return entries


def on_doctree_read(app, doctree):
    env = app.env
    if not hasattr(env, "concordance_entries"):
        env.concordance_entries = {}
    entries = collect_entries(doctree, env.docname)
    if entries:
        env.concordance_entries[env.docname] = entries
    else:
        env.concordance_entries.pop(env.docname, None)


def on_env_purge_doc(app, env, docname):
    getattr(env, "concordance_entries", {}).pop(docname, None)
    getattr(env, "concordance_pages", set()).discard(docname)


def on_env_merge_info(app, env, docnames, other):
    if not hasattr(env, "concordance_entries"):
        env.concordance_entries = {}
    if not hasattr(env, "concordance_pages"):
        env.concordance_pages = set()
    theirs = getattr(other, "concordance_entries", {})
    for docname in docnames:
        if docname in theirs:
            env.concordance_entries[docname] = theirs[docname]
    theirs_pages = getattr(other, "concordance_pages", set())
    env.concordance_pages |= {d for d in theirs_pages if d in docnames}


def on_env_get_outdated(app, env, added, changed, removed):
    """The concordance pages depend on every chapter: re-read them on every build."""
    return sorted(d for d in getattr(env, "concordance_pages", set()) if d in env.found_docs)


# ---- the concordance -----------------------------------------------------------------------------


def doc_order(env) -> list[str]:
    """Docnames in reading order (table of contents from the root), then the rest sorted."""
    order: list[str] = []
    seen: set[str] = set()
    root = env.config.root_doc

    def visit(doc):
        if doc in seen:
            return
        seen.add(doc)
        order.append(doc)
        for child in env.toctree_includes.get(doc, []):
            visit(child)

    visit(root)
    rest = sorted(set(getattr(env, "concordance_entries", {})) - seen)
    return order + rest


def status_of(entries: list[dict], n: int) -> tuple[str, list[dict]]:
    """(status, places) of equation ``n`` given the entries of its paper.

    Status: ``checked`` (a citation with a check after it), ``reasoned`` (a reason and no
    checked citation), ``unchecked`` (cited, but no check follows), or ``missing``.
    """
    places = [e for e in entries if n in e["numbers"]]
    if any(e["checked"] for e in places):
        return "checked", places
    if any(e["kind"] == "reason" for e in places):
        return "reasoned", places
    if places:
        return "unchecked", places
    return "missing", places


def coverage(env, papers: dict) -> dict[str, dict[str, int]]:
    """Per paper key: counts of checked, reasoned, unchecked and missing equations, and total."""
    out = {}
    by_key = _entries_by_key(env)
    for key, conf in papers.items():
        counts = {"checked": 0, "reasoned": 0, "unchecked": 0, "missing": 0}
        for n in range(1, conf["total"] + 1):
            counts[status_of(by_key.get(key, []), n)[0]] += 1
        counts["total"] = conf["total"]
        out[key] = counts
    return out


def _entries_by_key(env) -> dict[str, list[dict]]:
    all_entries = getattr(env, "concordance_entries", {})
    by_key: dict[str, list[dict]] = {}
    for docname in doc_order(env):
        for e in all_entries.get(docname, []):
            by_key.setdefault(e["key"], []).append(e)
    return by_key


def row_id(key: str, n: int) -> str:
    return f"conc-{key}-{n}"


class ConcordanceDirective(SphinxDirective):
    """``{concordance} summary`` or ``{concordance} <paper key>``: replaced at write time."""

    required_arguments = 1
    has_content = False

    def run(self):
        what = self.arguments[0].strip()
        papers = self.config.concordance_papers
        if what != "summary" and what not in papers:
            known = ", ".join(sorted(papers))
            logger.warning(
                f"concordance: unknown argument {what!r} (summary or one of: {known})",
                location=self.get_location(),
                type="concordance",
            )
            return []
        if not hasattr(self.env, "concordance_pages"):
            self.env.concordance_pages = set()
        self.env.concordance_pages.add(self.env.docname)
        return [nodes.container(classes=["concordance"], **{PLACEHOLDER_ATTR: what})]


def _para(*children) -> nodes.paragraph:
    p = nodes.paragraph()
    for c in children:
        p += c if isinstance(c, nodes.Node) else nodes.Text(str(c))
    return p


def _pct(k: int, total: int) -> str:
    return f"{100 * k / total:.0f} %" if total else "-"


def summary_table(env, builder, fromdocname, papers, page) -> nodes.table:
    cov = coverage(env, papers)
    rows = []
    for key, conf in papers.items():
        c = cov[key]
        name: nodes.Node = nodes.Text(str(conf.get("name", key)))
        if page is not None:
            name = make_refnode(builder, fromdocname, page, f"conc-{key}", name)
        rows.append(
            (
                [name],
                str(c["total"]),
                f"{c['checked']} ({_pct(c['checked'], c['total'])})",
                str(c["reasoned"]),
                str(c["unchecked"]),
                str(c["missing"]),
            )
        )
    return _wiretap_table(
        ("Paper", "Equations", "Checked", "Reasoned", "Cited, no check", "Missing"),
        rows,
        classes=["concordance-summary"],
    )


def _place_link(env, builder, fromdocname, e) -> nodes.Node:
    title = env.titles.get(e["docname"])
    text = title.astext() if title is not None else e["docname"]
    if e["section"] and e["section"] != text:
        text += f" \u203a {e['section']}"
    ref = make_refnode(builder, fromdocname, e["docname"], e["target"], nodes.Text(text))
    return ref


def paper_table(env, builder, fromdocname, papers, key) -> list[nodes.Node]:
    entries = _entries_by_key(env).get(key, [])
    short = short_name(papers, key)
    rows = []
    for n in range(1, papers[key]["total"] + 1):
        status, places = status_of(entries, n)
        label = [nodes.target("", "", ids=[row_id(key, n)]), nodes.Text(f"({n})")]
        where: list[nodes.Node] = []
        seen = set()
        for e in places:
            if (e["docname"], e["target"]) in seen:
                continue
            seen.add((e["docname"], e["target"]))
            if where:
                where.append(nodes.Text("; "))
            where.append(_place_link(env, builder, fromdocname, e))
            if e["checked"]:
                where.append(nodes.Text(" \u2713"))
        reasons = [e["reason"] for e in places if e["kind"] == "reason"]
        note = {
            "checked": "checked",
            "reasoned": "reason: " + "; ".join(dict.fromkeys(reasons)),
            "unchecked": "cited, no check follows",
            "missing": "missing",
        }[status]
        rows.append((label, note, where or ["\u2014"]))
    c = coverage(env, {key: papers[key]})[key]
    lead = _para(
        f"{short}: {c['checked']} of {c['total']} equations checked "
        f"({_pct(c['checked'], c['total'])}), {c['reasoned']} reasoned, "
        f"{c['unchecked']} cited without a check, {c['missing']} missing. "
        "A \u2713 marks a place followed by a checking cell in the same section."
    )
    return [
        lead,
        _wiretap_table(("Eq.", "Status", "Cited in"), rows, classes=["concordance-paper"]),
    ]


def _concordance_page(env) -> str | None:
    pages = sorted(getattr(env, "concordance_pages", set()))
    return pages[0] if pages else None


def on_doctree_resolved(app, doctree, fromdocname):
    env = app.env
    builder = app.builder
    papers = app.config.concordance_papers
    page = _concordance_page(env)
    for node in list(doctree.findall(_is_citation)):
        key, numbers, spec = node[KEY_ATTR], node[NUMS_ATTR], node[SPEC_ATTR]
        new = nodes.inline("", "", classes=node["classes"])
        if page is None:
            new += nodes.Text(citation_text(short_name(papers, key), spec))
        else:
            new += nodes.Text(short_name(papers, key) + " ")
            for i, group in enumerate(_groups(spec)):
                if i:
                    new += nodes.Text(", ")
                for j, num in enumerate(group):
                    if j:
                        new += nodes.Text("\u2013")
                    n = int(num)
                    if n in numbers:
                        new += make_refnode(
                            builder, fromdocname, page, row_id(key, n), nodes.Text(f"({n})")
                        )
                    else:  # pragma: no cover - parse_numbers accepted it, so it is listed
                        new += nodes.Text(f"({n})")
        node.replace_self(new)
    for node in list(doctree.findall(nodes.container)):
        what = node.get(PLACEHOLDER_ATTR)
        if what is None:
            continue
        if what == "summary":
            content = [summary_table(env, builder, fromdocname, papers, page)]
        else:
            content = paper_table(env, builder, fromdocname, papers, what)
        new = nodes.container(classes=["concordance"])
        if what != "summary":  # the summary table links here (a target: LaTeX labels it too)
            new += nodes.target("", "", ids=[f"conc-{what}"])
        new.extend(content)
        node.replace_self(new)


def check_config(app, config):
    try:
        validate_papers(config.concordance_papers)
    except ConcordanceError as err:
        logger.warning(f"concordance: {err}", type="concordance")
        config.concordance_papers = {}


def setup(app):
    app.add_config_value("concordance_papers", {}, "env", [dict])
    app.add_role("peq", PeqRole())
    app.add_role("peq-reason", PeqReasonRole())
    app.add_directive("concordance", ConcordanceDirective)
    app.connect("config-inited", check_config)
    app.connect("doctree-read", on_doctree_read)
    app.connect("env-purge-doc", on_env_purge_doc)
    app.connect("env-merge-info", on_env_merge_info)
    app.connect("env-get-outdated", on_env_get_outdated)
    app.connect("doctree-resolved", on_doctree_resolved)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
