"""Confirmation rules (DESIGN.md) on hand-built trajectories."""

import numpy as np
import pytest

from msevidence.data.confirm import confirmed_onsets, edss_worsened, pct_improved, pct_worsened

W = np.arange(0, 13 * 12, 12, dtype=float)[:7]  # weeks 0, 12, ..., 72
NA = np.nan


def _edss(rows, cw=12, rule="censor"):
    edss = np.array(rows, dtype=float)
    return confirmed_onsets(edss, W[: edss.shape[1]], edss_worsened(edss, edss[:, 0]), cw, rule)


def test_edss_threshold_depends_on_baseline_5_5_and_6_0():
    edss = np.array([[5.5, 6.0, 6.5], [6.0, 6.5, 6.5], [5.0, 5.5, 6.0]])
    got = edss_worsened(edss, edss[:, 0])
    # baseline 5.5 needs +1.0; baseline 6.0 needs +0.5; baseline 5.0 needs +1.0
    assert got.tolist() == [[False, False, True], [False, True, True], [False, False, True]]


def test_sustained_progression_confirmed_at_onset():
    t, e = _edss([[4.0, 4.0, 5.0, 5.5, 5.0, 5.0, 5.0]])
    assert (t[0], e[0]) == (24.0, 1)


def test_progression_that_regresses_before_confirmation_is_not_an_event():
    t, e = _edss([[4.0, 5.0, 4.5, 4.0, 4.0, 4.0, 4.0]])
    assert (t[0], e[0]) == (72.0, 0)


def test_regression_then_later_confirmed_onset():
    t, e = _edss([[4.0, 5.0, 4.0, 5.0, 5.0, 4.0, 4.0]])
    assert (t[0], e[0]) == (36.0, 1)


def test_cdp24_needs_every_visit_through_24_weeks():
    rows = [[4.0, 5.0, 5.0, 4.5, 5.0, 5.0, 5.0]]  # confirmed at 12 weeks, broken at 24 weeks
    assert _edss(rows, 12)[1][0] == 1 and _edss(rows, 12)[0][0] == 12
    t24, e24 = _edss(rows, 24)
    assert (t24[0], e24[0]) == (48.0, 1)  # onset week 48 confirmed at week 72


@pytest.mark.parametrize("rule, expected", [("censor", (72.0, 0)), ("event", (72.0, 1))])
def test_progression_at_last_visit_follows_the_rule(rule, expected):
    t, e = _edss([[4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 5.0]], rule=rule)
    assert (t[0], e[0]) == expected


@pytest.mark.parametrize("rule, expected", [("censor", (48.0, 0)), ("event", (36.0, 1))])
def test_unconfirmed_at_dropout_follows_the_rule(rule, expected):
    t, e = _edss([[4.0, 4.0, 4.0, 5.0, 5.0, NA, NA]], cw=24, rule=rule)
    assert (t[0], e[0]) == expected


def test_regressed_onset_at_end_is_not_counted_even_with_event_rule():
    t, e = _edss([[4.0, 4.0, 4.0, 4.0, 5.0, 4.0, NA]], cw=24, rule="event")
    assert (t[0], e[0]) == (60.0, 0)


def test_missing_visit_is_skipped_and_next_visit_confirms():
    # onset week 12, week 24 missing: confirmation at week 36 (first assessed visit >= 12 weeks later)
    t, e = _edss([[4.0, 5.0, NA, 5.0, 4.0, 4.0, 4.0]])
    assert (t[0], e[0]) == (12.0, 1)
    # missing visit does not hide a regression at the confirmation visit
    t, e = _edss([[4.0, 5.0, NA, 4.0, 4.0, 4.0, 4.0]])
    assert (t[0], e[0]) == (72.0, 0)


def test_missing_onset_visit_and_all_missing():
    t, e = _edss([[4.0, NA, 5.0, 5.0, 5.0, 5.0, 5.0], [4.0, NA, NA, NA, NA, NA, NA]])
    assert t.tolist() == [24.0, 0.0] and e.tolist() == [1, 0]


def test_baseline_above_5_5_confirms_half_point():
    t, e = _edss([[6.0, 6.5, 6.5, 6.0, 6.0, 6.0, 6.0], [5.5, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0]])
    assert t.tolist() == [12.0, 72.0] and e.tolist() == [1, 0]


def test_pct_rules_and_timed_test_confirmation():
    t25 = np.array([[10.0, 12.0, 12.5, 11.0], [10.0, 11.9, 13.0, 13.0], [10.0, 8.0, 8.3, 8.4]])
    wors = pct_worsened(t25, t25[:, 0])
    assert wors.tolist() == [[False, True, True, False], [False, False, True, True], [False] * 4]
    assert pct_improved(t25, t25[:, 0]).tolist() == [[False] * 4, [False] * 4, [False, True, True, False]]
    t, e = confirmed_onsets(t25, W[:4], wors, 12, "censor")
    assert t.tolist() == [12.0, 24.0, 36.0] and e.tolist() == [1, 1, 0]


def test_bad_shapes_and_rule_raise():
    with pytest.raises(ValueError, match="patients x visits"):
        confirmed_onsets(np.zeros((2, 3)), W[:2], np.zeros((2, 3), bool), 12)
    with pytest.raises(ValueError, match="unconfirmed_at_end"):
        confirmed_onsets(np.zeros((2, 3)), W[:3], np.zeros((2, 3), bool), 12, "maybe")
