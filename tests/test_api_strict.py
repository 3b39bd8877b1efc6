"""The Python API refuses ambiguous input with one-line errors, has readable reprs and lists its public names."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

import msevidence as mse
from msevidence.errors import InputError, MsEvidenceError, NotEstimableError
from msevidence.models.survival import CoxPH, KaplanMeier

matplotlib.use("Agg")


def _events(endpoints=("cdp12_edss", "cdp24_edss"), n=30, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for ep in endpoints:
        for arm, scale in (("OCR", 200.0), ("PBO", 120.0)):
            t = np.ceil(rng.exponential(scale, n))
            rows.append(pd.DataFrame({"patient_id": [f"{arm}{i}" for i in range(n)], "arm": arm, "endpoint": ep,
                                      "time_weeks": np.minimum(t, 150.0), "event": (t <= 150).astype(int)}))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("fit", [lambda ev, **kw: KaplanMeier().fit(ev, **kw),
                                 lambda ev, **kw: CoxPH().fit(ev, "OCR", "PBO", **kw)], ids=["km", "cox"])
def test_several_endpoints_and_none_chosen_is_refused_not_pooled(fit):
    ev = _events()
    with pytest.raises(InputError) as err:
        fit(ev)
    msg = str(err.value)
    assert "\n" not in msg and "2 endpoints" in msg and "cdp12_edss, cdp24_edss" in msg and "endpoint=" in msg
    with pytest.raises(InputError, match="unknown endpoint 'cdp99'"):
        fit(ev, endpoint="cdp99")


def test_choosing_an_endpoint_fits_its_rows_only():
    ev = _events()
    one = ev[ev["endpoint"] == "cdp24_edss"]
    km = KaplanMeier().fit(ev, endpoint="cdp24_edss")
    assert {a: len(x) for a, x in km.data_.items()} == {"OCR": 30, "PBO": 30}
    pd.testing.assert_frame_equal(km.summary, KaplanMeier().fit(one).summary)
    assert CoxPH().fit(ev, "OCR", "PBO", endpoint="cdp24_edss").result_.hr == CoxPH().fit(one, "OCR", "PBO").result_.hr
    single = _events(endpoints=("cdp12_edss",))
    assert KaplanMeier().fit(single).arms == ["OCR", "PBO"]  # one endpoint in the table: no choice to make


@pytest.mark.parametrize("fit", [lambda ev: CoxPH().fit(ev, "OCR", "PLACEBO", endpoint="cdp12_edss"),
                                 lambda ev: KaplanMeier().fit(ev, arms=["OCR", "PLACEBO"], endpoint="cdp12_edss")],
                         ids=["cox", "km"])
def test_an_unknown_arm_is_named_with_the_arms_available(fit):
    with pytest.raises(InputError) as err:
        fit(_events())
    assert "'PLACEBO'" in str(err.value) and "arms are OCR, PBO" in str(err.value)
    assert "not estimable" not in str(err.value)


def test_plotting_a_test_that_is_not_estimable_says_why():
    ev = pd.DataFrame({"arm": ["OCR"] * 3 + ["PBO"] * 3, "time_weeks": [10, 20, 30] * 2,
                       "event": [0, 0, 0, 1, 1, 1]})
    ph = CoxPH().fit(ev, "OCR", "PBO").ph_test()
    assert not ph.estimable
    with pytest.raises(NotEstimableError, match="not estimable"):
        ph.plot()
    cox = CoxPH().fit(ev, "OCR", "PBO")  # every event in one arm: no finite hazard ratio either
    assert not cox.result_.estimable
    with pytest.raises(NotEstimableError, match="hazard ratio is not estimable"):
        cox.plot()
    assert issubclass(NotEstimableError, MsEvidenceError)


def test_km_repr_says_median_not_reached_instead_of_nan():
    ev = pd.DataFrame({"arm": ["OCR"] * 4 + ["PBO"] * 4, "time_weeks": [12, 24, 36, 48] * 2,
                       "event": [1, 0, 0, 0, 1, 1, 0, 1]})
    text = repr(KaplanMeier().fit(ev))
    assert "nan" not in text.lower()
    assert "OCR: n=4, events=1, median not reached" in text and "PBO: n=4, events=3, median=36" in text


def test_dir_and_all_list_the_lazily_loaded_api():
    names = dir(mse)
    for name in ("load_evidence", "analyze", "simulate_trial", "summarize_walking", "KaplanMeier", "CoxPH",
                 "read_events", "__version__"):
        assert name in names and name in mse.__all__
    for name in mse.__all__:  # every listed name resolves
        assert getattr(mse, name) is not None
    with pytest.raises(AttributeError):
        mse.no_such_name  # noqa: B018


def test_version_comes_from_the_installed_metadata():
    from importlib.metadata import version

    assert mse.__version__ == version("msevidence")
