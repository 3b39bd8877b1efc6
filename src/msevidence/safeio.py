"""Bounded reading of input files and safe writing of output files.

Reading: regular files only, at most a documented number of bytes, lines and columns.

Every reader of user files goes through here, so ``validate /dev/zero`` or a 5 MB CSV header fails at once with
one line naming the file and the limit instead of hanging. The limits (documented in the README) are:

- evidence and report-set YAML: :data:`MAX_YAML_BYTES` bytes, nesting depth :data:`MAX_YAML_DEPTH`;
- CSV tables: :data:`MAX_TABLE_BYTES` bytes, lines of at most :data:`MAX_LINE_BYTES` bytes and
  :data:`MAX_COLUMNS` columns;
- digitized curves, numbers at risk and pooling estimates: :data:`MAX_SMALL_TABLE_BYTES` bytes;
- small JSON side files (``calibration.json``, ``manifest.json``): :data:`MAX_JSON_BYTES` bytes.

Writing: :func:`check_output_file` refuses, before any work, an output that is an input (resolved paths), a
shipped file, a folder, a device, under a file, unwritable or with a name over :data:`MAX_NAME_BYTES` bytes;
:func:`atomic_output` writes beside the target and moves into place, so a full disk never leaves half a file
and reports the path and the problem in one line (:func:`os_problem`).
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from msevidence import paths
from msevidence.errors import InputError, LimitError, OptionError, OutputError

MAX_YAML_BYTES = 2_000_000
MAX_YAML_DEPTH = 100
MAX_TABLE_BYTES = 500_000_000
MAX_LINE_BYTES = 100_000
MAX_COLUMNS = 500
MAX_JSON_BYTES = 50_000_000
MAX_SMALL_TABLE_BYTES = 20_000_000  # digitized curves, numbers at risk, pooling estimates
MAX_PER_ARM = 100_000  # synthetic patients per arm; 10 million would need tens of GB


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def check_input_file(path: str | Path, max_bytes: int, *, display: str | None = None) -> int:
    """The size of a regular file of at most `max_bytes` bytes, checked by ``stat`` alone (never blocks, reads
    nothing): :class:`InputError` for a missing or non-regular file, :class:`LimitError` above the limit."""
    name = display or str(path)
    try:
        st = os.stat(path)  # stat never blocks on a FIFO; open() would
    except OSError as exc:
        raise InputError(f"{name}: cannot read file: {exc.strerror} (rule: readable file)") from None
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (a device, FIFO or socket)"
        raise InputError(f"{name}: is {kind} (rule: inputs are regular files)")
    if st.st_size > max_bytes:
        raise LimitError(f"{name}: file is {_mb(st.st_size)}; the limit is {_mb(max_bytes)} (rule: file size)")
    return st.st_size


def read_bytes(path: str | Path, max_bytes: int, *, display: str | None = None) -> bytes:
    """The bytes of a regular file of at most `max_bytes` bytes; never reads more than ``max_bytes + 1``.

    Raises :class:`InputError` for a missing, unreadable or non-regular file (a device, a FIFO, a folder)
    and :class:`LimitError` above the limit.
    """
    name = display or str(path)
    check_input_file(path, max_bytes, display=name)
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"{name}: cannot read file: {exc.strerror} (rule: readable file)") from None
    if len(data) > max_bytes:  # grew while reading, or a file whose size stat does not tell
        raise LimitError(f"{name}: more than {_mb(max_bytes)} (rule: file size)")
    return data


def check_table_shape(data: bytes, name: str, *, max_line: int = MAX_LINE_BYTES,
                      max_columns: int = MAX_COLUMNS, sep: bytes = b",") -> None:
    """Refuse a CSV whose lines are longer than `max_line` bytes or whose header has over `max_columns` columns."""
    import numpy as np

    header_end = data.find(b"\n", 0, max_line + 2)
    header = data[: header_end if header_end != -1 else max_line + 2]
    if len(header.rstrip(b"\r")) > max_line:
        raise LimitError(f"{name}: line 1 is longer than {max_line:,} bytes (rule: line length)")
    cols = header.count(sep) + 1
    if cols > max_columns:
        raise LimitError(f"{name}: line 1 has {cols:,} columns; the limit is {max_columns:,} (rule: column count)")
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    lengths = np.diff(np.concatenate(([-1], ends, [len(data)]))) - 1
    too_long = np.flatnonzero(lengths > max_line + 1)  # +1 allows a trailing \r
    if too_long.size:
        raise LimitError(f"{name}: line {int(too_long[0]) + 1:,} is longer than {max_line:,} bytes "
                         "(rule: line length)")


# -- output paths -----------------------------------------------------------------------------------------------
MAX_NAME_BYTES = 255  # one path component (NAME_MAX on Linux and macOS)


def os_problem(path: str | Path, exc: OSError, what: str = "cannot write") -> OutputError:
    """An OSError met on an output path as one line naming `path` (not a temporary file beside it) and the
    problem (never ``[Errno N]``)."""
    exc.filename = None
    return OutputError.from_os(path, exc, what)


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def check_output_file(path: str | Path, *, option: str = "--out", inputs: tuple = (),
                      suffixes: tuple[str, ...] | None = None) -> Path:
    """Refuse, before any work, an output file that would overwrite an input or cannot be written.

    The rules: the name ends in one of `suffixes` (when given); no path component is longer than
    :data:`MAX_NAME_BYTES`; the path is not an input (compared after resolving links) nor a shipped file of the
    evidence store, notebooks or report sets; it is not a folder or a device; its nearest existing parent is a
    writable folder. Raises :class:`OptionError` or :class:`OutputError` (one line naming the path).
    """
    p = Path(path)
    for part in p.parts:
        if len(os.fsencode(part)) > MAX_NAME_BYTES:
            raise OutputError(p, f"a name in the path is {len(os.fsencode(part))} bytes; the limit is "
                                 f"{MAX_NAME_BYTES} (rule: file name length)")
    if p.is_dir():
        raise OutputError(p, f"is a folder (rule: {option} names a file)")
    if suffixes is not None and p.suffix.lower() not in suffixes:
        raise OptionError(option, f"{p}: the file name must end in {', '.join(suffixes)} "
                                  f"(rule: {option} names a {' or '.join(x.lstrip('.') for x in suffixes)} file)")
    for q in inputs:
        if isinstance(q, str | os.PathLike) and _same(p, Path(q)):
            raise OutputError(p, f"is the input file {q} (rule: outputs never overwrite an input)")
    for shipped in (paths.evidence_dir(), paths.notebooks_dir(), paths.report_sets_dir()):
        try:
            if p.resolve().is_relative_to(shipped.resolve()):
                raise OutputError(p, f"is inside {shipped} (rule: outputs never overwrite shipped evidence, "
                                     "notebooks or report sets)")
        except OSError:
            pass
    if p.exists() and not p.is_file():
        raise OutputError(p, "is a device, FIFO or socket, not a regular file (rule: outputs are regular files)")
    for parent in p.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(parent, f"is a file, not a folder, so {p} cannot be created "
                                          "(rule: writable output path)")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise OutputError(parent, "not writable (rule: writable output path)")
            break
    return p


@contextmanager
def atomic_output(path: str | Path, what: str = "cannot write") -> Iterator[Path]:
    """A temporary path beside `path` to write to; moved onto `path` only when the block succeeds.

    A failed write (full disk, quota, permissions) leaves any earlier file at `path` untouched and raises
    :class:`OutputError` naming `path` and the problem.
    """
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{p.name[:100]}.", suffix=".tmp", dir=p.parent)
        os.close(fd)
    except OSError as exc:
        raise os_problem(p, exc, "cannot create") from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, p)
    except OSError as exc:
        raise os_problem(p, exc, what) from None
    finally:
        tmp.unlink(missing_ok=True)
