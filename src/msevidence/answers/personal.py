"""The personal page's answer: what the published evidence means for one person, built once from the store.

For a :class:`~msevidence.answers.person.Person` (what someone knows about themselves, checked in
:mod:`msevidence.answers.person`), :func:`personal_answer` returns a frozen :class:`PersonalAnswer`:

- **outcomes**: :class:`DichotomousOutcome` s from *providers* (functions ``(person, evidence) -> list``), each a
  share of people with an outcome in both arms over a stated time; counts out of 100 are those proportions rounded
  to whole people (:class:`~msevidence.presentation.figures.icon_array.CatesCounts`). The default provider reads
  the ocrelizumab trials of the person's MS type through each trial's answer
  (:func:`msevidence.answers.trial_answer.trial_answer`, rated against the person's question,
  :data:`QUESTION_FOR_MS_TYPE`): the same observed risks on the same basis and period, and the same certainty, as
  every other page, said in plain words; an endpoint the answer does not hold is read from the trial report and
  labelled so. Other stores (fampridine responders, MSWS-12 responders) add their own provider. A mean change is
  never an outcome here (:class:`NotDichotomousError`).
- **walk**: what a 20% slower walk means in seconds for this person, and the band of ordinary visit-to-visit
  variation (Hobart et al. 2013, from ``evidence/measurement.yaml``).
- **questionnaire**: the MSWS-12's important change (Mehta et al. 2015), as context only.
- **fit**: whether the person is inside each trial's published eligibility limits, said in words
  (:func:`~msevidence.answers.person.population_fit`).

No risk is made to depend on walk time or age: no trial in the store publishes such a risk, and the page says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from msevidence.answers.person import POPULATION_PREFIX, Person, PopulationFit, population_fit
from msevidence.answers.personal_walk import (
    QuestionnaireContext,
    WalkChange,
    WalkNoise,
    questionnaire_context,
    walk_change,
    walk_noise,
)
from msevidence.answers.trial_answer import EndpointAnswer, TrialAnswer, trial_answer
from msevidence.errors import MsEvidenceError
from msevidence.evidence import EvidenceSet, Trial, load_evidence
from msevidence.evidence.measurement import MeasurementStore, load_measurement_store
from msevidence.evidence.schema import PROPORTION_STATISTICS, Endpoint
from msevidence.judgement.absolute_effects import BASIS_WORDS, KM, PERIOD
from msevidence.judgement.grade import QUESTIONS, Question
from msevidence.judgement.main_effect import main_effect
from msevidence.judgement.sof import rate
from msevidence.presentation.figures.icon_array import CatesCounts, out_of_100
from msevidence.presentation.personal_text import PROPORTION_AT_WEEK, outcome_words, period_words
from msevidence.presentation.plain_certainty import plain_level, plain_reasons

DRAWN_DOMAINS = ("disability_progression", "composite_progression", "walking_speed", "patient_reported_walking")
CHANGE_STATISTICS = frozenset({"mean_pct_change", "mean_change"})


class NotDichotomousError(MsEvidenceError, ValueError):
    """An outcome that is not a share of people (a mean change): it cannot become an icon array."""


# -- dichotomous outcomes -----------------------------------------------------------------------------------------
#: The question each MS type's results are rated against: the certainty of the Summary of Findings depends on it
#: (:mod:`msevidence.judgement.grade`). PPMS: ocrelizumab vs placebo, the question of the main report and the
#: default of ``msevidence sof`` / ``msevidence answer``. RMS: the relapsing trials (OPERA) compared ocrelizumab with
#: interferon beta-1a, and the page says so on every relapsing result; rated against the PPMS-vs-placebo question
#: they would be marked down twice (population and comparator) for not answering a question a person with relapsing
#: MS did not ask. Same rating as ``msevidence sof --question rms_vs_interferon``.
QUESTION_FOR_MS_TYPE = {"PPMS": "ppms_vs_placebo", "RMS": "rms_vs_interferon"}

# Why an absolute effect of the answer is not drawn, in plain words (keyed by the start of its reason).
_PLAIN_NOT_DRAWN = (
    ("continuous outcome", "an average change, not a share of people"),
    ("not reported on this table's basis", "its shares of people were counted in a different way from the "
                                           "trial's other results"),
    ("only the control group's risk", "a share of people was published for one group only"),
    ("no group risk", "no share of people in both groups was published"),
)
NO_PAIR = "no share of people in both groups at a stated time was published"
MEAN_CHANGE = "an average change, not a share of people"


@dataclass(frozen=True)
class DichotomousOutcome:
    """A share of people with a (bad) outcome in each arm over a stated time, as published.

    For an ocrelizumab endpoint of the trial's answer (:func:`msevidence.answers.trial_answer.trial_answer`),
    `published_without`/`published_with` are the answer's observed absolute risks, on its one basis per trial
    (`basis`, `period`: the same numbers as every other page; `from_answer` True), and the certainty is the
    answer's (the Summary of Findings'): `grade_certainty` and `grade_reasons` as rated, `certainty` and
    `certainty_reasons` the same in plain words (:mod:`msevidence.presentation.plain_certainty`). An endpoint the
    answer does not hold (a composite outcome, not in the Summary of Findings) falls back to the first published
    pair of proportions at a stated week, labelled (`from_answer` False), its certainty rated by the same engine
    against the same question (:func:`msevidence.judgement.sof.rate`), or "not rated" when no comparison of the
    groups was published.

    For an outcome where higher is better (no evidence of progression, responders) the published shares count
    people free of the outcome: counts out of 100 round the *published* proportions half up, then take 100 − count.
    `weeks` is the stated time; `weeks_bound` says how it bounds the follow-up ("" at that week, "at least" or
    "up to" over a trial period of unequal length).
    """

    key: str
    domain: str
    title: str
    event: str
    source_label: str
    trial_name: str
    comparator: str
    comparator_kind: str
    weeks: float
    published_without: float
    published_with: float
    higher_is_better: bool
    citation: str
    certainty: str
    certainty_reasons: tuple[str, ...]
    fit: PopulationFit
    rule: str = "published proportions, rounded half up to whole people out of 100"
    provider: str = "ocrelizumab trials"
    treatment: str = "Ocrevus"  # what the "with" picture is (another store's provider names its own treatment)
    placebo_words: str = "on a dummy drip"  # how the placebo arm was given
    # the filled groups: legend label, the same in a sentence, the verb for those the treatment changed
    group_words: tuple[str, str, str] = ("worse either way", "got worse either way", "spared by")
    basis: str = PROPORTION_AT_WEEK  # km_at_week | trial_period (the answer's) | proportion_at_week
    period: str = ""  # when, in words: "by week 96", "during the trial (at least 120 weeks)"
    weeks_bound: str = ""  # "" | "at least" | "up to"
    grade_certainty: str | None = None  # high | moderate | low | very low, as rated; None: not rated
    grade_reasons: tuple[str, ...] = ()  # the reasons that lowered it, as rated
    grade_question: str = ""  # the question it was rated against (QUESTION_FOR_MS_TYPE)
    from_answer: bool = False  # True: numbers and certainty are the trial answer's

    def __post_init__(self):
        for name in ("published_without", "published_with"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise NotDichotomousError(f"{self.key}: {name} {v!r} is not a proportion (rule: only dichotomous "
                                          "outcomes become icon arrays)")
        if self.weeks is None or self.weeks <= 0:
            raise NotDichotomousError(f"{self.key}: no stated time (rule: a risk is shown over a stated time)")
        if not self.period:
            object.__setattr__(self, "period", period_words(self.basis, self.weeks, self.weeks_bound))

    @property
    def counts(self) -> CatesCounts:
        """People out of 100 with the bad outcome without and with treatment (published, rounded)."""
        c, t = out_of_100(self.published_without), out_of_100(self.published_with)
        return CatesCounts(100 - c, 100 - t) if self.higher_is_better else CatesCounts(c, t)

    @property
    def years(self) -> float:
        return self.weeks / 52.18


def higher_is_better(ep: Endpoint) -> bool:
    """An endpoint whose proportion counts good outcomes: no evidence of progression or activity (NEP/NEPAD),
    responders. Read from the endpoint's `higher_is_better` when set, else from the definition (NEDA scale, or a
    summary that says "higher is better")."""
    if ep.higher_is_better is not None:
        return ep.higher_is_better
    return ep.definition.scale == "NEDA" or "higher is better" in ep.definition.summary


def _week(ep: Endpoint, r) -> float | None:
    return r.week if r.week is not None else ep.definition.week


def _refuse(trial: Trial, ep: Endpoint, message: str, why: str) -> NotDichotomousError:
    err = NotDichotomousError(f"{trial.id}/{ep.id}: {message}")
    err.why = why
    return err


def question_for(person: Person) -> Question:
    """The question the person's results are rated against (:data:`QUESTION_FOR_MS_TYPE`)."""
    return QUESTIONS[QUESTION_FOR_MS_TYPE[person.ms_type]]


def dichotomous_outcome(trial: Trial, ep: Endpoint, person: Person, *, answer: TrialAnswer | None = None,
                        evidence: EvidenceSet | None = None) -> DichotomousOutcome:
    """The endpoint's two risks over a stated time, from the trial's `answer` (built against the person's question
    from `evidence` when not given); the labelled published pair for an endpoint the answer does not hold.
    :class:`NotDichotomousError` (its `why` in plain words) for a mean change, an endpoint whose answer has no
    observed risks of both groups, or no stated time."""
    if ep.definition.analysis == "change_from_baseline" or any(r.statistic in CHANGE_STATISTICS for r in ep.results):
        raise _refuse(trial, ep, "a mean change cannot be drawn as 100 people (rule: only dichotomous outcomes "
                                 "become icon arrays)", MEAN_CHANGE)
    q = question_for(person)
    if answer is None:
        answer = trial_answer(evidence if evidence is not None else load_evidence(), trial.id, question=q)
    e = next((x for x in answer.endpoints if x.endpoint == ep.id), None)
    if e is not None:
        return _from_answer(trial, ep, person, e, q)
    return _published_pair(trial, ep, person, answer.absolute_basis["basis"], q, evidence)


def _common(trial: Trial, ep: Endpoint, person: Person, good: bool) -> dict:
    title, event = outcome_words(ep, good)
    active = trial.comparator != "placebo"
    return dict(key=f"{trial.id}/{ep.id}", domain=ep.domain, title=title, event=event, source_label=ep.label,
                trial_name=trial.name, comparator=trial.control.drug if active else "placebo",
                comparator_kind=trial.comparator, higher_is_better=good, fit=population_fit(trial, person))


def _from_answer(trial: Trial, ep: Endpoint, person: Person, e: EndpointAnswer, q: Question) -> DichotomousOutcome:
    ab = e.absolute
    if not ab.observed:
        why = next((w for start, w in _PLAIN_NOT_DRAWN if ab.reason.startswith(start)), NO_PAIR)
        if why == MEAN_CHANGE and ep.definition.analysis != "change_from_baseline":
            why = NO_PAIR  # a share of people over a period without a stated time, not a change
        raise _refuse(trial, ep, f"the trial answer has no observed risks of both groups ({ab.reason})", why)
    if ab.basis == KM:
        weeks, bound = ab.week, ""
    elif trial.design.min_follow_up_weeks:
        weeks, bound = float(trial.design.min_follow_up_weeks), "at least"
    elif trial.design.treatment_weeks:
        weeks, bound = float(trial.design.treatment_weeks), "up to"
    else:
        raise _refuse(trial, ep, "no stated time (rule: a risk is shown over a stated time)",
                      "the trial did not say how long people were followed")
    good = higher_is_better(ep)
    return DichotomousOutcome(
        **_common(trial, ep, person, good), weeks=float(weeks), published_without=ab.control_risk,
        published_with=ab.treatment_risk, citation="; ".join(ab.sources),
        certainty=plain_level(e.certainty), certainty_reasons=plain_reasons(e.certainty_reasons),
        rule=(("100 minus " if good else "") + "the two groups' risks as every page of this trial gives them ("
              + BASIS_WORDS[ab.basis].split(" (")[0] + "), each rounded half up to whole people"),
        basis=ab.basis, weeks_bound=bound, grade_certainty=e.certainty, grade_reasons=tuple(e.certainty_reasons),
        grade_question=q.name, from_answer=True)


def _published_pair(trial: Trial, ep: Endpoint, person: Person, basis: str, q: Question,
                    evidence: EvidenceSet | None) -> DichotomousOutcome:
    """The fallback for an endpoint the trial answer does not hold: a published pair of proportions at a stated
    week (one on the trial's basis if there is one, else the first), labelled; certainty by the same engine."""
    pairs = []
    for rc in ep.results:
        if rc.arm != trial.control.id or rc.statistic not in PROPORTION_STATISTICS or _week(ep, rc) is None:
            continue
        rt = next((r for r in ep.results if r.arm == trial.treatment.id and r.statistic == rc.statistic
                   and _week(ep, r) == _week(ep, rc)), None)
        if rt is not None:
            pairs.append((rc, rt))
    if not pairs:
        raise _refuse(trial, ep, "no proportions of both arms at a stated week (rule: a risk is shown over a "
                                 "stated time)", NO_PAIR)
    on_basis = "km_proportion_at_week" if basis == KM else "proportion_with_event"
    rc, rt = next((p for p in pairs if p[0].statistic == on_basis), pairs[0])
    good = higher_is_better(ep)
    eff = main_effect(ep)
    rated = None
    if eff is not None:
        risk = rc.value if ep.definition.analysis == "time_to_event" and not good else None
        rated = rate(trial, ep, eff, evidence, question=q, control_risk=risk)
    return DichotomousOutcome(
        **_common(trial, ep, person, good), weeks=float(_week(ep, rc)), published_without=rc.value,
        published_with=rt.value, citation="; ".join(dict.fromkeys(trial.cite(r.source) for r in (rc, rt))),
        certainty=plain_level(rated.rating if rated else None),
        certainty_reasons=plain_reasons(rated.reasons) if rated else (),
        rule=("100 minus the published share of people free of the outcome, each rounded half up to whole people"
              if good else DichotomousOutcome.rule) + " (not in the trial's main summary: read from its report)",
        basis={"km_proportion_at_week": KM, "proportion_with_event": PERIOD}.get(rc.statistic, PROPORTION_AT_WEEK),
        grade_certainty=rated.rating if rated else None, grade_reasons=rated.reasons if rated else (),
        grade_question=q.name, from_answer=False)


def ocrelizumab_outcomes(person: Person, evidence: EvidenceSet) -> list[DichotomousOutcome]:
    """Every ocrelizumab endpoint of the person's MS type drawn as 100 people: from each trial's answer, rated
    against the person's question (placebo-controlled and active-controlled trials, labelled; early-versus-delayed
    extensions left out)."""
    return [o for _, _, o in _classified(person, evidence) if isinstance(o, DichotomousOutcome)]


def _candidate_endpoints(person: Person, evidence: EvidenceSet):
    for trial in evidence:
        if trial.comparator == "delayed_treatment" or not trial.population.startswith(POPULATION_PREFIX[
                person.ms_type]):
            continue
        for ep in trial.endpoints:
            if ep.domain in DRAWN_DOMAINS:
                yield trial, ep


def _classified(person: Person, evidence: EvidenceSet) -> list[tuple[Trial, Endpoint, DichotomousOutcome | str]]:
    """(trial, endpoint, outcome or the plain reason it is not drawn), one trial answer per trial."""
    answers: dict[str, TrialAnswer] = {}
    out: list[tuple[Trial, Endpoint, DichotomousOutcome | str]] = []
    for trial, ep in _candidate_endpoints(person, evidence):
        if trial.id not in answers:
            answers[trial.id] = trial_answer(evidence, trial.id, question=question_for(person))
        try:
            out.append((trial, ep, dichotomous_outcome(trial, ep, person, answer=answers[trial.id],
                                                       evidence=evidence)))
        except NotDichotomousError as exc:
            out.append((trial, ep, getattr(exc, "why", NO_PAIR)))
    return out


def not_drawn(person: Person, evidence: EvidenceSet) -> list[tuple[str, str, str]]:
    """(trial, endpoint label, why) for each walking or disability result of the person's MS type that is not drawn
    as 100 people, the reason in plain words: a mean change, no share of people in both groups, or shares counted
    differently from the trial's other results."""
    return list(dict.fromkeys((trial.name, outcome_words(ep, higher_is_better(ep))[0], why)
                              for trial, ep, why in _classified(person, evidence) if isinstance(why, str)))


Provider = Callable[[Person, EvidenceSet], list[DichotomousOutcome]]
OUTCOME_PROVIDERS: tuple[Provider, ...] = (ocrelizumab_outcomes,)


# -- the answer ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PersonalAnswer:
    """Everything the personal page, its PDF and a Voilà app show, built once."""

    person: Person
    outcomes: tuple[DichotomousOutcome, ...]
    not_drawn: tuple[tuple[str, str, str], ...]
    walk: WalkNoise | None
    questionnaire: QuestionnaireContext | None
    questionnaire_results: tuple[DichotomousOutcome, ...] = field(default=())
    walk_changes: tuple[WalkChange, ...] = field(default=())

    def outcome(self, key: str) -> DichotomousOutcome:
        return next(o for o in self.outcomes if o.key == key)

    def to_json(self) -> dict:
        """Plain JSON (for the manifest and the command line): inputs, each outcome with its counts, walk, MSWS-12."""
        def outcome(o: DichotomousOutcome) -> dict:
            return {**{k: v for k, v in asdict(o).items() if k != "fit"}, "counts": o.counts.group_sizes()
                    | {"without": o.counts.without, "with": o.counts.with_}, "fit": asdict(o.fit)}

        return {"person": asdict(self.person), "outcomes": [outcome(o) for o in self.outcomes],
                "questionnaire_results": [outcome(o) for o in self.questionnaire_results],
                "not_drawn": [list(x) for x in self.not_drawn],
                "walk": asdict(self.walk) if self.walk else None,
                "walk_changes": [asdict(c) for c in self.walk_changes],
                "questionnaire": asdict(self.questionnaire) if self.questionnaire else None}


def personal_answer(person: Person | None = None, *, evidence: EvidenceSet | None = None,
                    measurement: MeasurementStore | None = None, providers: Sequence[Provider] | None = None,
                    **inputs) -> PersonalAnswer:
    """The personal answer for `person` (or for keyword `inputs`: ms_type, age_band, edss, t25fw_s, msws12).

    Outcomes come from every provider; patient-reported walking outcomes (MSWS-12) are kept apart from EDSS and
    the timed walk in `questionnaire_results`. Default providers: the ocrelizumab trials, then the responder
    results of fampridine from the store of other interventions (:mod:`msevidence.answers.personal_other`)."""
    p = person if person is not None else Person(**inputs)
    ev = evidence or load_evidence()
    if providers is None:
        from msevidence.answers.personal_other import fampridine_outcomes

        providers = (*OUTCOME_PROVIDERS, fampridine_outcomes)
    needs = p.t25fw_s is not None or p.msws12 is not None
    m = measurement or (load_measurement_store() if needs else None)
    found = [o for prov in providers for o in prov(p, ev)]
    drawn = tuple(o for o in found if o.domain != "patient_reported_walking")
    questionnaire = tuple(o for o in found if o.domain == "patient_reported_walking")
    return PersonalAnswer(
        person=p, outcomes=drawn, not_drawn=tuple(not_drawn(p, ev)),
        walk=walk_noise(p.t25fw_s, m) if p.t25fw_s is not None else None,
        questionnaire=questionnaire_context(p.msws12, m) if p.msws12 is not None else None,
        questionnaire_results=questionnaire,
        walk_changes=tuple(c for trial, ep in _candidate_endpoints(p, ev) if p.t25fw_s is not None
                           and trial.comparator == "placebo" and ep.domain == "walking_speed"
                           for c in [walk_change(trial, ep, p.t25fw_s)] if c is not None))

