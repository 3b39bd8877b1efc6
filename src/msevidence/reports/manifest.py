"""The manifest (``manifest.json``: parameters, seed, hashes, versions, timings, status) and the index page."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import platform
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

from msevidence.reports.config import ReportSet

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
