"""Shared by the whole suite: every run of every shipped report set, rendered once per test session.

Several files check the shipped pages (the browser's overflow test, the lay-page reading test, the consistency
test, the notebooks' own records). Each asks ``shipped(set, run)``; the first asker, on whichever pytest-xdist
worker, renders that run with ``msevidence report --set SET --only RUN --out DIR`` (the README's command, one run
at a time, so that no test waits for a whole set), and every later asker finds it rendered. A per-run file lock
makes the askers of one run wait for the same render; a run that fails fails every test that asks for it, with
the runner's own message.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from msevidence.startup import skip_slow_optional_imports

skip_slow_optional_imports()  # as the command line and the runner's workers do: ~2 s of CPU in each pytest process

from msevidence import reports  # noqa: E402
from msevidence.paths import report_sets_dir  # noqa: E402


@dataclass(frozen=True)
class ShippedRun:
    """One run of a shipped set: its set, name, notebook and audience (known before anything is rendered)."""

    set: str
    run: str
    notebook: str
    audience: str
    parameters: dict = field(default_factory=dict, compare=False, hash=False)  # as the set file gives them

    @property
    def id(self) -> str:
        return f"{self.set}/{self.run}"


def shipped_runs() -> list[ShippedRun]:
    """Every run of every report set in ``reports/*.yaml``, in file order."""
    out = []
    for path in sorted(report_sets_dir().glob("*.yaml")):
        rs = reports.load_report_set(path)
        out += [ShippedRun(rs.name, r.name, r.notebook, r.audience, dict(r.parameters)) for r in rs.runs]
    return out


SHIPPED = shipped_runs()


@dataclass(frozen=True)
class RenderedRun:
    """A shipped run rendered into ``folder`` (the set's folder under the run's own output root)."""

    spec: ShippedRun
    folder: Path

    def page(self, audience: str) -> Path:
        return self.folder / f"{self.spec.run}.{audience}.html"

    @property
    def pages(self) -> list[Path]:
        return [p for aud in ("analyst", "lay") if (p := self.page(aud)).is_file()]

    @property
    def notebook(self) -> Path:
        return self.folder / f"{self.spec.run}.ipynb"

    @property
    def recorded(self) -> dict:
        """The values the executed notebook recorded (:func:`msevidence.presentation.record.recorded`)."""
        from msevidence.presentation.record import recorded

        return recorded(self.notebook)

    def text(self, audience: str) -> str:
        """The page's text, tags dropped and entities decoded."""
        import html
        import re

        return html.unescape(re.sub(r"<[^>]+>", " ", self.page(audience).read_text(encoding="utf-8")))


def _session_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shipped-runs"
    root.mkdir(exist_ok=True)
    return root


def _render_once(spec: ShippedRun, root: Path) -> Path:
    out = root / f"{spec.set}--{spec.run}"
    done = root / f"{spec.set}--{spec.run}.json"
    with open(root / f"{spec.set}--{spec.run}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.is_file():
            cmd = [sys.executable, "-c", "from msevidence.cli import main; main()", "report", "--set", spec.set,
                   "--only", spec.run, "--out", str(out)]
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
            done.write_text(json.dumps({"returncode": r.returncode, "output": (r.stdout + r.stderr)[-3000:]}))
    result = json.loads(done.read_text())
    if result["returncode"] != 0:
        pytest.fail(f"msevidence report --set {spec.set} --only {spec.run} failed:\n{result['output']}")
    return out / spec.set


@pytest.fixture(scope="session")
def shipped(tmp_path_factory):
    """``shipped(spec)`` → the :class:`RenderedRun` of a :class:`ShippedRun` (or of its id, ``"set/run"``),
    rendered once per session."""
    root = _session_root(tmp_path_factory)

    def get(spec: ShippedRun | str) -> RenderedRun:
        if isinstance(spec, str):  # "set/run"
            spec = next(s for s in SHIPPED if s.id == spec)
        return RenderedRun(spec, _render_once(spec, root))

    return get


def shipped_params(*, notebooks: tuple[str, ...] = (), lay: bool = False, reverse: bool = False) -> list:
    """The shipped runs as pytest parameters (id ``set/run``), optionally only some notebooks or lay pages.
    `reverse` lets a second file walk the runs from the other end, so two workers rarely wait on one render."""
    runs = [s for s in SHIPPED if (not notebooks or s.notebook in notebooks)
            and (not lay or s.audience in ("lay", "both"))]
    return [pytest.param(s, id=s.id) for s in (reversed(runs) if reverse else runs)]
