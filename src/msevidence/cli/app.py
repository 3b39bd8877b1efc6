"""The `msevidence` Typer application; each command lives in a sibling module."""

import typer

from msevidence.cli.errors import Group

app = typer.Typer(
    name="msevidence",
    cls=Group,
    help="Explore ocrelizumab trial evidence: disability progression (EDSS) and walking speed (T25FW), kept apart.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
