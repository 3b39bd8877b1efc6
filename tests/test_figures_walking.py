"""Walking figures: they draw, label axes in words, and carry the data's provenance in the title."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from test_walking import make_visits  # noqa: E402

from msevidence.models.walking import summarize_walking  # noqa: E402
from msevidence.presentation.figures.walking import (  # noqa: E402
    plot_discordance,
    plot_trajectories,
    plot_week_distribution,
)


@pytest.fixture(scope="module")
def summary():
    return summarize_walking(make_visits(60, seed=12), data_provenance="SYNTHETIC test data")


@pytest.mark.parametrize("plot", [plot_trajectories, plot_week_distribution, plot_discordance])
def test_figures_draw_with_provenance(plot, summary, tmp_path):
    ax = plot(summary)
    assert "SYNTHETIC test data" in ax.get_title()
    assert ax.get_ylabel() if plot is not plot_discordance else ax.get_xlabel()
    ax.figure.savefig(tmp_path / f"{plot.__name__}.png")
    assert (tmp_path / f"{plot.__name__}.png").stat().st_size > 10_000
    plt.close("all")


def test_labels_and_content(summary):
    ax = plot_trajectories(summary, spaghetti=5, provenance="other label")
    assert ax.get_title().endswith("other label")
    assert "higher = slower" in ax.get_ylabel()
    assert len(ax.lines) >= 2 * 5 + 2  # spaghetti + centre lines
    bv = summary.by_visit
    for arm in ("OCR", "PBO"):  # each centre line is the arm's geometric mean % change at the weeks it shows
        [line] = [x for x in ax.get_lines() if x.get_label() == f"{arm}: geometric mean"]
        want = bv[bv["arm"] == arm].set_index("week").loc[line.get_xdata(), "geometric_mean_pct_change"]
        assert len(line.get_xdata()) >= 3 and line.get_xdata()[0] == 0
        np.testing.assert_allclose(line.get_ydata(), want.to_numpy())
    # the thick line is the geometric mean the reports quote, labelled with its value at the summary week
    assert any("geometric mean" in t.get_text() for t in ax.get_legend().get_texts())
    texts = [t.get_text() for t in ax.texts]
    for arm in ("OCR", "PBO"):
        assert f"{summary.arm(arm).geometric_mean_pct_change:+.1f}%" in texts
    names = {"OCR": "ocrelizumab", "PBO": "placebo"}
    ax = plot_trajectories(summary, names=names, centre="median")
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert "ocrelizumab: median" in legend and "OCR" not in legend
    ax = plot_week_distribution(summary)
    texts = [t.get_text() for t in ax.texts]
    assert f"{summary.arm('OCR').geometric_mean_pct_change:+.1f}%" in texts
    # the diamonds sit at each arm's geometric mean, the triangles at its arithmetic mean
    [diamonds] = [c for c in ax.collections if c.get_label() == "geometric mean"]
    [triangles] = [c for c in ax.collections if c.get_label() == "arithmetic mean"]
    assert diamonds.get_offsets()[0][1] == pytest.approx(summary.arm("OCR").geometric_mean_pct_change)
    assert triangles.get_offsets()[0][1] == pytest.approx(summary.arm("OCR").mean_pct_change)
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == ["OCR", "PBO"]
    ax = plot_discordance(summary)
    d = summary.discordance[0]
    assert sum(p.get_width() for p in ax.patches[:4]) == pytest.approx(100.0)
    # bars are percentages of the arm, and so are their labels (not counts on a percent axis)
    assert f"{100 * d.t25fw_only / d.n:.0f}%" in [t.get_text() for t in ax.texts]
    ax = plot_discordance(summary, names=names)
    assert all("OCR" not in t.get_text() and "PBO" not in t.get_text() for t in ax.get_yticklabels())
    plt.close("all")
