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
# # What changes walking?
#
# Ocrevus is a drug for MS. This page asks a different question: what else can help walking? The answers come
# from other studies, kept apart from the Ocrevus trials.

# %% tags=["parameters"]
outcome_scale: "Optional[str]" = None  # one outcome scale, e.g. "6MWT", "T25FW", "MSWS-12", "falls_rate" (None: all)
population: "Optional[str]" = None  # one MS type: "relapsing", "progressive", "mixed", "not_stated" (None: all)

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Markdown, display

from msevidence.answers.walking_interventions import SCALE_NAMES, what_changes_walking
from msevidence.presentation.record import record
from msevidence.presentation.tables import details, details_html, show

pd.set_option("display.max_colwidth", None)
answer = what_changes_walking(outcome_scale=outcome_scale, population=population)

# %%
display(Markdown(answer.bottom_line()))

# %% [markdown]
# ## In short, by kind of help

# %%
display(Markdown(answer.lay_summaries()))
display(Markdown(answer.who()))

# %% [markdown]
# ## One picture per way of measuring walking
#
# Each picture shows one kind of test, in its own units. Pictures are never merged: a result in seconds, a
# result in metres and a share of people cannot be put on one line. Each row says what was tried, what it was
# compared with, and what kind of study it was. Where Ocrevus has its own result on the same test, it is shown
# in a separate picture.

# %%
for scale in answer.scales():
    display(Markdown(f"### {SCALE_NAMES[scale]}"))
    for panel in answer.panels_for(scale):
        panel.plot(lay=True)
        plt.show()
    if scale in answer.ocrelizumab:
        answer.plot_ocrelizumab(scale, lay=True)
        plt.show()

# %% [markdown]
# ## Every result, with its source

# %%
display(show(answer.table(lay=True), constant_to_caption=False))

# %% [markdown]
# ## What people say, and what the evidence shows

# %%
display(show(answer.claims_table(), constant_to_caption=False))
display(Markdown(details("How this was decided", answer.method_notes())))

# %% tags=["remove-lay"]
display(HTML(details_html("Analyst table: statistic, units, the source's certainty, locator, what was read",
                          show(answer.table(lay=False), constant_to_caption=False).to_html())))
record("scales", answer.scales())
record("panels", [p.title for p in answer.panels])
record("claims", {c.id: c.verdict for c in answer.claims})
