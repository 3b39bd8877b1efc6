"""Repeatable options take several values in a row, as the README writes them (`--at 48 120`)."""

import typer

from msevidence.cli import app
from msevidence.cli.argv import expand_repeated

CMD = typer.main.get_command(app)


def test_values_after_a_repeatable_option_are_each_given_to_it():
    argv = ["fit", "EVENTS", "--endpoint", "cdp12_edss", "--at", "48", "120", "--json"]
    assert expand_repeated(argv, CMD) == ["fit", "EVENTS", "--endpoint", "cdp12_edss", "--at", "48", "--at", "120",
                                          "--json"]


def test_negative_numbers_are_values_and_single_options_are_untouched():
    assert expand_repeated(["fit", "E", "--at", "-10", "48"], CMD) == ["fit", "E", "--at", "-10", "--at", "48"]
    assert expand_repeated(["fit", "E", "--tau", "96"], CMD) == ["fit", "E", "--tau", "96"]
    assert expand_repeated(["synth", "--trial", "ORATORIO", "--n-per-arm", "OCR=10", "PBO=5"], CMD) == [
        "synth", "--trial", "ORATORIO", "--n-per-arm", "OCR=10", "--n-per-arm", "PBO=5"]
    assert expand_repeated(["fit", "E", "--at", "48", "--", "120"], CMD) == ["fit", "E", "--at", "48", "--", "120"]


def test_the_readme_form_runs(tmp_path, capsys):
    import json

    import numpy as np
    import pandas as pd
    import pytest

    from msevidence.cli import main

    rng = np.random.default_rng(3)
    n = 60
    df = pd.DataFrame({"patient_id": range(n), "arm": ["OCR", "PBO"] * (n // 2), "endpoint": "X",
                       "time_weeks": rng.choice([12, 24, 36, 48, 60, 72, 84, 96, 120, 132], n),
                       "event": rng.integers(0, 2, n)})
    df.to_csv(tmp_path / "e.csv", index=False)
    with pytest.raises(SystemExit) as done:
        main(["fit", str(tmp_path / "e.csv"), "--endpoint", "X", "--at", "48", "96", "--json"])
    assert done.value.code in (0, None)
    out = json.loads(capsys.readouterr().out)
    assert set(next(iter(out["km"].values()))) == {"48", "96"}
