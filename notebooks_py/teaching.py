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
# # Does Ocrevus help me walk? What the trials mean for 100 people
#
# Ocrevus is the brand name of **ocrelizumab**, a medicine for multiple sclerosis (MS). The big trials
# compared it with a **placebo** (a dummy drip with no medicine). This page asks two separate questions:
#
# 1. **Disability getting worse.** Did fewer people have their disability get worse, and stay worse?
# 2. **Walking speed.** How fast could people walk 25 feet (about 7.6 metres)?
#
# The answers are different, so we keep them apart. Every trial number comes from a publication, named
# next to it. Numbers that are not trial results are marked: an **assumption** or **your what-if value**.

# %% tags=["parameters"]
trial: str = "ORATORIO"  # a placebo-controlled trial in the evidence store
control_risk: "Optional[float]" = None  # share who got worse on placebo (None: the published value)
hr: "Optional[float]" = None  # hazard ratio (None: the published value)
baseline_s: "Optional[float]" = None  # seconds to walk 25 feet at the start (None: the named assumption)
sliders: bool = True  # show the interactive sliders (False for printed reports)

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

import msevidence as mse
from msevidence.presentation.record import record
from msevidence import answers
from msevidence import formatting as fmt
from msevidence.answers import teaching_app
from msevidence.answers.teaching import progression_what_if, walking_what_if
from msevidence.presentation import teaching

ev = mse.load_evidence()
prog = progression_what_if(trial, control_risk=control_risk, hr=hr, evidence=ev)
walk = walking_what_if(trial, baseline_s=baseline_s, evidence=ev)
display(Markdown(f"**Trial: {ev[trial].name}.** {ev[trial].title}. {ev[trial].population}."))

# %% [markdown]
# ## Question 1: did fewer people's disability get worse?
#
# Doctors score disability on a scale from 0 to 10 (the EDSS). "Got worse" here means the score went up
# and was still up at the next check-ups, 12 weeks (about three months) later. Each figure below is one person. The colours show
# what happened on placebo and what happened on ocrelizumab.

# %%
teaching.progression_figure(prog)
plt.show()
display(Markdown("\n\n".join(prog["sentences"])))

# %% [markdown]
# ## Question 2: does it help walking?
#
# In the timed 25-foot walk, people walk 25 feet as fast as they safely can. More seconds means slower
# walking. The trial reported how much the time changed, in percent, in each group.

# %%
if walk["reported"]:
    teaching.walking_figure(walk)
    plt.show()
    display(Markdown("\n\n".join(walk["sentences"])))
    display(Markdown(f"*Why {fmt.fixed(walk['baseline_s'])} seconds?* The trial did not publish how fast people walked "
                     f"at the start, so we picked a typical value for people with this kind of MS. In detail: "
                     f"{walk['baseline_rationale']}"
                     if walk["baseline_label"] == teaching.ASSUMED else ""))
else:
    display(Markdown(f"**{walk['message']}**"))

# %% [markdown]
# ## Try it yourself
#
# In the interactive version (JupyterLab, or the web app: run `make app` and open http://localhost:8866),
# sliders below let you pick a trial and one question at a time, and change the numbers: how many people
# get worse on placebo, the hazard ratio, or the starting walking time. The pictures then say
# **your what-if value** next to any number you changed. *Back to published values* puts the trial's
# numbers back. In the printed report there are no sliders.

# %% tags=["remove-lay"]
teaching_app.explorer(ev, trial) if sliders else None

# %% [markdown]
# ## What people say, and what the trials show
#
# People say many things about Ocrevus. Here is what the trials say about each of them. "Support" means the
# trials found it and we are fairly confident; "some evidence" means they found it but the evidence is weak;
# "do not show" means the trials did not find it (which is not the same as finding the opposite); "no evidence
# either way" and "did not study this" mean no trial measured it.

# %%
claims = answers.weighing(ev, trial)
display(Markdown(claims.claims_plain()))

# %% [markdown]
# ## What these numbers do not show
#
# - They are averages over groups of people in a trial. They cannot say what will happen to one person.
# - Getting worse more slowly is not the same as getting better.
# - Getting worse on the disability scale and walking more slowly are related, but they are not the same
#   thing. A medicine can change one more than the other.
# - The trials lasted a few years. They do not show what happens over many more years.
# - Side effects are not shown here. Talk with your neurologist about what this means for you.

# %% [markdown]
# ## Where the numbers come from

# %%
rows = [("People on placebo who got worse", f"{fmt.per(prog['control_risk_published'], 100)} of 100",
         prog["control_risk_citation"]),
        ("Hazard ratio", fmt.ratio(prog["hr_published"]) + ("" if prog["hr_ci_low"] is None else
                                                             f" (95% CI {fmt.interval(prog['hr_ci_low'], prog['hr_ci_high'])})"),
         prog["hr_citation"] if prog["hr_label"] != teaching.DERIVED else f"derived: {prog['hr_formula']}")]
if walk["reported"]:
    rows += [("Change in walking time, placebo", fmt.percent_change(walk["pct_change"]["placebo"]),
              walk["pct_change_citation"]),
             ("Change in walking time, ocrelizumab", fmt.percent_change(walk["pct_change"]["ocrelizumab"]),
              walk["pct_change_citation"]),
             ("Walking time at the start", f"{fmt.fixed(walk['baseline_s'])} s", walk["baseline_label"])]
display(Markdown("| Number | Value | Source |\n|---|---|---|\n"
                 + "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)))
display(Markdown(f"Evidence file of {ev[trial].name}: fingerprint (sha256) `{ev.sha256(trial)[:16]}…`; "
                 f"msevidence {mse.__version__}."))
record("progression", prog)
record("walking", walk)
record("claims", [{"claim": v.claim, "verdict": v.verdict.value} for v in claims.claims])
record("parameters", {"trial": trial, "control_risk": control_risk, "hr": hr, "baseline_s": baseline_s,
                              "sliders": sliders})
