"""Manifests and index pages of an output folder where report sets live side by side.

``<out>/<set>/manifest.json`` (parameters, seed, hashes, versions, timings, status of each run) and
``<out>/<set>/index.html`` belong to one set; ``<out>/manifest.json`` and ``<out>/index.html`` list every set
found there (status, audiences, time) and are rebuilt from the sets' manifests each time, so rendering one set
never removes another. A truncated or wrong-shaped set manifest is rebuilt from the pages on disk, with a
warning, before anything is published. Every string shown in an index is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import math
import os
import platform
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

from msevidence.errors import InputError, OutputError
from msevidence.reports.config import ReportSet
from msevidence.safeio import MAX_JSON_BYTES, read_bytes

PACKAGES = ("msevidence", "numpy", "scipy", "pandas", "statsmodels", "lifelines", "matplotlib", "pydantic",
            "papermill", "nbconvert", "nbclient", "ipykernel")


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
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError.from_os(path, exc) from None


_PAGE = re.compile(r"^(?P<name>[A-Za-z0-9_\-]+)\.(?P<failed>failed\.)?(?P<kind>analyst\.html|lay\.html|ipynb)$")
_FILE = re.compile(r"^[A-Za-z0-9_\-][A-Za-z0-9_.\-]*$")  # a file of the set's folder, nothing else
_KINDS = {"analyst.html": "analyst", "lay.html": "lay", "ipynb": "notebook"}


def _valid(doc: Any) -> bool:
    """Whether a set manifest has the shape this module writes."""
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list) or not isinstance(doc.get("set"), str):
        return False
    for r in doc["runs"]:
        if not (isinstance(r, dict) and isinstance(r.get("name"), str) and r.get("status") in ("ok", "failed")
                and isinstance(r.get("outputs"), dict) and isinstance(r.get("parameters"), dict)
                and isinstance(r.get("duration_s"), int | float) and isinstance(r.get("title"), str)):
            return False
        if not all(isinstance(v, str) and _FILE.match(v) for v in r["outputs"].values()):
            return False
    return True


def recover_manifest(set_dir: Path, set_name: str) -> dict:
    """A set manifest rebuilt from the pages found in `set_dir` (parameters and timings are unknown)."""
    runs: dict[str, dict] = {}
    for f in sorted(set_dir.iterdir()):
        m = _PAGE.match(f.name)
        if not m:
            continue
        started = dt.datetime.fromtimestamp(f.stat().st_mtime, dt.UTC).isoformat(timespec="seconds")
        r = runs.setdefault(m["name"], {
            "name": m["name"], "notebook": "", "title": m["name"], "parameters": {}, "audiences": [],
            "status": "ok", "duration_s": 0.0, "started": started, "error": None, "outputs": {}, "recorded": {},
            "effective_parameters": {}, "seed": None, "recovered": True})
        kind = _KINDS[m["kind"]]
        if m["failed"]:
            r.setdefault("failed_outputs", {})[kind] = f.name
        else:
            r["outputs"][kind] = f.name
            if kind != "notebook":
                r["audiences"] = sorted({*r["audiences"], kind})
    for r in runs.values():
        failed = r.pop("failed_outputs", None)
        if failed:
            if r["outputs"]:
                r["last_good"] = {"outputs": r["outputs"], "started": r["started"], "parameters": {}}
            r.update(status="failed", outputs=failed, error="failed (the error was not recorded: manifest rebuilt "
                                                            "from the pages on disk)")
    return {"set": set_name, "title": set_name, "description": "", "set_file": None,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "wall_time_s": 0.0, "workers": 0,
            "evidence_sha256": {}, "packages": {}, "recovered": True, "runs": list(runs.values())}


def load_manifest(set_dir: Path, set_name: str, say: Callable[[str], None] | None = None) -> dict | None:
    """The set's manifest; None if there is none. A corrupt one is rebuilt from the pages (with a warning via
    `say`) and written back with its index, so the folder agrees with itself before anything is published."""
    path = set_dir / "manifest.json"
    if not path.exists():
        return None
    problem = None
    try:
        doc = json.loads(read_bytes(path, MAX_JSON_BYTES))
        if not _valid(doc):
            problem = "not a manifest of the expected shape"
    except InputError as exc:  # too big, not a regular file
        problem = str(exc).removeprefix(f"{path}: ")
    except ValueError as exc:  # not JSON, or not UTF-8
        problem = f"not valid JSON ({' '.join(str(exc).split())[:80]})"
    if problem is None:
        if doc["set"] != set_name:
            return None
        return doc
    doc = recover_manifest(set_dir, set_name)
    if say:
        say(f"warning: {path}: {problem}; rebuilt from the {len(doc['runs'])} run(s) found on disk")
    _atomic_write(path, json.dumps(doc, indent=2, default=str))
    _atomic_write(set_dir / "index.html", index_html(doc))
    return doc


def write_manifest(rs: ReportSet, results: list[RunResult], out: Path, *, wall_s: float, workers: int,
                   say: Callable[[str], None] | None = None) -> dict:
    """Merge this render's runs into ``<out>/manifest.json`` (runs not rendered now keep their last entry)
    and rewrite ``<out>/index.html``; `out` is the set's own folder."""
    path = out / "manifest.json"
    old = load_manifest(out, rs.name, say) or {}
    runs = {r["name"]: r for r in old.get("runs", [])}
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
    manifest = _finite(manifest)
    _atomic_write(path, json.dumps(manifest, indent=2, default=str, allow_nan=False))
    _atomic_write(out / "index.html", index_html(manifest))
    return manifest


def _finite(obj: Any) -> Any:
    """Strict-JSON data: NaN and infinities become None (recorded values are already converted; this is a guard)."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def set_summary(manifest: dict) -> dict:
    """One row of the top index: status, audiences and time of a set."""
    runs = manifest["runs"]
    n_ok = sum(r["status"] == "ok" for r in runs)
    audiences = sorted({a for r in runs for a in (r.get("audiences") or []) if isinstance(a, str)})
    return {"set": manifest["set"], "title": manifest.get("title") or manifest["set"],
            "status": "ok" if n_ok == len(runs) else f"{len(runs) - n_ok} of {len(runs)} runs failed",
            "n_runs": len(runs), "n_ok": n_ok, "audiences": audiences, "created": manifest.get("created"),
            "recovered": bool(manifest.get("recovered")),
            "index": f"{manifest['set']}/index.html", "manifest": f"{manifest['set']}/manifest.json"}


def write_top_index(root: Path, say: Callable[[str], None] | None = None) -> dict:
    """Rebuild ``<root>/manifest.json`` (the list of sets) and ``<root>/index.html`` from the sets on disk."""
    sets = []
    for d in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        m = load_manifest(d, d.name, say)
        if m is not None:
            sets.append(set_summary(m))
    top = {"kind": "msevidence report sets", "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
           "sets": sets}
    _atomic_write(root / "manifest.json", json.dumps(top, indent=2, allow_nan=False))
    _atomic_write(root / "index.html", top_index_html(top))
    return top


_STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #ddd;padding:.5em;text-align:left;
vertical-align:top} tr.failed td.st{color:#b00020;font-weight:bold} tr.ok td.st{color:#1b7a2f}
.err{font-weight:normal;font-size:.85em;max-width:22em} code{font-size:.85em} .meta{color:#555;font-size:.9em}"""
_HEAD = ('<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
         '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
         'img-src data:; script-src \'none\'; object-src \'none\'; frame-src \'none\'; form-action \'none\'; '
         'base-uri \'none\'">\n')


def top_index_html(top: dict[str, Any]) -> str:
    """The page listing every report set in the output folder (status, audience, time, links)."""
    e = html.escape
    rows = []
    for s in top["sets"]:
        cls = "ok" if s["status"] == "ok" else "failed"
        note = " (rebuilt from the pages on disk)" if s.get("recovered") else ""
        rows.append(f'<tr class="{cls}"><td><b>{e(s["title"])}</b><br><code>{e(s["set"])}</code></td>'
                    f'<td class="st">{e(s["status"])}{e(note)}</td><td>{e(", ".join(s["audiences"]) or "-")}</td>'
                    f'<td>{e(str(s["created"] or ""))}</td><td>{s["n_ok"]} of {s["n_runs"]}</td>'
                    f'<td><a href="{e(s["index"])}">open</a> · <a href="{e(s["manifest"])}">manifest</a></td></tr>')
    return f"""{_HEAD}<title>msevidence reports</title>
<style>
{_STYLE}
</style></head><body>
<h1>msevidence reports</h1>
<p class="meta">Every report set rendered into this folder, each in its own folder. Index rebuilt
{e(top["created"])} · <a href="manifest.json">manifest.json</a></p>
<table><thead><tr><th>Report set</th><th>Status</th><th>Audience</th><th>Rendered (UTC)</th><th>Runs ok</th>
<th>Open</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
</body></html>
"""


def _fmt_params(p: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in p.items()) or "(defaults)"


def index_html(manifest: dict[str, Any]) -> str:
    """A self-contained index page: one row per run with status, parameters, duration and links."""
    e = html.escape
    rows = []
    for r in manifest["runs"]:
        outputs = {k: f for k, f in r["outputs"].items() if isinstance(f, str) and _FILE.match(f)}
        links = [f'<a href="{e(f)}">{e(k)}</a>' for k, f in outputs.items() if k != "notebook"]
        if "notebook" in outputs:
            links.append(f'<a href="{e(outputs["notebook"])}">notebook</a>')
        if r["status"] == "failed" and r.get("last_good"):
            links += [f'<a href="{e(f)}">last good {e(k)}</a>'
                      for k, f in (r["last_good"].get("outputs") or {}).items()
                      if k != "notebook" and isinstance(f, str) and _FILE.match(f)]
        err = f'<div class="err">{e(r["error"] or "")}</div>' if r["status"] == "failed" else ""
        rows.append(
            f'<tr class="{e(r["status"])}"><td><b>{e(r["title"])}</b><br><code>{e(r["name"])}</code></td>'
            f'<td class="st">{e(r["status"])}{err}</td><td><code>{e(_fmt_params(r["parameters"]))}</code></td>'
            f'<td>{float(r["duration_s"]):.1f} s</td><td>{" · ".join(links)}</td></tr>')
    n_ok = sum(r["status"] == "ok" for r in manifest["runs"])
    ev = "".join(f"<li><code>{e(k)}</code> sha256 <code>{e(v[:16])}…</code></li>"
                 for k, v in manifest["evidence_sha256"].items())
    pk = ", ".join(f"{e(k)} {e(v)}" for k, v in manifest["packages"].items())
    return f"""{_HEAD}<title>{e(manifest["title"])}</title>
<style>
{_STYLE}
</style></head><body>
<p class="meta"><a href="../index.html">All report sets</a></p>
<h1>{e(manifest["title"])}</h1>
<p>{e(manifest["description"])}</p>
<p class="meta">Report set <code>{e(manifest["set"])}</code> · {n_ok} of {len(manifest["runs"])} runs ok ·
rendered {e(str(manifest["created"]))} in {float(manifest["wall_time_s"]):.1f} s with {int(manifest["workers"])} workers ·
<a href="manifest.json">manifest.json</a></p>
<table><thead><tr><th>Run</th><th>Status</th><th>Parameters</th><th>Duration</th><th>Open</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<h2>Provenance</h2><p class="meta">Evidence files:</p><ul class="meta">{ev}</ul>
<p class="meta">Packages: {pk}</p>
</body></html>
"""
