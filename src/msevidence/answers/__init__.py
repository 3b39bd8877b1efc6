"""What pages render: the typed answer and plain-language report text built from the evidence store and computed results (never typed numbers).

The report spine (DESIGN.md): bottom line; disability progression (EDSS); walking speed (T25FW); how they
relate; what the trials do not show; provenance. Each domain gets a verdict — ``less worsening``,
``no difference shown``, ``more worsening``, ``improvement`` or ``not reported`` — because slowing of
worsening is not improvement. Published numbers carry their citation; synthetic numbers carry their label.

- :mod:`.trial_answer`: :class:`TrialAnswer`, the typed answer every page renders, computed once (JSON: ``to_json``).
- :mod:`.reproduce`: the labelled synthetic reproduction behind a page.
- :mod:`.main_report`: :class:`ProgressionWalkingReport`, the main report's sections rendered from the answer.
- :mod:`.synthetic_notes`, :mod:`.time_to_event`, :mod:`.weighing`, :mod:`.trial_design`: the other pages' parts.
"""

from msevidence.answers.main_report import ProgressionWalkingReport, plain_answer, progression_vs_walking
from msevidence.answers.time_to_event import (
    TimeToEventData,
    events_for,
    reconstruction_for,
    time_to_event_data,
    walking_reproduction,
)
from msevidence.answers.trial_answer import TrialAnswer, answer_for, comparison_table, trial_answer
from msevidence.answers.weighing import PoolingExamples, Weighing, domain_table, pooling_examples, weighing
from msevidence.judgement.published import (
    BETTER,
    DOMAIN_TITLES,
    LESS,
    MISSING,
    MORE,
    SAME,
    DomainVerdict,
    bottom_line,
    certainty,
    evidence_summary,
    md_table,
    pct,
    pct_change,
    progression_effect,
    progression_endpoint,
    provenance,
    published_progression_verdict,
    published_table,
    published_walking_verdict,
    ratio_text,
    relation_text,
    tidy_evidence,
    verdict_table,
    walking_endpoints,
    what_trials_do_not_show,
)

__all__ = [
    "TrialAnswer", "answer_for", "trial_answer", "plain_answer", "comparison_table",
    "PoolingExamples", "Weighing", "domain_table", "pooling_examples", "weighing",
    "BETTER", "DOMAIN_TITLES", "LESS", "MISSING", "MORE", "SAME", "DomainVerdict", "ProgressionWalkingReport",
    "bottom_line", "certainty", "events_for", "evidence_summary", "md_table", "pct", "pct_change",
    "progression_effect", "progression_endpoint", "published_progression_verdict", "progression_vs_walking", "provenance",
    "published_table", "reconstruction_for", "TimeToEventData", "time_to_event_data", "ratio_text", "relation_text", "tidy_evidence", "verdict_table",
    "walking_endpoints", "walking_reproduction", "published_walking_verdict", "what_trials_do_not_show",
]
