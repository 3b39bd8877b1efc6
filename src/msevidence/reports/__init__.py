"""Report sets: config (``reports/*.yaml``), execution (papermill in a process pool, staging + atomic
publishing), HTML (analyst with code, lay without), and the index page and manifest.

>>> from msevidence import reports
>>> results = reports.render("default", workers=2)   # doctest: +SKIP
"""

from msevidence.errors import ReportSetError
from msevidence.presentation.record import RECORD_MIME, record, recorded
from msevidence.reports.config import (
    KERNEL_NAME,
    ReportSet,
    Run,
    effective_parameters,
    load_report_set,
    notebook_parameters,
    notebook_path,
    set_path,
    simulatable,
)
from msevidence.reports.execute import render
from msevidence.reports.html import to_html
from msevidence.reports.manifest import RunResult, index_html, package_versions, write_manifest

__all__ = [
    "KERNEL_NAME", "RECORD_MIME", "ReportSet", "ReportSetError", "Run", "RunResult", "effective_parameters",
    "index_html", "load_report_set", "notebook_parameters", "notebook_path", "package_versions", "record",
    "recorded", "render", "set_path", "simulatable", "to_html", "write_manifest",
]
