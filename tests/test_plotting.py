import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from wiretap import plotting


def test_figure_and_finish():
    fig, ax = plotting.figure()
    ax.plot([0, 1], [0, 1], label="a", **plotting.series(0))
    ax.plot([0, 1], [1, 0], **plotting.series(9, linestyles=True))
    assert plotting.finish(ax, xlabel="x (m)", ylabel="y (dB)", title="t", logy=False) is None
    assert ax.get_xlabel() == "x (m)" and ax.get_legend() is not None
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    plt.close(fig)
    fig, axes = plotting.figure(2, 3, width=9)
    assert axes.shape == (2, 3)
    w, h = fig.get_size_inches()
    assert w == pytest.approx(9) and h == pytest.approx(2 * 0.62 * 9 / 3)
    plotting.finish(axes[0, 0], logx=True, logy=True)
    assert axes[0, 0].get_xscale() == "log" and axes[0, 0].get_legend() is None
    plt.close(fig)


def test_series_cycles_and_style_context():
    assert plotting.series(0)["color"] == plotting.series(len(plotting.PALETTE))["color"]
    assert "marker" not in plotting.series(1, markers=False)
    with plotting.style():
        assert matplotlib.rcParams["axes.spines.top"] is False


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: plotting.figure(0), "nrows"),
        (lambda: plotting.figure(1, 0), "ncols"),
        (lambda: plotting.figure(width=-1), "width"),
        (lambda: plotting.figure(aspect=0), "aspect"),
        (lambda: plotting.series(-1), "i must be >= 0"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_finish_bad_legend():
    fig, ax = plotting.figure()
    with pytest.raises(ValueError, match="legend must be"):
        plotting.finish(ax, legend="yes")
    plt.close(fig)
