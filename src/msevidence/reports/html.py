"""A rendered notebook as self-contained HTML for analysts (with code) or lay readers (without)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from msevidence.presentation.record import RECORD_MIME
from msevidence.reports.sanitize import sanitize_document

LAY_REMOVED_TAGS = {"injected-parameters", "parameters", "remove-lay"}


def to_html(notebook: str | Path | Any, audience: Literal["analyst", "lay"], title: str | None = None) -> str:
    """Self-contained HTML (figures embedded as PNG). `lay` drops code, prompts, warnings and parameter cells.

    The page is sanitized (:func:`msevidence.reports.sanitize.sanitize_document`): no script, event handler,
    frame or ``javascript:``/``data:`` link survives, and a Content-Security-Policy forbids scripts."""
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
    return sanitize_document(body)


