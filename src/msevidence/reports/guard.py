"""Keeping an output folder sound: one writer at a time, no stale staging, no orphan workers or kernels.

- :func:`output_lock`: an exclusive ``fcntl.flock`` on ``<out>/.msevidence.lock``; a second ``report`` on the
  same folder says who holds it and waits until it is released (the lock dies with its process, even on SIGKILL).
- :func:`clean_stale`: removes staging folders and temporary files that an interrupted run left behind (only
  ever called with the lock held, so nothing of a live run is removed).
- :func:`sigterm_as_interrupt`: SIGTERM is handled like Ctrl-C (``KeyboardInterrupt``), so both stop the
  workers and remove staging; :func:`signals_deferred` holds both back while a worker is being registered or
  the tree is being killed, so no process is ever started unrecorded or left half-killed.
- :func:`worker_init`: pool workers ignore SIGINT (the parent decides) and get SIGKILL when the parent dies
  (``PR_SET_PDEATHSIG``); their kernels exit when their worker does (ipykernel's parent poller).
- :func:`kill_tree`: freeze processes and all their descendants (SIGSTOP, so none can start another), then
  SIGKILL them (psutil). Our own children are left for their owner to reap (``multiprocessing`` believes an
  already-reaped child is alive forever: the cause of runs that printed "stopped" and never exited).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from msevidence.errors import OutputError

LOCK_NAME = ".msevidence.lock"
STAGING_PREFIX = ".staging-"
PR_SET_PDEATHSIG = 1


def prepare_output(root: Path) -> Path:
    """Create the output folder if needed; refuse a file, a folder under a file, or a folder not writable."""
    for p in (root, *root.parents):
        if p.exists():
            if not p.is_dir():
                raise OutputError(p, "is a file, not a folder (rule: --out is a folder)")
            break
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError.from_os(root, exc, "cannot create the output folder") from None
    if not os.access(root, os.W_OK | os.X_OK):
        raise OutputError(root, "not writable (rule: writable output path)")
    return root


@contextlib.contextmanager
def output_lock(root: Path, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the exclusive lock of `root` for the duration of the block (waiting, with a message, if taken)."""
    path = root / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError.from_os(path, exc, "cannot create the lock file") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            say(f"{root}: another msevidence report (pid {holder}) is writing this folder; waiting for it to "
                "finish (Ctrl-C to give up)")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def clean_stale(root: Path) -> int:
    """Remove staging folders and temporary files left by interrupted runs (call with the lock held)."""
    n = 0
    for folder in (root, *(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))):
        for p in folder.glob(f"{STAGING_PREFIX}*"):
            shutil.rmtree(p, ignore_errors=True)
            n += 1
        for p in folder.glob(".*.tmp-*"):
            with contextlib.suppress(OSError):
                p.unlink()
    return n


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises KeyboardInterrupt in the main thread (as Ctrl-C does)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def signals_deferred(reraise: bool = True) -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM are held back; one that arrived is raised as KeyboardInterrupt after
    it (or dropped, ``reraise=False``, when the block is the reaction to an interrupt)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum))
                for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if caught and reraise:
        raise KeyboardInterrupt(f"signal {caught[0]}")


def worker_init() -> None:
    """Pool-worker initializer: ignore SIGINT, die with the parent (Linux PR_SET_PDEATHSIG), skip the slow
    optional imports (:mod:`msevidence.startup`)."""
    from msevidence.startup import skip_slow_optional_imports

    skip_slow_optional_imports()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)


def kill_tree(pids: Iterable[int]) -> None:
    """SIGKILL each process and every descendant (kernels run in their own sessions); reap all but our children.

    Each process is stopped before its children are listed, so a worker cannot start a kernel between the
    listing and the kill.
    """
    import psutil

    procs: dict[int, psutil.Process] = {}
    todo = list(pids)
    while todo:
        try:
            p = psutil.Process(todo.pop())
            if p.pid in procs:
                continue
            p.suspend()
            procs[p.pid] = p
            todo += [c.pid for c in p.children()]
        except psutil.NoSuchProcess:
            continue
    for p in procs.values():
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    me = os.getpid()
    others = []
    for p in procs.values():
        with contextlib.suppress(psutil.NoSuchProcess):
            if p.ppid() != me:
                others.append(p)
    # dead once a zombie: its new parent (init) reaps it whenever it likes, there is nothing to wait for
    deadline = time.monotonic() + 5
    while (others := [p for p in others if _running(p)]) and time.monotonic() < deadline:
        time.sleep(0.02)


def _running(p) -> bool:
    import psutil

    try:
        return p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
