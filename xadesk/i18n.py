"""Message language for the core and the command line.

The core speaks Simplified Chinese by default; ``XADESK_LANG=en`` switches messages to English.
Each user-facing message is written in both languages at the place it is raised, so the two never
drift apart and no catalogue lookup can fail at the moment an error has to be shown.
"""

from __future__ import annotations

import os


def language() -> str:
    lang = os.environ.get("XADESK_LANG", "zh").strip().lower()
    return "en" if lang.startswith("en") else "zh"


def msg(zh: str, en: str) -> str:
    """Pick the message for the current language."""
    return en if language() == "en" else zh
