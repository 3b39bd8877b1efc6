"""Bounded reading of input files: regular files only, at most a documented number of bytes, lines and columns.

Every reader of user files goes through here, so ``validate /dev/zero`` or a 5 MB CSV header fails at once with
one line naming the file and the limit instead of hanging. The limits (documented in the README) are:

- evidence and report-set YAML: :data:`MAX_YAML_BYTES` bytes, nesting depth :data:`MAX_YAML_DEPTH`;
- CSV tables: :data:`MAX_TABLE_BYTES` bytes, lines of at most :data:`MAX_LINE_BYTES` bytes and
  :data:`MAX_COLUMNS` columns;
- small JSON side files (``calibration.json``, ``manifest.json``): :data:`MAX_JSON_BYTES` bytes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from msevidence.errors import InputError, LimitError

MAX_YAML_BYTES = 2_000_000
MAX_YAML_DEPTH = 100
MAX_TABLE_BYTES = 500_000_000
MAX_LINE_BYTES = 100_000
MAX_COLUMNS = 500
MAX_JSON_BYTES = 50_000_000
MAX_PER_ARM = 100_000  # synthetic patients per arm; 10 million would need tens of GB


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def read_bytes(path: str | Path, max_bytes: int, *, display: str | None = None) -> bytes:
    """The bytes of a regular file of at most `max_bytes` bytes; never reads more than ``max_bytes + 1``.

    Raises :class:`InputError` for a missing, unreadable or non-regular file (a device, a FIFO, a folder)
    and :class:`LimitError` above the limit.
    """
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
