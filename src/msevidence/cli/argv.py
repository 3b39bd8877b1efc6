"""Command-line words before Typer sees them: a repeatable option takes several values in a row.

``msevidence fit EVENTS --endpoint cdp12_edss --at 48 120`` means ``--at 48 --at 120``, as the README writes it.
The values after such an option run until the next option (a word starting with ``-`` that is not a number)
or ``--``; put positional arguments (files) before them.
"""

from __future__ import annotations

import re
from typing import Any

_NUMBER = re.compile(r"^-?\d+(\.\d*)?([eE][-+]?\d+)?$")


def repeatable_options(command: Any, argv: list[str]) -> set[str]:
    """The spellings of the options declared ``multiple`` on the subcommand named by ``argv[0]`` (read by
    attribute, since Typer may carry its own copy of click)."""
    sub = command.commands.get(argv[0]) if hasattr(command, "commands") and argv else command
    if sub is None:
        return set()
    return {o for p in sub.params if getattr(p, "param_type_name", "") == "option" and getattr(p, "multiple", False)
            for o in p.opts}


def expand_repeated(argv: list[str], command: Any) -> list[str]:
    """``--opt a b`` -> ``--opt a --opt b`` for every repeatable option of the subcommand."""
    multi = repeatable_options(command, argv)
    out: list[str] = []
    current: str | None = None
    for i, word in enumerate(argv):
        if word == "--":
            return out + argv[i:]
        if word in multi:
            current = word
            out.append(word)
            continue
        is_value = not word.startswith("-") or bool(_NUMBER.match(word))
        if current is not None and is_value and out and out[-1] != current:
            out += [current, word]
            continue
        if not is_value:
            current = None
        out.append(word)
    return out
