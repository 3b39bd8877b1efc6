"""How sure we can be, in plain words for patients: the Summary of Findings' certainty said without jargon.

The certainty itself is never decided here: it is the level the Summary of Findings gives a result
(:mod:`msevidence.judgement.grade`: high, moderate, low or very low) and the reasons that lowered it. This module
only says them in words a patient reads, one phrase per level (:func:`plain_level`, :func:`meaning`) and one short
sentence per reason (:func:`plain_reasons`). A result nobody rated is said to be "not rated" (:data:`NOT_RATED`).

>>> plain_level("moderate")
'fairly sure'
>>> plain_reasons(("risk of bias (serious): a post hoc analysis (not prespecified)",))
('this result was looked at after the trial ended, not planned at the start',)
"""

from __future__ import annotations

from collections.abc import Sequence

#: Level (as the Summary of Findings writes it) -> plain phrase ("How sure are we? Fairly sure.").
PLAIN_LEVELS = {"high": "quite sure", "moderate": "fairly sure", "low": "not very sure", "very low": "very unsure"}
#: Level -> what it means, as one short clause.
MEANINGS = {"high": "more research is very unlikely to change this result",
            "moderate": "the true effect is probably close to this, but it could be different",
            "low": "the true effect may be quite different",
            "very low": "the true effect is likely to be quite different"}
NOT_RATED = "not rated"
NOT_RATED_MEANING = "nobody has rated how sure we can be about this result"

# Reasons: (domain, words found in the rating's reason) -> plain reason; the first match of each part wins. The
# reasons are written by msevidence.judgement.grade, so the words matched here are the ones it writes.
_PARTS = {
    "risk of bias": (
        ("open-label", "some people in the trial knew which treatment they were getting"),
        ("post hoc", "this result was looked at after the trial ended, not planned at the start"),
        ("last observation", "missing results were filled in with each person's last result"),
        ("congress abstract", "the numbers come only from a short conference summary, not a full paper"),
    ),
    "inconsistency": (("", "the results of different trials did not agree well"),),
    "indirectness": (
        ("population", "the people in the trial had a different type of MS from the one asked about"),
        ("comparator: placebo", "the trial compared Ocrevus with a dummy drip, not with another medicine"),
        ("comparator: delayed", "the trial compared starting Ocrevus early with starting it later"),
        ("comparator", "the trial compared Ocrevus with another MS medicine, not with no treatment"),
        ("outcome", "the trial measured something a little different from the question"),
    ),
    "imprecision": (
        ("neither", "the trial did not publish how exact its result is"),
        ("only a p value", "the trial did not publish how exact its result is"),
        ("includes no effect", "the result fits with Ocrevus making no difference at all"),
        ("optimal information size", "the trial was not big enough to be sure how large the effect is"),
        ("", "the result is not exact enough to be sure how large the effect is"),
    ),
    "publication bias": (("", "the trial was not listed in a public register before it started, so results may "
                              "be missing"),),
}


def plain_level(level: str | None) -> str:
    """The level in plain words ("fairly sure"); :data:`NOT_RATED` when there is none."""
    if level is None:
        return NOT_RATED
    return PLAIN_LEVELS[level.replace("_", " ")]


def meaning(level: str | None) -> str:
    """What the level means, as one short clause."""
    if level is None:
        return NOT_RATED_MEANING
    return MEANINGS[level.replace("_", " ")]


def plain_reasons(reasons: Sequence[str]) -> tuple[str, ...]:
    """Each reason that lowered the rating (``"imprecision (serious): ..."``), in plain words, without repeats.

    A reason of a kind not known here is said generally ("there are other reasons to be careful"), never as it
    was written."""
    out: list[str] = []
    for reason in reasons:
        domain, _, text = reason.partition(" (")
        detail = text.partition("): ")[2]
        rules = _PARTS.get(domain)
        if rules is None:
            out.append("there are other reasons to be careful with this result")
            continue
        for part in detail.split("; ") if domain in ("risk of bias", "indirectness") else [detail]:
            said = next((words for key, words in rules if key in part), None)
            if said is not None:
                out.append(said)
    return tuple(dict.fromkeys(out))


__all__ = ["MEANINGS", "NOT_RATED", "PLAIN_LEVELS", "meaning", "plain_level", "plain_reasons"]
