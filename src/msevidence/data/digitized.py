"""Digitized Kaplan-Meier inputs read into tidy frames: curve clicks, numbers at risk, total events.

Accepted files (times are converted to weeks):

- **curve CSV**: ``arm, time_weeks, survival`` (or ``cumulative_incidence``, drawn rising, read as
  ``1 - survival``); a time column ``time`` takes the unit given by `time_unit`, ``time_days``,
  ``time_months`` or ``time_years`` carry their own. Without an ``arm`` column, pass `arm`.
- **WebPlotDigitizer export** ("export all datasets as CSV"): a first row of dataset names (one per arm, each
  over two columns), a second row ``X, Y, X, Y, ...``, then one X,Y pair of columns per arm (ragged lengths).
- **numbers at risk CSV**: ``arm, time_weeks, n_at_risk`` (the same time columns as the curve).
- **total events**: ``ARM=N`` items (``--total-events``).

Units: 1 day = 1/7 week; 1 year = 52.1775 weeks (365.2425 days / 7); 1 month = 52.1775/12 = 4.348125 weeks.
`y_scale` ``percent`` divides readings by 100.

Every rule broken raises :class:`~msevidence.errors.TableError`, one line naming file, arm, time and rule.
Cleaning the clicks and checking them against the numbers at risk: :mod:`msevidence.data.curve_cleaning`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from msevidence.data.tables import read_table
from msevidence.errors import LimitError, OptionError, TableError
from msevidence.safeio import (
    MAX_LINE_BYTES,
    MAX_SMALL_TABLE_BYTES,
    check_input_file,
    check_table_shape,
    read_bytes,
)

WEEKS_PER_YEAR = 365.2425 / 7  # 52.1775
WEEKS_PER: dict[str, float] = {"weeks": 1.0, "days": 1 / 7, "months": WEEKS_PER_YEAR / 12, "years": WEEKS_PER_YEAR}
Y_SCALES = ("fraction", "percent")
CURVE_KINDS = ("survival", "cumulative_incidence")
MAX_WEEKS = 2600.0  # 50 years: a longer time on a KM axis is a reading or unit error (as for events tables)
MAX_AT_RISK = 1_000_000  # patients per arm: the reconstruction makes one row per patient


def _check_option(value: str, allowed, option: str) -> None:
    if value not in allowed:
        raise OptionError(option, f"{value!r} is not one of {', '.join(allowed)}")


def _read_csv(source: str | Path | pd.DataFrame, what: str) -> tuple[pd.DataFrame, str]:
    if not isinstance(source, pd.DataFrame) and Path(source).exists():
        check_input_file(source, MAX_SMALL_TABLE_BYTES)  # bounded before anything is read
    df, name = read_table(source, kind=what)
    df.columns = [str(c).strip() for c in df.columns]
    return df, name


def _time_weeks(df: pd.DataFrame, name: str, time_unit: str) -> pd.Series:
    """The time column converted to weeks (``time_weeks``, ``time_<unit>`` or ``time`` in `time_unit`)."""
    _check_option(time_unit, WEEKS_PER, "--time-unit")
    for unit in WEEKS_PER:
        if f"time_{unit}" in df.columns:
            return _plausible_weeks(_finite(df[f"time_{unit}"], name, f"time_{unit}") * WEEKS_PER[unit], name,
                                    f"time_{unit}")
    if "time" in df.columns:
        return _plausible_weeks(_finite(df["time"], name, "time") * WEEKS_PER[time_unit], name, "time")
    raise TableError("no time column (expected time_weeks, or time with --time-unit)", source=name)


def _plausible_weeks(weeks: pd.Series, name: str, column: str) -> pd.Series:
    """Times of at most :data:`MAX_WEEKS` (50 years); a longer one is a reading or unit error."""
    far = weeks.abs() > MAX_WEEKS
    if far.any():
        i = int(np.flatnonzero(far.to_numpy())[0])
        raise TableError(f"row {i + 1}: {weeks.iloc[i]:g} weeks is beyond {MAX_WEEKS:g} weeks (50 years) "
                         "(rule: plausible times; check --time-unit)", source=name, column=column)
    return weeks


def _finite(col: pd.Series, name: str, column: str, arm: pd.Series | None = None) -> pd.Series:
    x = pd.to_numeric(col, errors="coerce")
    bad = x.isna() | ~np.isfinite(x.astype(float))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        who = f"arm {arm.iloc[i]}, " if arm is not None else ""
        raise TableError(f"{who}row {i + 1}: {col.iloc[i]!r} is not a finite number (rule: finite values)",
                         source=name, column=column)
    return x.astype(float)


def _arm_column(df: pd.DataFrame, name: str, arm: str | None) -> pd.Series:
    if "arm" in df.columns:
        if df["arm"].isna().any():
            raise TableError(f"row {int(np.flatnonzero(df['arm'].isna())[0]) + 1}: missing arm", source=name,
                             column="arm")
        return df["arm"].astype(str).str.strip()
    if arm is None:
        raise TableError("no 'arm' column; add one or name the arm", source=name, column="arm")
    return pd.Series(arm, index=df.index, dtype=object)


def _y_as_survival(y: pd.Series, kind: str, y_scale: str, name: str, column: str,
                  arms: pd.Series, times: pd.Series) -> pd.Series:
    _check_option(y_scale, Y_SCALES, "--y-scale")
    if y_scale == "fraction" and (y.abs() > 1.5).any():
        i = int(np.flatnonzero((y.abs() > 1.5).to_numpy())[0])
        raise TableError(f"arm {arms.iloc[i]}, week {times.iloc[i]:g}: reading {y.iloc[i]:g} is far outside "
                         "[0, 1]; percent readings need --y-scale percent (rule: fractions in [0, 1])",
                         source=name, column=column)
    if y_scale == "percent" and kind == "survival" and len(y) and float(y.abs().max()) <= 1.0:
        raise TableError(f"every survival reading is at most 1 ({float(y.abs().max()):g}), so these are fractions, "
                         "not percentages: use --y-scale fraction (rule: percent readings in [0, 100])",
                         source=name, column=column)
    y = y / 100.0 if y_scale == "percent" else y
    return 1.0 - y if kind == "cumulative_incidence" else y


def read_curve(source: str | Path | pd.DataFrame, *, time_unit: str = "weeks", y_scale: str = "fraction",
               kind: str | None = None, arm: str | None = None) -> pd.DataFrame:
    """Digitized curve clicks as ``arm, time_weeks, survival`` (unsorted, uncleaned: see :func:`clean_curve`).

    The format (tidy CSV or WebPlotDigitizer export) is recognized from the header. `kind` is needed for a
    WebPlotDigitizer export (``survival`` or ``cumulative_incidence``; default survival); a tidy CSV says it
    by its column name.
    """
    if kind is not None:
        _check_option(kind, CURVE_KINDS, "--curve-kind")
    if not isinstance(source, pd.DataFrame) and _looks_like_wpd(source):
        return read_webplotdigitizer(source, time_unit=time_unit, y_scale=y_scale, kind=kind or "survival")
    df, name = _read_csv(source, "digitized curve")
    cols = [c for c in CURVE_KINDS if c in df.columns]
    if len(cols) != 1:
        raise TableError("needs exactly one of the columns survival, cumulative_incidence "
                         f"(has: {', '.join(map(str, df.columns))})", source=name)
    if df.empty:
        raise TableError("the curve has no rows", source=name)
    arms = _arm_column(df, name, arm)
    times = _time_weeks(df, name, time_unit)
    y = _y_as_survival(_finite(df[cols[0]], name, cols[0], arms), cols[0], y_scale, name, cols[0], arms, times)
    return pd.DataFrame({"arm": arms, "time_weeks": times, "survival": y}).reset_index(drop=True)


def _looks_like_wpd(source: str | Path) -> bool:
    path = Path(source)
    if not path.is_file():
        return False
    try:
        with open(path, "rb") as f:  # the first two lines only, bounded
            head = f.read(2 * MAX_LINE_BYTES + 4).decode("utf-8", errors="replace").splitlines()[:2]
        rows = list(csv.reader(io.StringIO("\n".join(head))))
    except (OSError, csv.Error):
        return False
    return len(rows) == 2 and [c.strip().upper() for c in rows[1][:2]] == ["X", "Y"]


def read_webplotdigitizer(source: str | Path, *, time_unit: str = "weeks", y_scale: str = "fraction",
                          kind: str = "survival") -> pd.DataFrame:
    """A WebPlotDigitizer "all datasets" CSV export as ``arm, time_weeks, survival`` (dataset name = arm)."""
    _check_option(kind, CURVE_KINDS, "--curve-kind")
    _check_option(time_unit, WEEKS_PER, "--time-unit")
    name = str(source)
    data = read_bytes(source, MAX_SMALL_TABLE_BYTES)  # bounded: regular file, size, line length
    check_table_shape(data, name)
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise TableError(f"cannot be read ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}) "
                         "(rule: a UTF-8 CSV export)", source=name) from None
    if len(rows) < 3:
        raise TableError("a WebPlotDigitizer export needs a row of dataset names, a row X,Y,... and data",
                         source=name)
    names, xy = rows[0], rows[1]
    parts = []
    for j in range(0, len(xy) - 1, 2):
        if [c.strip().upper() for c in xy[j:j + 2]] != ["X", "Y"]:
            raise TableError(f"columns {j + 1}-{j + 2} are not an X,Y pair (rule: one X,Y pair per arm)",
                             source=name)
        arm = names[j].strip() if j < len(names) else ""
        if not arm:
            raise TableError(f"columns {j + 1}-{j + 2} have no dataset name; name each dataset by its arm",
                             source=name)
        pairs = [(r[j].strip(), r[j + 1].strip() if j + 1 < len(r) else "") for r in rows[2:] if j < len(r)]
        pairs = [p for p in pairs if p != ("", "")]
        df = pd.DataFrame(pairs, columns=["x", "y"])
        arms = pd.Series(arm, index=df.index)
        times = _finite(df["x"], name, f"{arm} X", arms) * WEEKS_PER[time_unit]
        y = _y_as_survival(_finite(df["y"], name, f"{arm} Y", arms), kind, y_scale, name, f"{arm} Y", arms, times)
        parts.append(pd.DataFrame({"arm": arm, "time_weeks": times, "survival": y}))
    if not parts:
        raise TableError("no X,Y column pairs found", source=name)
    if len({p["arm"].iloc[0] for p in parts if len(p)}) < len(parts):
        raise TableError("two datasets have the same name or one is empty (rule: one dataset per arm)",
                         source=name)
    return pd.concat(parts, ignore_index=True)


def read_at_risk(source: str | Path | pd.DataFrame, *, time_unit: str = "weeks",
                 arm: str | None = None) -> pd.DataFrame:
    """Numbers at risk as ``arm, time_weeks, n_at_risk``, sorted; checked: whole numbers >= 0, never rising."""
    df, name = _read_csv(source, "numbers at risk")
    if "n_at_risk" not in df.columns:
        raise TableError(f"no column 'n_at_risk' (has: {', '.join(map(str, df.columns))})", source=name)
    if df.empty:
        raise TableError("the table has no rows", source=name)
    arms = _arm_column(df, name, arm)
    n = _finite(df["n_at_risk"], name, "n_at_risk", arms)
    out = pd.DataFrame({"arm": arms, "time_weeks": _time_weeks(df, name, time_unit), "n_at_risk": n})
    bad = (out["n_at_risk"] < 0) | (out["n_at_risk"] != out["n_at_risk"].round())
    if bad.any():
        r = out[bad].iloc[0]
        raise TableError(f"arm {r['arm']}, week {r['time_weeks']:g}: {r['n_at_risk']:g} is not a whole number "
                         ">= 0 (rule: counts)", source=name, column="n_at_risk")
    big = out["n_at_risk"] > MAX_AT_RISK
    if big.any():
        r = out[big].iloc[0]
        raise LimitError(f"{name}: column 'n_at_risk': arm {r['arm']}, week {r['time_weeks']:g}: {r['n_at_risk']:g} "
                         f"at risk; the limit is {MAX_AT_RISK:,} per arm (rule: numbers at risk)")
    if (out["time_weeks"] < 0).any():
        r = out[out["time_weeks"] < 0].iloc[0]
        raise TableError(f"arm {r['arm']}, week {r['time_weeks']:g}: negative time (rule: times >= 0)",
                         source=name, column="time_weeks")
    out["n_at_risk"] = out["n_at_risk"].astype(int)
    out = out.sort_values(["arm", "time_weeks"], kind="stable").reset_index(drop=True)
    for a, g in out.groupby("arm", sort=False):
        dup = g["time_weeks"].duplicated()
        if dup.any():
            raise TableError(f"arm {a}, week {g.loc[dup, 'time_weeks'].iloc[0]:g}: listed twice (rule: one count "
                             "per arm and time)", source=name, column="time_weeks")
        rise = np.flatnonzero(np.diff(g["n_at_risk"].to_numpy()) > 0)
        if rise.size:
            k = rise[0] + 1
            raise TableError(f"arm {a}, week {g['time_weeks'].iloc[k]:g}: {g['n_at_risk'].iloc[k]} at risk after "
                             f"{g['n_at_risk'].iloc[k - 1]} at week {g['time_weeks'].iloc[k - 1]:g} "
                             "(rule: numbers at risk never rise; check the typed table)", source=name,
                             column="n_at_risk")
        if g["time_weeks"].iloc[0] != 0:
            raise TableError(f"arm {a}: the first count is at week {g['time_weeks'].iloc[0]:g}; it must be at week "
                             "0 (the arm's N) (rule: numbers at risk start at 0)", source=name, column="time_weeks")
    return out


def parse_total_events(items: list[str] | None, option: str = "--total-events") -> dict[str, int]:
    """``["OCR=123", "PBO=80"]`` -> ``{"OCR": 123, "PBO": 80}`` (whole numbers >= 0)."""
    out: dict[str, int] = {}
    for item in items or []:
        arm, sep, n = item.partition("=")
        if not sep or not arm.strip() or not n.strip().isdigit():
            raise OptionError(option, f"{item!r}: expected ARM=N with N a whole number >= 0 (e.g. OCR=120)")
        if arm.strip() in out:
            raise OptionError(option, f"arm {arm.strip()!r} given twice")
        out[arm.strip()] = int(n)
    return out
