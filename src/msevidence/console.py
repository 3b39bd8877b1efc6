"""The ``msevidence`` console script: the command line, guarded while it is being imported.

It sits in the command line's layer, but outside the ``cli`` package, so that starting it imports nothing until the
signal guard is in place.
"""

from __future__ import annotations


def main() -> None:
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
    from msevidence.cli import main as cli_main

    for s, handler in before.items():
        signal.signal(s, handler)
    cli_main()
