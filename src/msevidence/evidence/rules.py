"""Rules beyond types: each returns (field location, message naming the rule)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from msevidence import paths
from msevidence.data.visits import T25FW_RANGE_S
from msevidence.evidence.schema import PROPORTION_STATISTICS, RATIO_STATISTICS, Source, Trial
from msevidence.evidence.yamlio import Loc

Finding = tuple[Loc, str]


def data_file(root: Path, rel: str) -> Path:
    """Where a ``data/digitized/...`` path of an evidence file is: beside the evidence file (`root`), else in
    the shipped data (:func:`msevidence.paths.home`), so that a copied evidence folder still finds its curves."""
    here = root / rel
    if here.is_file():
        return here
    shipped = paths.home() / rel
    return shipped if shipped.is_file() else here


def check_trial(trial: Trial, root: Path) -> list[Finding]:
    """All rule violations of a type-valid trial; `root` is where `data/digitized/...` paths are resolved."""
    out: list[Finding] = []
    out += _unique(trial)
    refs = {r.key for r in trial.references}
    arms = {a.id for a in trial.arms}

    def source(src: Source | None, loc: Loc) -> None:
        if src is not None and src.ref not in refs:
            out.append(((*loc, "ref"), f"unknown reference '{src.ref}' (rule: references exist; known: "
                                       f"{', '.join(sorted(refs))})"))

    for loc_src in _sources(trial):
        source(*loc_src)
    for i, a in enumerate(trial.arms):
        if a.n_randomized is not None and a.n_source is None:
            out.append((("arms", i, "n_source"), "an arm size needs its source (rule: every number is sourced)"))
    if trial.total_randomized is not None:
        sizes = [a.n_randomized for a in trial.arms]
        if all(s is not None for s in sizes) and sum(sizes) != trial.total_randomized:
            out.append((("total_randomized",), f"arm sizes add up to {sum(sizes)}, not {trial.total_randomized} "
                                               "(rule: arm sizes add up to the stated total)"))
    out += _comparator(trial)
    d = trial.design
    if (d.stratification or d.unconfirmed_progression != "not_stated") and d.methods_source is None:
        out.append((("design", "stratification" if d.stratification else "unconfirmed_progression"),
                    "stratification and the handling of unconfirmed progression need 'methods_source' naming "
                    "where they were read (rule: every design choice is sourced)"))
    if [a.role for a in trial.arms].count("control") < 1 or [a.role for a in trial.arms].count("treatment") < 1:
        out.append((("arms",), "needs at least one treatment and one control arm (rule: arm roles)"))
    for b_i, b in enumerate(trial.baseline):
        if b.arm not in arms and b.arm != "all":
            out.append((("baseline", b_i, "arm"), f"unknown arm '{b.arm}' (rule: arms exist)"))
        if b.proportion is not None and not 0 <= b.proportion <= 1:
            out.append((("baseline", b_i, "proportion"), f"{b.proportion} is outside [0, 1] (rule: proportions)"))
    for e_i, ep in enumerate(trial.endpoints):
        loc: Loc = ("endpoints", e_i)
        d = ep.definition
        if d.analysis in ("change_from_baseline", "proportion_at_week") and d.week is None:
            out.append(((*loc, "definition", "week"), f"analysis '{d.analysis}' needs the week it is measured at "
                                                      "(rule: endpoint definition)"))
        if d.scale in ("T25FW", "9HPT") and d.analysis == "time_to_event" and d.threshold_pct is None:
            out.append(((*loc, "definition", "threshold_pct"), "a T25FW/9HPT worsening endpoint needs its "
                                                               "threshold (rule: endpoint definition)"))
        ambiguous = {r.statistic for r in ep.results} & {"proportion", "mean_change"}
        if ambiguous and ep.domain != "safety" and ep.higher_is_better is None:
            out.append(((*loc, "higher_is_better"), f"an endpoint measured as a {sorted(ambiguous)[0]} must say "
                                                    "whether higher is better (rule: endpoint direction is data)"))
        for r_i, r in enumerate(ep.results):
            rl: Loc = (*loc, "results", r_i)
            if r.arm not in arms:
                out.append(((*rl, "arm"), f"unknown arm '{r.arm}' (rule: arms exist)"))
            if r.statistic in PROPORTION_STATISTICS:
                for f in ("value", "ci_low", "ci_high"):
                    v = getattr(r, f)
                    if v is not None and not 0 <= v <= 1:
                        out.append(((*rl, f), f"{v} is outside [0, 1]; write proportions as fractions "
                                              "(rule: proportions lie in [0, 1])"))
            out += _ci(r.value, r.ci_low, r.ci_high, rl, "value")
        for x_i, x in enumerate(ep.effects):
            xl: Loc = (*loc, "effects", x_i)
            for f in ("treatment", "control"):
                if getattr(x, f) not in arms:
                    out.append(((*xl, f), f"unknown arm '{getattr(x, f)}' (rule: arms exist)"))
            if x.statistic in RATIO_STATISTICS:
                for f in ("estimate", "ci_low", "ci_high"):
                    v = getattr(x, f)
                    if v is not None and v <= 0:
                        out.append(((*xl, f), f"{x.statistic} {f} is {v}; ratios must be > 0 (rule: ratios > 0)"))
            if x.p is not None and not 0 <= x.p <= 1:
                out.append(((*xl, "p"), f"p = {x.p} is outside [0, 1] (rule: p-values lie in [0, 1])"))
            out += _ci(x.estimate, x.ci_low, x.ci_high, xl, "estimate")
    if not trial.endpoints and trial.status != "no results yet":
        out.append((("endpoints",), "a trial needs at least one endpoint, or `status: no results yet` "
                                    "(rule: trials have results)"))
    for b_i, b in enumerate(trial.baseline):
        if b.characteristic == "t25fw_s":
            low, high = T25FW_RANGE_S
            for f in ("mean", "median", "min", "max"):
                v = getattr(b, f)
                if v is not None and not low <= v <= high:
                    out.append((("baseline", b_i, f), f"T25FW of {v:g} s is outside the plausible range "
                                                      f"{low:g}-{high:g} s (rule: plausible T25FW)"))
    endpoint_ids = {e.id for e in trial.endpoints}
    for c_i, c in enumerate(trial.curves):
        cl: Loc = ("curves", c_i)
        if c.endpoint not in endpoint_ids:
            out.append(((*cl, "endpoint"), f"unknown endpoint '{c.endpoint}' (rule: endpoint ids exist)"))
        if c.arm not in arms:
            out.append(((*cl, "arm"), f"unknown arm '{c.arm}' (rule: arms exist)"))
        n_arm = next((a.n_randomized for a in trial.arms if a.id == c.arm), None)
        if c.provenance == "published" and c.source is None:
            out.append(((*cl, "source"), "a digitized curve needs the source of its figure (rule: every number "
                                         "is sourced)"))
        if c.provenance == "synthetic" and not (c.example and "synthetic-example" in c.file):
            out.append(((*cl, "example"), "a synthetic curve must say `example: true` and have "
                                          "'synthetic-example' in its file name (rule: synthetic data are labelled)"))
        if c.example and c.provenance != "synthetic":
            out.append(((*cl, "provenance"), "an example curve is not a published figure: use provenance "
                                             "synthetic (rule: synthetic data are labelled)"))
        out += _curve_files(c.file, c.numbers_at_risk, n_arm, root, cl, c.arm)
    return out


def _ci(value: float, low: float | None, high: float | None, loc: Loc, name: str) -> list[Finding]:
    if (low is None) != (high is None):
        return [((*loc, "ci_high" if high is None else "ci_low"), "a CI needs both ci_low and ci_high (rule: a CI has both bounds)")]
    if low is not None and high is not None and not low <= value <= high:
        return [((*loc, name), f"CI [{low}, {high}] does not contain the {name} {value} "
                               "(rule: the CI contains the estimate)")]
    return []


def _comparator(trial: Trial) -> list[Finding]:
    """A placebo comparison needs placebo control arms; early-vs-delayed needs a control that later gets the drug."""
    controls = [a for a in trial.arms if a.role == "control"]
    treated = {a.drug.lower() for a in trial.arms if a.role == "treatment"}
    if trial.comparator == "placebo" and any(a.drug.lower() != "placebo" for a in controls):
        drugs = ", ".join(f"'{a.drug}'" for a in controls)
        return [(("comparator",), f"'placebo' but the control arm receives {drugs}; use 'active' for another drug "
                                  "or 'delayed_treatment' when the control arm switches to the treatment "
                                  "(rule: the comparator matches the control arm)")]
    if trial.comparator == "delayed_treatment" and not any(d in a.drug.lower() for a in controls for d in treated):
        return [(("comparator",), "'delayed_treatment' but no control arm ever receives the treatment drug "
                                  "(rule: the comparator matches the control arm)")]
    return []


def _unique(trial: Trial) -> list[Finding]:
    out: list[Finding] = []
    for field, ids in (
        ("references", [r.key for r in trial.references]),
        ("arms", [a.id for a in trial.arms]),
        ("endpoints", [e.id for e in trial.endpoints]),
        ("assumptions", [a.id for a in trial.assumptions]),
    ):
        for value, count in Counter(ids).items():
            if count > 1:
                idx = [i for i, v in enumerate(ids) if v == value][1]
                key = "key" if field == "references" else "id"
                out.append(((field, idx, key), f"'{value}' appears {count} times (rule: ids are unique)"))
    return out


def _sources(trial: Trial):
    """Yield (source, location) for every sourced thing in the trial."""
    yield trial.design.source, ("design", "source")
    yield trial.design.methods_source, ("design", "methods_source")
    yield trial.eligibility.source, ("eligibility", "source")
    yield trial.total_source, ("total_source",)
    for i, a in enumerate(trial.arms):
        yield a.n_source, ("arms", i, "n_source")
    for i, b in enumerate(trial.baseline):
        yield b.source, ("baseline", i, "source")
    for e_i, ep in enumerate(trial.endpoints):
        for r_i, r in enumerate(ep.results):
            yield r.source, ("endpoints", e_i, "results", r_i, "source")
        for x_i, x in enumerate(ep.effects):
            yield x.source, ("endpoints", e_i, "effects", x_i, "source")
        yield ep.missing_data_source, ("endpoints", e_i, "missing_data_source")
    for i, c in enumerate(trial.curves):
        if c.source is not None:
            yield c.source, ("curves", i, "source")
    for i, a in enumerate(trial.assumptions):
        yield a.context, ("assumptions", i, "context")


def _curve_files(file: str, nar_file: str | None, n_arm: int | None, root: Path, loc: Loc,
                 arm: str | None = None) -> list[Finding]:
    out: list[Finding] = []
    for field, rel, cols in (("file", file, ("time_weeks", "survival")),
                             ("numbers_at_risk", nar_file, ("time_weeks", "n_at_risk"))):
        if rel is None:
            continue
        path = data_file(root, rel)
        if not rel.startswith("data/digitized/"):
            out.append(((*loc, field), f"'{rel}' must be under data/digitized/ (rule: digitized inputs)"))
            continue
        if not path.is_file():
            out.append(((*loc, field), f"file '{rel}' does not exist (rule: referenced files exist)"))
            continue
        try:
            df = pd.read_csv(path)
        except Exception as exc:  # noqa: BLE001 - any parse failure becomes one clear line
            out.append(((*loc, field), f"'{rel}' is not a readable CSV: {exc}"))
            continue
        if "arm" in df.columns and arm is not None:
            df = df[df["arm"].astype(str) == arm]
            if df.empty:
                out.append(((*loc, field), f"'{rel}' has no rows for arm '{arm}' (rule: arms exist)"))
                continue
        if field == "file" and "cumulative_incidence" in df.columns and "survival" not in df.columns:
            df = df.assign(survival=1 - pd.to_numeric(df["cumulative_incidence"], errors="coerce"))
        missing = [c for c in cols if c not in df.columns]
        if missing:
            out.append(((*loc, field), f"'{rel}' lacks column(s) {', '.join(missing)}; times are in weeks "
                                       f"(rule: columns {', '.join(cols)})"))
            continue
        t = pd.to_numeric(df["time_weeks"], errors="coerce")
        if t.isna().any() or (t < 0).any() or not t.is_monotonic_increasing:
            out.append(((*loc, field), f"'{rel}': time_weeks must be non-negative numbers in increasing order "
                                       "(rule: times in weeks)"))
        y = pd.to_numeric(df[cols[1]], errors="coerce")
        if field == "file" and (y.isna().any() or (y < 0).any() or (y > 1).any()):
            out.append(((*loc, field), f"'{rel}': survival must lie in [0, 1] (rule: proportions)"))
        if field == "numbers_at_risk":
            if y.isna().any() or (y < 0).any() or not y.is_monotonic_decreasing:
                out.append(((*loc, field), f"'{rel}': n_at_risk must never increase over time "
                                           "(rule: numbers at risk never increase)"))
            if n_arm is not None and (y > n_arm).any():
                out.append(((*loc, field), f"'{rel}': n_at_risk {int(y.max())} exceeds the arm's N {n_arm} "
                                           "(rule: numbers at risk never exceed N)"))
    return out
