"""Command-line interface: a thin layer over the Python API (`msevidence --help`)."""

from msevidence.cli import evidence, fit, reconstruct, report, synth, walking  # noqa: F401 - importing registers the commands
from msevidence.cli.app import app


def main() -> None:
    """Entry point of the `msevidence` console script."""
    app()
