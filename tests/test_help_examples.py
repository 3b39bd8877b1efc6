"""Every example a command's --help shows runs as written (from a checkout's root, here a temporary copy of the
folders the examples read), and the values an option's help gives as examples are ones the command accepts."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from msevidence.cli import app
from msevidence.cli.argv import expand_repeated
from msevidence.evidence import load_evidence
from msevidence.synthetic import ENDPOINTS

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = sorted(get_command(app).commands)
EXAMPLE = re.compile(r"`(msevidence [^`]+)`")


def help_text(*words: str) -> str:
    r = CliRunner().invoke(app, [*words, "--help"])
    assert r.exit_code == 0, r.output
    return r.output


def examples(command: str) -> list[str]:
    """The examples of the command's help text (read before the help formatter wraps long paths at hyphens)."""
    assert "Example: `msevidence" in " ".join(help_text(command).split()), command
    return [" ".join(m.split()) for m in EXAMPLE.findall(get_command(app).commands[command].help or "")]


ALL = [(c, e) for c in COMMANDS for e in examples(c)]
FIRST = "msevidence synth --trial ORATORIO --seed 1"  # writes the data the fit and walking examples read


def test_every_command_shows_an_example_of_itself():
    assert FIRST in examples("synth")
    for c in COMMANDS:
        assert any(e.startswith(f"msevidence {c} ") or e == f"msevidence {c}" for e in examples(c)), c


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A working folder laid out like the checkout's root (digitized curves), after the synth example."""
    cwd = tmp_path_factory.mktemp("examples")
    (cwd / "data").mkdir()
    (cwd / "data" / "digitized").symlink_to(ROOT / "data" / "digitized", target_is_directory=True)
    r = _run(FIRST, cwd)
    assert r.exit_code == 0, r.output
    return cwd


def _run(example: str, cwd: Path):
    """The example as the console script runs it (its words through :func:`msevidence.cli.argv.expand_repeated`,
    then the app), in this process through click's test runner (no interpreter start-up per example), from `cwd`,
    with no MSEVIDENCE_* setting of the test environment."""
    env = {k: None for k in os.environ if k.startswith("MSEVIDENCE_")}
    here = os.getcwd()
    os.chdir(cwd)
    try:
        words = expand_repeated(shlex.split(example)[1:], get_command(app))  # as msevidence.cli.main does
        return CliRunner().invoke(app, words, env=env)
    finally:
        os.chdir(here)


@pytest.mark.parametrize("command,example", [x for x in ALL if x[1] != FIRST], ids=[e for _, e in ALL if e != FIRST])
def test_help_example_runs(command, example, checkout):
    r = _run(example, checkout)
    assert r.exit_code == 0 and r.exception is None, f"$ {example}\n{r.output[-2000:]}\n{r.exception!r}"
    assert "Traceback" not in r.output


def test_option_examples_name_trials_and_endpoints_that_exist():
    """`e.g. ORATORIO` under --trial and `e.g. cdp12_edss` under --endpoint are values the commands accept."""
    ev = load_evidence()
    endpoint_ids = set(ENDPOINTS) | {e.id for t in ev for e in t.endpoints}
    checked = 0
    for c in COMMANDS:
        for param in get_command(app).commands[c].params:
            opts, text = getattr(param, "opts", []), getattr(param, "help", None) or ""
            for value in re.findall(r"e\.g\. ([\w,\s]+?)[.;)]", text):
                words = [w for w in re.split(r"[,\s]+", value) if w and w not in ("or", "and")]
                if "--trial" in opts:
                    assert all(w in ev for w in words), (c, text)
                    checked += 1
                elif "--endpoint" in opts:
                    assert all(w in endpoint_ids for w in words), (c, text)
                    checked += 1
    assert checked >= 5
