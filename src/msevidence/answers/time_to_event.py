"""Patient-level data behind the time-to-progression and walking notebooks: synthetic or reconstructed, labelled."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from msevidence.answers.reproduce import ReproducedTrial, n_per_arm_of, reproduce
from msevidence.evidence import EvidenceSet
from msevidence.judgement.published import walking_endpoints


def events_for(ev: EvidenceSet, trial: str, endpoint: str, data_source: str = "synthetic", seed: int = 1,
               n_per_arm: int | None = None, unconfirmed_progression: str | None = None) -> tuple[pd.DataFrame, str]:
    """Patient-level events for one endpoint and the label that must accompany them.

    `data_source` is "synthetic" (simulated, calibrated to the published summaries) or "reconstructed"
    (from digitized Kaplan-Meier curves, Guyot et al. 2012).
    """
    t = ev[trial]
    if data_source == "synthetic":
        from msevidence.synthetic import simulate_trial

        syn = simulate_trial(t, seed=seed, n_per_arm=n_per_arm_of(t, n_per_arm), evidence=ev,
                             unconfirmed_progression=unconfirmed_progression)
        events = syn.events[syn.events["endpoint"] == endpoint]
        if events.empty:
            raise ValueError(f"synthetic {t.id} has no endpoint {endpoint!r} "
                             f"(has: {', '.join(sorted(syn.events['endpoint'].unique()))})")
        return events.reset_index(drop=True), syn.label
    if data_source == "reconstructed":
        from msevidence.reconstruct import reconstruct_trial

        rec = reconstruct_trial(t, endpoint, evidence=ev)
        return rec.events_, rec.label_
    raise ValueError(f"data_source must be 'synthetic' or 'reconstructed', not {data_source!r}")


def reconstruction_for(ev: EvidenceSet, trial: str, endpoint: str):
    """(fitted KMReconstruction or None, a sentence for the reader): what the reconstructed path can show.

    None with a plain explanation when the trial has no digitized curve for the endpoint; the sentence says
    plainly when the curve is a SYNTHETIC example rather than a published figure.
    """
    from msevidence.reconstruct.trial import curves_for, no_curve_message, reconstruct_trial

    t = ev[trial]
    curves = curves_for(t, endpoint)
    if not curves:
        return None, no_curve_message(t, endpoint)
    rec = reconstruct_trial(t, endpoint, evidence=ev)
    if all(c.example for c in curves):
        what = ("**This curve is an example, not a published figure**: it was made from SYNTHETIC (simulated) "
                f"{t.name} data and clicked as a digitizer would, because no published {t.name} Kaplan-Meier curve "
                "has been digitized yet. Everything below shows how the method works, not what the trial found.")
    else:
        what = f"The curve was digitized from a published {t.name} figure (see the evidence file's `curves:`)."
    return rec, f"**Data:** {rec.label_}. {what}"


@dataclass(frozen=True)
class TimeToEventData:
    """Events for one endpoint (None when there are none to analyse), their label, a sentence for the reader,
    and the reconstruction behind them (reconstructed data only)."""

    events: pd.DataFrame | None
    label: str | None
    message: str
    reconstruction: object | None = None


def time_to_event_data(ev: EvidenceSet, trial: str, endpoint: str, data_source: str = "synthetic", seed: int = 1,
                       n_per_arm: int | None = None, unconfirmed_progression: str | None = None) -> TimeToEventData:
    """What the time-to-progression notebook analyses: synthetic events, or reconstructed ones when the trial
    has a digitized curve (otherwise no events and a plain sentence saying why)."""
    if data_source == "reconstructed":
        rec, message = reconstruction_for(ev, trial, endpoint)
        if rec is None:
            return TimeToEventData(None, None, message)
        return TimeToEventData(rec.events_, rec.label_, message + f" **Endpoint:** `{endpoint}`.", rec)
    events, label = events_for(ev, trial, endpoint, data_source, seed=seed, n_per_arm=n_per_arm,
                               unconfirmed_progression=unconfirmed_progression)
    return TimeToEventData(events, label, f"**Data:** {label}. **Endpoint:** `{endpoint}`.")


def walking_reproduction(ev: EvidenceSet, trial: str, seed: int = 1, n_per_arm: int | None = None,
                         week: float = 120, unconfirmed_at_end: str = "censor") -> ReproducedTrial:
    """The labelled synthetic reproduction of `trial` (:func:`msevidence.answers.reproduce.reproduce`; its
    ``walking`` is the walking summary) for the walking page; refuses trials with no T25FW result. Pass it to
    :func:`msevidence.answers.trial_answer` for the page's answer."""
    t = ev[trial]
    if not walking_endpoints(t):
        raise ValueError(f"{t.id} reports no walking speed (T25FW) result: there is nothing to reproduce, "
                         "and simulating walking would invent it")
    return reproduce(ev, t, seed, n_per_arm, week=week, unconfirmed_at_end=unconfirmed_at_end)
