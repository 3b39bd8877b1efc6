"""The published-vs-reproduced table (one domain per row, never mixed); pages show it through the trial's answer
(:func:`msevidence.answers.trial_answer.comparison_rows`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from msevidence.evidence import Trial
from msevidence.models.survival.analysis import SurvivalAnalysis
from msevidence.models.walking.summary import GEOMETRIC, WalkingSummary

WEEKLY_STATISTICS = ("km_proportion_at_week", "proportion_by_week")
DOMAINS = ("disability_progression", "walking_speed")
EXTRA_DEFINITIONS = {  # reproduced-only endpoints (no published counterpart)
    "t25fw20_cp12": "T25FW; >=20% increase in time (T >= 1.2*T0); confirmed 12 weeks",
    "t25fw20_improved_cp12": "T25FW; >=20% faster walking (T <= T0/1.2); confirmed 12 weeks",
}


def _walking_endpoint(trial: Trial, week: float):
    return trial.find_endpoint(scale="T25FW", analysis="change_from_baseline", week=week)


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
