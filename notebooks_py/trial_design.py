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
# # What if the trial had been different?
#
# A trial is one draw from many that could have happened. Here we replay the trial thousands of times on
# **simulated (synthetic) patients**, whose course of disease was calibrated to the trial's published results,
# and ask: how often would a trial like this one have found a difference (its *power*)? What if it had been
# smaller or larger, if the treatment had worked more or less well, if progression had had to be confirmed
# after 24 weeks instead of 12, or if walking speed had been the main endpoint? Every simulated number below
# is synthetic; published numbers come from the evidence store with their source.

# %% tags=["parameters"]
trial: str = "ORATORIO"  # a placebo-controlled trial in the evidence store with calibration targets
endpoint: str = "cdp12_edss"  # main endpoint of the replays
n_trials: int = 2000  # simulated trials per design (a few thousand keeps the run short)
seed: int = 1  # random seed (same seed, same numbers)
sizes: list[int] = [300, 500, 732, 1000]  # patients randomized in all (the trial's allocation ratio is kept)
true_hrs: list[float] = [0.6, 0.7, 0.8, 1.0]  # true hazard ratios of the power curves
what_if: list[str] = ["cdp12_edss", "cdp24_edss", "t25fw20_cp12"]  # main endpoints compared
processes: "Optional[int]" = None  # local worker processes for the power curves (None: all cores)

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import msevidence as mse
from msevidence import formatting as fmt
from msevidence.answers import trial_design as td
from msevidence.presentation.record import record

ev = mse.load_evidence()
t = ev[trial]
drug, comparator = t.treatment.drug, t.control.drug
published = td.published_hr(ev, trial, endpoint)
display(Markdown(f"**Trial:** {t.name}: {drug} against {comparator}. **Data:** SYNTHETIC simulated trials "
                 f"(patients calibrated to the published results of {t.name}), {n_trials:,} per design "
                 f"(seed {seed})."))

# %% [markdown]
# ## How often would the trial have succeeded?
#
# Each line is one possible true effect of the treatment (a hazard ratio of 1 means no effect at all; 0.7 means
# the risk of progression at any moment is 30% lower). The height of a line is the share of simulated trials
# that found a difference (p < 0.05). On the line for "no effect" that share should be about 5%: it is how
# often a trial finds an effect that is not there. The dashed line marks 80% power, a usual target.

# %%
curves = td.power_curves(ev, trial, endpoint, sizes, true_hrs, n_trials, seed, processes=processes)
ax = curves.plot()
plt.show()
table = curves.to_frame()
record("power_grid", table[["n_total", "true_hr", "power", "power_mc_se"]].to_dict("records"))
display(table[["n_total", "true_hr", "power", "power_mc_se", "mean_events"]].rename(columns={
    "n_total": "patients", "true_hr": "true hazard ratio", "power": "power",
    "power_mc_se": "Monte-Carlo SE", "mean_events": "average events per trial"}).round(3))

# %% [markdown]
# ## What if progression had to be confirmed after 24 weeks, or walking speed were the main endpoint?
#
# The same trial, replayed with a different main endpoint. A longer confirmation window counts fewer
# progressions; a walking-speed endpoint counts different events. The true effect in each replay is the one
# the synthetic patients show for that endpoint.

# %%
scenarios, _ = td.what_if_endpoints(ev, trial, what_if, n_trials, seed)
record("what_if", scenarios.to_dict("records"))
display(scenarios)

# %% [markdown]
# ## How much could the estimate have varied?
#
# Replays of the trial as it was run, with the true effect set to the published estimate. The spread of the
# bars shows how far one trial's hazard ratio can land from the truth by chance alone.

# %%
dist = td.sampling_distribution(ev, trial, endpoint, n_trials, seed)
ax = dist.plot(published=published.estimate if published else None)
plt.show()
q = dist.hr_quantiles([0.025, 0.5, 0.975])
record("sampling", {"true_hr": dist.design.true_hr, "quantiles": q.tolist(), "power": dist.power,
                    "coverage": dist.coverage, "published": published.estimate if published else None})
text = (f"In {dist.n_trials:,} simulated trials, 95% of the estimated hazard ratios fell between "
        f"{fmt.interval(q.iloc[0], q.iloc[2])}; {fmt.percent(dist.power, 0)} of the trials found a difference, and "
        f"the 95% confidence interval contained the true value in {fmt.percent(dist.coverage, 0)} of them.")
if published:
    text += f" Published estimate: {fmt.ratio(published.estimate)} ({published.citation})."
display(Markdown(text))
