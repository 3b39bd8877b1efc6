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
# # Evidence at a glance: ocrelizumab trials, by domain
#
# Every number on this page is read from the evidence store (`evidence/*.yaml`) and shown with its source.
# Disability progression (EDSS) and walking speed (T25FW) are listed separately: they answer different
# questions. Trials that compared ocrelizumab with another drug (an *active* comparator), and the ORATORIO
# open-label extension, which compares starting ocrelizumab early with starting it later (*early vs delayed*),
# are marked as such and are never evidence of benefit over placebo.

# %% tags=["parameters"]
evidence_dir = None  # folder of trial YAML files (None: the shipped evidence store)
include_active = True  # also list non-placebo comparisons (labelled "ACTIVE comparator" / "early vs DELAYED")

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Markdown, display

import msevidence as mse
from msevidence import answers
from msevidence.presentation.record import record
from msevidence.presentation.tables import details_html, show
from msevidence.presentation.figures.evidence import forest_plot, ratio_effects

pd.set_option("display.max_colwidth", None)
ev = mse.load_evidence(evidence_dir)

# %% [markdown]
# ## The trials

# %%
display(show(answers.evidence_summary(ev)))

# %% [markdown]
# ## Published effects by domain
#
# Each square is a published ratio with its 95% confidence interval. Filled squares are placebo-controlled;
# hollow squares are active-controlled trials.

# %%
tidy = answers.tidy_evidence(ev, include_active)
ax = forest_plot(tidy, evidence=ev)
plt.show()

# %% [markdown]
# ## Disability progression (EDSS)

# %%
display(show(answers.published_table(ev, "disability_progression", include_active)))

# %% [markdown]
# ## Walking speed (T25FW)

# %%
display(show(answers.published_table(ev, "walking_speed", include_active)))

# %% [markdown]
# ## What each placebo-controlled trial shows, in plain words

# %%
for trial in ev.placebo_controlled():
    display(Markdown(answers.bottom_line(trial)))

# %% [markdown]
# ## Provenance

# %%
display(HTML(details_html("Files, settings and software versions", show(
    answers.provenance(ev, ev.ids, {"evidence_dir": evidence_dir, "include_active": include_active})).to_html())))
record("trials", ev.ids)
record("placebo_trials", [t.id for t in ev.placebo_controlled()])
record("forest_rows", ratio_effects(tidy)[["trial", "endpoint", "statistic", "value"]].to_dict("records"))
record("evidence_sha256", {t: ev.sha256(t) for t in ev.ids})
