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
# # Does Ocrevus (ocrelizumab) help walking?
#
# This page answers two questions, one at a time. Does walking get slower? Does disability get worse and
# stay worse? The answer comes from the published trial.

# %% tags=["parameters"]
trial: str = "ORATORIO"  # a placebo-controlled trial in the evidence store
seed: int = 1  # random seed of the synthetic reproduction
n_per_arm: "Optional[int]" = None  # synthetic patients per arm (None: as randomized in the trial)
confirmation_weeks: int = 12  # confirmation window of disability progression (12 or 24)
week: int = 120  # week at which walking speed and absolute risks are compared

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Markdown, display

import msevidence as mse
from msevidence import answers
from msevidence.presentation.tables import details, details_html, show

pd.set_option("display.max_colwidth", None)
ev = mse.load_evidence()
report = answers.progression_vs_walking(ev, trial, seed=seed, n_per_arm=n_per_arm,
                                          confirmation_weeks=confirmation_weeks, week=week)
weigh = answers.weighing(ev, trial)

# %% [markdown]
# ## Bottom line

# %%
display(Markdown(report.bottom_line()))
display(show(report.verdicts(), constant_to_caption=False))
display(Markdown(report.synthetic_note()))

# %% [markdown]
# ## Disability progression (EDSS)
#
# Doctors score disability on a scale called the EDSS. "Getting worse" here means a rise on this scale that
# is still there at the next visits. Fewer people getting worse means the disease got worse more slowly. It
# does not mean that anyone got better.

# %%
display(Markdown(report.progression_absolute()))
display(Markdown(report.progression_certainty()))
display(Markdown(report.progression_method()))

# %%
report.progression_figure()
plt.show()

# %% [markdown]
# ### Published and reproduced

# %%
display(show(report.progression_table()))

# %% tags=["remove-lay"]
display(Markdown(report.progression_absolute_derived()))

# %% [markdown]
# ## Walking speed (T25FW)
#
# The 25-foot walk test times how long a person takes to walk 25 feet (about 7.6 m). A longer time means
# slower walking. "Less worsening" means that walking got slower, but more slowly. "Improvement" would mean
# walking faster than at the start.

# %%
display(Markdown(report.walking_plain()))
display(Markdown(report.walking_certainty()))
display(Markdown(report.walking_method()))

# %%
report.walking_figure()
plt.show()

# %% [markdown]
# ### Published and reproduced

# %%
display(show(report.walking_table()))

# %% tags=["remove-lay"]
display(Markdown(report.walking_absolute()))

# %% [markdown]
# ## How the two relate

# %%
display(Markdown(report.relation()))
report.relation_figure()
plt.show()

# %% tags=["remove-lay"]
display(Markdown(report.relation_detail()))

# %% [markdown]
# ## Summary of findings
#
# This is how expert panels weigh the evidence. It shows what happened to 1,000 people like those in the
# trial, with and without treatment. It also shows how sure we can be about each result.

# %%
display(Markdown(weigh.sof_intro()))
display(Markdown(weigh.sof_plain()))
display(show(weigh.sof_table()))
display(Markdown(weigh.sof_footnotes()))
weigh.sof_figure()
plt.show()

# %% [markdown] tags=["remove-lay"]
# ### How probable is a benefit? A sceptical re-reading of the primary result

# %% tags=["remove-lay"]
display(Markdown(weigh.bayes_text()))
display(show(weigh.bayes_table()))
weigh.bayes_figure()
plt.show()

# %% [markdown]
# ## What people say, and what the trials show

# %%
display(Markdown(weigh.claims_intro()))
display(Markdown(weigh.claims_plain()))

# %% tags=["remove-lay"]
display(show(weigh.claims_table()))

# %% [markdown]
# ## What the trials do not show

# %%
display(Markdown(report.limits()))

# %% [markdown]
# ## Provenance
#
# Which evidence files (and their fingerprints), settings and software versions produced this page.

# %%
display(HTML(details_html("Files, settings and software versions", show(report.provenance()).to_html())))

# %% [markdown]
# ### Assumptions behind the synthetic data
#
# Numbers the simulation needs that no publication gives (for example how fast people walked at the start).
# Each is named, explained and changeable in the trial's evidence file; none of them is a published result.

# %%
display(show(report.assumptions()))

# %% tags=["remove-lay"]
display(Markdown(report.assumption_ids()))

# %% [markdown]
# ### How closely the synthetic trials match the published targets

# %%
display(Markdown(report.calibration_summary()))
display(HTML(details_html("How the simulation was checked", show(report.calibration()).to_html())))
_ = report.record()
_ = weigh.record()
