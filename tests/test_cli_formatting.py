"""Every command writes numbers through msevidence.formatting: the printed effect, interval and p-value equal
formatting's text for the JSON values of the same run, and no command module formats a number by hand."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_walking import make_visits
from typer.testing import CliRunner

from msevidence import formatting as fmt
from msevidence.cli import app

ROOT = Path(__file__).resolve().parents[1] / "src" / "msevidence"
# every module that writes numbers for a reader: the command line, the sentences of judgement and answers, the
# pages' words and figure labels. Left out: presentation/tables.py (the generic table cell, `precision` digits
# chosen by the page) and developers' reprs (``__repr__``).
WRITERS = sorted({*ROOT.glob("cli/*.py"), *ROOT.glob("judgement/*.py"), *ROOT.glob("answers/*.py"),
                  *ROOT.glob("presentation/*.py"), *ROOT.glob("presentation/figures/*.py")}
                 - {ROOT / "presentation" / "tables.py"})
runner = CliRunner()


def run(*args: str):
    res = runner.invoke(app, list(args), env={"COLUMNS": "400"})  # wide: table cells are not wrapped
    assert res.exit_code == 0, res.output
    return res


def flat(text: str) -> str:
    return " ".join(text.split())


def hand_formats(source: str, name: str) -> list[str]:
    """Lines of `source` where an f-string gives a number a precision ('{x:.2f}', '{p:.0%}') by hand (outside
    ``__repr__``)."""
    tree = ast.parse(source)
    skip = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name == "__repr__"
            for n in ast.walk(f)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None and id(node) not in skip:
            spec = "".join(v.value for v in node.format_spec.values if isinstance(v, ast.Constant))
            if "." in spec or spec.endswith("%"):
                found.append(f"{name}:{node.lineno}: {{…:{spec}}}")
    return found


def test_no_command_or_sentence_formats_a_number_by_hand():
    found = [x for p in WRITERS for x in hand_formats(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))]
    assert not found, "format through msevidence.formatting instead:\n" + "\n".join(found)


def test_the_check_finds_a_hand_format_and_lets_whole_weeks_pass():
    assert hand_formats('f"HR {hr:.3f}, {share:.0%}, week {w:g}, {fmt.ratio(hr)}"', "x.py") == [
        "x.py:1: {…:.3f}", "x.py:1: {…:.0%}"]
    assert hand_formats('class A:\n    def __repr__(self):\n        return f"<A {self.x:.3f}>"\n', "y.py") == []


@pytest.fixture(scope="module")
def events_csv(tmp_path_factory):
    rng = np.random.default_rng(7)
    n = 120
    arm = np.repeat(["Ocrelizumab", "Placebo"], n // 2)
    t = np.ceil(rng.exponential(np.where(arm == "Ocrelizumab", 150, 100)) / 12) * 12
    cens = rng.choice([108, 120, 132], n)
    event = (t <= cens).astype(int)
    path = tmp_path_factory.mktemp("fmt") / "events.csv"
    pd.DataFrame({"patient_id": [f"P{i}" for i in range(n)], "arm": arm, "endpoint": "CDP12",
                  "time_weeks": np.where(event == 1, t, cens), "event": event}).to_csv(path, index=False)
    return path


def test_fit_prints_formattings_text_of_its_json(events_csv):
    args = ("fit", str(events_csv), "--endpoint", "CDP12", "--at", "96")
    js, text = json.loads(run(*args, "--json").stdout), flat(run(*args).stdout)
    c, a = js["cox"], js["absolute"]
    assert f"{fmt.ratio(c['hr'])} ({fmt.interval(c['ci_low'], c['ci_high'])})" in text
    assert fmt.p_value(c["p"]) in text and fmt.p_value(js["logrank"]["p"]) in text
    assert f"{fmt.percent(a['risk_treatment'])} / {fmt.percent(a['risk_control'])}" in text
    assert (f"{fmt.per_difference(a['difference'])} ({fmt.per_difference(a['ci_low'])} to "
            f"{fmt.per_difference(a['ci_high'])})") in text
    crosses = a["ci_low"] <= 0 <= a["ci_high"]
    assert fmt.nnt(a["risk_control"], a["risk_treatment"], crosses_no_effect=crosses) in text


def test_walking_prints_formattings_text_of_its_json(tmp_path):
    path = tmp_path / "visits.csv"
    make_visits(60, seed=11).to_csv(path, index=False)
    js, text = json.loads(run("walking", str(path), "--json").stdout), flat(run("walking", str(path)).stdout)
    m = js["mixed_model"]
    assert f"= {fmt.ratio(m['ratio'])} (95% CI {fmt.interval(m['ci_low'], m['ci_high'])}), {fmt.p_value(m['p'])}" in text
    for arm in js["arms"].values():
        assert fmt.percent_change(arm["geometric_mean_pct_change"]) in text
        assert fmt.percent(arm["worsened_20_confirmed_12w"]) in text


def test_reanalyze_and_pool_print_formattings_text_of_their_json():
    args = ("reanalyze", "--trial", "ORATORIO", "--endpoint", "cdp12_edss")
    js, text = json.loads(run(*args, "--json").stdout), flat(run(*args).stdout)
    post = js["posterior"]
    assert f"{fmt.ratio(post['hr'])} │ {fmt.interval(post['cri_low'], post['cri_high'])}" in text
    assert fmt.probability(js["p_benefit"]) in text
    args = ("pool", "--trials", "OPERA_I", "OPERA_II", "--endpoint", "arr")
    js, text = json.loads(run(*args, "--json").stdout), flat(run(*args).stdout)
    assert f"{fmt.ratio(js['estimate'])} │ {fmt.interval(js['ci_low'], js['ci_high'])}" in text
    for s in js["studies"]:
        assert f"{s['study']} │ {fmt.ratio(s['estimate'])} │" in text and fmt.percent(s["weight_pct"] / 100) in text
