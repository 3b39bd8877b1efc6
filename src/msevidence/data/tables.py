"""Reading a patient-level table (events, visits, digitized curves) from a DataFrame, CSV or Parquet file,
and the treatment/control roles of its arms. Every problem is one :class:`msevidence.errors.TableError`."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from msevidence.errors import TableError
from msevidence.safeio import MAX_JSON_BYTES, MAX_TABLE_BYTES, check_table_shape, read_bytes

SUFFIXES = (".csv", ".parquet", ".pq")
TREATMENT_PATTERN = re.compile(r"ocr|ocrelizumab|treat|active", re.IGNORECASE)


def read_table(path_or_df: str | Path | pd.DataFrame, *, source: str | None = None,
               kind: str = "table") -> tuple[pd.DataFrame, str]:
    """(a copy of the table, the name to use in messages); a file must exist and be CSV or Parquet."""
    if isinstance(path_or_df, pd.DataFrame):
        return path_or_df.copy(), source or kind
    path = Path(path_or_df)
    source = source or str(path)
    if not path.is_file():
        raise TableError("file not found" if not path.exists() else "not a regular file", source=source)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise TableError(f"unsupported file type '{suffix}' (use .csv or .parquet)", source=source)
    data = read_bytes(path, MAX_TABLE_BYTES, display=source)  # bounded: limits of msevidence.safeio
    if suffix == ".csv":
        check_table_shape(data, source)
    try:
        df = pd.read_csv(io.BytesIO(data)) if suffix == ".csv" else pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes one line naming the file
        raise TableError(f"cannot be read ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})",
                         source=source) from None
    return df, source


PROVENANCE_COLUMN = "provenance"


def sidecar_path(table: str | Path) -> Path:
    """The provenance sidecar of a written table: ``events.csv`` -> ``events.csv.provenance.json``."""
    p = Path(table)
    return p.with_name(p.name + ".provenance.json")


def provenance_label(path: str | Path | None, table: pd.DataFrame | None = None) -> str | None:
    """What kind of data a table holds, as its writer labelled it: the ``label`` of a ``calibration.json``
    written beside it by ``msevidence synth``, or of its ``<file>.provenance.json`` sidecar written by
    ``msevidence reconstruct``, else the value of its ``provenance`` column (which travels with the file when
    it is copied alone), else None (unstated)."""
    if path is not None:
        try:
            side = json.loads(read_bytes(sidecar_path(path), MAX_JSON_BYTES))
        except ValueError:  # missing, not a regular file, too big (InputError), or not JSON
            side = None
        if isinstance(side, dict) and (side.get("metadata") or {}).get("provenance") == "reconstructed":
            return str(side.get("label") or "RECONSTRUCTED data")
        try:
            doc = json.loads(read_bytes(Path(path).parent / "calibration.json", MAX_JSON_BYTES))
        except ValueError:  # missing, not a regular file, too big (InputError), or not JSON
            doc = None
        if isinstance(doc, dict) and (doc.get("metadata") or {}).get("provenance") == "synthetic":
            return str(doc.get("label") or "SYNTHETIC data")
    if table is not None and PROVENANCE_COLUMN in table.columns:
        values = sorted(map(str, table[PROVENANCE_COLUMN].dropna().unique()))
        if values:
            return "; ".join(v.upper() if v in ("synthetic", "reconstructed") else v for v in values) + " data"
    return None


def infer_arms(arms: Iterable[str] | np.ndarray, treatment: str | None = None, control: str | None = None,
               *, source: str = "table") -> tuple[str, str]:
    """(treatment, control): the names given, checked; or inferred when there are exactly two arms and exactly
    one looks like ocrelizumab/OCR/treatment (:data:`TREATMENT_PATTERN`)."""
    arms = sorted(map(str, set(arms)))
    for role, name in (("treatment", treatment), ("control", control)):
        if name is not None and name not in arms:
            raise TableError(f"{role} arm {name!r} not found; arms are {', '.join(map(repr, arms))}",
                             source=source, column="arm")
    if treatment is not None and treatment == control:
        raise TableError("treatment and control must be different arms", source=source, column="arm")
    if treatment is not None and control is not None:
        return treatment, control
    if len(arms) != 2:
        raise TableError(f"{len(arms)} arms ({', '.join(map(repr, arms))}); name --treatment and --control",
                         source=source, column="arm")
    if treatment is None and control is None:
        looks = [a for a in arms if TREATMENT_PATTERN.search(a)]
        if len(looks) != 1:
            raise TableError(f"cannot tell treatment from control among {arms[0]!r} and {arms[1]!r}; "
                             "name them with --treatment and --control", source=source, column="arm")
        treatment = looks[0]
    if treatment is not None:
        return treatment, next(a for a in arms if a != treatment)
    return next(a for a in arms if a != control), control


def arm_roles(arms: Iterable[str], roles: dict[str, str] | None = None) -> dict[str, str]:
    """Role ("treatment"/"control") of each arm, for colours: given, else inferred as :func:`infer_arms` does,
    else each arm's own name."""
    arms = list(arms)
    if roles:
        return {a: roles.get(a, a) for a in arms}
    try:
        t, c = infer_arms(arms)
    except TableError:
        return {a: a for a in arms}
    return {t: "treatment", c: "control"}


def first_row(mask: pd.Series) -> int:
    """Row number (0-based, as in the file without its header) of the first True."""
    return int(np.flatnonzero(np.asarray(mask))[0])
