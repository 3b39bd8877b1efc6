"""The "What changes walking" answer: other walking interventions by outcome scale, with ocrelizumab's own result
only where it has one on that scale. The notebook (notebooks/what_changes_walking.py) calls
:func:`what_changes_walking` once and then only displays what it returns.

Each panel holds results of ONE outcome definition (scale, statistic, units, direction), so a panel is one axis;
the store of other interventions and the ocrelizumab trial store are never pooled or drawn on one axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from msevidence import formatting as fmt
from msevidence.evidence import EvidenceSet, load_evidence
from msevidence.evidence.interventions import (
    CLAIMS_FILE,
    WITHIN_STATISTICS,
    InterventionStore,
    default_dir,
    load_interventions,
)
from msevidence.judgement.interventions import (
    DESIGN_LABELS,
    GAIN_PLAIN,
    KIND_PLAIN,
    STATISTIC_LABELS,
    InterventionClaim,
    KindSummary,
    Pair,
    axis,
    intervention_claims,
    kind_summaries,
    population_caveat,
    result_verdict,
    source_name,
)

SCALE_NAMES = {"T25FW": "Timed 25-Foot Walk", "10MWT": "10-metre walk", "2MWT": "2-minute walk distance",
               "6MWT": "6-minute walk distance", "TUG": "Timed Up and Go", "MSWS-12": "MS Walking Scale (12 questions)",
               "BBS": "Berg Balance Scale", "balance": "Balance tests", "falls_rate": "Falls (rate)",
               "fallers": "Falls (people who fell)", "walking_mobility": "Walking tests combined",
               "walking_composite": "Walking", "MSFC": "MS Functional Composite",
               "walk_to_exhaustion": "Walking until tired", "walking_speed": "Walking speed"}
POPULATIONS = ("relapsing", "progressive", "mixed", "not_stated")


@dataclass(frozen=True)
class OcrelizumabResult:
    """Ocrelizumab's own published arm values on a scale (from the trial store), shown on their own axis."""

    trial: str
    label: str
    measure: str
    units: str
    higher_is_better: bool
    arm_values: tuple[tuple[str, float], ...]
    citation: str


@dataclass(frozen=True)
class Panel:
    """Results of one outcome definition: one forest, one axis."""

    scale: str
    title: str
    pairs: tuple[Pair, ...]

    def plot(self, ax=None, lay: bool = True):
        from msevidence.presentation.figures.interventions import LAY_STATISTIC, forest

        title = f"{SCALE_NAMES[self.scale]}: {LAY_STATISTIC[self.pairs[0][1].statistic]}" if lay else self.title
        return forest(list(self.pairs), ax=ax, lay=lay, title=title)


@dataclass(frozen=True)
class WalkingInterventionsAnswer:
    outcome_scale: str | None
    population: str | None
    panels: tuple[Panel, ...]
    ocrelizumab: dict[str, tuple[OcrelizumabResult, ...]]  # scale -> ocrelizumab's results on it
    narrative: tuple[Pair, ...]
    summaries: tuple[KindSummary, ...]
    claims: tuple[InterventionClaim, ...]
    caveat: str

    def scales(self) -> list[str]:
        return list(dict.fromkeys(p.scale for p in self.panels))

    def panels_for(self, scale: str) -> list[Panel]:
        return [p for p in self.panels if p.scale == scale]

    def plot_ocrelizumab(self, scale: str, ax=None, lay: bool = True):
        from msevidence.presentation.figures.interventions import ocrelizumab_panel

        return ocrelizumab_panel(list(self.ocrelizumab[scale]), ax=ax, lay=lay)

    def bottom_line(self) -> str:
        return ("**Ocrevus slows the worsening of walking. It does not make walking better.** Other things can "
                "help walking in other ways. This page shows what trials of those found. They are separate "
                "studies, in other people, and they are never added to the Ocrevus results.")

    def lay_summaries(self) -> str:
        return "\n".join(f"- {s.sentence}" for s in self.summaries)

    def who(self) -> str:
        return ("**Who was studied.** Most of these studies were in people with relapsing MS, or in mixed groups, "
                "often with milder walking problems. Few were in primary progressive MS. No study was in people "
                "taking Ocrevus. What works for them may not work the same way for you.")

    def table(self, lay: bool = True) -> pd.DataFrame:
        """One row per result shown: source, what was compared, design, outcome and the published value."""
        rows = []
        for s, r in [p for panel in self.panels for p in panel.pairs] + list(self.narrative):
            value = (_value(r) if r.statistic != "narrative" else r.finding)
            row = {"Source": source_name(s),
                   "What was tried": s.intervention.name, "Compared with": s.comparator.name,
                   "Design": DESIGN_LABELS[s.design], "Outcome": r.outcome.label,
                   "Result": value, "What it means": _plain(s, r)}
            if not lay:
                row |= {"Statistic": STATISTIC_LABELS[r.statistic], "Units": r.outcome.units,
                        "Certainty (source)": (r.certainty or "not graded").replace("_", " "),
                        "Locator": r.locator, "Checked at": s.reference.checked_at}
            rows.append(row)
        return pd.DataFrame(rows)

    def claims_table(self) -> pd.DataFrame:
        return pd.DataFrame([{"Statement": c.statement, "Verdict": c.verdict_text, "Certainty": c.certainty,
                              "Who was studied": c.population_caveat if not c.outside_reason else c.outside_reason}
                             for c in self.claims])

    def method_notes(self) -> str:
        return ("Each forest holds results of one outcome definition only: the same scale, statistic, units and "
                "direction. A standardised mean difference (SMD, Hedges g) is in standard-deviation units and is "
                "never turned into seconds. Changes among responders, or within one condition of a crossover, are "
                "labelled as such and are not differences between randomised groups. Crossover and mixed-design "
                "studies are never counted as randomised parallel evidence. Verdicts: a result supports a benefit "
                "only if it comes from randomised parallel evidence, favours the intervention beyond chance (95% "
                "CI or p < 0.05), was not rated low or very low certainty by its source and, for a single trial, "
                "had at least 100 people. Ocrelizumab's own result is read from the trial store and drawn on its "
                "own axis. " + self.caveat)


PLAIN_UNITS = {"SD": " standard units", "ratio": "", "proportion": "", "%": "%", "people": " people"}


def _value(r) -> str:
    if r.arms:
        unit = PLAIN_UNITS.get(r.outcome.units, f" {r.outcome.units}")
        return " vs ".join(f"{a.label} {a.events} of {a.n}" if a.events is not None else
                           f"{a.label} {a.value:g}{unit}" for a in r.arms)
    ci = f" (95% CI {_pair(r.ci_low, r.ci_high)})" if r.ci_low is not None else ""
    return f"{r.estimate:g}{PLAIN_UNITS.get(r.outcome.units, ' ' + r.outcome.units)}{ci}"


def _pair(low: float, high: float) -> str:
    """'0.030 to 0.178': both bounds with the same number of decimals (YAML drops trailing zeros)."""
    d = max(len(f"{x:g}".partition(".")[2]) for x in (low, high))
    return fmt.interval(low, high, digits=d)


def _plain(s, r) -> str:
    if r.statistic in WITHIN_STATISTICS:
        return "change within one group only, not a comparison of groups"
    if r.statistic == "narrative" and r.finding_direction == "no_difference":
        return f"{GAIN_PLAIN[r.outcome.scale]}: not shown"
    verdict, scale = result_verdict(s, r)[0], r.outcome.scale
    return {"supported": f"{GAIN_PLAIN[scale]}: shown in randomised trials",
            "weak": f"{GAIN_PLAIN[scale]}: possible but uncertain",
            "no_clear_benefit": f"{GAIN_PLAIN[scale]}: not shown"}[verdict]


def ocrelizumab_results(ev: EvidenceSet, scale: str) -> tuple[OcrelizumabResult, ...]:
    """Ocrelizumab's published per-arm results on `scale` in placebo-controlled trials (e.g. ORATORIO's T25FW
    percent change), read from the trial store; empty when it has none on that scale."""
    out = []
    for t in ev.placebo_controlled():
        arms = {a.id: ("Ocrevus (ocrelizumab)" if a.drug.lower() == "ocrelizumab" else a.drug) for a in t.arms}
        for ep in t.endpoints:
            rs = [r for r in ep.results if r.statistic == "mean_pct_change"]
            if ep.definition.scale != scale or len(rs) < 2:
                continue
            ref = next((x for x in t.references if rs[0].source and x.key == rs[0].source.ref), None)
            first = (ref.authors or "").split(",")[0]
            cite = f"{first} et al., {ref.journal} {ref.year or ''}".strip() if ref else t.id
            out.append(OcrelizumabResult(
                t.id, f"{t.id}: {ep.label}", "percent change in walking time from the start",
                "%", False, tuple((arms.get(r.arm, r.arm), r.value) for r in rs),
                cite))
    return tuple(out)


def what_changes_walking(store: InterventionStore | None = None, evidence: EvidenceSet | None = None,
                         outcome_scale: str | None = None, population: str | None = None,
                         claims_path: Path | None = None) -> WalkingInterventionsAnswer:
    """Build the page's answer. `outcome_scale` keeps one scale (e.g. "6MWT"); `population` one MS type;
    `claims_path` the claims file (default: the store's; no claims are judged when it does not exist)."""
    store = store if store is not None else load_interventions()
    ev = evidence if evidence is not None else load_evidence()
    pairs = store.results(outcome_scale=outcome_scale, population=population)
    groups: dict[tuple, list[Pair]] = {}
    narrative = []
    for s, r in pairs:
        if r.statistic == "narrative":
            narrative.append((s, r))
        else:
            groups.setdefault(axis(r), []).append((s, r))
    order = list(SCALE_NAMES)
    panels = tuple(Panel(k[0], f"{SCALE_NAMES[k[0]]} — {STATISTIC_LABELS[k[1]]} ({k[2]})", tuple(v))
                   for k, v in sorted(groups.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1], kv[0][2])))
    scales = dict.fromkeys(p.scale for p in panels)
    ocr = {sc: res for sc in scales if (res := ocrelizumab_results(ev, sc))}
    studies = list({s.id: s for s, _ in pairs}.values())
    claims_file = Path(claims_path) if claims_path is not None else default_dir() / CLAIMS_FILE
    claims = intervention_claims(store, claims_file) if claims_file.is_file() else ()
    return WalkingInterventionsAnswer(outcome_scale, population, panels, ocr, tuple(narrative),
                                      kind_summaries(pairs), claims, population_caveat(studies))


__all__ = ["KIND_PLAIN", "OcrelizumabResult", "Panel", "WalkingInterventionsAnswer", "ocrelizumab_results",
           "what_changes_walking"]
