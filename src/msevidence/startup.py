"""Start-up of the command line and of the runner's processes: import-time work they skip, and the console script.

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


def console_main() -> None:
    """Entry point of the ``msevidence`` console script. A Ctrl-C or SIGTERM that arrives while the command line
    is still being imported ends the process quietly (one line, exit 128 + signal number), not with a traceback;
    once imported, the command's own handling takes over (:func:`msevidence.cli.main`)."""
    import os
    import signal

    def stop(signum: int, _frame: object) -> None:
        os.write(2, b"stopped: interrupted while starting\n")
        os._exit(128 + signum)  # nothing to clean up yet: no file written, no child started

    caught = (signal.SIGINT, signal.SIGTERM)
    before = {s: signal.signal(s, stop) for s in caught}
    from msevidence.cli import main

    for s, handler in before.items():
        signal.signal(s, handler)
    main()
