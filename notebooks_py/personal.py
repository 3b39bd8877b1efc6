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
# # What would Ocrevus mean for me?
#
# Ocrevus is the brand name of **ocrelizumab**, a medicine for multiple sclerosis (MS). This page turns the
# trial results into pictures of 100 people. It uses what you know about yourself: your type of MS, your age,
# your disability score (EDSS) if you know it, and how many seconds you need to walk 25 feet.
#
# The trials cannot say what will happen to you. They show what happened to groups of people like you.

# %% tags=["parameters"]
ms_type: str = "PPMS"  # PPMS, or RMS for relapsing MS
age_band: "Optional[str]" = "40-49"  # under 18, 18-29, 30-39, 40-49, 50-55, 56-65, over 65 (None: not given)
edss: "Optional[float]" = 4.5  # disability score, 0 to 10 in steps of 0.5 (None: not known)
t25fw_s: "Optional[float]" = 7.5  # seconds to walk 25 feet today (None: not given)
msws12: "Optional[float]" = None  # walking questionnaire score, 0 to 100 (None: not given)
example: str = "Example person 2 (made up): primary progressive MS, aged 40-49, EDSS 4.5, walks 25 feet in 7.5 seconds."  # who this page is for
app: bool = True  # show the interactive form (JupyterLab or Voilà; reports pass False)

# %%
from IPython.display import Markdown, display

import msevidence as mse
from msevidence.answers.personal import personal_answer
from msevidence.presentation import personal_page as page
from msevidence.presentation.record import record

answer = personal_answer(ms_type=ms_type, age_band=age_band, edss=edss, t25fw_s=t25fw_s, msws12=msws12)
display(Markdown(f"*{example}*" if example else ""))

# %% [markdown]
# ## Your take-home summary

# %%
page.show("summary", answer)

# %% [markdown]
# ## Out of 100 people: without and with Ocrevus
#
# Each picture shows the same 100 people. The left picture is without Ocrevus, the right one with it.
# A **filled** mark means that person had the outcome. A **hollow** mark means they did not. The shape tells
# the four groups apart: a square for people who got worse either way, a star for people spared by Ocrevus,
# a triangle for people harmed by it, and a circle for people who were fine either way.

# %%
page.show("outcomes", answer)

# %% [markdown]
# ## How much would I notice?

# %%
page.show("walk", answer)

# %% [markdown]
# ## How you feel about your walking

# %%
page.show("questionnaire", answer)

# %%
page.show("questions", answer)

# %% [markdown]
# ## What this page does not show
#
# - Side effects and risks of Ocrevus. Ask your neurologist about them.
# - What happens over more than a few years. The trials were shorter than that.
# - Whether you will get better. Getting worse more slowly is not the same as getting better.

# %%
page.show("method", answer)
display(Markdown(f"msevidence {mse.__version__}. Numbers from the evidence store; each source is named above."))

# %% tags=["remove-lay"]
page.app(personal_answer, ms_type=ms_type, age_band=age_band, edss=edss, t25fw_s=t25fw_s,
         msws12=msws12) if app else None

# %%
record("personal", answer.to_json())
