# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
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
trial = "ORATORIO"  # trial id in the evidence store
endpoint = "cdp12_edss"  # endpoint id (e.g. cdp12_edss, cdp24_edss, t25fw20_cp12, ccdp12)
data_source = "synthetic"  # synthetic or reconstructed
seed = 1  # random seed (synthetic data only)
n_per_arm = None  # synthetic patients per arm (None: as randomized)
unconfirmed_progression = None  # event or censor (None: the trial's rule)
tau = None  # RMST horizon in weeks (None: shortest arm's follow-up)
at_week = 120  # week of the absolute effect
distributions = ["exponential", "weibull", "log-normal"]  # parametric models to compare

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import msevidence as mse
from msevidence import answers
from msevidence.presentation.record import record
from msevidence.presentation.tables import show
from msevidence.models.survival import ParametricSurvival, analyze

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
# difference, and the printed against the rebuilt numbers at risk (Guyot et al. 2012). Synthetic data skip this.

# %%
if data.reconstruction is not None:
    data.reconstruction.plot()
    plt.show()
    display(show(data.reconstruction.summary, precision=4))
    display(show(data.reconstruction.cleaning_.to_frame().groupby(["arm", "kind"]).size().rename("changes")
                 .reset_index()))

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
