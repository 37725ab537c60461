import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from wiretap import plotting
from wiretap.widgets import Choice, Slider, explorer, is_live


def _draw(rho=0.1, scheme="robust", n=4):
    calls.append((rho, scheme, n))
    fig, ax = plotting.figure()
    ax.plot([0, 1], [0, rho])
    return fig


calls: list = []


def test_static_form_draws_defaults(monkeypatch):
    monkeypatch.setenv("WIRETAP_BUILD", "1")
    assert not is_live()
    calls.clear()
    out = explorer(
        _draw,
        rho=Slider(0.0, 0.5, 0.05, 0.2, "rho"),
        scheme=Choice(["robust", "nominal"], "nominal"),
        n=Slider(1, 8, 1, 3),
    )
    assert out == {"rho": 0.2, "scheme": "nominal", "n": 3}
    assert calls == [(0.2, "nominal", 3)]
    plt.close("all")


def test_live_form_builds_widgets():
    calls.clear()
    ui = explorer(_draw, live=True, rho=Slider(0.0, 0.5, 0.05, 0.1), n=Slider(1, 8, 1, 2))
    kinds = {c.description: type(c).__name__ for c in ui.children[:-1]}
    assert kinds == {"rho": "FloatSlider", "n": "IntSlider"}
    assert calls[-1] == (0.1, "robust", 2)  # interactive draws once at the defaults
    plt.close("all")


def test_not_live_outside_a_kernel(monkeypatch):
    monkeypatch.delenv("WIRETAP_BUILD", raising=False)
    assert not is_live()  # pytest is not a Jupyter kernel


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Slider(1.0, 0.0, 0.1, 0.5), "low must be < high"),
        (lambda: Slider(0.0, 1.0, 0.0, 0.5), "step"),
        (lambda: Slider(0.0, 1.0, 0.1, 2.0), "value must lie in"),
        (lambda: Slider(0.0, "1", 0.1, 0.5), "high must be a number"),
        (lambda: Choice([], None), "non-empty"),
        (lambda: Choice("ab", "a"), "non-empty sequence"),
        (lambda: Choice(["a"], "b"), "value must be one of"),
    ],
)
def test_control_validation(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_explorer_validation():
    with pytest.raises(ValueError, match="plot must be callable"):
        explorer(3, rho=Slider(0.0, 1.0, 0.1, 0.5))
    with pytest.raises(ValueError, match="at least one control"):
        explorer(_draw)
    with pytest.raises(ValueError, match="must be a Slider or Choice"):
        explorer(_draw, rho=0.3)
    with pytest.raises(ValueError, match="'sigma' is not a parameter of _draw"):
        explorer(_draw, sigma=Slider(0.0, 1.0, 0.1, 0.5))


def test_describe():
    assert Slider(0, 4, 1, 2, "N").describe("n") == "N: 0 to 4 (default 2)"
    assert Choice(["a", "b"], "a").describe("mode") == "mode: one of a, b (default a)"
