# ---
# jupyter:
#   jupytext:
#     formats: notebooks///ipynb,notebooks_py///py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Time to confirmed progression: one trial, one endpoint
#
# Kaplan-Meier curves, log-rank test, Cox model with a proportional-hazards check, restricted mean survival
# time and absolute effects for one time-to-event endpoint, on patient-level data that are either **synthetic**
# (simulated, calibrated to the published summaries) or **reconstructed** from digitized Kaplan-Meier curves.
# Either way the data are labelled; they are not the trial's own patient data. The published figures are
# shown next to them, with their source.

# %% tags=["parameters"]
trial: str = "ORATORIO"  # trial id in the evidence store
endpoint: str = "cdp12_edss"  # endpoint id (e.g. cdp12_edss, cdp24_edss, t25fw20_cp12, ccdp12)
data_source: str = "synthetic"  # synthetic or reconstructed
seed: int = 1  # random seed (synthetic data only)
n_per_arm: "Optional[int]" = None  # synthetic patients per arm (None: as randomized)
unconfirmed_progression: "Optional[str]" = None  # event or censor (None: the trial's rule)
tau: "Optional[float]" = None  # RMST horizon in weeks (None: shortest arm's follow-up)
at_week: float = 120  # week of the absolute effect
distributions: list[str] = ["exponential", "weibull", "log-normal"]  # parametric models to compare
accuracy_trials: int = 20  # simulated round trips measuring the reconstruction's accuracy (reconstructed data only)

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import msevidence as mse
from msevidence import answers
from msevidence.presentation.record import record
from msevidence.presentation.tables import show
from msevidence.models.survival import ParametricSurvival, analyze
from msevidence.reconstruct.validation import accuracy

pd.set_option("display.max_colwidth", None)
ev = mse.load_evidence()
t = ev[trial]
data = answers.time_to_event_data(ev, trial, endpoint, data_source, seed=seed, n_per_arm=n_per_arm,
                                   unconfirmed_progression=unconfirmed_progression)
events, label = data.events, data.label
res = None if events is None else analyze(events, endpoint, treatment=t.treatment.id, control=t.control.id,
                                          tau=tau, at=at_week, data_provenance=label)
display(Markdown(data.message))

# %% [markdown]
# ## How the patient-level data were reconstructed
#
# Reconstructed data only: the digitized curve against the Kaplan-Meier curve of the rebuilt patients, their
# difference, and the printed against the rebuilt numbers at risk (Guyot et al. 2012). A curve whose last click
# comes before the last printed at-risk time is held at its last value after it (dotted): no events are placed
# there and the patients leaving the risk set are censored. Synthetic data skip this.

# %%
if data.reconstruction is not None:
    data.reconstruction.plot()
    plt.show()
    held = data.reconstruction.quality_.assumption
    display(Markdown(held or "Every arm's curve is clicked to its last at-risk time."))
    display(show(data.reconstruction.summary, precision=4))
    display(show(data.reconstruction.cleaning_.to_frame().groupby(["arm", "kind"]).size().rename("changes")
                 .reset_index()))

# %% [markdown]
# ### How accurate is the reconstruction?
#
# Reconstructed data only: simulated two-arm trials whose patients are known, digitized as published figures
# usually are (the last click before the last printed at-risk time; one trial in four with an arm flat after
# week 40), reconstructed and compared with the truth: the error of the Cox hazard ratio, each trial's largest
# Kaplan-Meier error (every week, both arms), the share of printed numbers at risk reproduced and the events
# placed after the last click. These SYNTHETIC round trips measure the method, not the trial
# (`benchmarks/bench_reconstruct.py` runs more).

# %%
if data.reconstruction is not None:
    acc = accuracy(accuracy_trials, seed=seed)
    display(show(acc.to_frame(), caption=f"{acc.n_trials} SYNTHETIC round trips (seed {seed})"))

# %% [markdown]
# ## Kaplan-Meier estimate

# %%
if res is not None:
    res.plot(cumulative_incidence=True)
    plt.show()

# %% [markdown]
# ## Estimates

# %%
if res is not None:
    display(show(res.to_frame(), precision=3))
    display(show(res.km_at(), precision=3))

# %% [markdown]
# ## Published vs reproduced
#
# Published numbers come from the evidence store (with their source); reproduced ones from the labelled data above.

# %%
if res is not None:
    display(show(answers.comparison_table(t, {endpoint: res}, label, endpoints={endpoint})))

# %% [markdown]
# ## Proportional hazards
#
# The Cox hazard ratio summarizes the effect as constant over time; the scaled Schoenfeld residuals show
# whether that is reasonable.

# %%
if res is not None:
    res.ph_test.plot()
    plt.show()

# %% [markdown]
# ## Parametric models and extrapolation
#
# Solid lines are within follow-up; dashed lines are an extrapolation, which is a model, not an observation.

# %%
if res is not None:
    par = ParametricSurvival(distributions=distributions, data_provenance=label).fit(
        events, t.treatment.id, t.control.id)
    par.plot(km=res.km)
    plt.show()
    display(show(par.summary, precision=3))

# %% [markdown]
# ## Provenance

# %%
display(show(answers.provenance(ev, [trial], {"endpoint": endpoint, "data_source": data_source, "seed": seed,
                                                "n_per_arm": n_per_arm, "tau": tau, "at_week": at_week}, label)))
record("label", label)
if res is not None:
    record("analysis", res.to_json())
