"""Tables and collapsed sections for reading, not for computing: one header row, rounded numbers, "—" for
missing values, values repeated on every row moved into the caption, long text wrapped to the page.

`show(df)` returns a pandas Styler (rendered as an HTML table by Jupyter, nbconvert and Voilà); `details(...)`
returns a collapsed "How this was computed" section as Markdown/HTML that works in JupyterLab and in reports.
"""

from __future__ import annotations

import html
import math
import numbers
import re

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

MISSING = "—"
CAPTION_COLUMNS = {"week", "data_provenance", "reproduced_provenance", "provenance", "summary", "trial",
                   "endpoint", "n_patients", "vs", "method"}
TABLE_STYLES = [
    {"selector": "", "props": "border-collapse: collapse; font-size: 0.92em; max-width: 100%;"},
    {"selector": "caption", "props": "caption-side: top; text-align: left; color: #444; padding: 0 0 0.4em 0;"},
    {"selector": "th", "props": "text-align: left; vertical-align: bottom; padding: 0.3em 0.6em;"
                               "border-bottom: 1px solid #999; overflow-wrap: anywhere;"},
    {"selector": "td", "props": "text-align: left; vertical-align: top; padding: 0.3em 0.6em;"
                               "white-space: normal; overflow-wrap: anywhere; max-width: 28em;"},
]


def _cell(value: object, precision: int) -> str:
    """One cell as text: missing -> "—", floats rounded, integers without a decimal point."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        v = float(value)
        if math.isinf(v):
            return MISSING
        return f"{int(v):,}" if v.is_integer() and abs(v) >= 10 else f"{v:.{precision}f}"
    text = str(value)
    return MISSING if text.strip() in ("", "nan", "NaN", "None", "<NA>") else text


def _with_intervals(df: pd.DataFrame, precision: int) -> pd.DataFrame:
    """Columns X, X_ci_low, X_ci_high (or estimate, ci_low, ci_high) as one column "X (95% CI)": a table
    half as wide, read as it is written in papers."""
    out = df.copy()
    for col in list(out.columns):
        prefix = "" if col == "estimate" else f"{col}_"
        lo, hi = f"{prefix}ci_low", f"{prefix}ci_high"
        if lo not in out.columns or hi not in out.columns or col in (lo, hi):
            continue

        def joined(row, col=col, lo=lo, hi=hi) -> str:
            est = _cell(row[col], precision)
            if _cell(row[lo], precision) == MISSING or _cell(row[hi], precision) == MISSING:
                return est
            return f"{est} ({_cell(row[lo], precision)} to {_cell(row[hi], precision)})"

        at = list(out.columns).index(col)
        values = out.apply(joined, axis=1) if len(out) else pd.Series(dtype=object)
        out = out.drop(columns=[col, lo, hi])
        out.insert(at, f"{col} (95% CI)", values)
    return out


def tidy_frame(df: pd.DataFrame, *, precision: int = 2, constant_to_caption: bool = True,
               caption: str | None = None) -> tuple[pd.DataFrame, str | None]:
    """`df` as text cells with the index as ordinary columns; columns with one value on every row (of a table
    with more than one row) are removed and named in the caption instead. Returns (frame, caption)."""
    out = df.copy()
    named = any(n is not None for n in out.index.names)
    out = out.reset_index(drop=not named and not isinstance(out.index, pd.MultiIndex))
    out.columns = [" ".join(map(str, c)).strip() if isinstance(c, tuple) else str(c) for c in out.columns]
    out = _with_intervals(out, precision)
    out = out.apply(lambda col: col.map(lambda v: _cell(v, precision)))
    notes = []
    if constant_to_caption and len(out) > 1:
        for col in list(out.columns):
            values = out[col].unique()
            # Labels repeated on every row (provenance, week, method) go to the caption; numbers that merely
            # coincide in a short table stay where a reader looks for them.
            label_like = col in CAPTION_COLUMNS or (len(out) >= 3 and col in df.columns
                                                    and not pd.api.types.is_numeric_dtype(df[col]))
            if len(values) == 1 and len(out.columns) > 2 and label_like:
                notes.append(f"{col}: {values[0]}")
                out = out.drop(columns=col)
    text = "; ".join([*([caption] if caption else []), *notes]) or None
    return out.reset_index(drop=True), text


def show(df: pd.DataFrame, *, precision: int = 2, caption: str | None = None,
         constant_to_caption: bool = True) -> Styler:
    """A results frame styled for reading: one header row, no index column, `precision` decimals, "—" for
    missing values, long text wrapped, constant columns in the caption. Cell text is HTML-escaped."""
    frame, text = tidy_frame(df, precision=precision, constant_to_caption=constant_to_caption, caption=caption)
    styler = (frame.style.hide(axis="index").format(escape="html").format_index(escape="html", axis=1)
              .set_table_styles(TABLE_STYLES))
    return styler.set_caption(html.escape(text)) if text else styler


def inline_markdown(text: str) -> str:
    """The little Markdown report prose uses (paragraphs, **bold**, *italic*, `code`, "- " lists) as HTML,
    escaped, on lines without blank lines between them (so it stays one raw-HTML block inside Markdown)."""
    def inline(t: str) -> str:
        t = html.escape(t, quote=False)
        t = re.sub(r"`([^`]+)`", r"<code>\1</code>", t)
        t = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", t)
        return re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", t)

    out = []
    for para in re.split(r"\n\s*\n", text.strip()):
        lines = [x.strip() for x in para.splitlines() if x.strip()]
        if lines and all(x.startswith("- ") for x in lines):
            out.append("<ul>" + "".join(f"<li>{inline(x[2:])}</li>" for x in lines) + "</ul>")
        elif lines:
            out.append(f"<p>{inline(' '.join(lines))}</p>")
    return "\n".join(out)


def details(summary: str, body: str) -> str:
    """A collapsed section (HTML ``<details>``) around Markdown `body`, as one raw-HTML block that Markdown
    renderers (JupyterLab, nbconvert, Voilà) pass through unchanged; `summary` is escaped."""
    return details_html(summary, inline_markdown(body))


def details_html(summary: str, body_html: str) -> str:
    """A collapsed section around ready-made HTML (for example ``show(df).to_html()``), without blank lines."""
    body = "\n".join(line for line in body_html.splitlines() if line.strip())
    return f"<details><summary><b>{html.escape(summary)}</b></summary>\n{body}\n</details>"
