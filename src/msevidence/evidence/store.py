"""Load and validate the evidence store (one YAML file per trial) into an :class:`EvidenceSet`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from msevidence import paths
from msevidence.errors import InputError
from msevidence.evidence.claims import CLAIMS_NAME, ClaimsLedger, check_claims, read_claims
from msevidence.evidence.measurement import check_measurement, is_measurement_file
from msevidence.evidence.rules import check_trial
from msevidence.evidence.schema import COMPARATOR_ADJECTIVES, COMPARATOR_LABELS, Trial
from msevidence.evidence.yamlio import (
    EvidenceFileError,
    Problem,
    field_name,
    line_of,
    read_yaml,
    validation_problem,
)


def default_evidence_dir() -> Path:
    """The evidence store: ``$MSEVIDENCE_EVIDENCE``, else the shipped one (see :mod:`msevidence.paths`)."""
    return paths.evidence_dir()


def _root_for(path: Path) -> Path:
    """Where an evidence file's ``data/digitized/...`` paths are resolved: its folder if that holds ``data/``,
    else the folder above (the repository layout: ``evidence/x.yaml`` beside ``data/``)."""
    folder = path.resolve().parent
    return folder if (folder / "data").is_dir() else folder.parent


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_trial(path: str | Path) -> Trial:
    """Read, type-check and rule-check one trial file; raises :class:`EvidenceFileError` listing every problem."""
    path = Path(path)
    name = _display(path)
    data, lines = read_yaml(path, name)
    if not isinstance(data, dict):
        raise EvidenceFileError(
            [Problem(name, lines.get((), 1), "(file)", "expected a mapping of trial fields at the top level")]
        )
    try:
        trial = Trial.model_validate(data)
    except ValidationError as exc:
        raise EvidenceFileError([_problem(name, lines, err) for err in exc.errors()]) from None
    findings = check_trial(trial, _root_for(path))
    if findings:
        raise EvidenceFileError([Problem(name, line_of(lines, loc), field_name(loc), msg) for loc, msg in findings])
    return trial


def _problem(name: str, lines: dict, err: dict) -> Problem:
    return validation_problem(name, lines, err, schema="the schema; see `msevidence schema`", value_rule="provenance")


class EvidenceSet:
    """Trials by id, with their source files and SHA-256 hashes."""

    def __init__(self, trials: dict[str, Trial], files: dict[str, Path]):
        self._trials = trials
        self.files = files

    def __getitem__(self, trial_id: str) -> Trial:
        try:
            return self._trials[trial_id]
        except KeyError:
            raise KeyError(f"no trial {trial_id!r}; known: {', '.join(self._trials)}") from None

    def __iter__(self) -> Iterator[Trial]:
        return iter(self._trials.values())

    def __len__(self) -> int:
        return len(self._trials)

    def __contains__(self, trial_id: object) -> bool:
        return trial_id in self._trials

    def __repr__(self) -> str:
        parts = [f"{t.id} ({COMPARATOR_LABELS[t.comparator]}, {len(t.endpoints)} endpoints)" for t in self]
        return f"EvidenceSet({len(self)} trials: {'; '.join(parts)})"

    @property
    def ids(self) -> list[str]:
        return list(self._trials)

    def sha256(self, trial_id: str) -> str:
        """SHA-256 of the trial's YAML file, for provenance and cache keys."""
        return hashlib.sha256(self.files[trial_id].read_bytes()).hexdigest()

    def placebo_controlled(self) -> list[Trial]:
        """Trials whose comparator is placebo: active-controlled (OPERA I/II) and early-vs-delayed-treatment trials
        (the ORATORIO open-label extension) are never included."""
        return [t for t in self if t.comparator == "placebo"]

    def endpoints(self, trial: str | None = None, domain: str | None = None) -> pd.DataFrame:
        """Tidy table: one row per trial x endpoint x (arm result or effect), each with its source."""
        from msevidence.evidence.tidy import endpoints_frame

        trials = [t for t in self if trial is None or t.id == trial]
        df = endpoints_frame(trials)
        if domain is not None:
            df = df[df["domain"] == domain].reset_index(drop=True)
        return df

    def to_frame(self) -> pd.DataFrame:
        """The whole store as one tidy table (same as :meth:`endpoints`)."""
        return self.endpoints()


def require_placebo(trial: Trial, purpose: str) -> Trial:
    """The placebo-only rule, stated once: active-controlled trials (OPERA I/II compare with interferon beta-1a) and
    early-vs-delayed-treatment trials (the ORATORIO open-label extension) are kept out of every placebo comparison. Raises :class:`InputError` naming the trial."""
    if trial.comparator != "placebo":
        raise InputError(f"{trial.id} is {COMPARATOR_ADJECTIVES[trial.comparator]} ({trial.comparator_label}): "
                         f"{purpose} needs a placebo-controlled trial, because a trial comparing two treatments (or "
                         "early with delayed treatment) cannot show what happens without treatment")
    return trial


def evidence_files(paths: Iterable[str | Path] | None = None) -> list[Path]:
    """YAML files named, or found in the named folders (default: the evidence store)."""
    out: list[Path] = []
    for p in map(Path, paths or [default_evidence_dir()]):
        if p.is_dir():
            out += sorted([*p.glob("*.yaml"), *p.glob("*.yml")])
        else:
            out.append(p)
    return out


def is_claims_file(path: Path) -> bool:
    """The claims ledger (``claims.yaml``) lives beside the trial files but is not a trial."""
    return path.name == CLAIMS_NAME


def claims_path(path: str | Path | None = None) -> Path:
    """The claims ledger of an evidence folder (default: the store's ``claims.yaml``)."""
    p = Path(path) if path is not None else default_evidence_dir()
    return p if p.suffix in (".yaml", ".yml") else p / CLAIMS_NAME


def _load_all(files: list[Path]) -> tuple[dict[str, Trial], dict[str, Path], list[Problem]]:
    trials: dict[str, Trial] = {}
    where: dict[str, Path] = {}
    problems: list[Problem] = []
    for f in files:
        if is_claims_file(f) or is_measurement_file(f):
            continue
        try:
            t = load_trial(f)
        except EvidenceFileError as exc:
            problems += exc.problems
            continue
        if t.id in trials:
            problems.append(Problem(_display(f), 1, "id", f"trial id '{t.id}' also used by "
                                                          f"{_display(where[t.id])} (rule: trial ids are unique)"))
            continue
        trials[t.id], where[t.id] = t, f
    return trials, where, problems


def validate(paths: Iterable[str | Path] | None = None) -> list[Problem]:
    """Every problem in the named evidence files or folders (empty list: all valid)."""
    files = evidence_files(paths)
    if not files:
        return [Problem(str(next(iter(paths or []), default_evidence_dir())), 0, "(file)", "no YAML files found")]
    trials, where, problems = _load_all(files)
    for f in filter(is_claims_file, files):
        known = {i: t for i, t in trials.items() if where[i].resolve().parent == f.resolve().parent}
        if not known:  # a ledger named alone: check it against the trial files of its folder
            known = _load_all(evidence_files([f.resolve().parent]))[0]
        problems += check_claims(f, known, _display(f))
    for f in filter(is_measurement_file, files):
        problems += check_measurement(f, _display(f))
    return problems


def load_evidence(path: str | Path | None = None) -> EvidenceSet:
    """Load every trial in `path` (a folder or one file; default: the shipped evidence store).

    Raises :class:`EvidenceFileError` listing every problem if any file is invalid.
    """
    files = [f for f in evidence_files([path] if path is not None else None)
             if not (is_claims_file(f) or is_measurement_file(f))]
    if not files:
        raise EvidenceFileError([Problem(str(path or default_evidence_dir()), 0, "(file)", "no YAML files found")])
    trials, where, problems = _load_all(files)
    if problems:
        raise EvidenceFileError(problems)
    return EvidenceSet(trials, where)


def load_claims(path: str | Path | None = None, evidence: EvidenceSet | None = None) -> ClaimsLedger:
    """The claims ledger (default: the store's ``claims.yaml``), checked against `evidence` (default: its folder)."""
    p = claims_path(path)
    if evidence is None:
        evidence = load_evidence(p.parent)
    return read_claims(p, {t.id: t for t in evidence}, _display(p))
