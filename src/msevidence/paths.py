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
    """Where new calibrations are written: next to the shipped ones when writable, else the user cache."""
    if os.environ.get(CACHE_VAR):
        return Path(os.environ[CACHE_VAR]).expanduser()
    shipped = calibration_dir()
    if home() != _PACKAGE / "resources" and os.access(shipped if shipped.is_dir() else shipped.parent, os.W_OK):
        return shipped  # a checkout or $MSEVIDENCE_HOME: keep the cache beside the evidence
    return Path.home() / ".cache" / "msevidence"


def output_dir() -> Path:
    """Default output folder of report sets: ``./reports/output`` of the current directory."""
    return Path.cwd() / "reports" / "output"
