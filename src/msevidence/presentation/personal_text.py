"""Plain words of the personal page: outcome names, what 100 people means, the walk-time band, the questionnaire,
the take-home summary, and the collapsed "how these numbers were worked out" section.

Short sentences, no jargon in open text (no hazard ratios or intervals); every number is read from a
:class:`~msevidence.answers.personal.PersonalAnswer (duck-typed: presentation does not import the answers layer)` (published, or derived by a rule named in the details).
"""

from __future__ import annotations

from typing import Any

from msevidence import formatting as fmt
from msevidence.evidence.schema import Endpoint
from msevidence.judgement.absolute_effects import KM, PERIOD
from msevidence.presentation.plain_certainty import meaning

PROPORTION_AT_WEEK = "proportion_at_week"  # a published share of people at a stated week (not a trial's basis)


def outcome_words(ep: Endpoint, higher_is_better: bool) -> tuple[str, str]:
    """(title, event) of an endpoint in plain words; the event is the BAD outcome (for NEP-like endpoints, the
    complement: "had some worsening")."""
    d = ep.definition
    cw = f" and stay worse for {d.confirmation_weeks} weeks" if d.confirmation_weeks else ""
    lasting = f", lasting {d.confirmation_weeks} weeks" if d.confirmation_weeks else ""
    parts = set(d.components)
    if d.scale == "NEDA":
        return ("Any worsening, relapse or new brain-scan activity",
                "had some worsening, a relapse or new activity on brain scans")
    if higher_is_better and {"EDSS", "T25FW"} <= parts:
        return ("Any worsening of disability, walking or hand use",
                "had some worsening of disability, walking or hand use")
    if d.milestone:
        level = d.milestone.replace(">=", "").replace("EDSS", "").strip()
        return (f"Reaching a disability score of {level} or more", f"reached a disability score of {level} or more")
    if d.scale == "composite" and parts == {"EDSS", "9HPT"}:
        return ("Disability or hand use getting worse", f"had their disability or hand use get worse{cw}")
    if d.scale == "MSFC":
        return ("Score on a combined test of walking, hand use and thinking", "had a lower combined test score")
    if d.scale == "composite" and "T25FW" in parts:
        return (f"Disability, walking or hand use getting worse{lasting}", f"had their disability, walking or hand use get worse{cw}")
    if d.scale == "T25FW" and d.analysis == "change_from_baseline":
        return ("Average change in walk time", "walked slower on average")
    if d.scale == "T25FW":
        pct = f"{d.threshold_pct:g}% " if d.threshold_pct else ""
        return (f"Walking getting {pct}slower{lasting}", f"walked at least {pct}slower{cw}")
    if d.scale == "EDSS" and ep.measures == "improvement":
        return (f"Disability getting better{lasting}", f"had their disability get better{cw}")
    if d.scale == "EDSS":
        return (f"Disability getting worse{lasting}", f"had their disability get worse{cw}")
    if d.scale == "9HPT":
        return ("Hand use getting worse", f"had their hand use get worse{cw}")
    return ("Getting worse", f"got worse{cw}")


def _n(x: float) -> str:
    return fmt.fixed(x, 1).rstrip("0").rstrip(".")


def span(weeks: float, bound: str = "") -> str:
    """"120 weeks (about 2.3 years)"; with `bound`, "at least 120 weeks (about 2.3 years)"."""
    return f"{bound + ' ' if bound else ''}{weeks:g} weeks (about {_n(weeks / 52.18)} years)"


def time_span(o: Any) -> str:
    """"over 96 weeks (about 1.8 years)", or "followed for at least 120 weeks (...)" when the follow-up differed."""
    bound = getattr(o, "weeks_bound", "")
    return f"{'followed for' if bound else 'over'} {span(o.weeks, bound)}"


def period_words(basis: str, weeks: float, bound: str = "") -> str:
    """When a risk was counted, in words: "by week 96" (at a week), or "during the trial (at least 120 weeks)"
    (over a trial period whose follow-up differed between people)."""
    if basis == PERIOD:
        return f"during the trial ({bound + ' ' if bound else ''}{weeks:g} weeks)"
    if basis == KM:
        return f"by week {weeks:g}"
    return f"at week {weeks:g}"


def outcome_sentences(o: Any) -> list[str]:
    """What 100 people means for one outcome, the time span in the sentence, certainty in words."""
    c = o.counts
    s = [f"Think of 100 people like those in the {o.trial_name} trial, followed for "
         f"{span(o.weeks, getattr(o, 'weeks_bound', ''))}."]
    if o.comparator_kind == "placebo":
        s.append(f"Without {o.treatment} ({o.placebo_words}), **{c.without} of 100** {o.event}.")
    else:
        s.append(f"Nobody in this trial went without treatment. Instead of {o.treatment}, people took {o.comparator}, "
                 f"another MS medicine. On {o.comparator}, **{c.without} of 100** {o.event}.")
    s.append(f"With {o.treatment}, **{c.with_} of 100** did.")
    if c.spared:
        _, worse, spared = o.group_words
        s.append(f"So about **{c.spared} in 100** were {spared} {o.treatment}. {c.worse_either} {worse}, "
                 f"and {c.fine} were fine either way.")
    elif c.harmed:
        s.append(f"So about **{c.harmed} in 100** more had this with {o.treatment}.")
    else:
        s.append("There is no difference you could see in 100 people.")
    if o.provider == "ocrelizumab trials" and not getattr(o, "from_answer", True):
        s.append("This result is not in our main summary of the trial. Its numbers are read straight from the "
                 "trial report.")
    s.append(certainty_sentence(o))
    s += list(o.fit.notes)
    return s


def certainty_sentence(o: Any) -> str:
    """"How sure are we?": the rated certainty in plain words, what it means, and the plain reasons that lowered
    it (:mod:`msevidence.presentation.plain_certainty`)."""
    level = getattr(o, "grade_certainty", None)
    text = f"**How sure are we?** {o.certainty[:1].upper()}{o.certainty[1:]}: {meaning(level)}."
    if o.certainty_reasons:
        reasons = [r[:1].upper() + r[1:] for r in o.certainty_reasons]
        text += " Why not surer? " + ". ".join(reasons) + "."
    return text


def walk_sentences(w: Any) -> list[str]:
    s = [f"You walk 25 feet in **{fmt.fixed(w.t25fw_s, 1)} seconds**.",
         f"If your walking got 20% slower, it would take **{fmt.fixed(w.worse20_s, 1)} seconds**: {fmt.fixed(w.extra_s, 1)} seconds "
         "more. The trials call that walking getting worse.",
         "But your time changes from one visit to the next, even when your walking has not changed. In studies, "
         f"walking speed varied by about {_n(w.variability_low_pct)}% to {_n(w.variability_pct)}% between visits "
         f"({w.variability_citation}). Even two walks on the same day differed by about "
         f"{_n(w.within_low_pct)}% to {_n(w.within_high_pct)}%.",
         f"So for you, a time anywhere from **{fmt.fixed(w.band_low_s, 1)} to {fmt.fixed(w.band_high_s, 1)} seconds** on another day "
         "could be ordinary variation. One slow walk may be noise. That is why trials count a change only when it "
         "is still there at the next visit.",
         (f"A 20% slower walk ({fmt.fixed(w.worse20_s, 1)} seconds) is just outside that range. So it is a change worth "
          "checking, but only if it lasts." if w.worse20_s > w.band_high_s else
          f"A 20% slower walk ({fmt.fixed(w.worse20_s, 1)} seconds) is still inside that range. So for one visit it cannot "
          "be told apart from ordinary variation."),
         f"A change of about {_n(w.meaningful_pct)}% in walking speed is one that people with MS notice "
         f"({w.variability_citation.split(' (')[0]})."]
    if w.msoac_median_s is not None:
        if w.t25fw_s <= w.msoac_q1_s:
            where = "faster than most people"
        elif w.t25fw_s <= w.msoac_median_s:
            where = "a little faster than the middle"
        elif w.t25fw_s <= w.msoac_q3_s:
            where = "a little slower than the middle"
        else:
            where = "slower than most people"
        s.append(f"For comparison: at the start of many MS trials, half of the people in the placebo groups took "
                 f"{fmt.fixed(w.msoac_median_s, 1)} seconds or less, and a quarter took more than {fmt.fixed(w.msoac_q3_s, 1)} seconds "
                 f"({w.msoac_citation}). You are {where} in that group.")
    s.append("**Your walk time does not change the numbers above.** No trial here published a risk that depends on "
             "walk time, so we do not make one up.")
    return s


def walk_change_sentences(c: Any, band_high_s: float | None = None) -> list[str]:
    """A trial's average change in walk time, applied to the person's time: a group average, in words."""
    s = [f"In {c.trial_name}, walk times changed on average over {span(c.weeks)}: by {fmt.percent_change(c.pct_without, 0)} without "
         f"Ocrevus and by {fmt.percent_change(c.pct_with, 0)} with it ({c.citation}).",
         f"For your {fmt.fixed(c.t25fw_s, 1)} seconds, that would be about **{fmt.fixed(c.time_without_s, 1)} seconds** without "
         f"Ocrevus and **{fmt.fixed(c.time_with_s, 1)} seconds** with it."]
    if c.pct_without > 0 and c.pct_with > 0:
        s.append("So on average, walking got slower in both groups. These are averages of whole groups: many "
                 "people changed less, and some more.")
    if band_high_s is not None and min(c.time_without_s, c.time_with_s) > band_high_s:
        s.append("Both times are beyond your band of ordinary variation.")
    return s


def no_walk_sentence() -> str:
    return ("You did not give a walk time. With one, this page shows what a 20% slower walk would mean for you, "
            "and which changes are ordinary day-to-day variation.")


def questionnaire_sentences(q: Any, results: tuple = ()) -> list[str]:
    s = [f"Your walking questionnaire score (MSWS-12) is **{fmt.fixed(q.score, 0)} out of 100**. A higher score means more "
         "trouble walking. This is your own view of your walking. It is kept apart from the disability score and "
         "the timed walk.",
         f"A change of **{fmt.fixed(q.important_change, 0)} points** is one that matters to a person ({q.citation}). So a "
         f"later score of {fmt.fixed(q.better_at, 0)} or lower would be a real improvement for you. That figure was worked "
         "out for improvement; it may not be the same for getting worse."]
    if not results:
        s.append("No Ocrevus trial in our evidence reported this questionnaire. So we cannot say how Ocrevus "
                 "changes it.")
    return s


def take_home_rows(answer: Any) -> list[dict[str, str]]:
    """One row per Ocrevus outcome of the trials' main summary, the numbers every page gives (another drug's
    results, and results read straight from a trial report, are shown further down the page, never here)."""
    rows = []
    for o in answer.outcomes:
        if o.treatment != "Ocrevus" or not getattr(o, "from_answer", True):
            continue
        c = o.counts
        bound = getattr(o, "weeks_bound", "")
        rows.append({"What": o.title, "Over": f"{bound + ' ' if bound else ''}{o.weeks:g} weeks",
                     "Out of 100, without Ocrevus": (f"{c.without}" if o.comparator_kind == "placebo"
                                                     else f"{c.without} (on {o.comparator})"),
                     "Out of 100, with Ocrevus": f"{c.with_}", "How sure": o.certainty,
                     "Trial": o.trial_name})
    return rows


def questions_to_ask(answer: Any) -> list[str]:
    q = ["Do these trial results apply to someone like me?",
         "Which of these outcomes matters most to me, and what would count as a good result?",
         "What side effects and risks should I weigh against these numbers? (They are not shown here.)"]
    if answer.walk is not None:
        q.append(f"My walk time is {fmt.fixed(answer.walk.t25fw_s, 1)} seconds. How will we tell a real change from a "
                 "bad day?")
    if answer.person.ms_type == "RMS":
        q.append("The trials compared Ocrevus with another medicine. What would happen with no treatment, or "
                 "with other options?")
    return q


def method_details(answer: Any) -> str:
    """Markdown for the collapsed section: each number's source and the rule that turned it into people."""
    lines = ["Counts out of 100 are the published shares of people, rounded half up to whole people. For an "
             "outcome where a higher share is better (no evidence of progression), the picture shows the other "
             "people: 100 minus the rounded share. The four groups follow Cates plots: worse either way = the "
             "smaller count; spared = without minus with (when positive); harmed = with minus without (when "
             "positive); fine either way = 100 minus the larger count.", ""]
    for o in answer.outcomes:
        how = o.grade_certainty or "not rated"
        lines.append(f"- {o.title}, {o.trial_name}: published {fmt.percent(o.published_without, 1)} ({o.comparator}) "
                     f"and {fmt.percent(o.published_with, 1)} ({o.treatment}) {o.period}"
                     + (" (share free of the outcome)" if o.higher_is_better else "")
                     + f"; rule: {o.rule}; source: {o.citation}. How sure: {how}. Trial limits: {o.fit.limits}.")
    lines += ["", "Where the numbers come from: for Ocrevus, each trial's results are the same as on every other "
                  "page of this site: one way of counting per trial (the share of each group with the outcome at a "
                  "stated week, or over the whole trial), as in our main summary of the evidence (Summary of "
                  "Findings). A result that is not in that summary is read straight from the trial report, and "
                  "says so; it is rated the same way, or 'not rated' when the trial published no comparison of "
                  "the two groups.",
              "", "How sure: the rating of the same result in our main summary of the evidence (high, moderate, "
                  "low or very low), said in plain words: high = quite sure, moderate = fairly sure, low = not "
                  "very sure, very low = very unsure. It starts high for a randomised trial and goes down for "
                  "problems with how the trial was run or reported, for a trial that answers a different question "
                  "(another type of MS, another comparison), for a result that is not exact enough, or for a trial "
                  "that was not registered. For relapsing MS the question is Ocrevus compared with interferon "
                  "beta-1a, the medicine those trials used. For other medicines, the rating of the source they "
                  "come from, or 'not rated'."]
    if answer.walk is not None:
        w = answer.walk
        lines += ["", f"Walk time: {w.rule}. With v = {_n(w.variability_pct)}%: {fmt.fixed(w.t25fw_s, 2)} ÷ "
                      f"{fmt.fixed(1 + w.variability_pct / 100, 3)} = {fmt.fixed(w.band_low_s, 2)} s and {fmt.fixed(w.t25fw_s, 2)} ÷ "
                      f"{fmt.fixed(1 - w.variability_pct / 100, 3)} = {fmt.fixed(w.band_high_s, 2)} s; 20% slower = {fmt.fixed(w.t25fw_s, 2)} × "
                      f"1.2 = {fmt.fixed(w.worse20_s, 2)} s. Source of v: {w.variability_citation} (the abstract calls it the "
                      "average between-visit variability of walking speed)."]
    for c in getattr(answer, "walk_changes", ()):
        lines += ["", f"Average change in walk time, {c.trial_name}, week {c.weeks:g}: published {fmt.percent_change(c.pct_without, 1)} "
                      f"({c.summary}) without and {fmt.percent_change(c.pct_with, 1)} with Ocrevus ({c.citation}); rule: {c.rule}: "
                      f"{fmt.fixed(c.t25fw_s, 2)} × {fmt.fixed(1 + c.pct_without / 100, 3)} = {fmt.fixed(c.time_without_s, 2)} s and "
                      f"{fmt.fixed(c.t25fw_s, 2)} × {fmt.fixed(1 + c.pct_with / 100, 3)} = {fmt.fixed(c.time_with_s, 2)} s."]
    if answer.not_drawn:
        lines += ["", "Not drawn as 100 people:"]
        lines += [f"- {t}: {label} ({why})" for t, label, why in answer.not_drawn]
    return "\n".join(lines)
