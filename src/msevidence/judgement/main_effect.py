"""The main effect of an endpoint: ONE rule, used by every verdict, table, Summary of Findings and page.

An endpoint may publish several between-group effects (a hazard ratio and the relative reduction read from
it, a risk ratio, a risk difference ...). The main effect is the first present in :data:`PREFERENCE` (ratios
with an interval first: they carry the most information), preferring, among effects of the same statistic,
one with a published confidence interval. Nothing downstream picks an effect another way.
"""

from __future__ import annotations

from msevidence.evidence.schema import Effect, Endpoint

PREFERENCE = ("ratio_of_geometric_means", "hazard_ratio", "rate_ratio", "risk_ratio", "odds_ratio", "risk_difference",
              "relative_reduction", "mean_difference", "time_difference_years")


def main_effect(ep: Endpoint | None) -> Effect | None:
    """The endpoint's main between-group effect (see module docstring), or None when it publishes none."""
    if ep is None or not ep.effects:
        return None
    rank = {s: i for i, s in enumerate(PREFERENCE)}
    return min(ep.effects, key=lambda e: (rank.get(e.statistic, len(rank)), e.ci_low is None))
