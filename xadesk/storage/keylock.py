"""One writer at a time for the key file, across threads and processes.

Every change to the key file is a read-modify-write: a session holds the copy it read at login, and
saving that copy after another session (another window, another PC on the share) saved would undo
the other change — a granted counselling key gone, a new password reverted. So every change runs
inside :func:`held`, which takes ``<database>.keys.lock`` (``flock`` on POSIX, ``msvcrt.locking`` on
Windows; the operating system drops the lock when the process dies, so a crash never leaves the
school locked), and the caller reads the file again inside it (``KeyFile.update``).

The lock is re-entrant within a thread: an account change that purges a slot inside an outer update
must not wait for itself.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt
else:
    import fcntl

_guard = threading.RLock()
_held: dict[str, tuple[int, int]] = {}  # lock path -> (fd, depth), for the thread holding _guard
_WAIT_SECONDS = 30.0


def lock_path(keyfile: Path) -> Path:
    return keyfile.with_name(keyfile.name + ".lock")


class KeyFileBusy(Exception):
    """Another process kept the key file locked for longer than anyone should."""


def _acquire(fd: int) -> None:
    deadline = time.monotonic() + _WAIT_SECONDS
    while True:
        try:
            if os.name == "nt":  # pragma: no cover
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise KeyFileBusy(str(fd)) from None
            time.sleep(0.02)


def _release(fd: int) -> None:
    try:
        if os.name == "nt":  # pragma: no cover
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def held(keyfile: Path) -> Iterator[None]:
    """Hold the key file's lock for the block (re-entrant in this thread)."""
    key = str(lock_path(Path(keyfile)).resolve())
    with _guard:
        if key in _held:
            fd, depth = _held[key]
            _held[key] = (fd, depth + 1)
            try:
                yield
            finally:
                fd, depth = _held[key]
                _held[key] = (fd, depth - 1)
            return
        Path(key).parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _acquire(fd)
        except BaseException:
            os.close(fd)
            raise
        _held[key] = (fd, 1)
        try:
            yield
        finally:
            del _held[key]
            _release(fd)
