"""Survival figures: provenance in titles, risk table aligned to the x ticks, log-scale forest, censor ticks."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from msevidence.models.survival import CoxPH, KaplanMeier, ParametricSurvival, analyze
from msevidence.presentation.figures.style import arm_color
from msevidence.presentation.figures.survival import (
    X_LABEL,
    Y_INCIDENCE,
    Y_SURVIVAL,
    forest_plot,
    risk_table_axes,
)

PROV = "SYNTHETIC data (seed 1)"


@pytest.fixture(scope="module")
def events():
    rng = np.random.default_rng(1)
    n = 200
    x = rng.integers(0, 2, n)
    t = np.ceil(rng.exponential(np.where(x == 1, 200, 140)) / 12) * 12
    cens = rng.uniform(100, 200, n).round()
    e = (t <= cens).astype(int)
    return pd.DataFrame({"patient_id": range(n), "arm": np.where(x == 1, "OCR", "PBO"), "endpoint": "CDP12",
                         "time_weeks": np.where(e == 1, t, cens), "event": e})


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_km_plot_with_risk_table(events, tmp_path):
    res = analyze(events, "CDP12", data_provenance=PROV)
    ax = res.plot(weeks=[0, 48, 96, 144])
    tab = risk_table_axes(ax)
    fig = ax.figure
    assert ax.get_title(loc="left").endswith(PROV)
    assert ax.get_ylabel() == Y_SURVIVAL and tab.get_xlabel() == X_LABEL
    # numbers at risk sit exactly on the x ticks, one row per arm, and equal the risk table
    expected = res.km.risk_table([0, 48, 96, 144])
    texts = {(t.get_position()[0], t.get_text()) for t in tab.texts}
    assert texts == {(r.week, str(r.n_risk)) for r in expected.itertuples()}
    assert list(ax.get_xticks()) == [0, 48, 96, 144]
    colors = {line.get_color() for line in ax.get_lines()}
    assert {arm_color("treatment"), arm_color("control")} <= colors
    censor_markers = [line for line in ax.get_lines() if line.get_marker() == "|"]
    assert sum(len(line.get_xdata()) for line in censor_markers) == sum(
        (c["n_censor"] > 0).sum() for c in res.km.curves_.values())
    fig.savefig(tmp_path / "km.png", dpi=80)
    assert (tmp_path / "km.png").stat().st_size > 10_000


def test_km_plot_cumulative_incidence_goes_up(events):
    ax = KaplanMeier(data_provenance=PROV).fit(events).plot(cumulative_incidence=True, ci=False)
    assert ax.get_ylabel() == Y_INCIDENCE
    curve = ax.get_lines()[0].get_ydata()
    assert curve[0] == 0 and (np.diff(curve) >= 0).all()


def test_forest_plot_log_axis_reference_line_and_groups():
    # illustrative inputs only (not trial results); published numbers live in evidence/*.yaml
    df = pd.DataFrame({"label": ["CDP12", "CDP24", "T25FW"], "estimate": [0.8, 0.7, 0.6],
                       "ci_low": [0.6, 0.5, 0.45], "ci_high": [1.05, 0.95, 0.8],
                       "group": ["EDSS", "EDSS", "Walking"]})
    ax = forest_plot(df, group="group", provenance="illustrative numbers")
    assert ax.get_xscale() == "log"
    assert any(np.allclose(line.get_xdata(), [1, 1]) for line in ax.get_lines())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["EDSS", "  CDP12", "  CDP24", "Walking", "  T25FW"]
    assert ax.get_title(loc="left") == "Hazard ratios — illustrative numbers"


def test_schoenfeld_and_parametric_plots(events):
    cox = CoxPH(data_provenance=PROV).fit(events, "OCR", "PBO")
    ph = cox.ph_test()
    ax = ph.plot()
    assert PROV in ax.get_title(loc="left") and "p = " in ax.texts[0].get_text()
    # the points are the scaled residuals (jittered in time only), the dashed line the constant log HR
    [points] = ax.collections
    np.testing.assert_allclose(points.get_offsets()[:, 1], ph.residuals["scaled_residual"].to_numpy(float))
    assert np.abs(points.get_offsets()[:, 0] - ph.residuals["time"].to_numpy(float)).max() <= 1.5
    [constant] = [line for line in ax.get_lines() if line.get_label().startswith("constant log HR")]
    assert list(constant.get_ydata()) == [ph.beta, ph.beta] and ph.beta == pytest.approx(cox.result_.log_hr)
    par = ParametricSurvival(distributions=["weibull"], data_provenance=PROV).fit(events, "OCR", "PBO")
    ax = par.plot(horizon=400)
    assert any("EXTRAPOLATION" in t.get_text() for t in ax.texts)
    assert any(line.get_linestyle() == "--" for line in ax.get_lines())
    assert PROV in cox.plot().get_title(loc="left")


def test_fitters_say_clearly_when_not_fitted():
    from msevidence.errors import NotFittedError
    from msevidence.models.survival import CoxPH, ParametricSurvival

    for fitter in (KaplanMeier(), CoxPH(), ParametricSurvival()):
        assert "not fitted" in repr(fitter)
        with pytest.raises(NotFittedError, match=r"not fitted yet: call \.fit"):
            fitter.summary  # noqa: B018
