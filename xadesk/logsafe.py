"""Crash reports that carry no student data.

An unexpected exception's message may contain values (a name in a failed INSERT, an answer in a
ValueError), so a report keeps only the exception types and the stack's file:line:function — enough
to find the bug, nothing about the student. Reports go to ``<user data>/logs/``.
"""

from __future__ import annotations

import platform
import traceback
from datetime import datetime
from pathlib import Path

from . import __version__
from .paths import data_dir


def scrubbed_traceback(exc: BaseException) -> str:
    lines = [f"XA Desk {__version__} on {platform.system()} {platform.release()}, Python {platform.python_version()}"]
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 5:
        lines.append(f"{type(current).__module__}.{type(current).__qualname__}")
        for frame in traceback.extract_tb(current.__traceback__):
            lines.append(f"  {Path(frame.filename).name}:{frame.lineno} in {frame.name}")
        current = current.__cause__ or current.__context__
        seen += 1
    return "\n".join(lines) + "\n"


def report_crash(exc: BaseException, folder: Path | None = None) -> Path | None:
    folder = folder or data_dir() / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"crash-{datetime.now():%Y%m%d-%H%M%S}.txt"
        path.write_text(scrubbed_traceback(exc), encoding="utf-8")
        return path
    except OSError:
        return None
