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
# # Walking speed (Timed 25-Foot Walk)
#
# Walking speed only: the time to walk 25 feet, its percent change from baseline, confirmed 20% slower or
# faster walking, and a mixed model on log walk time. Disability progression on the EDSS is a different
# outcome and is reported elsewhere. The bottom line is the published result, from the trial's answer
# (computed once, with its sources). Reproduced numbers come from a synthetic trial: an illustration, labelled
# so, with a word wherever it misses a published number.

# %% tags=["parameters"]
trial: str = "ORATORIO"  # a trial whose evidence includes a T25FW result
seed: int = 1  # random seed of the synthetic trial
n_per_arm: "Optional[int]" = None  # synthetic patients per arm (None: as randomized)
week: int = 120  # week of comparison
unconfirmed_at_end: str = "censor"  # an initial 20% worsening not confirmable at the end: censor or event

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import msevidence as mse
from msevidence import answers
from msevidence.presentation.record import record
from msevidence.presentation.tables import show
from msevidence.presentation.figures.walking import plot_discordance, plot_trajectories, plot_week_distribution

pd.set_option("display.max_colwidth", None)
ev = mse.load_evidence()
t = ev[trial]
reproduction = answers.walking_reproduction(ev, trial, seed=seed, n_per_arm=n_per_arm, week=week,
                                            unconfirmed_at_end=unconfirmed_at_end)
answer = answers.trial_answer(ev, trial, reproduction=reproduction)
walk = reproduction.walking

# %% [markdown]
# ## What was published: the bottom line

# %%
display(Markdown(answer.domain("walking_speed").sentence))

# %% [markdown]
# ## The synthetic reproduction: an illustration, not the result
#
# One synthetic trial, simulated from the published summaries. Whether it matches the published numbers it
# was tuned to is said in words below; its own numbers are in the table after the figures.

# %%
display(Markdown(f"**{answer.reproduction.label}.** {answer.reproduction.note}"))

# %% [markdown]
# ## Walk time over time

# %%
plot_trajectories(walk)
plt.show()
plot_week_distribution(walk)
plt.show()

# %% [markdown]
# ## Published vs reproduced

# %%
display(show(answer.comparison_frame("walking_speed")))
display(show(walk.to_frame(), precision=3))

# %% [markdown]
# ## Walking and EDSS progression do not coincide

# %%
plot_discordance(walk)
plt.show()
display(show(walk.discordance_frame(), precision=3))

# %% [markdown]
# ## Provenance

# %%
display(show(answers.provenance(ev, [trial], {"seed": seed, "n_per_arm": n_per_arm, "week": week,
                                           "unconfirmed_at_end": unconfirmed_at_end}, walk.data_provenance)))
record("label", walk.data_provenance)
record("verdict", answer.domain("walking_speed").verdict)
record("reproduction", answer.to_json()["reproduction"])
record("walking", walk.to_json())
