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
# # Evidence at a glance: what the Ocrevus (ocrelizumab) trials show
#
# The short answer comes first. The published numbers, each with its source, follow.

# %% tags=["parameters"]
evidence_dir: "Optional[str]" = None  # folder of trial YAML files (None: the shipped evidence store)
include_active: bool = True  # also list non-placebo comparisons (labelled "ACTIVE comparator" / "early vs DELAYED")

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
# ## The answer in short
#
# Each trial that compared Ocrevus with a placebo answers two separate questions.

# %%
for trial in ev.placebo_controlled():
    display(Markdown(f"### {trial.name}\n\n" + answers.plain_answer(answers.trial_answer(ev, trial.id), trial)))

# %% [markdown]
# ## The trials
#
# Some trials compared Ocrevus with another drug, not with a placebo. One looked at starting Ocrevus early or
# later. These are marked, and they are never read as a comparison with placebo.

# %%
display(show(answers.evidence_summary(ev)))

# %% [markdown]
# ## Published effects
#
# Each mark is a published result with its 95% confidence interval. Results to the left of the dashed line
# are better with Ocrevus. Bad outcomes, such as getting worse, are in the first chart. Good outcomes, such as
# staying free of any sign of getting worse, are in the second.

# %%
tidy = answers.tidy_evidence(ev, include_active)
ax = forest_plot(tidy, evidence=ev, title="Bad outcomes: fewer is better")
plt.show()
ax = forest_plot(tidy, evidence=ev, which="benefits", title="Good outcomes: more is better")
if ax is not None:
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
# ## Provenance

# %%
display(HTML(details_html("Files, settings and software versions", show(
    answers.provenance(ev, ev.ids, {"evidence_dir": evidence_dir, "include_active": include_active})).to_html())))
record("trials", ev.ids)
record("placebo_trials", [t.id for t in ev.placebo_controlled()])
record("forest_rows", ratio_effects(tidy)[["trial", "endpoint", "statistic", "value"]].to_dict("records"))
record("evidence_sha256", {t: ev.sha256(t) for t in ev.ids})
