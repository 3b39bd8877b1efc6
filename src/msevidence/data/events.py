"""The events table (one row per patient and endpoint): reading, validation and arm roles.

Columns: ``patient_id, arm, endpoint, time_weeks, event`` (DESIGN.md, "Data contracts"); any extra
columns may serve as strata (e.g. ORATORIO's region and age group).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from msevidence.data.tables import first_row, read_table
from msevidence.errors import TableError

REQUIRED_COLUMNS = ("patient_id", "arm", "endpoint", "time_weeks", "event")
MAX_TIME_WEEKS = 2600.0  # 50 years: any longer follow-up is a data error


EventsTableError = TableError  # the one table-error type (msevidence.errors)


def read_events(path_or_df: str | Path | pd.DataFrame, *, source: str | None = None) -> pd.DataFrame:
    """Read an events table from a DataFrame or a CSV/Parquet file and check its columns and values.

    Raises `EventsTableError` for a missing column, a missing/negative/non-numeric ``time_weeks``, an
    ``event`` not 0/1, or a patient listed twice for one endpoint. Returns a copy with ``event`` as int.
    """
    df, source = read_table(path_or_df, source=source, kind="events table")
    return validate_events(df, source=source)


def validate_events(df: pd.DataFrame, *, source: str = "events table") -> pd.DataFrame:
    """Check the rules of the events table (see `read_events`); returns a cleaned copy."""
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise EventsTableError(
            f"missing required column(s) {', '.join(repr(c) for c in missing)}; "
            f"an events table has columns {', '.join(REQUIRED_COLUMNS)}", source=source)
    df = df.copy()
    if df.empty:
        raise EventsTableError("the table has no rows", source=source)
    for col in ("patient_id", "arm", "endpoint"):
        if df[col].isna().any():
            raise EventsTableError(f"missing value in row {_first(df[col].isna())}", source=source, column=col)
    df["arm"] = df["arm"].astype(str)
    df["endpoint"] = df["endpoint"].astype(str)

    time = pd.to_numeric(df["time_weeks"], errors="coerce")
    bad = time.isna() | ~np.isfinite(time)
    if bad.any():
        raise EventsTableError(f"must be a finite number; row {_first(bad)} has {_show(df['time_weeks'][bad].iloc[0])}",
                               source=source, column="time_weeks")
    if (time > MAX_TIME_WEEKS).any():
        big = time > MAX_TIME_WEEKS
        raise EventsTableError(f"row {first_row(big)} has {time[big].iloc[0]:g} weeks; follow-up longer than "
                               f"{MAX_TIME_WEEKS:g} weeks (50 years) is not plausible (rule: plausible times)",
                               source=source, column="time_weeks")
    if (time < 0).any():
        raise EventsTableError(f"must not be negative; row {_first(time < 0)} has {time[time < 0].iloc[0]:g}",
                               source=source, column="time_weeks")
    df["time_weeks"] = time.astype(float)

    event = pd.to_numeric(df["event"], errors="coerce")
    bad = ~event.isin([0, 1])
    if bad.any():
        raise EventsTableError(f"must be 0 (censored) or 1 (event); row {_first(bad)} has {_show(df['event'][bad].iloc[0])}",
                               source=source, column="event")
    df["event"] = event.astype(int)

    dup = df.duplicated(["patient_id", "endpoint"])
    if dup.any():
        row = df[dup].iloc[0]
        raise EventsTableError(f"patient {row['patient_id']!r} appears twice for endpoint {row['endpoint']!r} "
                               "(one row per patient and endpoint)", source=source, column="patient_id")
    return df.reset_index(drop=True)


def select_endpoint(events: pd.DataFrame, endpoint: str, *, source: str = "events table",
                    strata: list[str] | tuple[str, ...] | None = None) -> pd.DataFrame:
    """Rows of one endpoint, checked for ≥2 arms, ≥1 event and present strata columns."""
    known = sorted(events["endpoint"].unique())
    if endpoint not in known:
        raise EventsTableError(f"unknown endpoint {endpoint!r}; the table has {', '.join(map(repr, known))}",
                               source=source, column="endpoint")
    sub = events[events["endpoint"] == endpoint].reset_index(drop=True)
    arms = sorted(sub["arm"].unique())
    if len(arms) < 2:
        raise EventsTableError(f"endpoint {endpoint!r} has one arm only ({arms[0]!r}); a comparison needs two",
                               source=source, column="arm")
    if sub["event"].sum() == 0:
        raise EventsTableError(f"endpoint {endpoint!r} has no events (all rows censored)", source=source,
                               column="event")
    for col in strata or ():
        if col not in sub.columns:
            raise EventsTableError(f"stratum column {col!r} not in the table", source=source, column=col)
        if sub[col].isna().any():
            raise EventsTableError("missing stratum value", source=source, column=col)
    return sub


_first = first_row


def _show(value: object) -> str:
    """A cell value for a message: quoted text, plain numbers."""
    return repr(value) if isinstance(value, str) else str(value.item() if hasattr(value, "item") else value)
