"""Start-up of the command line and of the runner's processes: the import-time work they skip.

Reading a notebook imports nbformat, which imports jsonschema, whose optional IRI format check imports
``rfc3987_syntax``; that module builds an Earley parser when imported, about 2 s of CPU in every process that
reads a notebook (the CLI, each worker, papermill, nbconvert). No notebook schema field uses the IRI formats, so
the runner's processes mark the module as absent and jsonschema leaves those two formats unchecked, as it does
when the package is not installed.
"""

from __future__ import annotations

import sys

SKIPPED = ("rfc3987_syntax",)


def skip_slow_optional_imports() -> None:
    """Mark :data:`SKIPPED` modules as not installed in this process (a module already imported is kept)."""
    for name in SKIPPED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # None: `import name` raises ImportError

