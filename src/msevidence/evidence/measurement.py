"""Measurement properties of walking outcomes (``evidence/measurement.yaml``): what change is noise, what change
matters, and how a walk time compares with a large MS population.

These are not treatment effects: they come from test–retest and anchor studies (the T25FW's within- and
between-visit variability, its meaningful change; the MSWS-12's important change). They live in their own file
with their own schema, beside the trial files, and are checked by ``msevidence validate`` like them (one
``FILE:LINE: FIELD: message (rule: …)`` line per problem). Each figure has a ``source`` (reference key, locator,
``checked_at``: the page actually read).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveInt, ValidationError, model_validator

from msevidence.evidence.schema import Reference, Source, _Strict
from msevidence.evidence.yamlio import (
    EvidenceFileError,
    Problem,
    field_name,
    line_of,
    read_yaml,
    validation_problem,
)

MEASUREMENT_NAME = "measurement.yaml"
Instrument = Literal["T25FW", "MSWS-12"]
Quantity = Literal[
    "within_visit_variability",  # spread between the two walks of one visit
    "between_visit_variability",  # spread from one visit to the next in people whose walking did not change
    "meaningful_change",  # smallest change that matters to people (anchor-based)
    "test_retest_icc",  # intraclass correlation between repeated tests
    "population_distribution",  # how a score is spread in a large MS population
]


class Measure(_Strict):
    """One published measurement property: a single value, a published range (low–high) or a distribution."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    instrument: Instrument
    quantity: Quantity
    unit: str = Field(min_length=1, description='e.g. "percent of walking speed", "seconds", "points (0-100)".')
    label: str = Field(min_length=1, description="What the figure is, in plain words.")
    value: float | None = None
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    direction: Literal["either", "improvement", "worsening"] = "either"
    population: str = Field(min_length=1)
    n: PositiveInt | None = None
    source: Source
    note: str | None = None

    @model_validator(mode="after")
    def _numbers_are_consistent(self):
        nums = (self.value, self.low, self.high, self.mean, self.median)
        if all(v is None for v in nums):
            raise ValueError("a measure needs a value, a range (low, high) or a distribution (mean or median)")
        if (self.low is None) != (self.high is None):
            raise ValueError("a published range needs both 'low' and 'high'")
        if self.low is not None and self.low > self.high:
            raise ValueError(f"low {self.low:g} is above high {self.high:g}")
        if self.median is not None and self.q1 is not None and self.q3 is not None \
                and not self.q1 <= self.median <= self.q3:
            raise ValueError("quartiles must satisfy q1 <= median <= q3")
        return self


class MeasurementStore(_Strict):
    """The measurement file: references and measures (ids unique, every source's ref a listed reference)."""

    references: list[Reference] = Field(min_length=1)
    measures: list[Measure] = Field(min_length=1)

    def measure(self, measure_id: str) -> Measure:
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(f"{MEASUREMENT_NAME}: no measure {measure_id!r} (measures: "
                       f"{', '.join(m.id for m in self.measures)})")

    def find(self, instrument: str, quantity: str) -> Measure | None:
        return next((m for m in self.measures if m.instrument == instrument and m.quantity == quantity), None)

    def reference(self, key: str) -> Reference:
        return next(r for r in self.references if r.key == key)

    def cite(self, source: Source) -> str:
        """Short citation, e.g. 'Hobart et al., Neurology 2013 (Abstract, Results)'."""
        r = self.reference(source.ref)
        first = (r.authors or r.journal).split(",")[0].strip()
        first = first.split()[0] if r.authors else first  # surname without initials
        who = f"{first} et al." if r.authors and "," in r.authors else first
        return f"{who}, {r.journal} {r.year} ({source.locator})"


def _cross_checks(store: MeasurementStore) -> list[tuple[tuple, str]]:
    keys = {r.key for r in store.references}
    out: list[tuple[tuple, str]] = []
    seen: set[str] = set()
    for i, m in enumerate(store.measures):
        if m.id in seen:
            out.append((("measures", i, "id"), f"measure id '{m.id}' is repeated (rule: ids are unique)"))
        seen.add(m.id)
        if m.source.ref not in keys:
            out.append((("measures", i, "source", "ref"),
                        f"'{m.source.ref}' is not a key of 'references' (rule: every source cites a reference)"))
        if not m.source.checked_at:
            out.append((("measures", i, "source", "checked_at"),
                        "required field is missing (rule: a measurement figure names the page it was read at)"))
    return out


def load_measurement(path: str | Path, display: str | None = None) -> MeasurementStore:
    """Read and check the measurement file; raises :class:`EvidenceFileError` listing every problem."""
    path = Path(path)
    name = display or str(path)
    data, lines = read_yaml(path, name)
    if not isinstance(data, dict):
        raise EvidenceFileError([Problem(name, 1, "(file)", "expected a mapping with 'references' and 'measures'")])
    try:
        store = MeasurementStore.model_validate(data)
    except ValidationError as exc:
        raise EvidenceFileError([validation_problem(name, lines, e, schema="the measurement schema",
                                                    value_rule="consistent numbers") for e in exc.errors()]) from None
    found = _cross_checks(store)
    if found:
        raise EvidenceFileError([Problem(name, line_of(lines, loc), field_name(loc), msg) for loc, msg in found])
    return store


def check_measurement(path: str | Path, display: str | None = None) -> list[Problem]:
    """Every problem of a measurement file (empty: valid)."""
    try:
        load_measurement(path, display)
    except EvidenceFileError as exc:
        return list(exc.problems)
    return []


def is_measurement_file(path: Path) -> bool:
    return path.name == MEASUREMENT_NAME


def load_measurement_store(path: str | Path | None = None) -> MeasurementStore:
    """The measurement file of an evidence folder (default: the store's ``measurement.yaml``)."""
    from msevidence import paths

    p = Path(path) if path is not None else paths.evidence_dir()
    return load_measurement(p if p.suffix in (".yaml", ".yml") else p / MEASUREMENT_NAME)
