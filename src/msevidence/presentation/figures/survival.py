"""Survival figures: KM curves with a risk table (survminer-style), HR forest plot, Schoenfeld and
parametric-extrapolation plots. Each takes a `provenance` label that is appended to the title."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator, NullFormatter, PercentFormatter

from msevidence import formatting as fmt
from msevidence.data.tables import arm_roles
from msevidence.presentation.figures.style import arm_color, labelled_title

RISK_TABLE_TITLE = "Number at risk"
X_LABEL = "Weeks since randomization"
Y_SURVIVAL = "Proportion without confirmed progression"
Y_INCIDENCE = "Cumulative incidence of confirmed progression"


def _journal(ax: Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(direction="out", length=4)


def km_plot(km, *, weeks: Sequence[float] | None = None, ci: bool = True, cumulative_incidence: bool = False,
            roles: dict[str, str] | None = None, title: str = "Kaplan-Meier estimate",
            provenance: str | None = None, risk_table: bool = True, figsize: tuple[float, float] = (7.0, 5.6),
            xmax: float | None = None, names: dict[str, str] | None = None) -> Axes:
    """KM step curves per arm with censor ticks, optional CI bands and a numbers-at-risk table.

    `km` is a fitted `msevidence.survival.KaplanMeier`; `weeks` are the x ticks and risk-table columns
    (default every 24 weeks); `cumulative_incidence` plots 1 − S; `names` maps arm ids to the words shown
    (e.g. ``{"OCR": "ocrelizumab"}``). Returns the curve's Axes; the numbers-at-risk table is
    :func:`risk_table_axes` of it.
    """
    arms = km.arms
    role = arm_roles(arms, roles)
    shown = {a: (names or {}).get(a, a) for a in arms}
    last = max(km.last_time(a) for a in arms)
    xmax = xmax if xmax is not None else last
    if weeks is None:
        step = 12 * max(1, int(np.ceil(xmax / 12 / 10)))
        weeks = np.arange(0, xmax + 1e-9, step)
    weeks = np.asarray(weeks, float)
    fig = plt.figure(figsize=figsize, layout="constrained")
    if risk_table:
        gs = fig.add_gridspec(2, 1, height_ratios=[4, 0.35 + 0.22 * len(arms)])
        ax = fig.add_subplot(gs[0])
        tab = fig.add_subplot(gs[1], sharex=ax)
    else:
        ax, tab = fig.add_subplot(), None

    for i, arm in enumerate(arms):
        c = km.curves_[arm]
        color = arm_color(role[arm], i)
        t = np.r_[0.0, c["time"].to_numpy()]
        s = np.r_[1.0, c["survival"].to_numpy()]
        lo, hi = np.r_[1.0, c["ci_low"].to_numpy()], np.r_[1.0, c["ci_high"].to_numpy()]
        if cumulative_incidence:
            s, lo, hi = 1 - s, 1 - hi, 1 - lo
        ax.step(t, s, where="post", color=color, lw=1.8, label=f"{shown[arm]} (n = {int(c['n_risk'].iloc[0])})")
        if ci:
            ax.fill_between(t, lo, hi, step="post", color=color, alpha=0.15, lw=0)
        cens = c[c["n_censor"] > 0]
        y = cens["survival"].to_numpy()
        ax.plot(cens["time"], 1 - y if cumulative_incidence else y, ls="none", marker="|", ms=7, mew=1.1,
                color=color)
    ax.set_xlim(0, xmax * 1.02)
    ax.set_ylim((0, 1.02) if not cumulative_incidence else (0, None))
    ax.xaxis.set_major_locator(FixedLocator(weeks))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel(Y_INCIDENCE if cumulative_incidence else Y_SURVIVAL)
    ax.grid(axis="y", color="0.9", lw=0.6)
    ax.legend(frameon=False, loc="lower left" if not cumulative_incidence else "upper left",
              title=f"| censored{';  shaded: 95% CI' if ci else ''}", title_fontsize=8, alignment="left")
    ax.set_title(labelled_title(title, provenance), loc="left", fontsize=11)
    _journal(ax)

    if tab is None:
        ax.set_xlabel(X_LABEL)
        return ax
    rt = km.risk_table(weeks)
    tab.set_ylim(-0.5, len(arms) - 0.5)
    tab.set_yticks(range(len(arms)))
    tab.set_yticklabels([shown[a] for a in arms[::-1]])
    for i, arm in enumerate(arms):
        row = len(arms) - 1 - i
        tab.get_yticklabels()[row].set_color(arm_color(role[arm], i))
        for _, r in rt[rt["arm"] == arm].iterrows():
            if r["week"] <= ax.get_xlim()[1]:
                tab.text(r["week"], row, f"{r['n_risk']:d}", ha="center", va="center", fontsize=9,
                         color=arm_color(role[arm], i))
    tab.set_title(RISK_TABLE_TITLE, loc="left", fontsize=9, pad=2)
    tab.set_xlabel(X_LABEL)
    tab.tick_params(axis="y", length=0, pad=22)
    tab.spines[["top", "right", "left"]].set_visible(False)
    ax.tick_params(axis="x", labelbottom=False)
    ax.set_xlabel("")
    return ax


def risk_table_axes(ax: Axes) -> Axes | None:
    """The numbers-at-risk table drawn under a :func:`km_plot` (None if it was drawn without one)."""
    return next((a for a in ax.figure.axes if a.get_title(loc="left") == RISK_TABLE_TITLE), None)


def forest_plot(df: pd.DataFrame, *, label: str = "label", estimate: str = "estimate", ci_low: str = "ci_low",
                ci_high: str = "ci_high", group: str | None = None, title: str = "Hazard ratios",
                provenance: str | None = None, xlabel: str = "Hazard ratio (95% CI), log scale",
                favours: tuple[str, str] | None = ("Favours treatment", "Favours control"),
                ax: Axes | None = None) -> Axes:
    """Forest plot: one row per estimate with CI on a log x-axis, a line at 1, optional group headings."""
    rows: list[tuple[str, pd.Series | None]] = []
    if group:
        for g, sub in df.groupby(group, sort=False):
            rows.append((str(g), None))
            rows.extend((f"  {r[label]}", r) for _, r in sub.iterrows())
    else:
        rows = [(str(r[label]), r) for _, r in df.iterrows()]
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.45 * len(rows) + 1.4), layout="constrained")
    y = np.arange(len(rows))[::-1]
    lows, highs = df[ci_low].astype(float), df[ci_high].astype(float)
    lo_lim, hi_lim = min(lows.min(), 1.0) / 1.25, max(highs.max(), 1.0) * 1.25
    for yi, (_, r) in zip(y, rows, strict=True):
        if r is None:
            continue
        ax.plot([r[ci_low], r[ci_high]], [yi, yi], color="0.2", lw=1.3)
        ax.plot(r[estimate], yi, marker="s", color=arm_color("treatment"), ms=6)
        ax.annotate(f"{fmt.ratio(r[estimate])} ({fmt.interval(r[ci_low], r[ci_high])})", xy=(1.01, yi),
                    xycoords=("axes fraction", "data"), va="center", fontsize=9)
    ax.axvline(1.0, color="0.3", lw=0.9, ls="--")
    ax.set_xscale("log")
    ax.set_xlim(lo_lim, hi_lim)
    ticks = [t for t in (0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 4, 10) if lo_lim <= t <= hi_lim]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.set_yticks(y)
    ax.set_yticklabels([n for n, _ in rows])
    for tick, (_, r) in zip(ax.get_yticklabels(), rows, strict=True):
        if r is None:
            tick.set_fontweight("bold")
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(xlabel)
    if favours:
        for text, ha, dx in ((f"← {favours[0]}", "right", -6), (f"{favours[1]} →", "left", 6)):
            ax.annotate(text, xy=(1.0, 0.0), xycoords=("data", "axes fraction"), xytext=(dx, 3),
                        textcoords="offset points", ha=ha, va="bottom", fontsize=8, color="0.35")
    ax.set_title(labelled_title(title, provenance), loc="left", fontsize=11)
    ax.tick_params(axis="y", length=0)
    _journal(ax)
    ax.spines["left"].set_visible(False)
    return ax


def schoenfeld_plot(ph, *, title: str = "Scaled Schoenfeld residuals, treatment", provenance: str | None = None,
                    ax: Axes | None = None) -> Axes:
    """Scaled Schoenfeld residuals (β(t) estimates) over time with a lowess smooth and the PH test result."""
    from statsmodels.nonparametric.smoothers_lowess import lowess

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
    r = ph.residuals
    jitter = np.random.default_rng(0).uniform(-1.5, 1.5, len(r))  # visit-grid ties would overplot
    ax.scatter(r["time"] + jitter, r["scaled_residual"], s=9, color="0.55", alpha=0.6, lw=0,
               label="scaled residual (jittered ±1.5 wk)")
    smooth = lowess(r["scaled_residual"], r["time"], frac=2 / 3, return_sorted=True)
    ax.plot(smooth[:, 0], smooth[:, 1], color=arm_color("treatment"), lw=2, label="lowess smooth of β(t)")
    ax.axhline(ph.beta, color="0.2", ls="--", lw=1, label=f"constant log HR (β = {fmt.number(ph.beta)})")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlabel(X_LABEL)
    ax.set_ylabel("β(t) for treatment (log hazard ratio)")
    lo, hi = np.percentile(r["scaled_residual"], [2, 98])
    pad = 0.2 * (hi - lo)
    ax.set_ylim(lo - pad, hi + pad)
    verdict = "PH doubtful" if ph.ph_doubtful else "no evidence against PH"
    ax.text(0.99, 0.97, f"cox.zph-type test ({ph.transform} transform): χ² = {fmt.fixed(ph.chi2, 2)}, {fmt.p_value(ph.p)}\n{verdict}",
            transform=ax.transAxes, ha="right", va="top", fontsize=9,
            color=arm_color("control") if ph.ph_doubtful else "0.2")
    ax.legend(frameon=False, loc="lower left", fontsize=8)
    ax.set_title(labelled_title(title, provenance), loc="left", fontsize=11)
    _journal(ax)
    return ax


def parametric_plot(par, *, distribution: str | None = None, horizon: float | None = None, km=None,
                    roles: dict[str, str] | None = None, title: str | None = None,
                    provenance: str | None = None, ax: Axes | None = None) -> Axes:
    """Fitted parametric survival per arm: solid within follow-up, dashed and shaded where extrapolated."""
    dist = distribution or par.best()
    last = max(par.last_time_.values())
    horizon = horizon or 2 * last
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    grid = np.linspace(0, horizon, 400)
    pred = par.predict_survival(grid, dist)
    role = arm_roles(par.arms, roles or {par.treatment: "treatment", par.control: "control"})
    for i, arm in enumerate(par.arms):
        p = pred[pred["arm"] == arm]
        color = arm_color(role[arm], i)
        inside = ~p["extrapolated"]
        ax.plot(p["week"][inside], p["survival"][inside], color=color, lw=1.8, label=f"{arm}: {dist}")
        ax.plot(p["week"][~inside], p["survival"][~inside], color=color, lw=1.5, ls="--")
        if km is not None and arm in km.curves_:
            c = km.curves_[arm]
            ax.step(np.r_[0, c["time"]], np.r_[1, c["survival"]], where="post", color=color, lw=0.9, alpha=0.6)
    ax.axvspan(min(par.last_time_.values()), horizon, color="0.93", zorder=0)
    ax.text(min(par.last_time_.values()) + 0.01 * horizon, 0.04, "EXTRAPOLATION beyond follow-up (dashed)",
            fontsize=8, color="0.3")
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(X_LABEL)
    ax.set_ylabel(Y_SURVIVAL)
    ax.legend(frameon=False, loc="upper right")
    ax.set_title(labelled_title(title or f"Parametric fit ({dist}) and extrapolation", provenance), loc="left",
                 fontsize=11)
    _journal(ax)
    return ax
