"""One house style for every figure in the book.

Figures are drawn on a white card (so they stay readable in the theme's dark mode), with a
colour-blind-safe palette (Okabe-Ito) and a marker per series, so that curves can be told
apart in greyscale print too.

Typical use in a chapter::

    from wiretap import plotting
    fig, ax = plotting.figure()
    for i, (name, y) in enumerate(curves.items()):
        ax.plot(x, y, label=name, **plotting.series(i))
    plotting.finish(ax, xlabel="Transmit power (dB)", ylabel="Secrecy rate (bits/s/Hz)")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib as mpl
import matplotlib.pyplot as plt

from ._validation import check_int, check_positive

__all__ = [
    "HOUSE_STYLE",
    "PALETTE",
    "figure",
    "finish",
    "series",
    "style",
    "use_house_style",
]

PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow (last: weak on white)
)
"""Okabe-Ito colour-blind-safe palette, in the order series use it."""

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_LINESTYLES = ("-", "--", "-.", ":")

HOUSE_STYLE: dict[str, object] = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.edgecolor": "#333333",
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
    "lines.markersize": 5,
    "font.size": 10,
    "mathtext.fontset": "cm",
}
"""Matplotlib rcParams of the house style."""


def use_house_style() -> None:
    """Apply :data:`HOUSE_STYLE` to matplotlib globally (idempotent)."""
    mpl.rcParams.update(HOUSE_STYLE)


@contextmanager
def style() -> Iterator[None]:
    """Context manager applying the house style only inside a ``with`` block."""
    with mpl.rc_context(HOUSE_STYLE):
        yield


def series(i: int, *, markers: bool = True, linestyles: bool = False) -> dict[str, object]:
    """Keyword arguments (colour, marker, line style) for the ``i``-th data series.

    Parameters
    ----------
    i : int
        Series index, >= 0; colours repeat after ``len(PALETTE)`` series.
    markers : bool
        Include a marker (default). Turn off for dense curves.
    linestyles : bool
        Vary the line style too (useful for robust vs non-robust pairs).

    Returns
    -------
    dict
        Keyword arguments for ``matplotlib.axes.Axes.plot``.
    """
    i = check_int(i, "i", minimum=0)
    kw: dict[str, object] = {"color": PALETTE[i % len(PALETTE)]}
    if markers:
        kw["marker"] = _MARKERS[i % len(_MARKERS)]
        kw["markevery"] = None
    if linestyles:
        kw["linestyle"] = _LINESTYLES[i % len(_LINESTYLES)]
    return kw


def figure(nrows: int = 1, ncols: int = 1, *, width: float = 6.4, aspect: float = 0.62, **kwargs):
    """New figure in the house style.

    Parameters
    ----------
    nrows, ncols : int
        Grid of subplots (>= 1).
    width : float
        Figure width in inches (> 0).
    aspect : float
        Height-to-width ratio of one panel (> 0); the figure is
        ``width`` by ``nrows * aspect * width / ncols`` inches.
    **kwargs
        Passed to ``matplotlib.pyplot.subplots`` (e.g. ``sharey=True``).

    Returns
    -------
    fig : matplotlib.figure.Figure
    ax : matplotlib.axes.Axes or ndarray of Axes
        A single Axes when ``nrows == ncols == 1``.
    """
    nrows = check_int(nrows, "nrows", minimum=1)
    ncols = check_int(ncols, "ncols", minimum=1)
    width = float(check_positive(width, "width"))
    aspect = float(check_positive(aspect, "aspect"))
    height = nrows * aspect * width / ncols
    use_house_style()
    fig, ax = plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained", **kwargs)
    return fig, ax


def finish(
    ax,
    *,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    legend: bool | str = "auto",
    logx: bool = False,
    logy: bool = False,
):
    """Label an Axes and add a legend when it has labelled artists.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    xlabel, ylabel, title : str, optional
        Axis labels; give units in parentheses, e.g. ``"Power (dBm)"``.
    legend : bool or "auto"
        ``"auto"`` adds a legend only if some artist has a label.
    logx, logy : bool
        Logarithmic axes.

    Returns
    -------
    None
        Nothing, on purpose: a plot cell usually ends with this call, and a returned Axes
        would be displayed as text beside the figure (and, in a cell with figure metadata,
        as a second copy of the figure's target label).
    """
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    for name, text in (("xlabel", xlabel), ("ylabel", ylabel), ("title", title)):
        if text is not None and not isinstance(text, str):
            raise TypeError(f"{name} must be a string or None, got {type(text).__name__}")
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    if legend not in (True, False, "auto"):
        raise ValueError(f"legend must be True, False or 'auto', got {legend!r}")
    _handles, labels = ax.get_legend_handles_labels()
    if legend is True or (legend == "auto" and any(not lab.startswith("_") for lab in labels)):
        ax.legend()
