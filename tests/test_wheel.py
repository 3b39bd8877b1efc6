"""msevidence installs anywhere: a wheel built from this checkout, installed into a fresh virtual environment
outside the repository, runs its commands from an empty directory with the evidence, notebooks, report sets and
calibration caches it ships as package data (msevidence.paths)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0, f"{' '.join(map(str, cmd))} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}"
    return res


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(msevidence executable, environment, empty working directory) of a venv holding only the wheel.

    The venv gets its third-party dependencies from the test's own environment through a path entry (so the
    test needs no network); msevidence itself comes from the wheel, since the venv's own site-packages come first
    and the development install's editable finder is not loaded. Jupyter's data files (nbconvert templates)
    live under the dependency environment's prefix, so JUPYTER_PATH points there, as a real install would have
    them under its own prefix.
    """
    tmp = tmp_path_factory.mktemp("wheel")
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # pip would take a PYTHONPATH copy as installed
    dist = tmp / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
         cwd=tmp, env=os.environ.copy())
    (wheel,) = dist.glob("msevidence-*.whl")
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp, env=clean)
    py = venv / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], cwd=tmp, env=clean)
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp,
                     env=clean).stdout.strip())
    (site / "_msevidence_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSEVIDENCE_", "PYTHONPATH", "VIRTUAL_ENV"))}
    env |= {"PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", "MSEVIDENCE_CACHE": str(tmp / "cache"),
            "MPLBACKEND": "Agg", "HOME": str(tmp / "home"), "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    work = tmp / "empty"
    work.mkdir()
    where = _run([str(py), "-c", "import msevidence, msevidence.paths as p; print(msevidence.__file__); print(p.home())"],
                 cwd=work, env=env).stdout.split()
    assert str(ROOT) not in where[0] and where[1].endswith("msevidence/resources"), where
    return venv / "bin" / "msevidence", env, work


def test_validate_and_list_from_an_empty_directory(installed):
    exe, env, work = installed
    _run([str(exe), "validate"], cwd=work, env=env)
    rows = json.loads(_run([str(exe), "list", "--trial", "ORATORIO", "--format", "json"], cwd=work, env=env).stdout)
    assert rows and {r["trial"] for r in rows} == {"ORATORIO"}


def test_synth_uses_the_shipped_calibration(installed):
    exe, env, work = installed
    _run([str(exe), "synth", "--trial", "ORATORIO", "--seed", "1", "--out", "X"], cwd=work, env=env)
    assert {p.name for p in (work / "X").iterdir()} >= {"visits.csv", "events.csv", "calibration.json"}
    cache = Path(env["MSEVIDENCE_CACHE"])
    assert not cache.exists() or not any(cache.iterdir()), "the shipped calibration should have been used"


def test_report_default_set_renders(installed):
    exe, env, work = installed
    runs = ["progression-vs-walking-oratorio"]  # the run that reads the most shipped files (evidence, calibration)
    _run([str(exe), "report", "--set", "default", "--only", ",".join(runs), "--out", "Y", "--workers", "1"], cwd=work,
         env=env, timeout=900)
    pages = {p.name for p in (work / "Y" / "default").glob("*.html")}
    assert pages == {"index.html", *(f"{r}.{aud}.html" for r in runs for aud in ("lay", "analyst"))}
    assert (work / "Y" / "index.html").is_file()
    assert not (ROOT / "reports" / "output" / "Y").exists()


def test_the_wheel_ships_every_notebook_and_report_set(installed):
    exe, env, work = installed
    probe = ("import msevidence.paths as p; print(' '.join(sorted(x.name for x in p.notebooks_dir().glob('*.ipynb'))));"
             "print(' '.join(sorted(x.name for x in p.report_sets_dir().glob('*.yaml'))))")
    notebooks, sets = _run([str(exe.with_name("python")), "-c", probe], cwd=work, env=env).stdout.splitlines()
    assert notebooks.split() == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert sets.split() == sorted(p.name for p in (ROOT / "reports").glob("*.yaml"))
