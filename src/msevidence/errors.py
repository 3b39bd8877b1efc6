"""The one exception hierarchy: every expected failure is an :class:`MsEvidenceError`.

The command line prints ``str(error)`` as one line and exits with code 2; nothing else is caught broadly.
Messages name the file, field or option and the rule broken (``FILE: FIELD: rule`` or ``--option: rule``).
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, and the Unicode bidirectional overrides ("Trojan Source")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def inert(text: object) -> str:
    """`text` safe for a terminal: control characters (ESC sequences, bell, carriage return, bidi overrides)
    shown as visible escapes (``\\x1b``), never acted on."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), str(text))


class MsEvidenceError(Exception):
    """Base class of every error msevidence raises on purpose (bad input, an impossible request).

    ``str(error)`` is inert: text from files and options in the message cannot move the cursor or clear the
    terminal (see :func:`inert`)."""

    def __str__(self) -> str:
        return inert(super().__str__())


class InputError(MsEvidenceError, ValueError):
    """An input that breaks a rule; the message says which input, where and which rule."""


class OptionError(InputError):
    """A command-line option or function argument with an invalid value (``--option: rule``)."""

    def __init__(self, option: str, rule: str):
        self.option, self.rule = option, rule
        super().__init__(f"{option}: {rule}")


class TableError(InputError):
    """An events, visits or digitized table that breaks a rule; names the source, the column and the rule."""

    def __init__(self, message: str, *, source: str | None = None, column: str | None = None):
        self.source, self.column = source, column
        where = ": ".join(p for p in (source, f"column '{column}'" if column else None) if p)
        super().__init__(f"{where}: {message}" if where else message)


class EvidenceFileError(InputError):
    """An evidence file that cannot be used; `problems` lists every reason (one ``FILE:LINE: FIELD: rule`` each)."""

    def __init__(self, problems: list):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class CalibrationError(InputError):
    """A trial the synthetic generator cannot be calibrated to (no usable targets); names what is missing."""


class ReconstructionError(InputError):
    """Digitized inputs that cannot be reconstructed (which input, which arm and time, which rule)."""


class ReportSetError(InputError):
    """A report set file that is missing or invalid; the message names the file and the field."""


class TeachingError(InputError):
    """A trial or value the teaching page cannot use; says why and what to pick instead."""


class LimitError(InputError):
    """An input over a documented size limit (bytes, line length, columns, nesting depth, patients per arm)."""


class OutputError(MsEvidenceError):
    """An output path that cannot be used (a file where a folder is needed, not writable, disk full, locked)."""

    def __init__(self, path: object, rule: str):
        self.path, self.rule = str(path), rule
        super().__init__(f"{path}: {rule}")

    @classmethod
    def from_os(cls, path: object, exc: OSError, what: str = "cannot write") -> OutputError:
        """An OSError met on an output path, as one line naming the path and the rule."""
        import errno

        reasons = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded",
                   errno.EACCES: "permission denied", errno.EPERM: "permission denied",
                   errno.EROFS: "read-only file system", errno.ENOTDIR: "a parent is a file, not a folder",
                   errno.EEXIST: "a file is in the way", errno.EISDIR: "is a folder",
                   errno.ENAMETOOLONG: "a name in the path is too long (limit 255 bytes)"}
        reason = reasons.get(exc.errno, exc.strerror or type(exc).__name__)
        return cls(getattr(exc, "filename", None) or path, f"{what}: {reason} (rule: writable output path)")


class NotEstimableError(MsEvidenceError):
    """A result that cannot be estimated was asked for something that needs it (a plot of a test that has none)."""


class NotFittedError(MsEvidenceError, RuntimeError):
    """A fitted object's result was asked for before ``fit()``."""

    def __init__(self, obj: object):
        super().__init__(f"{type(obj).__name__} is not fitted yet: call .fit(...) first")
