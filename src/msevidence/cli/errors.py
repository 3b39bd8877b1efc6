"""Every expected failure of a command as one line on stderr and exit code 2.

Expected failures are :class:`msevidence.errors.MsEvidenceError` (bad input: ``FILE: FIELD: rule``; a bad
option: ``--option: rule``; an unusable output path) and click's usage errors (an unknown option, a value of
the wrong type or range), which are rewritten as ``--option: rule``. Nothing else is caught: a bug still shows
its traceback. Commands turn an ``OSError`` on an output path into :class:`OutputError` with :func:`output_error`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from msevidence.errors import EvidenceFileError, MsEvidenceError, OutputError

try:  # typer >= 0.20 vendors click
    from typer._click.exceptions import BadParameter, MissingParameter, NoSuchOption, UsageError
except ImportError:  # pragma: no cover - older typer on click
    from click.exceptions import BadParameter, MissingParameter, NoSuchOption, UsageError

EXIT_INPUT = 2  # bad input, option or output path
EXIT_INTERRUPTED = 130


def one_line(exc: BaseException) -> str:
    """The error as one line: an evidence error shows its first problem and how many more there are."""
    if isinstance(exc, EvidenceFileError) and len(exc.problems) > 1:
        first = str(exc.problems[0])
        return f"{' '.join(first.split())} (and {len(exc.problems) - 1} more problems; run `msevidence validate`)"
    return " ".join(str(exc).split())


def usage_line(exc: UsageError) -> str:
    """A click usage error as ``--option: rule`` (or ``usage: rule`` when no option is concerned)."""
    if isinstance(exc, NoSuchOption):
        rule = f"no such option{f' (did you mean {exc.possibilities[0]}?)' if exc.possibilities else ''}"
        return f"{exc.option_name}: {rule} (see --help)"
    if isinstance(exc, BadParameter) and exc.param is not None:
        p = exc.param
        is_arg = getattr(p, "param_type_name", "") == "argument"
        name = str(p.name or "argument").upper() if is_arg or not getattr(p, "opts", None) else p.opts[0]
        rule = exc.message
        if isinstance(exc, MissingParameter):
            rule = f"required {'argument' if is_arg else 'option'} is missing"
        return f"{name}: {' '.join(str(rule).split())}"
    return f"usage: {' '.join(exc.format_message().split())} (see --help)"


def output_error(path: Path | str, exc: OSError, what: str = "cannot write") -> OutputError:
    """An OSError met while writing `path` as a one-line :class:`OutputError` naming the path and the rule."""
    return OutputError.from_os(path, exc, what)


class Group(TyperGroup):
    """The command group: runs a command and turns its expected failures into one line and exit code 2."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # `msevidence` alone: the help, as click shows it
                typer.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
                sys.exit(exc.exit_code)
            typer.echo(f"error: {usage_line(exc)}", err=True)
            sys.exit(EXIT_INPUT)
        except MsEvidenceError as exc:
            typer.echo(f"error: {one_line(exc)}", err=True)
            sys.exit(EXIT_INPUT)
        except typer.Abort:
            typer.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        if standalone_mode:
            sys.exit(rv if isinstance(rv, int) else 0)
        return rv
