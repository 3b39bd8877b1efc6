"""The `msevidence` Typer application; each command lives in a sibling module."""

import os
import time
from pathlib import Path
from typing import Annotated

import typer

from msevidence import paths
from msevidence.cli.errors import Group

EvidenceOption = Annotated[Path | None, typer.Option(
    "--evidence", help=f"Evidence folder to use instead of the shipped one (or set ${paths.EVIDENCE_VAR}).")]


_started = [time.time()]  # when the command line was imported; main() sets the process's own start


def start_clock(at: float) -> None:
    """Measure :func:`wall_seconds` from `at` (seconds since the epoch): the process start, in `main()`."""
    _started[0] = at


def wall_seconds() -> float:
    """Seconds the user has waited so far: since the process started (interpreter start-up included)."""
    return time.time() - _started[0]


def use_evidence(folder: Path | None) -> None:
    """Make `folder` the evidence store for this command and every process it starts (report kernels)."""
    if folder is not None:
        os.environ[paths.EVIDENCE_VAR] = str(folder.resolve())


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"msevidence {version('msevidence')}")
        except PackageNotFoundError:  # a source tree that was never installed
            typer.echo("msevidence 0+unknown")
        raise typer.Exit()


app = typer.Typer(
    name="msevidence",
    cls=Group,
    help="Explore ocrelizumab trial evidence: disability progression (EDSS) and walking speed (T25FW), kept apart.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help text: no Rich rendering to import, no markup read in it
)


@app.callback()
def _options(version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                                   help="Print the version and exit.")] = False) -> None:
    """Explore ocrelizumab trial evidence: disability progression (EDSS) and walking speed (T25FW), kept apart."""
