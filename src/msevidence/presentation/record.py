"""Values a notebook records in its outputs for tests and manifests (hidden from readers of the HTML)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

RECORD_MIME = "application/vnd.msevidence.record+json"

_RECORDS: dict[str, Any] = {}


def _jsonable(value: Any) -> Any:
    """Plain JSON types (numpy scalars to floats, NaN to None, dataclasses and frames via `to_json`)."""
    if hasattr(value, "to_json") and not isinstance(value, str | bytes):
        value = value.to_json()
        if isinstance(value, str):
            value = json.loads(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def record(name: str, value: Any) -> None:
    """Record a JSON-able value in the running notebook's outputs; read it back with :func:`recorded`.

    The value is stored as a display output of MIME type ``application/vnd.msevidence.record+json``,
    which HTML conversion drops, so readers never see it.
    """
    value = _jsonable(value)
    _RECORDS[name] = value
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return
    if get_ipython() is not None:
        display({RECORD_MIME: {name: value}}, raw=True)


def recorded(notebook: str | Path | Any) -> dict[str, Any]:
    """Every value an executed notebook (path or nbformat node) recorded with :func:`record`."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4) if isinstance(notebook, str | Path) else notebook
    out: dict[str, Any] = {}
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            data = o.get("data", {}).get(RECORD_MIME)
            if data:
                out.update(json.loads(data) if isinstance(data, str) else data)
    return out
