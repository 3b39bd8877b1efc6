"""The `msevidence` Typer application; each command lives in a sibling module."""

import os
from pathlib import Path
from typing import Annotated

import typer

from msevidence import paths
from msevidence.cli.errors import Group

EvidenceOption = Annotated[Path | None, typer.Option(
    "--evidence", help=f"Evidence folder to use instead of the shipped one (or set ${paths.EVIDENCE_VAR}).")]


def use_evidence(folder: Path | None) -> None:
    """Make `folder` the evidence store for this command and every process it starts (report kernels)."""
    if folder is not None:
        os.environ[paths.EVIDENCE_VAR] = str(folder.resolve())

app = typer.Typer(
    name="msevidence",
    cls=Group,
    help="Explore ocrelizumab trial evidence: disability progression (EDSS) and walking speed (T25FW), kept apart.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
