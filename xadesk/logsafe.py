"""Crash reports that carry no student data.

An unexpected exception's message may contain values (a name in a failed INSERT, an answer in a
ValueError), so a report keeps only the exception types and the stack's file:line:function — enough
to find the bug, nothing about the student. Reports go to ``<user data>/logs/``: one file per crash
(the CLI), or appended to one log file that is rotated past 1 MB (the desktop app, ``path=``).

This is the only scrubber: the CLI and the GUI (``ui.worker``) both report through it.
"""

from __future__ import annotations

import platform
import threading
import traceback
from datetime import datetime
from pathlib import Path

from . import __version__
from .paths import data_dir

CRASH_LOG_MAX_BYTES = 1_000_000
_MAX_CHAIN = 8


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes/contexts, oldest first (as Python prints them)."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(chain) < _MAX_CHAIN:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return chain[::-1]


def scrubbed_traceback(exc: BaseException) -> str:
    """The exception chain as types and ``file:line in function`` only: no messages, no source lines,
    no locals, no folders (a path may hold the user's name)."""
    lines = [f"XA Desk {__version__} on {platform.system()} {platform.release()}, "
             f"Python {platform.python_version()}, thread {threading.current_thread().name}"]
    for index, item in enumerate(_chain(exc)):
        if index:
            lines.append("-- which led to --")
        lines.append("Traceback (most recent call last):")
        for frame in traceback.extract_tb(item.__traceback__):
            lines.append(f"  {Path(frame.filename).name}:{frame.lineno} in {frame.name}")
        lines.append(f"{type(item).__module__}.{type(item).__qualname__}")
    return "\n".join(lines) + "\n"


def report_crash(exc: BaseException, folder: Path | None = None, *, path: Path | None = None) -> Path | None:
    """Write a scrubbed report; return where it went (None if the disk refused).

    Default: a new ``crash-<time>.txt`` in ``folder`` (``<user data>/logs``). With ``path``: appended
    to that one file, which is moved to ``<name>.1`` once it passes 1 MB.
    """
    report = scrubbed_traceback(exc)
    try:
        if path is None:
            folder = folder or data_dir() / "logs"
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            target = folder / f"crash-{datetime.now():%Y%m%d-%H%M%S}.txt"
            target.write_text(report, encoding="utf-8")
            return target
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path.exists() and path.stat().st_size > CRASH_LOG_MAX_BYTES:
            path.replace(path.with_name(path.name + ".1"))
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"=== {datetime.now():%Y-%m-%d %H:%M:%S}\n{report}\n")
        return path
    except OSError:
        return None
