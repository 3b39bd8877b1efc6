"""Weighing the evidence for a report: Summary of Findings, sceptical re-reading of primary endpoints, claims.

The main report (notebooks/progression_vs_walking.ipynb), the teaching page and the analyst notebook
(notebooks/weigh_evidence.ipynb) call :func:`weighing` once and then only display what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from msevidence import formatting as fmt
from msevidence.evidence import EvidenceSet, Trial
from msevidence.judgement.bayes import (
    DEFAULT_THRESHOLD,
    BayesianReanalysis,
    ReanalysisError,
    across_priors,
    prob_text,
    published_likelihood,
)
from msevidence.judgement.claims import ClaimsReport, judge_claims
from msevidence.judgement.sof import SummaryOfFindings, summary_of_findings
from msevidence.judgement.verdict import ClaimStatus


def domain_table(sof: SummaryOfFindings) -> pd.DataFrame:
    """The five GRADE domains of each Summary of Findings row: level and reason."""
    return pd.DataFrame([{"Trial": r.trial, "Outcome": r.outcome, "Certainty": r.certainty,
                          **{d.replace("_", " ").capitalize(): f"{v['level']}: {v['reason']}"
                             for d, v in r.certainty_domains.items()}} for r in sof.rows])


def primary_endpoint(trial: Trial):
    """The trial's primary endpoint (the first one marked primary), or None."""
    return next((e for e in trial.endpoints if e.primary), None)


@dataclass(frozen=True)
class Weighing:
    """Everything the weighing sections show for one trial."""

    evidence: EvidenceSet
    trial: Trial
    sof: SummaryOfFindings  # the report's trial only
    claims: ClaimsReport
    reanalyses: dict[str, BayesianReanalysis]  # trial id -> sceptical re-reading of its primary endpoint
    threshold: float = DEFAULT_THRESHOLD

    # -- Summary of findings ------------------------------------------------------------------------------------
    def sof_intro(self) -> str:
        from msevidence.presentation.tables import details

        return ("Each row is one outcome as the trial defined it. Disability and walking speed are kept apart. "
                "Where the trial counted how many people in each group got worse, the table shows those counts, "
                "out of 1,000 people. They are what happened in the trial. Certainty says how sure we can be, "
                "and why it was lowered: it starts high for a randomised comparison and is lowered for each of the "
                "five GRADE domains judged serious (risk of bias, inconsistency, indirectness to the question "
                "asked, imprecision, publication bias).\n\n"
                + details("How the numbers out of 1,000 were worked out",
                          "Where the trial published both groups' risks on the table's basis, they are shown as "
                          "published (in the trial). Otherwise the treated group's risk is expected from the hazard "
                          "ratio: 1 − (1 − control risk)^HR (GRADE guideline 27; derived, not published). The "
                          "analyst column also gives the risk expected from the hazard ratio next to the observed "
                          "one, with the reason they differ."))

    def sof_plain(self) -> str:
        """Plain sentences for the report's trial (lay readers)."""
        rows = self.sof
        lines = rows.lay_sentences()
        walk = [r for r in rows.rows if r.group.startswith("Walking")]
        if walk:
            lines.append("Walking speed: the trial reported how the time to walk 25 feet changed on average. That "
                         "cannot be turned into a number of people out of 1,000. Our confidence in it is "
                         f"{walk[0].certainty} (the table gives the reasons).")
        return "\n\n".join(f"- {s}" for s in lines) or "- No outcome of this trial gives an absolute effect."

    def sof_table(self) -> pd.DataFrame:
        return self.sof.display_frame()

    def sof_domains(self) -> pd.DataFrame:
        """The five GRADE domains of each row of the report's trial (analyst pages)."""
        return domain_table(self.sof)

    def sof_footnotes(self) -> str:
        return "\n\n".join(self.sof.footnotes)

    def sof_figure(self, ax=None):
        return self.sof.plot(ax=ax)

    # -- Bayesian re-reading ----------------------------------------------------------------------------------------
    def reanalysis(self) -> BayesianReanalysis | None:
        return self.reanalyses.get(self.trial.id)

    def bayes_text(self) -> str:
        r = self.reanalysis()
        if r is None:
            return (f"{self.trial.name}'s primary result cannot be re-read: it has no published ratio with a "
                    "confidence interval or p value.")
        return (f"**How probable is a benefit?** A p value below 0.05 does not say how likely a worthwhile "
                f"benefit is. Starting from a *sceptical* view — no effect is most likely, and a hazard ratio below "
                f"{r.prior_ratio:g} has only a 5% chance — and updating it with {self.trial.name}'s published "
                f"result ({r.likelihood_.label.split(': ', 1)[-1]}; {r.likelihood_.note}) gives: "
                + r.sentence()[0].lower() + r.sentence()[1:] + " These probabilities are *derived* from the "
                "published result, not published.")

    def bayes_table(self) -> pd.DataFrame:
        """Sceptical re-reading of the primary endpoint of every placebo-controlled trial (derived)."""
        rows = []
        for tid, r in self.reanalyses.items():
            t = self.evidence[tid]
            rows.append({"Trial": t.name, "Primary endpoint": r.likelihood_.label.split(": ", 1)[-1],
                         "Published ratio": fmt.ratio(r.likelihood_.hr),
                         "Posterior ratio (95% CrI)": f"{fmt.ratio(r.hr_)} ({fmt.interval(r.cri_low_, r.cri_high_)})",
                         "P(ratio < 1)": prob_text(r.p_hr_below_1_),
                         f"P(ratio < {self.threshold:g})": prob_text(r.p_hr_below_threshold_),
                         "Uncertainty from": "95% CI" if r.likelihood_.se_from == "ci" else "p value (no CI)"})
        return pd.DataFrame(rows)

    def priors_table(self) -> pd.DataFrame:
        r = self.reanalysis()
        if r is None:
            return pd.DataFrame()
        return across_priors(r.likelihood_, self.threshold)

    def bayes_figure(self, ax=None):
        r = self.reanalysis()
        return None if r is None else r.plot(ax=ax)

    # -- claims -------------------------------------------------------------------------------------------------
    def claims_intro(self) -> str:
        return ("People say many things about this treatment. Each statement below is checked against the trial "
                "results in the evidence store and gets one verdict: *supported*, *some evidence* (shown, but the "
                "evidence is of low or very low certainty), *not shown*, *contradicted*, *no evidence either way* "
                "(no trial measured it), or *outside the trial evidence* (not a question these trials can answer; "
                "we say what kind of study would). The certainty of the deciding results is given with each.")

    def claims_table(self) -> pd.DataFrame:
        df = self.claims.to_frame()
        return df.rename(columns=str.capitalize)[["Claim", "Verdict", "Certainty", "Explanation", "Sources"]]

    def claims_plain(self) -> str:
        return "\n\n".join(f"- {line}" for line in self.claims.lay_lines())

    def record(self) -> dict[str, Any]:
        from msevidence.presentation.record import record

        r = self.reanalysis()
        values = {
            "sof": [{"trial": x.trial, "endpoint": x.endpoint, "group": x.group, "certainty": x.certainty,
                     "control_risk_per_1000": x.control_risk_per_1000,
                     "intervention_risk_per_1000": x.intervention_risk_per_1000,
                     "difference_per_1000": x.difference_per_1000, "absolute_kind": x.absolute_kind,
                     "verdict": x.verdict, "certainty_domains": x.certainty_domains} for x in self.sof.rows],
            "claims": [{"id": v.id, "verdict": v.verdict.value, "certainty": v.certainty} for v in self.claims],
            "sceptical": None if r is None else {"trial": self.trial.id, **r.to_json()},
        }
        for k, v in values.items():
            record(k, v)
        return values


def weighing(ev: EvidenceSet, trial: str, threshold: float = DEFAULT_THRESHOLD) -> Weighing:
    """Build the weighing sections for `trial`: SoF, sceptical re-readings of placebo-controlled primary
    endpoints (the report's trial first), and the claims ledger's verdicts."""
    t = ev[trial]
    reanalyses: dict[str, BayesianReanalysis] = {}
    for other in sorted(ev.placebo_controlled(), key=lambda x: x.id != t.id):
        ep = primary_endpoint(other)
        if ep is None:
            continue
        try:
            reanalyses[other.id] = BayesianReanalysis("sceptical", threshold).fit(published_likelihood(other, ep.id))
        except ReanalysisError:
            continue
    return Weighing(ev, t, summary_of_findings(ev, [t.id]), judge_claims(ev), reanalyses, threshold)


def outside_count(report: ClaimsReport) -> int:
    """How many claims no trial in the store can decide."""
    return sum(v.verdict == ClaimStatus.OUTSIDE for v in report)


@dataclass(frozen=True)
class PoolingExamples:
    """What the store allows to pool, and what it refuses (with the one-sentence reasons)."""

    pooled: dict[str, Any]  # title -> fitted MetaAnalysis
    refusals: dict[str, str]  # attempted pooling -> the refusal sentence

    def refusals_markdown(self) -> str:
        return "\n\n".join(f"- **{k}**: {v}" for k, v in self.refusals.items())


POOL_ATTEMPTS = (
    ("OPERA I with OPERA II: annualised relapse rate", ["OPERA_I", "OPERA_II"], ["arr"]),
    ("ORATORIO with OPERA I/II pooled: 12-week CDP", ["ORATORIO", "OPERA_POOLED"], ["cdp12_edss"]),
    ("ORATORIO's composite with ORATORIO-HAND's composite", ["ORATORIO", "ORATORIO_HAND"],
     ["ccdp12", "ccdp12_9hpt_edss"]),
)


def pooling_examples(ev: EvidenceSet, method: str = "dl", estimates_csv: str | None = None) -> PoolingExamples:
    """Try the store's candidate poolings (and a user CSV, if given); keep the fits and the refusals."""
    from msevidence.judgement.pooling import (
        MetaAnalysis,
        PoolingRefused,
        estimates_from_store,
        read_estimates_csv,
    )

    pooled, refused = {}, {}
    for title, trials, endpoints in POOL_ATTEMPTS:
        if not all(t in ev for t in trials):
            continue
        try:
            pooled[title] = MetaAnalysis(method).fit(estimates_from_store(ev, trials, endpoints))
        except PoolingRefused as exc:
            refused[title] = str(exc)
    if estimates_csv:
        pooled[f"Your estimates ({estimates_csv})"] = MetaAnalysis(method).fit(read_estimates_csv(estimates_csv))
    return PoolingExamples(pooled, refused)
