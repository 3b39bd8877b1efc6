"""Where msevidence's shipped files live: evidence, notebooks, report sets, calibration caches, digitized curves.

One rule, with one override. ``$MSEVIDENCE_HOME`` names a folder laid out like the repository (``evidence/``,
``notebooks/``, ``reports/``, ``data/``). Without it, a source checkout (this file under ``src/msevidence`` with
the repository's ``pyproject.toml`` two levels up) uses its own folders; an installed wheel uses the copies
shipped as package data in ``msevidence/resources``. ``$MSEVIDENCE_EVIDENCE`` (or ``--evidence DIR``) overrides
the evidence folder alone. Generated output goes to ``./reports/output`` of the current directory, and calibrations
that cannot be written next to the shipped ones go to ``$MSEVIDENCE_CACHE`` (default ``~/.cache/msevidence``).
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_VAR, EVIDENCE_VAR, CACHE_VAR = "MSEVIDENCE_HOME", "MSEVIDENCE_EVIDENCE", "MSEVIDENCE_CACHE"
_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parents[1]


def _is_checkout(root: Path) -> bool:
    return (root / "pyproject.toml").is_file() and (root / "evidence").is_dir() and (root / "src" / "msevidence").is_dir()


def home() -> Path:
    """The folder holding ``evidence/``, ``notebooks/``, ``reports/`` and ``data/``."""
    if os.environ.get(HOME_VAR):
        return Path(os.environ[HOME_VAR]).expanduser()
    return _CHECKOUT if _is_checkout(_CHECKOUT) else _PACKAGE / "resources"


def evidence_dir() -> Path:
    """The evidence store (``$MSEVIDENCE_EVIDENCE`` if set)."""
    if os.environ.get(EVIDENCE_VAR):
        return Path(os.environ[EVIDENCE_VAR]).expanduser()
    return home() / "evidence"


def notebooks_dir() -> Path:
    return home() / "notebooks"


def report_sets_dir() -> Path:
    return home() / "reports"


def digitized_dir() -> Path:
    return home() / "data" / "digitized"


def calibration_dir() -> Path:
    """Shipped calibration caches (read); see :func:`cache_dir` for where new ones are written."""
    return home() / "data" / "calibration"


def cache_dir() -> Path:
    """Where new calibrations are written: next to the shipped ones when writable, else the user cache.

    ``$MSEVIDENCE_CACHE`` must name a folder that exists or can be created, and that can be written: a file,
    ``/dev/null`` or a read-only place is refused with one line (:class:`~msevidence.errors.OutputError`).
    """
    if os.environ.get(CACHE_VAR):
        return _usable_folder(Path(os.environ[CACHE_VAR]).expanduser(), CACHE_VAR)
    shipped = calibration_dir()
    if home() != _PACKAGE / "resources" and os.access(shipped if shipped.is_dir() else shipped.parent, os.W_OK):
        return shipped  # a checkout or $MSEVIDENCE_HOME: keep the cache beside the evidence
    return Path.home() / ".cache" / "msevidence"


def output_dir() -> Path:
    """Default output folder of report sets: ``./reports/output`` of the current directory."""
    return Path.cwd() / "reports" / "output"


def _usable_folder(path: Path, var: str) -> Path:
    """`path` if it is (or can be made) a writable folder; else one line naming the variable, path and problem."""
    from msevidence.errors import OutputError

    for p in (path, *path.parents):
        if p.exists():
            if not p.is_dir():
                what = "is a file" if p.is_file() else "is a device, FIFO or socket"
                raise OutputError(f"{var}={path}", f"{p} {what}, not a folder (rule: the cache is a writable folder)")
            if not os.access(p, os.W_OK | os.X_OK):
                raise OutputError(f"{var}={path}", f"{p} is not writable (rule: the cache is a writable folder)")
            break
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{var}={path}", f"cannot create the folder: {exc.strerror or type(exc).__name__} "
                                           "(rule: the cache is a writable folder)") from None
    return path
