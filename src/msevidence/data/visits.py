"""The visits table (DESIGN.md, "Data contracts"): reading, validation, per-visit T25FW changes and the
confirmed walking/disability events derived from it.

Columns: ``patient_id, arm, week, edss, t25fw_s`` (``nhpt_s`` and others are kept but not needed). Baseline is
each patient's week-0 row. T25FW is seconds to walk 25 feet; walking speed = 25 ft / time (ft/s), × 0.3048 for m/s.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from msevidence.data.confirm import (
    UnconfirmedAtEnd,
    confirmed_onsets,
    edss_worsened,
    pct_improved,
    pct_worsened,
)
from msevidence.data.t25fw import T25FW_RANGE_S, T25FW_RANGE_VAR, t25fw_range_s  # noqa: F401 - re-exported
from msevidence.data.tables import first_row, read_table
from msevidence.errors import TableError

REQUIRED_COLUMNS = ("patient_id", "arm", "week", "edss", "t25fw_s")
WALK_FEET = 25.0
METRES_PER_FOOT = 0.3048
THRESHOLD_PCT = 20.0
MAX_WEEK = 2600.0  # 50 years
UNABLE_COLUMN = "t25fw_unable"  # optional: True where the patient could not complete the walk (no time recorded)
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}


VisitsTableError = TableError  # the one table-error type (msevidence.errors)


def read_visits(path_or_df: str | Path | pd.DataFrame, *, source: str | None = None,
                t25fw_range: tuple[float, float] | None = None) -> pd.DataFrame:
    """Read a visits table from a DataFrame or a CSV/Parquet file and check it (see `validate_visits`)."""
    df, source = read_table(path_or_df, source=source, kind="visits table")
    return validate_visits(df, source=source, t25fw_range=t25fw_range)


def validate_visits(df: pd.DataFrame, *, source: str = "visits table",
                    t25fw_range: tuple[float, float] | None = None) -> pd.DataFrame:
    """Check the visits table; returns a copy sorted by patient and week.

    Rules: required columns present; every number finite; ``week`` non-negative, never missing;
    ``t25fw_s`` within the plausible range (default :data:`T25FW_RANGE_S`, see :func:`t25fw_range_s`) and
    ``edss`` in 0-10 where present (NaN = visit not assessed); one row per patient and week; one arm per
    patient; every patient has a week-0 row with both ``edss`` and ``t25fw_s`` (the baseline). The optional
    ``t25fw_unable`` column (true/false; added as false when absent) marks visits where the patient could not
    complete the walk within the protocol's time limit: such a visit has no ``t25fw_s`` and is not a baseline.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise VisitsTableError(f"missing column(s) {', '.join(missing)} (need {', '.join(REQUIRED_COLUMNS)})",
                               source=source)
    if df.empty:
        raise VisitsTableError("no rows", source=source)
    df = df.copy()
    for col in ("week", "edss", "t25fw_s"):
        num = pd.to_numeric(df[col], errors="coerce")
        bad = num.isna() & df[col].notna()
        if bad.any():
            raise VisitsTableError(f"non-numeric value {df[col][bad].iloc[0]!r} (row {_row(bad)})",
                                   source=source, column=col)
        df[col] = num.astype(float)
        inf = np.isinf(df[col])
        if inf.any():
            raise VisitsTableError(f"{df[col][inf].iloc[0]:g} is not a finite number (row {_row(inf)}) "
                                   "(rule: finite numbers)", source=source, column=col)
    low, high = t25fw_range or t25fw_range_s()
    checks = (("week", df["week"].isna() | (df["week"] < 0) | (df["week"] > MAX_WEEK),
               f"week must be given, >= 0 and <= {MAX_WEEK:g}"),
              ("t25fw_s", (df["t25fw_s"] < low) | (df["t25fw_s"] > high),
               f"walk time {_first_value(df['t25fw_s'], low, high)} s is outside the plausible range "
               f"{low:g}-{high:g} s (rule: plausible T25FW; override with {T25FW_RANGE_VAR}=MIN,MAX or "
               "--t25fw-range)"),
              ("edss", (df["edss"] < 0) | (df["edss"] > 10), "EDSS must be between 0 and 10"),
              ("patient_id", df["patient_id"].isna(), "missing patient_id"),
              ("arm", df["arm"].isna(), "missing arm"))
    for col, bad, rule in checks:
        if bad.any():
            raise VisitsTableError(f"{rule} (row {_row(bad)})", source=source, column=col)
    df["arm"] = df["arm"].astype(str)
    df[UNABLE_COLUMN] = _unable(df, source)
    dup = df.duplicated(["patient_id", "week"])
    if dup.any():
        raise VisitsTableError(f"patient {df['patient_id'][dup].iloc[0]!r} has two rows for week "
                               f"{df['week'][dup].iloc[0]:g} (row {_row(dup)})", source=source, column="week")
    arms_per = df.groupby("patient_id")["arm"].nunique()
    if (arms_per > 1).any():
        raise VisitsTableError(f"patient {arms_per.index[arms_per > 1][0]!r} is in more than one arm",
                               source=source, column="arm")
    base = df[df["week"] == 0].set_index("patient_id")
    for col in ("t25fw_s", "edss"):
        no_base = ~df["patient_id"].drop_duplicates().isin(base.index[base[col].notna()])
        if no_base.any():
            pid = df["patient_id"].drop_duplicates()[no_base].iloc[0]
            raise VisitsTableError(f"patient {pid!r} has no week-0 (baseline) value", source=source, column=col)
    return df.sort_values(["patient_id", "week"], kind="stable").reset_index(drop=True)


_row = first_row


def _unable(df: pd.DataFrame, source: str) -> pd.Series:
    """The ``t25fw_unable`` column as booleans (false when absent), checked against the walk times."""
    if UNABLE_COLUMN not in df.columns:
        return pd.Series(False, index=df.index)
    text = df[UNABLE_COLUMN].map(lambda v: "" if pd.isna(v) else str(v).strip().lower().removesuffix(".0"))
    bad = ~text.isin(_TRUE | _FALSE)
    if bad.any():
        raise VisitsTableError(f"{df[UNABLE_COLUMN][bad].iloc[0]!r} is not true or false (row {_row(bad)})",
                               source=source, column=UNABLE_COLUMN)
    unable = text.isin(_TRUE)
    for bad, rule in ((unable & df["t25fw_s"].notna(), "a visit where the patient could not walk has no walk time"),
                      (unable & (df["week"] == 0), "the baseline (week 0) needs a completed walk")):
        if bad.any():
            raise VisitsTableError(f"{rule} (row {_row(bad)})", source=source, column=UNABLE_COLUMN)
    return unable


def t25fw_or_unable(visits: pd.DataFrame) -> pd.Series:
    """``t25fw_s`` with +inf where the patient could not walk: an assessed visit, worse than any time (so it
    counts as >= 20% worsening and breaks an improvement), as trials counted it."""
    if UNABLE_COLUMN not in visits.columns:  # a table that records no inability to walk
        return visits["t25fw_s"]
    return visits["t25fw_s"].where(~visits[UNABLE_COLUMN].astype(bool), np.inf)


def _first_value(t: pd.Series, low: float, high: float) -> str:
    bad = t[(t < low) | (t > high)]
    return f"{bad.iloc[0]:g}" if len(bad) else ""


def walking_changes(visits: pd.DataFrame) -> pd.DataFrame:
    """One row per assessed T25FW visit with its change from baseline (week 0).

    Adds ``baseline_t25fw_s``, ``ratio`` (T/T0), ``log_ratio``, ``pct_change`` (100·(T/T0 − 1), positive = slower),
    ``speed_ft_s`` (25/T), ``speed_m_s`` and ``speed_change_ft_s`` / ``speed_change_m_s`` (positive = faster).
    """
    base = visits.loc[visits["week"] == 0].set_index("patient_id")["t25fw_s"]
    out = visits.loc[visits["t25fw_s"].notna(), ["patient_id", "arm", "week", "t25fw_s"]].copy()
    out["baseline_t25fw_s"] = out["patient_id"].map(base).to_numpy(float)
    out["ratio"] = out["t25fw_s"] / out["baseline_t25fw_s"]
    out["log_ratio"] = np.log(out["ratio"])
    out["pct_change"] = 100 * (out["ratio"] - 1)
    out["speed_ft_s"] = WALK_FEET / out["t25fw_s"]
    out["speed_m_s"] = out["speed_ft_s"] * METRES_PER_FOOT
    out["speed_change_ft_s"] = out["speed_ft_s"] - WALK_FEET / out["baseline_t25fw_s"]
    out["speed_change_m_s"] = out["speed_change_ft_s"] * METRES_PER_FOOT
    return out.reset_index(drop=True)


def pct_change_by_visit(changes: pd.DataFrame) -> pd.DataFrame:
    """Per arm and week: n, arithmetic mean % change, geometric mean % change (100·(exp(mean log T/T0) − 1)),
    median and quartiles of % change, and mean change in walking speed (ft/s and m/s)."""
    g = changes.groupby(["arm", "week"])
    out = pd.DataFrame({
        "n": g.size(),
        "mean_pct_change": g["pct_change"].mean(),
        "geometric_mean_pct_change": 100 * (np.exp(g["log_ratio"].mean()) - 1),
        "median_pct_change": g["pct_change"].median(),
        "q1_pct_change": g["pct_change"].quantile(0.25),
        "q3_pct_change": g["pct_change"].quantile(0.75),
        "walking_speed_change_ft_s": g["speed_change_ft_s"].mean(),
        "walking_speed_change_m_s": g["speed_change_m_s"].mean(),
    })
    return out.reset_index()


def _wide(visits: pd.DataFrame, column: str) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """(patient ids, weeks, patients × weeks matrix of `column`, NaN where not assessed)."""
    wide = visits.pivot(index="patient_id", columns="week", values=column).sort_index(axis=1)
    return wide.index, wide.columns.to_numpy(float), wide.to_numpy(float)


def walking_events(visits: pd.DataFrame, unconfirmed_at_end: UnconfirmedAtEnd = "censor") -> pd.DataFrame:
    """Events table (``patient_id, arm, endpoint, time_weeks, event``) derived from the visits, for the
    survival module. Endpoints (confirmation rule of DESIGN.md via `msevidence.confirm`):

    - ``cdp12_edss``/``cdp24_edss``: EDSS CDP (≥1.0 if baseline ≤5.5, ≥0.5 if >5.5), confirmed 12/24 weeks;
    - ``t25fw20_cp12``/``t25fw20_cp24``: T25FW time ≥ 1.2·T0, confirmed 12/24 weeks (a visit where the patient
      could not walk counts as worse, see :func:`t25fw_or_unable`);
    - ``t25fw20_improved_cp12``/``t25fw20_improved_cp24``: T25FW time ≤ T0/1.2 (speed ≥20% faster), confirmed.

    `unconfirmed_at_end` says what happens to an onset that follow-up ended before it could be confirmed.
    """
    arms = visits.groupby("patient_id")["arm"].first()
    visits = visits.assign(t25fw_s=t25fw_or_unable(visits))
    frames = []
    for column, rule in (("edss", "edss"), ("t25fw_s", "worse"), ("t25fw_s", "better")):
        ids, weeks, values = _wide(visits, column)
        if weeks[0] != 0:
            raise VisitsTableError("no week-0 (baseline) visit", column="week")
        base = values[:, 0]
        if rule == "edss":
            crit, name = edss_worsened(values, base), "cdp{w}_edss"
        elif rule == "worse":
            crit, name = pct_worsened(values, base, THRESHOLD_PCT), "t25fw20_cp{w}"
        else:
            crit, name = pct_improved(values, base, THRESHOLD_PCT), "t25fw20_improved_cp{w}"
        for w in (12, 24):
            time, event = confirmed_onsets(values, weeks, crit, w, unconfirmed_at_end)
            frames.append(pd.DataFrame({"patient_id": ids, "arm": arms.loc[ids].to_numpy(),
                                        "endpoint": name.format(w=w), "time_weeks": time, "event": event}))
    return pd.concat(frames, ignore_index=True)
