"""Batch reports: render a report set (``reports/*.yaml``) of parameterized notebooks to HTML.

A report set lists runs (notebook + parameters + audience). :func:`render` executes them with papermill in
parallel worker processes, converts each to HTML with nbconvert (analysts see code; lay readers see neither
code nor the parameter cells), and writes ``index.html`` and ``manifest.json``. Outputs are written to a
staging folder and moved into place with :func:`os.replace`, so a failed or interrupted run never replaces a
previous good report. Notebooks store the values tests and manifests need with :func:`record`.
"""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import html
import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from msevidence import paths
from msevidence.errors import ReportSetError
from msevidence.presentation.record import RECORD_MIME, recorded

KERNEL_NAME = "python3"
PACKAGES = ("msevidence", "numpy", "scipy", "pandas", "statsmodels", "lifelines", "matplotlib", "pydantic",
            "papermill", "nbconvert", "nbclient", "ipykernel")
Audience = Literal["analyst", "lay", "both"]
LAY_REMOVED_TAGS = {"injected-parameters", "parameters", "remove-lay"}




# -- report sets ---------------------------------------------------------------------------------------------
class Run(BaseModel):
    """One notebook execution: its name (used in file names), notebook, parameters and audience."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    notebook: str
    title: str | None = None
    parameters: dict[str, Any] = {}
    audience: Audience = "both"
    for_each: Literal["placebo_trial"] | None = Field(
        None, description="Expand into one run per placebo-controlled trial of the evidence store that has "
                          "calibration targets for synthetic data (sets `trial`).")

    def audiences(self) -> list[str]:
        return ["analyst", "lay"] if self.audience == "both" else [self.audience]


class ReportSet(BaseModel):
    """A list of runs rendered together (``reports/<name>.yaml``)."""

    model_config = ConfigDict(extra="forbid")
    name: str = ""
    title: str = "msevidence reports"
    description: str = ""
    runs: list[Run] = Field(min_length=1)
    path: str | None = None

    @model_validator(mode="after")
    def _unique_names(self):
        names = [r.name for r in self.runs]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"run names must be unique; repeated: {', '.join(dupes)}")
        return self


def repo_root() -> Path:
    """The folder holding ``reports/`` and ``notebooks/`` (see :mod:`msevidence.paths`)."""
    return paths.home()


def set_path(name_or_path: str | Path) -> Path:
    """``reports/<name>.yaml`` for a bare name, else the path given."""
    p = Path(name_or_path)
    if p.suffix in {".yaml", ".yml"} or p.parent != Path("."):
        return p
    return repo_root() / "reports" / f"{p.name}.yaml"


def notebook_path(notebook: str, base: Path | None = None) -> Path:
    """A bare name means ``notebooks/<name>.ipynb``; a relative path is relative to `base` (the repository)."""
    p = Path(notebook)
    if p.parent == Path(".") and not p.suffix:
        return repo_root() / "notebooks" / f"{p.name}.ipynb"
    return p if p.is_absolute() else (base or repo_root()) / p


def load_report_set(name_or_path: str | Path) -> ReportSet:
    """Read and validate a report set; raises :class:`ReportSetError` with a one-line message."""
    path = set_path(name_or_path)
    if not path.is_file():
        known = sorted(q.stem for q in (repo_root() / "reports").glob("*.yaml"))
        raise ReportSetError(f"{path}: report set not found (known sets: {', '.join(known) or 'none'})")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ReportSetError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ReportSetError(f"{path}: expected a mapping with a 'runs' list at the top level")
    data.setdefault("name", path.stem)
    try:
        rs = ReportSet.model_validate({**data, "path": str(path)})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(f"[{x}]" if isinstance(x, int) else str(x) for x in err["loc"]).replace(".[", "[")
        raise ReportSetError(f"{path}: {where or '(file)'}: {err['msg']}") from None
    base = path.resolve().parent.parent
    rs = rs.model_copy(update={"runs": [x for r in rs.runs for x in _expand(r)]})
    for i, run in enumerate(rs.runs):
        nb = notebook_path(run.notebook, base)
        if not nb.is_file():
            raise ReportSetError(f"{path}: runs[{i}].notebook: {nb} does not exist")
        unknown = sorted(set(run.parameters) - set(notebook_parameters(nb)))
        if unknown:
            raise ReportSetError(f"{path}: runs[{i}].parameters: {', '.join(unknown)} not in the parameters cell "
                                 f"of {nb.name} (known: {', '.join(notebook_parameters(nb))})")
    return rs


def effective_parameters(nb: str | Path, given: dict[str, Any]) -> dict[str, Any]:
    """The notebook's defaults (as Python literals where possible) updated with the given parameters."""
    out: dict[str, Any] = {}
    for k, v in notebook_parameters(Path(nb)).items():
        try:
            out[k] = ast.literal_eval(v)
        except (ValueError, SyntaxError):
            out[k] = v
    return {**out, **given}


def _expand(run: Run) -> list[Run]:
    """A `for_each: placebo_trial` run becomes one run per simulatable placebo-controlled trial (name suffixed)."""
    if run.for_each is None:
        return [run]
    from msevidence.evidence import load_evidence

    return [run.model_copy(update={
        "name": f"{run.name}-{t.id.lower().replace('_', '-')}", "for_each": None,
        "parameters": {**run.parameters, "trial": t.id}, "title": f"{run.title or run.name}: {t.name}"})
        for t in load_evidence().placebo_controlled() if simulatable(t)]


def simulatable(trial) -> bool:
    """Whether the synthetic generator has calibration targets for `trial` (EDSS CDP with control proportions)."""
    from msevidence.synthetic import CalibrationError, targets

    try:
        return bool(targets(trial))
    except CalibrationError:
        return False


def notebook_parameters(nb: Path) -> dict[str, Any]:
    """Names and defaults of the notebook's ``parameters`` cell."""
    import nbformat
    import papermill as pm

    node = nbformat.read(str(nb), as_version=4)
    node.metadata.setdefault("kernelspec", {"name": KERNEL_NAME, "language": "python", "display_name": "Python 3"})
    return {k: v.get("default") for k, v in pm.inspect_notebook(node).items()}


# -- HTML -------------------------------------------------------------------------------------------------
def to_html(notebook: str | Path | Any, audience: Literal["analyst", "lay"], title: str | None = None) -> str:
    """Self-contained HTML (figures embedded as PNG). `lay` drops code, prompts, warnings and parameter cells."""
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    nb = nbformat.read(str(notebook), as_version=4) if isinstance(notebook, str | Path) else notebook
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # deep copy
    for cell in nb.cells:
        outs = [o for o in cell.get("outputs", []) if RECORD_MIME not in o.get("data", {})]
        if audience == "lay":
            outs = [o for o in outs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        if "outputs" in cell:
            cell["outputs"] = outs
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = LAY_REMOVED_TAGS if audience == "lay" else {"remove-cell"}
    exporter = HTMLExporter(config=c, template_name="lab", embed_images=True)
    if audience == "lay":
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title or "msevidence report"}})
    return body


# -- running ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunResult:
    """Outcome of one run: status, timings, output files (relative to the output folder) and recorded values."""

    name: str
    notebook: str
    title: str
    parameters: dict[str, Any]
    audiences: list[str]
    status: Literal["ok", "failed"]
    duration_s: float
    started: str
    error: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    recorded: dict[str, Any] = field(default_factory=dict)
    effective_parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def seed(self) -> Any:
        return {**self.effective_parameters, **self.parameters}.get("seed")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "seed": self.seed}


def _execute(job: dict[str, Any]) -> dict[str, Any]:
    """Worker: execute one notebook into the staging folder and convert it; never raises."""
    import papermill as pm

    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # Agg-based, PNG inline
    stage, name = Path(job["stage"]), job["name"]
    out_nb = stage / f"{name}.ipynb"
    started, t0 = dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), time.perf_counter()
    error = None
    try:
        pm.execute_notebook(job["notebook"], str(out_nb), parameters=job["parameters"], kernel_name=KERNEL_NAME,
                            language="python",
                            progress_bar=False, cwd=str(stage), execution_timeout=job["timeout"])
    except pm.PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue}".strip()
    except Exception as exc:  # noqa: BLE001 - any failure is reported in the index, not raised
        error = f"{type(exc).__name__}: {exc}"
    outputs: dict[str, str] = {}
    values: dict[str, Any] = {}
    if out_nb.is_file():
        outputs["notebook"] = out_nb.name
        try:
            values = recorded(out_nb)
            audiences = job["audiences"] if error is None else ["analyst"]
            for aud in audiences:
                f = stage / f"{name}.{aud}.html"
                f.write_text(to_html(out_nb, aud, job["title"]), encoding="utf-8")
                outputs[aud] = f.name
        except Exception as exc:  # noqa: BLE001
            error = error or f"HTML conversion failed: {type(exc).__name__}: {exc}"
    return {"name": name, "status": "ok" if error is None else "failed", "error": error, "outputs": outputs,
            "recorded": values, "started": started, "duration_s": round(time.perf_counter() - t0, 2)}


def _publish(res: dict[str, Any], stage: Path, out: Path) -> dict[str, str]:
    """Move a run's staged files into `out` atomically; a failed run only writes ``<name>.failed.*``."""
    name, moved = res["name"], {}
    for f in out.glob(f"{name}.failed.*"):
        f.unlink()
    for kind, fname in res["outputs"].items():
        ext = fname.split(".", 1)[1]
        target = f"{name}.{ext}" if res["status"] == "ok" else f"{name}.failed.{ext}"
        os.replace(stage / fname, out / target)
        moved[kind] = target
    return moved


def render(report_set: ReportSet | str | Path = "default", *, audience: str | None = None,
           workers: int | None = None, out: str | Path | None = None, only: Iterable[str] | None = None,
           timeout: int = 600, on_done: Callable[[RunResult], None] | None = None) -> list[RunResult]:
    """Execute the runs of a report set in parallel, convert them to HTML, update index and manifest.

    `audience` overrides each run's audience; `only` selects runs by name. Returns one result per run; a
    failed run does not stop the others (check ``status``).
    """
    rs = report_set if isinstance(report_set, ReportSet) else load_report_set(report_set)
    runs = rs.runs
    if only:
        only = list(only)
        unknown = sorted(set(only) - {r.name for r in runs})
        if unknown:
            raise ReportSetError(f"{rs.path or rs.name}: no run named {', '.join(unknown)} "
                                 f"(runs: {', '.join(r.name for r in runs)})")
        runs = [r for r in runs if r.name in only]
    if audience is not None:
        runs = [r.model_copy(update={"audience": audience}) for r in runs]
    out = Path(out or paths.output_dir())
    out.mkdir(parents=True, exist_ok=True)
    base = Path(rs.path).resolve().parent.parent if rs.path else repo_root()
    stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    t0 = time.perf_counter()
    results: list[RunResult] = []
    try:
        jobs = {r.name: {"name": r.name, "notebook": str(notebook_path(r.notebook, base)), "stage": str(stage),
                         "parameters": r.parameters, "audiences": r.audiences(), "title": r.title or r.name,
                         "timeout": timeout} for r in runs}
        n = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
        with ProcessPoolExecutor(max_workers=n, mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(_execute, job): name for name, job in jobs.items()}
            for fut in as_completed(futures):
                res = fut.result()
                run = next(r for r in runs if r.name == res["name"])
                res["outputs"] = _publish(res, stage, out)
                rr = RunResult(name=run.name, notebook=run.notebook, title=run.title or run.name,
                               parameters=run.parameters, audiences=run.audiences(), status=res["status"],
                               duration_s=res["duration_s"], started=res["started"], error=res["error"],
                               outputs=res["outputs"], recorded=res["recorded"],
                               effective_parameters=effective_parameters(jobs[run.name]["notebook"], run.parameters))
                results.append(rr)
                if on_done:
                    on_done(rr)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    order = [r.name for r in runs]
    results.sort(key=lambda r: order.index(r.name))
    write_manifest(rs, results, out, wall_s=time.perf_counter() - t0, workers=n)
    return results


# -- manifest and index -------------------------------------------------------------------------------------
def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = version(p)
        except PackageNotFoundError:
            out[p] = "not installed"
    return out


def evidence_hashes() -> dict[str, str]:
    """SHA-256 of every evidence file, keyed by file name."""
    from msevidence.evidence import default_evidence_dir

    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(default_evidence_dir().glob("*.yaml"))}


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_manifest(rs: ReportSet, results: list[RunResult], out: Path, *, wall_s: float, workers: int) -> dict:
    """Merge this render's runs into ``manifest.json`` (runs not rendered now keep their last entry)."""
    path = out / "manifest.json"
    old = json.loads(path.read_text()) if path.is_file() else {}
    runs = {r["name"]: r for r in old.get("runs", [])} if old.get("set") == rs.name else {}
    for r in results:
        prev = runs.get(r.name, {})
        entry = r.to_dict()
        if r.status == "failed" and prev.get("status") == "ok":
            entry["last_good"] = {k: prev.get(k) for k in ("outputs", "started", "parameters")}
        elif r.status == "failed" and "last_good" in prev:
            entry["last_good"] = prev["last_good"]
        runs[r.name] = entry
    order = [r.name for r in rs.runs]
    manifest = {
        "set": rs.name, "title": rs.title, "description": rs.description, "set_file": rs.path,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "wall_time_s": round(wall_s, 2), "workers": workers,
        "evidence_sha256": evidence_hashes(), "packages": package_versions(),
        "runs": sorted(runs.values(), key=lambda r: order.index(r["name"]) if r["name"] in order else 1e9),
    }
    _atomic_write(path, json.dumps(manifest, indent=2, default=str))
    _atomic_write(out / "index.html", index_html(manifest))
    return manifest


def _fmt_params(p: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in p.items()) or "(defaults)"


def index_html(manifest: dict[str, Any]) -> str:
    """A self-contained index page: one row per run with status, parameters, duration and links."""
    e = html.escape
    rows = []
    for r in manifest["runs"]:
        links = [f'<a href="{e(f)}">{e(k)}</a>' for k, f in r["outputs"].items() if k != "notebook"]
        if "notebook" in r["outputs"]:
            links.append(f'<a href="{e(r["outputs"]["notebook"])}">notebook</a>')
        if r["status"] == "failed" and r.get("last_good"):
            links += [f'<a href="{e(f)}">last good {e(k)}</a>'
                      for k, f in (r["last_good"].get("outputs") or {}).items() if k != "notebook"]
        err = f'<div class="err">{e(r["error"] or "")}</div>' if r["status"] == "failed" else ""
        rows.append(
            f'<tr class="{e(r["status"])}"><td><b>{e(r["title"])}</b><br><code>{e(r["name"])}</code></td>'
            f'<td class="st">{e(r["status"])}{err}</td><td><code>{e(_fmt_params(r["parameters"]))}</code></td>'
            f'<td>{r["duration_s"]:.1f} s</td><td>{" · ".join(links)}</td></tr>')
    n_ok = sum(r["status"] == "ok" for r in manifest["runs"])
    ev = "".join(f"<li><code>{e(k)}</code> sha256 <code>{e(v[:16])}…</code></li>"
                 for k, v in manifest["evidence_sha256"].items())
    pk = ", ".join(f"{e(k)} {e(v)}" for k, v in manifest["packages"].items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(manifest["title"])}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}}
table{{border-collapse:collapse;width:100%}} td,th{{border-bottom:1px solid #ddd;padding:.5em;text-align:left;
vertical-align:top}} tr.failed td.st{{color:#b00020;font-weight:bold}} tr.ok td.st{{color:#1b7a2f}}
.err{{font-weight:normal;font-size:.85em;max-width:22em}} code{{font-size:.85em}} .meta{{color:#555;font-size:.9em}}
</style></head><body>
<h1>{e(manifest["title"])}</h1>
<p>{e(manifest["description"])}</p>
<p class="meta">Report set <code>{e(manifest["set"])}</code> · {n_ok} of {len(manifest["runs"])} runs ok ·
rendered {e(manifest["created"])} in {manifest["wall_time_s"]:.1f} s with {manifest["workers"]} workers ·
<a href="manifest.json">manifest.json</a></p>
<table><thead><tr><th>Run</th><th>Status</th><th>Parameters</th><th>Duration</th><th>Open</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<h2>Provenance</h2><p class="meta">Evidence files:</p><ul class="meta">{ev}</ul>
<p class="meta">Packages: {pk}</p>
</body></html>
"""
