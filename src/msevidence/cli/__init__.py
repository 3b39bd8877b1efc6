"""Command-line interface: a thin layer over the Python API (`msevidence --help`)."""

from msevidence.cli import (  # noqa: F401 - importing registers the commands
    answer,
    evidence,
    fit,
    interventions,
    personal,
    reconstruct,
    report,
    simulate,
    synth,
    walking,
    weigh,
)
from msevidence.cli.app import app, start_clock
from msevidence.cli.argv import expand_repeated


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `msevidence` console script (repeatable options take several values in a row)."""
    import sys

    import psutil
    import typer

    from msevidence.startup import skip_slow_optional_imports

    skip_slow_optional_imports()
    start_clock(psutil.Process().create_time())  # elapsed times count the interpreter's start-up too
    words = list(sys.argv[1:] if argv is None else argv)
    app(args=expand_repeated(words, typer.main.get_command(app)), prog_name="msevidence")
