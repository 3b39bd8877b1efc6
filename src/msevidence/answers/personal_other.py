"""Outcomes of other treatments for the personal page: responder proportions of a symptomatic drug (fampridine)
from the store of other walking interventions, drawn as 100 people like Ocrevus's results but always named as a
different drug. Only results published as responders per arm (events of n, randomised, with a stated number of
weeks) become outcomes; a within-responder change never does."""

from __future__ import annotations

import re

from msevidence.answers.person import Person, PopulationFit
from msevidence.answers.personal import DichotomousOutcome
from msevidence.evidence import EvidenceSet
from msevidence.evidence.interventions import InterventionStore, load_interventions
from msevidence.presentation.plain_certainty import plain_level

_WEEKS = re.compile(r"(\d+(?:\.\d+)?)[- ]week")
_EVENTS = {"T25FW": ("Walking consistently faster", "did not walk consistently faster", "walking_speed"),
           "MSWS-12": ("Walking that feels clearly easier", "did not report clearly easier walking",
                       "patient_reported_walking")}
RULE = ("responders of each arm as published (events of n), rounded half up to whole people out of 100; "
        "the picture counts people who did not respond")


def fampridine_outcomes(person: Person, evidence: EvidenceSet | None = None,
                        store: InterventionStore | None = None) -> list[DichotomousOutcome]:
    """Each randomised placebo-controlled responder result of a symptomatic drug, as a :class:`DichotomousOutcome`
    whose "with" picture is that drug (not Ocrevus). `evidence` is unused (providers share one signature)."""
    store = store or load_interventions()
    out = []
    for s in store:
        if s.intervention.kind != "symptomatic_drug" or not s.randomised or s.comparator.kind != "placebo":
            continue
        for r in s.results:
            words = _EVENTS.get(r.outcome.scale)
            m = _WEEKS.search(r.outcome.time_point)
            if r.statistic != "responder_proportions" or words is None or m is None or len(r.arms) != 2:
                continue
            treated, control = r.arms
            if any(a.n is None or a.events is None for a in r.arms):
                continue
            title, event, domain = words
            drug = "fampridine" if "fampridine" in s.intervention.name.lower() else s.intervention.name
            pop = s.population
            short = re.search(r"\(([^,()]+)", s.title)
            name = short.group(1) if short else s.title
            edss = (f"EDSS {pop.edss_low:g} to {pop.edss_high:g}" if pop.edss_low is not None
                    and pop.edss_high is not None else "")
            fit = PopulationFit(name, edss or "not recorded", None, (
                f"This trial included people with {'all types of' if pop.ms_type == 'mixed' else pop.ms_type} MS, "
                "not only people like you, and it tested a different drug from Ocrevus.",))
            out.append(DichotomousOutcome(
                key=f"{s.id}/{r.id}", domain=domain, title=f"{title} with {drug}", event=event,
                source_label=r.outcome.label, trial_name=name, comparator="placebo", comparator_kind="placebo",
                weeks=float(m.group(1)), published_without=control.events / control.n,
                published_with=treated.events / treated.n, higher_is_better=True,
                citation=f"{s.reference.citation} ({r.locator})",
                certainty=plain_level(r.certainty), certainty_reasons=(), fit=fit,
                grade_certainty=None if r.certainty is None else r.certainty.replace("_", " "), rule=RULE,
                provider="store of other walking interventions",
                treatment=drug, placebo_words="on a dummy pill",
                group_words=("no gain either way", "did not gain either way", "helped by")))
    return out
