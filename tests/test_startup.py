"""The command line starts light and refuses bad input in one format (times are in benchmarks/bench_startup.py).

`--help`, `--version` and every refusal of a bad option answer without importing the heavy libraries; every
refusal, whatever raised it (click's usage errors, an option rule, an MsEvidenceError of the API), is one line
``error: …`` on stderr with exit code 2.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("pandas", "numpy", "scipy", "lifelines", "matplotlib", "statsmodels", "papermill", "dask", "nbformat")
PROBE = """
import sys
from msevidence.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = [m for m in {heavy!r} if m in sys.modules]
print("HEAVY:" + ",".join(heavy), file=sys.stderr)
sys.exit(code)
"""

REFUSALS = {
    "unknown option": ["list", "--no-such-option"],
    "missing option": ["synth"],
    "wrong type": ["walking", "visits.csv", "--week", "soon"],
    "range of a typer option": ["report", "--workers", "0"],
    "fit --ties": ["fit", "events.csv", "--endpoint", "cdp12_edss", "--ties", "bad"],
    "fit --tau": ["fit", "events.csv", "--endpoint", "cdp12_edss", "--tau", "-1"],
    "walking --t25fw-range": ["walking", "visits.csv", "--t25fw-range", "5"],
    "walking --unconfirmed": ["walking", "visits.csv", "--unconfirmed", "maybe"],
    "list --format": ["list", "--format", "xml"],
    "synth --n-per-arm": ["synth", "--trial", "ORATORIO", "--n-per-arm", "X"],
    "synth --unconfirmed": ["synth", "--trial", "ORATORIO", "--unconfirmed", "maybe"],
    "simulate --n-trials": ["simulate", "--trial", "ORATORIO", "--endpoint", "cdp12_edss", "--n-trials", "0"],
    "simulate --hr": ["simulate", "--trial", "ORATORIO", "--endpoint", "cdp12_edss", "--hr", "-2"],
}


def _run(args: list[str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def _heavy(stderr: str) -> str:
    return stderr.rsplit("HEAVY:", 1)[1].strip()


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["fit", "--help"], ["simulate", "--help"]],
                         ids=" ".join)
def test_help_and_version_load_no_heavy_library(args, tmp_path):
    r = _run(args, tmp_path)
    assert r.returncode == 0, r.stderr
    assert _heavy(r.stderr) == ""
    if args == ["--version"]:
        from importlib.metadata import version

        assert r.stdout.strip() == f"msevidence {version('msevidence')}"


@pytest.mark.parametrize("args", list(REFUSALS.values()), ids=list(REFUSALS))
def test_every_refusal_is_one_line_in_one_format_without_heavy_imports(args, tmp_path):
    r = _run(args, tmp_path)
    message = r.stderr.rsplit("HEAVY:", 1)[0].strip()
    assert r.returncode == 2, r.stderr
    assert message.count("\n") == 0 and message.startswith("error: "), message
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert _heavy(r.stderr) == "", f"{' '.join(args)} imported {_heavy(r.stderr)} before refusing"


def test_an_api_error_reaches_the_user_in_the_same_format(tmp_path):
    """An MsEvidenceError raised deep in the API (here: a missing events file) and one raised in simulate."""
    for args in (["fit", "missing.csv", "--endpoint", "cdp12_edss"],
                 ["simulate", "--trial", "NOPE", "--endpoint", "cdp12_edss", "--n-trials", "10"]):
        r = _run(args, tmp_path)
        message = r.stderr.rsplit("HEAVY:", 1)[0].strip()
        assert r.returncode == 2 and message.startswith("error: ") and "\n" not in message, r.stderr


def test_importing_the_package_and_the_command_line_loads_no_heavy_library():
    code = f"import sys, msevidence, msevidence.cli; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


SLOW_OPTIONAL = """
import sys
{setup}
import nbformat
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
nbformat.validate(nb)
print("rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is not None)
"""


@pytest.mark.parametrize(("setup", "loaded"), [
    ("", "True"),  # what every process pays without the skip (fails if jsonschema stops importing it)
    ("from msevidence.startup import skip_slow_optional_imports; skip_slow_optional_imports()", "False"),
    ("from msevidence.reports.guard import worker_init; worker_init()", "False"),
])
def test_the_runner_skips_the_slow_optional_iri_parser_and_still_validates_notebooks(setup, loaded):
    r = subprocess.run([sys.executable, "-c", SLOW_OPTIONAL.format(setup=setup)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == loaded, r.stdout + r.stderr


def test_the_command_line_skips_the_slow_optional_iri_parser():
    probe = "import sys; from msevidence.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass\n" \
            "print(sys.modules.get('rfc3987_syntax', 'absent'))"
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert r.stdout.strip().endswith("None"), r.stdout + r.stderr


INTERRUPTED_IMPORT = """
import importlib.abc, os, signal, sys, time

class SignalOnImport(importlib.abc.MetaPathFinder):  # the signal lands while msevidence.cli is being imported
    def find_spec(self, name, path, target=None):
        if name == "msevidence.cli":
            os.kill(os.getpid(), signal.{sig})
            time.sleep(2)
        return None

sys.meta_path.insert(0, SignalOnImport())
sys.argv = ["msevidence", "--version"]
{entry}
"""


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_signal_during_start_up_ends_quietly(sig):
    import signal

    code = INTERRUPTED_IMPORT.format(sig=sig, entry="from msevidence.console import main\nmain()")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 128 + getattr(signal, sig), r.stderr
    assert r.stderr == "stopped: interrupted while starting\n"
    # the same signal without the console script's guard: what a user saw before (a traceback, or no word at all)
    bare = subprocess.run([sys.executable, "-c", INTERRUPTED_IMPORT.format(sig=sig, entry="import msevidence.cli")],
                          capture_output=True, text=True, timeout=60)
    if sig == "SIGINT":
        assert "Traceback" in bare.stderr and "KeyboardInterrupt" in bare.stderr
    else:
        assert bare.returncode == -signal.SIGTERM


def test_the_console_script_is_the_guarded_entry_point():
    import tomllib

    from msevidence.paths import home

    scripts = tomllib.loads((home() / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["msevidence"] == "msevidence.console:main"
