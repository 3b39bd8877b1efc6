"""How every number is written for a reader: effects, intervals, p-values, percentages, risks per 100 or
1,000, and the number needed to treat. The one place numbers become text (pages, notebooks, the CLI).

It sits in the base layer so that every layer that writes a sentence (judgement, presentation, answers, cli)
uses the same rules: ratios with two decimals, percentages with at most one, p-values with at most three,
people as whole people, and "not estimable" (never NaN or an infinite bound) where a number cannot be given.

>>> ratio(0.8312), interval(0.6231, 0.9987), p_value(0.0271), p_value(0.0004, "<")
('0.83', '0.62 to 1.00', 'p = 0.027', 'p < 0.001')
>>> percent(0.2504), percent(0.2504, 0), per(0.3401, 1000), per(0.3401, 100)
('25.0%', '25%', '340', '34')
>>> nnt(0.34, 0.27), nnt(0.34, 0.27, crosses_no_effect=True), nnt(0.3, 0.3)
('15', 'not estimable', 'not estimable')
>>> per_difference(-0.0686), per_difference(0.012, 100), percent_interval(0.2213, 0.3048)
('−69', '+1', '22.1% to 30.5%')
>>> per(0.105, 100), per(0.0125, 1000), per_difference(-0.105, 100)  # half up on the number as written
('11', '13', '−11')
>>> fixed(110.534), fixed(-0.0412, 2, signed=True), fixed(None), probability(0.9731), probability(0.0004)
('110.5', '−0.04', '—', '97%', 'less than 1%')
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

NOT_ESTIMABLE = "not estimable"
MINUS = "−"


def _finite(x: float | None) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def ratio(value: float | None, digits: int = 2) -> str:
    """A ratio (hazard, risk, rate, odds, walk-time): two decimals; "—" when missing."""
    return f"{value:.{digits}f}" if _finite(value) else "—"


def interval(low: float | None, high: float | None, digits: int = 2) -> str:
    """A 95% interval "0.62 to 1.00"; "not published" when either end is missing."""
    if not (_finite(low) and _finite(high)):
        return "not published"
    return f"{low:.{digits}f} to {high:.{digits}f}".replace("-", MINUS)


def p_value(p: float | None, relation: str | None = "=") -> str:
    """'p = 0.027', 'p < 0.001' (at most three decimals; a p below 0.001 is written '< 0.001')."""
    if not _finite(p):
        return "p not published"
    rel = relation or "="
    if p < 0.001:
        return "p < 0.001"
    text = f"{p:.3f}" if p < 0.01 else f"{p:.2g}" if p < 0.1 else f"{p:.2f}"
    return f"p {rel} {text}"


def percent(fraction: float | None, digits: int = 1) -> str:
    """A proportion as a percentage: 0.2504 -> '25.0%' (never '-0%'); 'n/a' when missing."""
    if not _finite(fraction):
        return "n/a"
    v = 100 * fraction
    return f"{0.0 if round(v, digits) == 0 else v:.{digits}f}%"


def percent_change(value: float | None, digits: int = 1) -> str:
    """A change already in percent: 12.5 -> '+12.5%'."""
    return f"{value:+.{digits}f}%".replace("-", MINUS) if _finite(value) else "n/a"


def points(fraction: float | None, digits: int = 1) -> str:
    """A risk difference in percentage points: -0.062 -> '−6.2 percentage points'."""
    return f"{100 * fraction:+.{digits}f} percentage points".replace("-", MINUS) if _finite(fraction) else "n/a"


def whole_people(fraction: float, base: int = 100) -> int:
    """A proportion as whole people out of `base`, rounded half up (away from zero) on the decimal number as
    written, not on its binary approximation: 0.105 -> 11 of 100 (0.105 * 100 is 10.4999... in floating point).
    The one rounding of people that every page, icon array and table shares."""
    return int((Decimal(repr(float(fraction))) * base).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def per(fraction: float | None, base: int = 1000) -> str:
    """A risk as whole people out of `base` (100 or 1,000): 0.3401 -> '340'; '—' when missing."""
    return f"{whole_people(fraction, base)}" if _finite(fraction) else "—"


def per_difference(fraction: float | None, base: int = 1000) -> str:
    """A difference in risk as whole people out of `base`, signed: −0.0686 -> '−69' (per 1,000)."""
    return f"{whole_people(fraction, base):+d}".replace("-", MINUS) if _finite(fraction) else "—"


def percent_interval(low: float | None, high: float | None, digits: int = 1) -> str:
    """The interval of a proportion, in percent: '22.1% to 30.5%'; "not published" when an end is missing."""
    if not (_finite(low) and _finite(high)):
        return "not published"
    return f"{percent(low, digits)} to {percent(high, digits)}"


def probability(p: float | None) -> str:
    """A probability for reading, whole percent: 0.9731 -> '97%'; never '100%' or '0%' for one that is not 1
    or 0 ('more than 99%', 'less than 1%')."""
    if not _finite(p):
        return "—"
    if p <= 0.005:
        return "less than 1%"
    if p >= 0.995:
        return "more than 99%"
    return f"{100 * p:.0f}%"


def fixed(value: float | None, digits: int = 1, signed: bool = False) -> str:
    """A measured quantity in its own unit (weeks, seconds, m/s, a test statistic, kappa) with `digits`
    decimals, a true minus sign, '+' when `signed`; '—' when missing."""
    if not _finite(value):
        return "—"
    return f"{value:{'+' if signed else ''}.{digits}f}".replace("-", MINUS)


def people(count: float | None) -> str:
    """A number of people, whole: 68.6 -> '69'."""
    return f"{abs(count):,.0f}" if _finite(count) else "—"


def nnt(risk_control: float | None, risk_treatment: float | None, crosses_no_effect: bool = False) -> str:
    """Number needed to treat for one fewer event, in whole people rounded UP (11.9 -> '12'); 'not estimable'
    when the risks are equal or missing, or when the interval of the effect crosses no effect (Altman 1998:
    the NNT's interval then runs through infinity). A harm (treatment risk higher) is written 'harm: N'."""
    if crosses_no_effect or not (_finite(risk_control) and _finite(risk_treatment)):
        return NOT_ESTIMABLE
    diff = risk_control - risk_treatment
    if abs(diff) < 1e-12:
        return NOT_ESTIMABLE
    n = math.ceil(round(1 / abs(diff), 9))
    return f"{n}" if diff > 0 else f"harm: {n}"


def effect(name: str, estimate: float | None, low: float | None = None, high: float | None = None,
           p: float | None = None, relation: str | None = "=") -> str:
    """'hazard ratio 0.83 (95% CI 0.62 to 0.99; p = 0.027)' (illustrative values); says when the CI was not
    published."""
    ci = f"95% CI {interval(low, high)}" if _finite(low) and _finite(high) else "CI not published"
    pv = f"; {p_value(p, relation)}" if _finite(p) else ""
    return f"{name} {ratio(estimate)} ({ci}{pv})"


def number(value: float | None, significant: int = 3) -> str:
    """Any other number for reading: at most three significant digits ('0.856', '1.02', '120')."""
    if not _finite(value):
        return "—"
    return f"{value:.{significant}g}" if abs(value) < 10 ** significant else f"{value:,.0f}"
