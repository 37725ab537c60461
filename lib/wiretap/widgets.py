"""Explorers: a plotting function bound to sliders and drop-downs.

A chapter's explorer is a few lines::

    from wiretap.widgets import Choice, Slider, explorer

    def draw(rho=0.1, power_db=10.0, scheme="robust"):
        fig, ax = plotting.figure()
        ...

    explorer(draw, rho=Slider(0.0, 0.5, 0.05, 0.1, "uncertainty rho"),
             power_db=Slider(0, 30, 2, 10.0, "P (dB)"),
             scheme=Choice(["robust", "nominal"], "robust"))

In a live Jupyter kernel (local or Binder) this shows the widgets and redraws on every
change. In the built HTML book there is no kernel to redraw, so the explorer renders the
figure once at the default values and lists the controls: a page never shows a dead slider.
The book build and the test run set ``WIRETAP_BUILD=1`` to select the static form.
"""

from __future__ import annotations

import base64
import inspect
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt

from ._validation import check_positive

__all__ = ["Choice", "Slider", "StaticView", "explorer", "is_live"]


@dataclass(frozen=True)
class Slider:
    """A numeric control.

    Parameters
    ----------
    low, high : float
        Range, ``low < high``.
    step : float
        Increment (> 0); integer ``low``, ``high`` and ``step`` give an integer slider.
    value : float
        Default value in ``[low, high]``; the static figure uses it.
    label : str, optional
        Text shown beside the slider (defaults to the parameter name).
    """

    low: float
    high: float
    step: float
    value: float
    label: str | None = None

    def __post_init__(self):
        for name in ("low", "high", "step", "value"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ValueError(f"Slider {name} must be a number, got {v!r}")
        if not self.low < self.high:
            raise ValueError(f"Slider low must be < high, got {self.low} >= {self.high}")
        check_positive(self.step, "step")
        if not self.low <= self.value <= self.high:
            raise ValueError(
                f"Slider value must lie in [{self.low}, {self.high}], got {self.value}"
            )

    @property
    def is_int(self) -> bool:
        return all(isinstance(v, int) for v in (self.low, self.high, self.step, self.value))

    def widget(self, name: str):
        import ipywidgets as w

        cls = w.IntSlider if self.is_int else w.FloatSlider
        return cls(
            value=self.value,
            min=self.low,
            max=self.high,
            step=self.step,
            description=self.label or name,
            continuous_update=False,
            style={"description_width": "initial"},
        )

    def describe(self, name: str) -> str:
        return f"{self.label or name}: {self.low} to {self.high} (default {self.value})"


@dataclass(frozen=True)
class Choice:
    """A drop-down control.

    Parameters
    ----------
    options : sequence
        The choices (at least one).
    value : object
        Default choice, one of ``options``.
    label : str, optional
        Text shown beside the drop-down.
    """

    options: Sequence
    value: object
    label: str | None = None

    def __post_init__(self):
        if isinstance(self.options, str) or len(self.options) == 0:
            raise ValueError("Choice options must be a non-empty sequence of choices")
        if self.value not in self.options:
            raise ValueError(
                f"Choice value must be one of {list(self.options)}, got {self.value!r}"
            )

    def widget(self, name: str):
        import ipywidgets as w

        return w.Dropdown(
            options=list(self.options),
            value=self.value,
            description=self.label or name,
            style={"description_width": "initial"},
        )

    def describe(self, name: str) -> str:
        opts = ", ".join(map(str, self.options))
        return f"{self.label or name}: one of {opts} (default {self.value})"


def is_live() -> bool:
    """True when running in a Jupyter kernel that can redraw (and not in a book build)."""
    if os.environ.get("WIRETAP_BUILD", "").strip() not in ("", "0"):
        return False
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the stack
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return False
    try:
        import ipywidgets  # noqa: F401
    except ImportError:  # pragma: no cover
        return False
    return True


def explorer(plot: Callable[..., object], *, live: bool | None = None, **controls):
    """Bind ``plot``'s keyword arguments to controls.

    Parameters
    ----------
    plot : callable
        Draws one figure from keyword arguments (it may return anything). Every control
        name must be a parameter of ``plot``.
    live : bool, optional
        Force the live (True) or static (False) form; default: :func:`is_live`.
    **controls : Slider or Choice
        One control per parameter to explore.

    Returns
    -------
    ipywidgets.interactive or StaticView
        The live widget, or in the static form the dict of default values used (a
        :class:`StaticView`, which displays nothing: the figure and the list of controls
        are the cell's only output).

    Raises
    ------
    ValueError
        If ``plot`` is not callable, no control is given, a control is of the wrong type,
        or a control names a parameter that ``plot`` does not accept.
    """
    if not callable(plot):
        raise ValueError(f"plot must be callable, got {type(plot).__name__}")
    if not controls:
        raise ValueError("explorer needs at least one control")
    params = inspect.signature(plot).parameters
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    for name, ctl in controls.items():
        if not isinstance(ctl, (Slider, Choice)):
            raise ValueError(f"control {name!r} must be a Slider or Choice, got {ctl!r}")
        if name not in params and not accepts_any:
            raise ValueError(f"control {name!r} is not a parameter of {plot.__name__}()")
    defaults = {name: ctl.value for name, ctl in controls.items()}
    if live is None:
        live = is_live()

    if live:

        def draw(**kwargs):
            plot(**kwargs)
            plt.show()

        import ipywidgets as w
        from IPython.display import display

        ui = w.interactive(draw, **{n: c.widget(n) for n, c in controls.items()})
        display(ui)
        return ui

    before = set(plt.get_fignums())
    plot(**defaults)
    figures = [plt.figure(n) for n in plt.get_fignums() if n not in before]
    _show_static(figures, controls)
    for fig in figures:
        plt.close(fig)
    return StaticView(defaults)


class StaticView(dict):
    """The default values an explorer drew in its static form.

    A plain dict that displays nothing, so that an explorer cell has exactly one output (a
    figure caption given to the cell names one figure, not three).
    """

    def _ipython_display_(self) -> None:
        return None


def _show_static(figures: list, controls: dict) -> None:
    """Publish the static figure(s) and the list of controls as ONE output.

    The bundle carries ``image/png`` (used by the PDF and by notebook front ends that prefer
    images) and ``text/html`` (the same image with the note on the controls, used by the HTML
    book), so that a cell's figure caption and name apply to a single output.
    """
    lines = "".join(f"<li>{c.describe(n)}</li>" for n, c in controls.items())
    note = (
        '<div class="wiretap-explorer-note"><p><em>Static view at the default values. '
        "Open this page in Jupyter or Binder (rocket icon at the top) to move the "
        f"controls:</em></p><ul>{lines}</ul></div>"
    )
    try:
        from IPython.core.pylabtools import print_figure
        from IPython.display import publish_display_data
    except ImportError:  # pragma: no cover
        print(note)
        return
    pngs = [
        base64.b64encode(print_figure(fig, fmt="png", bbox_inches="tight")).decode()
        for fig in figures
    ]
    imgs = "".join(
        f'<img src="data:image/png;base64,{png}" alt="static view of the explorer" />'
        for png in pngs
    )
    data = {"text/html": f"<div>{imgs}</div>{note}", "text/plain": "<static explorer>"}
    if pngs:
        data["image/png"] = pngs[0]
    publish_display_data(data)
