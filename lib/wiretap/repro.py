"""Paper-versus-ours tables, shown beside each reproduced figure and collected by the book.

A chapter that reproduces a figure calls :func:`compare` once, right after the figure::

    repro.compare(
        part="smallcell", figure="Fig. 4",
        rows=[("secrecy rate at rho=0.1 (bits/s/Hz)", "about 2.1", ours, "paper read off plot")],
        seed=SEED, elapsed=result.elapsed,
    )

It displays the table in the page and writes the same rows as JSON to the reproducibility
folder (``$WIRETAP_REPRO_DIR``, or ``_build/repro`` at the root of the book), from which the
book's Reproducibility appendix is generated.
"""

from __future__ import annotations

import html
import json
import math
import numbers
import os
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .sim import scale as current_scale

__all__ = ["Comparison", "Row", "compare", "load_all", "repro_dir"]


@dataclass(frozen=True)
class Row:
    """One reproduced quantity.

    Attributes
    ----------
    quantity : str
        What is compared, with its unit.
    paper : str
        What the paper reports (a number or a phrase such as "about 1.35, read off Fig. 3").
    ours : str
        What we get, formatted.
    note : str
        Why the two differ, or how the paper's value was read.
    """

    quantity: str
    paper: str
    ours: str
    note: str = ""


@dataclass(frozen=True)
class Comparison:
    """A paper-versus-ours table for one figure of one paper."""

    part: str
    figure: str
    rows: tuple[Row, ...]
    seed: int | None = None
    scale: str = "quick"
    elapsed: float | None = None
    path: str | None = field(default=None, compare=False)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ("Quantity", "Paper", "Ours", "Note"))
        body = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape(x)}</td>" for x in (r.quantity, r.paper, r.ours, r.note))
            + "</tr>"
            for r in self.rows
        )
        meta = f"{self.figure}: paper vs ours ({self.scale} scale"
        if self.seed is not None:
            meta += f", seed {self.seed}"
        if self.elapsed is not None:
            meta += f", {self.elapsed:.1f} s"
        meta += ")"
        return (
            f'<table class="wiretap-repro"><caption>{html.escape(meta)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )

    def __repr__(self) -> str:
        lines = [f"{self.figure} ({self.scale} scale)"]
        lines += [f"  {r.quantity}: paper {r.paper} | ours {r.ours}  {r.note}" for r in self.rows]
        return "\n".join(lines)


def _fmt(x) -> str:
    if isinstance(x, str):
        return x
    if isinstance(x, numbers.Integral):
        return str(int(x))
    if isinstance(x, numbers.Real):
        return f"{float(x):.4g}"
    raise ValueError(f"row values must be str or real numbers, got {type(x).__name__}")


def repro_dir() -> Path | None:
    """Folder the tables are written to, or None when no book root can be found.

    ``$WIRETAP_REPRO_DIR`` if set; otherwise ``<root>/_build/repro`` where ``<root>`` is the
    nearest parent of the working directory that holds ``_toc.yml``.
    """
    env = os.environ.get("WIRETAP_REPRO_DIR")
    if env:
        return Path(env)
    here = Path.cwd().resolve()
    for d in (here, *here.parents):
        if (d / "_toc.yml").is_file():
            return d / "_build" / "repro"
    return None


def compare(
    part: str,
    figure: str,
    rows,
    *,
    seed: int | None = None,
    elapsed: float | None = None,
    write: bool = True,
) -> Comparison:
    """Build, record and return a paper-versus-ours table.

    Parameters
    ----------
    part : str
        Paper part (``"mimo_ic"``, ``"aauc"``, ``"smallcell"``, ``"isac"``).
    figure : str
        Figure or table name in the paper, e.g. ``"Fig. 3a"``.
    rows : sequence of tuple
        ``(quantity, paper, ours)`` or ``(quantity, paper, ours, note)``; numbers are
        formatted with 4 significant digits.
    seed : int, optional
        Seed of the run, recorded with the table.
    elapsed : float, optional
        Wall time of the run in seconds.
    write : bool
        Also write the table as JSON to :func:`repro_dir` (if one exists).

    Returns
    -------
    Comparison
        Displays as an HTML table in a notebook.
    """
    if not isinstance(part, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", part):
        raise ValueError(f"part must be a lower-case identifier, got {part!r}")
    if not isinstance(figure, str) or not figure.strip():
        raise ValueError("figure must be a non-empty string")
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Iterable):
        raise TypeError(f"rows must be a sequence of tuples, got {type(rows).__name__}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise TypeError(f"seed must be an integer or None, got {seed!r}")
    if seed is not None and seed < 0:
        raise ValueError(f"seed must be non-negative (a numpy seed), got {seed}")
    parsed = []
    for i, r in enumerate(rows):
        if not isinstance(r, (tuple, list)) or len(r) not in (3, 4):
            raise ValueError(f"rows[{i}] must be a tuple (quantity, paper, ours[, note])")
        parsed.append(Row(*(_fmt(x) for x in r)))
    if not parsed:
        raise ValueError("rows must not be empty")
    if elapsed is not None and (
        not isinstance(elapsed, numbers.Real)
        or isinstance(elapsed, bool)
        or not elapsed >= 0
        or not math.isfinite(elapsed)
    ):
        raise ValueError(f"elapsed must be a non-negative number, got {elapsed!r}")
    comp = Comparison(part, figure, tuple(parsed), seed, current_scale(), elapsed)
    folder = repro_dir() if write else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", figure.lower()).strip("-")
        path = folder / f"{part}__{slug}.json"
        payload = asdict(comp)
        payload.pop("path")
        path.write_text(json.dumps(payload, indent=1), encoding="utf-8")
        comp = Comparison(**{**asdict(comp), "rows": comp.rows, "path": str(path)})
    return comp


def load_all(folder: str | os.PathLike | None = None) -> list[Comparison]:
    """Read every table written by :func:`compare`, sorted by part and figure."""
    if folder is not None and not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"folder must be a path or None, got {type(folder).__name__}")
    root = Path(folder) if folder is not None else repro_dir()
    if root is None or not root.is_dir():
        return []
    out = []
    for p in sorted(root.glob("*.json")):
        d = json.loads(p.read_text(encoding="utf-8"))
        d["rows"] = tuple(Row(**r) for r in d["rows"])
        out.append(Comparison(**d, path=str(p)))
    return sorted(out, key=lambda c: (c.part, c.figure))
