"""The store of OTHER walking interventions (``evidence/interventions/*.yaml``): exercise, balance training,
strengthening, cooling, walking aids, electrical stimulation, symptomatic drugs. Never ocrelizumab.

A separate store with its own schema, loaded apart from the trial store and never mixed into its views. One file
per publication (a :class:`Study`): what was done, compared with what, in which design and population, and its
published :class:`Result` rows, each on one outcome *definition* (scale, units, direction, time point, analysis)
and one *statistic*. Results on different definitions or statistics are different estimands; the guards that keep
them apart live in :mod:`msevidence.judgement.interventions`. Problems are reported like trial files
(``FILE:LINE: FIELD: message (rule: ...)``, see :mod:`msevidence.evidence.yamlio`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt, ValidationError

from msevidence import paths
from msevidence.evidence.yamlio import (
    EvidenceFileError,
    Loc,
    Problem,
    field_name,
    line_of,
    read_yaml,
    validation_problem,
)

FOLDER = "interventions"
CLAIMS_FILE = "claims.yaml"
Kind = Literal["exercise", "balance_training", "dual_task_training", "strengthening", "physiotherapy", "cooling",
               "assistive_device", "functional_electrical_stimulation", "symptomatic_drug"]
ComparatorKind = Literal["usual_care", "sham", "placebo", "other", "none"]
Design = Literal["meta_analysis_rct", "parallel_rct", "crossover", "uncontrolled", "systematic_review_mixed"]
#: Designs whose between-arm results are randomised parallel evidence; nothing else may be called that.
RANDOMISED_PARALLEL: frozenset[str] = frozenset({"meta_analysis_rct", "parallel_rct"})
Statistic = Literal[
    "smd",  # standardised mean difference (Hedges g / Cohen d): in SD units, never seconds or metres
    "md",  # mean difference between arms in the scale's natural units
    "or", "rr", "rd",  # responders or fallers: odds ratio, risk ratio, risk difference
    "rate_ratio",  # ratio of event rates (falls per person-time)
    "hr",
    "nnt",  # number needed to treat, as published
    "responder_proportions",  # events / n per arm (arms required), no between-arm estimate
    "condition_means",  # mean per condition of a crossover (arms required), no between-arm estimate
    "within_responder_change",  # mean change among responders only: NOT a between-arm effect
    "within_group_change",  # mean change within one condition or arm: NOT a between-arm effect
    "narrative",  # the source states the result in words only (finding required)
]
RATIO_STATISTICS = frozenset({"or", "rr", "rate_ratio", "hr"})
ARM_STATISTICS = frozenset({"responder_proportions", "condition_means"})
#: Statistics that are not differences between randomised arms; shown only with their own label.
WITHIN_STATISTICS = frozenset({"within_responder_change", "within_group_change", "condition_means"})
Scale = Literal["T25FW", "10MWT", "2MWT", "6MWT", "TUG", "MSWS-12", "BBS", "balance", "falls_rate", "fallers",
                "walking_mobility", "walking_composite", "MSFC", "walk_to_exhaustion", "walking_speed"]
Certainty = Literal["high", "moderate", "low", "very_low"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reference(_Strict):
    """The primary publication, and what was actually read to check its numbers (`checked_at`)."""

    citation: str = Field(min_length=10)
    pmid: int | None = None
    pmcid: str | None = Field(None, pattern=r"^PMC\d+$")
    doi: str | None = None
    registry: str | None = Field(None, pattern=r"^NCT\d{8}$")
    checked_at: str = Field(min_length=10, description="What was read, where and when, e.g. 'PubMed abstract PMID "
                                                       "26070975, read 2026-12-04'.")


class Intervention(_Strict):
    kind: Kind
    name: str


class Comparator(_Strict):
    kind: ComparatorKind
    name: str


class Population(_Strict):
    """Who was studied. `ms_type`: relapsing, progressive, mixed (several types) or not_stated."""

    ms_type: Literal["relapsing", "progressive", "mixed", "not_stated"]
    edss_low: float | None = Field(None, ge=0, le=10)
    edss_high: float | None = Field(None, ge=0, le=10)
    n: PositiveInt | None = None
    studies: PositiveInt | None = None
    description: str


class Outcome(_Strict):
    """An outcome by definition; results are compared only when these match."""

    scale: Scale
    label: str
    units: str = Field(description="'s', 'm', 'points', 'SD' (standardised), 'ratio', 'proportion', '%', ...")
    higher_is_better: bool
    time_point: str
    analysis: str


class ArmValue(_Strict):
    label: str
    n: PositiveInt | None = None
    events: NonNegativeInt | None = None
    value: float | None = None
    sd: float | None = Field(None, ge=0)


class Result(_Strict):
    """One published result: an outcome definition, a statistic, its estimate (or arm values, or words)."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    outcome: Outcome
    statistic: Statistic
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p: float | None = None
    p_relation: Literal["=", "<"] = "="
    arms: tuple[ArmValue, ...] = ()
    finding: str | None = None
    finding_direction: Literal["favours_intervention", "no_difference", "favours_comparator"] | None = Field(
        None, description="For a narrative result: which way the source's words point.")
    certainty: Certainty | None = Field(None, description="The source's own GRADE rating, only where it graded.")
    locator: str = Field(min_length=3)
    note: str | None = None


class Study(_Strict):
    """One publication: intervention, comparator, design, population and its results."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    intervention: Intervention
    comparator: Comparator
    design: Design
    randomised: bool
    population: Population
    reference: Reference
    results: tuple[Result, ...] = Field(min_length=1)


def check_study(s: Study) -> list[tuple[Loc, str]]:
    """Rules beyond types, each finding naming its rule."""
    out: list[tuple[Loc, str]] = []
    if s.design in RANDOMISED_PARALLEL and not s.randomised:
        out.append((("randomised",), f"design '{s.design}' is randomised by definition (rule: design and "
                                     "randomisation agree)"))
    if s.design == "uncontrolled" and s.randomised:
        out.append((("randomised",), "an uncontrolled study is not randomised (rule: design and randomisation agree)"))
    p = s.population
    if p.edss_low is not None and p.edss_high is not None and p.edss_low > p.edss_high:
        out.append((("population", "edss_low"), f"EDSS range {p.edss_low:g}-{p.edss_high:g} is reversed "
                                                "(rule: EDSS low <= high)"))
    seen: set[str] = set()
    for i, r in enumerate(s.results):
        loc: Loc = ("results", i)
        if r.id in seen:
            out.append(((*loc, "id"), f"'{r.id}' appears twice (rule: ids are unique)"))
        seen.add(r.id)
        out += _check_result(r, loc)
    return out


def _check_result(r: Result, loc: Loc) -> list[tuple[Loc, str]]:
    out: list[tuple[Loc, str]] = []
    if r.statistic == "narrative":
        if not r.finding or r.finding_direction is None:
            out.append(((*loc, "finding"), "a narrative result needs the source's words in 'finding' and "
                                           "'finding_direction' (rule: a result has an estimate, arm values or a "
                                           "finding)"))
    elif r.statistic in ARM_STATISTICS:
        if len(r.arms) < 2:
            out.append(((*loc, "arms"), f"'{r.statistic}' needs the value of each arm or condition (rule: a "
                                        "result has an estimate, arm values or a finding)"))
        if r.estimate is not None:
            out.append(((*loc, "estimate"), f"'{r.statistic}' has no single estimate; give arm values only "
                                            "(rule: arm statistics are not effects)"))
    elif r.estimate is None:
        out.append(((*loc, "estimate"), f"statistic '{r.statistic}' needs an estimate (rule: a result has an "
                                        "estimate, arm values or a finding)"))
    if r.statistic == "smd" and r.outcome.units != "SD":
        out.append(((*loc, "outcome", "units"), f"a standardised mean difference is in SD units, not "
                                                f"'{r.outcome.units}' (rule: units match the statistic)"))
    if r.statistic == "md" and r.outcome.units in ("SD", "ratio"):
        out.append(((*loc, "outcome", "units"), "a mean difference is in the scale's natural units "
                                                "(rule: units match the statistic)"))
    if r.statistic in RATIO_STATISTICS:
        for f in ("estimate", "ci_low", "ci_high"):
            v = getattr(r, f)
            if v is not None and v <= 0:
                out.append(((*loc, f), f"{r.statistic} {f} is {v}; ratios must be > 0 (rule: ratios > 0)"))
    if (r.ci_low is None) != (r.ci_high is None):
        out.append(((*loc, "ci_high" if r.ci_high is None else "ci_low"),
                    "a CI needs both ci_low and ci_high (rule: a CI has both bounds)"))
    elif r.ci_low is not None and r.estimate is not None and not r.ci_low <= r.estimate <= r.ci_high:
        out.append(((*loc, "estimate"), f"CI [{r.ci_low}, {r.ci_high}] does not contain the estimate "
                                        f"{r.estimate} (rule: the CI contains the estimate)"))
    if r.p is not None and not 0 <= r.p <= 1:
        out.append(((*loc, "p"), f"p = {r.p} is outside [0, 1] (rule: p-values lie in [0, 1])"))
    for j, a in enumerate(r.arms):
        if a.events is not None and a.n is not None and a.events > a.n:
            out.append(((*loc, "arms", j, "events"), f"{a.events} events among {a.n} (rule: events <= n)"))
    return out


class InterventionStore:
    """Every study of the store, with a typed query API; separate from :class:`~msevidence.evidence.EvidenceSet`."""

    def __init__(self, studies: dict[str, Study], files: dict[str, Path]):
        self._studies, self.files = studies, files

    def __iter__(self) -> Iterator[Study]:
        return iter(self._studies.values())

    def __len__(self) -> int:
        return len(self._studies)

    def __getitem__(self, study_id: str) -> Study:
        try:
            return self._studies[study_id]
        except KeyError:
            raise KeyError(f"no study {study_id!r}; known: {', '.join(self._studies)}") from None

    def __repr__(self) -> str:
        n = sum(len(s.results) for s in self)
        return f"InterventionStore({len(self)} studies, {n} results; other interventions, not ocrelizumab)"

    def results(self, *, outcome_scale: str | None = None, statistic: str | None = None, kind: str | None = None,
                population: str | None = None) -> list[tuple[Study, Result]]:
        """(study, result) pairs matching every filter given; `population` is an MS type (relapsing,
        progressive, mixed, not_stated)."""
        return [(s, r) for s in self for r in s.results
                if (outcome_scale is None or r.outcome.scale == outcome_scale)
                and (statistic is None or r.statistic == statistic)
                and (kind is None or s.intervention.kind == kind)
                and (population is None or s.population.ms_type == population)]

    def result(self, ref: str) -> tuple[Study, Result]:
        """A result by ``study_id.result_id``."""
        study_id, _, result_id = ref.partition(".")
        s = self[study_id]
        for r in s.results:
            if r.id == result_id:
                return s, r
        raise KeyError(f"no result {result_id!r} in {study_id}; known: {', '.join(r.id for r in s.results)}")

    def to_frame(self):
        """One row per result, with its study's design, comparator and population."""
        import pandas as pd

        rows = [{"study": s.id, "kind": s.intervention.kind, "intervention": s.intervention.name,
                 "comparator": s.comparator.kind, "design": s.design, "ms_type": s.population.ms_type,
                 "result": r.id, "scale": r.outcome.scale, "statistic": r.statistic, "units": r.outcome.units,
                 "higher_is_better": r.outcome.higher_is_better, "estimate": r.estimate, "ci_low": r.ci_low,
                 "ci_high": r.ci_high, "p": r.p, "certainty": r.certainty, "citation": s.reference.citation,
                 "locator": r.locator, "checked_at": s.reference.checked_at}
                for s in self for r in s.results]
        return pd.DataFrame(rows)


def default_dir() -> Path:
    """``<evidence store>/interventions`` (follows ``$MSEVIDENCE_EVIDENCE``); a trial folder without one uses the
    shipped store, so that pointing at other trial files never loses this separate store."""
    here = paths.evidence_dir() / FOLDER
    return here if here.is_dir() else paths.home() / "evidence" / FOLDER


def is_intervention_file(path: Path) -> bool:
    """A file in a folder named ``interventions`` is a study of this store (its ``claims.yaml`` is not)."""
    return path.parent.name == FOLDER and path.name != CLAIMS_FILE


def load_study(path: str | Path, display: str | None = None) -> Study:
    """Read, type-check and rule-check one study file; raises :class:`EvidenceFileError` listing every problem."""
    path = Path(path)
    name = display or str(path)
    data, lines = read_yaml(path, name)
    if not isinstance(data, dict):
        raise EvidenceFileError([Problem(name, lines.get((), 1), "(file)", "expected a mapping of study fields "
                                         "at the top level")])
    try:
        study = Study.model_validate(data)
    except ValidationError as exc:
        raise EvidenceFileError([validation_problem(name, lines, e, schema="the interventions schema; see "
                                                    "`msevidence interventions --schema`", value_rule="values")
                                 for e in exc.errors()]) from None
    findings = check_study(study)
    if findings:
        raise EvidenceFileError([Problem(name, line_of(lines, loc), field_name(loc), m) for loc, m in findings])
    return study


def study_files(paths_: Iterable[str | Path] | None = None) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths_ or [default_dir()]):
        out += sorted(q for q in p.glob("*.y*ml") if q.name != CLAIMS_FILE) if p.is_dir() else (
            [p] if p.name != CLAIMS_FILE else [])
    return out


def _load_all(files: list[Path]) -> tuple[dict[str, Study], dict[str, Path], list[Problem]]:
    studies: dict[str, Study] = {}
    where: dict[str, Path] = {}
    problems: list[Problem] = []
    for f in files:
        try:
            s = load_study(f, str(f))
        except EvidenceFileError as exc:
            problems += exc.problems
            continue
        if s.id in studies:
            problems.append(Problem(str(f), 1, "id", f"study id '{s.id}' also used by {where[s.id]} "
                                                     "(rule: study ids are unique)"))
            continue
        studies[s.id], where[s.id] = s, f
    return studies, where, problems


def validate_interventions(paths_: Iterable[str | Path] | None = None) -> list[Problem]:
    """Every problem in the named study files or folders (default: the shipped store)."""
    files = study_files(paths_)
    if not files:
        return [Problem(str(default_dir()), 0, "(file)", "no YAML files found")]
    return _load_all(files)[2]


def load_interventions(path: str | Path | None = None) -> InterventionStore:
    """Load the store of other interventions (default: ``evidence/interventions``)."""
    files = study_files([path] if path is not None else None)
    if not files:
        raise EvidenceFileError([Problem(str(path or default_dir()), 0, "(file)", "no YAML files found")])
    studies, where, problems = _load_all(files)
    if problems:
        raise EvidenceFileError(problems)
    return InterventionStore(studies, where)
