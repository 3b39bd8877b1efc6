"""Plain-language walking verdict and the published-vs-reproduced table (one domain per row, never mixed)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from msevidence import formatting as fmt
from msevidence.evidence import Trial
from msevidence.judgement.main_effect import main_effect
from msevidence.judgement.published import published_walking_verdict
from msevidence.judgement.verdict import Direction, judge
from msevidence.judgement.verdict import conclusion as conclusion_text
from msevidence.models.survival.analysis import SurvivalAnalysis
from msevidence.models.walking.summary import GEOMETRIC, WalkingSummary

WEEKLY_STATISTICS = ("km_proportion_at_week", "proportion_by_week")
DOMAINS = ("disability_progression", "walking_speed")
EXTRA_DEFINITIONS = {  # reproduced-only endpoints (no published counterpart)
    "t25fw20_cp12": "T25FW; >=20% increase in time (T >= 1.2*T0); confirmed 12 weeks",
    "t25fw20_improved_cp12": "T25FW; >=20% faster walking (T <= T0/1.2); confirmed 12 weeks",
}


@dataclass(frozen=True)
class WalkingVerdict:
    """Walking-speed verdict on reproduced data: `direction` from :mod:`msevidence.judgement.verdict`, sentences
    built from computed numbers, and those numbers."""

    direction: Direction
    sentences: tuple[str, ...]
    numbers: dict
    published_direction: Direction | None = None  # same scale, from the evidence store (None if not published)
    domain: str = "walking_speed"

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"sentence": list(self.sentences)})

    def __str__(self) -> str:
        return "\n".join(self.sentences)


def _walking_endpoint(trial: Trial, week: float):
    return trial.find_endpoint(scale="T25FW", analysis="change_from_baseline", week=week)


def walking_verdict(summary: WalkingSummary, trial: Trial | None = None) -> WalkingVerdict:
    """Say, with numbers, whether walking improved, worsened less, or did not differ (walking speed only).

    The direction is the verdict engine's (:func:`msevidence.judgement.verdict.judge`) on the mixed model's
    walk-time ratio at the week (a harm: a longer time is worse) with the treated arm's geometric-mean change
    from baseline. Published numbers (if `trial` has them) come from the evidence store with their citation.
    """
    t, c, m = summary.arm("treatment"), summary.arm("control"), summary.mixed_model
    names = {a.id: a.drug for a in trial.arms} if trial is not None else {}
    tn, cn = names.get(t.arm, t.arm), names.get(c.arm, c.arm)
    label = summary.data_provenance or "data of unstated provenance"
    wk = f"{summary.week:g}"
    judged = judge(m.ratio, m.ci_low, m.ci_high, treatment_change=t.geometric_mean_pct_change)
    direction = judged.direction
    slower = [names.get(a.arm, a.arm) for a in (t, c) if a.geometric_mean_pct_change > 0]
    ratio = (f"{fmt.ratio(m.ratio)} times that on {cn} (95% CI {fmt.interval(m.ci_low, m.ci_high)})" if m.estimable
             else f"not estimable ({m.reason})")
    s = [f"Walking speed (Timed 25-Foot Walk), {label}: at week {wk} the time to walk 25 feet had changed by "
         f"{fmt.percent_change(t.geometric_mean_pct_change)} with {tn} and {fmt.percent_change(c.geometric_mean_pct_change)}"
         f" with {cn} (geometric mean % change; arithmetic mean {fmt.percent_change(t.mean_pct_change)} vs "
         f"{fmt.percent_change(c.mean_pct_change)})"
         + (f" — walking got slower on average in {' and '.join(slower)}." if slower else "."),
         f"Mixed model (log walk time, arm × week): at week {wk}, walk time relative to baseline on {tn} was {ratio}.",
         f"Confirmed (12-week) ≥20% slower walking by week {wk}: {fmt.percent(t.worsened_20_confirmed_12w)} of "
         f"{tn} vs {fmt.percent(c.worsened_20_confirmed_12w)} of {cn} patients; confirmed ≥20% faster walking: "
         f"{fmt.percent(t.improved_20_confirmed_12w)} vs {fmt.percent(c.improved_20_confirmed_12w)}.",
         f"Average walking speed changed by {t.walking_speed_change_m_s:+.2f} m/s with {tn} and "
         f"{c.walking_speed_change_m_s:+.2f} m/s with {cn} (negative = slower)."]
    s.append(f"What these synthetic data show (an illustration, not the trial's result): "
             f"{conclusion_text(direction, 'walking_speed', tn, cn)}.")
    numbers = {"week": summary.week, "geometric_mean_pct_change": {t.arm: t.geometric_mean_pct_change,
                                                                   c.arm: c.geometric_mean_pct_change},
               "mixed_model_ratio": [m.ratio, m.ci_low, m.ci_high], "data_provenance": summary.data_provenance}
    ep = _walking_endpoint(trial, summary.week) if trial is not None else None
    published_direction = None
    if ep is not None:
        pt, pc = ep.result(trial.treatment.id, "mean_pct_change"), ep.result(trial.control.id, "mean_pct_change")
        if pt is not None and pc is not None:
            eff = main_effect(ep)
            published_direction = published_walking_verdict(trial).verdict  # the one published verdict
            p_text = (f", {fmt.p_value(eff.p, eff.p_relation)} ({trial.cite(eff.source)})"
                      if eff is not None and eff.p is not None else "")
            s.append(f"Published, the result that counts ({trial.cite(pt.source)}): {fmt.percent_change(pt.value)} "
                     f"with {trial.treatment.drug} vs {fmt.percent_change(pc.value)} with {trial.control.drug} at week "
                     f"{wk}{p_text}, estimated by the trial's model "
                     f"({ep.definition.summary.strip()})"
                     + ("; walk time increased in both arms" if min(pt.value, pc.value) > 0 else "")
                     + f"; the published evidence shows {published_direction}"
                     + (", not improvement." if published_direction != Direction.IMPROVEMENT else "."))
            numbers["published"] = {trial.treatment.id: pt.value, trial.control.id: pc.value}
    s.append("This section is about walking speed only; disability progression (EDSS CDP) is reported "
             "separately and is not implied by these numbers.")
    return WalkingVerdict(direction=direction, sentences=tuple(s), numbers=numbers, published_direction=published_direction)


# -- published vs reproduced ----------------------------------------------------------------------------
def _reproduced_rows(trial: Trial, reproduced, provenance: str | None) -> pd.DataFrame:
    """Reproduced numbers as rows: endpoint, statistic, week, arm, reproduced, ci_low, ci_high, summary, provenance."""
    if isinstance(reproduced, pd.DataFrame):
        df = reproduced.copy()
        for col, default in (("arm", None), ("week", np.nan), ("ci_low", np.nan), ("ci_high", np.nan),
                             ("summary", None), ("provenance", provenance)):
            if col not in df:
                df[col] = default
        return df.rename(columns={"value": "reproduced"})
    rows = []

    def add(endpoint, statistic, arm, value, lo=np.nan, hi=np.nan, summary=None, prov=provenance, week=np.nan):
        rows.append(dict(endpoint=endpoint, statistic=statistic, week=week, arm=arm, reproduced=value, ci_low=lo,
                         ci_high=hi, summary=summary, provenance=prov))

    for key, item in reproduced.items():
        if isinstance(item, WalkingSummary):
            w, prov = item, item.data_provenance or provenance
            ep = _walking_endpoint(trial, w.week)
            eid = ep.id if ep is not None else f"t25fw_pct_change_w{w.week:g}"
            for a in w.arms:
                add(eid, "mean_pct_change", a.arm, a.geometric_mean_pct_change, summary=GEOMETRIC, prov=prov)
                add("t25fw20_cp12", "proportion_by_week", a.arm, a.worsened_20_confirmed_12w, week=w.week,
                    summary=f"proportion with confirmed ≥20% slower walk by week {w.week:g}", prov=prov)
                add("t25fw20_improved_cp12", "proportion_by_week", a.arm, a.improved_20_confirmed_12w, week=w.week,
                    summary=f"proportion with confirmed ≥20% faster walking by week {w.week:g}", prov=prov)
            gt, gc = w.arm("treatment").geometric_mean_pct_change, w.arm("control").geometric_mean_pct_change
            add(eid, "relative_reduction", f"{w.treatment} vs {w.control}", 1 - gt / gc,
                summary="1 − ratio of geometric mean % changes", prov=prov)
            m = w.mixed_model
            if m.estimable:
                # the same estimand as a published ratio of (adjusted) geometric means of walk time at that week
                add(eid, "ratio_of_geometric_means", f"{w.treatment} vs {w.control}", m.ratio, m.ci_low, m.ci_high,
                    summary=f"walk-time ratio at week {w.week:g}, {m.method}", prov=prov)
        elif isinstance(item, SurvivalAnalysis):
            eid = key if any(e.id == key for e in trial.endpoints) else item.endpoint
            prov = item.data_provenance or provenance
            cox, vs = item.cox, f"{item.treatment} vs {item.control}"
            if cox.estimable:
                add(eid, "hazard_ratio", vs, cox.hr, cox.ci_low, cox.ci_high, prov=prov,
                    summary="Cox hazard ratio (survival module)")
                add(eid, "relative_reduction", vs, 1 - cox.hr, summary="1 − hazard ratio", prov=prov)
            for arm in item.n:
                add(eid, "proportion_with_event", arm, item.events[arm] / item.n[arm], prov=prov,
                    summary="events / patients over the whole follow-up (survival module)")
            for r in item.km_at().itertuples(index=False):
                if np.isfinite(r.survival):
                    add(eid, "km_proportion_at_week", r.arm, 1 - r.survival, week=float(r.week), prov=prov,
                        summary=f"1 − Kaplan-Meier survival at week {r.week:g}")
        else:
            raise TypeError(f"reproduced[{key!r}]: expected a WalkingSummary or a SurvivalAnalysis, "
                            f"got {type(item).__name__}")
    return pd.DataFrame(rows)


def published_vs_reproduced(trial: Trial, reproduced: dict | pd.DataFrame, provenance: str | None = "synthetic",
                            domains: tuple[str, ...] = DOMAINS) -> pd.DataFrame:
    """Published vs reproduced numbers for `trial`, one row per endpoint definition, statistic and arm.

    `reproduced` maps endpoint ids to :class:`SurvivalAnalysis` results (hazard ratio, KM proportions) and/or a
    `WalkingSummary` (any key); or is a DataFrame with columns endpoint, statistic, arm, value (and week). Rows are grouped by `domain`; a row never mixes EDSS and T25FW. The reproduced T25FW % change is
    the geometric mean, compared with the published MMRM-on-log estimate (`reproduced_summary` says so).
    """
    rep = _reproduced_rows(trial, reproduced, provenance)
    rows = []
    by_id = {e.id: e for e in trial.endpoints}
    definitions = dict(EXTRA_DEFINITIONS)
    for e in trial.endpoints:
        if e.domain not in domains:
            continue
        d = e.definition
        definitions[e.id] = definition = "; ".join(str(x) for x in (d.scale, d.threshold, d.confirmation_weeks and
                                                f"confirmed {d.confirmation_weeks} weeks",
                                                d.week is not None and f"week {d.week:g}", d.period) if x)
        for r in e.results:
            week = r.week if r.statistic in WEEKLY_STATISTICS and r.week is not None else np.nan
            rows.append(dict(trial=trial.id, domain=e.domain, endpoint=e.id, definition=definition,
                             statistic=r.statistic, week=week, arm=r.arm, published=r.value, published_ci_low=r.ci_low, published_ci_high=r.ci_high,
                             published_summary=d.summary, published_provenance=r.provenance,
                             source=trial.cite(r.source)))
        for f in e.effects:
            rows.append(dict(trial=trial.id, domain=e.domain, endpoint=e.id, definition=definition,
                             statistic=f.statistic, week=np.nan, arm=f"{f.treatment} vs {f.control}", published=f.estimate,
                             published_ci_low=f.ci_low, published_ci_high=f.ci_high,
                             published_summary=f.method or d.summary, published_provenance=f.provenance,
                             source=trial.cite(f.source)))
    pub = pd.DataFrame(rows)
    rep = rep.rename(columns={"ci_low": "reproduced_ci_low", "ci_high": "reproduced_ci_high",
                              "summary": "reproduced_summary", "provenance": "reproduced_provenance"})
    out = pub.merge(rep, on=["endpoint", "statistic", "week", "arm"], how="outer")
    extra = out["trial"].isna()
    out.loc[extra, "trial"] = trial.id
    out.loc[extra, "domain"] = out.loc[extra, "endpoint"].map(
        lambda x: by_id[x].domain if x in by_id else ("walking_speed" if x.startswith("t25fw")
                                                       else "disability_progression" if "edss" in x else "other"))
    out.loc[extra, "source"] = "not published (gap)"
    out.loc[extra, "definition"] = out.loc[extra, "endpoint"].map(definitions)
    out = out[out["domain"].isin(domains)]
    order = {dm: i for i, dm in enumerate(domains)}
    out = out.sort_values(["domain", "endpoint", "statistic", "week", "arm"], key=lambda s: s.map(order) if
                          s.name == "domain" else s, kind="stable")
    cols = ["trial", "domain", "endpoint", "definition", "statistic", "week", "arm", "published", "published_ci_low",
            "published_ci_high", "reproduced", "reproduced_ci_low", "reproduced_ci_high", "published_summary",
            "published_provenance", "reproduced_summary", "reproduced_provenance", "source"]
    return out[cols].reset_index(drop=True)
