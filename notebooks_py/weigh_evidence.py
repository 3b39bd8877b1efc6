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
# # Weighing the evidence: Summary of Findings, a Bayesian re-reading, guarded pooling and claims
#
# For analysts. Published numbers come from the evidence store with their source; everything computed here
# (absolute effects, posterior probabilities, pooled estimates) is *derived* and labelled so. In JupyterLab
# the controls under each figure redraw it; in the rendered report the figures are static.

# %% tags=["parameters"]
trial: str = "ORATORIO"  # trial id in the evidence store
endpoint: str = "cdp12_edss"  # endpoint to re-read (a published ratio with a CI or a p value)
threshold: float = 0.8  # clinically important ratio (below 1): P(important benefit), GRADE imprecision; never the prior
question: str = "ppms_vs_placebo"  # question certainty is rated against: ppms_vs_placebo or rms_vs_interferon
prior: str = "sceptical"  # sceptical, neutral, enthusiastic, pessimistic, or "MEAN,SD" of the log ratio
method: str = "dl"  # pooling method: fixed, dl or reml
estimates_csv: "Optional[str]" = None  # optional CSV of your own estimates: study, estimate, ci_low, ci_high (ratio scale)

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import msevidence as mse
from msevidence import answers
from msevidence.judgement.bayes import across_priors, reanalyze
from msevidence.judgement.grade import QUESTIONS
from msevidence.judgement.sof import summary_of_findings
from msevidence.presentation import weighing_widgets
from msevidence.presentation.record import record
from msevidence.presentation.tables import show

pd.set_option("display.max_colwidth", None)
ev = mse.load_evidence()
weigh = answers.weighing(ev, trial, threshold)
bayes = reanalyze(ev[trial], endpoint, prior, threshold)

# %% [markdown]
# ## Bayesian re-reading of a published ratio
#
# Normal approximation on the log scale (SE from the 95% CI, or from the p value when no CI was published),
# updated with a normal prior (definitions in `msevidence.judgement.bayes`).

# %%
display(Markdown(f"**{bayes.likelihood_.label}** ({bayes.likelihood_.citation}); {bayes.likelihood_.note}."))
display(Markdown(bayes.sentence()))
bayes.plot()
plt.show()
display(show(across_priors(bayes.likelihood_, threshold), precision=3))

# %% tags=["remove-lay"]
weighing_widgets.bayes_explorer(ev, trial, endpoint, prior, threshold)

# %% [markdown]
# ## Summary of Findings (every trial in the store)
#
# Certainty by GRADE domain (`msevidence.judgement.grade`), judged against the question in the parameters:
# risk of bias from fields of the evidence (blinding of the period, post hoc, handling of missing data, congress
# abstract only), inconsistency (not judged for one trial, never downgraded for being single), indirectness of
# population, comparator and outcome, imprecision against the threshold and the optimal information size, and
# publication bias.

# %%
sof = summary_of_findings(ev, question=QUESTIONS[question], threshold=threshold)
display(show(sof.display_frame(analyst=True)))
display(show(answers.domain_table(sof)))
display(Markdown("\n\n".join(sof.footnotes)))
sof.plot()
plt.show()

# %% tags=["remove-lay"]
weighing_widgets.sof_explorer(ev)

# %% [markdown]
# ## Pooling, only like with like
#
# Fixed effect, DerSimonian–Laird (tau² truncated at 0) or REML on the log scale. Estimates are pooled only
# when their endpoint definitions and comparators match; otherwise the reason is given in one sentence.

# %%
pools = answers.pooling_examples(ev, method, estimates_csv)
for title, fit in pools.pooled.items():
    display(Markdown(f"**{title}** — {fit.heterogeneity_text()}"))
    display(show(fit.to_frame(), precision=3))
    fit.plot()
    plt.show()
display(Markdown(pools.refusals_markdown()))

# %% [markdown]
# ## What people say, and what the evidence shows
#
# One verdict per statement from a fixed vocabulary (supported, some evidence, not shown, contradicted, no
# evidence either way, outside the trial evidence), with the GRADE certainty of the deciding results.

# %%
display(Markdown(weigh.claims_intro()))
display(show(weigh.claims_table()))

# %%
record("parameters", {"trial": trial, "endpoint": endpoint, "threshold": threshold, "prior": prior,
                      "method": method, "estimates_csv": estimates_csv, "question": question})
record("bayes", bayes.to_json())
record("pooled", {k: v.to_json() for k, v in pools.pooled.items()})
record("refusals", pools.refusals)
record("claims", weigh.claims.to_json())
record("sof", sof.to_json()["rows"])
