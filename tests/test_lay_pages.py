"""Every lay page of every shipped report set reads as written for a lay reader.

The visible text of each rendered ``*.lay.html`` (tags, scripts and styles stripped) is scanned for leaks:
every endpoint id, assumption name and arm id of the evidence store, snake_case names, missing-value markers
(NaN, None, <NA>), Python reprs, and library or method names. Method names are allowed inside a collapsed
``<details>`` section ("How this was computed"); nothing else is. The pages are the session's renders of the
shipped sets (tests/conftest.py), one test per run.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from conftest import shipped_params

import msevidence as mse

EV = mse.load_evidence()
LAY_RUNS = shipped_params(lay=True, reverse=True)  # from the other end than the browser test: fewer waits
METHOD_NAMES = ["statsmodels", "lifelines", "scipy", "numpy", "pandas", "matplotlib", "papermill", "MixedLM",
                "REML", "lbfgs", "powell", "efron", "breslow", "MMRM", "LOCF", "kappa", "κ", "Schoenfeld",
                "estimand", "Estimand", "Cox", "log-rank", "delta method", "Guyot", "posterior", "Posterior",
                "credible interval", "CrI", "sceptical prior", "prior distribution", "priors", "Bayesian"]
REPRS = [r"\{'", r"'\}", r"Direction\.", r"np\.float", r"numpy\.", r"array\(", r"dtype", r"<msevidence",
         r"Timestamp\(", r"\[\]"]
MISSING = [r"\bNaN\b", r"\bnan\b", r"\bNone\b", r"<NA>", r"\binf\b", r"Infinity", r"\bn/a\b"]


def forbidden(ev=EV) -> dict[str, re.Pattern]:
    """Name -> pattern of everything a lay page must not show outside a collapsed section."""
    ids = {e.id for t in ev for e in t.endpoints} | {a.id for t in ev for a in t.assumptions}
    arms = {part for t in ev for a in t.arms for part in a.id.split("-")}
    pats = {f"id {i}": rf"(?<![\w-]){re.escape(i)}(?![\w-])" for i in ids}
    pats |= {f"arm id {a}": rf"(?<![\w-]){re.escape(a)}(?!\w)" for a in arms}
    pats |= {f"trial id {t.id}": rf"\b{re.escape(t.id)}\b" for t in ev if "_" in t.id}
    pats |= {"snake_case name": r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b", "missing value or repr": "|".join(MISSING + REPRS),
             "'at week' without the week": r"\bat week\b(?!\s*\d)",
             "number with more than three significant decimals": r"(?<![\w.])\d+\.0*[1-9]\d{3,}\b",
             "formula or probability of a ratio": r"\^HR|1 − \(1 − |\bP\((?:ratio|HR)|\bR_[tc]\b",
             "synthetic 'Bottom line:'": r"Bottom line:"}
    return {k: re.compile(v) for k, v in pats.items()}


METHODS = re.compile("|".join(rf"\b{re.escape(m)}\b" if m[0].isalnum() else re.escape(m) for m in METHOD_NAMES))


class VisibleText(HTMLParser):
    """Visible text of a page, split into what is shown and what sits in a collapsed <details> section; `prose`
    is the shown text outside tables (what the reading grade is measured on)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shown: list[str] = []
        self.collapsed: list[str] = []
        self.prose: list[str] = []
        self._skip = 0
        self._details = 0
        self._table = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head", "title"):
            self._skip += 1
        elif tag == "details":
            self._details += 1
        elif tag == "table":
            self._table += 1
        if tag in ("p", "div", "tr", "li", "br", "h1", "h2", "h3", "h4", "table", "summary", "td", "th"):
            (self.collapsed if self._details else self.shown).append("\n")
            if not self._details and not self._table:
                self.prose.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head", "title"):
            self._skip = max(0, self._skip - 1)
        elif tag == "details":
            self._details = max(0, self._details - 1)
        elif tag == "table":
            self._table = max(0, self._table - 1)

    def handle_data(self, data):
        if not self._skip:
            (self.collapsed if self._details else self.shown).append(data)
            if not self._details and not self._table:
                self.prose.append(data)


def visible_text(html_text: str) -> tuple[str, str]:
    p = VisibleText()
    p.feed(html_text)
    return "".join(p.shown), "".join(p.collapsed)


def leaks(html_text: str, patterns: dict[str, re.Pattern] | None = None) -> list[str]:
    """'what: …snippet…' for every forbidden pattern found in the page's visible text."""
    shown, collapsed = visible_text(html_text)
    out = []
    for text, where in ((shown, ""), (collapsed, " (in a collapsed section)")):
        for name, pat in (patterns or forbidden()).items():
            if where and name in ("snake_case name", "formula or probability of a ratio"):
                continue  # file names, raw settings and formulas may appear in the technical details
            for m in pat.finditer(text):
                out.append(f"{name}{where}: …{_snippet(text, m)}…")
        if not where:
            out += [f"method name: …{_snippet(text, m)}…" for m in METHODS.finditer(text)]
    return out


# -- reading grade (Flesch-Kincaid), syllables counted offline with pyphen's bundled dictionary -------------
MAX_GRADE = 9
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_HYPHENATOR = None


def syllables(word: str) -> int:
    """Syllables of one word: pyphen's hyphenation points + 1 (no run-time download)."""
    global _HYPHENATOR
    if _HYPHENATOR is None:
        import pyphen

        _HYPHENATOR = pyphen.Pyphen(lang="en_US", left=1, right=1)
    return max(1, len(_HYPHENATOR.positions(word.lower())) + 1)


def fk_grade(text: str) -> tuple[float, int, int]:
    """(Flesch-Kincaid grade, sentences, words) of running text: 0.39 words/sentence + 11.8 syllables/word
    - 15.59. A sentence ends at . ! ? or a line break (headings and list items count as sentences)."""
    sentences = [x for x in re.split(r"(?<=[.!?])\s+|\n+", text) if WORD.search(x)]
    words = [w for x in sentences for w in WORD.findall(x)]
    if not words:
        return 0.0, 0, 0
    syl = sum(syllables(w) for w in words)
    return 0.39 * len(words) / len(sentences) + 11.8 * syl / len(words) - 15.59, len(sentences), len(words)


def open_prose(html_text: str) -> str:
    """The shown running text of a page: no tables, no collapsed sections, no scripts."""
    p = VisibleText()
    p.feed(html_text)
    return "".join(p.prose)


def test_reading_grade_by_hand():
    # "The cat sat on the mat." 6 words, 1 sentence, 6 syllables: 0.39*6 + 11.8*1 - 15.59 = -1.45
    grade, n_sent, n_words = fk_grade("The cat sat on the mat.")
    assert (n_sent, n_words) == (1, 6) and grade == pytest.approx(-1.45)
    assert syllables("university") == 5 and syllables("walk") == 1
    hard = ("Confirmed disability progression, operationalized as a sustained Expanded Disability Status Scale "
            "increment, was attenuated by ocrelizumab relative to placebo in primary progressive multiple sclerosis.")
    assert fk_grade(hard)[0] > 15 > MAX_GRADE
    page = "<html><body><p>Short words.</p><table><tr><td>Extraordinarily polysyllabic</td></tr></table>" \
           "<details><summary>Method</summary>Heteroscedasticity.</details></body></html>"
    assert open_prose(page).split() == ["Short", "words."]


@pytest.mark.parametrize("spec", LAY_RUNS)
def test_each_lay_page_reads_at_grade_9_or_lower(spec, shipped):
    page = shipped(spec).page("lay")
    grade, n_sent, n_words = fk_grade(open_prose(page.read_text(encoding="utf-8")))
    print(f"{spec.id}: Flesch-Kincaid grade {grade:.1f} ({n_words} words, {n_sent} sentences)")
    assert n_words > 50, f"{page.name}: almost no open prose ({n_words} words)"
    assert grade <= MAX_GRADE, f"{page.name}: grade {grade:.1f} (over {MAX_GRADE})"


def _snippet(text: str, m: re.Match) -> str:
    return " ".join(text[max(0, m.start() - 60):m.end() + 60].split())


# -- the scanner itself --------------------------------------------------------------------------------------
def test_scanner_finds_each_kind_of_leak_and_passes_plain_prose():
    ep, assumption = EV["ORATORIO"].endpoints[0].id, EV["ORATORIO"].assumptions[0].id
    bad = [f"<p>endpoint {ep}</p>", f"<td>{assumption}</td>", "<p>OCR vs PBO</p>", "<td>NaN</td>",
           "<p>parameter n_per_arm None</p>", "<p>{'a': 1}</p>", "<p>fitted with statsmodels MixedLM</p>",
           "<p>km proportion at week</p>", "<p>Direction.LESS</p>"]
    for page in bad:
        assert leaks(f"<html><body>{page}</body></html>"), page
    good = ("<html><head><style>.x_y{}</style><script>var a_b = None;</script></head><body>"
            "<p>Ocrelizumab vs placebo: 32.9% vs 39.3% at week 120; walk time 7.1 s; hazard ratio 0.76 "
            "(0.59 to 0.98).</p><details><summary>How this was computed</summary>Cox model, efron ties "
            "(file oratorio_hand.yaml)</details></body></html>")
    assert leaks(good) == []
    assert leaks(f"<details>{ep}</details>"), "ids are not allowed even in a collapsed section"


# -- every lay page of every shipped set ------------------------------------------------------------------
@pytest.mark.parametrize("spec", LAY_RUNS)
def test_no_lay_page_leaks_identifiers_missing_values_reprs_or_method_names(spec, shipped):
    page = shipped(spec).page("lay")
    found = leaks(page.read_text(encoding="utf-8"), forbidden())
    assert not found, f"{len(found)} leaks on {page.name}:\n" + "\n".join(found[:80])


# -- the helpers lay pages are built with ---------------------------------------------------------------------
def test_published_tables_use_percentages_names_and_the_week():
    from msevidence.judgement.published import published_table

    for domain in ("disability_progression", "walking_speed"):
        df = published_table(EV, domain)
        tidy = EV.endpoints(domain=domain).reset_index(drop=True)
        assert len(df) == len(tidy)
        for (_, row), (_, raw) in zip(df.iterrows(), tidy.iterrows(), strict=True):
            text = " ".join(map(str, row.values))
            assert not leaks(f"<p>{text}</p>"), text
            if raw["statistic"] in ("proportion_with_event", "km_proportion_at_week", "relative_reduction"):
                assert row["value"].endswith("%"), row["value"]
            if raw["statistic"] == "risk_difference":
                assert row["value"].endswith("percentage points")
            if raw["statistic"] == "km_proportion_at_week":
                assert f"week {raw['week']:g}" in row["statistic"]


def test_arms_are_named_by_their_treatment():
    from msevidence.judgement.wording import name_arms

    for t in EV:
        for a in t.arms:
            assert name_arms(f"result in {a.id}", t, EV) == f"result in {a.drug}"
    for t in EV:
        assert not leaks(f"<p>{name_arms(t.comparator_label, t, EV)}</p>"), t.comparator_label


def test_show_gives_one_header_row_rounded_numbers_and_no_missing_markers():
    import numpy as np
    import pandas as pd

    from msevidence.presentation.tables import details, show

    df = pd.DataFrame({"x": [0.123456, np.nan, 488.0], "same": ["a", "a", "a"], "label": ["p", None, "r"]},
                      index=pd.Index(["one", "two", "three"], name="row"))
    html_text = show(df, precision=2).to_html()
    assert html_text.count("<tr") == 4 and "<th" in html_text  # one header row + three rows
    assert "0.12" in html_text and "488" in html_text and "488.0" not in html_text
    assert "NaN" not in html_text and "None" not in html_text and html_text.count("—") == 2
    assert "same: a" in html_text and ">same<" not in html_text  # the repeated column went to the caption
    assert ">row<" in html_text  # the index became an ordinary column
    assert "&lt;b&gt;" in show(pd.DataFrame({"<b>": ["<i>x</i>"]})).to_html()  # headers and cells escaped
    est = pd.DataFrame({"estimate": [0.7612, 0.5], "ci_low": [0.59, np.nan], "ci_high": [0.98, np.nan],
                        "arm": ["x", "y"]}, index=[4, 7])
    html_text = show(est, precision=2).to_html()
    assert "0.76 (0.59 to 0.98)" in html_text and "estimate (95% CI)" in html_text and ">ci_low<" not in html_text
    assert ">index<" not in html_text and ">4<" not in html_text  # an unnamed row index is not a column
    d = details("How this was computed", "**Model.** a *b*\n\nsecond <p>")
    assert "\n\n" not in d and d.startswith("<details>") and "&lt;p&gt;" in d
    assert leaks(f"<body>{d}</body>") == []
