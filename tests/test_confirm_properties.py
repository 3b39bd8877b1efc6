"""confirmed_onsets against a naive per-patient transcription of DESIGN.md's rule, on random trajectories."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from msevidence.data.confirm import confirmed_onsets, edss_worsened

WEEKS = np.arange(0, 12 * 9, 12, dtype=float)


def naive(weeks, values, base, cw, rule):
    """Drop missing visits, then: first onset still met at every visit through the first visit >= cw later."""
    seen = [(w, v) for w, v in zip(weeks, values, strict=True) if not np.isnan(v)]
    if not seen:
        return 0.0, 0

    def worse(v):
        return v - base >= (1.0 if base <= 5.5 else 0.5)

    for i, (w, v) in enumerate(seen):
        if not worse(v):
            continue
        later = [j for j in range(i + 1, len(seen)) if seen[j][0] >= w + cw]
        stop = later[0] if later else len(seen) - 1
        if all(worse(seen[j][1]) for j in range(i, stop + 1)):
            if later or rule == "event":
                return float(w), 1
            return float(seen[-1][0]), 0  # unconfirmable at the end: censored at the last assessment
    return float(seen[-1][0]), 0


edss_values = st.sampled_from([np.nan, 2.0, 3.0, 3.5, 4.0, 5.0, 5.5, 6.0, 6.5, 7.0])
patients = st.lists(st.lists(edss_values, min_size=len(WEEKS), max_size=len(WEEKS)), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(rows=patients, base=st.sampled_from([3.0, 5.0, 5.5, 6.0]), cw=st.sampled_from([12, 24]),
       rule=st.sampled_from(["censor", "event"]))
def test_matches_naive_rule_with_missing_visits(rows, base, cw, rule):
    vals = np.array(rows, dtype=float)
    vals[:, 0] = base
    t, e = confirmed_onsets(vals, WEEKS, edss_worsened(vals, vals[:, 0]), cw, rule)
    for i, row in enumerate(vals):
        assert (t[i], e[i]) == naive(WEEKS, row, base, cw, rule), (row.tolist(), cw, rule)
