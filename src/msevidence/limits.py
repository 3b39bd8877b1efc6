"""The documented limits of a simulation, checked before any work begins, and the Dask scheduler address.

Every simulated patient of every trial is held in memory for one chunk of trials, and the whole run takes time
in proportion to trials x patients x designs; these limits keep a mistyped option from asking for gigabytes or
days. They are listed in the README ("Limits").
"""

from __future__ import annotations

import math
import re
import socket
from urllib.parse import urlsplit

from msevidence.errors import LimitError, OptionError

MAX_SEED = 2**63 - 1
HR_RANGE = (0.01, 100.0)  # true hazard ratios (beyond them every simulated trial gives the same answer)
MAX_TRIALS = 1_000_000  # simulated trials per design
MAX_PER_ARM = 10_000  # patients per arm of a simulated trial (command line; a design object takes 100,000)
MAX_PER_ARM_DESIGN = 100_000
MAX_PATIENTS_PER_CHUNK = 20_000_000  # trials in one chunk x patients per trial (about 1 GB while simulated)
MAX_GRID_VALUES = 100  # values of each --grid-* option
MAX_CELLS = 1_000  # designs in a grid
MAX_PATIENTS_SIMULATED = 2_000_000_000  # trials x patients per trial x designs, in all
MAX_CONFIRMATION_WEEKS = 520  # ten years
MAX_PROCESSES = 64
DASK_SCHEMES = ("tcp", "tls")
DASK_TIMEOUT_S = 5.0
_HOST = re.compile(r"^[A-Za-z0-9._\-]{1,253}$|^[0-9A-Fa-f:.]+$")  # a host name, IPv4 or IPv6 address


def check_seed(seed: int) -> int:
    if not 0 <= seed <= MAX_SEED:
        raise OptionError("--seed", f"must be a whole number from 0 to {MAX_SEED} (got {seed})")
    return seed


def check_hr(hr: float, option: str = "--hr") -> float:
    lo, hi = HR_RANGE
    if not (math.isfinite(hr) and lo <= hr <= hi):
        raise OptionError(option, f"a true hazard ratio must be between {lo:g} and {hi:g} (got {hr:g})")
    return float(hr)


def check_n_trials(n: int) -> int:
    if not 1 <= n <= MAX_TRIALS:
        raise OptionError("--n-trials", f"must be from 1 to {MAX_TRIALS:,} (got {n:,})")
    return n


def check_per_arm(n: int, option: str = "--n-per-arm", maximum: int = MAX_PER_ARM) -> int:
    if not 1 <= n <= maximum:
        raise LimitError(f"{option}: {n:,} patients in an arm; simulated trials have 1 to {maximum:,} "
                         "patients per arm (rule: simulated trial size)")
    return n


def check_confirmation(weeks: float, option: str = "--confirmation-weeks") -> float:
    if not (math.isfinite(weeks) and 0 <= weeks <= MAX_CONFIRMATION_WEEKS):
        raise OptionError(option, f"must be from 0 to {MAX_CONFIRMATION_WEEKS} weeks (got {weeks:g})")
    return weeks


def check_processes(n: int | None) -> int | None:
    if n is not None and not 1 <= n <= MAX_PROCESSES:
        raise OptionError("--processes", f"must be from 1 to {MAX_PROCESSES} (got {n})")
    return n


def check_work(n_trials: int, patients_per_trial: int, n_designs: int = 1, chunk: int = 1000) -> None:
    """Refuse a run of more than :data:`MAX_CELLS` designs, :data:`MAX_PATIENTS_SIMULATED` patients in all, or
    :data:`MAX_PATIENTS_PER_CHUNK` patients held at once (`chunk` trials at a time)."""
    at_once = min(n_trials, chunk) * patients_per_trial
    if at_once > MAX_PATIENTS_PER_CHUNK:
        raise LimitError(f"--n-per-arm: {min(n_trials, chunk):,} trials of {patients_per_trial:,} patients are "
                         f"simulated at once, {at_once:,} patients; the limit is {MAX_PATIENTS_PER_CHUNK:,} "
                         "(rule: memory per chunk)")
    if n_designs > MAX_CELLS:
        raise LimitError(f"--grid: {n_designs:,} designs; the limit is {MAX_CELLS:,} (rule: grid size)")
    total = n_trials * patients_per_trial * n_designs
    if total > MAX_PATIENTS_SIMULATED:
        raise LimitError(f"--n-trials: {n_trials:,} trials x {patients_per_trial:,} patients x {n_designs:,} "
                         f"design(s) is {total:,} simulated patients; the limit is {MAX_PATIENTS_SIMULATED:,} "
                         "(rule: simulation size)")


def grid_count(option: str, start: float, stop: float, step: float) -> int:
    """How many values ``start:stop:step`` has, refused above :data:`MAX_GRID_VALUES` before any is made."""
    count = math.floor((stop - start) / step + 0.5) + 1 if step > 0 and stop >= start else 0
    if count > MAX_GRID_VALUES:
        raise LimitError(f"{option}: {start:g}:{stop:g}:{step:g} has {count:,} values; the limit is "
                         f"{MAX_GRID_VALUES} (rule: grid size)")
    return count


def dask_address(address: str) -> tuple[str, str, int]:
    """``tcp://host:port`` or ``tls://host:port`` (or ``host:port``) as (address, host, port);
    :class:`OptionError` otherwise."""
    text = address.strip()
    url = urlsplit(text if "://" in text else f"tcp://{text}")
    rule = "expected a Dask scheduler address tcp://HOST:PORT (rule: scheduler address)"
    if (url.scheme not in DASK_SCHEMES or not url.hostname or not _HOST.match(url.hostname)
            or url.path not in ("", "/") or url.query):
        raise OptionError("--dask", f"{address!r}: {rule}")
    try:
        port = url.port
    except ValueError:
        port = None
    if port is None or not 1 <= port <= 65535:
        raise OptionError("--dask", f"{address!r}: the port must be a number from 1 to 65535 ({rule})")
    return f"{url.scheme}://{url.hostname}:{port}", url.hostname, port


def connect_dask(address: str, timeout: float = DASK_TIMEOUT_S):
    """A ``distributed.Client`` for `address`, or one line naming the address within `timeout` seconds.

    A plain TCP connection is tried first: nothing listening is reported at once, an unreachable host after
    `timeout` seconds.
    """
    if address.startswith("inproc://"):  # a scheduler in this process (LocalCluster(processes=False))
        addr, host, port = address, None, None
    else:
        addr, host, port = dask_address(address)
    try:
        if host is not None:
            socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        why = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or type(exc).__name__).lower()
        raise OptionError("--dask", f"cannot connect to {addr}: {why} (rule: a running Dask scheduler, "
                                    f"reachable within {timeout:g} s)") from None
    try:
        from distributed import Client
    except ImportError:
        raise OptionError("--dask", "the 'distributed' package is not installed") from None
    try:
        return Client(addr, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise OptionError("--dask", f"cannot connect to {addr}: {' '.join(str(exc).split())} (rule: a running "
                                    "Dask scheduler)") from None
